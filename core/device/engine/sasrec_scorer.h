// SASRec on a device: encode the history window, score every item, and measure each
// history item's influence on a score by leaving it out (faithful by construction).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/device/engine/reason.h"
#include "core/device/sasrec/encoder.h"

namespace hearth {

class SasrecScorer {
public:
    explicit SasrecScorer(const SasrecView& model);

    // Encodes the history (oldest first); values are not used by a sequence model.
    void encode(const uint32_t* items, size_t n);
    void score_all(float* out) const;
    float score(uint32_t item) const;
    // score(items[j]) for each j into out[j], bit for bit; an int8 bundle gathers the rows
    // and runs the scoring kernel once over them.
    void score_items(const uint32_t* items, size_t n, float* out);

    // Which window positions influences() measures. With row_budget == 0, or when every
    // position fits in it, all of them: each history item's influence is exact. Otherwise
    // a subset for the reasons of `items` (the list being shown) whose leave-one-out
    // encodings cost at most row_budget encoder rows (removing window position j costs the
    // m - 1 - j rows after it): the newest items for half the budget, then older items by
    // last-position attention times their largest |similarity| to one of `items`, as long
    // as they fit. The influences measured are exact; an item left out gets none.
    void select_reasons(const uint32_t* items, size_t k, size_t row_budget);
    // Influence of each history item on `item`'s score: score - score without that item,
    // over the selected positions (all of them if select_reasons was not called since
    // encode). A repeated item's influences add up. In item order (sort_reasons). The
    // leave-one-out encodings are computed once per history (one batched pass), then each
    // item costs one dot product per position.
    void influences(uint32_t item, std::vector<Reason>& out);

    // The last block's attention of the last position, averaged over heads, per window item.
    void attention(std::vector<Reason>& out) const;

    const SasrecView& model() const { return encoder_.model(); }
    size_t history_length() const { return items_.size(); }
    // The last history's encoding z (dim floats): score(item) = z . item_emb[item].
    const std::vector<float>& encoding() const { return z_; }
    bool quantized() const { return model().item_emb == nullptr; }

private:
    const float* item_row(uint32_t item);  // dequantized into row_ for an int8 bundle

    SasrecEncoder encoder_;
    std::vector<uint32_t> items_;   // the history, oldest first
    std::vector<float> z_;          // its encoding
    bool selected_ = false;             // positions_ chosen for this history
    bool leave_one_out_ready_ = false;  // without_ computed for them
    std::vector<uint32_t> positions_;   // window positions measured, ascending
    std::vector<float> without_;        // one leave-one-out encoding per position (x dim)
    std::vector<float> screen_rows_;    // select_reasons: the listed items' rows (k x dim)
    std::vector<float> screen_;         // per window position: its best similarity
    std::vector<uint32_t> order_;       // older positions, most similar first
    std::vector<Reason> merged_;
    std::vector<float> row_;
    std::vector<int16_t> query_codes_;  // int8 bundles: z quantized for the scoring kernel
    float query_scale_ = 0.0f;
    std::vector<int8_t> gather_codes_;  // score_items: the items' codes and scales
    std::vector<float> gather_scales_;
};

}  // namespace hearth
