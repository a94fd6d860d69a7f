// Top-k selection over a score array with a bounded heap: O(n log k), no full sort.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hearth {

struct Scored {
    uint32_t index;
    float score;
};

// Higher score first; equal scores by lower index, so results are deterministic.
inline bool ranks_before(const Scored& a, const Scored& b) {
    return a.score > b.score || (a.score == b.score && a.index < b.index);
}

// The k best entries of scores[0..n), best first. Entries with excluded[i] != 0
// (when `excluded` is not null) and NaN scores are never returned. `out` is reused:
// it is cleared, and its capacity kept, so a warm caller does not allocate.
void top_k(const float* scores, size_t n, size_t k, const uint8_t* excluded,
           std::vector<Scored>& out);

// Reference: sort every eligible entry, keep the first k. For tests.
std::vector<Scored> top_k_by_sort(const float* scores, size_t n, size_t k,
                                  const uint8_t* excluded);

}  // namespace hearth
