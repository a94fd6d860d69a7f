// Splits and ranking metrics against hand-computed and brute-force values.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

#include "core/eval/evaluate.h"
#include "core/eval/rank.h"
#include "core/eval/sequences.h"
#include "core/eval/split.h"

using namespace hearth;

namespace {

Interactions log_of(const std::vector<std::tuple<const char*, const char*, float, int64_t>>& rows) {
    Interactions d;
    for (auto [u, i, r, t] : rows) d.events.push_back({d.intern_user(u), d.intern_item(i), r, t});
    return d;
}

}  // namespace

TEST_CASE("leave-last-out holds out each user's latest distinct item", "[eval]") {
    // Source order differs from time order on purpose.
    const Interactions d = log_of({{"a", "x", 4, 30}, {"a", "y", 3, 10}, {"a", "z", 5, 20},
                                   {"b", "x", 1, 5},                         // one item: train only
                                   {"c", "x", 2, 1}, {"c", "y", 2, 2}, {"c", "x", 2, 3}});  // repeat
    const Split s = leave_last_out(d, false);
    REQUIRE(s.test.size() == 1);
    CHECK(s.test[0].user == 0);
    CHECK(d.item_ids[s.test[0].item] == "x");  // a's latest, at t=30
    CHECK(s.train.size() == 6);
    const Split v = leave_last_out(d, true);
    REQUIRE(v.validation.size() == 1);
    CHECK(d.item_ids[v.validation[0].item] == "z");  // a's second latest
}

TEST_CASE("sequence split: last = test, second last = validation, short users train only", "[eval]") {
    const std::vector<std::vector<uint32_t>> seqs = {{1, 2, 3, 4}, {5, 6}, {7, 8, 9}};
    const SequenceSplit s = split_sequences(seqs);
    CHECK(s.train[0] == std::vector<uint32_t>{1, 2});
    CHECK(s.train[1] == std::vector<uint32_t>{5, 6});
    CHECK(s.train[2] == std::vector<uint32_t>{7});
    REQUIRE(s.test.size() == 2);
    CHECK(s.test[0].item == 4);
    CHECK(s.validation[0].item == 3);
    CHECK(s.test[1].item == 9);
    const SparseRows rows = history_rows({{3, 1, 3}, {}});
    CHECK(rows.start == std::vector<uint32_t>{0, 2, 2});
    CHECK(rows.index == std::vector<uint32_t>{1, 3});
}

TEST_CASE("ranking metrics match a brute-force computation", "[eval]") {
    const uint32_t items = 50, users = 40;
    std::mt19937 rng(9);
    std::vector<std::vector<float>> table(users, std::vector<float>(items));
    for (auto& row : table)
        for (float& v : row) v = static_cast<float>(rng() % 20);  // many ties
    std::vector<std::vector<uint32_t>> history(users);
    std::vector<HeldOut> held;
    for (uint32_t u = 0; u < users; ++u) {
        for (int k = 0; k < 5; ++k) history[u].push_back(static_cast<uint32_t>(rng() % items));
        held.push_back({u, static_cast<uint32_t>(rng() % items), 1.0f});
    }
    const SparseRows rows = history_rows(history);
    const UserScorer scorer = [&](uint32_t u, float* out) {
        std::copy(table[u].begin(), table[u].end(), out);
    };
    const RankingMetrics m = evaluate_ranking(items, rows, held, scorer, 3);

    double hr10 = 0, ndcg10 = 0, mrr = 0;
    std::vector<bool> covered(items, false);
    for (const HeldOut& h : held) {
        std::vector<bool> seen(items, false);
        for (uint32_t i : history[h.user]) seen[i] = true;
        size_t rank = 0;
        std::vector<std::pair<float, uint32_t>> eligible;
        for (uint32_t i = 0; i < items; ++i) {
            if (!seen[i]) eligible.push_back({-table[h.user][i], i});
            if (i == h.item || seen[i]) continue;
            const float s = table[h.user][i], t = table[h.user][h.item];
            if (s >= t) ++rank;  // a tie counts before the target
        }
        std::sort(eligible.begin(), eligible.end());
        for (size_t k = 0; k < 10 && k < eligible.size(); ++k) covered[eligible[k].second] = true;
        if (rank < 10) {
            hr10 += 1;
            ndcg10 += 1.0 / std::log2(static_cast<double>(rank) + 2.0);
        }
        mrr += 1.0 / (static_cast<double>(rank) + 1.0);
    }
    CHECK(m.users == users);
    CHECK(m.hr10 == Approx(hr10 / users));
    CHECK(m.ndcg10 == Approx(ndcg10 / users));
    CHECK(m.mrr == Approx(mrr / users));
    CHECK(m.coverage10 == Approx(static_cast<double>(std::count(covered.begin(), covered.end(), true)) / items));

    // A perfect scorer puts every target first.
    const UserScorer oracle = [&](uint32_t u, float* out) {
        std::fill(out, out + items, 0.0f);
        out[held[u].item] = 1.0f;
    };
    const RankingMetrics best = evaluate_ranking(items, rows, held, oracle, 2);
    CHECK(best.hr5 == 1.0);
    CHECK(best.ndcg10 == 1.0);
    CHECK(best.mrr == 1.0);
}

