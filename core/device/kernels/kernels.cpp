#include "core/device/kernels/kernels.h"

#include "core/device/kernels/dispatch.h"

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

#if defined(__wasm_simd128__)

float hsum(v128_t v) {
    return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
           wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

float dot_f32_simd128(const float* a, const float* b, size_t n) {
    v128_t acc0 = wasm_f32x4_splat(0.0f), acc1 = acc0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
        acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(wasm_v128_load(a + i + 4),
                                                   wasm_v128_load(b + i + 4)));
    }
    for (; i + 4 <= n; i += 4)
        acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    return hsum(wasm_f32x4_add(acc0, acc1)) + dot_f32_ref(a + i, b + i, n - i);
}

// [sum(a), sum(b), sum(c), sum(d)] with shuffles: one store for four rows instead of
// sixteen lane extracts.
v128_t hsum4(v128_t a, v128_t b, v128_t c, v128_t d) {
    const v128_t ab = wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
    const v128_t cd = wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
    return wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

// Rows are read one after another, front to back, so the catalog is a single sequential
// stream. Reading several rows side by side (each query chunk reused from a register for
// eight rows 256 B apart) measured well below the streaming probe on large catalogs in
// scripts/bench; one row at a time measured close to it, though it reloads the query (from
// L1) for every row. The sums of four rows leave in one store. D > 0 fixes the width at
// compile time (fully unrolled, R rows a pass); D == 0 is the generic loop for any multiple
// of 8 (four rows a pass: more rows spill the partial sums to the stack). Returns how many
// rows it scored (a multiple of R).
template <size_t D, size_t R>
size_t gemv_f32_rows_simd128(const float* rows, size_t n, size_t d, const float* q, float* out) {
    static_assert(R % 4 == 0, "sums leave four at a time");
    const size_t width = D ? D : d;
    size_t i = 0;
    for (; i + R <= n; i += R) {
        v128_t sums[R];
        for (size_t r = 0; r < R; ++r) {
            const float* x = rows + (i + r) * width;
            v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0;
            for (size_t j = 0; j < width; j += 8) {
                a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(x + j), wasm_v128_load(q + j)));
                a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(x + j + 4), wasm_v128_load(q + j + 4)));
            }
            sums[r] = wasm_f32x4_add(a0, a1);
        }
        for (size_t r = 0; r < R; r += 4)
            wasm_v128_store(out + i + r, hsum4(sums[r], sums[r + 1], sums[r + 2], sums[r + 3]));
    }
    return i;
}

void gemv_f32_simd128(const float* rows, size_t n, size_t d, const float* q, float* out) {
    size_t done = 0;
    if (d == 64) done = gemv_f32_rows_simd128<64, 16>(rows, n, d, q, out);
    else if (d == 32) done = gemv_f32_rows_simd128<32, 16>(rows, n, d, q, out);
    else if (d == 128) done = gemv_f32_rows_simd128<128, 8>(rows, n, d, q, out);
    else if (d % 8 == 0) done = gemv_f32_rows_simd128<0, 4>(rows, n, d, q, out);
    for (size_t i = done; i < n; ++i) out[i] = dot_f32_simd128(rows + i * d, q, d);
}

// Four independent accumulators (16 floats a pass): bound by loads, not by add latency.
float sum_f32_simd128(const float* x, size_t n) {
    v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = wasm_f32x4_add(a0, wasm_v128_load(x + i));
        a1 = wasm_f32x4_add(a1, wasm_v128_load(x + i + 4));
        a2 = wasm_f32x4_add(a2, wasm_v128_load(x + i + 8));
        a3 = wasm_f32x4_add(a3, wasm_v128_load(x + i + 12));
    }
    for (; i + 4 <= n; i += 4) a0 = wasm_f32x4_add(a0, wasm_v128_load(x + i));
    return hsum(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3))) +
           sum_f32_ref(x + i, n - i);
}

#endif

#if defined(HEARTH_X86)

float hsum_sse(__m128 v) {
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, v);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

float dot_f32_sse2(const float* a, const float* b, size_t n) {
    __m128 acc0 = _mm_setzero_ps(), acc1 = _mm_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        acc0 = _mm_add_ps(acc0, _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i)));
        acc1 = _mm_add_ps(acc1, _mm_mul_ps(_mm_loadu_ps(a + i + 4), _mm_loadu_ps(b + i + 4)));
    }
    for (; i + 4 <= n; i += 4)
        acc0 = _mm_add_ps(acc0, _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i)));
    return hsum_sse(_mm_add_ps(acc0, acc1)) + dot_f32_ref(a + i, b + i, n - i);
}

void gemv_f32_sse2(const float* rows, size_t n, size_t d, const float* q, float* out) {
    const size_t d4 = d & ~size_t(3);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float* r0 = rows + i * d;
        const float* r1 = r0 + d;
        const float* r2 = r1 + d;
        const float* r3 = r2 + d;
        __m128 a0 = _mm_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < d4; j += 4) {
            const __m128 qv = _mm_loadu_ps(q + j);
            a0 = _mm_add_ps(a0, _mm_mul_ps(_mm_loadu_ps(r0 + j), qv));
            a1 = _mm_add_ps(a1, _mm_mul_ps(_mm_loadu_ps(r1 + j), qv));
            a2 = _mm_add_ps(a2, _mm_mul_ps(_mm_loadu_ps(r2 + j), qv));
            a3 = _mm_add_ps(a3, _mm_mul_ps(_mm_loadu_ps(r3 + j), qv));
        }
        out[i] = hsum_sse(a0) + dot_f32_ref(r0 + d4, q + d4, d - d4);
        out[i + 1] = hsum_sse(a1) + dot_f32_ref(r1 + d4, q + d4, d - d4);
        out[i + 2] = hsum_sse(a2) + dot_f32_ref(r2 + d4, q + d4, d - d4);
        out[i + 3] = hsum_sse(a3) + dot_f32_ref(r3 + d4, q + d4, d - d4);
    }
    for (; i < n; ++i) out[i] = dot_f32_sse2(rows + i * d, q, d);
}

