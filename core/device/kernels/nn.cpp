#include "core/device/kernels/nn.h"

#if defined(HEARTH_HAVE_XNNPACK)
#include "core/device/kernels/xnn_linear.h"
#endif

#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/device/kernels/dispatch.h"

#if defined(__wasm_simd128__)
#define HEARTH_V4 1
#define HEARTH_V4_ISA "simd128"
#elif defined(HEARTH_X86)
#define HEARTH_V4 1
#define HEARTH_V4_ISA "sse2"
#endif

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
// nothing next to the 1 that a softmax sum always holds). The scalar twin below runs the
// same operations so SIMD tails and lanes agree bit for bit.
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
// 4-lane kernels, written once over a thin layer that is SSE2 natively and simd128 in
// wasm (a build has one or the other, never both).

#if defined(__wasm_simd128__)
using f4 = v128_t;
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
inline f4 f4_exp(f4 x) {
    const f4 below = wasm_f32x4_lt(x, wasm_f32x4_splat(kExpLo));
    x = wasm_f32x4_pmin(x, wasm_f32x4_splat(kExpHi));
    x = wasm_f32x4_pmax(x, wasm_f32x4_splat(kExpLo));
    const f4 n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(kLog2e)));
    const f4 r = wasm_f32x4_sub(wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(kLn2Hi))),
                                wasm_f32x4_mul(n, wasm_f32x4_splat(kLn2Lo)));
    f4 p = wasm_f32x4_splat(kP0);
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(kP1));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(kP2));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(kP3));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(kP4));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(kP5));
    const f4 e = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(p, wasm_f32x4_mul(r, r)), r),
                                wasm_f32x4_splat(1.0f));
    const v128_t bits =
        wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
    return wasm_v128_andnot(wasm_f32x4_mul(e, bits), below);
}
#else
using f4 = __m128;
inline f4 f4_zero() { return _mm_setzero_ps(); }
inline f4 f4_splat(float v) { return _mm_set1_ps(v); }
inline f4 f4_load(const float* p) { return _mm_loadu_ps(p); }
inline void f4_store(float* p, f4 v) { _mm_storeu_ps(p, v); }
inline f4 f4_set(float a, float b, float c, float d) { return _mm_setr_ps(a, b, c, d); }
inline f4 f4_add(f4 a, f4 b) { return _mm_add_ps(a, b); }
inline f4 f4_sub(f4 a, f4 b) { return _mm_sub_ps(a, b); }
inline f4 f4_mul(f4 a, f4 b) { return _mm_mul_ps(a, b); }
inline f4 f4_div(f4 a, f4 b) { return _mm_div_ps(a, b); }
// maxps returns its second operand when either is NaN.
inline f4 f4_relu(f4 a) { return _mm_max_ps(a, _mm_setzero_ps()); }
inline f4 f4_max(f4 a, f4 b) { return _mm_max_ps(b, a); }
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
inline f4 f4_exp(f4 x) {
    const f4 below = _mm_cmplt_ps(x, _mm_set1_ps(kExpLo));
    x = _mm_min_ps(_mm_set1_ps(kExpHi), x);  // NaN passes through (second operand)
    x = _mm_max_ps(_mm_set1_ps(kExpLo), x);
    const __m128i ni = _mm_cvtps_epi32(_mm_mul_ps(x, _mm_set1_ps(kLog2e)));  // nearest-even
    const f4 n = _mm_cvtepi32_ps(ni);
    const f4 r = _mm_sub_ps(_mm_sub_ps(x, _mm_mul_ps(n, _mm_set1_ps(kLn2Hi))),
                            _mm_mul_ps(n, _mm_set1_ps(kLn2Lo)));
    f4 p = _mm_set1_ps(kP0);
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(kP1));
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(kP2));
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(kP3));
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(kP4));
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(kP5));
    const f4 e = _mm_add_ps(_mm_add_ps(_mm_mul_ps(p, _mm_mul_ps(r, r)), r), _mm_set1_ps(1.0f));
    const __m128i bits = _mm_slli_epi32(_mm_add_epi32(ni, _mm_set1_epi32(127)), 23);
    return _mm_andnot_ps(below, _mm_mul_ps(e, _mm_castsi128_ps(bits)));
}
#endif

