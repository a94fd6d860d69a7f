// Random K-fold rating evaluation and pair predictions (core/eval/rating_eval.h): the folds'
// invariants, RMSE/MAE against a brute-force computation, and hearth predict's engine path
// against the ridge fold-in solved here with Eigen.
#include <catch2/catch.hpp>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "core/common/error.h"
#include "core/eval/rating_eval.h"
#include "core/eval/split.h"
#include "core/train/export/export.h"
#include "tests/core/fixtures.h"

using namespace hearth;

namespace {

// `users` users rating a few of `items` items 0.5..5; user u0 has one rating only, so the
// fold holding it has an unknown user; item "lonely" is rated once, likewise.
Interactions tiny_ratings(uint32_t users = 30, uint32_t items = 20, uint32_t seed = 7) {
    Interactions d;
    std::mt19937 rng(seed);
    for (uint32_t i = 0; i < items; ++i) d.intern_item("item" + std::to_string(i));
    for (uint32_t u = 0; u < users; ++u) {
        const uint32_t uid = d.intern_user("u" + std::to_string(u));
        const uint32_t n = u == 0 ? 1u : 4u + static_cast<uint32_t>(rng() % 6);
        std::set<uint32_t> seen;
        for (uint32_t k = 0; k < n; ++k) {
            uint32_t item = static_cast<uint32_t>(rng() % items);
            while (!seen.insert(item).second) item = (item + 1) % items;
            const float r = 0.5f * static_cast<float>(1 + (item % 2 == u % 2 ? 6 + rng() % 5 : rng() % 6));
            d.events.push_back({uid, item, r, static_cast<int64_t>(k)});
        }
    }
    const uint32_t lonely = d.intern_item("lonely");
    d.events.push_back({5, lonely, 4.0f, 100});
    d.has_ratings = true;
    return d;
}

MfConfig tiny_config() {
    MfConfig c;
    c.params.kind = MfKind::Explicit;
    c.params.reg = 0.1f;
    c.params.reg_scales_with_count = true;
    c.factors = 4;
    c.iterations = 5;
    c.threads = 1;
    return c;
}

}  // namespace

TEST_CASE("random K-fold covers every event once, in disjoint folds of near-equal size", "[eval][kfold]") {
    const size_t n = GENERATE(10, 103, 1000);
    const uint32_t k = GENERATE(2u, 3u, 5u, 10u);
    const std::vector<uint32_t> fold_of = random_folds(n, k, 42);
    REQUIRE(fold_of.size() == n);  // each event has exactly one fold
    std::vector<size_t> size(k, 0);
    for (uint32_t f : fold_of) {
        REQUIRE(f < k);
        ++size[f];
    }
    const auto [lo, hi] = std::minmax_element(size.begin(), size.end());
    CHECK(*hi - *lo <= 1);
    CHECK(*lo >= n / k);

    // The folds' test sets partition the events, and each fold trains on all the others.
    Interactions d;
    for (size_t e = 0; e < n; ++e) d.events.push_back({static_cast<uint32_t>(e), 0, 1.0f, 0});
    std::vector<int> held(n, 0);
    for (uint32_t f = 0; f < k; ++f) {
        const Split s = fold_split(d, fold_of, f);
        CHECK(s.test.size() == size[f]);
        CHECK(s.train.size() + s.test.size() == n);
        for (const HeldOut& h : s.test) ++held[h.user];
        for (const Interaction& x : s.train) CHECK(fold_of[x.user] != f);
    }
    CHECK(std::all_of(held.begin(), held.end(), [](int c) { return c == 1; }));

    CHECK(random_folds(n, k, 42) == fold_of);
    CHECK(random_folds(n, k, 43) != fold_of);
}

TEST_CASE("random K-fold rejects a fold count it cannot honour", "[eval][kfold]") {
    CHECK_THROWS_AS(random_folds(10, 1, 1), Error);
    CHECK_THROWS_AS(random_folds(10, 11, 1), Error);
    CHECK_NOTHROW(random_folds(10, 10, 1));
}

