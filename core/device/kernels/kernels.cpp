#include "core/device/kernels/kernels.h"

#include "core/device/kernels/dispatch.h"
#include "core/device/kernels/vec.h"

namespace hearth {

float dot_f32_ref(const float* a, const float* b, size_t n) {
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

void gemv_f32_ref(const float* rows, size_t n, size_t d, const float* q, float* out) {
    for (size_t i = 0; i < n; ++i) out[i] = dot_f32_ref(rows + i * d, q, d);
}

float sum_f32_ref(const float* x, size_t n) {
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i) sum += x[i];
    return sum;
}

namespace {

#if defined(HEARTH_V4)
namespace v4 {
using V = f4;
constexpr size_t kW = 4;
inline V v_zero() { return f4_zero(); }
inline V v_load(const float* p) { return f4_load(p); }
inline V v_add(V a, V b) { return f4_add(a, b); }
inline V v_mul(V a, V b) { return f4_mul(a, b); }
inline float v_hsum(V v) { return f4_hsum_seq(v); }
inline void v_store_sum4(float* out, V a, V b, V c, V d) { f4_store(out, f4_sum4(a, b, c, d)); }
#define HEARTH_F32_ATTR
#include "core/device/kernels/kernels_simd.inc"
#undef HEARTH_F32_ATTR
}  // namespace v4
#endif

#if defined(HEARTH_X86)
namespace avx2 {
#define HEARTH_F32_ATTR HEARTH_AVX2
using V = __m256;
constexpr size_t kW = 8;
HEARTH_F32_ATTR inline V v_zero() { return _mm256_setzero_ps(); }
HEARTH_F32_ATTR inline V v_load(const float* p) { return _mm256_loadu_ps(p); }
HEARTH_F32_ATTR inline V v_add(V a, V b) { return _mm256_add_ps(a, b); }
HEARTH_F32_ATTR inline V v_mul(V a, V b) { return _mm256_mul_ps(a, b); }
HEARTH_F32_ATTR inline float v_hsum(V v) { return f4_hsum_seq(f8_half_sum(v)); }
// hadd twice: lane i of the result is ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) of
// the i-th vector, in one store for four rows.
HEARTH_F32_ATTR inline void v_store_sum4(float* out, V a, V b, V c, V d) {
    const __m256 abcd = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
    _mm_storeu_ps(out, f8_half_sum(abcd));
}
#include "core/device/kernels/kernels_simd.inc"
#undef HEARTH_F32_ATTR
}  // namespace avx2
#endif

}  // namespace

#if defined(HEARTH_X86)
bool cpu_has_avx2() {
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }();
    return has;
}

bool cpu_has_ssse3() {
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("ssse3") != 0;
    }();
    return has;
}
#endif

HEARTH_KERNEL_FAMILY(DotF32Fn, dot_f32, "f32_dot", dot_f32_ref, v4::dot, avx2::dot)
HEARTH_KERNEL_FAMILY(GemvF32Fn, gemv_f32, "f32_gemv", gemv_f32_ref, v4::gemv, avx2::gemv)
HEARTH_KERNEL_FAMILY(SumF32Fn, sum_f32, "f32_sum", sum_f32_ref, v4::sum, avx2::sum)

}  // namespace hearth
