#include "core/train/mf/trainer.h"

#include <chrono>
#include <cmath>

#include "core/common/error.h"
#include "core/common/parallel.h"
#include "core/common/rng.h"

namespace hearth {

namespace {

// Box-Muller over the common generator. This form (u1 nudged off zero rather than
// 1 - u) is the one the factor initialization has always used; SplitMix64::normal() draws
// the other, so keeping it keeps every trained model bit for bit.
double initial_normal(SplitMix64& rng) {
    const double u1 = rng.uniform() + 1e-300, u2 = rng.uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// One side of an alternating step: every row of `sparse` gets a new [vector; bias]
// (explicit) or vector (implicit) from the fixed side `other`.
void solve_side(const SparseRows& sparse, const FactorRows& other, const float* other_bias,
                const MfParams& params, const float* gram, uint32_t threads, float* out_factors,
                float* out_bias, uint32_t dim) {
    for_row_ranges(sparse.rows(), threads, [&](uint32_t begin, uint32_t end) {
        RidgeSolver solver;
        std::vector<RidgeTerm> terms;
        std::vector<float> x(other.solve_dim());
        for (uint32_t r = begin; r < end; ++r) {
            terms.clear();
            for (uint32_t k = sparse.start[r]; k < sparse.start[r + 1]; ++k) {
                const uint32_t j = sparse.index[k];
                const float v = sparse.value[k];
                if (params.kind == MfKind::Implicit)
                    terms.push_back({j, 1.0f + params.alpha * v, 1.0f});
                else
                    terms.push_back({j, 1.0f, v - params.global_mean - other_bias[j]});
            }
            float* dst = out_factors + static_cast<size_t>(r) * dim;
            if (terms.empty() && params.kind == MfKind::Explicit) {
                std::fill(dst, dst + dim, 0.0f);
                out_bias[r] = 0.0f;
                continue;
            }
            solver.solve(other, gram, terms.data(), terms.size(),
                         effective_reg(params, terms.size()), x.data());
            std::copy(x.begin(), x.begin() + dim, dst);
            if (out_bias) out_bias[r] = x[dim];
        }
    });
}

double objective(const RatingMatrix& data, const MfModel& m, const std::vector<float>& users,
                 const std::vector<float>& user_bias) {
    const uint32_t d = m.dim;
    double loss = 0.0;
    size_t count = 0;
    for (uint32_t u = 0; u < data.users; ++u) {
        const float* p = &users[static_cast<size_t>(u) * d];
        if (m.params.kind == MfKind::Implicit) {
            // sum over all items of (0 - x.y)^2 via the Gram matrix, then correct the
            // observed ones: c (1 - s)^2 - s^2.
            double all = 0.0;
            for (uint32_t a = 0; a < d; ++a)
                for (uint32_t b = 0; b < d; ++b) all += p[a] * double(m.gram[a * d + b]) * p[b];
            loss += all;
        }
        for (uint32_t k = data.by_user.start[u]; k < data.by_user.start[u + 1]; ++k) {
            const uint32_t i = data.by_user.index[k];
            const float* q = &m.item_factors[static_cast<size_t>(i) * d];
            double s = 0.0;
            for (uint32_t a = 0; a < d; ++a) s += double(p[a]) * q[a];
            const double v = data.by_user.value[k];
            if (m.params.kind == MfKind::Implicit) {
                const double c = 1.0 + m.params.alpha * v;
                loss += c * (1.0 - s) * (1.0 - s) - s * s;
            } else {
                const double e = v - (m.params.global_mean + m.item_bias[i] + user_bias[u] + s);
                loss += e * e;
            }
            ++count;
        }
    }
    // The ridge penalties, with the strength each row's solve used: with them the sum is
    // the exact objective ALS minimises, so it can only go down from step to step.
    auto penalty = [&](const SparseRows& rows, const float* factors, const float* bias) {
        double sum = 0.0;
        for (uint32_t r = 0; r < rows.rows(); ++r) {
            const size_t n = rows.start[r + 1] - rows.start[r];
            if (n == 0 && m.params.kind == MfKind::Explicit) continue;
            double sq = bias ? double(bias[r]) * bias[r] : 0.0;
            for (uint32_t a = 0; a < d; ++a) sq += double(factors[size_t(r) * d + a]) * factors[size_t(r) * d + a];
            sum += effective_reg(m.params, n) * sq;
        }
        return sum;
    };
    const bool biased = m.params.kind == MfKind::Explicit;
    loss += penalty(data.by_user, users.data(), biased ? user_bias.data() : nullptr);
    loss += penalty(data.by_item, m.item_factors.data(), biased ? m.item_bias.data() : nullptr);
    return count ? loss / static_cast<double>(count) : 0.0;
}

}  // namespace

MfModelView MfModel::view() const {
    MfModelView v;
    v.params = params;
    v.items = {item_factors.data(), items(), dim, params.kind == MfKind::Explicit};
    v.item_bias = params.kind == MfKind::Explicit ? item_bias.data() : nullptr;
    v.gram = params.kind == MfKind::Implicit ? gram.data() : nullptr;
    return v;
}

std::vector<float> gram_matrix(const float* rows, uint32_t count, uint32_t dim) {
    std::vector<double> acc(static_cast<size_t>(dim) * dim, 0.0);
    for (uint32_t i = 0; i < count; ++i) {
        const float* r = rows + static_cast<size_t>(i) * dim;
        for (uint32_t a = 0; a < dim; ++a)
            for (uint32_t b = 0; b <= a; ++b) acc[a * dim + b] += double(r[a]) * r[b];
    }
    std::vector<float> g(acc.size());
    for (uint32_t a = 0; a < dim; ++a)
        for (uint32_t b = 0; b <= a; ++b)
            g[a * dim + b] = g[b * dim + a] = static_cast<float>(acc[a * dim + b]);
    return g;
}

void fold_in_training_users(const RatingMatrix& data, uint32_t threads, MfModel& m) {
    if (m.params.kind == MfKind::Implicit) m.gram = gram_matrix(m.item_factors.data(), m.items(), m.dim);
    const MfModelView view = m.view();
    const uint32_t ud = view.user_dim();
    m.user_factors.assign(static_cast<size_t>(data.users) * ud, 0.0f);
    for_row_ranges(data.users, threads, [&](uint32_t begin, uint32_t end) {
        RidgeSolver solver;
        std::vector<HistoryEntry> history;
        std::vector<RidgeTerm> terms;
        for (uint32_t u = begin; u < end; ++u) {
            history.clear();
            for (uint32_t k = data.by_user.start[u]; k < data.by_user.start[u + 1]; ++k)
                history.push_back({data.by_user.index[k], data.by_user.value[k]});
            history_terms(view, history.data(), history.size(), terms);
            solver.solve(view.items, view.gram, terms.data(), terms.size(),
                         effective_reg(view.params, terms.size()),
                         &m.user_factors[static_cast<size_t>(u) * ud]);
        }
    });
}

MfModel train_mf(const RatingMatrix& data, const MfConfig& config,
                 const std::function<void(const IterationReport&)>& progress) {
    if (config.factors == 0 || config.factors > 1024)
        throw Error("argument", "factors must be in 1..1024, got " + std::to_string(config.factors));
    if (!(config.params.reg > 0.0f) || !std::isfinite(config.params.reg))
        throw Error("argument", "regularization must be a positive number");
    if (data.users == 0 || data.items == 0) throw Error("data", "no interactions to train on");
    const auto started = std::chrono::steady_clock::now();
    const uint32_t d = config.factors;
    const bool explicit_kind = config.params.kind == MfKind::Explicit;

    MfModel m;
    m.params = config.params;
    m.dim = d;
    if (explicit_kind) {
        double sum = 0.0;
        for (float v : data.by_user.value) sum += v;
        const double count = static_cast<double>(std::max<size_t>(1, data.by_user.value.size()));
        m.params.global_mean = static_cast<float>(sum / count);
    }
    SplitMix64 rng(config.seed);
    m.item_factors.resize(static_cast<size_t>(data.items) * d);
    for (float& v : m.item_factors) v = static_cast<float>(0.1 * initial_normal(rng) / std::sqrt(double(d)));
    m.item_bias.assign(explicit_kind ? data.items : 0, 0.0f);
    std::vector<float> users(static_cast<size_t>(data.users) * d, 0.0f);
    std::vector<float> user_bias(explicit_kind ? data.users : 0, 0.0f);

    const FactorRows item_rows{m.item_factors.data(), data.items, d, explicit_kind};
    const FactorRows user_rows{users.data(), data.users, d, explicit_kind};
    for (uint32_t it = 0; it < config.iterations; ++it) {
        if (!explicit_kind) m.gram = gram_matrix(m.item_factors.data(), data.items, d);
        solve_side(data.by_user, item_rows, m.item_bias.data(), m.params,
                   explicit_kind ? nullptr : m.gram.data(), config.threads, users.data(),
                   explicit_kind ? user_bias.data() : nullptr, d);
        std::vector<float> user_gram;
        if (!explicit_kind) user_gram = gram_matrix(users.data(), data.users, d);
        solve_side(data.by_item, user_rows, user_bias.data(), m.params,
                   explicit_kind ? nullptr : user_gram.data(), config.threads,
                   m.item_factors.data(), explicit_kind ? m.item_bias.data() : nullptr, d);
        if (progress) {
            if (!explicit_kind) m.gram = gram_matrix(m.item_factors.data(), data.items, d);
            const double secs =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            progress({it + 1, objective(data, m, users, user_bias), secs});
        }
    }

    fold_in_training_users(data, config.threads, m);
    return m;
}

}  // namespace hearth
