// Matrix factorization on a device: fold the history in, score every item, and split any
// item's score exactly into one contribution per history item.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/device/engine/reason.h"
#include "core/device/mf/mf_model.h"
#include "core/device/mf/ridge.h"

namespace hearth {

class MfScorer {
public:
    explicit MfScorer(const MfModelView& model);

    // Folds a history in (items already checked against the catalog). Repeats of an item
    // merge: implicit strengths add up, for ratings the latest counts.
    void fold_in(const HistoryEntry* history, size_t n);
    // Scores of every item for the last fold-in.
    void score_all(float* out) const;
    // contribution_i = w_i t_i f_i . A^-1 f_item, one per distinct history item, in no
    // particular order (sort_reasons); with base_score(item) they add up to the item's score exactly
    // (Hu, Koren, Volinsky 2008, section 5).
    void contributions(uint32_t item, std::vector<Reason>& out);
    // The same score as score_all: in double precision, or for an int8 bundle with the
    // int8 kernel (contributions then add up to it within the query's int16 rounding).
    float score(uint32_t item);
    // score(items[j]) for each j into out[j], bit for bit; an int8 bundle gathers the rows
    // and runs the scoring kernel once over them.
    void score_items(const uint32_t* items, size_t n, float* out);
    bool quantized() const { return model_.item_codes != nullptr; }

    float base_score(uint32_t item) const { return model_.base_score(item); }
    const MfModelView& model() const { return model_; }
    const std::vector<float>& user_vector() const { return user_; }
    const std::vector<HistoryEntry>& merged_history() const { return merged_; }

private:
    FactorRows history_rows() const;  // rows the terms index: the catalog, or the gathered copy
    void item_features(uint32_t item);

    MfModelView model_;
    RidgeSolver solver_;
    std::vector<HistoryEntry> merged_;
    std::vector<std::pair<uint32_t, uint32_t>> order_;  // (item, history position)
    std::vector<RidgeTerm> terms_;
    std::vector<float> user_;
    std::vector<double> feature_, z_;
    // int8 bundles: the history's rows dequantized, one row of scratch, the user vector
    // quantized for the scoring kernel.
    std::vector<float> gathered_, row_;
    std::vector<int16_t> query_codes_;
    float query_scale_ = 0.0f;
    std::vector<int8_t> gather_codes_;  // score_items: the items' codes and scales
    std::vector<float> gather_scales_;
};

}  // namespace hearth
