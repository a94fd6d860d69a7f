// The item catalog stored in a bundle: external ids, titles, tags (CSR) and popularity.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/tag_kind.h"
#include "core/device/bundle/bundle.h"

namespace hearth {

class Catalog {
public:
    Catalog() = default;
    // Reads and validates the catalog.* sections (see core/device/bundle/FORMAT.md).
    explicit Catalog(const BundleReader& bundle);

    uint32_t size() const { return ids_.size(); }
    std::string_view id(uint32_t item) const { return ids_[item]; }
    std::string_view title(uint32_t item) const { return titles_[item]; }
    float popularity(uint32_t item) const { return popularity_[item]; }
    uint32_t tag_count() const { return tags_.size(); }
    std::string_view tag_name(uint32_t tag) const { return tags_[tag]; }
    // Other for every tag of a bundle without catalog.tag_kinds.
    TagKind tag_kind(uint32_t tag) const { return tag_kinds_.empty() ? TagKind::Other : tag_kinds_[tag]; }
    // The tags of an item as indices into tag_name().
    Span<uint32_t> item_tags(uint32_t item) const {
        return {tag_ids_.data + tag_offsets_[item], tag_offsets_[item + 1] - tag_offsets_[item]};
    }

    // Raw views for re-ranking (core/rerank): items + 1 tag offsets, tag ids, popularity.
    const uint32_t* tag_offsets() const { return tag_offsets_.data; }
    const uint32_t* tag_ids() const { return tag_ids_.data; }
    const float* popularity() const { return popularity_.data; }

    // Dense index of an external id, or -1: a binary search over catalog.id_order, or (in
    // bundles written without that section) a hash table built at open.
    int64_t find(std::string_view id) const;

private:
    void build_index() const;
    [[noreturn]] void duplicate_id(uint32_t item, uint32_t first) const;

    StringTable ids_, titles_, tags_;
    Span<uint32_t> tag_offsets_, tag_ids_;
    Span<float> popularity_;
    std::vector<TagKind> tag_kinds_;  // empty when the bundle has no catalog.tag_kinds
    Span<uint32_t> id_order_;  // empty in bundles written before catalog.id_order
    mutable std::vector<uint32_t> slots_;  // find()'s hash table of item indices
};

}  // namespace hearth
