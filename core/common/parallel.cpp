#include "core/common/parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdint>

// Threads exist natively and in WebAssembly built with -pthread.
#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#define HEARTH_THREADS 1
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace hearth {

namespace {

// Read by every call without a lock; written only while the pool is held (set_scoring_threads).
std::atomic<unsigned> g_threads{1};

#if defined(HEARTH_THREADS)

constexpr unsigned kMaxThreads = 8;

// The ranges of one call: thread t takes [begin[t], begin[t + 1]).
struct Split {
    size_t begin[kMaxThreads + 1];
    unsigned parts;
};

Split split(size_t n, size_t align, unsigned threads) {
    Split s{};
    align = std::max<size_t>(align, 1);
    const size_t blocks = (n + align - 1) / align;
    const size_t per = (blocks + threads - 1) / std::max(threads, 1u);
    s.parts = 0;
    for (size_t at = 0; at < n && s.parts < threads; ++s.parts) {
        s.begin[s.parts] = at;
        at = std::min(n, at + per * align);
        s.begin[s.parts + 1] = at;
    }
    return s;
}

// Workers wait for a new generation of work, run their range, and count themselves done.
// One call at a time: whoever holds `busy_` (acquire/release) owns the workers and the
// fields of the current call.
class Pool {
public:
    ~Pool() { resize(0); }

    // Takes the pool for one call; false if another call holds it (a call from inside a
    // range included, so no call ever waits for a call that waits for it).
    bool try_acquire() {
        bool expected = false;
        return busy_.compare_exchange_strong(expected, true, std::memory_order_acquire);
    }
    // Waits until the pool is free and takes it (set_scoring_threads only).
    void acquire() {
        while (!try_acquire()) std::this_thread::yield();
    }
    void release() { busy_.store(false, std::memory_order_release); }

    // The pool must be held.
    void resize(unsigned workers) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        start_.notify_all();
        for (std::thread& t : threads_) t.join();
        threads_.clear();
        stop_ = false;
        // A new worker starts from the current generation: the last call's work is done.
        const uint64_t current = generation_;
        for (unsigned w = 0; w < workers; ++w)
            threads_.emplace_back([this, w, current] { work(w + 1, current); });
    }

    // The pool must be held. Returns after every range has ended, thrown or not, then
    // rethrows the caller's exception or else the first worker's.
    void run(const Split& s, RowsFn fn, void* context) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            split_ = s;
            fn_ = fn;
            context_ = context;
            error_ = nullptr;
            pending_.store(s.parts - 1, std::memory_order_relaxed);
            ++generation_;
        }
        start_.notify_all();
        std::exception_ptr mine;
        try {
            fn(context, s.begin[0], s.begin[1]);
        } catch (...) {
            mine = std::current_exception();
        }
        // The caller spins rather than sleeps: its own range takes about as long as the
        // others, and a browser's main thread may not block (WebAssembly would busy-wait
        // there anyway, with a console warning).
        while (pending_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
        if (mine) std::rethrow_exception(mine);
        std::exception_ptr theirs;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            theirs = error_;
            error_ = nullptr;
        }
        if (theirs) std::rethrow_exception(theirs);
    }

private:
    void work(unsigned part, uint64_t seen) {
        for (;;) {
            std::unique_lock<std::mutex> lock(mutex_);
            start_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_) return;
            seen = generation_;
            if (part >= split_.parts) continue;  // fewer ranges than threads this time
            const size_t begin = split_.begin[part], end = split_.begin[part + 1];
            RowsFn fn = fn_;
            void* context = context_;
            lock.unlock();
            try {
                fn(context, begin, end);
            } catch (...) {
                // An exception must not leave a worker (std::terminate): keep the first.
                std::lock_guard<std::mutex> error_lock(mutex_);
                if (!error_) error_ = std::current_exception();
            }
            pending_.fetch_sub(1, std::memory_order_release);
        }
    }

    std::atomic<bool> busy_{false};
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable start_;
    uint64_t generation_ = 0;
    std::atomic<unsigned> pending_{0};
    bool stop_ = false;
    Split split_{};
    RowsFn fn_ = nullptr;
    void* context_ = nullptr;
    std::exception_ptr error_;
};

Pool& pool() {
    static Pool p;
    return p;
}

// Releases the pool however the call ends.
struct Held {
    ~Held() { pool().release(); }
};

#endif

}  // namespace

bool threads_available() {
#if defined(HEARTH_THREADS)
    return true;
#else
    return false;
#endif
}

unsigned max_scoring_threads() {
#if defined(__EMSCRIPTEN__) && defined(HEARTH_THREADS)
    return std::min(unsigned(HEARTH_WASM_PTHREAD_POOL_SIZE) + 1, kMaxThreads);
#elif defined(HEARTH_THREADS)
    // Computed once: it cannot change under a running process in any way we could use.
    static const unsigned hardware = std::max(std::thread::hardware_concurrency(), 1u);
    return std::min(hardware, kMaxThreads);
#else
    return 1;
#endif
}

void set_scoring_threads(unsigned threads) {
#if defined(HEARTH_THREADS)
    const unsigned clamped = std::clamp(threads, 1u, max_scoring_threads());
    pool().acquire();
    Held held;
    if (clamped != g_threads.load(std::memory_order_relaxed)) pool().resize(clamped - 1);
    g_threads.store(clamped, std::memory_order_relaxed);
#else
    (void)threads;
#endif
}

unsigned scoring_threads() { return g_threads.load(std::memory_order_relaxed); }

void parallel_rows(size_t n, size_t align, RowsFn fn, void* context) {
    if (n == 0) return;
#if defined(HEARTH_THREADS)
    if (g_threads.load(std::memory_order_relaxed) > 1 && pool().try_acquire()) {
        Held held;
        // Read again while held: set_scoring_threads may have changed it just before.
        const Split s = split(n, align, g_threads.load(std::memory_order_relaxed));
        if (s.parts > 1) {
            pool().run(s, fn, context);
            return;
        }
    }
#else
    (void)align;
#endif
    fn(context, 0, n);
}

}  // namespace hearth
