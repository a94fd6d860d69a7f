// The RDP and GDP accountants against published values (dp_accounting's and Opacus's tests) and
// against the exact (epsilon, delta) curve of the Gaussian mechanism (Balle and Wang 2018).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "core/common/error.h"
#include "core/train/privacy/gdp.h"
#include "core/train/privacy/rdp.h"

using namespace hearth;

namespace {

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// The exact delta of the Gaussian mechanism (sensitivity 1, noise sigma) at epsilon.
double exact_gaussian_delta(double sigma, double eps) {
    return normal_cdf(0.5 / sigma - eps * sigma) - std::exp(eps) * normal_cdf(-0.5 / sigma - eps * sigma);
}

// The exact epsilon at delta, by bisection on the decreasing curve above.
double exact_gaussian_epsilon(double sigma, double delta) {
    double lo = 0.0, hi = 100.0;
    for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (lo + hi);
        (exact_gaussian_delta(sigma, mid) > delta ? lo : hi) = mid;
    }
    return hi;
}

}  // namespace

// A_alpha = E_{z ~ N(0, sigma^2)} [(1 - q + q exp((2z - 1) / (2 sigma^2)))^alpha] by Simpson's
// rule: the definition, as dp_accounting's own tests check it (there in multi-precision).
static double rdp_by_integration(double q, double sigma, double alpha) {
    const double lo = -40.0 * sigma, hi = 40.0 * sigma + 2.0 * alpha;
    const int n = 400000;
    const double h = (hi - lo) / n;
    double sum = 0.0;
    for (int i = 0; i <= n; ++i) {
        const double z = lo + i * h;
        // In logs: the power overflows a double long before the integral does.
        const double t = std::log(q) + (2 * z - 1) / (2 * sigma * sigma), u = std::log1p(-q);
        const double log_mix = std::max(t, u) + std::log1p(std::exp(-std::fabs(t - u)));
        const double f = std::exp(-z * z / (2 * sigma * sigma) - std::log(sigma * std::sqrt(2 * M_PI)) + alpha * log_mix);
        sum += f * (i == 0 || i == n ? 1 : (i % 2 ? 4 : 2));
    }
    return std::log(sum * h / 3) / (alpha - 1);
}

TEST_CASE("RDP of the Poisson-sampled Gaussian matches published values and the integral", "[privacy]") {
    // dp_accounting (rdp_privacy_accountant_test.py, test_compute_rdp_poisson_sampled_gaussian):
    // z = 2.5, q = 0.01, 50 steps, integer orders.
    const std::vector<std::pair<double, double>> want = {{5, 2.18075656e-03}, {50, 2.38460375e-02}, {100, 1.67416308e02}};
    for (const auto& [order, rdp] : want) {
        INFO("order " << order);
        CHECK(50 * rdp_sampled_gaussian(0.01, 2.5, order) == Approx(rdp).epsilon(1e-4));
    }
    // Fractional orders go through the two-sided series; against the integral itself. (The
    // same published test lists 6.7058e-4 at order 1.5, a looser bound than the integral's
    // 6.5007e-4, which this accountant gives.)
    for (double q : {0.01, 0.1})
        for (double sigma : {1.0, 2.5})
            for (double order : {1.5, 2.5, 7.3, 20.5}) {
                INFO("q " << q << " sigma " << sigma << " order " << order);
                CHECK(rdp_sampled_gaussian(q, sigma, order) == Approx(rdp_by_integration(q, sigma, order)).epsilon(1e-5));
            }
    for (double order : {2.0, 3.0, 8.0})
        CHECK(rdp_sampled_gaussian(0.1, 1.5, order) == Approx(rdp_by_integration(0.1, 1.5, order)).epsilon(1e-5));
    CHECK(std::isinf(rdp_sampled_gaussian(0.01, 0.0, 2.0)));
    CHECK(rdp_sampled_gaussian(0.0, 1.0, 2.0) == 0.0);
    // q = 1 is the plain Gaussian mechanism: order / (2 z^2).
    CHECK(rdp_sampled_gaussian(1.0, 2.71828, 3.14159) == Approx(3.14159 / (2 * 2.71828 * 2.71828)));
}

