// Private ALS (core/train/mf/private_als.h): its noise is what the accountant says, its
// contribution bound holds, and without noise it is exactly the algorithm it claims (a
// second, plain implementation below). The attack that measures what a bundle leaks is
// scripts/bench-privacy.mjs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>

#include "core/cli/commands.h"
#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/data/json_parse.h"
#include "core/device/bundle/bundle.h"
#include "core/device/mf/ridge.h"
#include "core/train/mf/private_als.h"
#include "core/train/privacy/gdp.h"
#include "core/train/privacy/rdp.h"
#include "tests/core/catch_helpers.h"
#include "tests/core/fixtures.h"

using namespace hearth;
using hearth::test::contains;
using hearth::test::error_of;

namespace {

struct Data {
    uint32_t users = 120, items = 40;
    std::vector<Interaction> events;
};

// Users in two taste groups with histories of 3 to 14 items.
Data two_groups() {
    Data d;
    std::mt19937 rng(5);
    for (uint32_t u = 0; u < d.users; ++u) {
        const uint32_t n = 3 + static_cast<uint32_t>(rng() % 12), group = u % 2;
        for (uint32_t k = 0; k < n; ++k) {
            const uint32_t item = static_cast<uint32_t>(rng() % (d.items / 2)) * 2 + (rng() % 6 == 0 ? 1 - group : group);
            d.events.push_back({u, item, 1.0f, static_cast<int64_t>(k)});
        }
    }
    return d;
}

// The contribution weight of each item of a user with n of them, for the bound max_items.
double weight_of(uint32_t n, uint32_t max_items) { return n <= max_items ? 1.0 : std::sqrt(double(max_items) / n); }

// The noise-free algorithm written out plainly: users solved against the items (binary
// confidence 1 + alpha, the Gram of the items), scaled to norm C; items = (X^T X + reg I)^-1
// times the weighted sum of their users' vectors, a user with n > max_items items weighing
// sqrt(max_items / n). Items not in `trained` (when given) start at 0 (and `m` holds only
// the trained items' events).
std::vector<double> plain_private_als(const RatingMatrix& m, const MfConfig& c, double clip, uint32_t max_items,
                                      const std::vector<uint8_t>* trained = nullptr) {
    const uint32_t d = c.factors;
    SplitMix64 init(c.seed);
    std::vector<float> items(static_cast<size_t>(m.items) * d);
    for (float& v : items) v = static_cast<float>(0.1 * init.normal() / std::sqrt(double(d)));
    for (uint32_t i = 0; trained && i < m.items; ++i)
        if (!(*trained)[i]) std::fill_n(&items[size_t(i) * d], d, 0.0f);
    std::vector<float> users(static_cast<size_t>(m.users) * d);
    for (uint32_t it = 0; it < c.iterations; ++it) {
        const std::vector<float> gram = gram_matrix(items.data(), m.items, d);
        const FactorRows rows{items.data(), m.items, d, false};
        RidgeSolver solver;
        for (uint32_t u = 0; u < m.users; ++u) {
            std::vector<RidgeTerm> terms;
            for (uint32_t k = m.by_user.start[u]; k < m.by_user.start[u + 1]; ++k)
                terms.push_back({m.by_user.index[k], 1.0f + c.params.alpha, 1.0f});
            float* x = &users[size_t(u) * d];
            solver.solve(rows, gram.data(), terms.data(), terms.size(), c.params.reg, x);
            double n = 0;
            for (uint32_t a = 0; a < d; ++a) n += double(x[a]) * x[a];
            for (uint32_t a = 0; a < d; ++a) x[a] = static_cast<float>(x[a] * clip / std::sqrt(n));
        }
        // Items: the same ridge system through RidgeSolver, with the users as the fixed side
        // (confidence 1, target the user's weight; no Gram: X^T X is every user).
        const std::vector<float> user_gram = gram_matrix(users.data(), m.users, d);
        const FactorRows user_rows{users.data(), m.users, d, false};
        for (uint32_t i = 0; i < m.items; ++i) {
            std::vector<RidgeTerm> terms;
            for (uint32_t k = m.by_item.start[i]; k < m.by_item.start[i + 1]; ++k)
            {
                const uint32_t u = m.by_item.index[k];
                terms.push_back({u, 1.0f, static_cast<float>(weight_of(m.by_user.start[u + 1] - m.by_user.start[u], max_items))});
            }
            solver.solve(user_rows, user_gram.data(), terms.data(), terms.size(), c.params.reg, &items[size_t(i) * d]);
        }
    }
    return std::vector<double>(items.begin(), items.end());
}

// The small implicit ALS both noise-free tests train.
MfConfig small_als(uint32_t factors) {
    MfConfig c;
    c.factors = factors;
    c.iterations = 3;
    c.params.alpha = 2.0f;
    c.params.reg = 0.5f;
    return c;
}

// A privacy setting whose noise multiplier is ~1e-11 (numerically none, so counts are
// exact) and whose contribution bound, 5, weighs down the items of two_groups()'s users
// with 6 to 14 of them.
DpAlsConfig noise_free(uint64_t seed) {
    DpAlsConfig dp;
    dp.epsilon = 1e12;
    dp.max_items_per_user = 5;
    dp.noise_seed = seed;
    return dp;
}

double max_abs_diff(const std::vector<float>& got, const std::vector<double>& want) {
    double worst = 0;
    for (size_t k = 0; k < want.size(); ++k) worst = std::max(worst, std::fabs(got[k] - want[k]));
    return worst;
}

}  // namespace

