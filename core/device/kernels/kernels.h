// Dense float kernels on the scoring hot path. Each family has a scalar `_ref` version
// that defines the result, and SIMD variants that must match it within rounding:
// SSE2 and AVX2 natively (chosen once at run time), simd128 in WebAssembly.
#pragma once
#include <cstddef>
#include <vector>

namespace hearth {

// out[i] = rows[i*d .. i*d+d) . q   for i in [0, n)
using GemvF32Fn = void (*)(const float* rows, size_t n, size_t d, const float* q, float* out);
using DotF32Fn = float (*)(const float* a, const float* b, size_t n);
// The sum of x[0 .. n): a pure streaming read, the memory-bandwidth probe that scripts/bench
// measures every scoring kernel against (not used on the scoring path itself). The SIMD
// variants keep several accumulators so that the loop is bound by loads, not by add latency.
using SumF32Fn = float (*)(const float* x, size_t n);

float dot_f32_ref(const float* a, const float* b, size_t n);
void gemv_f32_ref(const float* rows, size_t n, size_t d, const float* q, float* out);
float sum_f32_ref(const float* x, size_t n);

template <typename Fn>
struct KernelVariant {
    const char* name;  // dtype_op__isa, e.g. "f32_gemv__avx2"
    Fn fn;
    bool available;    // false when this CPU / build cannot run it
};

// Every variant compiled into this build, the reference first. Tests and benchmarks
// iterate these lists, so a new variant cannot go untested or unmeasured.
const std::vector<KernelVariant<DotF32Fn>>& dot_f32_variants();
const std::vector<KernelVariant<GemvF32Fn>>& gemv_f32_variants();
const std::vector<KernelVariant<SumF32Fn>>& sum_f32_variants();

// Row ranges that split a catalog between threads start at multiples of this: every kernel
// handles rows in blocks of 16 or fewer (dividing 16), so each row is computed the same way
// as in one call over the whole catalog.
constexpr size_t kScoringAlign = 16;

// The fastest available variant, chosen once.
DotF32Fn dot_f32();
GemvF32Fn gemv_f32();
SumF32Fn sum_f32();

}  // namespace hearth
