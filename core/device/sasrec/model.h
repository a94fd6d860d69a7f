// SASRec (Kang & McAuley 2018): the model's definition shared by the trainer, the
// on-device encoder, the bundle and the importer.
//
// For a history window of n <= max_len items s_0..s_{n-1} (oldest first), row j is
//   h_j = item_emb[s_j] * emb_scale + pos_emb[max_len - n + j]
// (positions count back from the most recent item, which always sits at max_len - 1, as in
// a left-padded training batch). Then `blocks` times, with causal attention over the
// window, and for Variant::PreNorm:
//   a = LN1(h);  h = h + Wo MHA(Wq a, Wk a, Wv a)
//   f = LN2(h);  h = h + W2 act(W1 f + b1) + b2
// and for Variant::Original (the SASRec paper's code and its common PyTorch port):
//   q = LN1(h);  h = q + Wo MHA(Wq q, Wk h, Wv h)
//   h = LN2(h);  h = h + W2 act(W1 h + b1) + b2
// Finally z = LNf(h_{n-1}) and the score of item i is z . item_emb[i] (shared embeddings).
// Linear weights are stored [out, in] row-major: y = W x + b.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hearth {

enum class SasrecVariant : uint32_t { PreNorm = 0, Original = 1 };
enum class Activation : uint32_t { Relu = 0, Gelu = 1 };  // GELU: the tanh approximation

struct SasrecConfig {
    uint32_t items = 0;
    uint32_t dim = 64;
    uint32_t heads = 1;
    uint32_t blocks = 2;
    uint32_t max_len = 50;
    uint32_t ffn_dim = 64;
    SasrecVariant variant = SasrecVariant::PreNorm;
    Activation activation = Activation::Relu;
    float emb_scale = 8.0f;  // sqrt(dim) by convention
    float ln_eps = 1e-6f;

    uint32_t head_dim() const { return dim / heads; }
    // Throws Error("argument"/"bundle") naming the field when a value is out of range.
    void validate() const;
};

struct SasrecBlockView {
    const float *ln1_g, *ln1_b;
    const float *wq, *bq, *wk, *bk, *wv, *bv, *wo, *bo;  // [dim, dim], [dim]
    const float *ln2_g, *ln2_b;
    const float *w1, *b1;  // [ffn_dim, dim], [ffn_dim]
    const float *w2, *b2;  // [dim, ffn_dim], [dim]
};

// Non-owning weights, as the encoder and the reference forward read them.
struct SasrecView {
    SasrecConfig config;
    const float* item_emb = nullptr;  // [items, dim]; null in an int8 bundle:
    const int8_t* item_codes = nullptr;  // [items, dim] symmetric int8 (core/device/kernels/quant.h)
    const float* item_scales = nullptr;  // [items], with item_codes
    const float* pos_emb = nullptr;   // [max_len, dim]
    std::vector<SasrecBlockView> blocks;
    const float *lnf_g = nullptr, *lnf_b = nullptr;
};

// One named tensor of a model, for bundles, checkpoints and imports.
struct TensorSpec {
    std::string name;  // e.g. "sasrec.b0.attn.wq" (<= 23 bytes, a bundle section name)
    uint32_t rows, cols;
};

// Every tensor of a model with this config, in a fixed order.
std::vector<TensorSpec> sasrec_tensor_specs(const SasrecConfig& config);

// Owning weights: one flat buffer per tensor, in sasrec_tensor_specs() order.
struct SasrecWeights {
    SasrecConfig config;
    std::vector<std::vector<float>> tensors;

    explicit SasrecWeights(const SasrecConfig& c = {});
    float* tensor(const std::string& name);
    SasrecView view() const;
};

// Views a list of tensors (same order as sasrec_tensor_specs) as a model.
SasrecView sasrec_view(const SasrecConfig& config, const std::vector<const float*>& tensors);

// The definition of the model in plain scalar loops, in double precision: the reference
// the trainer and the SIMD encoder are both tested against. Returns z (dim values) for the
// last min(n, max_len) items of `items`.
std::vector<double> sasrec_reference_encode(const SasrecView& model, const uint32_t* items,
                                            size_t n);

}  // namespace hearth