inline float f4_hsum(f4 v) {
    return (f4_lane(v, 0) + f4_lane(v, 2)) + (f4_lane(v, 1) + f4_lane(v, 3));
}

float dot_v4(const float* a, const float* b, size_t n) {
    f4 acc = f4_zero();
    size_t i = 0;
    for (; i + 4 <= n; i += 4) acc = f4_add(acc, f4_mul(f4_load(a + i), f4_load(b + i)));
    return f4_hsum(acc) + dot_f32_ref(a + i, b + i, n - i);
}

void layernorm_f32_v4(const float* x, size_t rows, size_t d, const float* g, const float* b,
                      float eps, float* y) {
    const float inv_d = 1.0f / static_cast<float>(d);
    const size_t d4 = d & ~size_t(3);
    for (size_t r = 0; r < rows; ++r) {
        const float* xr = x + r * d;
        float* yr = y + r * d;
        f4 acc = f4_zero();
        for (size_t i = 0; i < d4; i += 4) acc = f4_add(acc, f4_load(xr + i));
        float sum = f4_hsum(acc);
        for (size_t i = d4; i < d; ++i) sum += xr[i];
        const float mean = sum * inv_d;
        const f4 m = f4_splat(mean);
        acc = f4_zero();
        for (size_t i = 0; i < d4; i += 4) {
            const f4 c = f4_sub(f4_load(xr + i), m);
            acc = f4_add(acc, f4_mul(c, c));
        }
        float sq = f4_hsum(acc);
        for (size_t i = d4; i < d; ++i) sq += (xr[i] - mean) * (xr[i] - mean);
        const float inv = 1.0f / std::sqrt(sq * inv_d + eps);
        const f4 iv = f4_splat(inv);
        for (size_t i = 0; i < d4; i += 4) {
            const f4 c = f4_mul(f4_sub(f4_load(xr + i), m), iv);
            f4_store(yr + i, f4_add(f4_mul(c, f4_load(g + i)), f4_load(b + i)));
        }
        for (size_t i = d4; i < d; ++i) yr[i] = (xr[i] - mean) * inv * g[i] + b[i];
    }
}

