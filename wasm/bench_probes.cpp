// The bench build's additions to the product bindings (wasm/bindings.cpp), for scripts/bench
// and scripts/bench-pq: benchmark probes measured in the same instance as the timings, and a
// count of allocations. Linked only into the bench module (build/wasm/bench/hearth-bench.*),
// never into web/dist. Pointers are heap offsets.
#include <emscripten/bind.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/device/kernels/kernels.h"
#include "core/device/kernels/pq.h"

// ---------------------------------------------------------------- allocation counter
// Emscripten's dlmalloc defines malloc and the memalign family as weak aliases and keeps the
// originals as emscripten_builtin_*, so that a program can replace them: these count, then
// hand over. Every allocation of the module goes through here: C++ (operator new calls
// malloc; aligned new, aligned_alloc and posix_memalign end in memalign) and the page's own
// _malloc. calloc and realloc have no builtin name: -Wl,--wrap redirects their callers
// (CMakeLists.txt, hearth_bench) to __wrap_calloc / __wrap_realloc below.
extern "C" {
void* emscripten_builtin_malloc(size_t size);
void* emscripten_builtin_memalign(size_t alignment, size_t size);
void* __real_calloc(size_t count, size_t size);
void* __real_realloc(void* p, size_t size);
}

namespace {
size_t allocations = 0;  // the bench module is single-threaded
}

extern "C" {
void* malloc(size_t size) {
    ++allocations;
    return emscripten_builtin_malloc(size);
}
void* memalign(size_t alignment, size_t size) {
    ++allocations;
    return emscripten_builtin_memalign(alignment, size);
}
int posix_memalign(void** out, size_t alignment, size_t size) {
    if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return 22;  // EINVAL
    void* p = memalign(alignment, size);
    if (!p) return 12;  // ENOMEM
    *out = p;
    return 0;
}
void* aligned_alloc(size_t alignment, size_t size) {
    if (alignment % sizeof(void*) != 0 || size % alignment != 0) return nullptr;
    return memalign(alignment, size);
}
void* __wrap_calloc(size_t count, size_t size) {
    ++allocations;
    return __real_calloc(count, size);
}
void* __wrap_realloc(void* p, size_t size) {
    ++allocations;
    return __real_realloc(p, size);
}
}

namespace {

// Calls to malloc, calloc, realloc and the memalign family since the module started.
double allocationCount() { return static_cast<double>(allocations); }

// ---------------------------------------------------------------- probes
// `repeats` streaming reads of `count` floats at `ptr` (the memory-bandwidth floor).
float probeStreamSum(uintptr_t ptr, uint32_t count, uint32_t repeats) {
    const auto* x = reinterpret_cast<const float*>(ptr);
    const hearth::SumF32Fn sum = hearth::sum_f32();
    float total = 0.0f;
    for (uint32_t r = 0; r < repeats; ++r) total += sum(x, count);
    return total;
}

// The catalog-scoring kernel alone: out[i] = rows[i] . q over n rows of d floats.
void probeGemv(uintptr_t rows, uint32_t n, uint32_t d, uintptr_t q, uintptr_t out, uint32_t repeats) {
    const hearth::GemvF32Fn gemv = hearth::gemv_f32();
    for (uint32_t r = 0; r < repeats; ++r)
        gemv(reinterpret_cast<const float*>(rows), n, d, reinterpret_cast<const float*>(q),
             reinterpret_cast<float*>(out));
}

// The PQ fast scan alone (core/device/kernels/pq.h): `blocks` packed blocks of 32 items with
// 2 * pairs subspaces, u8 tables at `lut`, u16 sums to `out`; and the candidate selection
// over those sums (the best `k`).
void probePqScan(uintptr_t codes, uint32_t blocks, uint32_t pairs, uintptr_t lut, uintptr_t out, uint32_t repeats) {
    const hearth::PqScanFn scan = hearth::pq_scan();
    for (uint32_t r = 0; r < repeats; ++r)
        scan(reinterpret_cast<const uint8_t*>(codes), blocks, pairs, reinterpret_cast<const uint8_t*>(lut),
             reinterpret_cast<uint16_t*>(out));
}

void probePqSelect(uintptr_t sums, uint32_t n, uint32_t k, uint32_t repeats) {
    static std::vector<uint64_t> heap;
    static std::vector<uint32_t> top;
    for (uint32_t r = 0; r < repeats; ++r)
        hearth::pq_top_k_u16(reinterpret_cast<const uint16_t*>(sums), n, k, nullptr, heap, top);
}

}  // namespace

EMSCRIPTEN_BINDINGS(hearth_bench) {
    emscripten::function("allocationCount", &allocationCount);
    emscripten::function("probeStreamSum", &probeStreamSum);
    emscripten::function("probeGemv", &probeGemv);
    emscripten::function("probePqScan", &probePqScan);
    emscripten::function("probePqSelect", &probePqSelect);
}
