#include "core/train/tune/mf_tune.h"

#include <chrono>
#include <cmath>

#include "core/common/error.h"
#include "core/eval/evaluate.h"
#include "core/eval/split.h"
#include "core/train/tune/coordinate_search.h"

namespace hearth {

MfTuneResult tune_mf(const Interactions& data, const MfConfig& start, const MfFixedSettings& fixed,
                     double budget, double min_gain,
                     const std::function<void(size_t, const MfTuneTrial&)>& trial_finished) {
    if (start.params.kind != MfKind::Implicit)
        throw Error("argument", "--tune chooses implicit ALS's settings (als, sasrec, hybrid); biased MF "
                                "is measured by RMSE: hearth eval --model bmf --split random");
    std::vector<ConfigSetting<MfConfig>> settings;
    if (!fixed.factors)
        settings.push_back({grid_dimension("factors", {32, 64, 128}, start.factors),
                            [](MfConfig& c, double v) { c.factors = uint32_t(v); }});
    if (!fixed.reg)
        settings.push_back({grid_dimension("reg", {0.01, 0.1, 1, 10}, start.params.reg),
                            [](MfConfig& c, double v) { c.params.reg = float(v); }});
    if (!fixed.alpha)
        settings.push_back({grid_dimension("alpha", {0.5, 1, 2, 5, 10, 20}, start.params.alpha),
                            [](MfConfig& c, double v) { c.params.alpha = float(v); }});
    if (settings.empty()) throw Error("argument", "--tune: every setting it searches was set on the command line");

    MfTuneResult result;
    result.budget = budget;
    for (const auto& s : settings) result.searched.push_back(s.dim.name);

    const Split split = leave_last_out(data, true);
    if (split.validation.empty())
        throw Error("data", "--tune needs users with at least 3 distinct items (one for validation)");
    const RatingMatrix train = RatingMatrix::build(static_cast<uint32_t>(data.user_ids.size()),
                                                   static_cast<uint32_t>(data.item_ids.size()),
                                                   split.train, MfKind::Implicit);
    const TrialFunction trial = [&](const std::vector<size_t>& point, size_t, double) {
        const MfConfig c = config_at(start, settings, point);
        const auto t0 = std::chrono::steady_clock::now();
        const MfModel model = train_mf(train, c);
        const RankingMetrics m = evaluate_ranking(train.items, train.by_user, split.validation,
                                                  mf_scorer(model), c.threads);
        MfTuneTrial t;
        t.factors = c.factors;
        t.reg = c.params.reg;
        t.alpha = c.params.alpha;
        t.val_ndcg10 = m.ndcg10;
        t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        result.trials.push_back(t);
        if (trial_finished) trial_finished(result.trials.size() - 1, t);
        return TrialResult{m.ndcg10, 1.0, false};
    };
    const TuneOutcome outcome = coordinate_search(dimensions_of(settings), budget, min_gain, trial);
    for (size_t i = 0; i < outcome.trials.size(); ++i) result.trials[i].adopted = outcome.trials[i].adopted;
    result.config = config_at(start, settings, outcome.best);
    result.spent = outcome.spent;
    result.budget_ran_out = outcome.budget_ran_out;
    return result;
}

}  // namespace hearth
