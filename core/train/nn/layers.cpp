#include "core/train/nn/layers.h"

#include <algorithm>
#include <cmath>

#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/train/nn/eigen.h"

namespace hearth::train {

using Eigen::Index;

void PackedBatch::add(const uint32_t* input, const uint32_t* target, size_t n, uint64_t seed) {
    const size_t len = std::min<size_t>(n, max_len);
    const size_t skip = n - len;
    for (size_t j = 0; j < len; ++j) {
        items.push_back(input[skip + j]);
        if (target) targets.push_back(target[skip + j]);
        positions.push_back(static_cast<uint32_t>(max_len - len + j));
    }
    offsets.push_back(static_cast<uint32_t>(items.size()));
    seeds.push_back(seed);
}

template <typename T>
void embedding_forward(const PackedBatch& batch, const T* item_emb, const T* pos_emb,
                       uint32_t dim, T scale, Tensor<T>& h) {
    h.resize(batch.rows(), dim);
    for (size_t r = 0; r < batch.rows(); ++r) {
        const T* e = item_emb + size_t(batch.items[r]) * dim;
        const T* p = pos_emb + size_t(batch.positions[r]) * dim;
        T* out = h.row(r);
        for (uint32_t c = 0; c < dim; ++c) out[c] = e[c] * scale + p[c];
    }
}

template <typename T>
void embedding_backward(const PackedBatch& batch, const Tensor<T>& dh, T scale, T* d_item_emb,
                        T* d_pos_emb) {
    const size_t dim = dh.cols;
    for (size_t r = 0; r < dh.rows; ++r) {
        T* e = d_item_emb + size_t(batch.items[r]) * dim;
        T* p = d_pos_emb + size_t(batch.positions[r]) * dim;
        const T* d = dh.row(r);
        for (size_t c = 0; c < dim; ++c) {
            e[c] += d[c] * scale;
            p[c] += d[c];
        }
    }
}

template <typename T>
void linear_forward(const Tensor<T>& x, const T* w, const T* b, uint32_t out, Tensor<T>& y) {
    y.resize(x.rows, out);
    auto Y = mat(y);
    Y.noalias() = mat(x) * mat(w, out, x.cols).transpose();
    Y.rowwise() += ConstRowMap<T>(b, out);
}

template <typename T>
void linear_backward(const Tensor<T>& x, const Tensor<T>& dy, const T* w, Tensor<T>* dx,
                     T* dw, T* db) {
    const size_t out = dy.cols, in = x.cols;
    const auto dY = mat(dy);
    mat(dw, out, in).noalias() += dY.transpose() * mat(x);
    RowMap<T>(db, idx(out)) += dY.colwise().sum();
    if (dx) {
        dx->resize(x.rows, in);
        mat(*dx).noalias() = dY * mat(w, out, in);
    }
}

template <typename T>
void layer_norm_forward(const Tensor<T>& x, const T* g, const T* b, T eps, Tensor<T>& y,
                        LayerNormCache<T>& cache) {
    const Index cols = idx(x.cols);
    const Eigen::Map<const Eigen::Array<T, 1, Eigen::Dynamic>> gain(g, cols), bias(b, cols);
    cache.xhat.resize(x.rows, x.cols);
    cache.inv_std.resize(x.rows);
    y.resize(x.rows, x.cols);
    const auto X = mat(x);
    auto Xh = mat(cache.xhat), Y = mat(y);
    for (Index r = 0; r < X.rows(); ++r) {
        const auto row = X.row(r).array();
        const T mean = row.mean();
        const T var = (row - mean).square().mean();
        const T inv = T(1) / std::sqrt(var + eps);
        cache.inv_std[size_t(r)] = inv;
        Xh.row(r).array() = (row - mean) * inv;
        Y.row(r).array() = Xh.row(r).array() * gain + bias;
    }
}

// With xh = xhat and dxh = dy * g: dx = inv_std * (dxh - mean(dxh) - xh * mean(dxh * xh)).
template <typename T>
void layer_norm_backward(const Tensor<T>& dy, const T* g, const LayerNormCache<T>& cache,
                         Tensor<T>& dx, T* dg, T* db) {
    const Index cols = idx(dy.cols);
    const Eigen::Map<const Eigen::Array<T, 1, Eigen::Dynamic>> gain(g, cols);
    Eigen::Map<Eigen::Array<T, 1, Eigen::Dynamic>> dgain(dg, cols), dbias(db, cols);
    dx.resize(dy.rows, dy.cols);
    const auto dY = mat(dy), Xh = mat(cache.xhat);
    auto dX = mat(dx);
    Eigen::Array<T, 1, Eigen::Dynamic> dxh(cols);
    for (Index r = 0; r < dY.rows(); ++r) {
        const auto xh = Xh.row(r).array();
        const auto d = dY.row(r).array();
        dgain += d * xh;
        dbias += d;
        dxh = d * gain;
        const T m1 = dxh.mean(), m2 = (dxh * xh).mean();
        dX.row(r).array() = (dxh - m1 - xh * m2) * cache.inv_std[size_t(r)];
    }
}

namespace {

constexpr double kGeluC = 0.7978845608028654;  // sqrt(2 / pi)
constexpr double kGeluA = 0.044715;

template <typename T>
Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>> flat(const Tensor<T>& t) {
    return {t.data(), idx(t.size())};
}
template <typename T>
Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> flat(Tensor<T>& t) {
    return {t.data(), idx(t.size())};
}

}  // namespace

template <typename T>
void activation_forward(Activation a, const Tensor<T>& x, Tensor<T>& y) {
    y.resize(x.rows, x.cols);
    const auto v = flat(x);
    if (a == Activation::Relu)
        flat(y) = v.max(T(0));
    else
        flat(y) = T(0.5) * v * (T(1) + (T(kGeluC) * (v + T(kGeluA) * v.cube())).tanh());
}

template <typename T>
void activation_backward(Activation a, const Tensor<T>& x, const Tensor<T>& dy, Tensor<T>& dx) {
    dx.resize(x.rows, x.cols);
    const auto v = flat(x);
    if (a == Activation::Relu) {
        flat(dx) = (v > T(0)).select(flat(dy), T(0));
        return;
    }
    const Eigen::Array<T, Eigen::Dynamic, 1> th = (T(kGeluC) * (v + T(kGeluA) * v.cube())).tanh();
    const auto du = T(kGeluC) * (T(1) + T(3 * kGeluA) * v.square());
    flat(dx) = flat(dy) * (T(0.5) * (T(1) + th) + T(0.5) * v * (T(1) - th.square()) * du);
}

template <typename T>
void make_dropout_mask(const PackedBatch& batch, uint64_t site, float p, size_t cols,
                       DropoutMask<T>& mask) {
    if (!(p > 0.0f)) {
        mask.scale.resize(0, 0);
        return;
    }
    if (p >= 1.0f) throw Error("argument", "dropout must be below 1");
    const T keep_scale = T(1) / (T(1) - T(p));
    // Keep when a 32-bit draw is at least p * 2^32.
    const uint64_t threshold = static_cast<uint64_t>(double(p) * 4294967296.0);
    mask.scale.resize(batch.rows(), cols);
    T* out = mask.scale.data();
    for (size_t s = 0; s < batch.sequences(); ++s) {
        SplitMix64 rng(mix_seed(batch.seeds[s], site));
        const size_t begin = size_t(batch.offsets[s]) * cols;
        const size_t end = size_t(batch.offsets[s + 1]) * cols;
        for (size_t i = begin; i < end; i += 2) {
            const uint64_t bits = rng.next();
            out[i] = (bits & 0xffffffffu) >= threshold ? keep_scale : T(0);
            if (i + 1 < end) out[i + 1] = (bits >> 32) >= threshold ? keep_scale : T(0);
        }
    }
}

template <typename T>
void apply_dropout(const DropoutMask<T>& mask, Tensor<T>& x) {
    if (mask.active()) flat(x) *= flat(mask.scale);
}

template <typename T>
void attention_forward(const PackedBatch& batch, uint32_t heads, const Tensor<T>& q,
                       const Tensor<T>& k, const Tensor<T>& v, Tensor<T>& out,
                       AttentionCache<T>& cache) {
    const Index dh = idx(q.cols / heads);
    const T scale = T(1) / std::sqrt(T(dh));
    out.resize(q.rows, q.cols);
    cache.probs.resize(batch.sequences() * heads);
    const auto Q = mat(q), K = mat(k), V = mat(v);
    auto O = mat(out);
    for (size_t s = 0; s < batch.sequences(); ++s) {
        const Index r0 = batch.offsets[s], n = batch.length(s);
        for (uint32_t h = 0; h < heads; ++h) {
            const Index c0 = h * dh;
            Tensor<T>& pt = cache.probs[s * heads + h];
            pt.resize(size_t(n), size_t(n));
            auto P = mat(pt);
            P.noalias() = Q.block(r0, c0, n, dh) * K.block(r0, c0, n, dh).transpose();
            for (Index t = 0; t < n; ++t) {
                auto row = P.row(t).head(t + 1).array();
                row *= scale;
                row = (row - row.maxCoeff()).exp();
                row /= row.sum();
                P.row(t).tail(n - t - 1).setZero();
            }
            O.block(r0, c0, n, dh).noalias() = P * V.block(r0, c0, n, dh);
        }
    }
}

// dP = dO V^T, dV = P^T dO, dS = P * (dP - rowsum(P * dP)), dQ = dS K s, dK = dS^T Q s.
template <typename T>
void attention_backward(const PackedBatch& batch, uint32_t heads, const Tensor<T>& q,
                        const Tensor<T>& k, const Tensor<T>& v, const AttentionCache<T>& cache,
                        const Tensor<T>& dout, Tensor<T>& dq, Tensor<T>& dk, Tensor<T>& dv) {
    const Index dh = idx(q.cols / heads);
    const T scale = T(1) / std::sqrt(T(dh));
    dq.resize(q.rows, q.cols);
    dk.resize(q.rows, q.cols);
    dv.resize(q.rows, q.cols);
    const auto Q = mat(q), K = mat(k), V = mat(v), dO = mat(dout);
    auto dQ = mat(dq), dK = mat(dk), dV = mat(dv);
    Matrix<T> ds;
    for (size_t s = 0; s < batch.sequences(); ++s) {
        const Index r0 = batch.offsets[s], n = batch.length(s);
        for (uint32_t h = 0; h < heads; ++h) {
            const Index c0 = h * dh;
            const auto P = mat(cache.probs[s * heads + h]);
            const auto d_o = dO.block(r0, c0, n, dh);
            dV.block(r0, c0, n, dh).noalias() = P.transpose() * d_o;
            ds.resize(n, n);
            ds.noalias() = d_o * V.block(r0, c0, n, dh).transpose();
            for (Index t = 0; t < n; ++t) {
                const T dot = P.row(t).dot(ds.row(t));
                ds.row(t).array() = P.row(t).array() * (ds.row(t).array() - dot) * scale;
            }
            dQ.block(r0, c0, n, dh).noalias() = ds * K.block(r0, c0, n, dh);
            dK.block(r0, c0, n, dh).noalias() = ds.transpose() * Q.block(r0, c0, n, dh);
        }
    }
}

#define HEARTH_LAYERS_INSTANTIATE(T)                                                          \
    template void embedding_forward<T>(const PackedBatch&, const T*, const T*, uint32_t, T,  \
                                       Tensor<T>&);                                          \
    template void embedding_backward<T>(const PackedBatch&, const Tensor<T>&, T, T*, T*);     \
    template void linear_forward<T>(const Tensor<T>&, const T*, const T*, uint32_t,           \
                                    Tensor<T>&);                                             \
    template void linear_backward<T>(const Tensor<T>&, const Tensor<T>&, const T*,            \
                                     Tensor<T>*, T*, T*);                                    \
    template void layer_norm_forward<T>(const Tensor<T>&, const T*, const T*, T, Tensor<T>&,  \
                                        LayerNormCache<T>&);                                 \
    template void layer_norm_backward<T>(const Tensor<T>&, const T*,                          \
                                         const LayerNormCache<T>&, Tensor<T>&, T*, T*);      \
    template void activation_forward<T>(Activation, const Tensor<T>&, Tensor<T>&);            \
    template void activation_backward<T>(Activation, const Tensor<T>&, const Tensor<T>&,      \
                                         Tensor<T>&);                                        \
    template void make_dropout_mask<T>(const PackedBatch&, uint64_t, float, size_t,           \
                                       DropoutMask<T>&);                                     \
    template void apply_dropout<T>(const DropoutMask<T>&, Tensor<T>&);                        \
    template void attention_forward<T>(const PackedBatch&, uint32_t, const Tensor<T>&,        \
                                       const Tensor<T>&, const Tensor<T>&, Tensor<T>&,       \
                                       AttentionCache<T>&);                                  \
    template void attention_backward<T>(const PackedBatch&, uint32_t, const Tensor<T>&,       \
                                        const Tensor<T>&, const Tensor<T>&,                  \
                                        const AttentionCache<T>&, const Tensor<T>&,          \
                                        Tensor<T>&, Tensor<T>&, Tensor<T>&);

HEARTH_LAYERS_INSTANTIATE(float)
HEARTH_LAYERS_INSTANTIATE(double)

}  // namespace hearth::train
