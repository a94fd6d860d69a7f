#include "core/device/engine/catalog.h"

#include <algorithm>
#include <cmath>

#include "core/common/error.h"

namespace hearth {

Catalog::Catalog(const BundleReader& bundle) {
    ids_ = bundle.strings("catalog.ids");
    const uint32_t n = ids_.size();
    titles_ = bundle.strings("catalog.titles", n);
    tags_ = bundle.strings("catalog.tags");
    tag_offsets_ = bundle.u32("catalog.tag_offsets", n + 1, 1);
    const SectionInfo& tag_ids = bundle.section("catalog.tag_ids");
    tag_ids_ = bundle.u32("catalog.tag_ids", tag_ids.rows, 1);
    popularity_ = bundle.f32("catalog.popularity", n, 1);

    if (tag_offsets_[0] != 0)
        throw Error("bundle", "section 'catalog.tag_offsets': first offset is not 0");
    for (uint32_t i = 0; i < n; ++i)
        if (tag_offsets_[i + 1] < tag_offsets_[i])
            throw Error("bundle", "section 'catalog.tag_offsets': offsets decrease at item " +
                                      std::to_string(i));
    if (tag_offsets_[n] != tag_ids_.size)
        throw Error("bundle", "section 'catalog.tag_offsets': last offset " +
                                  std::to_string(tag_offsets_[n]) + " != " +
                                  std::to_string(tag_ids_.size) + " tag ids");
    for (size_t i = 0; i < tag_ids_.size; ++i)
        if (tag_ids_[i] >= tags_.size())
            throw Error("bundle", "section 'catalog.tag_ids': tag " +
                                      std::to_string(tag_ids_[i]) + " at " + std::to_string(i) +
                                      " is not one of the " + std::to_string(tags_.size()) +
                                      " tags");
    if (bundle.has("catalog.tag_kinds")) {
        const StringTable kinds = bundle.strings("catalog.tag_kinds", tags_.size());
        tag_kinds_.resize(kinds.size());
        for (uint32_t t = 0; t < kinds.size(); ++t)
            if (!tag_kind_of(kinds[t], tag_kinds_[t]))
                throw Error("bundle", "section 'catalog.tag_kinds': tag " + std::to_string(t) + " has kind '" +
                                          std::string(kinds[t].substr(0, 40)) +
                                          "', not one of genre, mood, series, other");
    }
    if (bundle.has("catalog.id_order")) {
        id_order_ = bundle.u32("catalog.id_order", n, 1);
        // In range, so a search never reads past the catalog.
        for (uint32_t i = 0; i < n; ++i)
            if (id_order_[i] >= n)
                throw Error("bundle", "section 'catalog.id_order': entry " + std::to_string(i) + " is " +
                                          std::to_string(id_order_[i]) + ", not an item of the " +
                                          std::to_string(n));
        // Strictly ascending ids in this order: sorted (so find() finds every id), a
        // permutation, and unique ids (FORMAT.md), in one pass of adjacent comparisons.
        for (uint32_t k = 1; k < n; ++k) {
            const uint32_t a = id_order_[k - 1], b = id_order_[k];
            if (a == b)
                throw Error("bundle", "section 'catalog.id_order': item " + std::to_string(a) +
                                          " is listed twice, at index " + std::to_string(k));
            const int c = ids_[a].compare(ids_[b]);
            if (c == 0) duplicate_id(std::max(a, b), std::min(a, b));
            if (c > 0)
                throw Error("bundle", "section 'catalog.id_order': ids are not in ascending order at index " +
                                          std::to_string(k));
        }
    } else {
        build_index();  // rejects a repeated id
    }
    check_values("catalog.popularity", popularity_, kMaxValue);
    for (uint32_t i = 0; i < n; ++i)
        if (!(popularity_[i] >= 0.0f))
            throw Error("bundle", "section 'catalog.popularity': item " + std::to_string(i) +
                                      " has an invalid popularity");
}

void Catalog::duplicate_id(uint32_t item, uint32_t first) const {
    constexpr size_t kShown = 40;
    const std::string_view id = ids_[item];
    const std::string shown = id.size() <= kShown ? std::string(id) : std::string(id.substr(0, kShown)) + "...";
    throw Error("bundle", "section 'catalog.ids': duplicate id '" + shown + "' at index " +
                              std::to_string(item) + " (also at index " + std::to_string(first) + ")");
}

namespace {

constexpr uint32_t kEmptySlot = 0xffffffffu;

size_t slot_of(std::string_view id, size_t mask) { return xxh64(id.data(), id.size(), 0) & mask; }

}  // namespace

// For bundles without catalog.id_order, built at open. Open addressing with linear probing
// in a power-of-two table at most half full: one allocation instead of a node per id. A
// repeated id is an error (FORMAT.md: ids are unique).
void Catalog::build_index() const {
    size_t capacity = 16;
    while (capacity < 2 * static_cast<size_t>(size())) capacity *= 2;
    slots_.assign(capacity, kEmptySlot);
    const size_t mask = capacity - 1;
    for (uint32_t i = 0; i < size(); ++i) {
        size_t s = slot_of(ids_[i], mask);
        while (slots_[s] != kEmptySlot && ids_[slots_[s]] != ids_[i]) s = (s + 1) & mask;
        if (slots_[s] != kEmptySlot) duplicate_id(i, slots_[s]);
        slots_[s] = i;
    }
}

int64_t Catalog::find(std::string_view id) const {
    if (size() == 0) return -1;
    if (id_order_.size > 0) {
        const uint32_t* first = id_order_.data;
        const uint32_t* it = std::lower_bound(first, first + id_order_.size, id,
                                              [&](uint32_t item, std::string_view key) { return ids_[item] < key; });
        return it != first + id_order_.size && ids_[*it] == id ? static_cast<int64_t>(*it) : -1;
    }
    const size_t mask = slots_.size() - 1;
    for (size_t s = slot_of(id, mask);; s = (s + 1) & mask) {
        const uint32_t item = slots_[s];
        if (item == kEmptySlot) return -1;
        if (ids_[item] == id) return item;
    }
}

}  // namespace hearth