TEST_CASE("sampled protocol ranks against N negatives the user never had", "[eval]") {
    const uint32_t items = 1000;
    std::vector<std::vector<uint32_t>> history = {{0, 1, 2}, {3}};
    const SparseRows rows = history_rows(history);
    // Target scores 0.5; history items score highest and must never count as negatives.
    const std::vector<HeldOut> held = {{0, 500, 1}, {1, 600, 1}};
    const UserScorer scorer = [&](uint32_t u, float* out) {
        for (uint32_t i = 0; i < items; ++i) out[i] = static_cast<float>(i) / items;
        for (uint32_t i : history[u]) out[i] = 10.0f;
    };
    RankingProtocol p;
    p.sampled_negatives = 100;
    const RankingMetrics full = evaluate_ranking(items, rows, held, scorer, 1);
    const RankingMetrics sampled = evaluate_ranking(items, rows, held, scorer, 1, p);
    const RankingMetrics twice = evaluate_ranking(items, rows, held, scorer, 2, p);
    // Full: ranks 499 and 399 -> MRR = (1/500 + 1/400) / 2. Sampled: about half of 100
    // negatives score above 0.5 / 0.6, so ranks near 50 and 40.
    CHECK(full.mrr == Approx((1.0 / 500 + 1.0 / 400) / 2));
    CHECK(sampled.mrr > 1.0 / 80);
    CHECK(sampled.mrr < 1.0 / 25);
    CHECK(sampled.mrr == twice.mrr);  // independent of the thread split
}

// Issue 12: a NaN target score counted as rank 0, so a model that output NaN got
// HR = NDCG = 1 (in evaluate and in the hybrid weight tuning, which uses it).
TEST_CASE("a NaN score is never a hit and ranks after every number", "[eval]") {
    const uint32_t items = 30;
    const std::vector<std::vector<uint32_t>> history = {{1, 2}, {}, {}};
    const SparseRows rows = history_rows(history);
    const std::vector<HeldOut> held = {{0, 0, 1}, {1, 5, 1}, {2, 7, 1}};
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (uint32_t negatives : {0u, 10u}) {
        INFO("sampled negatives " << negatives);
        RankingProtocol p;
        p.sampled_negatives = negatives;
        const UserScorer all_nan = [&](uint32_t, float* out) { std::fill(out, out + items, nan); };
        const RankingMetrics m = evaluate_ranking(items, rows, held, all_nan, 2, p);
        CHECK(m.users == 3);
        CHECK(m.hr5 == 0.0);
        CHECK(m.hr20 == 0.0);
        CHECK(m.ndcg10 == 0.0);
        CHECK(m.mrr == 0.0);
        // Only the target NaN: still a miss, even in a catalog this small.
        const UserScorer target_nan = [&](uint32_t u, float* out) {
            std::fill(out, out + items, 0.0f);
            out[held[u].item] = nan;
        };
        CHECK(evaluate_ranking(items, rows, held, target_nan, 1, p).hr20 == 0.0);
        // NaN candidates rank after the target: the target with the lowest number is first.
        const UserScorer others_nan = [&](uint32_t u, float* out) {
            std::fill(out, out + items, nan);
            out[held[u].item] = -1e30f;
        };
        const RankingMetrics first = evaluate_ranking(items, rows, held, others_nan, 1, p);
        CHECK(first.hr5 == 1.0);
        CHECK(first.mrr == 1.0);
    }
    const float scores[4] = {1.0f, nan, 0.5f, 1.0f};
    CHECK(rank_of_target(scores, 4, 1) == kRankNever);
    CHECK(rank_of_target(scores, 4, 2) == 2);  // behind the two 1s, ahead of the NaN
    CHECK(rank_of_target(scores, 4, 0) == 1);  // the tie at index 3 counts before it
    CHECK(ndcg_gain(kRankNever) == 0.0);
    CHECK(reciprocal_rank(kRankNever) == 0.0);
}

// Issue 12: ties were broken by item index, so a target with a low index won every tie.
TEST_CASE("a tie is not a free hit", "[eval]") {
    const uint32_t items = 100;
    const SparseRows rows = history_rows({{}, {}});
    const std::vector<HeldOut> held = {{0, 0, 1}, {1, 3, 1}};  // low indices
    const UserScorer constant = [&](uint32_t, float* out) { std::fill(out, out + items, 0.25f); };
    const RankingMetrics m = evaluate_ranking(items, rows, held, constant, 1);
    CHECK(m.hr20 == 0.0);  // behind the 99 tied others
    CHECK(m.mrr == Approx(1.0 / 100));
    RankingProtocol p;
    p.sampled_negatives = 50;
    CHECK(evaluate_ranking(items, rows, held, constant, 1, p).hr20 == 0.0);
}

// Issue 12: drawing N negatives from the items a user never had did not end when none
// remained, and drew the same few items over and over when a few did.
TEST_CASE("sampled negatives in a catalog with too few items left", "[eval]") {
    const uint32_t items = 6;
    // User 0 had every item but the target: no negatives. User 1: three candidates, items
    // 3, 4, 5, of which 4 and 5 score above the target 2.
    const std::vector<std::vector<uint32_t>> history = {{0, 1, 2, 3, 5}, {0, 1}};
    const SparseRows rows = history_rows(history);
    const UserScorer scorer = [&](uint32_t, float* out) {
        for (uint32_t i = 0; i < items; ++i) out[i] = static_cast<float>(i);
        out[3] = 1.0f;
    };
    RankingProtocol p;
    p.sampled_negatives = 100;
    const RankingMetrics alone = evaluate_ranking(items, rows, {{0, 4, 1}}, scorer, 1, p);
    CHECK(alone.users == 1);
    CHECK(alone.mrr == 1.0);  // nothing to rank against
    const RankingMetrics few = evaluate_ranking(items, rows, {{1, 2, 1}}, scorer, 1, p);
    CHECK(few.mrr == Approx(1.0 / 3));  // each of the three once: rank 2
    CHECK(few.hr5 == 1.0);
}
