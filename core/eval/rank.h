// The one ranking rule of every offline metric (evaluate_ranking, the hybrid weight tuning
// that uses it, the SASRec trainer's validation): the rank of a held-out item is the number
// of candidates counted before it, where
//   - a candidate with a score equal to the target's counts before it (a tie is never a
//     free hit: a model that gives many items the same score is not rewarded for it);
//   - a NaN candidate counts after every number (it is not a prediction);
//   - a NaN target counts after everything, past the end of the list: it is never a hit,
//     whatever the cut-off or the catalog size.
// top_k (what a device shows) breaks ties by lower index instead; that order is a fine
// presentation but would let the evaluation choose which tied item wins.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace hearth {

// The rank of a held-out item whose score is NaN.
constexpr size_t kRankNever = std::numeric_limits<size_t>::max();

// Whether a candidate's score counts before a (non-NaN) target's score.
inline bool counts_before(float candidate, float target) { return candidate >= target; }

// The rank of `target` among scores[0, n), leaving out the target itself and the items with
// excluded[i] != 0 (when `excluded` is not null).
inline size_t rank_of_target(const float* scores, size_t n, size_t target,
                             const uint8_t* excluded = nullptr) {
    const float t = scores[target];
    if (std::isnan(t)) return kRankNever;
    size_t rank = 0;
    for (size_t i = 0; i < n; ++i)
        rank += (counts_before(scores[i], t) && i != target && (!excluded || !excluded[i])) ? 1 : 0;
    return rank;
}

// Hit and NDCG gain at a cut-off, and the reciprocal rank, of one ranked item.
inline bool hit_at(size_t rank, size_t k) { return rank < k; }
inline double ndcg_gain(size_t rank) {
    return rank == kRankNever ? 0.0 : 1.0 / std::log2(static_cast<double>(rank) + 2.0);
}
inline double reciprocal_rank(size_t rank) {
    return rank == kRankNever ? 0.0 : 1.0 / (static_cast<double>(rank) + 1.0);
}

}  // namespace hearth