void softmax_f32_v4(float* x, size_t n) {
    if (n == 0) return;
    const size_t n4 = n & ~size_t(3);
    float mx = x[0];
    if (n4) {
        f4 m = f4_load(x);
        for (size_t i = 4; i < n4; i += 4) m = f4_max(m, f4_load(x + i));
        for (int l = 0; l < 4; ++l) mx = f4_lane(m, l) > mx ? f4_lane(m, l) : mx;
    }
    for (size_t i = n4; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
    const f4 m = f4_splat(mx);
    f4 acc = f4_zero();
    for (size_t i = 0; i < n4; i += 4) {
        const f4 e = f4_exp(f4_sub(f4_load(x + i), m));
        f4_store(x + i, e);
        acc = f4_add(acc, e);
    }
    float sum = f4_hsum(acc);
    for (size_t i = n4; i < n; ++i) sum += (x[i] = exp_poly(x[i] - mx));
    const float inv = 1.0f / sum;
    const f4 iv = f4_splat(inv);
    for (size_t i = 0; i < n4; i += 4) f4_store(x + i, f4_mul(f4_load(x + i), iv));
    for (size_t i = n4; i < n; ++i) x[i] *= inv;
}

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

// Blocked 2 rows x 4 outputs: each loaded chunk of x feeds four products and each chunk of
// w two, and the 8 accumulators plus operands stay inside x86's 16 vector registers (also
// for the wasm engines running there). Four accumulators of one row reduce with one
// transpose-add into the four adjacent outputs they belong to.
void linear_f32_v4(const float* x, size_t rows, size_t in, const float* w, const float* b,
                   size_t out, const float* add, float* y) {
    const size_t in4 = in & ~size_t(3);
    const size_t rest = in - in4;
    size_t r = 0;
    for (; r + 2 <= rows; r += 2) {
        const float* x0 = x + r * in;
        const float* x1 = x0 + in;
        float* y0 = y + r * out;
        float* y1 = y0 + out;
        const float* a0 = add ? add + r * out : nullptr;
        const float* a1 = add ? a0 + out : nullptr;
        size_t o = 0;
        for (; o + 4 <= out; o += 4) {
            const float* w0 = w + o * in;
            const float* w1 = w0 + in;
            const float* w2 = w1 + in;
            const float* w3 = w2 + in;
            f4 c00 = f4_zero(), c01 = c00, c02 = c00, c03 = c00;
            f4 c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            for (size_t i = 0; i < in4; i += 4) {
                const f4 u0 = f4_load(x0 + i), u1 = f4_load(x1 + i);
                f4 v = f4_load(w0 + i);
                c00 = f4_add(c00, f4_mul(u0, v));
                c10 = f4_add(c10, f4_mul(u1, v));
                v = f4_load(w1 + i);
                c01 = f4_add(c01, f4_mul(u0, v));
                c11 = f4_add(c11, f4_mul(u1, v));
                v = f4_load(w2 + i);
                c02 = f4_add(c02, f4_mul(u0, v));
                c12 = f4_add(c12, f4_mul(u1, v));
                v = f4_load(w3 + i);
                c03 = f4_add(c03, f4_mul(u0, v));
                c13 = f4_add(c13, f4_mul(u1, v));
            }
            f4 s0 = f4_sum4(c00, c01, c02, c03), s1 = f4_sum4(c10, c11, c12, c13);
            if (rest) {
                const float* t0 = x0 + in4;
                const float* t1 = x1 + in4;
                s0 = f4_add(
                    s0, f4_set(dot_f32_ref(t0, w0 + in4, rest), dot_f32_ref(t0, w1 + in4, rest),
                               dot_f32_ref(t0, w2 + in4, rest), dot_f32_ref(t0, w3 + in4, rest)));
                s1 = f4_add(
                    s1, f4_set(dot_f32_ref(t1, w0 + in4, rest), dot_f32_ref(t1, w1 + in4, rest),
                               dot_f32_ref(t1, w2 + in4, rest), dot_f32_ref(t1, w3 + in4, rest)));
            }
            linear_finish4(s0, b ? b + o : nullptr, a0 ? a0 + o : nullptr, y0 + o);
            linear_finish4(s1, b ? b + o : nullptr, a1 ? a1 + o : nullptr, y1 + o);
        }
        for (; o < out; ++o) {
            y0[o] = linear_finish1(dot_v4(x0, w + o * in, in), b, a0, o);
            y1[o] = linear_finish1(dot_v4(x1, w + o * in, in), b, a1, o);
        }
    }
    if (r < rows) {
        const float* x0 = x + r * in;
        float* y0 = y + r * out;
        const float* a0 = add ? add + r * out : nullptr;
        size_t o = 0;
        for (; o + 4 <= out; o += 4) {
            const float* w0 = w + o * in;
            const float* w1 = w0 + in;
            const float* w2 = w1 + in;
            const float* w3 = w2 + in;
            f4 c0 = f4_zero(), c1 = c0, c2 = c0, c3 = c0;
            for (size_t i = 0; i < in4; i += 4) {
                const f4 u0 = f4_load(x0 + i);
                c0 = f4_add(c0, f4_mul(u0, f4_load(w0 + i)));
                c1 = f4_add(c1, f4_mul(u0, f4_load(w1 + i)));
                c2 = f4_add(c2, f4_mul(u0, f4_load(w2 + i)));
                c3 = f4_add(c3, f4_mul(u0, f4_load(w3 + i)));
            }
            f4 s0 = f4_sum4(c0, c1, c2, c3);
            if (rest) {
                const float* t0 = x0 + in4;
                s0 = f4_add(
                    s0, f4_set(dot_f32_ref(t0, w0 + in4, rest), dot_f32_ref(t0, w1 + in4, rest),
                               dot_f32_ref(t0, w2 + in4, rest), dot_f32_ref(t0, w3 + in4, rest)));
            }
            linear_finish4(s0, b ? b + o : nullptr, a0 ? a0 + o : nullptr, y0 + o);
        }
        for (; o < out; ++o) y0[o] = linear_finish1(dot_v4(x0, w + o * in, in), b, a0, o);
    }
}

// Four keys per pass share each loaded chunk of q.
void attn_scores_f32_v4(const float* q, const float* k, size_t n, size_t dh, size_t k_stride,
                        float scale, float* out) {
    const size_t d4 = dh & ~size_t(3);
    const size_t rest = dh - d4;
    const f4 sc = f4_splat(scale);
    size_t s = 0;
    for (; s + 4 <= n; s += 4) {
        const float* k0 = k + s * k_stride;
        const float* k1 = k0 + k_stride;
        const float* k2 = k1 + k_stride;
        const float* k3 = k2 + k_stride;
        f4 c0 = f4_zero(), c1 = c0, c2 = c0, c3 = c0;
        for (size_t j = 0; j < d4; j += 4) {
            const f4 qv = f4_load(q + j);
            c0 = f4_add(c0, f4_mul(qv, f4_load(k0 + j)));
            c1 = f4_add(c1, f4_mul(qv, f4_load(k1 + j)));
            c2 = f4_add(c2, f4_mul(qv, f4_load(k2 + j)));
            c3 = f4_add(c3, f4_mul(qv, f4_load(k3 + j)));
        }
        f4 sum = f4_sum4(c0, c1, c2, c3);
        if (rest) {
            const float* qt = q + d4;
            sum =
                f4_add(sum, f4_set(dot_f32_ref(qt, k0 + d4, rest), dot_f32_ref(qt, k1 + d4, rest),
                                   dot_f32_ref(qt, k2 + d4, rest), dot_f32_ref(qt, k3 + d4, rest)));
        }
        f4_store(out + s, f4_mul(sc, sum));
    }
    for (; s < n; ++s) out[s] = scale * dot_v4(q, k + s * k_stride, dh);
}

// Output chunks stay in registers across all keys; every output element sums its terms in
// the reference's order, so this variant matches it exactly.
void attn_weighted_sum_f32_v4(const float* p, const float* v, size_t n, size_t dh, size_t v_stride,
                              float* out) {
    size_t j = 0;
    for (; j + 16 <= dh; j += 16) {
        f4 a0 = f4_load(out + j), a1 = f4_load(out + j + 4), a2 = f4_load(out + j + 8),
           a3 = f4_load(out + j + 12);
        for (size_t s = 0; s < n; ++s) {
            const f4 ps = f4_splat(p[s]);
            const float* vs = v + s * v_stride + j;
            a0 = f4_add(a0, f4_mul(ps, f4_load(vs)));
            a1 = f4_add(a1, f4_mul(ps, f4_load(vs + 4)));
            a2 = f4_add(a2, f4_mul(ps, f4_load(vs + 8)));
            a3 = f4_add(a3, f4_mul(ps, f4_load(vs + 12)));
        }
        f4_store(out + j, a0);
        f4_store(out + j + 4, a1);
        f4_store(out + j + 8, a2);
        f4_store(out + j + 12, a3);
    }
    for (; j + 4 <= dh; j += 4) {
        f4 a0 = f4_load(out + j);
        for (size_t s = 0; s < n; ++s)
            a0 = f4_add(a0, f4_mul(f4_splat(p[s]), f4_load(v + s * v_stride + j)));
        f4_store(out + j, a0);
    }
    for (; j < dh; ++j) {
        float a = out[j];
        for (size_t s = 0; s < n; ++s) a += p[s] * v[s * v_stride + j];
        out[j] = a;
    }
}

void relu_f32_v4(float* x, size_t n) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) f4_store(x + i, f4_relu(f4_load(x + i)));
    relu_f32_ref(x + i, n - i);
}

