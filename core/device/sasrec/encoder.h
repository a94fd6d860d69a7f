// The on-device SASRec encoder: the forward pass of core/device/sasrec/model.h in float with the
// SIMD kernels of core/device/kernels/nn.h, plus the batched leave-one-out pass that SASRec
// explanations are made of.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/device/kernels/nn.h"
#include "core/device/sasrec/model.h"

namespace hearth {

class SasrecEncoder {
public:
    // Keeps a copy of the view (not of the weights: they must outlive the encoder) and sizes
    // every workspace once, so no call below allocates. Throws Error("argument") for an
    // invalid config.
    explicit SasrecEncoder(const SasrecView& model);

    const SasrecView& model() const { return model_; }
    const SasrecConfig& config() const { return model_.config; }

    // z (dim floats) for the last min(n, max_len) of `items` (oldest first); the score of
    // item i is z . item_emb[i]. An empty history (n == 0) gives the zero vector, as
    // sasrec_reference_encode does: every item then scores 0 and ranking is left to the
    // caller's fallback (popularity, onboarding). Throws Error("argument") if any of the n
    // items is >= config().items. The result is valid until the next call.
    const float* encode(const uint32_t* items, size_t n);

    // Leave-one-out encodings for the window, the last m = min(n, max_len) items: `rows` is
    // set to m and row j (dim floats) is the encoding of the history with window item j
    // removed (so, when n > max_len, the item just before the window shifts into it).
    // The score drop z.e_i - row_j.e_i is item j's influence on item i's score. For n == 0,
    // rows = 0. Same errors as encode(); valid until the next call.
    const float* encode_leave_one_out(const uint32_t* items, size_t n, size_t& rows);

    // The same rows for some window positions only: row r is the encoding without window
    // item positions[r] (strictly ascending, each < min(n, max_len)), as encode_leave_one_out
    // gives it (to rounding: natively, a batch of another size may take another linear
    // kernel). Removing position j costs the m - 1 - j rows after it, plus one encoding of
    // P shared by all, so the newest items are the cheap ones. Throws Error("argument") for
    // positions out of order or past the window.
    const float* encode_leave_one_out_at(const uint32_t* items, size_t n, const uint32_t* positions,
                                         size_t count);

    // After encode(): the attention weights of the last position in the last block, `heads`
    // rows of `len` weights (len = the window length), oldest item first. A cheap secondary
    // view for explanations, not a faithful one (leave-one-out is). len = 0 before the first
    // encode() and after an empty one; encode_leave_one_out() leaves it unchanged.
    const float* last_attention(size_t& heads, size_t& len) const;

private:
    // A sequence in a batch: its rows sit at [off, off + len) of the stacked workspaces and,
    // in every block, attend first to the first `prefix` rows of the key/value cache (an
    // encoding shared by all sequences of the batch), then causally to their own rows.
    struct Seq {
        size_t off, len, prefix;
    };

    void check_items(const uint32_t* items, size_t n) const;
    void embed(const uint32_t* items, size_t n, float* h) const;
    void run(const Seq* seqs, size_t count, size_t rows, bool front_ready, bool keep_kv,
             bool keep_attention, float* out);
    void attend(const float* q, const Seq& seq, size_t t, const float* k, const float* v,
                const float* pk, const float* pv, float* out, float* keep);
    void feed_forward(const SasrecBlockView& bl, float* h, float* x, float* mid, size_t rows);

    SasrecView model_;
    size_t d_, ffn_, max_len_, heads_, dh_;
    size_t stack_rows_;  // rows of the stacked workspaces: >= max_len
    float scale_;

    LayerNormF32Fn layernorm_;
    SoftmaxF32Fn softmax_;
    LinearF32Fn linear_;
    AttnScoresF32Fn scores_;
    AttnWeightedSumF32Fn wsum_;
    ActivationF32Fn act_;

    // A float buffer allocated once and left uninitialised: every row is written before it is
    // read, and zero-filling the 8 MB of stacked rows at open touched every page, for rows
    // that short histories never use.
    class Scratch {
    public:
        void allocate(size_t n) { data_.reset(new float[n]); }
        float* data() { return data_.get(); }
        const float* data() const { return data_.get(); }

    private:
        std::unique_ptr<float[]> data_;
    };
    // Stacked rows (stack_rows_ x d, mid: x ffn): hidden state, layer-norm output, q, k, v,
    // attention output.
    Scratch h_, x_, q_, k_, v_, att_, mid_;
    // One row per sequence of a batch (max_len rows): the last block only needs the last
    // position of each sequence past its keys and values.
    std::vector<float> hc_, xc_, qc_, ac_, midc_;
    // Keys and values of the shared prefix encoding, per block (blocks x max_len x d).
    std::vector<float> kcache_, vcache_;
    // Block 0's inputs for the full window (max_len x d each): in the leave-one-out batch,
    // every row after the removed item starts from the same item at the same position.
    std::vector<float> fh_, fx_, fq_, fk_, fv_;
    std::vector<float> probs_;      // one query's attention weights (max_len)
    std::vector<float> z_, zeros_;  // dim
    std::vector<float> loo_;        // max_len x dim
    std::vector<float> pz_;         // P's encoding when its variant is not asked for
    std::vector<uint32_t> all_positions_;  // 0 .. max_len - 1
    std::vector<float> attention_;  // heads x max_len
    size_t attention_len_ = 0;
    std::vector<Seq> seqs_;  // max_len
};

}  // namespace hearth
