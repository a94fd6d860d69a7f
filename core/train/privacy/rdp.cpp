#include "core/train/privacy/rdp.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/common/error.h"
#include "core/train/privacy/log_erfc.h"

namespace hearth {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// log(exp(a) + exp(b)) and log(exp(a) - exp(b)) (a >= b) without overflow.
double log_add(double a, double b) {
    if (a == -kInf) return b;
    if (b == -kInf) return a;
    const double hi = std::max(a, b), lo = std::min(a, b);
    return hi + std::log1p(std::exp(lo - hi));
}

double log_sub(double a, double b) {
    if (b == -kInf) return a;
    if (a <= b) return -kInf;  // rounding: the difference is (numerically) zero
    return a + std::log1p(-std::exp(b - a));
}

// log A_alpha for integer alpha: the binomial expansion of E[(1 - q + q e^{...})^alpha].
double log_a_integer(double q, double sigma, int alpha) {
    double log_a = -kInf;
    for (int i = 0; i <= alpha; ++i) {
        const double log_binom = std::lgamma(alpha + 1.0) - std::lgamma(i + 1.0) - std::lgamma(alpha - i + 1.0);
        const double s = log_binom + i * std::log(q) + (alpha - i) * std::log1p(-q) +
                         (static_cast<double>(i) * i - i) / (2.0 * sigma * sigma);
        log_a = log_add(log_a, s);
    }
    return log_a;
}

// log A_alpha for fractional alpha: the two-sided series of Mironov, Talwar and Zhang
// (Section 3.3), summed until its terms fall below e^-30 of the scale.
double log_a_fractional(double q, double sigma, double alpha) {
    double log_a0 = -kInf, log_a1 = -kInf;
    const double z0 = sigma * sigma * std::log(1.0 / q - 1.0) + 0.5;
    double log_coef = 0.0;  // log |binom(alpha, i)|
    bool positive = true;   // its sign
    for (int i = 0;; ++i) {
        if (i > 0) {
            const double factor = (alpha - (i - 1)) / i;
            log_coef += std::log(std::fabs(factor));
            if (factor < 0) positive = !positive;
        }
        const double j = alpha - i;
        const double log_t0 = log_coef + i * std::log(q) + j * std::log1p(-q);
        const double log_t1 = log_coef + j * std::log(q) + i * std::log1p(-q);
        const double log_e0 = std::log(0.5) + log_erfc((i - z0) / (std::sqrt(2.0) * sigma));
        const double log_e1 = std::log(0.5) + log_erfc((z0 - j) / (std::sqrt(2.0) * sigma));
        const double log_s0 = log_t0 + (static_cast<double>(i) * i - i) / (2.0 * sigma * sigma) + log_e0;
        const double log_s1 = log_t1 + (j * j - j) / (2.0 * sigma * sigma) + log_e1;
        if (positive) {
            log_a0 = log_add(log_a0, log_s0);
            log_a1 = log_add(log_a1, log_s1);
        } else {
            log_a0 = log_sub(log_a0, log_s0);
            log_a1 = log_sub(log_a1, log_s1);
        }
        if (std::max(log_s0, log_s1) < -30.0 || i > 100000) break;
    }
    return log_add(log_a0, log_a1);
}

}  // namespace

const std::vector<double>& default_rdp_orders() {
    static const std::vector<double> orders = [] {
        std::vector<double> o;
        for (int x = 1; x < 100; ++x) o.push_back(1.0 + x / 10.0);
        for (int a = 12; a < 64; ++a) o.push_back(a);
        return o;
    }();
    return orders;
}

double rdp_sampled_gaussian(double q, double sigma, double order) {
    if (!(order > 1.0)) throw Error("argument", "RDP orders must be above 1, got " + std::to_string(order));
    if (!(q >= 0.0 && q <= 1.0)) throw Error("argument", "sampling rate must be in [0, 1], got " + std::to_string(q));
    if (q == 0.0) return 0.0;
    if (!(sigma > 0.0)) return kInf;
    if (q == 1.0) return order / (2.0 * sigma * sigma);
    if (std::isinf(order)) return kInf;
    const double log_a = order == std::floor(order) ? log_a_integer(q, sigma, static_cast<int>(order))
                                                    : log_a_fractional(q, sigma, order);
    return log_a / (order - 1.0);
}

PrivacySpent epsilon_from_rdp(const std::vector<double>& orders, const std::vector<double>& rdp, double delta) {
    if (!(delta > 0.0 && delta < 1.0)) throw Error("argument", "delta must be in (0, 1), got " + std::to_string(delta));
    if (orders.size() != rdp.size()) throw Error("argument", "one RDP value per order");
    PrivacySpent best{kInf, 0.0};
    for (size_t i = 0; i < orders.size(); ++i) {
        const double a = orders[i];
        if (!(a > 1.0) || std::isinf(rdp[i])) continue;
        const double eps = rdp[i] - (std::log(delta) + std::log(a)) / (a - 1.0) + std::log((a - 1.0) / a);
        if (eps < best.epsilon) best = {eps, a};
    }
    best.epsilon = std::max(0.0, best.epsilon);
    return best;
}

PrivacySpent sampled_gaussian_epsilon(double q, double sigma, double steps, double delta,
                                      const std::vector<double>& orders) {
    std::vector<double> rdp(orders.size());
    for (size_t i = 0; i < orders.size(); ++i) rdp[i] = steps * rdp_sampled_gaussian(q, sigma, orders[i]);
    return epsilon_from_rdp(orders, rdp, delta);
}

double noise_for_epsilon(double q, double steps, double epsilon, double delta, const std::vector<double>& orders) {
    if (!(epsilon > 0.0) || !std::isfinite(epsilon))
        throw Error("argument", "epsilon must be a positive number, got " + std::to_string(epsilon));
    if (!(delta > 0.0 && delta < 1.0)) throw Error("argument", "delta must be in (0, 1), got " + std::to_string(delta));
    const auto within = [&](double z) { return sampled_gaussian_epsilon(q, z, steps, delta, orders).epsilon <= epsilon; };
    double hi = 1.0;
    while (!within(hi)) {
        hi *= 2.0;
        if (hi > 1e7) throw Error("argument", "no noise level reaches epsilon " + std::to_string(epsilon));
    }
    double lo = 0.0;
    while (hi - lo > 1e-3 * hi) {
        const double mid = 0.5 * (lo + hi);
        (within(mid) ? hi : lo) = mid;
    }
    return hi;
}

}  // namespace hearth
