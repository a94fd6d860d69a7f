#include "core/eval/item_space.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/common/error.h"
#include "core/common/rng.h"

namespace hearth {

ItemSpace ItemSpaceData::view() const {
    ItemSpace s;
    s.items = items;
    if (!embeddings.empty()) {
        s.embeddings = embeddings.data();
        s.dim = dim;
    }
    if (has_tags()) {
        s.tag_offsets = tag_offsets.data();
        s.tag_ids = tag_ids.data();
        s.tags = static_cast<uint32_t>(tag_names.size());
    }
    if (!popularity.empty()) s.popularity = popularity.data();
    return s;
}

void ItemSpaceData::set_tags(const std::vector<std::vector<uint32_t>>& item_tags,
                             std::vector<std::string> names) {
    if (item_tags.size() != items)
        throw Error("argument", "item tags: " + std::to_string(item_tags.size()) + " rows for " +
                                    std::to_string(items) + " items");
    tag_offsets.assign(1, 0);
    tag_ids.clear();
    for (const std::vector<uint32_t>& tags : item_tags) {
        for (uint32_t t : tags) {
            if (t >= names.size()) throw Error("argument", "item tags: tag index outside the tag names");
            tag_ids.push_back(t);
        }
        tag_offsets.push_back(static_cast<uint32_t>(tag_ids.size()));
    }
    tag_names = std::move(names);
}

std::vector<uint32_t> kmeans_clusters(const float* embeddings, uint32_t items, uint32_t dim,
                                      uint32_t k, uint64_t seed, uint32_t iterations) {
    constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
    std::vector<uint32_t> cluster(items, kNone);
    if (k == 0 || dim == 0) return cluster;
    // Unit rows: clusters of direction, as cosine similarity sees the items.
    std::vector<double> x(static_cast<size_t>(items) * dim, 0.0);
    std::vector<uint32_t> rows;
    for (uint32_t i = 0; i < items; ++i) {
        const float* e = embeddings + static_cast<size_t>(i) * dim;
        double s = 0.0;
        for (uint32_t d = 0; d < dim; ++d) s += double(e[d]) * e[d];
        if (!(s > 0.0)) continue;
        const double inv = 1.0 / std::sqrt(s);
        for (uint32_t d = 0; d < dim; ++d) x[size_t(i) * dim + d] = e[d] * inv;
        rows.push_back(i);
    }
    k = std::min<uint32_t>(k, static_cast<uint32_t>(rows.size()));
    if (k == 0) return cluster;
    auto dist2 = [&](uint32_t i, const double* c) {
        double s = 0.0;
        for (uint32_t d = 0; d < dim; ++d) {
            const double v = x[size_t(i) * dim + d] - c[d];
            s += v * v;
        }
        return s;
    };

    // k-means++: each next center drawn with probability proportional to the squared
    // distance to the nearest center so far.
    SplitMix64 rng(seed);
    std::vector<double> centers(size_t(k) * dim);
    std::vector<double> nearest(rows.size(), std::numeric_limits<double>::infinity());
    uint32_t pick = rows[rng.below(static_cast<uint32_t>(rows.size()))];
    for (uint32_t c = 0; c < k; ++c) {
        std::copy(&x[size_t(pick) * dim], &x[size_t(pick) * dim] + dim, &centers[size_t(c) * dim]);
        double total = 0.0;
        for (size_t r = 0; r < rows.size(); ++r) {
            nearest[r] = std::min(nearest[r], dist2(rows[r], &centers[size_t(c) * dim]));
            total += nearest[r];
        }
        if (c + 1 == k) break;
        if (!(total > 0.0)) {  // every row sits on a center: any row will do
            pick = rows[rng.below(static_cast<uint32_t>(rows.size()))];
            continue;
        }
        double target = rng.uniform() * total;
        size_t r = 0;
        for (; r + 1 < rows.size(); ++r) {
            target -= nearest[r];
            if (target < 0.0) break;
        }
        pick = rows[r];
    }

    // Lloyd steps; an emptied cluster keeps its center.
    std::vector<double> sum(size_t(k) * dim);
    std::vector<uint32_t> size(k);
    for (uint32_t it = 0; it <= iterations; ++it) {
        bool moved = false;
        for (uint32_t i : rows) {
            uint32_t best = 0;
            double best_d = std::numeric_limits<double>::infinity();
            for (uint32_t c = 0; c < k; ++c) {
                const double d = dist2(i, &centers[size_t(c) * dim]);
                if (d < best_d) {
                    best_d = d;
                    best = c;
                }
            }
            moved |= cluster[i] != best;
            cluster[i] = best;
        }
        if (!moved || it == iterations) break;
        std::fill(sum.begin(), sum.end(), 0.0);
        std::fill(size.begin(), size.end(), 0u);
        for (uint32_t i : rows) {
            ++size[cluster[i]];
            for (uint32_t d = 0; d < dim; ++d) sum[size_t(cluster[i]) * dim + d] += x[size_t(i) * dim + d];
        }
        for (uint32_t c = 0; c < k; ++c)
            if (size[c])
                for (uint32_t d = 0; d < dim; ++d) centers[size_t(c) * dim + d] = sum[size_t(c) * dim + d] / size[c];
    }
    return cluster;
}

void set_cluster_tags(ItemSpaceData& space, const std::vector<uint32_t>& clusters, uint32_t k) {
    std::vector<std::vector<uint32_t>> tags(space.items);
    for (uint32_t i = 0; i < space.items && i < clusters.size(); ++i)
        if (clusters[i] < k) tags[i].push_back(clusters[i]);
    std::vector<std::string> names;
    for (uint32_t c = 0; c < k; ++c) names.push_back("cluster " + std::to_string(c + 1));
    space.set_tags(tags, std::move(names));
}

}  // namespace hearth
