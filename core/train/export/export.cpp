#include "core/train/export/export.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/device/bundle/bundle.h"
#include "core/train/export/mood_map.h"

namespace hearth {

namespace {

bool all_digits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "9" before "10" (MovieLens and synthetic ids are numbers); other ids in byte order, after
// the numbers.
bool id_less(const std::string& a, const std::string& b) {
    const bool na = all_digits(a), nb = all_digits(b);
    if (na != nb) return na;
    if (na && a.size() != b.size()) return a.size() < b.size();
    return a < b;
}

// Metadata items with tags that the interactions never mention.
std::vector<std::string> new_item_ids(const Interactions& interactions,
                                      const ItemMetadata& metadata) {
    const std::set<std::string_view> known(interactions.item_ids.begin(),
                                           interactions.item_ids.end());
    std::vector<std::string> ids;
    for (const auto& [id, info] : metadata.items)
        if (!info.tags.empty() && known.count(id) == 0) ids.push_back(id);
    std::sort(ids.begin(), ids.end(), id_less);
    return ids;
}

}  // namespace

CatalogData build_catalog(const Interactions& interactions, const ItemMetadata& metadata,
                          CatalogScope scope) {
    CatalogData c;
    c.ids = interactions.item_ids;
    if (scope == CatalogScope::WithNewItems) {
        const std::vector<std::string> extra = new_item_ids(interactions, metadata);
        c.ids.insert(c.ids.end(), extra.begin(), extra.end());
    }
    // The ids as the data spells them, for metadata look-ups; c.ids gets repaired below.
    const std::vector<std::string> source_ids = c.ids;
    const size_t n = c.ids.size();
    c.titles.resize(n);
    c.item_tags.resize(n);
    c.popularity.assign(n, 0.0f);
    for (const Interaction& e : interactions.events) c.popularity[e.item] += 1.0f;

    // Bundles hold well-formed UTF-8 only; text from a file in another encoding is shown
    // with U+FFFD where it cannot be read rather than refused.
    std::set<std::string_view> distinct;
    for (size_t i = 0; i < n; ++i) {
        c.ids[i] = repair_utf8(c.ids[i]);
        if (!distinct.insert(c.ids[i]).second)
            throw Error("data", "item id '" + c.ids[i] +
                                    "' occurs twice once its invalid UTF-8 is replaced");
    }

    std::map<std::string, uint32_t> tag_index;
    for (size_t i = 0; i < n; ++i) {
        const auto it = metadata.items.find(source_ids[i]);
        if (it == metadata.items.end()) continue;
        for (const std::string& t : it->second.tags) tag_index.emplace(repair_utf8(t), 0);
    }
    for (auto& [name, index] : tag_index) {
        index = static_cast<uint32_t>(c.tags.size());
        c.tags.push_back(name);
    }
    if (!metadata.tag_kinds.empty()) {
        std::map<std::string, TagKind> kinds;
        for (const auto& [tag, kind] : metadata.tag_kinds) kinds.emplace(repair_utf8(tag), kind);
        for (const std::string& tag : c.tags) {
            const auto k = kinds.find(tag);
            c.tag_kinds.push_back(k == kinds.end() ? TagKind::Other : k->second);
        }
    }
    for (size_t i = 0; i < n; ++i) {
        const auto it = metadata.items.find(source_ids[i]);
        if (it == metadata.items.end() || it->second.title.empty()) {
            c.titles[i] = c.ids[i];
        } else {
            c.titles[i] = repair_utf8(it->second.title);
        }
        if (it != metadata.items.end())
            for (const std::string& t : it->second.tags)
                c.item_tags[i].push_back(tag_index[repair_utf8(t)]);
    }
    return c;
}

void write_catalog(BundleWriter& w, const CatalogData& catalog) {
    const auto n = static_cast<uint32_t>(catalog.ids.size());
    w.add_strings("catalog.ids", catalog.ids);
    w.add_strings("catalog.titles", catalog.titles);
    w.add_strings("catalog.tags", catalog.tags);
    if (!catalog.tag_kinds.empty()) {
        if (catalog.tag_kinds.size() != catalog.tags.size())
            throw Error("argument", "catalog: " + std::to_string(catalog.tag_kinds.size()) + " tag kinds for " +
                                        std::to_string(catalog.tags.size()) + " tags");
        std::vector<std::string> names;
        for (TagKind k : catalog.tag_kinds) names.emplace_back(tag_kind_name(k));
        w.add_strings("catalog.tag_kinds", names);
    }
    std::vector<uint32_t> offsets{0}, tag_ids;
    for (const auto& tags : catalog.item_tags) {
        tag_ids.insert(tag_ids.end(), tags.begin(), tags.end());
        offsets.push_back(static_cast<uint32_t>(tag_ids.size()));
    }
    w.add_u32("catalog.tag_offsets", offsets.data(), n + 1, 1);
    w.add_u32("catalog.tag_ids", tag_ids.data(), static_cast<uint32_t>(tag_ids.size()), 1);
    w.add_f32("catalog.popularity", catalog.popularity.data(), n, 1);
    // The items in byte order of their ids: a device finds an id by binary search instead of
    // building a hash table of every id before the first recommendation.
    std::vector<uint32_t> order(n);
    for (uint32_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return catalog.ids[a] < catalog.ids[b]; });
    w.add_u32("catalog.id_order", order.data(), n, 1);

    std::vector<float> tag_frequency(catalog.tags.size(), 0.0f);
    for (uint32_t t : tag_ids) {
        if (t >= tag_frequency.size())
            throw Error("argument", "catalog: tag index " + std::to_string(t) +
                                        " is not one of the " +
                                        std::to_string(tag_frequency.size()) + " tags");
        tag_frequency[t] += 1.0f;
    }
    write_mood_sections(w, default_mood_map(catalog.tags, tag_frequency));
}

void write_mf(BundleWriter& w, const MfModel& model) {
    const uint32_t n = model.items();
    const uint32_t kind = static_cast<uint32_t>(model.params.kind);
    w.add_u32("mf.kind", &kind, 1, 1);
    const float params[4] = {model.params.reg, model.params.alpha, model.params.global_mean,
                             model.params.reg_scales_with_count ? 1.0f : 0.0f};
    w.add_f32("mf.params", params, 1, 4);
    w.add_f32("mf.factors", model.item_factors.data(), n, model.dim);
    if (model.params.kind == MfKind::Explicit)
        w.add_f32("mf.item_bias", model.item_bias.data(), n, 1);
    else
        w.add_f32("mf.gram", model.gram.data(), model.dim, model.dim);
}

BundleWriter mf_bundle_writer(const MfModel& model, const CatalogData& catalog,
                              const std::string& meta_json) {
    if (catalog.ids.size() != model.items())
        throw Error("argument", "catalog has " + std::to_string(catalog.ids.size()) +
                                    " items but the model " + std::to_string(model.items()));
    BundleWriter w;
    w.add_json("meta", meta_json);
    write_catalog(w, catalog);
    write_mf(w, model);
    return w;
}

std::vector<uint8_t> export_mf_bundle(const MfModel& model, const CatalogData& catalog,
                                      const std::string& meta_json) {
    return mf_bundle_writer(model, catalog, meta_json).finish();
}

}  // namespace hearth
