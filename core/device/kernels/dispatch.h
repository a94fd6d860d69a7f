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

}  // namespace hearth
