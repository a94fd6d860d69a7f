// A history item's share in a recommendation's score, as every model reports it.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hearth {

struct Reason {
    uint32_t item;  // the history item
    float weight;   // its contribution (MF) or influence (SASRec) on the score
};

// Largest weight first; equal weights by item, so lists are deterministic. With `keep`
// below the size only the first `keep` are put in order (a list shows a few reasons per
// item, and sorting a long history's whole list for every listed item measured as a
// visible share of recommend() in scripts/bench).
inline void sort_reasons(std::vector<Reason>& reasons, size_t keep = SIZE_MAX) {
    const auto before = [](const Reason& a, const Reason& b) {
        return a.weight > b.weight || (a.weight == b.weight && a.item < b.item);
    };
    if (keep < reasons.size())
        std::partial_sort(reasons.begin(), reasons.begin() + static_cast<std::ptrdiff_t>(keep), reasons.end(), before);
    else
        std::sort(reasons.begin(), reasons.end(), before);
}

}  // namespace hearth