TEST_CASE("private ALS without noise is the plain algorithm", "[privacy][mf]") {
    const Data d = two_groups();
    const RatingMatrix m = RatingMatrix::build(d.users, d.items, d.events, MfKind::Implicit);
    const MfConfig c = small_als(6);
    DpAlsConfig dp = noise_free(3);
    dp.min_item_users = 0;  // every item
    DpAlsReport report;
    const MfModel got = train_mf_private(m, c, dp, report);
    CHECK(report.interactions_dropped == 0);  // every interaction is used, the long histories weighed down
    CHECK(report.interactions_used == m.by_user.index.size());
    uint32_t long_histories = 0;
    for (uint32_t u = 0; u < m.users; ++u) long_histories += m.by_user.start[u + 1] - m.by_user.start[u] > 5;
    REQUIRE(long_histories > 0);
    REQUIRE(long_histories < m.users);
    CHECK(report.users_weighted == long_histories);
    const std::vector<double> want = plain_private_als(m, c, dp.user_norm_clip, dp.max_items_per_user);
    REQUIRE(got.item_factors.size() == want.size());
    CHECK(max_abs_diff(got.item_factors, want) < 1e-4);
    // And the Gram matrix the bundle carries is that of the released items.
    const std::vector<float> gram = gram_matrix(got.item_factors.data(), m.items, c.factors);
    for (size_t k = 0; k < gram.size(); ++k) CHECK(got.gram[k] == gram[k]);
}

TEST_CASE("private ALS with item-frequency filtering: the items left out, and the plain algorithm on the rest", "[privacy][mf]") {
    const Data d = two_groups();
    const RatingMatrix m = RatingMatrix::build(d.users, d.items, d.events, MfKind::Implicit);
    const MfConfig c = small_als(5);
    DpAlsConfig dp = noise_free(4);
    // Users per item, each weighing as the contribution bound says, counted here; a
    // threshold between the counts of the two groups' items (the odd items are rarer: a
    // user picks one of the other group's 1 time in 6).
    std::vector<double> users_of(m.items, 0.0);
    for (uint32_t u = 0; u < m.users; ++u)
        for (uint32_t k = m.by_user.start[u]; k < m.by_user.start[u + 1]; ++k)
            users_of[m.by_user.index[k]] += weight_of(m.by_user.start[u + 1] - m.by_user.start[u], dp.max_items_per_user);
    std::vector<double> sorted = users_of;
    std::sort(sorted.begin(), sorted.end());
    dp.min_item_users = 0.5 * (sorted[m.items / 3] + sorted[m.items / 3 + 1]);
    REQUIRE(sorted[m.items / 3] < sorted[m.items / 3 + 1]);
    std::vector<uint8_t> trained(m.items);
    std::vector<Interaction> kept;
    for (uint32_t i = 0; i < m.items; ++i) trained[i] = users_of[i] >= dp.min_item_users;
    for (const Interaction& e : d.events)
        if (trained[e.item]) kept.push_back(e);
    const uint32_t want_trained = static_cast<uint32_t>(std::count(trained.begin(), trained.end(), 1));
    REQUIRE(want_trained > 0);
    REQUIRE(want_trained < m.items);

    DpAlsReport report;
    const MfModel got = train_mf_private(m, c, dp, report);
    CHECK(report.items_trained == want_trained);
    CHECK(report.releases == 7);
    CHECK(report.count_noise_multiplier == Approx(4 * report.noise_multiplier));
    uint64_t used = 0;  // the matrix's interactions (repeated events are one) of trained items
    for (uint32_t k = 0; k < m.by_user.index.size(); ++k) used += trained[m.by_user.index[k]];
    CHECK(report.interactions_used == used);
    CHECK(report.interactions_dropped == m.by_user.index.size() - used);
    for (uint32_t i = 0; i < m.items; ++i) {
        double norm = 0;
        for (uint32_t a = 0; a < c.factors; ++a) norm += std::fabs(got.item_factors[size_t(i) * c.factors + a]);
        CHECK((norm > 0) == (trained[i] == 1));
    }
    // The rest is the plain algorithm on the trained items' events alone (a user's weight
    // now from their trained items).
    const RatingMatrix only = RatingMatrix::build(d.users, d.items, kept, MfKind::Implicit);
    const std::vector<double> want = plain_private_als(only, c, dp.user_norm_clip, dp.max_items_per_user, &trained);
    CHECK(max_abs_diff(got.item_factors, want) < 1e-4);

    // The counts' release is accounted: at the same epsilon, the other releases get more noise.
    dp.epsilon = 4.0;
    DpAlsReport with, without;
    train_mf_private(m, c, dp, with);
    dp.min_item_users = 0;
    train_mf_private(m, c, dp, without);
    CHECK(without.count_noise_multiplier == 0.0);
    CHECK(without.releases == 6);
    const double combined = std::sqrt(1.0 + 1.0 / 16.0 + 1.0 / (3 * 16.0)) / std::sqrt(1.0 + 1.0 / 16.0);
    CHECK(with.noise_multiplier == Approx(without.noise_multiplier * combined).epsilon(1e-9));
    CHECK(with.epsilon == Approx(without.epsilon).epsilon(1e-9));
    dp.min_item_users = -1;
    CHECK(contains(error_of([&] { train_mf_private(m, c, dp, with); }, "argument"), "--dp-min-item-users"));
}

