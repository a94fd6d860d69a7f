// Train/test splits. Leave-last-out (temporal): each user's latest event is held out for
// testing (and, with validation, the one before it for tuning); everything earlier is
// training data. Random K-fold: every event is held out exactly once, in one of K folds.
#pragma once
#include <cstdint>
#include <vector>

#include "core/data/interactions.h"

namespace hearth {

struct HeldOut {
    uint32_t user;
    uint32_t item;
    float rating;
};

struct Split {
    std::vector<Interaction> train;
    std::vector<HeldOut> validation;  // empty unless asked for
    std::vector<HeldOut> test;
};

// Indices of the events grouped by user, each user's in time order (stable: equal
// timestamps keep source order).
std::vector<uint32_t> events_by_user_in_time(const Interactions& data);

// Users need 2 distinct items to give a test event (3 with validation); others stay in
// training whole. A held-out item the user also had earlier is not held out (it cannot
// be ranked against items the user has not seen), so that user gives no test event.
Split leave_last_out(const Interactions& data, bool with_validation);

// Random K-fold assignment of `events` events, the rating-prediction protocol of Surprise
// and LibRec: the event indices are shuffled (Fisher-Yates over SplitMix64(seed)) and fold f
// takes shuffled positions [f*n/K, (f+1)*n/K), so the folds are disjoint, cover every event
// and differ in size by at most 1. Returns each event's fold in [0, K). K must be in
// 2..events.
std::vector<uint32_t> random_folds(size_t events, uint32_t folds, uint64_t seed);

// Fold `fold` of an assignment: the other folds' events train (in source order), the fold's
// own are the test ratings (in source order); no validation.
Split fold_split(const Interactions& data, const std::vector<uint32_t>& fold_of, uint32_t fold);

}  // namespace hearth
