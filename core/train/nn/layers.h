// Batched forward and hand-written backward of the layers SASRec is made of.
//
// Activations are row-major matrices (Tensor), one row per position, one column per feature.
// A batch is packed: the sequences sit back to back with no padding rows. This is the
// padding mask of a left-padded [batch, max_len] layout taken to its end: a padded key
// is never attended to because it does not exist, a padded query row neither costs
// work nor carries loss, and every real row sees exactly what it would see padded.
//
// Conventions: every function is templated on the scalar (float for training, double
// for the finite-difference tests); a backward writes the gradient of its input with `=`
// (the caller adds where paths join) and adds parameter gradients with `+=` (so shards,
// chunks and shared weights accumulate).
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "core/device/sasrec/model.h"

namespace hearth::train {

// Eigen's vectorised reductions and transcendental functions peel the unaligned head of a
// buffer with scalar code, so their rounding depends on where the buffer sits in memory.
// Every buffer the trainer computes on is therefore 64-byte aligned, which makes results
// repeatable run to run.
template <typename T>
struct AlignedAllocator {
    using value_type = T;
    static constexpr std::align_val_t alignment{64};
    AlignedAllocator() = default;
    template <typename U>
    AlignedAllocator(const AlignedAllocator<U>&) {}
    T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), alignment)); }
    void deallocate(T* p, size_t) { ::operator delete(p, alignment); }
    template <typename U>
    bool operator==(const AlignedAllocator<U>&) const { return true; }
    template <typename U>
    bool operator!=(const AlignedAllocator<U>&) const { return false; }
};
template <typename T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

// A row-major matrix. Eigen stays inside the trainer's .cpp files (compiled once per
// instruction-set variant, core/train/sasrec/sasrec_isa.h): an Eigen object crossing into
// code compiled for another instruction set would be freed with another alignment scheme,
// and its inline kernels would clash.
template <typename T>
struct Tensor {
    size_t rows = 0, cols = 0;
    AlignedVector<T> values;

    Tensor() = default;
    Tensor(size_t r, size_t c) : rows(r), cols(c), values(r * c, T(0)) {}
    void resize(size_t r, size_t c) {
        rows = r;
        cols = c;
        values.resize(r * c);
    }
    size_t size() const { return values.size(); }
    T* data() { return values.data(); }
    const T* data() const { return values.data(); }
    T* row(size_t r) { return values.data() + r * cols; }
    const T* row(size_t r) const { return values.data() + r * cols; }
    T& operator()(size_t r, size_t c) { return values[r * cols + c]; }
    T operator()(size_t r, size_t c) const { return values[r * cols + c]; }
};

struct PackedBatch {
    uint32_t max_len = 0;
    std::vector<uint32_t> items;        // input item of every row
    std::vector<uint32_t> targets;      // next item of every row (empty when encoding only)
    std::vector<uint32_t> offsets{0};   // sequence s owns rows offsets[s] .. offsets[s+1]-1
    std::vector<uint32_t> positions;    // position embedding row of every row
    std::vector<uint64_t> seeds;        // per sequence: its dropout masks derive from it

    explicit PackedBatch(uint32_t max_len_ = 0) : max_len(max_len_) {}
    size_t rows() const { return items.size(); }
    size_t sequences() const { return offsets.size() - 1; }
    uint32_t length(size_t s) const { return offsets[s + 1] - offsets[s]; }
    // Appends the last min(n, max_len) items (and their targets, when given). Positions
    // count back from the last item, which sits at max_len - 1 as in model.h.
    void add(const uint32_t* input, const uint32_t* target, size_t n, uint64_t seed);
};

// h = item_emb[item] * scale + pos_emb[position].
template <typename T>
void embedding_forward(const PackedBatch& batch, const T* item_emb, const T* pos_emb,
                       uint32_t dim, T scale, Tensor<T>& h);
template <typename T>
void embedding_backward(const PackedBatch& batch, const Tensor<T>& dh, T scale, T* d_item_emb,
                        T* d_pos_emb);

// y = x W^T + b with W stored [out, in] row-major, as model.h stores it.
template <typename T>
void linear_forward(const Tensor<T>& x, const T* w, const T* b, uint32_t out, Tensor<T>& y);
// dx may be null (nothing upstream needs it).
template <typename T>
void linear_backward(const Tensor<T>& x, const Tensor<T>& dy, const T* w, Tensor<T>* dx,
                     T* dw, T* db);

template <typename T>
struct LayerNormCache {
    Tensor<T> xhat;     // (x - mean) / sqrt(var + eps)
    std::vector<T> inv_std;  // per row
};
template <typename T>
void layer_norm_forward(const Tensor<T>& x, const T* g, const T* b, T eps, Tensor<T>& y,
                        LayerNormCache<T>& cache);
template <typename T>
void layer_norm_backward(const Tensor<T>& dy, const T* g, const LayerNormCache<T>& cache,
                         Tensor<T>& dx, T* dg, T* db);

// ReLU or GELU (tanh approximation); backward needs the pre-activation x.
template <typename T>
void activation_forward(Activation a, const Tensor<T>& x, Tensor<T>& y);
template <typename T>
void activation_backward(Activation a, const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx);

// Inverted dropout. The mask of each sequence comes from hash(sequence seed, site), so it
// does not depend on how the batch is split between threads.
template <typename T>
struct DropoutMask {
    Tensor<T> scale;  // 0 or 1 / (1 - p) per element; empty when dropout is off
    bool active() const { return scale.size() != 0; }
};
template <typename T>
void make_dropout_mask(const PackedBatch& batch, uint64_t site, float p, size_t cols,
                       DropoutMask<T>& mask);
// The same elementwise product forward (on x) and backward (on dx).
template <typename T>
void apply_dropout(const DropoutMask<T>& mask, Tensor<T>& x);

// Causal multi-head attention inside each packed sequence, on projected q, k, v:
// out_t = sum_{s <= t} softmax_s(q_t . k_s / sqrt(head_dim)) v_s, per head.
template <typename T>
struct AttentionCache {
    std::vector<Tensor<T>> probs;  // per (sequence, head): lower-triangular softmax weights
};
template <typename T>
void attention_forward(const PackedBatch& batch, uint32_t heads, const Tensor<T>& q,
                       const Tensor<T>& k, const Tensor<T>& v, Tensor<T>& out,
                       AttentionCache<T>& cache);
template <typename T>
void attention_backward(const PackedBatch& batch, uint32_t heads, const Tensor<T>& q,
                        const Tensor<T>& k, const Tensor<T>& v, const AttentionCache<T>& cache,
                        const Tensor<T>& dout, Tensor<T>& dq, Tensor<T>& dk, Tensor<T>& dv);

}  // namespace hearth::train