TEST_CASE("K-fold RMSE and MAE match a brute-force computation", "[eval][kfold]") {
    const Interactions d = tiny_ratings();
    const MfConfig config = tiny_config();
    const uint32_t k = 4;
    const CrossValidation cv = cross_validate_ratings(d, config, k, 9);
    REQUIRE(cv.per_fold.size() == k);
    const std::vector<uint32_t> fold_of = random_folds(d.events.size(), k, 9);
    const uint32_t users = static_cast<uint32_t>(d.user_ids.size());
    const uint32_t items = static_cast<uint32_t>(d.item_ids.size());
    size_t unknown_users = 0, unknown_items = 0, total = 0;
    double rmse_sum = 0, mae_sum = 0;
    for (uint32_t f = 0; f < k; ++f) {
        // Train on the other folds exactly as documented, then predict every held-out rating.
        std::vector<Interaction> train;
        std::vector<Interaction> test;
        for (size_t e = 0; e < d.events.size(); ++e)
            (fold_of[e] == f ? test : train).push_back(d.events[e]);
        float lo = 1e9f, hi = -1e9f;
        std::vector<int> user_n(users, 0), item_n(items, 0);
        double sum = 0;
        for (const Interaction& x : train) {
            lo = std::min(lo, x.rating);
            hi = std::max(hi, x.rating);
            ++user_n[x.user];
            ++item_n[x.item];
            sum += x.rating;
        }
        const MfModel m = train_mf(RatingMatrix::build(users, items, train, MfKind::Explicit), config);
        CHECK(m.params.global_mean == Approx(sum / double(train.size())).epsilon(1e-6));
        const uint32_t ud = config.factors + 1;
        double se = 0, ae = 0;
        for (const Interaction& x : test) {
            const bool ku = user_n[x.user] > 0, ki = item_n[x.item] > 0;
            unknown_users += !ku;
            unknown_items += !ki;
            double p = m.params.global_mean;
            if (ku) p += m.user_factors[x.user * ud + config.factors];
            if (ki) p += m.item_bias[x.item];
            if (ku && ki)
                for (uint32_t a = 0; a < config.factors; ++a)
                    p += double(m.user_factors[x.user * ud + a]) * m.item_factors[x.item * config.factors + a];
            p = std::min<double>(hi, std::max<double>(lo, p));
            se += (x.rating - p) * (x.rating - p);
            ae += std::fabs(x.rating - p);
        }
        const RatingErrors& got = cv.per_fold[f].errors;
        REQUIRE(got.count == test.size());
        CHECK(got.rmse == Approx(std::sqrt(se / double(test.size()))).epsilon(1e-9));
        CHECK(got.mae == Approx(ae / double(test.size())).epsilon(1e-9));
        CHECK(cv.per_fold[f].train_ratings == train.size());
        total += got.count;
        rmse_sum += got.rmse;
        mae_sum += got.mae;
    }
    CHECK(total == d.events.size());
    size_t got_uu = 0, got_ui = 0;
    for (const RatingFold& f : cv.per_fold) {
        got_uu += f.errors.unknown_users;
        got_ui += f.errors.unknown_items;
    }
    CHECK(got_uu == unknown_users);
    CHECK(got_ui == unknown_items);
    CHECK(unknown_users >= 1);  // u0's only rating is held out in some fold
    CHECK(unknown_items >= 1);  // so is "lonely"'s
    CHECK(cv.rmse_mean == Approx(rmse_sum / k).epsilon(1e-12));
    CHECK(cv.mae_mean == Approx(mae_sum / k).epsilon(1e-12));
    double var = 0;
    for (const RatingFold& f : cv.per_fold) var += (f.errors.rmse - cv.rmse_mean) * (f.errors.rmse - cv.rmse_mean);
    CHECK(cv.rmse_std == Approx(std::sqrt(var / k)).epsilon(1e-9));
}

TEST_CASE("rating predictions fall back on the known biases and are clipped", "[eval][kfold]") {
    const Interactions d = tiny_ratings();
    const uint32_t users = static_cast<uint32_t>(d.user_ids.size());
    const uint32_t items = static_cast<uint32_t>(d.item_ids.size());
    // Train without user 3 and without item 2.
    std::vector<Interaction> train;
    for (const Interaction& x : d.events)
        if (x.user != 3 && x.item != 2) train.push_back(x);
    const RatingMatrix m = RatingMatrix::build(users, items, train, MfKind::Explicit);
    const MfModel model = train_mf(m, tiny_config());
    const uint32_t ud = model.dim + 1;
    const double mu = model.params.global_mean;
    CHECK(predict_rating(model, m, 3, 7, 0.0f, 10.0f) == Approx(mu + model.item_bias[7]));
    CHECK(predict_rating(model, m, 4, 2, 0.0f, 10.0f) == Approx(mu + model.user_factors[4 * ud + model.dim]));
    CHECK(predict_rating(model, m, 3, 2, 0.0f, 10.0f) == Approx(mu));
    CHECK(predict_rating(model, m, 3, 2, 4.5f, 5.0f) == 4.5);
    CHECK(predict_rating(model, m, 3, 2, 0.5f, 1.0f) == 1.0);
    const RatingErrors e = rating_errors(model, m, {{3, 2, 1.0f}, {3, 7, 1.0f}, {4, 2, 1.0f}, {4, 7, 1.0f}}, 0.5f, 5.0f);
    CHECK(e.unknown_users == 2);
    CHECK(e.unknown_items == 2);
    CHECK(e.count == 4);
}

