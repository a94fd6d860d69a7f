// Every encoder kernel variant against its scalar reference, on sizes below, at and above
// the SIMD widths (4 and 8 lanes) and their multiples. Outputs start as NaN, with a NaN
// sentinel past the end, so a forgotten or overrun element fails.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/device/kernels/nn.h"
#include "tests/core/fixtures.h"

using namespace hearth;

namespace {

using test::kU;
using test::random_vector;
using test::sum_tolerance;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// The sizes every tester runs through: all of 1..17, then around 32 and 64.
const std::vector<size_t> kSizes = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
                                    13, 14, 15, 16, 17, 31, 32, 33, 63, 64, 65};

}  // namespace

TEST_CASE("linear variants match the reference", "[kernels][nn]") {
    const size_t rows = GENERATE(1, 2, 3, 4, 5, 8, 9);
    const size_t in = GENERATE(1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 64, 65);
    const size_t out = GENERATE(1, 2, 3, 4, 5, 7, 8, 9, 16, 17);
    const bool integers = GENERATE(true, false);
    const int mode = GENERATE(0, 1, 2);  // 0: no bias or add; 1: bias + add; 2: add == y
    const uint32_t seed = static_cast<uint32_t>(rows * 10007 + in * 101 + out);
    const auto x = random_vector(rows * in, seed, integers);
    const auto w = random_vector(out * in, seed + 1, integers);
    const auto b = random_vector(out, seed + 2, integers);
    const auto a = random_vector(rows * out, seed + 3, integers);
    const float* bias = mode == 0 ? nullptr : b.data();

    std::vector<float> ref = mode == 2 ? a : std::vector<float>(rows * out, kNaN);
    linear_f32_ref(x.data(), rows, in, w.data(), bias, out,
                   mode == 0   ? nullptr
                   : mode == 1 ? a.data()
                               : ref.data(),
                   ref.data());
    for (const auto& v : linear_f32_variants()) {
        if (!v.available) continue;
        INFO(v.name << " rows=" << rows << " in=" << in << " out=" << out << " mode=" << mode);
        std::vector<float> y(rows * out + 1, kNaN);
        if (mode == 2) std::copy(a.begin(), a.end(), y.begin());
        v.fn(x.data(), rows, in, w.data(), bias, out,
             mode == 0   ? nullptr
             : mode == 1 ? a.data()
                         : y.data(),
             y.data());
        for (size_t r = 0; r < rows; ++r)
            for (size_t o = 0; o < out; ++o) {
                const float got = y[r * out + o], want = ref[r * out + o];
                if (integers) {
                    CHECK(got == want);  // small integers: every partial sum is exact
                } else {
                    double mag = mode == 0 ? 0.0 : std::fabs(b[o]) + std::fabs(a[r * out + o]);
                    for (size_t i = 0; i < in; ++i) mag += std::fabs(x[r * in + i] * w[o * in + i]);
                    CHECK(std::fabs(got - want) <= sum_tolerance(in + 2, mag));
                }
            }
        CHECK(std::isnan(y[rows * out]));
    }
}

TEST_CASE("attention score variants match the reference", "[kernels][nn]") {
    const size_t n = GENERATE(from_range(kSizes));
    const size_t dh = GENERATE(1, 3, 4, 5, 7, 8, 9, 16, 17, 32, 64);
    const size_t stride = GENERATE(0, 3);  // extra floats between keys (rows of a wider matrix)
    const bool integers = GENERATE(true, false);
    const size_t k_stride = dh + stride;
    const uint32_t seed = static_cast<uint32_t>(n * 1000 + dh * 10 + stride);
    const auto q = random_vector(dh, seed, integers);
    const auto k = random_vector(n * k_stride, seed + 1, integers);
    const float scale = integers ? 0.5f : 1.0f / std::sqrt(static_cast<float>(dh));  // 0.5: exact
    std::vector<float> ref(n, kNaN);
    attn_scores_f32_ref(q.data(), k.data(), n, dh, k_stride, scale, ref.data());
    for (const auto& v : attn_scores_f32_variants()) {
        if (!v.available) continue;
        INFO(v.name << " n=" << n << " dh=" << dh << " stride=" << k_stride);
        std::vector<float> out(n + 1, kNaN);
        v.fn(q.data(), k.data(), n, dh, k_stride, scale, out.data());
        for (size_t s = 0; s < n; ++s) {
            if (integers) {
                CHECK(out[s] == ref[s]);
            } else {
                double mag = 0.0;
                for (size_t j = 0; j < dh; ++j) mag += std::fabs(q[j] * k[s * k_stride + j]);
                CHECK(std::fabs(out[s] - ref[s]) <= sum_tolerance(dh + 1, scale * mag));
            }
        }
        CHECK(std::isnan(out[n]));
    }
}

