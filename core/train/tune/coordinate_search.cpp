#include "core/train/tune/coordinate_search.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/common/error.h"

namespace hearth {

TuneDimension grid_dimension(const std::string& name, std::vector<double> values, double start) {
    const auto same = [start](double v) { return float(v) == float(start); };
    if (std::none_of(values.begin(), values.end(), same)) values.push_back(start);
    std::sort(values.begin(), values.end());
    TuneDimension d{name, values, 0};
    d.start = size_t(std::find_if(values.begin(), values.end(), same) - values.begin());
    return d;
}

TuneOutcome coordinate_search(const std::vector<TuneDimension>& dims, double budget,
                              double min_gain, const TrialFunction& trial) {
    if (dims.empty()) throw Error("argument", "tuning needs at least one setting to search");
    for (const TuneDimension& d : dims)
        if (d.values.empty() || d.start >= d.values.size())
            throw Error("argument", "tuning: setting '" + d.name + "' has no default among its values");
    if (!(budget > 0) || !(min_gain >= 0))
        throw Error("argument", "tuning: the budget must be positive and the minimum gain not negative");

    TuneOutcome out;
    std::map<std::vector<size_t>, size_t> seen;  // point -> its trial
    size_t best_trial = 0;

    // Runs one point; true when it became the best.
    auto run = [&](const std::vector<size_t>& point) {
        const TrialResult r = trial(point, best_trial, budget - out.spent);
        out.spent += r.cost;
        seen.emplace(point, out.trials.size());
        out.trials.push_back({point, r, false});
        const bool first = out.trials.size() == 1;
        const bool better = !r.pruned && std::isfinite(r.score) &&
                            r.score - out.best_score > min_gain * std::fabs(out.best_score);
        if (!first && !better) return false;
        out.trials.back().adopted = true;
        out.best = point;
        out.best_score = r.score;
        best_trial = out.trials.size() - 1;
        return true;
    };

    std::vector<size_t> start;
    for (const TuneDimension& d : dims) start.push_back(d.start);
    run(start);

    for (size_t k = 0; k < dims.size(); ++k) {
        for (const int step : {-1, +1}) {
            bool moved = false;
            for (long index = long(out.best[k]) + step; index >= 0 && size_t(index) < dims[k].values.size();
                 index += step) {
                std::vector<size_t> point = out.best;
                point[k] = size_t(index);
                if (seen.count(point)) break;
                if (out.spent >= budget) {
                    out.budget_ran_out = true;
                    return out;
                }
                if (!run(point)) break;
                moved = true;
            }
            // Uphill one way: the other way starts at a point already known to be worse.
            if (moved) break;
        }
    }
    return out;
}

}  // namespace hearth
