// Timing helpers of the native benchmarks (`hearth bench-native`, `hearth bench-pq`).
#pragma once
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

namespace hearth::cli {

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

inline double median(std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// Median time of `call` over repeats that add up to at least `min_ms` (at least 5, at most
// `max_repeats`).
template <typename Call>
double median_ms(double min_ms, Call call, size_t max_repeats = 10000) {
    std::vector<double> v;
    double total = 0.0;
    while (v.size() < 5 || total < min_ms) {
        const auto start = Clock::now();
        call();
        v.push_back(ms_since(start));
        total += v.back();
        if (v.size() >= max_repeats) break;
    }
    return median(v);
}

}  // namespace hearth::cli
