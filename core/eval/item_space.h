// The catalog as list evaluation and re-ranking see it (an ItemSpace), with its storage:
// item embeddings of the trained model, item tags and training popularity. Tags come from
// the item metadata when the data has it, or else from clustering the embeddings, so that
// calibration can be measured on data without metadata (the Amazon sequence files).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/device/rerank/rerank.h"

namespace hearth {

struct ItemSpaceData {
    uint32_t items = 0;
    std::vector<float> embeddings;  // items x dim; empty: none (popularity has none)
    uint32_t dim = 0;
    std::vector<uint32_t> tag_offsets;  // items + 1; empty: no tags
    std::vector<uint32_t> tag_ids;
    std::vector<std::string> tag_names;
    std::vector<float> popularity;  // training events per item (the novelty control)

    ItemSpace view() const;  // points into this object
    void set_tags(const std::vector<std::vector<uint32_t>>& item_tags, std::vector<std::string> names);
    bool has_tags() const { return !tag_offsets.empty() && !tag_names.empty(); }
};

// Spherical k-means: rows of `embeddings` normalised to unit length, k-means++ seeding from
// a splitmix64 stream of `seed`, then `iterations` Lloyd steps (fewer when nothing moves).
// Returns each item's cluster in [0, k), or UINT32_MAX for an item with a zero embedding
// (no direction: it gets no tag). Deterministic for a seed; k is capped at the number of
// nonzero rows.
std::vector<uint32_t> kmeans_clusters(const float* embeddings, uint32_t items, uint32_t dim,
                                      uint32_t k, uint64_t seed = 42, uint32_t iterations = 10);

// One tag per cluster ("cluster 1" ... "cluster k"), for ItemSpaceData::set_tags.
void set_cluster_tags(ItemSpaceData& space, const std::vector<uint32_t>& clusters, uint32_t k);

}  // namespace hearth
