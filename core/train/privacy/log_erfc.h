// log(erfc(x)) for any x: past x = 25 erfc underflows a double, so its asymptotic series
// takes over. Shared by the accountants (rdp.cpp, gdp.cpp).
#pragma once
#include <cmath>

namespace hearth {

inline double log_erfc(double x) {
    if (x < 25.0) return std::log(std::erfc(x));
    const double r = 1.0 / (x * x);
    return -x * x - std::log(x) - 0.5 * std::log(M_PI) + std::log1p(-0.5 * r + 0.75 * r * r - 1.875 * r * r * r);
}

}  // namespace hearth
