// The XNNPACK linear variant (native builds with libxnnpack-dev) against the scalar reference
// on the SASRec encoder's real shapes (d = 64, FFN 64 or 256; 1 row for a query, up to
// 50 for a window, 1225 for leave-one-out's stacked rows at max_len 50), its operator
// cache (weights replaced at the same address, eviction), and warm calls allocating
// nothing. The generic variant test in test_nn_kernels.cpp runs it on the small sizes too.
// "[.bench]": the timing of every linear variant on those shapes, for the dispatch decision.
#if defined(HEARTH_HAVE_XNNPACK)
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/device/kernels/nn.h"
#include "core/device/kernels/xnn_linear.h"
#include "tests/core/fixtures.h"

using namespace hearth;

namespace {

using test::kU;
using test::random_vector;
using test::sum_tolerance;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Runs linear_f32_xnnpack and the reference on the same inputs; mode 0: no bias or add,
// 1: bias + separate add, 2: bias + add == y (the encoder's fused residual).
void check_against_reference(const std::vector<float>& x, size_t rows, size_t in,
                             const std::vector<float>& w, const std::vector<float>& b, size_t out,
                             const std::vector<float>& a, int mode,
                             LinearF32Fn fn = linear_f32_xnnpack) {
    const float* bias = mode == 0 ? nullptr : b.data();
    std::vector<float> ref = mode == 2 ? a : std::vector<float>(rows * out, kNaN);
    linear_f32_ref(x.data(), rows, in, w.data(), bias, out,
                   mode == 0 ? nullptr : mode == 1 ? a.data() : ref.data(), ref.data());
    std::vector<float> y(rows * out + 1, kNaN);
    if (mode == 2) std::copy(a.begin(), a.end(), y.begin());
    fn(x.data(), rows, in, w.data(), bias, out,
       mode == 0 ? nullptr : mode == 1 ? a.data() : y.data(), y.data());
    size_t bad = 0;
    for (size_t r = 0; r < rows; ++r)
        for (size_t o = 0; o < out; ++o) {
            double mag = mode == 0 ? 0.0 : std::fabs(b[o]) + std::fabs(a[r * out + o]);
            for (size_t i = 0; i < in; ++i) mag += std::fabs(x[r * in + i] * w[o * in + i]);
            const double err = std::fabs(double(y[r * out + o]) - double(ref[r * out + o]));
            if (!(err <= sum_tolerance(in + 2, mag))) {
                if (bad++ < 5) FAIL_CHECK("row " << r << " out " << o << ": " << y[r * out + o]
                                                 << " vs " << ref[r * out + o]);
            }
        }
    CHECK(bad == 0);
    CHECK(std::isnan(y[rows * out]));
}

struct Shape {
    size_t in, out;
};
// Attention projections and W_o (d -> d), the FFN (d -> ffn, ffn -> d) for ffn 64 and 256.
const Shape kEncoderShapes[] = {{64, 64}, {64, 256}, {256, 64}};

}  // namespace

TEST_CASE("XNNPACK linear matches the reference on the encoder's shapes", "[kernels][nn][xnnpack]") {
    REQUIRE(xnnpack_available());
    const Shape shape = GENERATE(from_range(std::begin(kEncoderShapes), std::end(kEncoderShapes)));
    const size_t rows = GENERATE(1, 2, 3, 5, 7, 8, 49, 50, 1225);
    const int mode = GENERATE(0, 1, 2);
    INFO("rows=" << rows << " in=" << shape.in << " out=" << shape.out << " mode=" << mode);
    const uint32_t seed = static_cast<uint32_t>(rows * 1009 + shape.in * 13 + shape.out);
    const auto x = random_vector(rows * shape.in, seed, false, 3.0f);
    const auto w = random_vector(shape.out * shape.in, seed + 1, false, 0.2f);
    const auto b = random_vector(shape.out, seed + 2);
    const auto a = random_vector(rows * shape.out, seed + 3, false, 3.0f);
    check_against_reference(x, rows, shape.in, w, b, shape.out, a, mode);
    INFO("the dispatched linear_f32()");
    check_against_reference(x, rows, shape.in, w, b, shape.out, a, mode, linear_f32());
}

TEST_CASE("XNNPACK linear is listed with the other linear variants and dispatched", "[kernels][nn][xnnpack]") {
    // Listed, so the variant test in test_nn_kernels.cpp runs it; dispatched through the
    // hybrid (XNNPACK from 8 rows, the project's own kernel below), the last in the list.
    std::string xnnpack, dispatched;
    for (const auto& v : linear_f32_variants()) {
        if (v.fn == linear_f32_xnnpack && v.available) xnnpack = v.name;
        if (v.fn == linear_f32()) dispatched = v.name;
    }
    CHECK(xnnpack == "f32_linear__xnnpack");
    CHECK(dispatched == "f32_linear__hybrid");
}

