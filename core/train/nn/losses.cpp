#include "core/train/nn/losses.h"

#include <algorithm>
#include <cmath>

#include "core/train/nn/eigen.h"

namespace hearth::train {

using Eigen::Index;

template <typename T>
double full_softmax_loss(const Tensor<T>& z, const T* item_emb, uint32_t items,
                         const uint32_t* targets, T weight, Tensor<T>& dz, T* d_item_emb,
                         size_t chunk) {
    const Index rows = idx(z.rows), step = idx(std::max<size_t>(chunk, 1));
    const auto Z = mat(z);
    const auto E = mat(item_emb, items, z.cols);
    auto dE = mat(d_item_emb, items, z.cols);
    dz.resize(z.rows, z.cols);
    auto dZ = mat(dz);
    Matrix<T> logits;
    double total = 0.0;
    for (Index r0 = 0; r0 < rows; r0 += step) {
        const Index n = std::min(step, rows - r0);
        const auto zc = Z.middleRows(r0, n);
        logits.resize(n, items);
        logits.noalias() = zc * E.transpose();
        // Each row becomes weight * (softmax - onehot(target)): d loss / d logits.
        for (Index i = 0; i < n; ++i) {
            auto row = logits.row(i).array();
            const uint32_t t = targets[r0 + i];
            const T top = row.maxCoeff(), target_logit = row(t);
            row = (row - top).exp();
            const T sum = row.sum();
            total += double(std::log(sum)) + double(top) - double(target_logit);
            row *= weight / sum;
            row(t) -= weight;
        }
        dZ.middleRows(r0, n).noalias() = logits * E;
        dE.noalias() += logits.transpose() * zc;
    }
    return total;
}

template <typename T>
double sampled_softmax_loss(const Tensor<T>& z, const T* item_emb, uint32_t dim,
                            const uint32_t* targets, const std::vector<uint32_t>& negatives,
                            const std::vector<T>& log_q, T weight, Tensor<T>& dz,
                            T* d_item_emb) {
    const Index rows = idx(z.rows), k = idx(negatives.size());
    const auto Z = mat(z);
    const auto E = mat(item_emb, log_q.size(), dim);
    auto dE = mat(d_item_emb, log_q.size(), dim);
    Matrix<T> neg_emb(k, dim);
    Eigen::Matrix<T, 1, Eigen::Dynamic> neg_log_q(k);
    for (Index j = 0; j < k; ++j) {
        neg_emb.row(j) = E.row(negatives[j]);
        neg_log_q(j) = log_q[negatives[j]];
    }
    Matrix<T> g(rows, k);  // logits, then d loss / d logits
    g.noalias() = Z * neg_emb.transpose();
    g.rowwise() -= neg_log_q;
    dz.resize(z.rows, z.cols);
    auto dZ = mat(dz);
    double total = 0.0;
    for (Index i = 0; i < rows; ++i) {
        const uint32_t t = targets[i];
        const T pos = Z.row(i).dot(E.row(t)) - log_q[t];
        T top = pos;
        for (Index j = 0; j < k; ++j)
            if (negatives[j] != t) top = std::max(top, g(i, j));
        const T pos_exp = std::exp(pos - top);
        T sum = pos_exp;
        for (Index j = 0; j < k; ++j) {
            g(i, j) = negatives[j] == t ? T(0) : std::exp(g(i, j) - top);
            sum += g(i, j);
        }
        total += double(std::log(sum)) + double(top) - double(pos);
        g.row(i) *= weight / sum;
        const T g_pos = weight * (pos_exp / sum - T(1));
        dZ.row(i) = g_pos * E.row(t);
        dE.row(t) += g_pos * Z.row(i);
    }
    dZ.noalias() += g * neg_emb;
    const Matrix<T> d_neg = g.transpose() * Z;
    for (Index j = 0; j < k; ++j) dE.row(negatives[j]) += d_neg.row(j);
    return total;
}

namespace {

template <typename T>
T softplus(T x) {
    return std::max(x, T(0)) + std::log1p(std::exp(-std::abs(x)));
}

template <typename T>
T sigmoid(T x) {
    return T(1) / (T(1) + std::exp(-x));
}

}  // namespace

template <typename T>
double bce_loss(const Tensor<T>& z, const T* item_emb, const uint32_t* targets,
                const uint32_t* negatives, T weight, Tensor<T>& dz, T* d_item_emb) {
    const Index dim = idx(z.cols);
    dz.resize(z.rows, z.cols);
    const auto Z = mat(z);
    auto dZ = mat(dz);
    double total = 0.0;
    for (Index i = 0; i < Z.rows(); ++i) {
        const ConstRowMap<T> ep(item_emb + size_t(targets[i]) * z.cols, dim);
        const ConstRowMap<T> en(item_emb + size_t(negatives[i]) * z.cols, dim);
        const T sp = Z.row(i).dot(ep), sn = Z.row(i).dot(en);
        total += double(softplus(-sp)) + double(softplus(sn));
        const T gp = weight * (sigmoid(sp) - T(1)), gn = weight * sigmoid(sn);
        dZ.row(i) = gp * ep + gn * en;
        RowMap<T>(d_item_emb + size_t(targets[i]) * z.cols, dim) += gp * Z.row(i);
        RowMap<T>(d_item_emb + size_t(negatives[i]) * z.cols, dim) += gn * Z.row(i);
    }
    return total;
}

#define HEARTH_LOSSES_INSTANTIATE(T)                                                          \
    template double full_softmax_loss<T>(const Tensor<T>&, const T*, uint32_t,                \
                                         const uint32_t*, T, Tensor<T>&, T*, size_t);        \
    template double sampled_softmax_loss<T>(const Tensor<T>&, const T*, uint32_t,             \
                                            const uint32_t*, const std::vector<uint32_t>&,   \
                                            const std::vector<T>&, T, Tensor<T>&, T*);       \
    template double bce_loss<T>(const Tensor<T>&, const T*, const uint32_t*, const uint32_t*, \
                                T, Tensor<T>&, T*);

HEARTH_LOSSES_INSTANTIATE(float)
HEARTH_LOSSES_INSTANTIATE(double)

}  // namespace hearth::train
