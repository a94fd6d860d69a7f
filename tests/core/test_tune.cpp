// The budgeted search (core/train/tune/): coordinate search against brute force over the
// whole grid, its budget and adoption rules; the SASRec recipe; and both tuners end to end
// (the returned model is the chosen trial's, reproduced by an independent training).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "core/cli/commands.h"
#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/data/json_parse.h"
#include "core/device/bundle/bundle.h"
#include "core/eval/evaluate.h"
#include "core/eval/split.h"
#include "core/train/tune/coordinate_search.h"
#include "core/train/tune/mf_tune.h"
#include "core/train/tune/sasrec_tune.h"
#include "tests/core/catch_helpers.h"
#include "tests/core/fixtures.h"

using namespace hearth;
using test::contains;
using test::error_of;

namespace {

// A separable score, unimodal in each dimension: sum of -(x_k - peak_k)^2 on the grid.
struct Separable {
    std::vector<size_t> peak;
    std::vector<double> weight;
    double operator()(const std::vector<size_t>& p) const {
        double s = 100.0;
        for (size_t k = 0; k < p.size(); ++k) s -= weight[k] * std::pow(double(p[k]) - double(peak[k]), 2);
        return s;
    }
};

std::vector<size_t> brute_force_best(const std::vector<TuneDimension>& dims, const Separable& f) {
    std::vector<size_t> p(dims.size(), 0), best;
    double best_score = -1e300;
    while (true) {
        if (f(p) > best_score) {
            best_score = f(p);
            best = p;
        }
        size_t k = 0;
        while (k < dims.size() && ++p[k] == dims[k].values.size()) p[k++] = 0;
        if (k == dims.size()) return best;
    }
}

}  // namespace

TEST_CASE("coordinate search finds the grid's best point of a separable unimodal score", "[tune]") {
    SplitMix64 rng(7);
    for (int round = 0; round < 200; ++round) {
        std::vector<TuneDimension> dims;
        Separable f;
        const size_t n = 1 + rng.below(4);
        for (size_t k = 0; k < n; ++k) {
            TuneDimension d;
            d.name = "s" + std::to_string(k);
            const size_t size = 1 + rng.below(6);
            for (size_t i = 0; i < size; ++i) d.values.push_back(double(i));
            d.start = rng.below(uint32_t(size));
            dims.push_back(d);
            f.peak.push_back(rng.below(uint32_t(size)));
            f.weight.push_back(0.5 + rng.below(4));
        }
        std::vector<std::vector<size_t>> order;
        const TuneOutcome out = coordinate_search(dims, 1e9, 0.0, [&](const std::vector<size_t>& p, size_t, double) {
            order.push_back(p);
            return TrialResult{f(p), 1.0, false};
        });
        INFO("round " << round);
        CHECK(out.best == brute_force_best(dims, f));
        CHECK(out.best_score == f(out.best));
        CHECK_FALSE(out.budget_ran_out);
        // The default first, and no point twice.
        std::vector<size_t> start;
        for (const auto& d : dims) start.push_back(d.start);
        CHECK(order.front() == start);
        CHECK(std::set<std::vector<size_t>>(order.begin(), order.end()).size() == order.size());
        CHECK(out.spent == double(order.size()));
        // Far fewer trials than the grid has points (one line per dimension).
        size_t line = 0;
        for (const auto& d : dims) line += d.values.size();
        CHECK(order.size() <= line);
    }
}

