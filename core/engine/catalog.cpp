#include "core/engine/catalog.h"

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
    for (uint32_t i = 0; i < n; ++i)
        if (!std::isfinite(popularity_[i]) || popularity_[i] < 0.0f)
            throw Error("bundle", "section 'catalog.popularity': item " + std::to_string(i) +
                                      " has an invalid popularity");
}

int64_t Catalog::find(std::string_view id) const {
    if (index_.empty() && size() > 0) {
        index_.reserve(size());
        for (uint32_t i = 0; i < size(); ++i) index_.emplace(ids_[i], i);
    }
    const auto it = index_.find(id);
    return it == index_.end() ? -1 : static_cast<int64_t>(it->second);
}

}  // namespace hearth
