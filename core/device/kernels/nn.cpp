#include "core/device/kernels/nn.h"

#if defined(HEARTH_HAVE_XNNPACK)
#include "core/device/kernels/xnn_linear.h"
#endif

#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/device/kernels/dispatch.h"
#include "core/device/kernels/vec.h"

namespace hearth {

// ---------------------------------------------------------------------------------------
// References: plain loops in float, in the order the SIMD variants are compared against.

void layernorm_f32_ref(const float* x, size_t rows, size_t d, const float* g, const float* b,
                       float eps, float* y) {
    const float inv_d = 1.0f / static_cast<float>(d);
    for (size_t r = 0; r < rows; ++r) {
        const float* xr = x + r * d;
        float* yr = y + r * d;
        float sum = 0.0f;
        for (size_t i = 0; i < d; ++i) sum += xr[i];
        const float mean = sum * inv_d;
        float sq = 0.0f;
        for (size_t i = 0; i < d; ++i) sq += (xr[i] - mean) * (xr[i] - mean);
        const float inv = 1.0f / std::sqrt(sq * inv_d + eps);
        for (size_t i = 0; i < d; ++i) yr[i] = (xr[i] - mean) * inv * g[i] + b[i];
    }
}

void softmax_f32_ref(float* x, size_t n) {
    if (n == 0) return;
    float mx = x[0];
    for (size_t i = 1; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i) sum += (x[i] = std::exp(x[i] - mx));
    const float inv = 1.0f / sum;
    for (size_t i = 0; i < n; ++i) x[i] *= inv;
}

void linear_f32_ref(const float* x, size_t rows, size_t in, const float* w, const float* b,
                    size_t out, const float* add, float* y) {
    for (size_t r = 0; r < rows; ++r)
        for (size_t o = 0; o < out; ++o) {
            float s = dot_f32_ref(x + r * in, w + o * in, in);
            if (b) s += b[o];
            if (add) s += add[r * out + o];
            y[r * out + o] = s;
        }
}

void attn_scores_f32_ref(const float* q, const float* k, size_t n, size_t dh, size_t k_stride,
                         float scale, float* out) {
    for (size_t s = 0; s < n; ++s) out[s] = scale * dot_f32_ref(q, k + s * k_stride, dh);
}

void attn_weighted_sum_f32_ref(const float* p, const float* v, size_t n, size_t dh, size_t v_stride,
                               float* out) {
    for (size_t s = 0; s < n; ++s)
        for (size_t j = 0; j < dh; ++j) out[j] += p[s] * v[s * v_stride + j];
}

void relu_f32_ref(float* x, size_t n) {
    for (size_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

namespace {
constexpr float kGeluC = 0.7978845608028654f;  // sqrt(2 / pi)
constexpr float kGeluK = 0.044715f;
}  // namespace

void gelu_f32_ref(float* x, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        const float v = x[i];
        x[i] = 0.5f * v * (1.0f + std::tanh(kGeluC * (v + kGeluK * v * v * v)));
    }
}

namespace {

// ---------------------------------------------------------------------------------------
// exp for the SIMD variants: n = round(x / ln 2), r = x - n ln 2 (ln 2 split in two so the
// product is exact), e^r by a degree-6 polynomial on [-ln2/2, ln2/2] (Cephes' expf
// coefficients, ~1 ulp), times 2^n built in the exponent bits. Inputs are clamped to
// [-87, 88] so 2^n stays a normal float; below -87 the result is 0 (e^-87 ~ 1.6e-38,
// nothing next to the 1 that a softmax sum always holds). The vector version (v_exp in
// nn_simd.inc) and the scalar twin below run the same operations, so SIMD tails and lanes
// agree bit for bit.
constexpr float kExpHi = 88.0f, kExpLo = -87.0f;
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f,
                kP3 = 4.1665795894e-2f, kP4 = 1.6666665459e-1f, kP5 = 5.0000001201e-1f;

float exp_poly(float x) {
    if (std::isnan(x)) return x;
    if (x < kExpLo) return 0.0f;
    if (x > kExpHi) x = kExpHi;
    const float n = std::nearbyint(x * kLog2e);
    const float r = (x - n * kLn2Hi) - n * kLn2Lo;
    float p = kP0;
    p = p * r + kP1;
    p = p * r + kP2;
    p = p * r + kP3;
    p = p * r + kP4;
    p = p * r + kP5;
    const float e = (p * (r * r) + r) + 1.0f;
    const uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return e * scale;
}

// Same GELU as the reference, written as x * sigmoid(2u) = x / (1 + e^(-2u)): one exp and
// a division instead of tanh, and no cancellation in 1 + tanh(u) for negative x.
float gelu_poly(float v) {
    const float u = kGeluC * (v + kGeluK * v * v * v);
    return v / (1.0f + exp_poly(-2.0f * u));
}

#if defined(HEARTH_V4)
// ---------------------------------------------------------------------------------------
// 4-lane kernels: SSE2 natively, simd128 in wasm.

// Adds the bias and the residual to four finished sums and stores them, in the reference's
// order (dot, + b, + add).
inline void linear_finish4(f4 s, const float* b, const float* add, float* y) {
    if (b) s = f4_add(s, f4_load(b));
    if (add) s = f4_add(s, f4_load(add));
    f4_store(y, s);
}

inline float linear_finish1(float s, const float* b, const float* add, size_t o) {
    if (b) s += b[o];
    if (add) s += add[o];
    return s;
}

namespace v4 {
using V = f4;
using VI = i4;
constexpr size_t kW = 4;
inline V v_zero() { return f4_zero(); }
inline V v_splat(float v) { return f4_splat(v); }
inline V v_load(const float* p) { return f4_load(p); }
inline void v_store(float* p, V v) { f4_store(p, v); }
inline V v_add(V a, V b) { return f4_add(a, b); }
inline V v_sub(V a, V b) { return f4_sub(a, b); }
inline V v_mul(V a, V b) { return f4_mul(a, b); }
inline V v_div(V a, V b) { return f4_div(a, b); }
inline V v_max(V a, V b) { return f4_max(a, b); }
inline V v_min(V a, V b) { return f4_min(a, b); }
inline V v_lt(V a, V b) { return f4_lt(a, b); }
inline V v_andnot(V a, V mask) { return f4_andnot(a, mask); }
inline V v_nearest(V x, VI* n) { return f4_nearest(x, n); }
inline V v_pow2(VI n) { return f4_pow2(n); }
inline V v_relu(V a) { return f4_relu(a); }
inline float v_hsum(V v) { return f4_hsum(v); }
inline float v_hmax(V m, float mx) {
    for (int l = 0; l < 4; ++l) mx = f4_lane(m, l) > mx ? f4_lane(m, l) : mx;
    return mx;
}
inline f4 v_sum4(V a, V b, V c, V d) { return f4_sum4(a, b, c, d); }
#define HEARTH_NN_ATTR
#include "core/device/kernels/nn_simd.inc"
#undef HEARTH_NN_ATTR
}  // namespace v4

#endif  // HEARTH_V4

#if defined(HEARTH_X86)
// ---------------------------------------------------------------------------------------
// AVX2: 8 lanes, chosen at run time.
namespace avx2 {
using V = __m256;
using VI = __m256i;
constexpr size_t kW = 8;
HEARTH_AVX2 inline V v_zero() { return _mm256_setzero_ps(); }
HEARTH_AVX2 inline V v_splat(float v) { return _mm256_set1_ps(v); }
HEARTH_AVX2 inline V v_load(const float* p) { return _mm256_loadu_ps(p); }
HEARTH_AVX2 inline void v_store(float* p, V v) { _mm256_storeu_ps(p, v); }
HEARTH_AVX2 inline V v_add(V a, V b) { return _mm256_add_ps(a, b); }
HEARTH_AVX2 inline V v_sub(V a, V b) { return _mm256_sub_ps(a, b); }
HEARTH_AVX2 inline V v_mul(V a, V b) { return _mm256_mul_ps(a, b); }
HEARTH_AVX2 inline V v_div(V a, V b) { return _mm256_div_ps(a, b); }
// maxps returns its second operand when either is NaN, as f4_max.
HEARTH_AVX2 inline V v_max(V a, V b) { return _mm256_max_ps(b, a); }
HEARTH_AVX2 inline V v_min(V a, V b) { return _mm256_min_ps(b, a); }
HEARTH_AVX2 inline V v_lt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
HEARTH_AVX2 inline V v_andnot(V a, V mask) { return _mm256_andnot_ps(mask, a); }
HEARTH_AVX2 inline V v_nearest(V x, VI* n) {
    *n = _mm256_cvtps_epi32(x);
    return _mm256_cvtepi32_ps(*n);
}
HEARTH_AVX2 inline V v_pow2(VI n) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
}
HEARTH_AVX2 inline V v_relu(V a) { return _mm256_max_ps(a, _mm256_setzero_ps()); }
HEARTH_AVX2 inline float v_hsum(V v) { return f4_hsum(f8_half_sum(v)); }
HEARTH_AVX2 inline float v_hmax(V m, float mx) {
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, m);
    for (float l : lanes) mx = l > mx ? l : mx;
    return mx;
}
HEARTH_AVX2 inline __m128 v_sum4(__m256 a, __m256 b, __m256 c, __m256 d) {
    return f4_sum4(f8_half_sum(a), f8_half_sum(b), f8_half_sum(c), f8_half_sum(d));
}
#define HEARTH_NN_ATTR HEARTH_AVX2
#include "core/device/kernels/nn_simd.inc"
#undef HEARTH_NN_ATTR
}  // namespace avx2

#endif  // HEARTH_X86

}  // namespace