TEST_CASE("pair predictions through the engine match the ridge fold-in solved independently", "[eval][predict]") {
    const Interactions d = tiny_ratings();
    const uint32_t users = static_cast<uint32_t>(d.user_ids.size());
    const uint32_t items = static_cast<uint32_t>(d.item_ids.size());
    const MfConfig config = tiny_config();
    const RatingMatrix m = RatingMatrix::build(users, items, d.events, MfKind::Explicit);
    const MfModel model = train_mf(m, config);
    ItemMetadata meta;
    const auto engine = test::open_engine(export_mf_bundle(model, build_catalog(d, meta), "{}"));
    const Engine& e = engine->engine();
    const uint32_t dim = model.dim;
    const double mu = model.params.global_mean;

    // A history by external ids: (item index in the training data, rating).
    const std::vector<std::pair<uint32_t, float>> h = {{1, 4.5f}, {4, 2.0f}, {7, 5.0f}, {10, 3.5f}, {13, 1.0f}};
    std::unordered_map<std::string, std::vector<HistoryEntry>> histories;
    for (const auto& [item, r] : h) {
        const int64_t c = e.catalog().find(d.item_ids[item]);
        REQUIRE(c >= 0);
        histories["new"].push_back({static_cast<uint32_t>(c), r});
    }
    // Training user u4 through its own history: the trained prediction.
    for (const Interaction& x : d.events)
        if (x.user == 4)
            histories["u4"].push_back({static_cast<uint32_t>(e.catalog().find(d.item_ids[x.item])), x.rating});

    // [p; b_u] = (F^T F + reg n I)^-1 F^T t, F rows [q_i; 1], t = r - mu - b_i.
    Eigen::MatrixXd F(h.size(), dim + 1);
    Eigen::VectorXd t(h.size());
    for (size_t k = 0; k < h.size(); ++k) {
        for (uint32_t a = 0; a < dim; ++a) F(k, a) = model.item_factors[h[k].first * dim + a];
        F(k, dim) = 1.0;
        t(k) = h[k].second - mu - model.item_bias[h[k].first];
    }
    const Eigen::MatrixXd A = F.transpose() * F +
                              double(config.params.reg) * double(h.size()) * Eigen::MatrixXd::Identity(dim + 1, dim + 1);
    const Eigen::VectorXd x = A.ldlt().solve(F.transpose() * t);

    std::vector<PairQuery> pairs;
    for (uint32_t i = 0; i < items; ++i) {
        pairs.push_back({"new", d.item_ids[i]});
        pairs.push_back({"u4", d.item_ids[i]});
        pairs.push_back({"nobody", d.item_ids[i]});
    }
    pairs.push_back({"new", "not-an-item"});
    const std::vector<PairPrediction> got = predict_pairs(e, pairs, histories);
    REQUIRE(got.size() == pairs.size());
    const uint32_t ud = dim + 1;
    for (uint32_t i = 0; i < items; ++i) {
        double want = mu + model.item_bias[i] + x(dim);
        for (uint32_t a = 0; a < dim; ++a) want += x(a) * model.item_factors[i * dim + a];
        CHECK(got[3 * i].status == PairStatus::Ok);
        CHECK(got[3 * i].value == Approx(want).margin(1e-4));

        double trained = mu + model.item_bias[i] + model.user_factors[4 * ud + dim];
        for (uint32_t a = 0; a < dim; ++a) trained += double(model.user_factors[4 * ud + a]) * model.item_factors[i * dim + a];
        CHECK(got[3 * i + 1].status == PairStatus::Ok);
        CHECK(got[3 * i + 1].value == Approx(trained).margin(1e-4));

        CHECK(got[3 * i + 2].status == PairStatus::NoHistory);
        CHECK(got[3 * i + 2].value == Approx(mu + model.item_bias[i]).margin(1e-5));
    }
    CHECK(got.back().status == PairStatus::UnknownItem);
    CHECK(std::string(pair_status_name(PairStatus::UnknownItem)) == "unknown-item");
}
