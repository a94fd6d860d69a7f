// A history item's share in a recommendation's score, as every model reports it.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

namespace hearth {

struct Reason {
    uint32_t item;  // the history item
    float weight;   // its contribution (MF) or influence (SASRec) on the score
};

// Largest weight first; equal weights by item, so lists are deterministic.
inline void sort_reasons(std::vector<Reason>& reasons) {
    std::sort(reasons.begin(), reasons.end(), [](const Reason& a, const Reason& b) {
        return a.weight > b.weight || (a.weight == b.weight && a.item < b.item);
    });
}

}  // namespace hearth