TEST_CASE("private ALS: the accountant's noise, the contribution bound, thread independence", "[privacy][mf]") {
    const Data d = two_groups();
    const RatingMatrix m = RatingMatrix::build(d.users, d.items, d.events, MfKind::Implicit);
    MfConfig c;
    c.factors = 4;
    c.iterations = 3;
    DpAlsConfig dp;
    dp.epsilon = 2.0;
    dp.max_items_per_user = 5;
    dp.min_item_users = 0;  // no count release: two releases an iteration
    dp.noise_seed = 11;
    DpAlsReport r1, r2;
    c.threads = 1;
    const MfModel one = train_mf_private(m, c, dp, r1);
    c.threads = 2;
    const MfModel two = train_mf_private(m, c, dp, r2);
    CHECK(one.item_factors == two.item_factors);

    // Delta defaults below 1 / users; the epsilon certified is the target, reached by the
    // smallest noise; the Gram matrix takes 4 times the item sums' noise.
    CHECK(r1.delta == Approx(0.1 / d.users));
    CHECK(r1.epsilon <= 2.0);
    CHECK(r1.epsilon > 1.99);
    CHECK(r1.releases == 6);
    CHECK(r1.gram_noise_multiplier == Approx(4 * r1.noise_multiplier));
    // Six Gaussian releases on everyone, at noise z and 4z, are exactly one with
    // mu = sqrt(3 (1 + 1/16)) / z (Gaussian DP); its epsilon is the one certified.
    const double mu = std::sqrt(3.0 * (1.0 + 1.0 / 16.0)) / r1.noise_multiplier;
    CHECK(r1.gdp_mu == Approx(mu).epsilon(1e-9));
    CHECK(gdp_epsilon(mu, r1.delta) == Approx(r1.epsilon).epsilon(1e-9));
    CHECK(gdp_delta(mu, 2.0) <= r1.delta);
    CHECK(gdp_delta(mu * 1.001, 2.0) > r1.delta);
    // RDP, an upper bound for the same releases, would have asked for more noise.
    CHECK(noise_for_epsilon(1.0, 3, 2.0, r1.delta) * std::sqrt(1.0 + 1.0 / 16.0) > 1.02 * r1.noise_multiplier);

    // A bound of 5: every interaction is used, and the users with more are weighed down.
    uint32_t over = 0;
    for (uint32_t u = 0; u < m.users; ++u) over += m.by_user.start[u + 1] - m.by_user.start[u] > 5;
    CHECK(r1.interactions_used == m.by_user.index.size());
    CHECK(r1.interactions_dropped == 0);
    CHECK(r1.users_weighted == over);

    // Another noise draw gives other factors (the noise is there), the same seed the same.
    dp.noise_seed = 12;
    DpAlsReport r3;
    CHECK(train_mf_private(m, c, dp, r3).item_factors != one.item_factors);

    MfConfig bmf = c;
    bmf.params.kind = MfKind::Explicit;
    CHECK(contains(error_of([&] { train_mf_private(m, bmf, dp, r3); }, "argument"), "implicit ALS"));
    dp.max_items_per_user = 0;
    CHECK(contains(error_of([&] { train_mf_private(m, c, dp, r3); }, "argument"), "--dp-max-items"));
}

