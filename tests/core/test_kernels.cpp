// Every kernel variant against its scalar reference, on sizes around the SIMD widths.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "core/device/kernels/kernels.h"
#include "core/device/kernels/topk.h"
#include "tests/core/fixtures.h"

using namespace hearth;

namespace {

using test::random_vector;

// Reordered float sums differ from the reference by rounding only: relative to the sum
// of |a_i b_i|, a few ulps per term.
float tolerance(const float* a, const float* b, size_t n) {
    float mag = 0.0f;
    for (size_t i = 0; i < n; ++i) mag += std::fabs(a[i] * b[i]);
    return 1e-6f * mag + 1e-7f;
}

}  // namespace

TEST_CASE("dot variants match the reference", "[kernels]") {
    const size_t n = GENERATE(range<size_t>(0, 40), 63, 64, 65, 127, 128, 129, 1000);
    const bool integers = GENERATE(true, false);
    const auto a = random_vector(n, 1 + static_cast<uint32_t>(n), integers);
    const auto b = random_vector(n, 1000 + static_cast<uint32_t>(n), integers);
    const float ref = dot_f32_ref(a.data(), b.data(), n);
    for (const auto& v : dot_f32_variants()) {
        if (!v.available) continue;
        INFO(v.name << " n=" << n);
        const float got = v.fn(a.data(), b.data(), n);
        if (integers)
            CHECK(got == ref);  // small integers: every partial sum is exact
        else
            CHECK(std::fabs(got - ref) <= tolerance(a.data(), b.data(), n));
    }
}

TEST_CASE("gemv variants match the reference", "[kernels]") {
    // Rows up to past two 16-row passes and widths that take each path: the unrolled
    // 32/64/128, the generic multiple of 8 (24, 40), and the rest (row by row).
    const size_t rows = GENERATE(0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 47);
    const size_t d = GENERATE(1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40, 64, 65, 128);
    const bool integers = GENERATE(true, false);
    const auto m = random_vector(rows * d, static_cast<uint32_t>(rows * 100 + d), integers);
    const auto q = random_vector(d, static_cast<uint32_t>(d), integers);
    std::vector<float> ref(rows);
    gemv_f32_ref(m.data(), rows, d, q.data(), ref.data());
    for (const auto& v : gemv_f32_variants()) {
        if (!v.available) continue;
        INFO(v.name << " rows=" << rows << " d=" << d);
        // Pre-filled with NaN: a row the kernel forgets to write fails the comparison.
        std::vector<float> out(rows + 1, std::numeric_limits<float>::quiet_NaN());
        v.fn(m.data(), rows, d, q.data(), out.data());
        for (size_t i = 0; i < rows; ++i) {
            if (integers)
                CHECK(out[i] == ref[i]);
            else
                CHECK(std::fabs(out[i] - ref[i]) <= tolerance(&m[i * d], q.data(), d));
        }
        CHECK(std::isnan(out[rows]));  // nothing written past the end
    }
}

TEST_CASE("sum variants match the reference", "[kernels]") {
    const size_t n = GENERATE(range<size_t>(0, 40), 63, 64, 65, 127, 128, 129, 1000, 4099);
    const bool integers = GENERATE(true, false);
    const auto x = random_vector(n, 7 + static_cast<uint32_t>(n), integers);
    const std::vector<float> ones(n, 1.0f);
    const float ref = sum_f32_ref(x.data(), n);
    for (const auto& v : sum_f32_variants()) {
        if (!v.available) continue;
        INFO(v.name << " n=" << n);
        const float got = v.fn(x.data(), n);
        if (integers)
            CHECK(got == ref);  // small integers: every partial sum is exact
        else
            CHECK(std::fabs(got - ref) <= tolerance(x.data(), ones.data(), n));
    }
}

TEST_CASE("the dispatched kernels are available variants", "[kernels]") {
    std::string chosen;
    for (const auto& v : gemv_f32_variants())
        if (v.fn == gemv_f32() && v.available) chosen = v.name;
    CHECK_FALSE(chosen.empty());
#if defined(__wasm_simd128__)
    CHECK(chosen == "f32_gemv__simd128");  // the wasm build must not fall back to scalar
#endif
    std::string sum;
    for (const auto& v : sum_f32_variants())
        if (v.fn == sum_f32() && v.available) sum = v.name;
    CHECK_FALSE(sum.empty());
#if defined(__wasm_simd128__)
    CHECK(sum == "f32_sum__simd128");
#endif
}

TEST_CASE("top_k agrees with a full sort", "[kernels][topk]") {
    const size_t n = GENERATE(0, 1, 5, 10, 11, 100, 1000, 5003);
    const size_t k = GENERATE(0, 1, 3, 10, 50, 2000);
    const bool ties = GENERATE(false, true);
    std::mt19937 rng(static_cast<uint32_t>(n * 7 + k));
    std::vector<float> scores(n);
    std::vector<uint8_t> excluded(n);
    for (size_t i = 0; i < n; ++i) {
        scores[i] = ties ? static_cast<float>(rng() % 5) : std::uniform_real_distribution<float>(-5, 5)(rng);
        excluded[i] = rng() % 4 == 0;
        if (rng() % 17 == 0) scores[i] = std::numeric_limits<float>::quiet_NaN();
        if (rng() % 29 == 0) scores[i] = (rng() % 2 ? 1.0f : -1.0f) * std::numeric_limits<float>::infinity();
    }
    std::vector<Scored> got;
    top_k(scores.data(), n, k, excluded.data(), got);
    const std::vector<Scored> want = top_k_by_sort(scores.data(), n, k, excluded.data());
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) {
        CHECK(got[i].index == want[i].index);
        CHECK(got[i].score == want[i].score);
        CHECK_FALSE(excluded[got[i].index]);
    }
    // Without an exclusion mask nothing is left out but NaN.
    top_k(scores.data(), n, k, nullptr, got);
    CHECK(got.size() == top_k_by_sort(scores.data(), n, k, nullptr).size());
}
