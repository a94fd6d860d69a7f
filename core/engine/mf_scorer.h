// Matrix factorization on a device: fold the history in, score every item, and split any
// item's score exactly into one contribution per history item.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/engine/reason.h"
#include "core/mf/mf_model.h"
#include "core/mf/ridge.h"

namespace hearth {

class MfScorer {
public:
    explicit MfScorer(const MfModelView& model);

    // Folds a history in (items already checked against the catalog). Repeats of an item
    // merge: implicit strengths add up, for ratings the latest counts.
    void fold_in(const HistoryEntry* history, size_t n);
    // Scores of every item for the last fold-in.
    void score_all(float* out) const;
    // contribution_i = w_i t_i f_i . A^-1 f_item, one per distinct history item, largest
    // first; with base_score(item) they add up to the item's score exactly
    // (Hu, Koren, Volinsky 2008, section 5).
    void contributions(uint32_t item, std::vector<Reason>& out);
    float score(uint32_t item);  // the same score as score_all, in double precision

    float base_score(uint32_t item) const { return model_.base_score(item); }
    const MfModelView& model() const { return model_; }
    const std::vector<float>& user_vector() const { return user_; }
    const std::vector<HistoryEntry>& merged_history() const { return merged_; }

private:
    MfModelView model_;
    RidgeSolver solver_;
    std::vector<HistoryEntry> merged_;
    std::vector<RidgeTerm> terms_;
    std::vector<float> user_;
    std::vector<double> feature_, z_;
};

}  // namespace hearth
