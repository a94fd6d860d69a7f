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
// Eight codes widened to i16, multiplied with eight query codes and summed in pairs by
// i32x4.dot_i16x8_s.
namespace v4 {
using VI = v128_t;
constexpr size_t kW = 8;
inline VI vi_zero() { return wasm_i32x4_splat(0); }
inline VI vi_codes(const int8_t* p) { return wasm_i16x8_load8x8(p); }
inline VI vi_query(const int16_t* p) { return wasm_v128_load(p); }
inline VI vi_dot_add(VI a, VI c, VI q) { return wasm_i32x4_add(a, wasm_i32x4_dot_i16x8(c, q)); }
inline int32_t vi_hsum(VI v) {
    return wasm_i32x4_extract_lane(v, 0) + wasm_i32x4_extract_lane(v, 1) +
           wasm_i32x4_extract_lane(v, 2) + wasm_i32x4_extract_lane(v, 3);
}
#define HEARTH_I8_ATTR
#include "core/device/kernels/quant_simd.inc"
#undef HEARTH_I8_ATTR
}  // namespace v4
#endif

#if defined(HEARTH_X86)
namespace v4 {
using VI = __m128i;
constexpr size_t kW = 8;
inline VI vi_zero() { return _mm_setzero_si128(); }
// SSE2 has no sign-extending load: duplicate each byte into a 16-bit lane and shift the
// copy down arithmetically.
inline VI vi_codes(const int8_t* p) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    return _mm_srai_epi16(_mm_unpacklo_epi8(bytes, bytes), 8);
}
inline VI vi_query(const int16_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
inline VI vi_dot_add(VI a, VI c, VI q) { return _mm_add_epi32(a, _mm_madd_epi16(c, q)); }
inline int32_t vi_hsum(VI v) {
    alignas(16) int32_t lanes[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), v);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
#define HEARTH_I8_ATTR
#include "core/device/kernels/quant_simd.inc"
#undef HEARTH_I8_ATTR
}  // namespace v4

namespace avx2 {
#define HEARTH_I8_ATTR __attribute__((target("avx2")))
using VI = __m256i;
constexpr size_t kW = 16;
HEARTH_I8_ATTR inline VI vi_zero() { return _mm256_setzero_si256(); }
HEARTH_I8_ATTR inline VI vi_codes(const int8_t* p) {
    return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
HEARTH_I8_ATTR inline VI vi_query(const int16_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
HEARTH_I8_ATTR inline VI vi_dot_add(VI a, VI c, VI q) {
    return _mm256_add_epi32(a, _mm256_madd_epi16(c, q));
}
HEARTH_I8_ATTR inline int32_t vi_hsum(VI v) {
    return v4::vi_hsum(_mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
}
#include "core/device/kernels/quant_simd.inc"
#undef HEARTH_I8_ATTR
}  // namespace avx2
#endif

}  // namespace

HEARTH_KERNEL_FAMILY(GemvI8Fn, gemv_i8, "i8_gemv", gemv_i8_ref, v4::gemv_i8, avx2::gemv_i8)

}  // namespace hearth
