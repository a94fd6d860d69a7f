// A small, budgeted search over a few hyper-parameters, each a short ordered list of
// values, maximising one validation score.
//
// One pass of coordinate ascent from a starting point (the data's default recipe): for each
// dimension in turn, the neighbours of the current value are tried, and while a neighbour is
// better by more than `min_gain` the search keeps walking that way; then the next dimension
// starts from the best point so far. The starting point is always measured first and only a
// better trial replaces it, so the result is never worse than the default on validation.
// It finds the grid's best point when the score is unimodal in each dimension and the
// dimensions do not interact (tested against brute force); with interactions it is a
// local search, which is what a budget of a few trainings buys.
//
// The budget is in the caller's units of cost (the SASRec search counts training tokens,
// so a budget of 3 is "three trainings of the default recipe"). No trial starts once the
// budget is spent; a running trial is told what is left and may stop itself there, in
// which case it counts as pruned (not adopted).
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace hearth {

struct TuneDimension {
    std::string name;
    std::vector<double> values;  // in order (the walk goes up or down this list)
    size_t start = 0;            // index of the default
};

// A setting's grid with the default in its place (added when the grid lacks it); values
// compare as floats, the precision settings have.
TuneDimension grid_dimension(const std::string& name, std::vector<double> values, double start);

// What one trial reports back.
struct TrialResult {
    double score = 0;     // validation score (higher is better); ignored when pruned
    double cost = 0;      // in the budget's units
    bool pruned = false;  // stopped before it finished: never adopted
};

struct TuneTrial {
    std::vector<size_t> point;  // an index into each dimension's values
    TrialResult result;
    bool adopted = false;       // became the best point when it finished
};

struct TuneOutcome {
    std::vector<size_t> best;   // the best point (the start when nothing beat it)
    double best_score = 0;
    std::vector<TuneTrial> trials;  // in the order they ran, the start first
    double spent = 0;
    bool budget_ran_out = false;    // some neighbour was left untried
};

// A setting of a trainer's config that a search varies: its grid, and how a value is
// written into the config.
template <typename Config>
struct ConfigSetting {
    TuneDimension dim;
    void (*set)(Config&, double);
};

// `start` with every setting at its value of `point`.
template <typename Config>
Config config_at(Config start, const std::vector<ConfigSetting<Config>>& settings,
                 const std::vector<size_t>& point) {
    for (size_t k = 0; k < settings.size(); ++k) settings[k].set(start, settings[k].dim.values[point[k]]);
    return start;
}

template <typename Config>
std::vector<TuneDimension> dimensions_of(const std::vector<ConfigSetting<Config>>& settings) {
    std::vector<TuneDimension> dims;
    for (const auto& s : settings) dims.push_back(s.dim);
    return dims;
}

// The trial the search ended on: the last one adopted (each adopted trial beat the one before).
template <typename Trials>
size_t chosen_trial(const Trials& trials) {
    size_t chosen = 0;
    for (size_t i = 0; i < trials.size(); ++i)
        if (trials[i].adopted) chosen = i;
    return chosen;
}

// Runs `trial(point, best_so_far_index, remaining_budget)`; best_so_far_index is the index
// in `trials` of the current best (a trial may compare its progress against it).
// A trial is adopted when score > best_score * (1 + min_gain) (min_gain >= 0 keeps a tie,
// or noise-sized gain, from moving the search).
using TrialFunction =
    std::function<TrialResult(const std::vector<size_t>& point, size_t best_trial, double remaining)>;

TuneOutcome coordinate_search(const std::vector<TuneDimension>& dims, double budget,
                              double min_gain, const TrialFunction& trial);

}  // namespace hearth