TEST_CASE("coordinate search keeps its budget, its margin and never adopts a pruned trial", "[tune]") {
    const std::vector<TuneDimension> dims = {{"a", {0, 1, 2, 3, 4}, 0}, {"b", {0, 1, 2}, 1}};
    const Separable f{{4, 2}, {1, 1}};

    SECTION("budget") {
        size_t trials = 0;
        double remaining_seen = 0;
        const TuneOutcome out = coordinate_search(dims, 3.0, 0.0, [&](const std::vector<size_t>& p, size_t, double remaining) {
            ++trials;
            remaining_seen = remaining;
            return TrialResult{f(p), 1.0, false};
        });
        CHECK(trials == 3);
        CHECK(remaining_seen == 1.0);  // the third trial was told what was left
        CHECK(out.budget_ran_out);
        CHECK(out.best == std::vector<size_t>{2, 1});  // walked a up twice, then stopped
    }
    SECTION("a gain smaller than min_gain keeps the incumbent") {
        // Every step gains less than 1% of about 98.
        const Separable flat{{4, 2}, {0.1, 0.1}};
        const TuneOutcome out = coordinate_search(dims, 100.0, 0.01, [&](const std::vector<size_t>& p, size_t, double) {
            return TrialResult{flat(p), 1.0, false};
        });
        CHECK(out.trials.size() == 4);  // each neighbour tried once, none adopted
        CHECK(out.best[0] == 0);
        CHECK(out.trials.front().adopted);
    }
    SECTION("pruned") {
        const TuneOutcome out = coordinate_search(dims, 100.0, 0.0, [&](const std::vector<size_t>& p, size_t, double) {
            return TrialResult{p[0] == 1 ? 1e9 : f(p), 1.0, p[0] == 1};
        });
        CHECK(out.best[0] == 0);  // the walk up a stops at the pruned neighbour
        for (const TuneTrial& t : out.trials)
            if (t.result.pruned) CHECK_FALSE(t.adopted);
    }
    SECTION("the trial is told the best trial so far") {
        std::vector<double> scores;
        coordinate_search(dims, 100.0, 0.0, [&](const std::vector<size_t>& p, size_t best, double) {
            if (!scores.empty()) {
                double max = scores[0];
                for (double s : scores) max = std::max(max, s);
                CHECK(scores.at(best) == max);
            }
            scores.push_back(f(p));
            return TrialResult{f(p), 1.0, false};
        });
        CHECK(scores.size() > 3);
    }
    CHECK_THROWS_AS(coordinate_search({}, 1.0, 0.0, {}), Error);
    CHECK_THROWS_AS(coordinate_search({{"a", {1, 2}, 2}}, 1.0, 0.0, {}), Error);
}

TEST_CASE("a grid takes its default in place, compared as a float", "[tune]") {
    const TuneDimension a = grid_dimension("dropout", {0.1, 0.2, 0.5}, double(0.2f));
    CHECK(a.values.size() == 3);
    CHECK(a.start == 1);
    const TuneDimension b = grid_dimension("dropout", {0.1, 0.2, 0.5}, 0.25);
    CHECK(b.values == std::vector<double>{0.1, 0.2, 0.25, 0.5});
    CHECK(b.start == 2);
}

TEST_CASE("the SASRec recipe follows the data's shape and keeps what was set", "[tune]") {
    std::vector<std::vector<uint32_t>> seqs;
    for (uint32_t n = 1; n <= 10; ++n) seqs.push_back(std::vector<uint32_t>(n * 10, 0));
    seqs.push_back({7});  // too short to train on: not counted
    const SequenceShape shape = sequence_shape(seqs);
    CHECK(shape.users == 10);
    CHECK(shape.mean_length == Approx(55.0));
    CHECK(shape.p90_length == 100);

    SasrecTrainConfig c;
    apply_sasrec_recipe(c, shape, {});
    CHECK(c.dropout == 0.2f);  // dense: 55 >= 50
    CHECK(c.model.max_len == 50);
    SequenceShape sparse = shape;
    sparse.mean_length = 8.9;
    c.dropout = 0.3f;
    c.lr = 0.01f;
    const std::string line = apply_sasrec_recipe(c, sparse, {false, false, true, false});
    CHECK(c.dropout == 0.5f);
    CHECK(c.lr == 0.01f);  // fixed
    CHECK(contains(line, "sparse"));
    CHECK(contains(line, "lr 0.01 (set)"));
}