HEARTH_KERNEL_FAMILY(LayerNormF32Fn, layernorm_f32, "f32_layernorm", layernorm_f32_ref, v4::layernorm,
                 avx2::layernorm)
HEARTH_KERNEL_FAMILY(SoftmaxF32Fn, softmax_f32, "f32_softmax", softmax_f32_ref, v4::softmax,
                 avx2::softmax)
// Linear, natively with XNNPACK: its fully-connected operator is one more variant, tested
// like the others (and in tests/core/test_xnn_linear.cpp on the encoder's shapes). From 8
// rows up (leave-one-out's stacked batch above all) it measured faster than the project's
// AVX2 kernel; below that its fixed cost per call (operator setup, the weight check) made it
// slower. The timings are benchmark output ("linear variant timings", the [.bench] case of
// that test), not comments. So the dispatched variant, "hybrid", sends 8 rows and more to
// XNNPACK and fewer to the project's own fastest kernel.
#if defined(HEARTH_HAVE_XNNPACK)
namespace {
constexpr size_t kXnnpackMinRows = 8;

const std::vector<KernelVariant<LinearF32Fn>>& own_linear_f32_variants() {
    static const std::vector<KernelVariant<LinearF32Fn>> variants =
        HEARTH_KERNEL_VARIANTS("f32_linear", linear_f32_ref, v4::linear, avx2::linear);
    return variants;
}

LinearF32Fn own_linear_f32() {
    static const LinearF32Fn fn = fastest_variant(own_linear_f32_variants());
    return fn;
}

void linear_f32_hybrid(const float* x, size_t rows, size_t in, const float* w, const float* b,
                       size_t out, const float* add, float* y) {
    const LinearF32Fn fn = rows >= kXnnpackMinRows ? linear_f32_xnnpack : own_linear_f32();
    fn(x, rows, in, w, b, out, add, y);
}
}  // namespace