void gelu_f32_v4(float* x, size_t n) {
    const f4 c = f4_splat(kGeluC), k = f4_splat(kGeluK), m2 = f4_splat(-2.0f), one = f4_splat(1.0f);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const f4 v = f4_load(x + i);
        const f4 u = f4_mul(c, f4_add(v, f4_mul(f4_mul(f4_mul(k, v), v), v)));
        f4_store(x + i, f4_div(v, f4_add(one, f4_exp(f4_mul(m2, u)))));
    }
    for (; i < n; ++i) x[i] = gelu_poly(x[i]);
}

#endif  // HEARTH_V4

#if defined(HEARTH_X86)
// ---------------------------------------------------------------------------------------
// AVX2 (8 lanes, still no FMA: -ffp-contract=off keeps native and wasm results aligned, and
// fused products would break that). Compiled with a target attribute and chosen at run
// time, so the library still runs on CPUs without AVX2.
#define HEARTH_AVX2 __attribute__((target("avx2")))

HEARTH_AVX2 inline __m128 half_sum(__m256 v) {
    return _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
}

HEARTH_AVX2 inline float hsum8(__m256 v) { return f4_hsum(half_sum(v)); }

HEARTH_AVX2 inline __m256 exp8(__m256 x) {
    const __m256 below = _mm256_cmp_ps(x, _mm256_set1_ps(kExpLo), _CMP_LT_OQ);
    x = _mm256_min_ps(_mm256_set1_ps(kExpHi), x);
    x = _mm256_max_ps(_mm256_set1_ps(kExpLo), x);
    const __m256i ni = _mm256_cvtps_epi32(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)));
    const __m256 n = _mm256_cvtepi32_ps(ni);
    const __m256 r = _mm256_sub_ps(_mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(kLn2Hi))),
                                   _mm256_mul_ps(n, _mm256_set1_ps(kLn2Lo)));
    __m256 p = _mm256_set1_ps(kP0);
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(kP1));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(kP2));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(kP3));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(kP4));
    p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(kP5));
    const __m256 e = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(p, _mm256_mul_ps(r, r)), r),
                                   _mm256_set1_ps(1.0f));
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(ni, _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(below, _mm256_mul_ps(e, _mm256_castsi256_ps(bits)));
}

