// The linear layer (LinearF32Fn in nn.h) through XNNPACK's fully-connected operator, for
// native builds that found Debian's libxnnpack-dev (HEARTH_HAVE_XNNPACK). WebAssembly
// keeps the project's own simd128 kernels; this file is not compiled there.
#pragma once
#include <cstddef>

namespace hearth {

// y = x W^T + b (+ add), exactly the contract of linear_f32_ref. Single-threaded (no
// thread pool). One XNNPACK operator per weight matrix and thread, created on first use
// (it packs W and b) and reused; a kept copy of W and b is compared on every call, so
// other weights later placed at the same address are never served stale packed weights.
// After a shape's first call, calls allocate nothing.
void linear_f32_xnnpack(const float* x, size_t rows, size_t in, const float* w, const float* b,
                        size_t out, const float* add, float* y);

// Whether XNNPACK initialized on this CPU (xnn_initialize succeeded).
bool xnnpack_available();

// Allocations XNNPACK has made through its allocator in this process (operator creation,
// weight packing), for the tests that check warm calls allocate nothing.
size_t xnnpack_allocations();

}  // namespace hearth
