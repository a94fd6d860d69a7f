// SASRec settings that fit the data: a default recipe chosen from the shape of the
// sequences, and `hearth train --tune`'s budgeted search around it on the validation split.
//
// Why the shape decides: dropout 0.5 is the recipe of the sparse Amazon sets (about 9 items
// per user), where it is the best published setting; on dense data with long histories
// (MovieLens: about 165 ratings per user) it over-regularises: dropout 0.2 is about 20%
// better on ml-latest-small's validation split (0.0242 vs 0.0203 NDCG@10) and 30% on its
// test split. A longer window (max_len 200) did not help there (0.0222), so the recipe keeps
// 50 and leaves longer windows to the search, which tries them only where histories are
// longer than the window.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/train/sasrec/sasrec_trainer.h"

namespace hearth {

struct SequenceShape {
    size_t users = 0;          // with at least 2 training items
    double mean_length = 0;    // training items per such user
    uint32_t p90_length = 0;   // 90th percentile of those lengths
};
SequenceShape sequence_shape(const std::vector<std::vector<uint32_t>>& sequences);

// The settings a person fixed on the command line: the recipe and the search leave them be.
struct SasrecFixedSettings {
    bool dropout = false, max_len = false, lr = false, weight_decay = false;
};

// Sequences this long on average count as dense (long histories).
constexpr double kDenseMeanLength = 50.0;

// The recipe for this shape, written into `config` except where fixed: dropout 0.5 on sparse
// data and 0.2 on dense; max_len 50, lr 1e-3 and no weight decay either way. Returns a line
// saying what it chose and why.
std::string apply_sasrec_recipe(SasrecTrainConfig& config, const SequenceShape& shape,
                                const SasrecFixedSettings& fixed);

struct SasrecTuneOptions {
    double budget = 3.0;    // in trainings of the default recipe (counted in training tokens)
    double min_gain = 0.01; // a trial must beat the best by 1% of validation NDCG@10
    // A trial stops early while it trails the best trial's curve at the same epoch by more
    // than this share, from epoch max(5, best trial's best epoch / 4) on.
    double prune_margin = 0.10;
};

struct SasrecTuneTrial {
    float dropout = 0, lr = 0, weight_decay = 0;
    uint32_t max_len = 0;
    double val_ndcg10 = 0;        // best validation NDCG@10 of the epochs run
    uint32_t epochs = 0, best_epoch = 0;
    double cost = 0;              // in trainings of the default recipe
    double seconds = 0;
    bool pruned = false, adopted = false;
    std::string why_pruned;       // "" unless pruned
};

struct SasrecTuneResult {
    SasrecTrainConfig config;     // the chosen settings
    SasrecWeights weights;        // the chosen trial's best epoch (no retraining)
    SasrecWeights default_weights;  // the first trial's (the recipe's), to measure what tuning bought
    std::vector<SasrecTuneTrial> trials;
    std::vector<std::string> searched;  // the settings that were searched, in order
    double budget = 0, spent = 0;       // in trainings of the default recipe
    bool budget_ran_out = false;
};

struct SasrecTuneCallbacks {
    std::function<void(size_t trial, const SasrecTuneTrial& settings)> trial_started;
    std::function<void(const SasrecEpochReport&)> epoch;
    std::function<void(size_t trial, const SasrecTuneTrial& done)> trial_finished;
};

// Searches dropout, max_len, lr and weight decay (those not fixed) from `start`, which
// should already hold the recipe. Every trial uses start's seed, so a run is reproducible.
SasrecTuneResult tune_sasrec(const SasrecTrainData& data, const SasrecTrainConfig& start,
                             const SasrecFixedSettings& fixed, const SasrecTuneOptions& options,
                             const SasrecTuneCallbacks& callbacks = {});

}  // namespace hearth
