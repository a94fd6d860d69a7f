#include "core/train/sasrec/sasrec_net.h"

#include <algorithm>

#include "core/train/nn/eigen.h"

namespace hearth::train {

namespace {

template <typename T>
Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> flat(Tensor<T>& t) {
    return {t.data(), idx(t.size())};
}
template <typename T>
Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>> flat(const Tensor<T>& t) {
    return {t.data(), idx(t.size())};
}

template <typename T>
void set_sum(Tensor<T>& out, const Tensor<T>& a, const Tensor<T>& b) {
    out.resize(a.rows, a.cols);
    flat(out) = flat(a) + flat(b);
}

template <typename T>
void add_to(Tensor<T>& dst, const Tensor<T>& src) {
    flat(dst) += flat(src);
}

}  // namespace

template <typename T>
Params<T>::Params(const SasrecConfig& c) : config(c) {
    for (const TensorSpec& s : sasrec_tensor_specs(c))
        tensors.emplace_back(size_t(s.rows) * s.cols, T(0));
}

template <typename T>
void Params<T>::set_zero() {
    for (auto& t : tensors) std::fill(t.begin(), t.end(), T(0));
}

template <typename T>
void Params<T>::add(const Params& other) {
    for (size_t i = 0; i < tensors.size(); ++i) {
        T* dst = tensors[i].data();
        const T* src = other.tensors[i].data();
        for (size_t j = 0; j < tensors[i].size(); ++j) dst[j] += src[j];
    }
}

template <typename T>
size_t Params<T>::size() const {
    size_t n = 0;
    for (const auto& t : tensors) n += t.size();
    return n;
}

template <typename T>
Params<T> params_from_weights(const SasrecWeights& w) {
    Params<T> p(w.config);
    for (size_t i = 0; i < p.tensors.size(); ++i)
        std::transform(w.tensors[i].begin(), w.tensors[i].end(), p.tensors[i].begin(),
                       [](float v) { return T(v); });
    return p;
}

template <typename T>
SasrecWeights weights_from_params(const Params<T>& p) {
    SasrecWeights w(p.config);
    for (size_t i = 0; i < p.tensors.size(); ++i)
        std::transform(p.tensors[i].begin(), p.tensors[i].end(), w.tensors[i].begin(),
                       [](T v) { return static_cast<float>(v); });
    return w;
}

template <typename T>
const Tensor<T>& SasrecNet<T>::forward(const Params<T>& p, const PackedBatch& batch,
                                           float dropout) {
    const SasrecConfig& c = p.config;
    Tensor<T> h;
    embedding_forward(batch, p.at(kItemEmb), p.at(kPosEmb), c.dim, T(c.emb_scale), h);
    make_dropout_mask(batch, 0, dropout, c.dim, drop_emb_);
    apply_dropout(drop_emb_, h);
    blocks_.resize(c.blocks);
    for (uint32_t b = 0; b < c.blocks; ++b) block_forward(p, batch, b, dropout, h);
    h_last_ = std::move(h);
    layer_norm_forward(h_last_, p.at(final_ln_gain(c)), p.at(final_ln_bias(c)), T(c.ln_eps), z_,
                       lnf_);
    return z_;
}

template <typename T>
void SasrecNet<T>::block_forward(const Params<T>& p, const PackedBatch& batch, uint32_t b,
                                     float dropout, Tensor<T>& h) {
    const SasrecConfig& c = p.config;
    const bool pre = c.variant == SasrecVariant::PreNorm;
    auto w = [&](BlockTensor t) { return p.at(block_tensor(b, t)); };
    BlockCache& C = blocks_[b];
    C.x = std::move(h);
    layer_norm_forward(C.x, w(kLn1G), w(kLn1B), T(c.ln_eps), C.a, C.ln1);
    const Tensor<T>& kv_in = pre ? C.a : C.x;
    linear_forward(C.a, w(kWq), w(kBq), c.dim, C.q);
    linear_forward(kv_in, w(kWk), w(kBk), c.dim, C.k);
    linear_forward(kv_in, w(kWv), w(kBv), c.dim, C.v);
    attention_forward(batch, c.heads, C.q, C.k, C.v, C.ctx, C.attn);
    Tensor<T> o;
    linear_forward(C.ctx, w(kWo), w(kBo), c.dim, o);
    make_dropout_mask(batch, dropout_site(b, kDropAttn), dropout, c.dim, C.drop_attn);
    apply_dropout(C.drop_attn, o);
    set_sum(C.mid, pre ? C.x : C.a, o);

    layer_norm_forward(C.mid, w(kLn2G), w(kLn2B), T(c.ln_eps), C.f, C.ln2);
    linear_forward(C.f, w(kW1), w(kB1), c.ffn_dim, C.u);
    activation_forward(c.activation, C.u, C.act);
    make_dropout_mask(batch, dropout_site(b, kDropFfnAct), dropout, c.ffn_dim, C.drop_act);
    apply_dropout(C.drop_act, C.act);
    Tensor<T> ff;
    linear_forward(C.act, w(kW2), w(kB2), c.dim, ff);
    make_dropout_mask(batch, dropout_site(b, kDropFfnOut), dropout, c.dim, C.drop_out);
    apply_dropout(C.drop_out, ff);
    set_sum(h, pre ? C.mid : C.f, ff);
}

template <typename T>
void SasrecNet<T>::backward(const Params<T>& p, const PackedBatch& batch,
                                const Tensor<T>& dz, Params<T>& grads) {
    const SasrecConfig& c = p.config;
    Tensor<T> dh;
    layer_norm_backward(dz, p.at(final_ln_gain(c)), lnf_, dh, grads.at(final_ln_gain(c)),
                        grads.at(final_ln_bias(c)));
    for (uint32_t b = c.blocks; b-- > 0;) block_backward(p, batch, b, dh, grads);
    apply_dropout(drop_emb_, dh);
    embedding_backward(batch, dh, T(c.emb_scale), grads.at(kItemEmb), grads.at(kPosEmb));
}

// On entry dh is d loss / d (block output); on return, d loss / d (block input).
template <typename T>
void SasrecNet<T>::block_backward(const Params<T>& p, const PackedBatch& batch, uint32_t b,
                                      Tensor<T>& dh, Params<T>& grads) {
    const SasrecConfig& c = p.config;
    const bool pre = c.variant == SasrecVariant::PreNorm;
    auto w = [&](BlockTensor t) { return p.at(block_tensor(b, t)); };
    auto g = [&](BlockTensor t) { return grads.at(block_tensor(b, t)); };
    const BlockCache& C = blocks_[b];

    // Output = base + drop(W2 drop(act(W1 f + b1)) + b2); base is mid (PreNorm) or f.
    Tensor<T> dff = dh, dact, du, df, dmid, tmp;
    apply_dropout(C.drop_out, dff);
    linear_backward(C.act, dff, w(kW2), &dact, g(kW2), g(kB2));
    apply_dropout(C.drop_act, dact);
    activation_backward(c.activation, C.u, dact, du);
    linear_backward(C.f, du, w(kW1), &df, g(kW1), g(kB1));
    if (!pre) add_to(df, dh);
    layer_norm_backward(df, w(kLn2G), C.ln2, dmid, g(kLn2G), g(kLn2B));
    if (pre) add_to(dmid, dh);

    // mid = base + drop(Wo attention(...) + bo); base is x (PreNorm) or a.
    Tensor<T> dout = dmid, dctx, dq, dk, dv, da;
    apply_dropout(C.drop_attn, dout);
    linear_backward(C.ctx, dout, w(kWo), &dctx, g(kWo), g(kBo));
    attention_backward(batch, c.heads, C.q, C.k, C.v, C.attn, dctx, dq, dk, dv);
    linear_backward(C.a, dq, w(kWq), &da, g(kWq), g(kBq));
    const Tensor<T>& kv_in = pre ? C.a : C.x;
    Tensor<T> dkv;
    linear_backward(kv_in, dk, w(kWk), &dkv, g(kWk), g(kBk));
    linear_backward(kv_in, dv, w(kWv), &tmp, g(kWv), g(kBv));
    add_to(dkv, tmp);
    if (pre) {
        add_to(da, dkv);
        layer_norm_backward(da, w(kLn1G), C.ln1, dh, g(kLn1G), g(kLn1B));
        add_to(dh, dmid);
    } else {
        add_to(da, dmid);
        layer_norm_backward(da, w(kLn1G), C.ln1, dh, g(kLn1G), g(kLn1B));
        add_to(dh, dkv);
    }
}

template struct Params<float>;
template struct Params<double>;
template Params<float> params_from_weights<float>(const SasrecWeights&);
template Params<double> params_from_weights<double>(const SasrecWeights&);
template SasrecWeights weights_from_params<float>(const Params<float>&);
template SasrecWeights weights_from_params<double>(const Params<double>&);
template class SasrecNet<float>;
template class SasrecNet<double>;

}  // namespace hearth::train