namespace {

// Each user walks a cycle over the catalog, with one random item in two: learnable, but not
// perfectly, so settings matter.
SasrecTrainData noisy_cycles(uint32_t items, uint32_t users, uint64_t seed) {
    SplitMix64 rng(seed);
    SasrecTrainData d;
    for (uint32_t u = 0; u < users; ++u) {
        const uint32_t start = rng.below(items), len = 4 + rng.below(10);
        std::vector<uint32_t> s;
        for (uint32_t j = 0; j < len; ++j) s.push_back(rng.below(2) ? rng.below(items) : (start + j) % items);
        d.validation_target.push_back((start + len) % items);
        d.sequences.push_back(s);
    }
    return d;
}

}  // namespace

TEST_CASE("tune_sasrec returns the chosen trial's model, which a plain training reproduces", "[tune][sasrec]") {
    const SasrecTrainData data = noisy_cycles(40, 150, 3);
    SasrecTrainConfig start;
    start.model.items = 40;
    start.model.dim = 16;
    start.model.heads = 1;
    start.model.blocks = 1;
    start.model.max_len = 8;
    start.model.ffn_dim = 16;
    start.model.emb_scale = 4.0f;
    start.batch = 32;
    start.epochs = 8;
    start.patience = 3;
    start.dropout = 0.5f;
    SasrecTuneOptions options;
    options.budget = 4.0;
    options.min_gain = 0.0;
    size_t started = 0, finished = 0;
    SasrecTuneCallbacks callbacks;
    callbacks.trial_started = [&](size_t i, const SasrecTuneTrial&) { CHECK(i == started++); };
    callbacks.trial_finished = [&](size_t i, const SasrecTuneTrial&) { CHECK(i == finished++); };
    const SasrecTuneResult r = tune_sasrec(data, start, {false, true, false, false}, options, callbacks);

    CHECK(started == r.trials.size());
    CHECK(finished == r.trials.size());
    CHECK(r.searched == std::vector<std::string>{"dropout", "lr", "weight_decay"});  // max_len was set
    REQUIRE(r.trials.size() >= 2);
    CHECK(r.trials[0].dropout == 0.5f);
    CHECK(r.trials[0].cost == Approx(1.0));
    CHECK(r.trials[0].adopted);
    size_t chosen = 0;
    for (size_t i = 0; i < r.trials.size(); ++i) {
        CHECK(r.trials[i].max_len == 8);
        if (r.trials[i].adopted) chosen = i;
    }
    for (const SasrecTuneTrial& t : r.trials)
        if (!t.pruned) CHECK(r.trials[chosen].val_ndcg10 >= t.val_ndcg10);
    CHECK(r.spent <= r.budget + 1e-9);
    CHECK(r.config.dropout == r.trials[chosen].dropout);
    CHECK(r.config.lr == r.trials[chosen].lr);

    // The same settings trained on their own give the same weights, bit for bit.
    SasrecTrainConfig again = start;
    again.dropout = r.config.dropout;
    again.lr = r.config.lr;
    again.weight_decay = r.config.weight_decay;
    CHECK(train_sasrec(data, again).tensors == r.weights.tensors);
    const SasrecRankMetrics m = evaluate_sasrec(r.weights, data.sequences, data.validation_target);
    CHECK(m.ndcg10 == Approx(r.trials[chosen].val_ndcg10).epsilon(1e-12));

    SasrecTrainConfig with_checkpoint = start;
    with_checkpoint.checkpoint = "x.ckpt";
    CHECK(contains(error_of([&] { tune_sasrec(data, with_checkpoint, {}, options); }, "argument"), "--checkpoint"));
    CHECK(contains(error_of([&] { tune_sasrec(data, start, {true, true, true, true}, options); }, "argument"),
                   "every setting"));
}

