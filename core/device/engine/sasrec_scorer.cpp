#include "core/device/engine/sasrec_scorer.h"

#include <algorithm>

#include "core/common/parallel.h"
#include "core/device/kernels/kernels.h"
#include "core/device/kernels/quant.h"

namespace hearth {

SasrecScorer::SasrecScorer(const SasrecView& model) : encoder_(model) {
    z_.assign(model.config.dim, 0.0f);
    items_.reserve(model.config.max_len);
    if (quantized()) {
        row_.assign(model.config.dim, 0.0f);
        query_codes_.assign(model.config.dim, 0);
    }
}

const float* SasrecScorer::item_row(uint32_t item) {
    const uint32_t d = model().config.dim;
    if (!quantized()) return model().item_emb + static_cast<size_t>(item) * d;
    dequantize_row_i8(model().item_codes + static_cast<size_t>(item) * d, model().item_scales[item], d,
                      row_.data());
    return row_.data();
}

void SasrecScorer::encode(const uint32_t* items, size_t n) {
    items_.assign(items, items + n);
    leave_one_out_ready_ = false;
    const uint32_t d = model().config.dim;
    if (n == 0) {
        std::fill(z_.begin(), z_.end(), 0.0f);
    } else {
        const float* z = encoder_.encode(items, n);
        std::copy(z, z + d, z_.begin());
    }
    if (quantized()) query_scale_ = quantize_query_i16(z_.data(), d, query_codes_.data());
}

void SasrecScorer::score_all(float* out) const {
    const size_t d = model().config.dim;
    // In row ranges split across the scoring threads (one range when there are none).
    parallel_rows(model().config.items, kScoringAlign, [&](size_t begin, size_t end) {
        if (quantized())
            gemv_i8()(model().item_codes + begin * d, model().item_scales + begin, end - begin, d,
                      query_codes_.data(), query_scale_, out + begin);
        else
            gemv_f32()(model().item_emb + begin * d, end - begin, d, z_.data(), out + begin);
    });
}

float SasrecScorer::score(uint32_t item) const {
    const uint32_t d = model().config.dim;
    if (quantized()) {  // the scoring kernel on one row: the same score score_all gives
        float s = 0.0f;
        gemv_i8()(model().item_codes + static_cast<size_t>(item) * d, model().item_scales + item, 1, d,
                  query_codes_.data(), query_scale_, &s);
        return s;
    }
    return dot_f32()(model().item_emb + static_cast<size_t>(item) * d, z_.data(), d);
}

void SasrecScorer::score_items(const uint32_t* items, size_t n, float* out) {
    if (!quantized()) {
        for (size_t j = 0; j < n; ++j) out[j] = score(items[j]);
        return;
    }
    const uint32_t d = model().config.dim;
    gather_codes_.resize(n * d);
    gather_scales_.resize(n);
    for (size_t j = 0; j < n; ++j) {
        std::copy(model().item_codes + static_cast<size_t>(items[j]) * d,
                  model().item_codes + static_cast<size_t>(items[j] + 1) * d, &gather_codes_[j * d]);
        gather_scales_[j] = model().item_scales[items[j]];
    }
    gemv_i8()(gather_codes_.data(), gather_scales_.data(), n, d, query_codes_.data(), query_scale_, out);
}

void SasrecScorer::influences(uint32_t item, std::vector<Reason>& out) {
    out.clear();
    const size_t n = items_.size();
    if (n == 0) return;
    const uint32_t d = model().config.dim;
    if (!leave_one_out_ready_) {
        const float* rows = encoder_.encode_leave_one_out(items_.data(), n, rows_);
        without_.assign(rows, rows + rows_ * d);
        leave_one_out_ready_ = true;
    }
    const float* e = item_row(item);
    const float full = dot_f32()(e, z_.data(), d);
    const size_t window_start = n - rows_;
    merged_.clear();
    for (size_t j = 0; j < rows_; ++j)
        merged_.push_back({items_[window_start + j], full - dot_f32()(e, &without_[j * d], d)});
    // A repeated item: one reason whose weight is the sum of its positions' influences.
    std::sort(merged_.begin(), merged_.end(),
              [](const Reason& a, const Reason& b) { return a.item < b.item; });
    for (const Reason& r : merged_) {
        if (!out.empty() && out.back().item == r.item)
            out.back().weight += r.weight;
        else
            out.push_back(r);
    }
}

void SasrecScorer::attention(std::vector<Reason>& out) const {
    out.clear();
    size_t heads = 0, len = 0;
    const float* a = encoder_.last_attention(heads, len);
    if (!a || len == 0) return;
    const size_t window_start = items_.size() - len;
    for (size_t j = 0; j < len; ++j) {
        float w = 0.0f;
        for (size_t h = 0; h < heads; ++h) w += a[h * len + j];
        out.push_back({items_[window_start + j], w / static_cast<float>(heads)});
    }
}

}  // namespace hearth
