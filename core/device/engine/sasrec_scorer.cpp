#include "core/device/engine/sasrec_scorer.h"

#include <algorithm>
#include <cmath>

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
    selected_ = false;
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

void SasrecScorer::select_reasons(const uint32_t* items, size_t k, size_t row_budget) {
    const size_t n = items_.size();
    const size_t m = std::min<size_t>(n, model().config.max_len);
    const size_t window_start = n - m;
    const size_t all_rows = m * (m - (m > 0)) / 2;
    positions_.clear();
    leave_one_out_ready_ = false;
    selected_ = true;
    if (row_budget == 0 || all_rows <= row_budget || k == 0) {
        for (size_t j = 0; j < m; ++j) positions_.push_back(static_cast<uint32_t>(j));
        return;
    }
    const auto cost = [m](size_t j) { return m - 1 - j; };
    // The newest items: the cheapest, and in a sequence model usually the strongest.
    size_t spent = 0, older = m;
    while (older > 0 && spent + cost(older - 1) <= row_budget / 2) {
        spent += cost(--older);
        positions_.push_back(static_cast<uint32_t>(older));
    }
    const uint32_t d = model().config.dim;
    screen_rows_.resize(k * d);
    for (size_t i = 0; i < k; ++i) {
        const float* e = item_row(items[i]);
        std::copy(e, e + d, &screen_rows_[i * d]);
    }
    screen_.assign(older, 0.0f);
    order_.clear();
    // The last block's attention of the last position, summed over heads, times how like
    // one of the listed items the history item is: of the screens measured by `hearth
    // bench-reasons` (similarity, attention, both, random) the best, and still far from
    // exact (scripts/BENCHMARKS.md).
    size_t heads = 0, len = 0;
    const float* att = encoder_.last_attention(heads, len);
    for (size_t p = 0; p < older; ++p) {
        const float* e = item_row(items_[window_start + p]);
        float best = 0.0f;
        for (size_t i = 0; i < k; ++i) best = std::max(best, std::fabs(dot_f32()(e, &screen_rows_[i * d], d)));
        float a = 0.0f;
        for (size_t h = 0; h < heads; ++h) a += att[h * len + p];
        best *= a;
        screen_[p] = best;
        order_.push_back(static_cast<uint32_t>(p));
    }
    std::stable_sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) { return screen_[a] > screen_[b]; });
    for (uint32_t p : order_)
        if (spent + cost(p) <= row_budget) {
            spent += cost(p);
            positions_.push_back(p);
        }
    std::sort(positions_.begin(), positions_.end());
}

void SasrecScorer::influences(uint32_t item, std::vector<Reason>& out) {
    out.clear();
    const size_t n = items_.size();
    if (n == 0) return;
    const uint32_t d = model().config.dim;
    if (!selected_) select_reasons(nullptr, 0, 0);
    if (!leave_one_out_ready_) {
        const float* rows =
            encoder_.encode_leave_one_out_at(items_.data(), n, positions_.data(), positions_.size());
        without_.assign(rows, rows + positions_.size() * d);
        leave_one_out_ready_ = true;
    }
    const float* e = item_row(item);
    const float full = dot_f32()(e, z_.data(), d);
    const size_t window_start = n - std::min<size_t>(n, model().config.max_len);
    merged_.clear();
    for (size_t r = 0; r < positions_.size(); ++r)
        merged_.push_back({items_[window_start + positions_[r]], full - dot_f32()(e, &without_[r * d], d)});
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