TEST_CASE("attention weighted-sum variants match the reference exactly", "[kernels][nn]") {
    const size_t n = GENERATE(0, 1, 2, 3, 5, 8, 17, 50);
    const size_t dh = GENERATE(from_range(kSizes));
    const size_t stride = GENERATE(0, 5);
    const bool integers = GENERATE(true, false);
    const size_t v_stride = dh + stride;
    const uint32_t seed = static_cast<uint32_t>(n * 1000 + dh * 10 + stride);
    const auto p = random_vector(n, seed, integers);
    const auto val = random_vector(n * v_stride, seed + 1, integers);
    const auto start = random_vector(dh, seed + 2, integers);  // it accumulates into out
    std::vector<float> ref = start;
    attn_weighted_sum_f32_ref(p.data(), val.data(), n, dh, v_stride, ref.data());
    for (const auto& v : attn_weighted_sum_f32_variants()) {
        if (!v.available) continue;
        INFO(v.name << " n=" << n << " dh=" << dh << " stride=" << v_stride);
        std::vector<float> out = start;
        out.push_back(kNaN);
        v.fn(p.data(), val.data(), n, dh, v_stride, out.data());
        // Each output element adds its terms in the reference's order: equal even for reals.
        for (size_t j = 0; j < dh; ++j) CHECK(out[j] == ref[j]);
        CHECK(std::isnan(out[dh]));
    }
}

TEST_CASE("layer norm variants match the reference", "[kernels][nn]") {
    const size_t rows = GENERATE(1, 2, 3);
    const size_t d = GENERATE(from_range(kSizes));
    const bool in_place = GENERATE(false, true);
    const uint32_t seed = static_cast<uint32_t>(rows * 100 + d);
    const auto x = random_vector(rows * d, seed, false, 3.0f);
    const auto g = random_vector(d, seed + 1, false);
    const auto b = random_vector(d, seed + 2, false);
    const float eps = 1e-5f;
    std::vector<float> ref(rows * d, kNaN);
    layernorm_f32_ref(x.data(), rows, d, g.data(), b.data(), eps, ref.data());
    for (const auto& v : layernorm_f32_variants()) {
        if (!v.available) continue;
        INFO(v.name << " rows=" << rows << " d=" << d << " in_place=" << in_place);
        std::vector<float> y(rows * d + 1, kNaN);
        if (in_place) std::copy(x.begin(), x.end(), y.begin());
        v.fn(in_place ? y.data() : x.data(), rows, d, g.data(), b.data(), eps, y.data());
        // Mean and variance are sums of d terms in another order; the normalized value
        // inherits their relative error, a few d*u, scaled by |g| and |x - mean| / sigma
        // (at most sqrt(d)).
        for (size_t i = 0; i < rows * d; ++i) {
            const double tol = 8.0 * double(d + 2) * kU *
                               (std::fabs(g[i % d]) * std::sqrt(double(d)) + std::fabs(b[i % d]));
            CHECK(std::fabs(y[i] - ref[i]) <= tol);
        }
        CHECK(std::isnan(y[rows * d]));
    }
}

TEST_CASE("layer norm of integer rows is exact where the arithmetic is", "[kernels][nn]") {
    // Rows of 0..4 repeated: mean 2 and variance 2 come out exact in any summation order,
    // and eps vanishes next to 2, so every variant must give the reference's bits.
    const size_t d = GENERATE(5, 10, 20, 40);
    std::vector<float> x(d), g(d, 1.0f), b(d, 0.0f);
    for (size_t i = 0; i < d; ++i) x[i] = static_cast<float>(i % 5);
    std::vector<float> ref(d);
    layernorm_f32_ref(x.data(), 1, d, g.data(), b.data(), 1e-12f, ref.data());
    for (const auto& v : layernorm_f32_variants()) {
        if (!v.available) continue;
        INFO(v.name << " d=" << d);
        std::vector<float> y(d + 1, kNaN);
        v.fn(x.data(), 1, d, g.data(), b.data(), 1e-12f, y.data());
        for (size_t i = 0; i < d; ++i) CHECK(y[i] == ref[i]);
        CHECK(std::isnan(y[d]));
    }
}

