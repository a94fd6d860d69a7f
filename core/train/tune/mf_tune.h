// `hearth train|eval --model als --tune`: implicit ALS's factors, regularization and alpha
// chosen on a validation split by the same budgeted coordinate search as SASRec's
// (coordinate_search.h). Each user's second-to-last event is the validation target, so the
// test event of `--eval` (the last) is never seen while choosing.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/data/interactions.h"
#include "core/train/mf/trainer.h"

namespace hearth {

struct MfFixedSettings {
    bool factors = false, reg = false, alpha = false;
};

struct MfTuneTrial {
    uint32_t factors = 0;
    float reg = 0, alpha = 0;
    double val_ndcg10 = 0;
    double seconds = 0;
    bool adopted = false;
};

struct MfTuneResult {
    MfConfig config;  // the chosen settings
    std::vector<MfTuneTrial> trials;
    std::vector<std::string> searched;
    double budget = 0, spent = 0;  // in trainings
    bool budget_ran_out = false;
};

// Implicit ALS only (biased MF's settings are measured by RMSE: `hearth eval --split random`).
// `budget` counts trainings; `min_gain` as in coordinate_search().
MfTuneResult tune_mf(const Interactions& data, const MfConfig& start, const MfFixedSettings& fixed,
                     double budget, double min_gain,
                     const std::function<void(size_t, const MfTuneTrial&)>& trial_finished = {});

}  // namespace hearth
