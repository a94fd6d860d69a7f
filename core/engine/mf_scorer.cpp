#include "core/engine/mf_scorer.h"

#include <algorithm>

#include "core/kernels/kernels.h"

namespace hearth {

MfScorer::MfScorer(const MfModelView& model) : model_(model) {
    user_.assign(model_.user_dim(), 0.0f);
    feature_.assign(model_.user_dim(), 0.0);
    z_.assign(model_.user_dim(), 0.0);
}

void MfScorer::fold_in(const HistoryEntry* history, size_t n) {
    merged_.assign(history, history + n);
    // One term per distinct item, in item order (the order training uses, so a training
    // user's history folds in to bit-identical sums).
    std::stable_sort(merged_.begin(), merged_.end(),
                     [](const HistoryEntry& a, const HistoryEntry& b) { return a.item < b.item; });
    size_t out = 0;
    for (size_t i = 0; i < merged_.size(); ++i) {
        if (out > 0 && merged_[out - 1].item == merged_[i].item) {
            if (model_.params.kind == MfKind::Implicit)
                merged_[out - 1].value += merged_[i].value;
            else
                merged_[out - 1].value = merged_[i].value;
        } else {
            merged_[out++] = merged_[i];
        }
    }
    merged_.resize(out);
    history_terms(model_, merged_.data(), merged_.size(), terms_);
    solver_.solve(model_.items, model_.gram, terms_.data(), terms_.size(),
                  effective_reg(model_.params, terms_.size()), user_.data());
}

void MfScorer::score_all(float* out) const {
    const uint32_t n = model_.items.count;
    gemv_f32()(model_.items.rows, n, model_.items.dim, user_.data(), out);
    if (model_.params.kind == MfKind::Explicit) {
        const float user_bias = user_[model_.items.dim];
        const float mu = model_.params.global_mean;
        for (uint32_t i = 0; i < n; ++i) out[i] += mu + model_.item_bias[i] + user_bias;
    }
}

float MfScorer::score(uint32_t item) {
    RidgeSolver::features(model_.items, item, feature_.data());
    double s = 0.0;
    for (uint32_t r = 0; r < model_.user_dim(); ++r) s += feature_[r] * user_[r];
    return static_cast<float>(s) + base_score(item);
}

void MfScorer::contributions(uint32_t item, std::vector<Reason>& out) {
    const uint32_t m = model_.user_dim();
    RidgeSolver::features(model_.items, item, feature_.data());
    solver_.apply_inverse(feature_.data(), z_.data());
    out.clear();
    for (const RidgeTerm& t : terms_) {
        RidgeSolver::features(model_.items, t.index, feature_.data());
        double dot = 0.0;
        for (uint32_t r = 0; r < m; ++r) dot += feature_[r] * z_[r];
        out.push_back({t.index, static_cast<float>(double(t.weight) * t.target * dot)});
    }
    sort_reasons(out);
}

}  // namespace hearth
