// The float vector layer the float kernel families are written over: 4 lanes (SSE2
// natively, simd128 in wasm; a build has one or the other, never both) and AVX2's 8-lane
// helpers. For the kernel sources only. No FMA anywhere: -ffp-contract=off keeps native and
// wasm results aligned, and fused products would break that.
#pragma once
#include <cstddef>

#include "core/device/kernels/dispatch.h"

#if defined(HEARTH_X86)
// Compiled with a target attribute and chosen at run time, so the library still runs on
// CPUs without AVX2.
#define HEARTH_AVX2 __attribute__((target("avx2")))
#endif

namespace hearth {
namespace {

#if defined(__wasm_simd128__)
using f4 = v128_t;
using i4 = v128_t;
inline f4 f4_zero() { return wasm_f32x4_splat(0.0f); }
inline f4 f4_splat(float v) { return wasm_f32x4_splat(v); }
inline f4 f4_load(const float* p) { return wasm_v128_load(p); }
inline void f4_store(float* p, f4 v) { wasm_v128_store(p, v); }
inline f4 f4_set(float a, float b, float c, float d) { return wasm_f32x4_make(a, b, c, d); }
inline f4 f4_add(f4 a, f4 b) { return wasm_f32x4_add(a, b); }
inline f4 f4_sub(f4 a, f4 b) { return wasm_f32x4_sub(a, b); }
inline f4 f4_mul(f4 a, f4 b) { return wasm_f32x4_mul(a, b); }
inline f4 f4_div(f4 a, f4 b) { return wasm_f32x4_div(a, b); }
// pmax(a, b) = a < b ? b : a (pmin alike) is one x86 instruction, unlike max/min with their
// NaN rules; the argument order decides what a NaN lane gives, as in the scalar code.
inline f4 f4_relu(f4 a) { return wasm_f32x4_pmax(wasm_f32x4_splat(0.0f), a); }
inline f4 f4_max(f4 a, f4 b) { return wasm_f32x4_pmax(a, b); }
inline f4 f4_min(f4 a, f4 b) { return wasm_f32x4_pmin(a, b); }
inline f4 f4_lt(f4 a, f4 b) { return wasm_f32x4_lt(a, b); }
inline f4 f4_andnot(f4 a, f4 mask) { return wasm_v128_andnot(a, mask); }
inline f4 f4_nearest(f4 x, i4* n) {
    const f4 r = wasm_f32x4_nearest(x);
    *n = wasm_i32x4_trunc_sat_f32x4(r);
    return r;
}
inline f4 f4_pow2(i4 n) { return wasm_i32x4_shl(wasm_i32x4_add(n, wasm_i32x4_splat(127)), 23); }
inline float f4_lane(f4 v, int i) {
    switch (i) {
        case 0:
            return wasm_f32x4_extract_lane(v, 0);
        case 1:
            return wasm_f32x4_extract_lane(v, 1);
        case 2:
            return wasm_f32x4_extract_lane(v, 2);
        default:
            return wasm_f32x4_extract_lane(v, 3);
    }
}
// Lane i of the result sums the lanes of the i-th argument, as (x0 + x2) + (x1 + x3).
inline f4 f4_sum4(f4 a, f4 b, f4 c, f4 d) {
    const f4 ab =
        wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
    const f4 cd =
        wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
    return wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5),
                          wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}
#elif defined(HEARTH_X86)
using f4 = __m128;
using i4 = __m128i;
inline f4 f4_zero() { return _mm_setzero_ps(); }
inline f4 f4_splat(float v) { return _mm_set1_ps(v); }
inline f4 f4_load(const float* p) { return _mm_loadu_ps(p); }
inline void f4_store(float* p, f4 v) { _mm_storeu_ps(p, v); }
inline f4 f4_set(float a, float b, float c, float d) { return _mm_setr_ps(a, b, c, d); }
inline f4 f4_add(f4 a, f4 b) { return _mm_add_ps(a, b); }
inline f4 f4_sub(f4 a, f4 b) { return _mm_sub_ps(a, b); }
inline f4 f4_mul(f4 a, f4 b) { return _mm_mul_ps(a, b); }
inline f4 f4_div(f4 a, f4 b) { return _mm_div_ps(a, b); }
// maxps / minps return their second operand when either is NaN: the same lanes as
// simd128's pmax / pmin.
inline f4 f4_relu(f4 a) { return _mm_max_ps(a, _mm_setzero_ps()); }
inline f4 f4_max(f4 a, f4 b) { return _mm_max_ps(b, a); }
inline f4 f4_min(f4 a, f4 b) { return _mm_min_ps(b, a); }
inline f4 f4_lt(f4 a, f4 b) { return _mm_cmplt_ps(a, b); }
inline f4 f4_andnot(f4 a, f4 mask) { return _mm_andnot_ps(mask, a); }
// SSE2 has no rounding instruction: the conversion rounds to nearest-even.
inline f4 f4_nearest(f4 x, i4* n) {
    *n = _mm_cvtps_epi32(x);
    return _mm_cvtepi32_ps(*n);
}
inline f4 f4_pow2(i4 n) {
    return _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(n, _mm_set1_epi32(127)), 23));
}
inline float f4_lane(f4 v, int i) {
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, v);
    return lanes[i];
}
inline f4 f4_sum4(f4 a, f4 b, f4 c, f4 d) {
    const f4 ab = _mm_add_ps(_mm_unpacklo_ps(a, b), _mm_unpackhi_ps(a, b));
    const f4 cd = _mm_add_ps(_mm_unpacklo_ps(c, d), _mm_unpackhi_ps(c, d));
    return _mm_add_ps(_mm_movelh_ps(ab, cd), _mm_movehl_ps(cd, ab));
}
#endif

#if defined(HEARTH_V4)
// The lanes summed as (x0 + x2) + (x1 + x3), the order of one lane of f4_sum4.
inline float f4_hsum(f4 v) {
    return (f4_lane(v, 0) + f4_lane(v, 2)) + (f4_lane(v, 1) + f4_lane(v, 3));
}

// The lanes summed left to right.
inline float f4_hsum_seq(f4 v) {
    return f4_lane(v, 0) + f4_lane(v, 1) + f4_lane(v, 2) + f4_lane(v, 3);
}
#endif

#if defined(HEARTH_X86)
// Lane i: lanes i and i + 4 added.
HEARTH_AVX2 inline __m128 f8_half_sum(__m256 v) {
    return _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
}
#endif

}  // namespace
}  // namespace hearth
