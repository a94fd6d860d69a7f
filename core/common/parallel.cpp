#include "core/common/parallel.h"

#include <algorithm>
#include <cstdint>

// Threads exist natively and in WebAssembly built with -pthread.
#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#define HEARTH_THREADS 1
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace hearth {

namespace {

unsigned g_threads = 1;

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
class Pool {
public:
    ~Pool() { resize(0); }

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

    void run(const Split& s, RowsFn fn, void* context) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            split_ = s;
            fn_ = fn;
            context_ = context;
            pending_.store(s.parts - 1, std::memory_order_relaxed);
            ++generation_;
        }
        start_.notify_all();
        fn(context, s.begin[0], s.begin[1]);
        // The caller spins rather than sleeps: its own range takes about as long as the
        // others, and a browser's main thread may not block (WebAssembly would busy-wait
        // there anyway, with a console warning).
        while (pending_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
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
            fn(context, begin, end);
            pending_.fetch_sub(1, std::memory_order_release);
        }
    }

    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable start_;
    uint64_t generation_ = 0;
    std::atomic<unsigned> pending_{0};
    bool stop_ = false;
    Split split_{};
    RowsFn fn_ = nullptr;
    void* context_ = nullptr;
};

Pool& pool() {
    static Pool p;
    return p;
}

#endif

}  // namespace

bool threads_available() {
#if defined(HEARTH_THREADS)
    return true;
#else
    return false;
#endif
}

void set_scoring_threads(unsigned threads) {
#if defined(HEARTH_THREADS)
    g_threads = std::clamp(threads, 1u, kMaxThreads);
    pool().resize(g_threads - 1);
#else
    (void)threads;
    g_threads = 1;
#endif
}

unsigned scoring_threads() { return g_threads; }

void parallel_rows(size_t n, size_t align, RowsFn fn, void* context) {
    if (n == 0) return;
#if defined(HEARTH_THREADS)
    if (g_threads > 1) {
        const Split s = split(n, align, g_threads);
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
