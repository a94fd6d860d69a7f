#include "core/device/kernels/xnn_linear.h"

#include <xnnpack.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "core/device/kernels/nn.h"

namespace hearth {

namespace {

// XNNPACK's allocations go through this allocator (plain malloc/free underneath), counted
// so that a test can see that warm calls make none.
std::atomic<size_t> g_xnn_allocations{0};

void* xnn_alloc(void*, size_t size) {
    g_xnn_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size);
}
void* xnn_realloc(void*, void* p, size_t size) {
    g_xnn_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::realloc(p, size);
}
void xnn_free(void*, void* p) { std::free(p); }
void* xnn_aligned_alloc(void*, size_t alignment, size_t size) {
    g_xnn_allocations.fetch_add(1, std::memory_order_relaxed);
    void* p = nullptr;
    if (alignment < sizeof(void*)) alignment = sizeof(void*);
    return posix_memalign(&p, alignment, size ? size : 1) == 0 ? p : nullptr;
}
void xnn_aligned_free(void*, void* p) { std::free(p); }

bool init_xnnpack() {
    static const bool ok = [] {
        static xnn_allocator allocator{};
        allocator.context = nullptr;
        allocator.allocate = xnn_alloc;
        allocator.reallocate = xnn_realloc;
        allocator.deallocate = xnn_free;
        allocator.aligned_allocate = xnn_aligned_alloc;
        allocator.aligned_deallocate = xnn_aligned_free;
        return xnn_initialize(&allocator) == xnn_status_success;
    }();
    return ok;
}

// XNNPACK's kernels may read up to XNN_EXTRA_BYTES past the end of an input; the last row
// is run from a padded copy so that nothing past the caller's x is ever touched.
constexpr size_t kPadFloats = (XNN_EXTRA_BYTES + sizeof(float) - 1) / sizeof(float);

struct Entry {
    const float* w = nullptr;
    const float* b = nullptr;
    size_t in = 0, out = 0;
    std::vector<float> w_copy, b_copy;
    xnn_operator_t op = nullptr;
    uint64_t used = 0;
};

// A thread's operators, one per (w, b, in, out), least recently used evicted past
// kMaxEntries (an encoder uses 6 per block). Operators are not shared between threads:
// setting one up writes into it.
class OperatorCache {
public:
    OperatorCache() { entries_.reserve(kMaxEntries); }
    ~OperatorCache() {
        for (Entry& e : entries_)
            if (e.op) xnn_delete_operator(e.op);
    }
    OperatorCache(const OperatorCache&) = delete;
    OperatorCache& operator=(const OperatorCache&) = delete;

    xnn_operator_t get(const float* w, const float* b, size_t in, size_t out) {
        Entry* e = nullptr;
        for (Entry& c : entries_)
            if (c.w == w && c.b == b && c.in == in && c.out == out) {
                e = &c;
                break;
            }
        if (e && e->op && !same_weights(*e)) drop(*e);
        if (!e) {
            if (entries_.size() < kMaxEntries) {
                e = &entries_.emplace_back();
            } else {
                e = &entries_.front();
                for (Entry& c : entries_)
                    if (c.used < e->used) e = &c;
                drop(*e);
            }
            e->w = w;
            e->b = b;
            e->in = in;
            e->out = out;
        }
        if (!e->op) {
            e->w_copy.assign(w, w + in * out);
            if (b) e->b_copy.assign(b, b + out);
            else e->b_copy.clear();
            if (xnn_create_fully_connected_nc_f32(in, out, in, out, w, b,
                                                  -std::numeric_limits<float>::infinity(),
                                                  std::numeric_limits<float>::infinity(), 0,
                                                  &e->op) != xnn_status_success)
                e->op = nullptr;
        }
        e->used = ++clock_;
        return e->op;
    }

    float* scratch(size_t n) {
        if (scratch_.size() < n) scratch_.resize(n);
        return scratch_.data();
    }
    float* padded_row(const float* row, size_t in) {
        if (row_.size() < in + kPadFloats) row_.assign(in + kPadFloats, 0.0f);
        std::memcpy(row_.data(), row, in * sizeof(float));
        return row_.data();
    }

private:
    static constexpr size_t kMaxEntries = 64;

    static bool same_weights(const Entry& e) {
        return std::memcmp(e.w_copy.data(), e.w, e.in * e.out * sizeof(float)) == 0 &&
               (!e.b || std::memcmp(e.b_copy.data(), e.b, e.out * sizeof(float)) == 0);
    }
    static void drop(Entry& e) {
        if (e.op) xnn_delete_operator(e.op);
        e.op = nullptr;
    }

    std::vector<Entry> entries_;
    std::vector<float> scratch_, row_;
    uint64_t clock_ = 0;
};

bool run(xnn_operator_t op, size_t rows, const float* x, float* y) {
    return xnn_setup_fully_connected_nc_f32(op, rows, x, y, nullptr) == xnn_status_success &&
           xnn_run_operator(op, nullptr) == xnn_status_success;
}

}  // namespace

bool xnnpack_available() { return init_xnnpack(); }

size_t xnnpack_allocations() { return g_xnn_allocations.load(std::memory_order_relaxed); }

void linear_f32_xnnpack(const float* x, size_t rows, size_t in, const float* w, const float* b,
                        size_t out, const float* add, float* y) {
    if (rows == 0 || out == 0) return;
    thread_local OperatorCache cache;
    const xnn_operator_t op = in > 0 && init_xnnpack() ? cache.get(w, b, in, out) : nullptr;
    // add == y (a fused residual): XNNPACK's output goes to scratch first.
    float* dst = add == y ? cache.scratch(rows * out) : y;
    const bool ok = op && (rows == 1 || run(op, rows - 1, x, dst)) &&
                    run(op, 1, cache.padded_row(x + (rows - 1) * in, in), dst + (rows - 1) * out);
    if (!ok) {  // creation failed (out of memory) or a degenerate shape: the reference
        linear_f32_ref(x, rows, in, w, b, out, add, y);
        return;
    }
    if (add)
        for (size_t i = 0, n = rows * out; i < n; ++i) y[i] = dst[i] + add[i];
}

}  // namespace hearth
