// Splitting a memory-bound loop over rows (scoring a catalog) across a few threads. One
// process-wide pool of workers, started by set_scoring_threads(); at 1 thread (the default,
// and the only choice in a build without threads) the work runs on the calling thread and no
// thread exists. Ranges start at multiples of `align` rows, so a kernel that handles rows in
// blocks computes every row exactly as one call over all rows would: results are identical
// for any thread count.
//
// The pool is shared (a wasm page has a fixed set of pre-started pthreads, so one pool per
// engine could not exist there) and runs one call at a time: a call that finds it busy (an
// engine scoring on another thread, or a call from inside a range) runs all its rows on its
// own thread, which gives the same results, and never waits for the other call.
#pragma once
#include <cstddef>
#include <exception>
#include <thread>
#include <type_traits>
#include <vector>

// How many workers the threaded wasm module starts with it (its -sPTHREAD_POOL_SIZE link
// flag). A wasm thread beyond them starts only after returning to the event loop, which a
// synchronous scoring call never does: it would hang. Keep the two in step.
#ifndef HEARTH_WASM_PTHREAD_POOL_SIZE
#define HEARTH_WASM_PTHREAD_POOL_SIZE 3
#endif

namespace hearth {

// Whether this build can run threads (native builds; WebAssembly only when built with pthreads).
bool threads_available();
// The most threads (the caller included) scoring can use: natively the hardware's threads,
// in threaded wasm the pre-started workers + 1, without threads 1; never more than 8.
unsigned max_scoring_threads();
// Threads (the caller included) that parallel_rows uses from now on, clamped to
// [1, max_scoring_threads()]. Starts or stops workers; safe to call from any thread at any
// time (it waits for a running call to finish), except from inside a range.
void set_scoring_threads(unsigned threads);
unsigned scoring_threads();

using RowsFn = void (*)(void* context, size_t begin, size_t end);

// fn(context, begin, end) over [0, n) in up to scoring_threads() contiguous ranges, the
// calling thread taking the first; returns when all are done. No allocation. If a range
// throws, the first exception is rethrown once every range has finished (the others still
// run to their end), so nothing writes into the caller's buffers after the return.
void parallel_rows(size_t n, size_t align, RowsFn fn, void* context);

// The same with a callable f(begin, end).
template <typename F>
void parallel_rows(size_t n, size_t align, F&& f) {
    using Fn = std::remove_reference_t<F>;
    parallel_rows(n, align, [](void* c, size_t b, size_t e) { (*static_cast<Fn*>(c))(b, e); },
                  const_cast<void*>(static_cast<const void*>(&f)));
}

// The native side's one way to start threads (training, evaluation): fn(t) for every t in
// [0, parts), each on its own thread (t = 0 on the caller's), and returns when all are
// done. Each caller gives part t a fixed share of the work and combines the parts in order
// of t, so results do not depend on timing. If a part throws, the first exception (by t) is
// rethrown once every part has finished. Not for the device side: it starts threads per call,
// which a wasm page cannot; scoring uses the pool above.
template <typename F>
void parallel_for(unsigned parts, F&& fn) {
    if (parts <= 1) {
        fn(0u);
        return;
    }
    std::vector<std::exception_ptr> errors(parts);
    auto run = [&](unsigned t) {
        try {
            fn(t);
        } catch (...) {
            errors[t] = std::current_exception();
        }
    };
    std::vector<std::thread> threads;
    threads.reserve(parts - 1);
    for (unsigned t = 1; t < parts; ++t) threads.emplace_back(run, t);
    run(0u);
    for (std::thread& th : threads) th.join();
    for (const std::exception_ptr& e : errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace hearth
