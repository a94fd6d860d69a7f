// Exact accounting for Gaussian mechanisms applied to everyone (no subsampling), by
// Gaussian differential privacy (Dong, Roth, Su, "Gaussian Differential Privacy", JRSS-B
// 2022). A release with L2 sensitivity 1 and noise multiplier z is (1/z)-GDP, and releases
// of mu_k-GDP compose, adaptively and without loss, to sqrt(sum mu_k^2)-GDP: T of them are
// one Gaussian mechanism. Its (epsilon, delta) curve is that of the Gaussian mechanism
// (Balle and Wang, ICML 2018):
//   delta(epsilon) = Phi(-epsilon / mu + mu / 2) - e^epsilon Phi(-epsilon / mu - mu / 2).
// RDP (rdp.h) bounds the same releases from above; this is the tight value, so the same
// (epsilon, delta) needs about 6% less noise at epsilon 8. Subsampled releases (DP-SGD) are
// not Gaussian in this sense and stay with RDP.
#pragma once

namespace hearth {

// delta at epsilon (>= 0) of a mu-GDP mechanism (mu >= 0).
double gdp_delta(double mu, double epsilon);

// The smallest epsilon (to 1e-9, relative above 1) at which a mu-GDP mechanism is (epsilon, delta)-DP.
double gdp_epsilon(double mu, double delta);

// The largest mu (to within 1e-9 relative) that is (epsilon, delta)-DP. Throws
// Error("argument") for epsilon <= 0 or delta outside (0, 1).
double gdp_mu_for(double epsilon, double delta);

}  // namespace hearth
