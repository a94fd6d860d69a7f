#include "core/device/engine/mf_scorer.h"

#include <algorithm>

#include "core/common/parallel.h"
#include "core/device/kernels/kernels.h"
#include "core/device/kernels/quant.h"

namespace hearth {

MfScorer::MfScorer(const MfModelView& model) : model_(model) {
    user_.assign(model_.user_dim(), 0.0f);
    feature_.assign(model_.user_dim(), 0.0);
    z_.assign(model_.user_dim(), 0.0);
    if (quantized()) {
        row_.assign(model_.items.dim, 0.0f);
        query_codes_.assign(model_.items.dim, 0);
    }
}

FactorRows MfScorer::history_rows() const {
    if (!quantized()) return model_.items;
    FactorRows rows = model_.items;
    rows.rows = gathered_.data();
    rows.count = static_cast<uint32_t>(merged_.size());
    return rows;
}

// The features of one item: its row, dequantized first in an int8 bundle.
void MfScorer::item_features(uint32_t item) {
    if (!quantized()) {
        RidgeSolver::features(model_.items, item, feature_.data());
        return;
    }
    const uint32_t d = model_.items.dim;
    dequantize_row_i8(model_.item_codes + static_cast<size_t>(item) * d, model_.item_scales[item], d,
                      row_.data());
    FactorRows one = model_.items;
    one.rows = row_.data();
    one.count = 1;
    RidgeSolver::features(one, 0, feature_.data());
}

void MfScorer::fold_in(const HistoryEntry* history, size_t n) {
    // One term per distinct item, in item order (the order training uses, so a training
    // user's history folds in to bit-identical sums); repeats merge in history order. A
    // plain sort on (item, position) gives that order without stable_sort's buffer, so a
    // warm call does not allocate.
    order_.resize(n);
    for (size_t i = 0; i < n; ++i) order_[i] = {history[i].item, static_cast<uint32_t>(i)};
    std::sort(order_.begin(), order_.end());
    merged_.clear();
    for (const auto& [item, position] : order_) {
        const float value = history[position].value;
        if (!merged_.empty() && merged_.back().item == item) {
            if (model_.params.kind == MfKind::Implicit)
                merged_.back().value += value;
            else
                merged_.back().value = value;
        } else {
            merged_.push_back({item, value});
        }
    }
    history_terms(model_, merged_.data(), merged_.size(), terms_);
    if (quantized()) {
        // The solve reads the history's rows only: dequantize those, and let term k
        // point at row k of the gathered copy.
        const uint32_t d = model_.items.dim;
        gathered_.resize(merged_.size() * d);
        for (size_t k = 0; k < merged_.size(); ++k) {
            const uint32_t item = merged_[k].item;
            dequantize_row_i8(model_.item_codes + static_cast<size_t>(item) * d, model_.item_scales[item],
                              d, &gathered_[k * d]);
            terms_[k].index = static_cast<uint32_t>(k);
        }
    }
    solver_.solve(history_rows(), model_.gram, terms_.data(), terms_.size(),
                  effective_reg(model_.params, terms_.size()), user_.data());
    if (quantized()) query_scale_ = quantize_query_i16(user_.data(), model_.items.dim, query_codes_.data());
}

void MfScorer::score_all(float* out) const {
    const size_t d = model_.items.dim;
    // In row ranges split across the scoring threads (one range when there are none).
    parallel_rows(model_.items.count, kScoringAlign, [&](size_t begin, size_t end) {
        if (quantized())
            gemv_i8()(model_.item_codes + begin * d, model_.item_scales + begin, end - begin, d,
                      query_codes_.data(), query_scale_, out + begin);
        else
            gemv_f32()(model_.items.rows + begin * d, end - begin, d, user_.data(), out + begin);
        if (model_.params.kind == MfKind::Explicit) {
            const float user_bias = user_[d];
            const float mu = model_.params.global_mean;
            for (size_t i = begin; i < end; ++i) out[i] += mu + model_.item_bias[i] + user_bias;
        }
    });
}

float MfScorer::score(uint32_t item) {
    if (quantized()) {
        // The scoring kernel on one row: the same score score_all gives.
        const uint32_t d = model_.items.dim;
        float s = 0.0f;
        gemv_i8()(model_.item_codes + static_cast<size_t>(item) * d, model_.item_scales + item, 1, d,
                  query_codes_.data(), query_scale_, &s);
        if (model_.params.kind == MfKind::Explicit) s += user_[d];
        return s + base_score(item);
    }
    RidgeSolver::features(model_.items, item, feature_.data());
    double s = 0.0;
    for (uint32_t r = 0; r < model_.user_dim(); ++r) s += feature_[r] * user_[r];
    return static_cast<float>(s) + base_score(item);
}

void MfScorer::score_items(const uint32_t* items, size_t n, float* out) {
    if (!quantized()) {
        for (size_t j = 0; j < n; ++j) out[j] = score(items[j]);
        return;
    }
    // Integer sums are exact, so the gathered rows score exactly as one row at a time.
    const uint32_t d = model_.items.dim;
    gather_codes_.resize(n * d);
    gather_scales_.resize(n);
    for (size_t j = 0; j < n; ++j) {
        std::copy(model_.item_codes + static_cast<size_t>(items[j]) * d,
                  model_.item_codes + static_cast<size_t>(items[j] + 1) * d, &gather_codes_[j * d]);
        gather_scales_[j] = model_.item_scales[items[j]];
    }
    gemv_i8()(gather_codes_.data(), gather_scales_.data(), n, d, query_codes_.data(), query_scale_, out);
    for (size_t j = 0; j < n; ++j) {
        float s = out[j];
        if (model_.params.kind == MfKind::Explicit) s += user_[d];
        out[j] = s + base_score(items[j]);
    }
}

void MfScorer::contributions(uint32_t item, std::vector<Reason>& out) {
    item_features(item);
    solver_.apply_inverse(feature_.data(), z_.data());
    out.clear();
    // The rows are read as they are (no copy into a feature vector per term); an explicit
    // model's appended 1 is the last term of the dot product.
    const FactorRows rows = history_rows();
    const uint32_t d = rows.dim;
    for (size_t k = 0; k < terms_.size(); ++k) {
        const RidgeTerm& t = terms_[k];
        const float* row = rows.rows + static_cast<size_t>(t.index) * d;
        double dot = 0.0;
        for (uint32_t r = 0; r < d; ++r) dot += double(row[r]) * z_[r];
        if (rows.append_one) dot += z_[d];
        out.push_back({merged_[k].item, static_cast<float>(double(t.weight) * t.target * dot)});
    }
}

}  // namespace hearth
