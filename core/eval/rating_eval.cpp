#include "core/eval/rating_eval.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "core/common/error.h"

namespace hearth {

double predict_rating(const MfModel& model, const RatingMatrix& train, uint32_t user,
                      uint32_t item, float lo, float hi) {
    const uint32_t d = model.dim;
    const uint32_t ud = model.view().user_dim();  // [p_u; b_u]
    const bool known_user = user < train.users && train.by_user.start[user + 1] > train.by_user.start[user];
    const bool known_item = item < train.items && train.by_item.start[item + 1] > train.by_item.start[item];
    double pred = model.params.global_mean;
    const float* p = known_user ? &model.user_factors[static_cast<size_t>(user) * ud] : nullptr;
    if (known_user) pred += p[d];
    if (known_item) pred += model.item_bias[item];
    if (known_user && known_item) {
        const float* q = &model.item_factors[static_cast<size_t>(item) * d];
        for (uint32_t a = 0; a < d; ++a) pred += double(p[a]) * q[a];
    }
    return std::min<double>(hi, std::max<double>(lo, pred));
}

RatingErrors rating_errors(const MfModel& model, const RatingMatrix& train,
                           const std::vector<HeldOut>& held_out, float lo, float hi) {
    if (model.params.kind != MfKind::Explicit)
        throw Error("argument", "rating error needs an explicit (biased MF) model");
    RatingErrors r;
    RatingErrorSums errors;
    for (const HeldOut& h : held_out) {
        if (h.user >= train.users || train.by_user.start[h.user + 1] == train.by_user.start[h.user])
            ++r.unknown_users;
        if (h.item >= train.items || train.by_item.start[h.item + 1] == train.by_item.start[h.item])
            ++r.unknown_items;
        errors.add(h.rating - predict_rating(model, train, h.user, h.item, lo, hi));
    }
    static_cast<RatingMetrics&>(r) = errors.metrics();
    return r;
}

CrossValidation cross_validate_ratings(const Interactions& data, const MfConfig& config,
                                       uint32_t folds, uint64_t seed,
                                       const std::function<void(uint32_t, const RatingFold&)>& fold_done) {
    if (config.params.kind != MfKind::Explicit)
        throw Error("argument", "K-fold rating evaluation needs an explicit (biased MF) model");
    const auto started = std::chrono::steady_clock::now();
    const std::vector<uint32_t> fold_of = random_folds(data.events.size(), folds, seed);
    const uint32_t users = static_cast<uint32_t>(data.user_ids.size());
    const uint32_t items = static_cast<uint32_t>(data.item_ids.size());
    CrossValidation cv;
    cv.folds = folds;
    cv.seed = seed;
    for (uint32_t f = 0; f < folds; ++f) {
        const auto t0 = std::chrono::steady_clock::now();
        const Split split = fold_split(data, fold_of, f);
        float lo = std::numeric_limits<float>::infinity(), hi = -lo;
        for (const Interaction& x : split.train) {
            lo = std::min(lo, x.rating);
            hi = std::max(hi, x.rating);
        }
        const RatingMatrix train = RatingMatrix::build(users, items, split.train, MfKind::Explicit);
        const MfModel model = train_mf(train, config);
        RatingFold fold;
        fold.errors = rating_errors(model, train, split.test, lo, hi);
        fold.train_ratings = split.train.size();
        fold.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        cv.per_fold.push_back(fold);
        if (fold_done) fold_done(f, fold);
    }
    auto mean_std = [&](double RatingErrors::*metric, double& mean, double& sd) {
        mean = 0;
        for (const RatingFold& f : cv.per_fold) mean += f.errors.*metric;
        mean /= folds;
        double var = 0;
        for (const RatingFold& f : cv.per_fold) var += (f.errors.*metric - mean) * (f.errors.*metric - mean);
        sd = std::sqrt(var / folds);
    };
    mean_std(&RatingErrors::rmse, cv.rmse_mean, cv.rmse_std);
    mean_std(&RatingErrors::mae, cv.mae_mean, cv.mae_std);
    cv.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return cv;
}

const char* pair_status_name(PairStatus s) {
    switch (s) {
        case PairStatus::Ok: return "ok";
        case PairStatus::NoHistory: return "no-history";
        case PairStatus::UnknownItem: return "unknown-item";
    }
    return "?";
}

std::vector<PairPrediction> predict_pairs(
    const Engine& engine, const std::vector<PairQuery>& pairs,
    const std::unordered_map<std::string, std::vector<HistoryEntry>>& histories,
    ModelChoice model, float hybrid_weight) {
    Workspace ws(engine);
    Explanation e;
    const std::vector<HistoryEntry> empty;
    std::vector<PairPrediction> out(pairs.size());
    for (size_t k = 0; k < pairs.size(); ++k) {
        const int64_t item = engine.catalog().find(pairs[k].item);
        if (item < 0) {
            out[k].status = PairStatus::UnknownItem;
            continue;
        }
        const auto it = histories.find(pairs[k].user);
        const std::vector<HistoryEntry>& h =
            it == histories.end() || it->second.empty() ? empty : it->second;
        engine.explain(h.data(), h.size(), static_cast<uint32_t>(item), ws, e, model, hybrid_weight);
        out[k].status = h.empty() ? PairStatus::NoHistory : PairStatus::Ok;
        out[k].value = e.score;
    }
    return out;
}

}  // namespace hearth