float sum_f32_sse2(const float* x, size_t n) {
    __m128 a0 = _mm_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm_add_ps(a0, _mm_loadu_ps(x + i));
        a1 = _mm_add_ps(a1, _mm_loadu_ps(x + i + 4));
        a2 = _mm_add_ps(a2, _mm_loadu_ps(x + i + 8));
        a3 = _mm_add_ps(a3, _mm_loadu_ps(x + i + 12));
    }
    for (; i + 4 <= n; i += 4) a0 = _mm_add_ps(a0, _mm_loadu_ps(x + i));
    return hsum_sse(_mm_add_ps(_mm_add_ps(a0, a1), _mm_add_ps(a2, a3))) + sum_f32_ref(x + i, n - i);
}

__attribute__((target("avx2"))) float hsum_avx(__m256 v) {
    return hsum_sse(_mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1)));
}

__attribute__((target("avx2"))) float dot_f32_avx2(const float* a, const float* b, size_t n) {
    __m256 acc = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
    return hsum_avx(acc) + dot_f32_ref(a + i, b + i, n - i);
}

// [sum(a), sum(b), sum(c), sum(d)] for four 8-float accumulators, in one vector.
__attribute__((target("avx2"))) __m128 hsum4_avx(__m256 a, __m256 b, __m256 c, __m256 d) {
    const __m256 ab = _mm256_hadd_ps(a, b);  // a01 a23 b01 b23 | a45 a67 b45 b67
    const __m256 cd = _mm256_hadd_ps(c, d);
    const __m256 abcd = _mm256_hadd_ps(ab, cd);  // a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7
    return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

// As gemv_f32_simd128: rows read one after another (a single sequential stream), four rows'
// sums leaving in one store.
__attribute__((target("avx2"))) void gemv_f32_avx2(const float* rows, size_t n, size_t d,
                                                   const float* q, float* out) {
    size_t i = 0;
    if (d % 8 == 0) {
        for (; i + 4 <= n; i += 4) {
            __m256 sums[4];
            for (size_t r = 0; r < 4; ++r) {
                const float* x = rows + (i + r) * d;
                __m256 a0 = _mm256_setzero_ps(), a1 = a0;
                size_t j = 0;
                for (; j + 16 <= d; j += 16) {
                    a0 = _mm256_add_ps(a0, _mm256_mul_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(q + j)));
                    a1 = _mm256_add_ps(a1, _mm256_mul_ps(_mm256_loadu_ps(x + j + 8), _mm256_loadu_ps(q + j + 8)));
                }
                if (j < d) a0 = _mm256_add_ps(a0, _mm256_mul_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(q + j)));
                sums[r] = _mm256_add_ps(a0, a1);
            }
            _mm_storeu_ps(out + i, hsum4_avx(sums[0], sums[1], sums[2], sums[3]));
        }
    }
    for (; i < n; ++i) out[i] = dot_f32_avx2(rows + i * d, q, d);
}

__attribute__((target("avx2"))) float sum_f32_avx2(const float* x, size_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
    return hsum_avx(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3))) +
           sum_f32_ref(x + i, n - i);
}

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

const std::vector<KernelVariant<DotF32Fn>>& dot_f32_variants() {
    static const std::vector<KernelVariant<DotF32Fn>> variants = {
        {"f32_dot__ref", dot_f32_ref, true},
#if defined(__wasm_simd128__)
        {"f32_dot__simd128", dot_f32_simd128, true},
#endif
#if defined(HEARTH_X86)
        {"f32_dot__sse2", dot_f32_sse2, true},
        {"f32_dot__avx2", dot_f32_avx2, cpu_has_avx2()},
#endif
    };
    return variants;
}

const std::vector<KernelVariant<GemvF32Fn>>& gemv_f32_variants() {
    static const std::vector<KernelVariant<GemvF32Fn>> variants = {
        {"f32_gemv__ref", gemv_f32_ref, true},
#if defined(__wasm_simd128__)
        {"f32_gemv__simd128", gemv_f32_simd128, true},
#endif
#if defined(HEARTH_X86)
        {"f32_gemv__sse2", gemv_f32_sse2, true},
        {"f32_gemv__avx2", gemv_f32_avx2, cpu_has_avx2()},
#endif
    };
    return variants;
}

const std::vector<KernelVariant<SumF32Fn>>& sum_f32_variants() {
    static const std::vector<KernelVariant<SumF32Fn>> variants = {
        {"f32_sum__ref", sum_f32_ref, true},
#if defined(__wasm_simd128__)
        {"f32_sum__simd128", sum_f32_simd128, true},
#endif
#if defined(HEARTH_X86)
        {"f32_sum__sse2", sum_f32_sse2, true},
        {"f32_sum__avx2", sum_f32_avx2, cpu_has_avx2()},
#endif
    };
    return variants;
}

DotF32Fn dot_f32() {
    static const DotF32Fn fn = fastest_variant(dot_f32_variants());
    return fn;
}

GemvF32Fn gemv_f32() {
    static const GemvF32Fn fn = fastest_variant(gemv_f32_variants());
    return fn;
}

SumF32Fn sum_f32() {
    static const SumF32Fn fn = fastest_variant(sum_f32_variants());
    return fn;
}

}  // namespace hearth