HEARTH_AVX2 float dot_avx2(const float* a, const float* b, size_t n) {
    __m256 acc = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
    return hsum8(acc) + dot_f32_ref(a + i, b + i, n - i);
}

HEARTH_AVX2 void layernorm_f32_avx2(const float* x, size_t rows, size_t d, const float* g,
                                    const float* b, float eps, float* y) {
    const float inv_d = 1.0f / static_cast<float>(d);
    const size_t d8 = d & ~size_t(7);
    for (size_t r = 0; r < rows; ++r) {
        const float* xr = x + r * d;
        float* yr = y + r * d;
        __m256 acc = _mm256_setzero_ps();
        for (size_t i = 0; i < d8; i += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(xr + i));
        float sum = hsum8(acc);
        for (size_t i = d8; i < d; ++i) sum += xr[i];
        const float mean = sum * inv_d;
        const __m256 m = _mm256_set1_ps(mean);
        acc = _mm256_setzero_ps();
        for (size_t i = 0; i < d8; i += 8) {
            const __m256 c = _mm256_sub_ps(_mm256_loadu_ps(xr + i), m);
            acc = _mm256_add_ps(acc, _mm256_mul_ps(c, c));
        }
        float sq = hsum8(acc);
        for (size_t i = d8; i < d; ++i) sq += (xr[i] - mean) * (xr[i] - mean);
        const float inv = 1.0f / std::sqrt(sq * inv_d + eps);
        const __m256 iv = _mm256_set1_ps(inv);
        for (size_t i = 0; i < d8; i += 8) {
            const __m256 c = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + i), m), iv);
            _mm256_storeu_ps(yr + i, _mm256_add_ps(_mm256_mul_ps(c, _mm256_loadu_ps(g + i)),
                                                   _mm256_loadu_ps(b + i)));
        }
        for (size_t i = d8; i < d; ++i) yr[i] = (xr[i] - mean) * inv * g[i] + b[i];
    }
}

HEARTH_AVX2 void softmax_f32_avx2(float* x, size_t n) {
    if (n == 0) return;
    const size_t n8 = n & ~size_t(7);
    float mx = x[0];
    if (n8) {
        __m256 m = _mm256_loadu_ps(x);
        for (size_t i = 8; i < n8; i += 8) m = _mm256_max_ps(_mm256_loadu_ps(x + i), m);
        alignas(32) float lanes[8];
        _mm256_store_ps(lanes, m);
        for (float l : lanes) mx = l > mx ? l : mx;
    }
    for (size_t i = n8; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
    const __m256 m = _mm256_set1_ps(mx);
    __m256 acc = _mm256_setzero_ps();
    for (size_t i = 0; i < n8; i += 8) {
        const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), m));
        _mm256_storeu_ps(x + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    float sum = hsum8(acc);
    for (size_t i = n8; i < n; ++i) sum += (x[i] = exp_poly(x[i] - mx));
    const float inv = 1.0f / sum;
    const __m256 iv = _mm256_set1_ps(inv);
    for (size_t i = 0; i < n8; i += 8)
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), iv));
    for (size_t i = n8; i < n; ++i) x[i] *= inv;
}