TEST_CASE("RDP to (epsilon, delta) matches the published conversions", "[privacy]") {
    // dp_accounting test_compute_epsilon_delta_pure_dp: constant RDP 1.1 over orders 2..32.
    std::vector<double> orders, rdp;
    for (int a = 2; a <= 32; ++a) orders.push_back(a), rdp.push_back(1.1);
    const PrivacySpent pure = epsilon_from_rdp(orders, rdp, 1e-5);
    CHECK(pure.epsilon == Approx(1.32783806176).epsilon(1e-9));
    CHECK(pure.order == 32);

    // dp_accounting test_compute_epsilon_delta_gaussian: z = 4.530877117 is exactly (1, 1e-6).
    orders.clear();
    for (int i = 1000; i < 100000; ++i) orders.push_back(0.001 * i);
    orders.erase(orders.begin());  // order 1 itself is not an RDP order here
    const PrivacySpent gaussian = sampled_gaussian_epsilon(1.0, 4.530877117, 1, 1e-6, orders);
    CHECK(gaussian.epsilon == Approx(1.0).epsilon(1e-6));

    // Opacus accountants_test: z = 1.5, q = 0.04, 90 epochs (2250 steps), delta = 1e-5.
    CHECK(sampled_gaussian_epsilon(0.04, 1.5, 2250, 1e-5).epsilon == Approx(7.32911117143).epsilon(1e-6));
}

TEST_CASE("RDP epsilon bounds the exact Gaussian epsilon from above, and closely", "[privacy]") {
    for (double sigma : {0.8, 1.0, 2.0, 5.0, 20.0})
        for (double delta : {1e-5, 1e-7}) {
            INFO("sigma " << sigma << " delta " << delta);
            const double exact = exact_gaussian_epsilon(sigma, delta);
            const double rdp = sampled_gaussian_epsilon(1.0, sigma, 1, delta).epsilon;
            CHECK(rdp >= exact);
            CHECK(rdp <= 1.35 * exact + 0.02);
            // k releases with noise sigma are one release with noise sigma / sqrt(k).
            CHECK(sampled_gaussian_epsilon(1.0, sigma, 9, delta).epsilon ==
                  Approx(sampled_gaussian_epsilon(1.0, sigma / 3.0, 1, delta).epsilon).epsilon(1e-9));
        }
}

TEST_CASE("the noise for a target epsilon is the smallest that reaches it", "[privacy]") {
    // Opacus test_get_noise_multiplier: epsilon 8, delta 1e-5, q = 0.04, 90 epochs -> 1.4253,
    // where its bisection stopped; the smallest noise that reaches 8 is a little lower.
    const double z = noise_for_epsilon(0.04, 2250, 8.0, 1e-5);
    CHECK(z <= 1.425307617);
    CHECK(z >= 0.99 * 1.425307617);
    for (double eps : {0.5, 1.0, 4.0, 16.0})
        for (double steps : {1.0, 15.0, 400.0}) {
            INFO("epsilon " << eps << " steps " << steps);
            const double found = noise_for_epsilon(1.0, steps, eps, 1e-6);
            CHECK(sampled_gaussian_epsilon(1.0, found, steps, 1e-6).epsilon <= eps);
            CHECK(sampled_gaussian_epsilon(1.0, found * 0.99, steps, 1e-6).epsilon > eps);
        }
    CHECK_THROWS_WITH(noise_for_epsilon(1.0, 1, 0.0, 1e-6), Catch::Contains("epsilon must be a positive"));
    CHECK_THROWS_WITH(noise_for_epsilon(1.0, 1, 1.0, 1.5), Catch::Contains("delta must be in (0, 1)"));
}