TEST_CASE("XNNPACK linear never uses packed weights that were replaced", "[kernels][nn][xnnpack]") {
    // Same addresses, new contents: the operator made for the first weights must not be used.
    const size_t rows = 50, in = 64, out = 64;
    const auto x = random_vector(rows * in, 1, false, 2.0f);
    const auto a = random_vector(rows * out, 2);
    auto w = random_vector(out * in, 3, false, 0.3f);
    auto b = random_vector(out, 4);
    check_against_reference(x, rows, in, w, b, out, a, 1);
    w[in * out / 2] += 1.0f;  // one weight changes
    check_against_reference(x, rows, in, w, b, out, a, 1);
    b[out - 1] -= 1.0f;  // one bias changes
    check_against_reference(x, rows, in, w, b, out, a, 1);
    const auto w2 = random_vector(out * in, 5, false, 0.3f);
    std::copy(w2.begin(), w2.end(), w.begin());  // all of them
    check_against_reference(x, rows, in, w, b, out, a, 2);
}

TEST_CASE("XNNPACK linear stays correct past its operator cache's capacity", "[kernels][nn][xnnpack]") {
    // 80 weight matrices alive at once (more than the cache keeps), used twice in turn.
    const size_t rows = 3, in = 64, out = 64;
    const auto x = random_vector(rows * in, 7);
    const auto a = random_vector(rows * out, 8);
    std::vector<std::vector<float>> ws, bs;
    for (uint32_t i = 0; i < 80; ++i) {
        ws.push_back(random_vector(out * in, 100 + i, false, 0.3f));
        bs.push_back(random_vector(out, 200 + i));
    }
    for (int pass = 0; pass < 2; ++pass)
        for (size_t i = 0; i < ws.size(); ++i) check_against_reference(x, rows, in, ws[i], bs[i], out, a, 1);
}

TEST_CASE("XNNPACK linear allocates nothing once warm", "[kernels][nn][xnnpack]") {
    const size_t in = 64, out = 256, max_rows = 1225;
    const auto x = random_vector(max_rows * in, 11);
    const auto w = random_vector(out * in, 12, false, 0.3f);
    const auto b = random_vector(out, 13);
    std::vector<float> y(max_rows * out, 0.0f);
    // Warm-up: the operator, and the scratch buffers at their largest.
    linear_f32_xnnpack(x.data(), max_rows, in, w.data(), b.data(), out, y.data(), y.data());
    const size_t before = xnnpack_allocations();
    for (size_t rows : {size_t(1), size_t(49), size_t(50), size_t(1225), size_t(7)}) {
        linear_f32_xnnpack(x.data(), rows, in, w.data(), b.data(), out, nullptr, y.data());
        linear_f32_xnnpack(x.data(), rows, in, w.data(), b.data(), out, y.data(), y.data());
    }
    CHECK(xnnpack_allocations() == before);
}

// build/native/hearth_tests "[.bench]" -s | grep linear
TEST_CASE("linear variant timings on the encoder's shapes", "[.bench][xnnpack]") {
    using Clock = std::chrono::steady_clock;
    for (const Shape& s : kEncoderShapes)
        for (size_t rows : {size_t(1), size_t(2), size_t(4), size_t(8), size_t(16), size_t(50), size_t(1225)}) {
            const auto x = random_vector(rows * s.in, 21);
            const auto w = random_vector(s.out * s.in, 22, false, 0.3f);
            const auto b = random_vector(s.out, 23);
            std::vector<float> y(rows * s.out, 0.0f);
            // Enough calls per timing for ~1 ms of work at ~10 GFLOP/s, 15 timings, median.
            const size_t reps = std::max<size_t>(5, 5000000 / (rows * s.in * s.out));
            std::printf("linear rows=%zu in=%zu out=%zu (fused residual):", rows, s.in, s.out);
            for (const auto& v : linear_f32_variants()) {
                if (!v.available || v.fn == linear_f32_ref) continue;
                v.fn(x.data(), rows, s.in, w.data(), b.data(), s.out, y.data(), y.data());  // warm
                std::vector<double> t;
                for (int k = 0; k < 15; ++k) {
                    const auto start = Clock::now();
                    for (size_t r = 0; r < reps; ++r)
                        v.fn(x.data(), rows, s.in, w.data(), b.data(), s.out, y.data(), y.data());
                    t.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count() /
                                double(reps));
                }
                std::sort(t.begin(), t.end());
                std::printf("  %s %.3f us (%.1f GFLOP/s)", v.name, t[7],
                            2.0 * double(rows * s.in * s.out) / (t[7] * 1e3));
                for (float& e : y) e = 0.0f;
            }
            std::printf("\n");
        }
    SUCCEED();
}
#endif  // HEARTH_HAVE_XNNPACK
