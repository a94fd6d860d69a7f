// Turns a trained MF model and its catalog into a .hearth bundle.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/common/tag_kind.h"

#include "core/data/interactions.h"
#include "core/device/bundle/bundle.h"
#include "core/train/mf/trainer.h"

namespace hearth {

// The catalog as written into a bundle, in dense item order.
struct CatalogData {
    std::vector<std::string> ids;
    std::vector<std::string> titles;               // the id when metadata has no title
    std::vector<std::vector<uint32_t>> item_tags;  // indices into tags
    std::vector<std::string> tags;                 // sorted, unique
    std::vector<TagKind> tag_kinds;                // per tag; empty when the data named no kind
    std::vector<float> popularity;                 // training events per item
};

// Which items a catalog holds. Interactions: the interactions' items, in their order (what
// the models are trained and evaluated on). WithNewItems: after those, the metadata's items
// that have tags but no interactions (new releases, unrated films), ordered by id (numeric
// ids by value), for the content model (core/train/export/content_model.h) to place. Metadata items
// without tags are left out: nothing would say where they belong.
enum class CatalogScope { Interactions, WithNewItems };

CatalogData build_catalog(const Interactions& interactions, const ItemMetadata& metadata,
                          CatalogScope scope = CatalogScope::Interactions);

// The catalog.* sections, and the mood.* map built from the catalog's tags
// (default_mood_map, core/train/export/mood_map.h), so that every bundle with a catalog carries
// the moods its tags can express. core/device/bundle/FORMAT.md lists the sections.
void write_catalog(BundleWriter& writer, const CatalogData& catalog);
// The mf.* sections.
void write_mf(BundleWriter& writer, const MfModel& model);

// `meta_json` is a JSON object describing the model, its data and its metrics.
BundleWriter mf_bundle_writer(const MfModel& model, const CatalogData& catalog,
                              const std::string& meta_json);
std::vector<uint8_t> export_mf_bundle(const MfModel& model, const CatalogData& catalog,
                                      const std::string& meta_json);

}  // namespace hearth
