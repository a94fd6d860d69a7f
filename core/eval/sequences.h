// Interaction logs as per-user sequences, and the leave-one-out split sequential
// recommenders are evaluated with (Kang & McAuley 2018): for users with at least 3 events,
// the last item is the test target and the one before it the validation target.
#pragma once
#include <cstdint>
#include <vector>

#include "core/data/interactions.h"
#include "core/eval/split.h"
#include "core/train/mf/rating_matrix.h"

namespace hearth {

// Each user's items, oldest first (by timestamp; ties keep source order).
std::vector<std::vector<uint32_t>> user_sequences(const Interactions& data);

struct SequenceSplit {
    std::vector<std::vector<uint32_t>> train;  // per user: everything before the validation item
    std::vector<HeldOut> validation;
    std::vector<HeldOut> test;
};

SequenceSplit split_sequences(const std::vector<std::vector<uint32_t>>& sequences);

// Rows of items per user, for excluding a user's history from a ranking.
SparseRows history_rows(const std::vector<std::vector<uint32_t>>& sequences);

}  // namespace hearth