const std::vector<KernelVariant<LinearF32Fn>>& linear_f32_variants() {
    static const std::vector<KernelVariant<LinearF32Fn>> variants = [] {
        std::vector<KernelVariant<LinearF32Fn>> v = own_linear_f32_variants();
        const bool xnn = xnnpack_available();
        v.push_back({"f32_linear__xnnpack", linear_f32_xnnpack, xnn});
        v.push_back({"f32_linear__hybrid", linear_f32_hybrid, xnn});
        return v;
    }();
    return variants;
}

LinearF32Fn linear_f32() {
    static const LinearF32Fn fn = fastest_variant(linear_f32_variants());
    return fn;
}
#else
HEARTH_KERNEL_FAMILY(LinearF32Fn, linear_f32, "f32_linear", linear_f32_ref, v4::linear, avx2::linear)
#endif
HEARTH_KERNEL_FAMILY(AttnScoresF32Fn, attn_scores_f32, "f32_attn_scores", attn_scores_f32_ref,
                 v4::attn_scores, avx2::attn_scores)
HEARTH_KERNEL_FAMILY(AttnWeightedSumF32Fn, attn_weighted_sum_f32, "f32_attn_wsum",
                 attn_weighted_sum_f32_ref, v4::attn_weighted_sum, avx2::attn_weighted_sum)
HEARTH_KERNEL_FAMILY(ActivationF32Fn, relu_f32, "f32_relu", relu_f32_ref, v4::relu, avx2::relu)
HEARTH_KERNEL_FAMILY(ActivationF32Fn, gelu_f32, "f32_gelu", gelu_f32_ref, v4::gelu, avx2::gelu)

}  // namespace hearth
