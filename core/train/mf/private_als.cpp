#include "core/train/mf/private_als.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "core/common/error.h"
#include "core/common/parallel.h"
#include "core/common/rng.h"
#include "core/data/json.h"
#include "core/device/mf/ridge.h"
#include "core/train/privacy/gdp.h"
#include "core/train/privacy/statement.h"

namespace hearth {

namespace {

// A symmetric d x d matrix of N(0, sigma^2) entries (one draw per pair) added to m.
void add_symmetric_noise(double* m, uint32_t d, double sigma, SplitMix64& rng) {
    for (uint32_t a = 0; a < d; ++a)
        for (uint32_t b = 0; b <= a; ++b) {
            const double e = sigma * rng.normal();
            m[a * d + b] += e;
            if (a != b) m[b * d + a] += e;
        }
}

// In-place lower Cholesky factor of the d x d matrix a; false if it is not positive definite.
bool cholesky(double* a, uint32_t d) {
    for (uint32_t j = 0; j < d; ++j) {
        double s = a[j * d + j];
        for (uint32_t k = 0; k < j; ++k) s -= a[j * d + k] * a[j * d + k];
        if (!(s > 0.0)) return false;
        const double l = std::sqrt(s);
        a[j * d + j] = l;
        for (uint32_t i = j + 1; i < d; ++i) {
            double t = a[i * d + j];
            for (uint32_t k = 0; k < j; ++k) t -= a[i * d + k] * a[j * d + k];
            a[i * d + j] = t / l;
        }
    }
    return true;
}

void cholesky_solve(const double* l, uint32_t d, double* x) {
    for (uint32_t i = 0; i < d; ++i) {
        double t = x[i];
        for (uint32_t k = 0; k < i; ++k) t -= l[i * d + k] * x[k];
        x[i] = t / l[i * d + i];
    }
    for (uint32_t i = d; i-- > 0;) {
        double t = x[i];
        for (uint32_t k = i + 1; k < d; ++k) t -= l[k * d + i] * x[k];
        x[i] = t / l[i * d + i];
    }
}

constexpr double kGramNoiseRatio = 4.0;
// The item counts need only be coarse (a threshold is applied to them), and are released
// once against 2 per iteration for the rest: they take 4x the item sums' noise multiplier.
constexpr double kCountNoiseRatio = 4.0;

// The weight of each of a user's n items in the released sums and counts: 1 up to m items,
// sqrt(m / n) beyond, so that the weights squared add up to at most m (the L2 bound) while
// every interaction is still used. A uniform sample of m items, the other way to meet the
// same bound, puts a smaller total weight on every user (m against sqrt(m n)) and was
// measured worse: NDCG@10 at epsilon 8, 0.0155 -> 0.0164 on Beauty, 0.016 -> 0.025 on
// ml-latest-small, whose users have 165 items on average.
double contribution_weight(size_t n, uint32_t m) {
    return n <= m ? 1.0 : std::sqrt(static_cast<double>(m) / static_cast<double>(n));
}

uint64_t system_seed() {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

MfModel train_mf_private(const RatingMatrix& data, const MfConfig& config, const DpAlsConfig& dp,
                         DpAlsReport& report, const std::function<void(const IterationReport&)>& progress) {
    if (config.params.kind != MfKind::Implicit)
        throw Error("argument", "private training is for implicit ALS (--model als), not explicit MF");
    if (config.params.reg_scales_with_count)
        throw Error("argument", "private ALS cannot scale the ridge with each item's (private) count");
    if (dp.max_items_per_user == 0) throw Error("argument", "--dp-max-items must be at least 1");
    if (!(dp.user_norm_clip > 0.0f)) throw Error("argument", "--dp-clip must be a positive number");
    if (!(dp.min_item_users >= 0.0) || !std::isfinite(dp.min_item_users))
        throw Error("argument", "--dp-min-item-users must be a number >= 0");
    if (config.factors == 0 || config.factors > 1024)
        throw Error("argument", "factors must be in 1..1024, got " + std::to_string(config.factors));
    if (data.users == 0 || data.items == 0) throw Error("data", "no interactions to train on");
    const auto started = std::chrono::steady_clock::now();
    const uint32_t d = config.factors, m = dp.max_items_per_user;
    const double delta = dp.delta > 0.0 ? dp.delta : 0.1 / static_cast<double>(data.users);
    // Every release is a Gaussian mechanism on every user, so they compose exactly into one
    // (Gaussian DP, core/train/privacy/gdp.h): mu^2 = sum over releases of 1 / z_k^2. The
    // Gram matrix sums every user, so its noise is small beside it even when it is large
    // beside one user: it gets kGramNoiseRatio times the item sums' noise multiplier z, and
    // costs 1 / (ratio z)^2 an iteration. The counts, released once, cost 1 / (count_ratio z)^2.
    const bool filter = dp.min_item_users > 0.0;
    const uint32_t releases = 2 * config.iterations + (filter ? 1 : 0);
    const double releases_at_z = config.iterations * (1.0 + 1.0 / (kGramNoiseRatio * kGramNoiseRatio)) +
                                 (filter ? 1.0 / (kCountNoiseRatio * kCountNoiseRatio) : 0.0);
    const double mu = gdp_mu_for(dp.epsilon, delta);
    const double z = std::sqrt(releases_at_z) / mu;
    report = {};
    report.epsilon = gdp_epsilon(mu, delta);
    report.delta = delta;
    report.gdp_mu = mu;
    report.noise_multiplier = z;
    report.gram_noise_multiplier = kGramNoiseRatio * z;
    report.count_noise_multiplier = filter ? kCountNoiseRatio * z : 0.0;
    report.min_item_users = dp.min_item_users;
    report.releases = releases;
    report.max_items_per_user = m;
    report.user_norm_clip = dp.user_norm_clip;

    const uint64_t noise_seed = dp.noise_seed ? dp.noise_seed : system_seed();
    // The items trained: every item, or those whose noisy weighted count of users reaches
    // min_item_users.
    std::vector<uint8_t> trained(data.items, 1);
    if (filter) {
        std::vector<double> counts(data.items, 0.0);
        for (uint32_t u = 0; u < data.users; ++u) {
            const uint32_t begin = data.by_user.start[u], end = data.by_user.start[u + 1];
            const double w = contribution_weight(end - begin, m);
            for (uint32_t k = begin; k < end; ++k) counts[data.by_user.index[k]] += w;
        }
        const double sigma_c = report.count_noise_multiplier * std::sqrt(double(m));
        SplitMix64 count_noise(mix_seed(noise_seed, 0xc0de));
        for (uint32_t i = 0; i < data.items; ++i)
            trained[i] = counts[i] + sigma_c * count_noise.normal() >= dp.min_item_users;
    }
    report.items_trained = static_cast<uint32_t>(std::count(trained.begin(), trained.end(), 1));

    // Each user's contribution: every trained item, weighted by contribution_weight of
    // their number of trained items.
    std::vector<uint32_t> used, used_start(data.users + 1, 0);
    std::vector<float> weight(data.users, 1.0f);
    for (uint32_t u = 0; u < data.users; ++u) {
        const size_t before = used.size();
        for (uint32_t k = data.by_user.start[u]; k < data.by_user.start[u + 1]; ++k)
            if (trained[data.by_user.index[k]]) used.push_back(data.by_user.index[k]);
        const size_t n = used.size() - before;
        weight[u] = static_cast<float>(contribution_weight(n, m));
        report.users_weighted += n > m;
        used_start[u + 1] = static_cast<uint32_t>(used.size());
    }
    report.interactions_used = used.size();
    report.interactions_dropped = data.by_user.index.size() - used.size();
    // The interactions used, by item: which users' vectors each item's statistics add up.
    std::vector<uint32_t> item_start(data.items + 1, 0), item_users(used.size());
    for (uint32_t i : used) ++item_start[i + 1];
    for (uint32_t i = 0; i < data.items; ++i) item_start[i + 1] += item_start[i];
    {
        std::vector<uint32_t> fill(item_start.begin(), item_start.end() - 1);
        for (uint32_t u = 0; u < data.users; ++u)
            for (uint32_t k = used_start[u]; k < used_start[u + 1]; ++k) item_users[fill[used[k]]++] = u;
    }

    MfModel model;
    model.params = config.params;
    model.dim = d;
    SplitMix64 init(config.seed);  // data-independent, so it may be public
    model.item_factors.resize(static_cast<size_t>(data.items) * d);
    for (float& v : model.item_factors) v = static_cast<float>(0.1 * init.normal() / std::sqrt(double(d)));
    for (uint32_t i = 0; i < data.items; ++i)  // an item left out is 0 from the start
        if (!trained[i]) std::fill_n(&model.item_factors[static_cast<size_t>(i) * d], d, 0.0f);
    std::vector<float> users(static_cast<size_t>(data.users) * d, 0.0f);
    const double alpha = config.params.alpha, clip = dp.user_norm_clip, reg = config.params.reg;
    const double sigma_g = kGramNoiseRatio * z * clip * clip;
    const double sigma_b = z * clip * std::sqrt(double(m));
    std::vector<double> user_gram(static_cast<size_t>(d) * d), lower(user_gram.size());
    uint32_t shifted = 0;

    for (uint32_t it = 0; it < config.iterations; ++it) {
        // Users: the exact solve a device would make against the current items (every item
        // of the user, binary), then scaled to norm C.
        model.gram = gram_matrix(model.item_factors.data(), data.items, d);
        const FactorRows item_rows{model.item_factors.data(), data.items, d, false};
        for_row_ranges(data.users, config.threads, [&](uint32_t begin, uint32_t end) {
            RidgeSolver solver;
            std::vector<RidgeTerm> terms;
            for (uint32_t u = begin; u < end; ++u) {
                terms.clear();
                for (uint32_t k = data.by_user.start[u]; k < data.by_user.start[u + 1]; ++k)
                    terms.push_back({data.by_user.index[k], static_cast<float>(1.0 + alpha), 1.0f});
                float* x = &users[static_cast<size_t>(u) * d];
                solver.solve(item_rows, model.gram.data(), terms.data(), terms.size(), reg, x);
                // Scaled to norm C exactly, not only clipped: a user's ranking does not change
                // with the vector's length, and the noise is calibrated to C, so shorter
                // vectors would only lose signal to it.
                double norm = 0.0;
                for (uint32_t a = 0; a < d; ++a) norm += double(x[a]) * x[a];
                norm = std::sqrt(norm);
                if (norm > 0.0)
                    for (uint32_t a = 0; a < d; ++a) x[a] = static_cast<float>(x[a] * (clip / norm));
            }
        });
        // G = X^T X + noise, once per iteration.
        std::fill(user_gram.begin(), user_gram.end(), 0.0);
        for (uint32_t u = 0; u < data.users; ++u) {
            const float* x = &users[static_cast<size_t>(u) * d];
            for (uint32_t a = 0; a < d; ++a)
                for (uint32_t b = 0; b <= a; ++b) user_gram[a * d + b] += double(x[a]) * x[b];
        }
        for (uint32_t a = 0; a < d; ++a)
            for (uint32_t b = 0; b < a; ++b) user_gram[b * d + a] = user_gram[a * d + b];
        SplitMix64 gram_noise(mix_seed(noise_seed, 2 + uint64_t(it)));
        add_symmetric_noise(user_gram.data(), d, sigma_g, gram_noise);

        // The one matrix every item solve shares, made positive definite if the noise left
        // it indefinite: a larger ridge, from public quantities only (the noise scale).
        double ridge = reg;
        for (int attempt = 0;; ++attempt) {
            std::copy(user_gram.begin(), user_gram.end(), lower.begin());
            for (uint32_t p = 0; p < d; ++p) lower[p * d + p] += ridge;
            if (cholesky(lower.data(), d)) break;
            if (attempt == 0) ++shifted;
            ridge = ridge * 2.0 + sigma_g * std::sqrt(double(d));
        }
        // Items: the noisy sum of their users' vectors, then the solve. Each item's
        // noise has its own stream, so the result does not depend on the thread count.
        for_row_ranges(data.items, config.threads, [&](uint32_t begin, uint32_t end) {
            std::vector<double> b(d);
            for (uint32_t i = begin; i < end; ++i) {
                float* y = &model.item_factors[static_cast<size_t>(i) * d];
                if (!trained[i]) {  // nothing of it is released
                    std::fill(y, y + d, 0.0f);
                    continue;
                }
                std::fill(b.begin(), b.end(), 0.0);
                for (uint32_t k = item_start[i]; k < item_start[i + 1]; ++k) {
                    const float* x = &users[static_cast<size_t>(item_users[k]) * d];
                    const double w = weight[item_users[k]];
                    for (uint32_t p = 0; p < d; ++p) b[p] += w * x[p];
                }
                SplitMix64 noise(mix_seed(noise_seed, (uint64_t(it) + 1) * 0x100000000ull + i));
                for (uint32_t p = 0; p < d; ++p) b[p] += sigma_b * noise.normal();
                cholesky_solve(lower.data(), d, b.data());
                for (uint32_t p = 0; p < d; ++p) y[p] = static_cast<float>(b[p]);
            }
        });
        if (progress) {
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            progress({it + 1, std::nan(""), secs});
        }
    }
    report.shifted_solves = shifted;

    // What a device folds users in against, and the training users' vectors (for
    // evaluation only, never exported).
    fold_in_training_users(data, config.threads, model);
    return model;
}

std::string privacy_json(const DpAlsReport& r, uint32_t iterations) {
    Json j;
    j.begin_object();
    j.field("private", true);
    j.field("mechanism", "Gaussian noise on the item-side statistics of ALS (joint DP, in the manner of Private ALS)");
    j.field("unit", "user");
    j.field("epsilon", r.epsilon).field("delta", r.delta);
    j.field("accountant", "exact: Gaussian DP, every release a Gaussian mechanism on every user, composed into one");
    j.field("gdp_mu", r.gdp_mu).field("noise_multiplier", r.noise_multiplier);
    j.field("gram_noise_multiplier", r.gram_noise_multiplier);
    if (r.count_noise_multiplier > 0.0) {
        j.field("count_noise_multiplier", r.count_noise_multiplier);
        j.field("min_item_users", r.min_item_users).field("items_trained", r.items_trained);
    }
    j.field("releases", r.releases).field("iterations", iterations);
    j.key("bounds").begin_object();
    j.field("max_items_per_user", r.max_items_per_user);
    j.field("weighting", "a user with more items than max_items_per_user has each weighted by sqrt(max_items_per_user / items)");
    j.field("user_vector_norm", static_cast<double>(r.user_norm_clip));
    j.field("values", "binary: whether a user has an item, not its value");
    j.end_object();
    j.key("protected").begin_array().value("item factors").value("the Gram matrix of the item factors").end_array();
    // Codes, so that every reader words them in its own language (privacy_words below,
    // web/src/privacy.js, the demo's message tables).
    j.key("not_covered").begin_array();
    for (const char* code : kNotCovered) j.value(code);
    j.end_array();
    j.end_object();
    return j.str();
}

}  // namespace hearth
