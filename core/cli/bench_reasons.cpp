// `hearth bench-reasons`: recommend()'s SASRec reasons under a leave-one-out budget
// (RecommendOptions::reason_encodings) against the exact leave-one-out over every history
// item, on each user's history of a real dataset (the training part of `hearth eval`'s
// split, in time order). For every recommendation it compares the reasons shown (the
// largest positive influences, up to --reasons of them): the same items in the same order
// is agreement. It also times the three calls per history. Not part of the test suite.
#include "core/cli/bench_reasons.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/cli/args.h"
#include "core/cli/common.h"
#include "core/cli/options.h"
#include "core/cli/timing.h"
#include "core/common/error.h"
#include "core/data/json.h"
#include "core/device/engine/engine.h"
#include "core/eval/split.h"

namespace hearth::cli {

namespace {

// Histories by window length: short ones are always measured whole.
struct Bucket {
    Bucket(const char* n, size_t h) : name(n), hi(h) {}
    const char* name;
    size_t hi;  // the longest window in it
    size_t users = 0, recs = 0, agree = 0, agree_first = 0;
    double max_weight_error = 0.0;
    std::vector<double> budget_ms, exact_ms, bare_ms;
};

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

}  // namespace

int run_bench_reasons(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("bench-reasons"))) return 0;
    const Args a(argv, command("bench-reasons"));
    std::unique_ptr<Engine> engine = Engine::from_file(a.require("bundle"));
    if (!engine->has_sasrec()) throw Error("argument", "the bundle has no SASRec model: its reasons are exact already");
    const Dataset d = load(a);
    const Interactions& data = d.interactions;
    const Split split = leave_last_out(data, false);
    std::vector<size_t> begin(data.user_ids.size() + 1, 0);
    for (const Interaction& e : split.train) ++begin[e.user + 1];
    for (size_t u = 0; u < data.user_ids.size(); ++u) begin[u + 1] += begin[u];
    std::vector<int64_t> to_catalog(data.item_ids.size());
    for (size_t i = 0; i < data.item_ids.size(); ++i) to_catalog[i] = engine->catalog().find(data.item_ids[i]);

    RecommendOptions budgeted;
    budgeted.k = a.get_u32("k", 20);
    budgeted.reasons = a.get_u32("reasons", 3);
    budgeted.model = parse_model_choice(a.get("model", "sasrec"));
    budgeted.reason_encodings = a.get_u32("encodings", 8);
    RecommendOptions exact = budgeted, bare = budgeted;
    exact.reason_encodings = 0;
    bare.sequence_reasons = false;
    size_t max_users = a.get_u32("max-users", 0);
    if (max_users == 0 || max_users > split.test.size()) max_users = split.test.size();
    const size_t max_len = engine->sasrec_model().config.max_len;

    std::vector<Bucket> buckets = {{"1-9", 9}, {"10-50", 50}, {"51-200", 200}, {"201+", SIZE_MAX}};
    Workspace ws(*engine);
    Recommendations with_budget, with_exact, without;
    std::vector<HistoryEntry> history;
    for (size_t t = 0; t < max_users; ++t) {
        const HeldOut& h = split.test[t];
        history.clear();
        for (size_t e = begin[h.user]; e < begin[h.user + 1]; ++e) {
            const int64_t item = to_catalog[split.train[e].item];
            if (item >= 0) history.push_back({static_cast<uint32_t>(item), split.train[e].rating});
        }
        const size_t window = std::min(history.size(), max_len);
        if (window == 0) continue;
        Bucket& b = *std::find_if(buckets.begin(), buckets.end(), [&](const Bucket& x) { return window <= x.hi; });
        auto start = Clock::now();
        engine->recommend(history.data(), history.size(), budgeted, ws, with_budget);
        b.budget_ms.push_back(ms_since(start));
        start = Clock::now();
        engine->recommend(history.data(), history.size(), exact, ws, with_exact);
        b.exact_ms.push_back(ms_since(start));
        start = Clock::now();
        engine->recommend(history.data(), history.size(), bare, ws, without);
        b.bare_ms.push_back(ms_since(start));
        ++b.users;
        for (size_t i = 0; i < with_exact.items.size(); ++i) {
            if (with_budget.items[i].index != with_exact.items[i].index)
                throw Error("internal", "the reasons' budget changed the list itself");
            const Reason* x = &with_exact.reasons[with_exact.reason_start[i]];
            const Reason* y = &with_budget.reasons[with_budget.reason_start[i]];
            const size_t nx = with_exact.reason_start[i + 1] - with_exact.reason_start[i];
            const size_t ny = with_budget.reason_start[i + 1] - with_budget.reason_start[i];
            bool same = nx == ny;
            for (size_t r = 0; same && r < nx; ++r) {
                same = x[r].item == y[r].item;
                if (same)
                    b.max_weight_error = std::max(b.max_weight_error, std::fabs(static_cast<double>(x[r].weight - y[r].weight)));
            }
            ++b.recs;
            b.agree += same;
            b.agree_first += (nx == 0 && ny == 0) || (nx > 0 && ny > 0 && x[0].item == y[0].item);
        }
    }

    Json j;
    j.begin_object().field("bundle", a.require("bundle")).field("encodings", static_cast<uint64_t>(budgeted.reason_encodings));
    j.field("k", static_cast<uint64_t>(budgeted.k)).field("reasons", static_cast<uint64_t>(budgeted.reasons));
    j.key("windows").begin_array();
    size_t recs = 0, agree = 0;
    for (const Bucket& b : buckets) {
        if (b.users == 0) continue;
        recs += b.recs;
        agree += b.agree;
        j.begin_object().field("window", std::string(b.name)).field("users", static_cast<uint64_t>(b.users));
        j.field("recommendations", static_cast<uint64_t>(b.recs));
        j.field("agreement", static_cast<double>(b.agree) / static_cast<double>(b.recs));
        j.field("agreement_first", static_cast<double>(b.agree_first) / static_cast<double>(b.recs));
        j.field("max_weight_error", b.max_weight_error);
        j.field("budget_p50_ms", percentile(b.budget_ms, 0.5)).field("budget_p95_ms", percentile(b.budget_ms, 0.95));
        j.field("exact_p50_ms", percentile(b.exact_ms, 0.5)).field("no_reasons_p50_ms", percentile(b.bare_ms, 0.5));
        j.end_object();
    }
    j.end_array();
    j.field("agreement", recs ? static_cast<double>(agree) / static_cast<double>(recs) : 0.0);
    j.end_object();
    std::printf("%s\n", j.str().c_str());
    return 0;
}

}  // namespace hearth::cli
