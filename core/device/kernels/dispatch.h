// What the kernel families share: this build's instruction-set headers, the CPU checks
// behind a variant's `available` flag, and the one rule that picks the variant a family
// dispatches to. For the kernel sources only.
#pragma once
#include <vector>

#include "core/device/kernels/kernels.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#elif defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HEARTH_X86 1
#endif

// The 4-lane variants: SSE2 natively, simd128 in wasm (a build has one or the other).
#if defined(__wasm_simd128__)
#define HEARTH_V4 1
#define HEARTH_V4_ISA "simd128"
#elif defined(HEARTH_X86)
#define HEARTH_V4 1
#define HEARTH_V4_ISA "sse2"
#endif

namespace hearth {

#if defined(HEARTH_X86)
// Whether this CPU runs the AVX2 / SSSE3 variants (SSE2 is part of x86-64).
bool cpu_has_avx2();
bool cpu_has_ssse3();
#endif

// A family's dispatched variant: the last available one, since every list runs from the
// reference (slowest) to the fastest. Each family asks once, into a function-local static,
// so the choice is made outside every loop.
template <typename Fn>
Fn fastest_variant(const std::vector<KernelVariant<Fn>>& variants) {
    Fn best = variants.front().fn;
    for (const KernelVariant<Fn>& v : variants)
        if (v.available) best = v.fn;
    return best;
}

// The variant list of a family with a reference, a 4-lane and an AVX2 variant, each named
// prefix__isa (e.g. "f32_gemv__avx2"); a build lists those it compiles.
#if defined(HEARTH_X86)
#define HEARTH_KERNEL_VARIANTS(prefix, ref, v4, avx2)   \
    {{prefix "__ref", ref, true},                       \
     {prefix "__" HEARTH_V4_ISA, v4, true},             \
     {prefix "__avx2", avx2, cpu_has_avx2()}}
#elif defined(HEARTH_V4)
#define HEARTH_KERNEL_VARIANTS(prefix, ref, v4, avx2) \
    {{prefix "__ref", ref, true}, {prefix "__" HEARTH_V4_ISA, v4, true}}
#else
#define HEARTH_KERNEL_VARIANTS(prefix, ref, v4, avx2) {{prefix "__ref", ref, true}}
#endif

// Such a family's family_variants() and family(), its dispatched variant.
#define HEARTH_KERNEL_FAMILY(Fn, family, prefix, ref, v4, avx2)          \
    const std::vector<KernelVariant<Fn>>& family##_variants() {          \
        static const std::vector<KernelVariant<Fn>> variants =           \
            HEARTH_KERNEL_VARIANTS(prefix, ref, v4, avx2);               \
        return variants;                                                 \
    }                                                                    \
    Fn family() {                                                        \
        static const Fn fn = fastest_variant(family##_variants());       \
        return fn;                                                       \
    }

}  // namespace hearth
