// Leave-last-out splits: each user's latest event is held out for testing (and, with
// validation, the one before it for tuning); everything earlier is training data.
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

}  // namespace hearth
