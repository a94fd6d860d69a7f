// Splitting a memory-bound loop over rows (scoring a catalog) across a few threads. One
// process-wide pool of workers, started by set_scoring_threads(); at 1 thread (the default,
// and the only choice in a build without threads) the work runs on the calling thread and no
// thread exists. Ranges start at multiples of `align` rows, so a kernel that handles rows in
// blocks computes every row exactly as one call over all rows would: results are identical
// for any thread count.
#pragma once
#include <cstddef>
#include <type_traits>

namespace hearth {

// Whether this build can run threads (native builds; WebAssembly only when built with pthreads).
bool threads_available();
// Threads (the caller included) that parallel_rows uses from now on, clamped to [1, 8] (to
// 1 without threads). Starts or stops workers; not to be called while parallel_rows runs.
void set_scoring_threads(unsigned threads);
unsigned scoring_threads();

using RowsFn = void (*)(void* context, size_t begin, size_t end);

// fn(context, begin, end) over [0, n) in up to scoring_threads() contiguous ranges, the
// calling thread taking the first; returns when all are done. No allocation.
void parallel_rows(size_t n, size_t align, RowsFn fn, void* context);

// The same with a callable f(begin, end).
template <typename F>
void parallel_rows(size_t n, size_t align, F&& f) {
    using Fn = std::remove_reference_t<F>;
    parallel_rows(n, align, [](void* c, size_t b, size_t e) { (*static_cast<Fn*>(c))(b, e); },
                  const_cast<void*>(static_cast<const void*>(&f)));
}

}  // namespace hearth
