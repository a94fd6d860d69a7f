#include "core/train/tune/sasrec_tune.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>

#include "core/common/error.h"
#include "core/train/tune/coordinate_search.h"

namespace hearth {

SequenceShape sequence_shape(const std::vector<std::vector<uint32_t>>& sequences) {
    std::vector<uint32_t> lengths;
    for (const auto& s : sequences)
        if (s.size() >= 2) lengths.push_back(static_cast<uint32_t>(s.size()));
    SequenceShape shape;
    shape.users = lengths.size();
    if (lengths.empty()) return shape;
    double total = 0;
    for (uint32_t n : lengths) total += n;
    shape.mean_length = total / double(lengths.size());
    const size_t p90 = std::min(lengths.size() - 1, (lengths.size() * 9) / 10);
    std::nth_element(lengths.begin(), lengths.begin() + std::ptrdiff_t(p90), lengths.end());
    shape.p90_length = lengths[p90];
    return shape;
}

namespace {

// Training targets in one epoch: every position of each user's last max_len + 1 items but
// the first (what the trainer computes a loss over, so what an epoch costs).
double epoch_tokens(const SasrecTrainData& data, uint32_t max_len) {
    double tokens = 0;
    for (const auto& s : data.sequences)
        if (s.size() >= 2) tokens += double(std::min<size_t>(s.size(), size_t(max_len) + 1) - 1);
    return tokens;
}

// Users whose training sequence is longer than a window of max_len.
double share_longer(const SasrecTrainData& data, uint32_t max_len) {
    size_t longer = 0, users = 0;
    for (const auto& s : data.sequences) {
        if (s.size() < 2) continue;
        ++users;
        if (s.size() > size_t(max_len) + 1) ++longer;
    }
    return users ? double(longer) / double(users) : 0.0;
}


}  // namespace

std::string apply_sasrec_recipe(SasrecTrainConfig& config, const SequenceShape& shape,
                                const SasrecFixedSettings& fixed) {
    const bool dense = shape.mean_length >= kDenseMeanLength;
    if (!fixed.dropout) config.dropout = dense ? 0.2f : 0.5f;
    if (!fixed.max_len) config.model.max_len = 50;
    if (!fixed.lr) config.lr = 1e-3f;
    if (!fixed.weight_decay) config.weight_decay = 0.0f;
    char line[320];
    std::snprintf(line, sizeof line,
                  "recipe: %s data (%.1f training items per user, 90%% have at most %u): dropout "
                  "%.2g%s, max_len %u%s, lr %g%s, weight decay %g%s\n",
                  dense ? "dense" : "sparse", shape.mean_length, shape.p90_length,
                  double(config.dropout), fixed.dropout ? " (set)" : "", config.model.max_len,
                  fixed.max_len ? " (set)" : "", double(config.lr), fixed.lr ? " (set)" : "",
                  double(config.weight_decay), fixed.weight_decay ? " (set)" : "");
    return line;
}

SasrecTuneResult tune_sasrec(const SasrecTrainData& data, const SasrecTrainConfig& start,
                             const SasrecFixedSettings& fixed, const SasrecTuneOptions& options,
                             const SasrecTuneCallbacks& callbacks) {
    if (!start.checkpoint.empty())
        throw Error("argument", "--checkpoint cannot be combined with --tune (each trial is its own run)");
    if (start.patience == 0)
        throw Error("argument", "--tune needs early stopping (--patience of at least 1)");

    // The settings searched, in order of how much they have mattered.
    std::vector<ConfigSetting<SasrecTrainConfig>> settings;
    if (!fixed.dropout)
        settings.push_back({grid_dimension("dropout", {0.1, 0.2, 0.3, 0.5, 0.7}, start.dropout),
                            [](SasrecTrainConfig& c, double v) { c.dropout = float(v); }});
    if (!fixed.max_len) {
        // A longer window only where at least 1% of users have more history than the
        // shorter one holds: otherwise it trains the same thing at a higher price.
        std::vector<double> lengths;
        uint32_t previous = 0;
        for (uint32_t len : {50u, 100u, 200u}) {
            if (previous && len > start.model.max_len && share_longer(data, previous) < 0.01) break;
            lengths.push_back(len);
            previous = len;
        }
        settings.push_back({grid_dimension("max_len", lengths, start.model.max_len),
                            [](SasrecTrainConfig& c, double v) { c.model.max_len = uint32_t(v); }});
    }
    if (!fixed.lr)
        settings.push_back({grid_dimension("lr", {5e-4, 1e-3, 2e-3}, start.lr),
                            [](SasrecTrainConfig& c, double v) { c.lr = float(v); }});
    if (!fixed.weight_decay)
        settings.push_back({grid_dimension("weight_decay", {0.0, 0.01, 0.1}, start.weight_decay),
                            [](SasrecTrainConfig& c, double v) { c.weight_decay = float(v); }});
    if (settings.empty()) throw Error("argument", "--tune: every setting it searches was set on the command line");

    SasrecTuneResult result;
    result.budget = options.budget;
    for (const auto& s : settings) result.searched.push_back(s.dim.name);


    double unit = 0;  // tokens of the default recipe's whole training
    std::vector<std::vector<double>> curves;  // per trial: best validation NDCG@10 so far, per epoch
    std::vector<uint32_t> best_epochs;
    std::optional<SasrecWeights> latest, best;
    size_t latest_index = 0;

    const TrialFunction trial = [&](const std::vector<size_t>& point, size_t best_trial, double remaining) {
        // The previous trial's weights are kept only if it became the best.
        if (latest && best_trial == latest_index) best = std::move(latest);
        latest.reset();
        const size_t index = result.trials.size();
        SasrecTrainConfig config = config_at(start, settings, point);
        SasrecTuneTrial t;
        t.dropout = config.dropout;
        t.max_len = config.model.max_len;
        t.lr = config.lr;
        t.weight_decay = config.weight_decay;
        if (callbacks.trial_started) callbacks.trial_started(index, t);

        const double tokens = epoch_tokens(data, config.model.max_len);
        std::vector<double> curve;
        config.stop_after = [&](const SasrecEpochReport& r) {
            curve.push_back(r.best_val_ndcg10);
            if (index == 0) return false;  // the default runs to its end: it sets the unit
            char why[200];
            if (tokens * r.epoch / unit >= remaining) {
                std::snprintf(why, sizeof why, "stopped at epoch %u: the budget ran out", r.epoch);
                t.why_pruned = why;
                return true;
            }
            const std::vector<double>& ref = curves[best_trial];
            const uint32_t from = std::max<uint32_t>(5, best_epochs[best_trial] / 4);
            if (r.epoch < from) return false;
            const double bar = ref[std::min<size_t>(r.epoch, ref.size()) - 1];
            if (r.best_val_ndcg10 >= bar * (1.0 - options.prune_margin)) return false;
            std::snprintf(why, sizeof why,
                          "stopped at epoch %u: validation NDCG@10 %.4f, more than %.0f%% below "
                          "the best trial's %.4f at that epoch",
                          r.epoch, r.best_val_ndcg10, options.prune_margin * 100, bar);
            t.why_pruned = why;
            return true;
        };
        const auto t0 = std::chrono::steady_clock::now();
        uint32_t best_epoch = 0;
        const auto epoch = [&](const SasrecEpochReport& r) {
            best_epoch = r.best_epoch;
            if (callbacks.epoch) callbacks.epoch(r);
        };
        SasrecWeights weights = train_sasrec(data, config, epoch);
        t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        t.epochs = static_cast<uint32_t>(curve.size());
        t.best_epoch = best_epoch;
        t.val_ndcg10 = curve.empty() ? 0.0 : curve.back();
        t.pruned = !t.why_pruned.empty();
        if (index == 0) unit = tokens * std::max<uint32_t>(t.epochs, 1);
        t.cost = tokens * t.epochs / unit;
        curves.push_back(curve);
        best_epochs.push_back(best_epoch);
        result.trials.push_back(t);
        if (callbacks.trial_finished) callbacks.trial_finished(index, t);
        if (index == 0) result.default_weights = weights;
        latest = std::move(weights);
        latest_index = index;
        return TrialResult{t.val_ndcg10, t.cost, t.pruned};
    };

    const TuneOutcome outcome = coordinate_search(dimensions_of(settings), options.budget, options.min_gain, trial);
    if (latest && outcome.trials[latest_index].adopted) best = std::move(latest);
    for (size_t i = 0; i < outcome.trials.size(); ++i) result.trials[i].adopted = outcome.trials[i].adopted;
    result.config = config_at(start, settings, outcome.best);
    result.config.stop_after = nullptr;
    result.weights = std::move(*best);
    result.spent = outcome.spent;
    result.budget_ran_out = outcome.budget_ran_out;
    return result;
}

}  // namespace hearth
