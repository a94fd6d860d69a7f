#include "core/device/mf/ridge.h"

#include <cmath>

#include "core/common/error.h"

// The solve is where ALS training and fold-in spend their time, in element-wise updates
// that the compiler vectorizes. Natively (GCC on x86-64) it is compiled twice, for AVX2 and
// for the x86-64 baseline, and the loader picks the one this CPU runs: a portable build
// keeps the speed of a -march build. Element-wise operations without FMA (-ffp-contract=off)
// round the same at any width, so both copies give the same bits.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define HEARTH_CLONES_AVX2 __attribute__((target_clones("avx2", "default")))
#else
#define HEARTH_CLONES_AVX2
#endif

namespace hearth {

void RidgeSolver::features(const FactorRows& f, uint32_t i, double* out) {
    const float* row = f.rows + static_cast<size_t>(i) * f.dim;
    for (uint32_t j = 0; j < f.dim; ++j) out[j] = row[j];
    if (f.append_one) out[f.dim] = 1.0;
}

HEARTH_CLONES_AVX2 void RidgeSolver::solve(const FactorRows& f, const float* gram, const RidgeTerm* terms,
                        size_t n, double reg, float* x) {
    const uint32_t m = f.solve_dim();
    dim_ = m;
    a_.assign(static_cast<size_t>(m) * m, 0.0);
    b_.assign(m, 0.0);
    f_.resize(m);
    y_.resize(m);
    if (gram)
        for (size_t k = 0; k < a_.size(); ++k) a_[k] = gram[k];
    const double base_weight = gram ? 1.0 : 0.0;
    for (size_t t = 0; t < n; ++t) {
        if (terms[t].index >= f.count)
            throw Error("argument", "history item index " + std::to_string(terms[t].index) +
                                        " is outside the catalog of " +
                                        std::to_string(f.count) + " items");
        features(f, terms[t].index, f_.data());
        const double w = terms[t].weight;
        const double extra = w - base_weight;
        const double wt = w * terms[t].target;
        for (uint32_t r = 0; r < m; ++r) {
            b_[r] += wt * f_[r];
            const double fr = extra * f_[r];
            double* arow = &a_[static_cast<size_t>(r) * m];
            for (uint32_t c = 0; c <= r; ++c) arow[c] += fr * f_[c];  // lower triangle only
        }
    }
    for (uint32_t r = 0; r < m; ++r) a_[static_cast<size_t>(r) * m + r] += reg;

    // In-place Cholesky, A = L L^T, lower triangle.
    for (uint32_t j = 0; j < m; ++j) {
        double* rowj = &a_[static_cast<size_t>(j) * m];
        double diag = rowj[j];
        for (uint32_t k = 0; k < j; ++k) diag -= rowj[k] * rowj[k];
        if (!(diag > 0.0) || !std::isfinite(diag))
            throw Error("model", "ridge system is not positive definite (regularization " +
                                     std::to_string(reg) + ")");
        const double ljj = std::sqrt(diag);
        rowj[j] = ljj;
        for (uint32_t i = j + 1; i < m; ++i) {
            double* rowi = &a_[static_cast<size_t>(i) * m];
            double s = rowi[j];
            for (uint32_t k = 0; k < j; ++k) s -= rowi[k] * rowj[k];
            rowi[j] = s / ljj;
        }
    }
    apply_inverse(b_.data(), y_.data());
    for (uint32_t r = 0; r < m; ++r) x[r] = static_cast<float>(y_[r]);
}

void RidgeSolver::apply_inverse(const double* v, double* z) const {
    const uint32_t m = dim_;
    // Forward: L y = v (z holds y), then backward: L^T z = y.
    for (uint32_t i = 0; i < m; ++i) {
        const double* rowi = &a_[static_cast<size_t>(i) * m];
        double s = v[i];
        for (uint32_t k = 0; k < i; ++k) s -= rowi[k] * z[k];
        z[i] = s / rowi[i];
    }
    for (uint32_t i = m; i-- > 0;) {
        double s = z[i];
        for (uint32_t k = i + 1; k < m; ++k) s -= a_[static_cast<size_t>(k) * m + i] * z[k];
        z[i] = s / a_[static_cast<size_t>(i) * m + i];
    }
}

}  // namespace hearth
