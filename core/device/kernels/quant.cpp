#include "core/device/kernels/quant.h"

#include <cmath>

#include "core/device/kernels/dispatch.h"

namespace hearth {

float quantize_row_i8(const float* x, size_t d, int8_t* codes) {
    float top = 0.0f;
    for (size_t j = 0; j < d; ++j) top = std::fmax(top, std::fabs(x[j]));
    const float scale = top / 127.0f;
    for (size_t j = 0; j < d; ++j)
        codes[j] = scale > 0.0f ? static_cast<int8_t>(std::lrint(x[j] / scale)) : int8_t{0};
    return scale;
}

float quantize_query_i16(const float* q, size_t d, int16_t* codes) {
    float top = 0.0f;
    for (size_t j = 0; j < d; ++j) top = std::fmax(top, std::fabs(q[j]));
    const float scale = top / static_cast<float>(kQueryCodeMax);
    for (size_t j = 0; j < d; ++j)
        codes[j] = scale > 0.0f ? static_cast<int16_t>(std::lrint(q[j] / scale)) : int16_t{0};
    return scale;
}

void dequantize_row_i8(const int8_t* codes, float scale, size_t d, float* x) {
    for (size_t j = 0; j < d; ++j) x[j] = scale * static_cast<float>(codes[j]);
}

int32_t dot_i8_ref(const int8_t* a, const int8_t* b, size_t d) {
    int32_t sum = 0;
    for (size_t j = 0; j < d; ++j) sum += int32_t{a[j]} * int32_t{b[j]};
    return sum;
}

namespace {

int32_t dot_i8_i16_ref(const int8_t* row, const int16_t* q, size_t d) {
    int32_t sum = 0;
    for (size_t j = 0; j < d; ++j) sum += int32_t{row[j]} * int32_t{q[j]};
    return sum;
}

// The one place the integer sum becomes a score: shared so every variant rounds alike.
inline float finish(int32_t sum, float row_scale, float q_scale) {
    return static_cast<float>(sum) * (row_scale * q_scale);
}

}  // namespace

void gemv_i8_ref(const int8_t* codes, const float* scales, size_t n, size_t d, const int16_t* q,
                 float q_scale, float* out) {
    for (size_t i = 0; i < n; ++i) out[i] = finish(dot_i8_i16_ref(codes + i * d, q, d), scales[i], q_scale);
}

namespace {

#if defined(__wasm_simd128__)

int32_t hsum_i32(v128_t v) {
    return wasm_i32x4_extract_lane(v, 0) + wasm_i32x4_extract_lane(v, 1) +
           wasm_i32x4_extract_lane(v, 2) + wasm_i32x4_extract_lane(v, 3);
}

// Eight codes widened to i16, multiplied with eight query codes and summed in pairs by
// i32x4.dot_i16x8_s. Four rows per pass share each query chunk.
void gemv_i8_simd128(const int8_t* codes, const float* scales, size_t n, size_t d,
                     const int16_t* q, float q_scale, float* out) {
    const size_t d8 = d & ~size_t(7);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const int8_t* r0 = codes + i * d;
        const int8_t* r1 = r0 + d;
        const int8_t* r2 = r1 + d;
        const int8_t* r3 = r2 + d;
        v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < d8; j += 8) {
            const v128_t qv = wasm_v128_load(q + j);
            a0 = wasm_i32x4_add(a0, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r0 + j), qv));
            a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r1 + j), qv));
            a2 = wasm_i32x4_add(a2, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r2 + j), qv));
            a3 = wasm_i32x4_add(a3, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r3 + j), qv));
        }
        out[i] = finish(hsum_i32(a0) + dot_i8_i16_ref(r0 + d8, q + d8, d - d8), scales[i], q_scale);
        out[i + 1] = finish(hsum_i32(a1) + dot_i8_i16_ref(r1 + d8, q + d8, d - d8), scales[i + 1], q_scale);
        out[i + 2] = finish(hsum_i32(a2) + dot_i8_i16_ref(r2 + d8, q + d8, d - d8), scales[i + 2], q_scale);
        out[i + 3] = finish(hsum_i32(a3) + dot_i8_i16_ref(r3 + d8, q + d8, d - d8), scales[i + 3], q_scale);
    }
    for (; i < n; ++i) {
        const int8_t* r = codes + i * d;
        v128_t a = wasm_i32x4_splat(0);
        for (size_t j = 0; j < d8; j += 8)
            a = wasm_i32x4_add(a, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(r + j), wasm_v128_load(q + j)));
        out[i] = finish(hsum_i32(a) + dot_i8_i16_ref(r + d8, q + d8, d - d8), scales[i], q_scale);
    }
}

#endif