TEST_CASE("tune_mf chooses on validation and its choice is no worse than the default there", "[tune][mf]") {
    // Users with two tastes (even or odd items): enough structure for the settings to matter.
    Interactions data;
    SplitMix64 rng(11);
    for (uint32_t u = 0; u < 200; ++u)
        for (uint32_t j = 0; j < 12; ++j) {
            const uint32_t item = (rng.below(30) * 2 + (u % 2 == 0 || rng.below(5) == 0 ? 0 : 1)) % 60;
            data.events.push_back({data.intern_user("u" + std::to_string(u)),
                                   data.intern_item("i" + std::to_string(item)), 1.0f, int64_t(j)});
        }
    MfConfig start;
    start.params.kind = MfKind::Implicit;
    start.factors = 64;
    start.params.reg = 0.1f;
    start.params.alpha = 1.0f;
    start.iterations = 5;
    std::vector<MfTuneTrial> seen;
    const MfTuneResult r = tune_mf(data, start, {true, false, false}, 8, 0.0,
                                   [&](size_t, const MfTuneTrial& t) { seen.push_back(t); });
    CHECK(r.searched == std::vector<std::string>{"reg", "alpha"});
    CHECK(r.trials.size() == seen.size());
    CHECK(r.trials.size() <= 8);
    size_t chosen = 0;
    for (size_t i = 0; i < r.trials.size(); ++i) {
        CHECK(r.trials[i].factors == 64);
        if (r.trials[i].adopted) chosen = i;
    }
    CHECK(r.trials[chosen].val_ndcg10 >= r.trials[0].val_ndcg10);
    // An independent measurement of the chosen settings on the same validation split.
    const Split split = leave_last_out(data, true);
    const RatingMatrix train = RatingMatrix::build(200, static_cast<uint32_t>(data.item_ids.size()),
                                                   split.train, MfKind::Implicit);
    const MfModel m = train_mf(train, r.config);
    const RankingMetrics v = evaluate_ranking(train.items, train.by_user, split.validation, mf_scorer(m), 2);
    CHECK(v.ndcg10 == Approx(r.trials[chosen].val_ndcg10).epsilon(1e-12));

    MfConfig bmf = start;
    bmf.params.kind = MfKind::Explicit;
    CHECK(contains(error_of([&] { tune_mf(data, bmf, {}, 4, 0.0); }, "argument"), "bmf"));
}

TEST_CASE("hearth train --tune stores the search and the chosen settings in the bundle", "[tune][cli]") {
    const auto dir = test::temp_folder("tune-cli");
    const auto data = dir / "ratings.csv";
    {
        std::ofstream f(data);
        f << "user,item,rating,timestamp\n";
        for (int u = 0; u < 60; ++u)
            for (int i = 0; i < 10; ++i) f << "u" << u << ",i" << (u * 3 + i * (1 + u % 2)) % 40 << ",1," << i << "\n";
    }
    const std::string out = (dir / "m.hearth").string();
    cli::run_train({"--data", data.string(), "--model", "als", "--out", out, "--tune", "--tune-budget", "5",
                    "--iterations", "3", "--alpha", "2"});
    const std::vector<uint8_t> bytes = read_file_bytes(out);
    const BundleReader b(bytes.data(), bytes.size());
    const JsonValue meta = parse_json(b.json("meta"));
    const JsonValue& tuning = *meta.find("tuning");
    const auto& trials = tuning.find("trials")->as_array("trials");
    CHECK(trials.size() == 5);
    const size_t chosen = tuning.find("chosen_trial")->as_u64("chosen_trial") - 1;
    const JsonValue& h = *meta.find("hyperparameters");
    const auto number = [](const JsonValue& o, const char* key) { return o.find(key)->as_number(key); };
    CHECK(number(h, "factors") == number(trials.at(chosen), "factors"));
    CHECK(number(h, "reg") == Approx(number(trials.at(chosen), "reg")));
    for (const JsonValue& t : trials) CHECK(number(t, "alpha") == 2.0);  // set: kept
    CHECK(tuning.find("searched")->as_array("searched").size() == 2);

    CHECK(contains(error_of([&] {
                       cli::run_train({"--data", data.string(), "--out", out, "--tune-budget", "5"});
                   }, "argument"), "--tune-budget needs --tune"));
    CHECK(contains(error_of([&] {
                       cli::run_train({"--data", data.string(), "--model", "bmf", "--out", out, "--tune"});
                   }, "argument"), "--tune tunes als, sasrec and hybrid"));
    CHECK(contains(error_of([&] {
                       cli::run_eval({"--data", data.string(), "--model", "pop", "--tune"});
                   }, "argument"), "--tune tunes als, sasrec and hybrid"));
    std::filesystem::remove_all(dir);
}
