#include "core/engine/engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/common/error.h"
#include "core/kernels/kernels.h"

namespace hearth {

Engine::Engine(Bytes bytes, size_t size) : bytes_(std::move(bytes)) {
    reader_ = std::make_unique<BundleReader>(bytes_.get(), size);
    catalog_ = Catalog(*reader_);
    model_ = read_mf_model(*reader_);
    if (model_.items.count != catalog_.size())
        throw Error("bundle", "section 'mf.factors': " + std::to_string(model_.items.count) +
                                  " rows but the catalog has " +
                                  std::to_string(catalog_.size()) + " items");
    const uint32_t n = catalog_.size();
    const uint32_t m = model_.user_dim();
    user_.assign(m, 0.0f);
    scores_.assign(n, 0.0f);
    excluded_.assign(n, 0);
    feature_.assign(m, 0.0);
    z_.assign(m, 0.0);
}

std::unique_ptr<Engine> Engine::from_file(const std::string& path) {
    const std::vector<uint8_t> data = read_file_bytes(path);
    Bytes bytes(static_cast<uint8_t*>(std::malloc(data.size() ? data.size() : 1)), &std::free);
    if (!bytes) throw Error("io", "out of memory reading " + path);
    if (!data.empty()) std::memcpy(bytes.get(), data.data(), data.size());
    return std::make_unique<Engine>(std::move(bytes), data.size());
}

std::string_view Engine::meta_json() const {
    return reader_->has("meta") ? reader_->json("meta") : std::string_view("{}");
}

void Engine::fold_in(const HistoryEntry* history, size_t n) {
    const uint32_t catalog_size = catalog_.size();
    merged_.assign(history, history + n);
    for (size_t i = 0; i < n; ++i) {
        if (merged_[i].item >= catalog_size)
            throw Error("argument", "history entry " + std::to_string(i) + ": item index " +
                                        std::to_string(merged_[i].item) +
                                        " is outside the catalog of " +
                                        std::to_string(catalog_size) + " items");
        if (!std::isfinite(merged_[i].value))
            throw Error("argument", "history entry " + std::to_string(i) +
                                        ": value is not a finite number");
    }
    // One term per distinct item, in item order (the order training uses, so a training
    // user's history folds in to bit-identical sums). Repeats add up for implicit
    // strengths; for ratings the latest one counts.
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

void Engine::score_all() {
    const uint32_t n = catalog_.size();
    if (cold_start()) {
        // An implicit model knows nothing of a user without history (every score is 0):
        // popularity is the honest answer until the first event.
        for (uint32_t i = 0; i < n; ++i) scores_[i] = catalog_.popularity(i);
        return;
    }
    gemv_f32()(model_.items.rows, n, model_.items.dim, user_.data(), scores_.data());
    if (model_.params.kind == MfKind::Explicit) {
        const float user_bias = user_[model_.items.dim];
        const float mu = model_.params.global_mean;
        for (uint32_t i = 0; i < n; ++i) scores_[i] += mu + model_.item_bias[i] + user_bias;
    }
}

// contribution_i = w_i t_i f_i . A^-1 f_item: the user vector is A^-1 sum_i w_i t_i f_i,
// so these add up to the item's score exactly (Hu, Koren, Volinsky 2008, section 5).
void Engine::contributions_for(uint32_t item, std::vector<Reason>& out) {
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
    std::sort(out.begin(), out.end(), [](const Reason& a, const Reason& b) {
        return a.weight > b.weight || (a.weight == b.weight && a.item < b.item);
    });
}

const Recommendations& Engine::recommend(const HistoryEntry* history, size_t n,
                                         const RecommendOptions& options) {
    const uint32_t catalog_size = catalog_.size();
    for (size_t i = 0; i < options.exclude_count; ++i)
        if (options.exclude[i] >= catalog_size)
            throw Error("argument", "excluded item index " + std::to_string(options.exclude[i]) +
                                        " is outside the catalog");
    fold_in(history, n);
    score_all();

    if (options.exclude_history)
        for (const HistoryEntry& h : merged_) excluded_[h.item] = 1;
    for (size_t i = 0; i < options.exclude_count; ++i) excluded_[options.exclude[i]] = 1;
    top_k(scores_.data(), catalog_size, options.k, excluded_.data(), recs_.items);
    for (const HistoryEntry& h : merged_) excluded_[h.item] = 0;
    for (size_t i = 0; i < options.exclude_count; ++i) excluded_[options.exclude[i]] = 0;

    recs_.base.clear();
    recs_.reasons.clear();
    recs_.reason_start.assign(1, 0);
    for (const Scored& s : recs_.items) {
        recs_.base.push_back(cold_start() ? s.score : model_.base_score(s.index));
        contributions_for(s.index, candidates_);
        for (size_t r = 0; r < candidates_.size() && r < options.reasons; ++r) {
            if (!(candidates_[r].weight > 0.0f)) break;  // a reason is something that helped
            recs_.reasons.push_back(candidates_[r]);
        }
        recs_.reason_start.push_back(static_cast<uint32_t>(recs_.reasons.size()));
    }
    return recs_;
}

const Explanation& Engine::explain(const HistoryEntry* history, size_t n, uint32_t item) {
    if (item >= catalog_.size())
        throw Error("argument", "item index " + std::to_string(item) + " is outside the catalog");
    fold_in(history, n);
    RidgeSolver::features(model_.items, item, feature_.data());
    double score = 0.0;
    for (uint32_t r = 0; r < model_.user_dim(); ++r) score += feature_[r] * user_[r];
    explanation_.item = item;
    explanation_.base = model_.base_score(item);
    explanation_.score = static_cast<float>(score) + explanation_.base;
    contributions_for(item, explanation_.contributions);
    return explanation_;
}

}  // namespace hearth