HEARTH_AVX2 inline __m128 sum4_avx2(__m256 a, __m256 b, __m256 c, __m256 d) {
    return f4_sum4(half_sum(a), half_sum(b), half_sum(c), half_sum(d));
}

HEARTH_AVX2 inline __m128 tail4(const float* x, const float* w0, size_t in, size_t from) {
    const size_t rest = in - from;
    return _mm_setr_ps(dot_f32_ref(x + from, w0 + from, rest),
                       dot_f32_ref(x + from, w0 + in + from, rest),
                       dot_f32_ref(x + from, w0 + 2 * in + from, rest),
                       dot_f32_ref(x + from, w0 + 3 * in + from, rest));
}

HEARTH_AVX2 inline void finish4_avx2(__m128 s, const float* b, const float* add, float* y) {
    if (b) s = _mm_add_ps(s, _mm_loadu_ps(b));
    if (add) s = _mm_add_ps(s, _mm_loadu_ps(add));
    _mm_storeu_ps(y, s);
}

// The same 2 x 4 blocking as the 4-lane variant, over 8 lanes of `in`.
HEARTH_AVX2 void linear_f32_avx2(const float* x, size_t rows, size_t in, const float* w,
                                 const float* b, size_t out, const float* add, float* y) {
    const size_t in8 = in & ~size_t(7);
    size_t r = 0;
    for (; r + 2 <= rows; r += 2) {
        const float* x0 = x + r * in;
        const float* x1 = x0 + in;
        float* y0 = y + r * out;
        float* y1 = y0 + out;
        const float* a0 = add ? add + r * out : nullptr;
        const float* a1 = add ? a0 + out : nullptr;
        size_t o = 0;
        for (; o + 4 <= out; o += 4) {
            const float* w0 = w + o * in;
            const float* w1 = w0 + in;
            const float* w2 = w1 + in;
            const float* w3 = w2 + in;
            __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c03 = c00;
            __m256 c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            for (size_t i = 0; i < in8; i += 8) {
                const __m256 u0 = _mm256_loadu_ps(x0 + i), u1 = _mm256_loadu_ps(x1 + i);
                __m256 v = _mm256_loadu_ps(w0 + i);
                c00 = _mm256_add_ps(c00, _mm256_mul_ps(u0, v));
                c10 = _mm256_add_ps(c10, _mm256_mul_ps(u1, v));
                v = _mm256_loadu_ps(w1 + i);
                c01 = _mm256_add_ps(c01, _mm256_mul_ps(u0, v));
                c11 = _mm256_add_ps(c11, _mm256_mul_ps(u1, v));
                v = _mm256_loadu_ps(w2 + i);
                c02 = _mm256_add_ps(c02, _mm256_mul_ps(u0, v));
                c12 = _mm256_add_ps(c12, _mm256_mul_ps(u1, v));
                v = _mm256_loadu_ps(w3 + i);
                c03 = _mm256_add_ps(c03, _mm256_mul_ps(u0, v));
                c13 = _mm256_add_ps(c13, _mm256_mul_ps(u1, v));
            }
            __m128 s0 = sum4_avx2(c00, c01, c02, c03), s1 = sum4_avx2(c10, c11, c12, c13);
            if (in8 < in) {
                s0 = _mm_add_ps(s0, tail4(x0, w0, in, in8));
                s1 = _mm_add_ps(s1, tail4(x1, w0, in, in8));
            }
            finish4_avx2(s0, b ? b + o : nullptr, a0 ? a0 + o : nullptr, y0 + o);
            finish4_avx2(s1, b ? b + o : nullptr, a1 ? a1 + o : nullptr, y1 + o);
        }
        for (; o < out; ++o) {
            y0[o] = linear_finish1(dot_avx2(x0, w + o * in, in), b, a0, o);
            y1[o] = linear_finish1(dot_avx2(x1, w + o * in, in), b, a1, o);
        }
    }
    if (r < rows) {
        const float* x0 = x + r * in;
        float* y0 = y + r * out;
        const float* a0 = add ? add + r * out : nullptr;
        size_t o = 0;
        for (; o + 4 <= out; o += 4) {
            const float* w0 = w + o * in;
            __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
            for (size_t i = 0; i < in8; i += 8) {
                const __m256 u0 = _mm256_loadu_ps(x0 + i);
                c0 = _mm256_add_ps(c0, _mm256_mul_ps(u0, _mm256_loadu_ps(w0 + i)));
                c1 = _mm256_add_ps(c1, _mm256_mul_ps(u0, _mm256_loadu_ps(w0 + in + i)));
                c2 = _mm256_add_ps(c2, _mm256_mul_ps(u0, _mm256_loadu_ps(w0 + 2 * in + i)));
                c3 = _mm256_add_ps(c3, _mm256_mul_ps(u0, _mm256_loadu_ps(w0 + 3 * in + i)));
            }
            __m128 s0 = sum4_avx2(c0, c1, c2, c3);
            if (in8 < in) s0 = _mm_add_ps(s0, tail4(x0, w0, in, in8));
            finish4_avx2(s0, b ? b + o : nullptr, a0 ? a0 + o : nullptr, y0 + o);
        }
        for (; o < out; ++o) y0[o] = linear_finish1(dot_avx2(x0, w + o * in, in), b, a0, o);
    }
}

