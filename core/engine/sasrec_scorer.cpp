#include "core/engine/sasrec_scorer.h"

#include <algorithm>

#include "core/kernels/kernels.h"

namespace hearth {

SasrecScorer::SasrecScorer(const SasrecView& model) : encoder_(model) {
    z_.assign(model.config.dim, 0.0f);
    items_.reserve(model.config.max_len);
}

void SasrecScorer::encode(const uint32_t* items, size_t n) {
    items_.assign(items, items + n);
    leave_one_out_ready_ = false;
    const uint32_t d = model().config.dim;
    if (n == 0) {
        std::fill(z_.begin(), z_.end(), 0.0f);
        return;
    }
    const float* z = encoder_.encode(items, n);
    std::copy(z, z + d, z_.begin());
}

void SasrecScorer::score_all(float* out) const {
    const SasrecConfig& c = model().config;
    gemv_f32()(model().item_emb, c.items, c.dim, z_.data(), out);
}

float SasrecScorer::score(uint32_t item) const {
    const uint32_t d = model().config.dim;
    return dot_f32()(model().item_emb + static_cast<size_t>(item) * d, z_.data(), d);
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
    const float* e = model().item_emb + static_cast<size_t>(item) * d;
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
    sort_reasons(out);
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
