// Rating prediction: random K-fold cross-validation of an explicit (biased MF) model, the
// protocol of rating-prediction libraries such as Surprise and LibRec, and predictions for
// given (user, item) pairs through the on-device engine.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/device/engine/engine.h"
#include "core/eval/evaluate.h"
#include "core/eval/split.h"
#include "core/train/mf/rating_matrix.h"
#include "core/train/mf/trainer.h"

namespace hearth {

struct RatingErrors : RatingMetrics {
    // Held-out ratings whose user (item) has no training rating; a rating with both unknown
    // counts in both.
    size_t unknown_users = 0, unknown_items = 0;
};

// A held-out rating's prediction by an explicit model trained on `train`, as Surprise's SVD
// predicts: mu + b_u + b_i + p_u.q_i when user and item are known; only the known parts
// otherwise (mu + b_i for an unknown user, mu + b_u for an unknown item, mu for both);
// then clipped to [lo, hi] (the training ratings' scale).
double predict_rating(const MfModel& model, const RatingMatrix& train, uint32_t user,
                      uint32_t item, float lo, float hi);

// RMSE and MAE of predict_rating over `held_out`, in double precision.
RatingErrors rating_errors(const MfModel& model, const RatingMatrix& train,
                           const std::vector<HeldOut>& held_out, float lo, float hi);

struct RatingFold {
    RatingErrors errors;
    size_t train_ratings = 0;
    double seconds = 0;  // training and prediction
};

struct CrossValidation {
    uint32_t folds = 0;
    uint64_t seed = 0;
    std::vector<RatingFold> per_fold;
    // Over the folds; std is the population standard deviation (divides by K), as
    // Surprise's cross_validate reports it.
    double rmse_mean = 0, rmse_std = 0, mae_mean = 0, mae_std = 0;
    double seconds = 0;
};

// Random K-fold (random_folds(events, folds, seed)): for each fold, trains an explicit model
// with `config` on the other K-1 folds and measures rating_errors on the fold, the scale
// being the min and max of the training ratings. `fold_done` (may be empty) is called after
// each fold with its index.
CrossValidation cross_validate_ratings(const Interactions& data, const MfConfig& config,
                                       uint32_t folds, uint64_t seed,
                                       const std::function<void(uint32_t, const RatingFold&)>& fold_done = {});

// Predictions for (user, item) pairs through an Engine, as a page would compute them: the
// user's history is folded in on the device side and the item scored by Engine::explain
// (a predicted rating for an explicit MF bundle, a score for implicit MF, SASRec or the
// hybrid; an empty history gives what the engine gives a new user).
enum class PairStatus {
    Ok,           // the user has history entries
    NoHistory,    // no history entry for the user: the engine's answer for an empty history
    UnknownItem,  // the item is not in the bundle's catalog: no prediction
};

struct PairQuery {
    std::string user, item;
};

struct PairPrediction {
    PairStatus status = PairStatus::Ok;
    float value = 0;  // unset for UnknownItem
};

const char* pair_status_name(PairStatus s);  // "ok", "no-history", "unknown-item"

// `histories`: each user's entries (catalog indices, oldest first).
std::vector<PairPrediction> predict_pairs(
    const Engine& engine, const std::vector<PairQuery>& pairs,
    const std::unordered_map<std::string, std::vector<HistoryEntry>>& histories,
    ModelChoice model = ModelChoice::Auto, float hybrid_weight = -1.0f);

}  // namespace hearth