// delta(epsilon) of mu-GDP as its definition, the hockey-stick divergence between N(mu, 1)
// and N(0, 1): the integral of max(0, phi(x - mu) - e^epsilon phi(x)), by Simpson's rule.
static double gdp_delta_by_integration(double mu, double eps) {
    const double lo = -12.0, hi = mu + 12.0;
    const int n = 200000;
    const double h = (hi - lo) / n;
    double sum = 0.0;
    for (int i = 0; i <= n; ++i) {
        const double x = lo + i * h;
        const double f = std::max(0.0, std::exp(-0.5 * (x - mu) * (x - mu)) - std::exp(eps - 0.5 * x * x)) / std::sqrt(2 * M_PI);
        sum += f * (i == 0 || i == n ? 1 : (i % 2 ? 4 : 2));
    }
    return sum * h / 3;
}

TEST_CASE("GDP: published values, the integral, its inverses, and below RDP", "[privacy]") {
    // Published: mu = 1, epsilon 1 (the fdp R package's gdp_to_epsdelta example), and the
    // values of GDP conversion tests; mu = 0.8, epsilon 3 computed at 60 digits (mpmath).
    const struct { double mu, eps, delta; } published[] = {
        {1.0, 1.0, 0.126936737506644}, {3.0, 3.0, 0.566737999092}, {0.5, 0.5, 0.0524403232877},
        {5.0, 7.0, 0.811589893405},    {0.8, 3.0, 7.016058166974e-5},
    };
    for (const auto& p : published) {
        INFO("mu " << p.mu << " epsilon " << p.eps);
        CHECK(gdp_delta(p.mu, p.eps) == Approx(p.delta).epsilon(1e-9));
    }
    // The definition, down to the deltas private training uses (mu 1.6 at epsilon 8: ~4e-6).
    for (double mu : {0.3, 1.0, 1.6, 4.0})
        for (double eps : {0.0, 0.5, 2.0, 8.0}) {
            INFO("mu " << mu << " epsilon " << eps);
            const double want = gdp_delta_by_integration(mu, eps);
            CHECK(gdp_delta(mu, eps) == Approx(want).epsilon(1e-6).margin(1e-15));
        }
    for (double mu : {0.5, 1.6, 3.0})
        for (double delta : {1e-3, 4.5e-6, 1e-9}) {
            INFO("mu " << mu << " delta " << delta);
            const double eps = gdp_epsilon(mu, delta);
            CHECK(gdp_delta(mu, eps) <= delta);
            CHECK(gdp_delta(mu, eps - 1e-6) > delta);
            // One Gaussian mechanism: the same as this file's own exact curve, with sigma = 1 / mu.
            CHECK(eps == Approx(exact_gaussian_epsilon(1.0 / mu, delta)).epsilon(1e-6));
            const double found = gdp_mu_for(eps, delta);
            CHECK(gdp_delta(found, eps) <= delta);
            CHECK(found == Approx(mu).epsilon(1e-6));
        }
    // T releases at noise z: RDP's epsilon is an upper bound of the exact one, and close.
    for (double z : {0.8, 1.5, 4.0})
        for (double releases : {1.0, 9.0}) {
            INFO("z " << z << " releases " << releases);
            const double exact = gdp_epsilon(std::sqrt(releases) / z, 1e-6);
            const double rdp = sampled_gaussian_epsilon(1.0, z, releases, 1e-6).epsilon;
            CHECK(rdp >= exact);
            CHECK(rdp <= 1.35 * exact + 0.02);
        }
    // Far out (a "no noise" setting of the tests): the round trip holds, relative to epsilon.
    const double huge = gdp_mu_for(1e12, 1e-6);
    CHECK(gdp_epsilon(huge, 1e-6) == Approx(1e12).epsilon(1e-6));
    CHECK(gdp_delta(0.0, 1.0) == 0.0);
    CHECK_THROWS_WITH(gdp_mu_for(0.0, 1e-6), Catch::Contains("epsilon must be a positive"));
    CHECK_THROWS_WITH(gdp_mu_for(1.0, 0.0), Catch::Contains("delta must be in (0, 1)"));
    CHECK_THROWS_WITH(gdp_epsilon(1.0, 1.0), Catch::Contains("delta must be in (0, 1)"));
}
