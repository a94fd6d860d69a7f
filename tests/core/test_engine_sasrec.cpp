// The engine with SASRec and hybrid bundles, against the scalar reference definition.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <random>

#include "core/device/engine/engine.h"
#include "core/device/sasrec/sasrec_bundle.h"
#include "core/train/export/export.h"
#include "core/train/mf/rating_matrix.h"
#include "tests/core/fixtures.h"

using namespace hearth;

namespace {

constexpr uint32_t kItems = 30;

SasrecWeights random_sasrec(uint32_t seed) {
    SasrecConfig c;
    c.items = kItems;
    c.dim = 8;
    c.heads = 2;
    c.blocks = 2;
    c.max_len = 6;
    c.ffn_dim = 12;
    c.emb_scale = std::sqrt(8.0f);
    return test::random_sasrec(c, seed);
}

struct Bundle {
    SasrecWeights seq;
    MfModel mf;
    std::unique_ptr<test::Caller> engine;
};

Bundle make_bundle(bool with_mf, float hybrid_weight) {
    Bundle b{random_sasrec(3), {}, nullptr};
    Interactions data;
    for (uint32_t i = 0; i < kItems; ++i) data.intern_item("i" + std::to_string(i));
    std::mt19937 rng(4);
    for (uint32_t u = 0; u < 20; ++u) {
        const uint32_t user = data.intern_user("u" + std::to_string(u));
        for (int k = 0; k < 5; ++k) data.events.push_back({user, static_cast<uint32_t>(rng() % kItems), 1.0f, k});
    }
    BundleWriter w;
    w.add_json("meta", "{}");
    write_catalog(w, build_catalog(data, {}));
    write_sasrec(w, b.seq);
    if (with_mf) {
        MfConfig c;
        c.factors = 4;
        c.iterations = 3;
        b.mf = train_mf(RatingMatrix::build(20, kItems, data.events, MfKind::Implicit), c);
        write_mf(w, b.mf);
        w.add_f32("hybrid.weight", &hybrid_weight, 1, 1);
    }
    const std::vector<uint8_t> bytes = w.finish();
    b.engine = test::open_engine(bytes);
    return b;
}

std::vector<HistoryEntry> history_of(const std::vector<uint32_t>& items) {
    std::vector<HistoryEntry> h;
    for (uint32_t i : items) h.push_back({i, 1.0f});
    return h;
}

double reference_score(const SasrecView& v, const std::vector<uint32_t>& items, uint32_t item) {
    const std::vector<double> z = sasrec_reference_encode(v, items.data(), items.size());
    double s = 0;
    for (uint32_t j = 0; j < v.config.dim; ++j) s += z[j] * v.item_emb[item * v.config.dim + j];
    return s;
}

}  // namespace

TEST_CASE("SASRec bundle: scores and top-k follow the reference", "[engine][sasrec]") {
    Bundle b = make_bundle(false, 0.5f);
    REQUIRE(b.engine->has_sasrec());
    REQUIRE_FALSE(b.engine->has_mf());
    const SasrecView v = b.seq.view();
    // Shorter than, equal to and longer than max_len (6), with a repeat.
    for (const std::vector<uint32_t>& items : {std::vector<uint32_t>{3},
                                               std::vector<uint32_t>{1, 2, 3, 4, 5, 6},
                                               std::vector<uint32_t>{9, 8, 7, 1, 2, 7, 3, 4, 11}}) {
        const auto h = history_of(items);
        RecommendOptions o;
        o.k = 5;
        const Recommendations& r = b.engine->recommend(h.data(), h.size(), o);
        CHECK(r.model == ModelChoice::Sasrec);
        for (uint32_t i = 0; i < kItems; ++i)
            CHECK(b.engine->scores()[i] == Approx(reference_score(v, items, i)).margin(1e-4));
        std::vector<uint8_t> excluded(kItems, 0);
        for (uint32_t i : items) excluded[i] = 1;
        const auto want = top_k_by_sort(b.engine->scores().data(), kItems, 5, excluded.data());
        REQUIRE(r.items.size() == want.size());
        for (size_t k = 0; k < want.size(); ++k) CHECK(r.items[k].index == want[k].index);
    }
    RecommendOptions mf_only;
    mf_only.model = ModelChoice::Mf;
    CHECK_THROWS_WITH(b.engine->recommend(nullptr, 0, mf_only), Catch::Contains("no mf model"));
}

