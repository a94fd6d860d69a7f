// Rényi differential privacy accounting for the (Poisson-subsampled) Gaussian mechanism:
// Mironov, "Rényi Differential Privacy" (CSF 2017) for composition; Mironov, Talwar, Zhang,
// "Rényi Differential Privacy of the Sampled Gaussian Mechanism" (2019) for subsampling;
// Canonne, Kamath, Steinke (2020) / Balle et al. (2020) for the conversion to (epsilon,
// delta). The unit of privacy is whatever one "example" is to the caller (here: a user).
#pragma once
#include <cstddef>
#include <vector>

namespace hearth {

// The orders searched by default: 1.1 .. 10.9 by 0.1, then 12 .. 63 (the list of Opacus and
// of dp_accounting, so results compare with theirs).
const std::vector<double>& default_rdp_orders();

// RDP at `order` (> 1) of one release of the Gaussian mechanism with L2 sensitivity 1 and
// noise standard deviation `noise_multiplier`, applied to a Poisson sample that holds each
// example with probability `sampling_rate` (1: everyone, the plain Gaussian mechanism,
// order / (2 z^2)). Add-or-remove-one neighbouring. Infinite for a zero multiplier.
double rdp_sampled_gaussian(double sampling_rate, double noise_multiplier, double order);

struct PrivacySpent {
    double epsilon;
    double order;  // the order that gave it
};

// (epsilon, delta) from RDP values at orders: the smallest over orders of
// rdp - (log delta + log a) / (a - 1) + log((a - 1) / a), and never below 0.
PrivacySpent epsilon_from_rdp(const std::vector<double>& orders, const std::vector<double>& rdp, double delta);

// Epsilon after `steps` releases of the sampled Gaussian mechanism.
PrivacySpent sampled_gaussian_epsilon(double sampling_rate, double noise_multiplier, double steps, double delta,
                                      const std::vector<double>& orders = default_rdp_orders());

// The smallest noise multiplier (to within 0.1%) whose `steps` releases stay within
// (epsilon, delta). Throws Error("argument") for epsilon <= 0 or delta outside (0, 1).
double noise_for_epsilon(double sampling_rate, double steps, double epsilon, double delta,
                         const std::vector<double>& orders = default_rdp_orders());

}  // namespace hearth