HEARTH_AVX2 void attn_scores_f32_avx2(const float* q, const float* k, size_t n, size_t dh,
                                      size_t k_stride, float scale, float* out) {
    const size_t d8 = dh & ~size_t(7);
    const __m128 sc = _mm_set1_ps(scale);
    size_t s = 0;
    for (; s + 4 <= n; s += 4) {
        const float* k0 = k + s * k_stride;
        const float* k1 = k0 + k_stride;
        const float* k2 = k1 + k_stride;
        const float* k3 = k2 + k_stride;
        __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
        for (size_t j = 0; j < d8; j += 8) {
            const __m256 qv = _mm256_loadu_ps(q + j);
            c0 = _mm256_add_ps(c0, _mm256_mul_ps(qv, _mm256_loadu_ps(k0 + j)));
            c1 = _mm256_add_ps(c1, _mm256_mul_ps(qv, _mm256_loadu_ps(k1 + j)));
            c2 = _mm256_add_ps(c2, _mm256_mul_ps(qv, _mm256_loadu_ps(k2 + j)));
            c3 = _mm256_add_ps(c3, _mm256_mul_ps(qv, _mm256_loadu_ps(k3 + j)));
        }
        __m128 sum = sum4_avx2(c0, c1, c2, c3);
        if (d8 < dh) {
            const size_t rest = dh - d8;
            const float* qt = q + d8;
            sum = _mm_add_ps(
                sum, _mm_setr_ps(dot_f32_ref(qt, k0 + d8, rest), dot_f32_ref(qt, k1 + d8, rest),
                                 dot_f32_ref(qt, k2 + d8, rest), dot_f32_ref(qt, k3 + d8, rest)));
        }
        _mm_storeu_ps(out + s, _mm_mul_ps(sc, sum));
    }
    for (; s < n; ++s) out[s] = scale * dot_avx2(q, k + s * k_stride, dh);
}

HEARTH_AVX2 void attn_weighted_sum_f32_avx2(const float* p, const float* v, size_t n, size_t dh,
                                            size_t v_stride, float* out) {
    size_t j = 0;
    for (; j + 32 <= dh; j += 32) {
        __m256 a0 = _mm256_loadu_ps(out + j), a1 = _mm256_loadu_ps(out + j + 8),
               a2 = _mm256_loadu_ps(out + j + 16), a3 = _mm256_loadu_ps(out + j + 24);
        for (size_t s = 0; s < n; ++s) {
            const __m256 ps = _mm256_set1_ps(p[s]);
            const float* vs = v + s * v_stride + j;
            a0 = _mm256_add_ps(a0, _mm256_mul_ps(ps, _mm256_loadu_ps(vs)));
            a1 = _mm256_add_ps(a1, _mm256_mul_ps(ps, _mm256_loadu_ps(vs + 8)));
            a2 = _mm256_add_ps(a2, _mm256_mul_ps(ps, _mm256_loadu_ps(vs + 16)));
            a3 = _mm256_add_ps(a3, _mm256_mul_ps(ps, _mm256_loadu_ps(vs + 24)));
        }
        _mm256_storeu_ps(out + j, a0);
        _mm256_storeu_ps(out + j + 8, a1);
        _mm256_storeu_ps(out + j + 16, a2);
        _mm256_storeu_ps(out + j + 24, a3);
    }
    for (; j + 8 <= dh; j += 8) {
        __m256 a0 = _mm256_loadu_ps(out + j);
        for (size_t s = 0; s < n; ++s)
            a0 = _mm256_add_ps(
                a0, _mm256_mul_ps(_mm256_set1_ps(p[s]), _mm256_loadu_ps(v + s * v_stride + j)));
        _mm256_storeu_ps(out + j, a0);
    }
    for (; j < dh; ++j) {
        float a = out[j];
        for (size_t s = 0; s < n; ++s) a += p[s] * v[s * v_stride + j];
        out[j] = a;
    }
}