TEST_CASE("hearth train --dp-epsilon states its guarantee in the bundle; others state none", "[privacy][cli]") {
    const auto dir = test::temp_folder("private-cli");
    const auto data = dir / "ratings.csv";
    {
        std::ofstream f(data);
        f << "user,item,rating,timestamp\n";
        for (int u = 0; u < 80; ++u)
            for (int i = 0; i < 6; ++i) f << "u" << u << ",i" << (u * 3 + i * (1 + u % 2)) % 30 << ",1," << i << "\n";
    }
    const std::string out = (dir / "m.hearth").string();
    const auto privacy_of = [&](const std::string& path) {
        const std::vector<uint8_t> bytes = read_file_bytes(path);
        const BundleReader b(bytes.data(), bytes.size());
        return parse_json(b.json("meta")).find("privacy") ? *parse_json(b.json("meta")).find("privacy") : JsonValue();
    };
    cli::run_train({"--data", data.string(), "--out", out, "--dp-epsilon", "4", "--dp-max-items", "3"});
    const JsonValue p = privacy_of(out);
    CHECK(p.find("private")->as_bool("private"));
    CHECK(p.find("unit")->as_string("unit") == "user");
    CHECK(p.find("epsilon")->as_number("epsilon") <= 4.0);
    CHECK(p.find("epsilon")->as_number("epsilon") > 3.99);
    CHECK(p.find("delta")->as_number("delta") == Approx(0.1 / 80));
    CHECK(p.find("bounds")->find("max_items_per_user")->as_u64("m") == 3);
    CHECK(p.find("iterations")->as_u64("iterations") == 4);  // the private default
    CHECK(!p.find("not_covered")->as_array("not_covered").empty());
    // Item-frequency filtering by default, stated with its own noise.
    CHECK(p.find("min_item_users")->as_number("min_item_users") == 15.0);
    CHECK(p.find("count_noise_multiplier")->as_number("c") == Approx(4 * p.find("noise_multiplier")->as_number("z")));
    CHECK(p.find("items_trained")->as_u64("items_trained") <= 30);
    CHECK(p.find("releases")->as_u64("releases") == 9);
    cli::run_train({"--data", data.string(), "--out", out, "--dp-epsilon", "4", "--dp-min-item-users", "0"});
    CHECK(privacy_of(out).find("min_item_users") == nullptr);
    CHECK(privacy_of(out).find("releases")->as_u64("releases") == 8);
    CHECK(contains(error_of([&] { cli::run_train({"--data", data.string(), "--out", out, "--model", "sasrec", "--dp-epsilon", "4",
                                                  "--dp-min-item-users", "5"}); }, "argument"), "--dp-min-item-users is for als"));

    cli::run_train({"--data", data.string(), "--out", out});
    const JsonValue q = privacy_of(out);
    CHECK_FALSE(q.find("private")->as_bool("private"));
    CHECK(contains(q.find("note")->as_string("note"), "without differential privacy"));

    CHECK(contains(error_of([&] { cli::run_train({"--data", data.string(), "--out", out, "--model", "bmf", "--dp-epsilon", "4"}); },
                            "argument"), "is for --model als"));
    CHECK(contains(error_of([&] { cli::run_train({"--data", data.string(), "--out", out, "--dp-delta", "1e-6"}); },
                            "argument"), "needs --dp-epsilon"));
    CHECK(contains(error_of([&] { cli::run_train({"--data", data.string(), "--out", out, "--dp-epsilon", "4", "--tune"}); },
                            "argument"), "--tune would choose settings on the private data"));
    CHECK(contains(error_of([&] { cli::run_train({"--data", data.string(), "--out", out, "--dp-epsilon", "-1"}); },
                            "argument"), "--dp-epsilon must be a positive number"));
    std::filesystem::remove_all(dir);
}
