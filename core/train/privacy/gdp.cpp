#include "core/train/privacy/gdp.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/common/error.h"
#include "core/train/privacy/log_erfc.h"

namespace hearth {

namespace {

// log Phi(x), the standard normal CDF, without underflow far in the left tail.
double log_normal_cdf(double x) { return std::log(0.5) + log_erfc(-x / std::sqrt(2.0)); }

}  // namespace

double gdp_delta(double mu, double epsilon) {
    if (!(mu > 0.0)) return 0.0;
    if (std::isinf(mu)) return 1.0;
    // Phi(a) (1 - e^(epsilon + log Phi(b) - log Phi(a))): in logs, so that neither the
    // e^epsilon nor the two nearly equal terms lose the small difference between them.
    const double log_a = log_normal_cdf(-epsilon / mu + mu / 2.0);
    const double log_b = log_normal_cdf(-epsilon / mu - mu / 2.0);
    return std::max(0.0, -std::exp(log_a) * std::expm1(epsilon + log_b - log_a));
}

double gdp_epsilon(double mu, double delta) {
    if (!(delta > 0.0 && delta < 1.0)) throw Error("argument", "delta must be in (0, 1), got " + std::to_string(delta));
    if (gdp_delta(mu, 0.0) <= delta) return 0.0;
    double lo = 0.0, hi = 1.0;  // delta(epsilon) falls as epsilon grows
    while (gdp_delta(mu, hi) > delta) hi *= 2.0;
    while (hi - lo > 1e-9 * std::max(1.0, hi)) {  // relative past 1: a double holds no finer steps
        const double mid = 0.5 * (lo + hi);
        (gdp_delta(mu, mid) > delta ? lo : hi) = mid;
    }
    return hi;
}

double gdp_mu_for(double epsilon, double delta) {
    if (!(epsilon > 0.0) || !std::isfinite(epsilon))
        throw Error("argument", "epsilon must be a positive number, got " + std::to_string(epsilon));
    if (!(delta > 0.0 && delta < 1.0)) throw Error("argument", "delta must be in (0, 1), got " + std::to_string(delta));
    double lo = 0.0, hi = 1.0;  // delta(mu) grows with mu
    while (gdp_delta(hi, epsilon) <= delta) hi *= 2.0;
    while (hi - lo > 1e-9 * hi) {
        const double mid = 0.5 * (lo + hi);
        (gdp_delta(mid, epsilon) <= delta ? lo : hi) = mid;
    }
    return lo;
}

}  // namespace hearth
