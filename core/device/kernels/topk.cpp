#include "core/device/kernels/topk.h"

#include <algorithm>
#include <cmath>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hearth {

namespace {

// Heap ordered so the worst kept entry is at the front.
bool worse_on_top(const Scored& a, const Scored& b) { return ranks_before(a, b); }

// Replaces the worst kept entry (the heap's front) by a better candidate.
void admit(const Scored& candidate, std::vector<Scored>& heap) {
    std::pop_heap(heap.begin(), heap.end(), worse_on_top);
    heap.back() = candidate;
    std::push_heap(heap.begin(), heap.end(), worse_on_top);
}

// The first index in [from, to) whose score beats `threshold` (NaN never does), or `to`.
// Once the heap is full almost no item enters it, so the scan is a comparison of four
// scores at a time against the worst kept score, with no per-item branch on the heap.
size_t next_above(const float* scores, size_t from, size_t to, float threshold) {
    size_t i = from;
#if defined(__wasm_simd128__)
    const v128_t t = wasm_f32x4_splat(threshold);
    for (; i + 4 <= to; i += 4)
        if (wasm_v128_any_true(wasm_f32x4_gt(wasm_v128_load(scores + i), t))) break;
#elif defined(__SSE2__)
    const __m128 t = _mm_set1_ps(threshold);
    for (; i + 4 <= to; i += 4)
        if (_mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(scores + i), t))) break;
#endif
    for (; i < to; ++i)
        if (scores[i] > threshold) return i;
    return to;
}

}  // namespace

void top_k(const float* scores, size_t n, size_t k, const uint8_t* excluded,
           std::vector<Scored>& out) {
    out.clear();
    if (k == 0) return;
    size_t i = 0;
    for (; i < n && out.size() < k; ++i) {
        if ((excluded && excluded[i]) || std::isnan(scores[i])) continue;
        out.push_back({static_cast<uint32_t>(i), scores[i]});
        std::push_heap(out.begin(), out.end(), worse_on_top);
    }
    // Full: a later item enters only with a strictly higher score than the worst kept one,
    // since on a tie the lower index (seen earlier) ranks first.
    while (i < n) {
        i = next_above(scores, i, n, out.front().score);
        if (i == n) break;
        if (!(excluded && excluded[i])) admit({static_cast<uint32_t>(i), scores[i]}, out);
        ++i;
    }
    std::sort_heap(out.begin(), out.end(), worse_on_top);
}

std::vector<Scored> top_k_by_sort(const float* scores, size_t n, size_t k,
                                  const uint8_t* excluded) {
    std::vector<Scored> all;
    for (size_t i = 0; i < n; ++i)
        if (!(excluded && excluded[i]) && !std::isnan(scores[i]))
            all.push_back({static_cast<uint32_t>(i), scores[i]});
    std::sort(all.begin(), all.end(), ranks_before);
    if (all.size() > k) all.resize(k);
    return all;
}

}  // namespace hearth