TEST_CASE("softmax variants match the reference", "[kernels][nn]") {
    const size_t n = GENERATE(0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 50, 64, 65);
    const float range = GENERATE(1.0f, 10.0f, 60.0f);  // 60: terms down to e^-120 (zero)
    const auto x =
        random_vector(n, static_cast<uint32_t>(n * 7) + static_cast<uint32_t>(range), false, range);
    std::vector<float> ref = x;
    softmax_f32_ref(ref.data(), n);
    for (const auto& v : softmax_f32_variants()) {
        if (!v.available) continue;
        INFO(v.name << " n=" << n << " range=" << range);
        std::vector<float> y = x;
        y.push_back(kNaN);
        v.fn(y.data(), n);
        // Each term: exp to ~2 ulp, then a sum of n terms in another order; absolute 1e-30
        // covers terms below e^-87 that the SIMD exp rounds to zero.
        const double tol = (4.0 + 2.0 * double(n)) * kU;
        double total = 0.0;
        for (size_t i = 0; i < n; ++i) {
            CHECK(std::fabs(y[i] - ref[i]) <= tol * ref[i] + 1e-30);
            total += y[i];
        }
        if (n) CHECK(std::fabs(total - 1.0) <= tol);
        CHECK(std::isnan(y[n]));
    }
}

TEST_CASE("softmax of equal values is uniform and shifts do not matter", "[kernels][nn]") {
    const size_t n = GENERATE(1, 3, 4, 8, 13);
    for (const auto& v : softmax_f32_variants()) {
        if (!v.available) continue;
        INFO(v.name << " n=" << n);
        std::vector<float> y(n, 1000.0f);  // without max subtraction e^1000 overflows
        v.fn(y.data(), n);
        for (float p : y) CHECK(std::fabs(p - 1.0f / static_cast<float>(n)) <= 2e-7f);
    }
}

TEST_CASE("relu variants match the reference exactly", "[kernels][nn]") {
    const size_t n = GENERATE(0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 64, 65);
    auto x = random_vector(n, static_cast<uint32_t>(n), false, 4.0f);
    if (n > 2) {
        x[0] = -0.0f;
        x[1] = kNaN;  // the reference's x > 0 ? x : 0 maps NaN to 0; every variant must too
    }
    std::vector<float> ref = x;
    relu_f32_ref(ref.data(), n);
    for (const auto& v : relu_f32_variants()) {
        if (!v.available) continue;
        INFO(v.name << " n=" << n);
        std::vector<float> y = x;
        y.push_back(kNaN);
        v.fn(y.data(), n);
        for (size_t i = 0; i < n; ++i) CHECK(y[i] == ref[i]);
        CHECK(std::isnan(y[n]));
    }
}

TEST_CASE("gelu variants match the reference", "[kernels][nn]") {
    const size_t n = GENERATE(0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 64, 65);
    auto x = random_vector(n, static_cast<uint32_t>(n + 5), false, 6.0f);
    const float specials[] = {0.0f, -0.0f, 50.0f, -50.0f, 1e-20f, -3.0f, 3.0f};
    for (size_t i = 0; i < n && i < 7; ++i) x[n - 1 - i] = specials[i];
    std::vector<float> ref = x;
    gelu_f32_ref(ref.data(), n);
    for (const auto& v : gelu_f32_variants()) {
        if (!v.available) continue;
        INFO(v.name << " n=" << n);
        std::vector<float> y = x;
        y.push_back(kNaN);
        v.fn(y.data(), n);
        // The SIMD variants compute x / (1 + e^-2u) instead of 0.5 x (1 + tanh u): equal in
        // exact arithmetic; in float the reference's 1 + tanh(u) cancels for negative x,
        // which costs it up to ~1e-7 absolute.
        for (size_t i = 0; i < n; ++i) {
            INFO("x=" << x[i]);
            CHECK(std::fabs(y[i] - ref[i]) <= 2e-6 * std::fabs(ref[i]) + 2e-7);
        }
        CHECK(std::isnan(y[n]));
    }
}

TEST_CASE("the dispatched encoder kernels are available variants", "[kernels][nn]") {
    auto chosen = [](const auto& variants, auto fn) {
        for (const auto& v : variants)
            if (v.fn == fn && v.available) return std::string(v.name);
        return std::string();
    };
    const std::string linear = chosen(linear_f32_variants(), linear_f32());
    CHECK_FALSE(linear.empty());
    CHECK_FALSE(chosen(layernorm_f32_variants(), layernorm_f32()).empty());
    CHECK_FALSE(chosen(softmax_f32_variants(), softmax_f32()).empty());
    CHECK_FALSE(chosen(attn_scores_f32_variants(), attn_scores_f32()).empty());
    CHECK_FALSE(chosen(attn_weighted_sum_f32_variants(), attn_weighted_sum_f32()).empty());
    CHECK_FALSE(chosen(relu_f32_variants(), relu_f32()).empty());
    CHECK_FALSE(chosen(gelu_f32_variants(), gelu_f32()).empty());
#if defined(__wasm_simd128__)
    CHECK(linear == "f32_linear__simd128");  // the wasm build must not fall back to scalar
#endif
}
