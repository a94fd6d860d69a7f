// The SASRec encoder of model.h assembled from layers.h, with caches for backward.
//
// Dropout placements (inverted dropout, the standard residual-dropout set of the
// Transformer and of the SASRec code): on the embedding output (item * scale + position),
// on the attention output after Wo (before the residual add), inside the FFN after the
// activation (before W2) and on the FFN output (before the residual add). Attention
// weights are not dropped.
#pragma once
#include <cstdint>
#include <vector>

#include "core/device/sasrec/model.h"
#include "core/train/nn/layers.h"

namespace hearth::train {

// Offsets of a block's tensors after its first, in sasrec_tensor_specs() order.
enum BlockTensor : uint32_t {
    kLn1G, kLn1B, kWq, kBq, kWk, kBk, kWv, kBv, kWo, kBo, kLn2G, kLn2B, kW1, kB1, kW2, kB2,
    kBlockTensors
};
constexpr size_t kItemEmb = 0, kPosEmb = 1;
inline size_t block_tensor(uint32_t block, BlockTensor t) {
    return 2 + size_t(block) * kBlockTensors + t;
}
inline size_t final_ln_gain(const SasrecConfig& c) { return 2 + size_t(c.blocks) * kBlockTensors; }
inline size_t final_ln_bias(const SasrecConfig& c) { return final_ln_gain(c) + 1; }

// Weights or gradients in scalar T, one buffer per tensor in sasrec_tensor_specs() order.
template <typename T>
struct Params {
    SasrecConfig config;
    std::vector<AlignedVector<T>> tensors;

    explicit Params(const SasrecConfig& c = {});
    T* at(size_t i) { return tensors[i].data(); }
    const T* at(size_t i) const { return tensors[i].data(); }
    void set_zero();
    void add(const Params& other);  // this += other, tensor by tensor in order
    size_t size() const;            // total scalars
};

template <typename T>
Params<T> params_from_weights(const SasrecWeights& w);
template <typename T>
SasrecWeights weights_from_params(const Params<T>& p);

// Dropout sites: 0 is the embedding; each block has three after it.
enum DropoutSite : uint32_t { kDropAttn = 0, kDropFfnAct = 1, kDropFfnOut = 2 };
inline uint64_t dropout_site(uint32_t block, DropoutSite s) { return 1 + uint64_t(block) * 3 + s; }

// The trainable network: batched forward and hand-written backward (Eigen). The device runs
// the same model for inference with SasrecEncoder (core/device/sasrec/encoder.h).
template <typename T>
class SasrecNet {
public:
    // z = LNf(h) for every row of the batch. With dropout > 0 the masks derive from the
    // batch's per-sequence seeds. The result stays valid until the next forward.
    const Tensor<T>& forward(const Params<T>& p, const PackedBatch& batch, float dropout);
    // dz: d loss / d z for every row. Adds the parameter gradients into grads.
    void backward(const Params<T>& p, const PackedBatch& batch, const Tensor<T>& dz,
                  Params<T>& grads);

private:
    struct BlockCache {
        Tensor<T> x;      // block input
        LayerNormCache<T> ln1;
        Tensor<T> a;      // LN1(x): attention input (queries only, in Original)
        Tensor<T> q, k, v;
        AttentionCache<T> attn;
        Tensor<T> ctx;    // attention output before Wo
        DropoutMask<T> drop_attn;
        Tensor<T> mid;    // after the attention residual (PreNorm: x + o; Original: a + o)
        LayerNormCache<T> ln2;
        Tensor<T> f;      // LN2(mid): FFN input
        Tensor<T> u;      // W1 f + b1
        Tensor<T> act;    // act(u), after dropout
        DropoutMask<T> drop_act, drop_out;
    };
    void block_forward(const Params<T>& p, const PackedBatch& batch, uint32_t b, float dropout,
                       Tensor<T>& h);
    void block_backward(const Params<T>& p, const PackedBatch& batch, uint32_t b,
                        Tensor<T>& dh, Params<T>& grads);

    Tensor<T> h0_;
    DropoutMask<T> drop_emb_;
    std::vector<BlockCache> blocks_;
    Tensor<T> h_last_;
    LayerNormCache<T> lnf_;
    Tensor<T> z_;
};

}  // namespace hearth::train