#if defined(HEARTH_X86)

int32_t hsum_i32_sse(__m128i v) {
    alignas(16) int32_t lanes[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), v);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

// SSE2 has no sign-extending load: duplicate each byte into a 16-bit lane and shift the
// copy down arithmetically.
inline __m128i load8_i16(const int8_t* p) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    return _mm_srai_epi16(_mm_unpacklo_epi8(bytes, bytes), 8);
}

void gemv_i8_sse2(const int8_t* codes, const float* scales, size_t n, size_t d, const int16_t* q,
                  float q_scale, float* out) {
    const size_t d8 = d & ~size_t(7);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const int8_t* r0 = codes + i * d;
        const int8_t* r1 = r0 + d;
        const int8_t* r2 = r1 + d;
        const int8_t* r3 = r2 + d;
        __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < d8; j += 8) {
            const __m128i qv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + j));
            a0 = _mm_add_epi32(a0, _mm_madd_epi16(load8_i16(r0 + j), qv));
            a1 = _mm_add_epi32(a1, _mm_madd_epi16(load8_i16(r1 + j), qv));
            a2 = _mm_add_epi32(a2, _mm_madd_epi16(load8_i16(r2 + j), qv));
            a3 = _mm_add_epi32(a3, _mm_madd_epi16(load8_i16(r3 + j), qv));
        }
        out[i] = finish(hsum_i32_sse(a0) + dot_i8_i16_ref(r0 + d8, q + d8, d - d8), scales[i], q_scale);
        out[i + 1] = finish(hsum_i32_sse(a1) + dot_i8_i16_ref(r1 + d8, q + d8, d - d8), scales[i + 1], q_scale);
        out[i + 2] = finish(hsum_i32_sse(a2) + dot_i8_i16_ref(r2 + d8, q + d8, d - d8), scales[i + 2], q_scale);
        out[i + 3] = finish(hsum_i32_sse(a3) + dot_i8_i16_ref(r3 + d8, q + d8, d - d8), scales[i + 3], q_scale);
    }
    for (; i < n; ++i) out[i] = finish(dot_i8_i16_ref(codes + i * d, q, d), scales[i], q_scale);
}

__attribute__((target("avx2"))) int32_t hsum_i32_avx(__m256i v) {
    return hsum_i32_sse(_mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
}

__attribute__((target("avx2"))) inline __m256i load16(const int8_t* p) {
    return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

__attribute__((target("avx2"))) void gemv_i8_avx2(const int8_t* codes, const float* scales, size_t n,
                                                  size_t d, const int16_t* q, float q_scale,
                                                  float* out) {
    const size_t d16 = d & ~size_t(15);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const int8_t* r0 = codes + i * d;
        const int8_t* r1 = r0 + d;
        const int8_t* r2 = r1 + d;
        const int8_t* r3 = r2 + d;
        __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < d16; j += 16) {
            const __m256i qv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + j));
            a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(load16(r0 + j), qv));
            a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(load16(r1 + j), qv));
            a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(load16(r2 + j), qv));
            a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(load16(r3 + j), qv));
        }
        out[i] = finish(hsum_i32_avx(a0) + dot_i8_i16_ref(r0 + d16, q + d16, d - d16), scales[i], q_scale);
        out[i + 1] = finish(hsum_i32_avx(a1) + dot_i8_i16_ref(r1 + d16, q + d16, d - d16), scales[i + 1], q_scale);
        out[i + 2] = finish(hsum_i32_avx(a2) + dot_i8_i16_ref(r2 + d16, q + d16, d - d16), scales[i + 2], q_scale);
        out[i + 3] = finish(hsum_i32_avx(a3) + dot_i8_i16_ref(r3 + d16, q + d16, d - d16), scales[i + 3], q_scale);
    }
    for (; i < n; ++i) out[i] = finish(dot_i8_i16_ref(codes + i * d, q, d), scales[i], q_scale);
}

#endif

}  // namespace

const std::vector<KernelVariant<GemvI8Fn>>& gemv_i8_variants() {
    static const std::vector<KernelVariant<GemvI8Fn>> variants = {
        {"i8_gemv__ref", gemv_i8_ref, true},
#if defined(__wasm_simd128__)
        {"i8_gemv__simd128", gemv_i8_simd128, true},
#endif
#if defined(HEARTH_X86)
        {"i8_gemv__sse2", gemv_i8_sse2, true},
        {"i8_gemv__avx2", gemv_i8_avx2, cpu_has_avx2()},
#endif
    };
    return variants;
}

GemvI8Fn gemv_i8() {
    static const GemvI8Fn fn = fastest_variant(gemv_i8_variants());
    return fn;
}

}  // namespace hearth