TEST_CASE("SASRec influence is the true score difference", "[engine][sasrec][explain]") {
    Bundle b = make_bundle(false, 0.5f);
    const SasrecView v = b.seq.view();
    // Longer than max_len, so removing a window item shifts the older item 5 in.
    const std::vector<uint32_t> items = {5, 10, 11, 12, 13, 10, 14};
    const auto h = history_of(items);
    const uint32_t target = 20;
    const Explanation& e = b.engine->explain(h.data(), h.size(), target);
    CHECK_FALSE(e.additive);
    CHECK(e.model == ModelChoice::Sasrec);
    const double full = reference_score(v, items, target);
    CHECK(e.score == Approx(full).margin(1e-4));
    // Window = last 6 = {10, 11, 12, 13, 10, 14}; item 10 appears twice: its influences add.
    std::map<uint32_t, double> want;
    for (size_t j = 1; j < items.size(); ++j) {
        std::vector<uint32_t> without = items;
        without.erase(without.begin() + static_cast<long>(j));
        want[items[j]] += full - reference_score(v, without, target);
    }
    REQUIRE(e.contributions.size() == want.size());
    for (const Reason& r : e.contributions) CHECK(r.weight == Approx(want.at(r.item)).margin(1e-4));
    for (size_t k = 1; k < e.contributions.size(); ++k)
        CHECK(e.contributions[k].weight <= e.contributions[k - 1].weight);
    // Attention: one weight per window position, summing to 1 (a softmax).
    REQUIRE(e.attention.size() == 6);
    double total = 0;
    for (const Reason& r : e.attention) total += r.weight;
    CHECK(total == Approx(1.0).margin(1e-5));

    // recommend() reports the positive influences of its top items.
    RecommendOptions o;
    o.k = 3;
    const Recommendations& r = b.engine->recommend(h.data(), h.size(), o);
    for (size_t k = 0; k < r.items.size(); ++k) {
        const Explanation& x = b.engine->explain(h.data(), h.size(), r.items[k].index);
        std::vector<Reason> positive;
        for (const Reason& c : x.contributions)
            if (c.weight > 0 && positive.size() < 3) positive.push_back(c);
        const Recommendations& again = b.engine->recommend(h.data(), h.size(), o);
        REQUIRE(again.reason_start[k + 1] - again.reason_start[k] == positive.size());
        for (size_t j = 0; j < positive.size(); ++j)
            CHECK(again.reasons[again.reason_start[k] + j].item == positive[j].item);
    }
}

TEST_CASE("hybrid blends standardized scores and their reasons", "[engine][hybrid]") {
    Bundle b = make_bundle(true, 0.3f);
    REQUIRE(b.engine->hybrid_weight() == Approx(0.3f));
    const auto h = history_of({1, 4, 9, 16});
    RecommendOptions o;
    o.model = ModelChoice::Sasrec;
    b.engine->recommend(h.data(), h.size(), o);
    const std::vector<float> seq = b.engine->scores();
    o.model = ModelChoice::Mf;
    b.engine->recommend(h.data(), h.size(), o);
    const std::vector<float> mf = b.engine->scores();
    for (float w : {0.3f, 0.0f, 1.0f, 0.65f}) {
        o.model = ModelChoice::Auto;
        o.hybrid_weight = w == 0.3f ? -1.0f : w;  // -1: the bundle's weight
        const Recommendations& r = b.engine->recommend(h.data(), h.size(), o);
        CHECK(r.model == ModelChoice::Hybrid);
        auto zscores = [](const std::vector<float>& x) {
            double m = 0, s = 0;
            for (float v : x) m += v;
            m /= static_cast<double>(x.size());
            for (float v : x) s += (v - m) * (v - m);
            s = std::sqrt(s / static_cast<double>(x.size()));
            std::vector<double> z;
            for (float v : x) z.push_back((v - m) / s);
            return z;
        };
        const auto zs = zscores(seq), zm = zscores(mf);
        for (uint32_t i = 0; i < kItems; ++i)
            CHECK(b.engine->scores()[i] == Approx(w * zs[i] + (1 - w) * zm[i]).margin(1e-4));
    }
    o.hybrid_weight = 1.5f;
    CHECK_THROWS_WITH(b.engine->recommend(h.data(), h.size(), o), Catch::Contains("[0, 1]"));
}

TEST_CASE("reasons under a leave-one-out budget are exact influences of the items measured",
          "[engine][sasrec][explain]") {
    Bundle b = make_bundle(false, 0.5f);
    // A full window of 6 distinct items: leave-one-out over all of it costs 15 rows; one
    // encoding (6 rows) measures the newest three (2 + 1 + 0 rows) and then older items
    // that fit in the 3 rows left.
    const std::vector<uint32_t> items = {2, 5, 10, 11, 12, 13, 14};
    const auto h = history_of(items);
    RecommendOptions exact, budgeted;
    exact.k = budgeted.k = 6;
    exact.reasons = budgeted.reasons = 6;
    budgeted.reason_encodings = 1;
    const Recommendations full = b.engine->recommend(h.data(), h.size(), exact);
    const Recommendations cheap = b.engine->recommend(h.data(), h.size(), budgeted);
    REQUIRE(cheap.items.size() == full.items.size());
    size_t fewer = 0;
    for (size_t k = 0; k < cheap.items.size(); ++k) {
        REQUIRE(cheap.items[k].index == full.items[k].index);
        const Explanation& x = b.engine->explain(h.data(), h.size(), cheap.items[k].index);
        std::map<uint32_t, float> exact_weight;
        for (const Reason& c : x.contributions) exact_weight[c.item] = c.weight;
        for (uint32_t r = cheap.reason_start[k]; r < cheap.reason_start[k + 1]; ++r) {
            INFO("recommendation " << k << " reason item " << cheap.reasons[r].item);
            CHECK(cheap.reasons[r].weight == Approx(exact_weight.at(cheap.reasons[r].item)).margin(1e-5));
            // The newest three are always measured; the two oldest (4 and 5 rows) never fit.
            CHECK(cheap.reasons[r].item != 5);
            CHECK(cheap.reasons[r].item != 10);
        }
        fewer += (cheap.reason_start[k + 1] - cheap.reason_start[k]) < (full.reason_start[k + 1] - full.reason_start[k]);
    }
    // The exact call measured items the budgeted one could not.
    CHECK(fewer > 0);
}
