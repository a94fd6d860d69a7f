#include "core/kernels/topk.h"

#include <algorithm>
#include <cmath>

namespace hearth {

namespace {

// Heap ordered so the worst kept entry is at the front.
bool worse_on_top(const Scored& a, const Scored& b) { return ranks_before(a, b); }

}  // namespace

void top_k(const float* scores, size_t n, size_t k, const uint8_t* excluded,
           std::vector<Scored>& out) {
    out.clear();
    if (k == 0) return;
    for (size_t i = 0; i < n; ++i) {
        const float s = scores[i];
        if ((excluded && excluded[i]) || std::isnan(s)) continue;
        const Scored candidate{static_cast<uint32_t>(i), s};
        if (out.size() < k) {
            out.push_back(candidate);
            std::push_heap(out.begin(), out.end(), worse_on_top);
        } else if (ranks_before(candidate, out.front())) {
            std::pop_heap(out.begin(), out.end(), worse_on_top);
            out.back() = candidate;
            std::push_heap(out.begin(), out.end(), worse_on_top);
        }
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
