// Turns a trained MF model and its catalog into a .hearth bundle.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/bundle/bundle.h"
#include "core/data/interactions.h"
#include "core/mf/trainer.h"

namespace hearth {

// The catalog as written into a bundle, in dense item order.
struct CatalogData {
    std::vector<std::string> ids;
    std::vector<std::string> titles;               // the id when metadata has no title
    std::vector<std::vector<uint32_t>> item_tags;  // indices into tags
    std::vector<std::string> tags;                 // sorted, unique
    std::vector<float> popularity;                 // training events per item
};

CatalogData build_catalog(const Interactions& interactions, const ItemMetadata& metadata);

// The catalog.* and mf.* sections (core/bundle/FORMAT.md lists them).
void write_catalog(BundleWriter& writer, const CatalogData& catalog);
void write_mf(BundleWriter& writer, const MfModel& model);

// `meta_json` is a JSON object describing the model, its data and its metrics.
BundleWriter mf_bundle_writer(const MfModel& model, const CatalogData& catalog,
                              const std::string& meta_json);
std::vector<uint8_t> export_mf_bundle(const MfModel& model, const CatalogData& catalog,
                                      const std::string& meta_json);

}  // namespace hearth
