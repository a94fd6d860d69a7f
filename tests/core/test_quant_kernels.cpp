// int8 scoring: every variant gives the reference's scores bit for bit (the integer sum is
// exact and the final multiply is shared), and quantization errors stay within their
// closed-form bounds.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "core/device/kernels/quant.h"

using namespace hearth;

namespace {

std::vector<int8_t> random_codes(size_t n, uint32_t seed, bool extreme) {
    std::mt19937 rng(seed);
    std::vector<int8_t> v(n);
    for (int8_t& x : v)
        x = extreme ? static_cast<int8_t>(rng() % 2 ? 127 : -127) : static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
    return v;
}

std::vector<int16_t> random_query(size_t n, uint32_t seed, bool extreme) {
    std::mt19937 rng(seed);
    std::vector<int16_t> v(n);
    for (int16_t& x : v)
        x = static_cast<int16_t>(extreme ? kQueryCodeMax : static_cast<int32_t>(rng() % (2 * kQueryCodeMax + 1)) - kQueryCodeMax);
    return v;
}

}  // namespace

TEST_CASE("int8 gemv variants equal the reference bit for bit", "[kernels][quant]") {
    const size_t rows = GENERATE(0, 1, 3, 4, 5, 8, 9, 33);
    const size_t d = GENERATE(1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 65, 128);
    const bool extreme = GENERATE(false, true);  // every product at its largest: no overflow
    const auto codes = random_codes(rows * d, static_cast<uint32_t>(rows * 131 + d), extreme);
    const auto q = random_query(d, static_cast<uint32_t>(d), extreme);
    std::vector<float> scales(rows);
    std::mt19937 rng(7);
    for (float& s : scales) s = std::uniform_real_distribution<float>(0.001f, 0.1f)(rng);
    const float q_scale = 0.37f / static_cast<float>(kQueryCodeMax);
    std::vector<float> ref(rows), got(rows);
    gemv_i8_ref(codes.data(), scales.data(), rows, d, q.data(), q_scale, ref.data());
    for (size_t i = 0; i < rows; ++i) {
        int64_t exact = 0;  // in 64 bits: the int32 reference must not have wrapped
        for (size_t j = 0; j < d; ++j) exact += int64_t{codes[i * d + j]} * q[j];
        CHECK(ref[i] == static_cast<float>(exact) * (scales[i] * q_scale));
    }
    for (const auto& v : gemv_i8_variants()) {
        if (!v.available) continue;
        INFO(v.name << " rows=" << rows << " d=" << d);
        v.fn(codes.data(), scales.data(), rows, d, q.data(), q_scale, got.data());
        for (size_t i = 0; i < rows; ++i) CHECK(got[i] == ref[i]);
    }
}

TEST_CASE("the largest dimension cannot overflow the int32 sum", "[kernels][quant]") {
    const auto codes = random_codes(kMaxQuantDim, 1, true);
    std::vector<int16_t> q(kMaxQuantDim);
    for (size_t j = 0; j < kMaxQuantDim; ++j) q[j] = static_cast<int16_t>(codes[j] > 0 ? kQueryCodeMax : -kQueryCodeMax);
    const float one = 1.0f;
    float out = 0.0f;
    gemv_i8_ref(codes.data(), &one, 1, kMaxQuantDim, q.data(), 1.0f, &out);
    CHECK(out == static_cast<float>(int64_t{127} * kQueryCodeMax * static_cast<int64_t>(kMaxQuantDim)));
}

TEST_CASE("quantization errors stay within half a step", "[kernels][quant]") {
    std::mt19937 rng(3);
    std::normal_distribution<float> normal;
    for (size_t d : {1, 8, 64, 100}) {
        std::vector<float> x(d), back(d), q(d);
        for (float& v : x) v = normal(rng);
        for (float& v : q) v = normal(rng);
        std::vector<int8_t> codes(d);
        const float scale = quantize_row_i8(x.data(), d, codes.data());
        dequantize_row_i8(codes.data(), scale, d, back.data());
        float top = 0.0f;
        for (float v : x) top = std::fmax(top, std::fabs(v));
        CHECK(scale == Approx(top / 127.0f));
        for (size_t j = 0; j < d; ++j) CHECK(std::fabs(back[j] - x[j]) <= 0.5f * scale * 1.0001f);

        std::vector<int16_t> qc(d);
        const float q_scale = quantize_query_i16(q.data(), d, qc.data());
        float score = 0.0f;
        gemv_i8_ref(codes.data(), &scale, 1, d, qc.data(), q_scale, &score);
        // |x.q - x~.q~| <= sum |x_j - x~_j| |q_j| + sum |x~_j| |q_j - q~_j|, each error at most
        // half a step; plus float rounding of the final multiply.
        double exact = 0, bound = 0;
        for (size_t j = 0; j < d; ++j) {
            exact += double(x[j]) * q[j];
            bound += 0.5 * scale * std::fabs(q[j]) + (std::fabs(back[j]) + 0.5 * scale) * 0.5 * q_scale;
        }
        CHECK(std::fabs(score - exact) <= bound * 1.001 + 1e-6 * std::fabs(exact));
    }
    std::vector<float> zeros(16, 0.0f);
    std::vector<int8_t> codes(16, 5);
    CHECK(quantize_row_i8(zeros.data(), 16, codes.data()) == 0.0f);
    for (int8_t c : codes) CHECK(c == 0);
}
