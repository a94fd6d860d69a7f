// A user x item matrix of observed values, compressed both by user and by item, as the
// alternating solves need it.
#pragma once
#include <cstdint>
#include <vector>

#include "core/data/interactions.h"

namespace hearth {

enum class MfKind : uint32_t;

struct SparseRows {
    std::vector<uint32_t> start;  // rows + 1 offsets
    std::vector<uint32_t> index;  // column of each entry, ascending within a row
    std::vector<float> value;
    uint32_t rows() const { return static_cast<uint32_t>(start.size() - 1); }
};

struct RatingMatrix {
    uint32_t users = 0;
    uint32_t items = 0;
    SparseRows by_user;  // row = user, index = item
    SparseRows by_item;  // row = item, index = user

    // Repeated (user, item) events merge as inference merges a history: implicit values
    // add up, and for explicit ratings the latest (by timestamp, then order) counts.
    static RatingMatrix build(uint32_t users, uint32_t items, const std::vector<Interaction>& events,
                              MfKind kind);
};

}  // namespace hearth