HEARTH_AVX2 void relu_f32_avx2(float* x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_max_ps(_mm256_loadu_ps(x + i), _mm256_setzero_ps()));
    relu_f32_ref(x + i, n - i);
}

HEARTH_AVX2 void gelu_f32_avx2(float* x, size_t n) {
    const __m256 c = _mm256_set1_ps(kGeluC), k = _mm256_set1_ps(kGeluK), m2 = _mm256_set1_ps(-2.0f),
                 one = _mm256_set1_ps(1.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const __m256 u = _mm256_mul_ps(
            c, _mm256_add_ps(v, _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(k, v), v), v)));
        _mm256_storeu_ps(x + i, _mm256_div_ps(v, _mm256_add_ps(one, exp8(_mm256_mul_ps(m2, u)))));
    }
    for (; i < n; ++i) x[i] = gelu_poly(x[i]);
}

#endif  // HEARTH_X86

}  // namespace

// One list per family; the reference comes first and the lists run slowest to fastest.
#if defined(HEARTH_X86)
#define HEARTH_NN_VARIANTS(op, ref, v4, avx2)          \
    {{"f32_" op "__ref", ref, true},                   \
     {"f32_" op "__" HEARTH_V4_ISA, v4, true},         \
     {"f32_" op "__avx2", avx2, cpu_has_avx2()}}
#elif defined(HEARTH_V4)
#define HEARTH_NN_VARIANTS(op, ref, v4, avx2) \
    {{"f32_" op "__ref", ref, true}, {"f32_" op "__" HEARTH_V4_ISA, v4, true}}
#else
#define HEARTH_NN_VARIANTS(op, ref, v4, avx2) {{"f32_" op "__ref", ref, true}}
#endif

#define HEARTH_NN_FAMILY(Fn, family, op, ref, v4, avx2)         \
    const std::vector<KernelVariant<Fn>>& family##_variants() { \
        static const std::vector<KernelVariant<Fn>> variants =  \
            HEARTH_NN_VARIANTS(op, ref, v4, avx2);              \
        return variants;                                        \
    }                                                           \
    Fn family() {                                               \
        static const Fn fn = fastest_variant(family##_variants());      \
        return fn;                                              \
    }

HEARTH_NN_FAMILY(LayerNormF32Fn, layernorm_f32, "layernorm", layernorm_f32_ref, layernorm_f32_v4,
                 layernorm_f32_avx2)
HEARTH_NN_FAMILY(SoftmaxF32Fn, softmax_f32, "softmax", softmax_f32_ref, softmax_f32_v4,
                 softmax_f32_avx2)
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
        HEARTH_NN_VARIANTS("linear", linear_f32_ref, linear_f32_v4, linear_f32_avx2);
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
HEARTH_NN_FAMILY(LinearF32Fn, linear_f32, "linear", linear_f32_ref, linear_f32_v4, linear_f32_avx2)
#endif
HEARTH_NN_FAMILY(AttnScoresF32Fn, attn_scores_f32, "attn_scores", attn_scores_f32_ref,
                 attn_scores_f32_v4, attn_scores_f32_avx2)
HEARTH_NN_FAMILY(AttnWeightedSumF32Fn, attn_weighted_sum_f32, "attn_wsum",
                 attn_weighted_sum_f32_ref, attn_weighted_sum_f32_v4, attn_weighted_sum_f32_avx2)
HEARTH_NN_FAMILY(ActivationF32Fn, relu_f32, "relu", relu_f32_ref, relu_f32_v4, relu_f32_avx2)
HEARTH_NN_FAMILY(ActivationF32Fn, gelu_f32, "gelu", gelu_f32_ref, gelu_f32_v4, gelu_f32_avx2)

}  // namespace hearth
