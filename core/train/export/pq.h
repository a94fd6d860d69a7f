// Product-quantized catalogs (hearth export --pq M): per-subspace k-means codebooks trained
// at export, 4-bit codes packed for the fast-scan kernel (core/device/kernels/pq.h), and the
// sections a device needs to score a catalog approximately and re-score the best
// candidates exactly (core/device/engine/pq_index.h, core/device/bundle/FORMAT.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/device/bundle/bundle.h"

namespace hearth {

struct PqTrainOptions {
    uint64_t seed = 42;
    uint32_t iterations = 25;         // Lloyd iterations per subspace
    uint32_t max_samples = 65536;     // k-means is fitted on at most this many rows: the
                                      // quarter with the largest norms (the rows top-k
                                      // lists are made of, whose extreme coordinates would
                                      // otherwise be clipped to the outermost centroids)
                                      // and a seeded uniform sample of the rest; every row
                                      // is then encoded
};

// S + 1 dim offsets splitting `dim` dims into S contiguous subspaces whose widths differ by
// at most one. With `last_alone`, the last dim (an explicit model's item bias) is a
// subspace of its own and the other dim - 1 dims share the other S - 1 subspaces.
// Throws Error("argument") when there are fewer dims than subspaces.
std::vector<uint32_t> pq_subspace_bounds(uint32_t dim, uint32_t subspaces, bool last_alone);

// k-means with kPqCentroids centroids of the rows' dims [lo, hi): k-means++ seeding from
// `seed`, then `iterations` Lloyd steps; an empty cluster takes the sample point farthest
// from its centroid. Deterministic for a seed. Returns 16 x (hi - lo) centroids.
std::vector<float> pq_kmeans(const float* rows, size_t n, size_t dim, uint32_t lo, uint32_t hi,
                             const std::vector<uint32_t>& sample, uint64_t seed, uint32_t iterations);

struct PqCodebook {
    std::vector<uint32_t> bounds;   // S + 1
    std::vector<float> centroids;   // 16 x dim: row c = centroid c of every subspace
    std::vector<uint8_t> codes;     // n x S, each < 16: the nearest centroid (lowest index on ties)
};

// Trains one codebook per subspace on `rows` (n x dim) and encodes every row.
PqCodebook pq_train(const float* rows, size_t n, size_t dim, const std::vector<uint32_t>& bounds,
                    const PqTrainOptions& options);

// The rows rebuilt from their codes (n x dim).
std::vector<float> pq_reconstruct(const PqCodebook& book, size_t n, size_t dim);

struct PqExportOptions {
    uint32_t bytes = 16;  // code bytes per item (M): 2 M subspaces of 16 centroids
    PqTrainOptions train;
};

// Copies every section of `bundle` and adds, for each item table it holds (MF factors,
// with an explicit model's item biases as one more dim; SASRec item embeddings), the PQ
// sections `<model>.pq_bounds`, `.pq_codebook`, `.pq_codes`, `.pq_mean` and `.pq_cov`,
// trained on the rows the engine re-scores with (fp32, or dequantized int8 for an int8
// bundle, which stay in the bundle). The meta JSON gains "catalog_pq". Throws
// Error("argument") for a bundle that already has PQ sections or too few dims.
std::vector<uint8_t> pq_bundle(const BundleReader& bundle, const PqExportOptions& options);

}  // namespace hearth
