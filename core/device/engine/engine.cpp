#include "core/device/engine/engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/common/error.h"
#include "core/device/kernels/kernels.h"
#include "core/device/kernels/pq.h"
#include "core/device/kernels/quant.h"
#include "core/device/sasrec/sasrec_bundle.h"

namespace hearth {

namespace {

void mean_and_scale(const float* x, size_t n, double& mean, double& inv_std) {
    double sum = 0.0, sq = 0.0;
    for (size_t i = 0; i < n; ++i) sum += x[i];
    mean = n ? sum / static_cast<double>(n) : 0.0;
    for (size_t i = 0; i < n; ++i) sq += (x[i] - mean) * (x[i] - mean);
    const double sd = n ? std::sqrt(sq / static_cast<double>(n)) : 0.0;
    inv_std = sd > 1e-12 ? 1.0 / sd : 0.0;
}

}  // namespace

const char* model_choice_name(ModelChoice m) {
    switch (m) {
        case ModelChoice::Mf: return "mf";
        case ModelChoice::Sasrec: return "sasrec";
        case ModelChoice::Hybrid: return "hybrid";
        default: return "auto";
    }
}

void blend_scores(const float* seq, const float* mf, size_t n, float w, float* out,
                  float& a_seq, float& a_mf) {
    double ms, is, mm, im;
    mean_and_scale(seq, n, ms, is);
    mean_and_scale(mf, n, mm, im);
    a_seq = static_cast<float>(w * is);
    a_mf = static_cast<float>((1.0 - w) * im);
    const float offset = static_cast<float>(-w * is * ms - (1.0 - w) * im * mm);
    for (size_t i = 0; i < n; ++i) out[i] = a_seq * seq[i] + a_mf * mf[i] + offset;
}

Engine::Engine(Bytes bytes, size_t size) : bytes_(std::move(bytes)) {
    reader_ = std::make_unique<BundleReader>(bytes_.get(), size);
    catalog_ = Catalog(*reader_);
    const uint32_t n = catalog_.size();
    if (reader_->has("mf.kind")) {
        mf_.emplace(read_mf_model(*reader_));
        if (mf_->model().items.count != n)
            throw Error("bundle", "section 'mf.factors': " +
                                      std::to_string(mf_->model().items.count) +
                                      " rows but the catalog has " + std::to_string(n) + " items");
    }
    if (reader_->has("sasrec.config")) {
        sasrec_.emplace(read_sasrec(*reader_));
        if (sasrec_->model().config.items != n)
            throw Error("bundle", "section 'sasrec.item_emb': " +
                                      std::to_string(sasrec_->model().config.items) +
                                      " rows but the catalog has " + std::to_string(n) + " items");
    }
    if (!mf_ && !sasrec_)
        throw Error("bundle", "the bundle holds no model (neither mf.* nor sasrec.* sections)");
    // Product-quantized catalogs: the MF table's PQ dims include an explicit model's bias.
    if (mf_ && PqIndex::present(*reader_, "mf")) {
        const MfModelView& m = mf_->model();
        mf_pq_.emplace(*reader_, "mf", n, m.items.dim + (m.params.kind == MfKind::Explicit ? 1u : 0u));
    }
    if (sasrec_ && PqIndex::present(*reader_, "sasrec"))
        seq_pq_.emplace(*reader_, "sasrec", n, sasrec_->model().config.dim);
    if (mf_ && sasrec_ && bool(mf_pq_) != bool(seq_pq_))
        throw Error("bundle", std::string("section '") + (mf_pq_ ? "sasrec" : "mf") +
                                  ".pq_codes': missing from the bundle (a bundle with both models "
                                  "quantizes both catalogs)");
    if (mf_pq_ || seq_pq_) {
        pq_raw_.assign((mf_pq_ ? mf_pq_ : seq_pq_)->scan_size(), 0);
        if (mf_pq_) pq_mf_query_.assign(mf_pq_->dim(), 0.0f);
        if (mf_pq_ && seq_pq_) pq_raw2_.assign(pq_raw_.size(), 0);
    }
    if (reader_->has("hybrid.weight")) {
        hybrid_weight_ = reader_->f32("hybrid.weight", 1, 1)[0];
        if (!(hybrid_weight_ >= 0.0f && hybrid_weight_ <= 1.0f))
            throw Error("bundle", "section 'hybrid.weight': weight must be in [0, 1]");
    }
    scores_.assign(n, 0.0f);
    if (mf_ && sasrec_) mf_scores_.assign(n, 0.0f);
    excluded_.assign(n, 0);

    moods_ = MoodTable(*reader_, catalog_.tag_count());
    content_ = ContentItems(*reader_, n);
    space_.items = n;
    space_.embeddings = mf_ ? mf_->model().items.rows : sasrec_->model().item_emb;
    space_.codes = mf_ ? mf_->model().item_codes : sasrec_->model().item_codes;
    space_.dim = mf_ ? mf_->model().items.dim : sasrec_->model().config.dim;
    space_.tag_offsets = catalog_.tag_offsets();
    space_.tag_ids = catalog_.tag_ids();
    space_.tags = catalog_.tag_count();
    space_.popularity = catalog_.popularity();
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

ModelChoice Engine::resolve(ModelChoice asked) const {
    if (asked == ModelChoice::Auto)
        return mf_ && sasrec_ ? ModelChoice::Hybrid : (mf_ ? ModelChoice::Mf : ModelChoice::Sasrec);
    const bool ok = (asked == ModelChoice::Mf && mf_) || (asked == ModelChoice::Sasrec && sasrec_) ||
                    (asked == ModelChoice::Hybrid && mf_ && sasrec_);
    if (!ok)
        throw Error("argument", std::string("the bundle has no ") + model_choice_name(asked) + " model");
    return asked;
}

float Engine::resolve_weight(float asked) const {
    if (asked < 0.0f) return hybrid_weight_;
    if (!(asked <= 1.0f)) throw Error("argument", "hybrid weight must be in [0, 1]");
    return asked;
}

void Engine::check_history(const HistoryEntry* history, size_t n) const {
    const uint32_t size = catalog_.size();
    for (size_t i = 0; i < n; ++i) {
        if (history[i].item >= size)
            throw Error("argument", "history entry " + std::to_string(i) + ": item index " +
                                        std::to_string(history[i].item) +
                                        " is outside the catalog of " + std::to_string(size) +
                                        " items");
        if (!std::isfinite(history[i].value))
            throw Error("argument", "history entry " + std::to_string(i) +
                                        ": value is not a finite number");
    }
}

bool Engine::uses_pq(ModelChoice model) const {
    if (model == ModelChoice::Mf) return mf_pq_.has_value();
    if (model == ModelChoice::Sasrec) return seq_pq_.has_value();
    return mf_pq_.has_value() && seq_pq_.has_value();
}

uint32_t Engine::pq_candidate_count(const RecommendOptions& o) const {
    uint64_t r = o.pq_candidates ? o.pq_candidates
                                 : std::max<uint64_t>(uint64_t{kPqCandidatesPerK} * o.k, kPqMinCandidates);
    r = std::max<uint64_t>({r, o.k, o.controls.candidates});
    return static_cast<uint32_t>(std::min<uint64_t>(r, catalog_.size()));
}

// Product-quantized catalogs: the fast scan's approximate scores pick the candidates, the
// exact rows (int8 or fp32) score them, and every other item is left out (NaN).
void Engine::score_pq(ModelChoice model, float weight, const uint8_t* excluded, uint32_t candidates,
                      int64_t only_item) {
    const uint32_t size = catalog_.size();
    const bool use_mf = model != ModelChoice::Sasrec;
    const bool use_seq = model != ModelChoice::Mf;
    float mf_constant = 0.0f;  // explicit: mu + b_u, outside the PQ'd dot [u; 1] . [q_i; b_i]
    if (use_mf) {
        const MfModelView& m = mf_->model();
        const std::vector<float>& u = mf_->user_vector();
        std::copy(u.begin(), u.begin() + m.items.dim, pq_mf_query_.begin());
        if (m.params.kind == MfKind::Explicit) {
            pq_mf_query_[m.items.dim] = 1.0f;
            mf_constant = m.params.global_mean + u[m.items.dim];
        }
    }
    const float* seq_query = use_seq ? sasrec_->encoding().data() : nullptr;
    if (model == ModelChoice::Hybrid) {
        // The blend standardizes each model's scores over the whole catalog. PQ scores are
        // biased (reconstructions shrink the spread), so the mean and variance come from the
        // exact rows' moments stored at export: mean = q . mu, var = q^T C q.
        const double ms = seq_pq_->score_mean(seq_query);
        const double mm = mf_pq_->score_mean(pq_mf_query_.data()) + mf_constant;
        const double sd_s = std::sqrt(seq_pq_->score_variance(seq_query));
        const double sd_m = std::sqrt(mf_pq_->score_variance(pq_mf_query_.data()));
        const double is = sd_s > 1e-12 ? 1.0 / sd_s : 0.0, im = sd_m > 1e-12 ? 1.0 / sd_m : 0.0;
        a_seq_ = static_cast<float>(weight * is);
        a_mf_ = static_cast<float>((1.0 - weight) * im);
        blend_offset_ = static_cast<float>(-weight * is * ms - (1.0 - weight) * im * mm);
    }
    // scores_ is NaN but for the candidates: after a PQ call only the previous candidates
    // need resetting, else the whole array.
    if (pq_scores_clean_)
        for (uint32_t item : pq_candidates_) scores_[item] = std::numeric_limits<float>::quiet_NaN();
    else
        std::fill(scores_.begin(), scores_.end(), std::numeric_limits<float>::quiet_NaN());
    pq_candidates_.clear();
    if (only_item >= 0) {
        pq_candidates_.push_back(static_cast<uint32_t>(only_item));
    } else if (candidates >= size) {
        // Every item is a candidate: nothing for a scan to choose.
        for (uint32_t i = 0; i < size; ++i)
            if (!(excluded && excluded[i])) pq_candidates_.push_back(i);
    } else if (model == ModelChoice::Mf || model == ModelChoice::Sasrec) {
        PqIndex& pq = model == ModelChoice::Mf ? *mf_pq_ : *seq_pq_;
        pq.scan(model == ModelChoice::Mf ? pq_mf_query_.data() : seq_query, pq_raw_.data());
        pq_top_k_u16(pq_raw_.data(), size, candidates, excluded, pq_heap_, pq_candidates_);
    } else {
        // The approximate blend a_seq * seq + a_mf * mf in one integer sum: both models'
        // tables, scaled by their blend coefficients, share one u8 step (sized so that the
        // two u16 sums cannot overflow), and the two scans add up.
        mf_pq_->prepare(pq_mf_query_.data(), a_mf_);
        seq_pq_->prepare(seq_query, a_seq_);
        const uint32_t levels = std::min<uint32_t>(255, 65535 / (mf_pq_->subspaces() + seq_pq_->subspaces()));
        const float step = std::max(mf_pq_->lut_range(), seq_pq_->lut_range()) / static_cast<float>(levels);
        mf_pq_->quantize(step);
        seq_pq_->quantize(step);
        mf_pq_->scan_prepared(pq_raw_.data());
        seq_pq_->scan_prepared(pq_raw2_.data());
        for (size_t i = 0; i < pq_raw_.size(); ++i) pq_raw_[i] = static_cast<uint16_t>(pq_raw_[i] + pq_raw2_[i]);
        pq_top_k_u16(pq_raw_.data(), size, candidates, excluded, pq_heap_, pq_candidates_);
    }
    // The exact scores, the candidates' rows gathered (so an int8 kernel call covers them all).
    const size_t r = pq_candidates_.size();
    pq_exact_.resize(r);
    pq_exact_mf_.resize(model == ModelChoice::Hybrid ? r : 0);
    if (model == ModelChoice::Mf) {
        mf_->score_items(pq_candidates_.data(), r, pq_exact_.data());
    } else if (model == ModelChoice::Sasrec) {
        sasrec_->score_items(pq_candidates_.data(), r, pq_exact_.data());
    } else {
        sasrec_->score_items(pq_candidates_.data(), r, pq_exact_.data());
        mf_->score_items(pq_candidates_.data(), r, pq_exact_mf_.data());
        for (size_t j = 0; j < r; ++j) pq_exact_[j] = a_seq_ * pq_exact_[j] + a_mf_ * pq_exact_mf_[j] + blend_offset_;
    }
    for (size_t j = 0; j < r; ++j) scores_[pq_candidates_[j]] = pq_exact_[j];
    pq_scores_clean_ = true;
    pq_scored_ = true;
}

void Engine::score(const HistoryEntry* history, size_t n, ModelChoice model, float weight,
                   const uint8_t* excluded, uint32_t candidates, int64_t only_item) {
    check_history(history, n);
    pq_scored_ = false;
    history_items_.clear();
    for (size_t i = 0; i < n; ++i) history_items_.push_back(history[i].item);
    const uint32_t size = catalog_.size();
    const bool use_mf = model != ModelChoice::Sasrec;
    const bool use_seq = model != ModelChoice::Mf;
    if (use_mf) mf_->fold_in(history, n);
    if (use_seq) sasrec_->encode(history_items_.data(), history_items_.size());

    const bool explicit_mf = model == ModelChoice::Mf && mf_->model().params.kind == MfKind::Explicit;
    if (cold_start() && !explicit_mf) {
        // Without history the models know nothing of the user (an implicit or sequence
        // model gives no signal): popularity is the honest answer until the first event.
        for (uint32_t i = 0; i < size; ++i) scores_[i] = catalog_.popularity(i);
        pq_scores_clean_ = false;
        return;
    }
    if (uses_pq(model)) {
        score_pq(model, weight, excluded, candidates, only_item);
        return;
    }
    pq_scores_clean_ = false;
    if (only_item >= 0 && model != ModelChoice::Hybrid) {
        // explain() needs one score, not the catalog's (only the hybrid's standardization
        // needs every score).
        const uint32_t item = static_cast<uint32_t>(only_item);
        scores_[item] = model == ModelChoice::Mf ? mf_->score(item) : sasrec_->score(item);
        return;
    }
    if (model == ModelChoice::Mf) {
        mf_->score_all(scores_.data());
    } else if (model == ModelChoice::Sasrec) {
        sasrec_->score_all(scores_.data());
    } else {
        sasrec_->score_all(scores_.data());
        mf_->score_all(mf_scores_.data());
        blend_scores(scores_.data(), mf_scores_.data(), size, weight, scores_.data(), a_seq_, a_mf_);
    }
}

void Engine::reasons_for(uint32_t item, ModelChoice model, std::vector<Reason>& out, size_t keep) {
    out.clear();
    if (cold_start()) return;
    if (model == ModelChoice::Mf) {
        mf_->contributions(item, out);
    } else if (model == ModelChoice::Sasrec) {
        sasrec_->influences(item, out);
    } else {
        // The blend is linear in the two scores, so each history item's share is the same
        // blend of its MF contribution and its SASRec influence.
        sasrec_->influences(item, out);
        mf_->contributions(item, extra_);
        for (Reason& r : out) r.weight *= a_seq_;
        for (const Reason& m : extra_) {
            auto it = std::find_if(out.begin(), out.end(), [&](const Reason& r) { return r.item == m.item; });
            if (it != out.end())
                it->weight += a_mf_ * m.weight;
            else
                out.push_back({m.item, a_mf_ * m.weight});
        }
    }
    sort_reasons(out, keep);
}

namespace {

// How strongly a new user's onboarding set spreads over the catalog's tags: enough that
// the first screen shows every major genre, not only the most popular one.
constexpr float kOnboardingDiversity = 0.6f;

}  // namespace

const Recommendations& Engine::recommend(const HistoryEntry* history, size_t n,
                                         const RecommendOptions& options) {
    const uint32_t size = catalog_.size();
    for (size_t i = 0; i < options.exclude_count; ++i)
        if (options.exclude[i] >= size)
            throw Error("argument", "excluded item index " + std::to_string(options.exclude[i]) +
                                        " is outside the catalog");
    for (size_t i = 0; i < options.controls.avoid_item_count; ++i)
        if (options.controls.avoid_items[i] >= size)
            throw Error("argument", "avoided item index " +
                                        std::to_string(options.controls.avoid_items[i]) +
                                        " is outside the catalog");
    const ModelChoice model = resolve(options.model);
    const float weight = resolve_weight(options.hybrid_weight);
    check_history(history, n);

    RerankControls controls = options.controls;
    if (!controls.mood_weights && options.mood >= 0) {
        if (static_cast<uint32_t>(options.mood) >= moods_.size())
            throw Error("argument", "mood " + std::to_string(options.mood) + " is not one of the bundle's " +
                                        std::to_string(moods_.size()) + " moods");
        mood_weights_.resize(catalog_.tag_count());
        moods_.weights(static_cast<uint32_t>(options.mood), mood_weights_.data());
        controls.mood_weights = mood_weights_.data();
    }

    // Marked before scoring, so that a PQ scan spends no candidate on an excluded item.
    if (options.exclude_history)
        for (size_t i = 0; i < n; ++i) excluded_[history[i].item] = 1;
    for (size_t i = 0; i < options.exclude_count; ++i) excluded_[options.exclude[i]] = 1;
    for (size_t i = 0; i < controls.avoid_item_count; ++i) excluded_[controls.avoid_items[i]] = 1;
    const Reranked* reranked = nullptr;
    bool onboarding = false;
    uint32_t onboarding_bits = 0;
    try {
        score(history, n, model, weight, excluded_.data(), pq_candidate_count(options));
        // A new user gets the popular items spread over the catalog's tags (MMR over
        // popularity, tag similarity), each standing for a tag.
        onboarding = cold_start();
        if (onboarding && catalog_.tag_count() > 0) {
            controls.similarity = Similarity::Tags;
            if (controls.diversity == 0.0f) {
                controls.diversity = kOnboardingDiversity;
                onboarding_bits = kControlDiversity;  // the default, not the person's choice
            }
        }
        // After a PQ scan only the candidates have scores: the re-ranker reads just those.
        reranked = &reranker_.rerank(space_, scores_.data(), excluded_.data(), history_items_.data(),
                                     history_items_.size(), controls, options.k,
                                     pq_scored_ ? pq_candidates_.data() : nullptr, pq_candidates_.size());
    } catch (...) {
        std::fill(excluded_.begin(), excluded_.end(), 0);
        throw;
    }
    for (uint32_t item : history_items_) excluded_[item] = 0;
    for (size_t i = 0; i < options.exclude_count; ++i) excluded_[options.exclude[i]] = 0;
    for (size_t i = 0; i < controls.avoid_item_count; ++i) excluded_[controls.avoid_items[i]] = 0;

    recs_.model = model;
    recs_.items = reranked->items;
    recs_.model_rank = reranked->model_rank;
    recs_.controls = reranked->controls;
    for (uint32_t& bits : recs_.controls) bits &= ~onboarding_bits;
    recs_.onboarding = onboarding;
    if (onboarding)
        claim_tags(recs_.items, recs_.popular_in);
    else
        recs_.popular_in.assign(recs_.items.size(), -1);
    recs_.base.clear();
    recs_.reasons.clear();
    recs_.reason_start.assign(1, 0);
    const bool with_reasons = model == ModelChoice::Mf || options.sequence_reasons;
    for (const Scored& s : recs_.items) {
        const bool additive = model == ModelChoice::Mf;
        recs_.base.push_back(cold_start() ? s.score : (additive ? mf_->base_score(s.index) : 0.0f));
        if (with_reasons && options.reasons > 0) {
            reasons_for(s.index, model, candidates_, options.reasons);
            for (size_t r = 0; r < candidates_.size() && r < options.reasons; ++r) {
                if (!(candidates_[r].weight > 0.0f)) break;  // a reason is something that helped
                recs_.reasons.push_back(candidates_[r]);
            }
        }
        recs_.reason_start.push_back(static_cast<uint32_t>(recs_.reasons.size()));
    }
    return recs_;
}

// For each onboarding item, the tag it stands for: among its tags that no earlier item
// claimed (else all of its tags), the one where it ranks highest by popularity, so that
// "popular in X" is true of X.
void Engine::claim_tags(const std::vector<Scored>& items, std::vector<int32_t>& out) {
    const uint32_t tags = catalog_.tag_count();
    if (tag_popularity_offsets_.empty()) {
        // Per tag, its items' popularity in descending order (built once, on first use).
        tag_popularity_offsets_.assign(tags + 1, 0);
        for (uint32_t i = 0; i < catalog_.size(); ++i)
            for (uint32_t t : catalog_.item_tags(i)) ++tag_popularity_offsets_[t + 1];
        for (uint32_t t = 0; t < tags; ++t) tag_popularity_offsets_[t + 1] += tag_popularity_offsets_[t];
        tag_popularity_.resize(tag_popularity_offsets_[tags]);
        std::vector<uint32_t> fill(tag_popularity_offsets_.begin(), tag_popularity_offsets_.end() - 1);
        for (uint32_t i = 0; i < catalog_.size(); ++i)
            for (uint32_t t : catalog_.item_tags(i)) tag_popularity_[fill[t]++] = catalog_.popularity(i);
        for (uint32_t t = 0; t < tags; ++t)
            std::sort(tag_popularity_.begin() + tag_popularity_offsets_[t],
                      tag_popularity_.begin() + tag_popularity_offsets_[t + 1], std::greater<float>());
    }
    const auto rank_in = [&](uint32_t tag, float popularity) {
        const auto begin = tag_popularity_.begin() + tag_popularity_offsets_[tag];
        const auto end = tag_popularity_.begin() + tag_popularity_offsets_[tag + 1];
        return std::lower_bound(begin, end, popularity, std::greater<float>()) - begin;
    };
    std::vector<uint8_t> claimed(tags, 0);
    out.assign(items.size(), -1);
    for (size_t j = 0; j < items.size(); ++j) {
        const Span<uint32_t> own = catalog_.item_tags(items[j].index);
        bool any_free = false;
        for (uint32_t t : own) any_free |= !claimed[t];
        int64_t best = -1, best_rank = 0;
        for (uint32_t t : own) {
            if (any_free && claimed[t]) continue;
            const int64_t rank = rank_in(t, catalog_.popularity(items[j].index));
            if (best < 0 || rank < best_rank) best = t, best_rank = rank;
        }
        if (best >= 0) {
            claimed[static_cast<size_t>(best)] = 1;
            out[j] = static_cast<int32_t>(best);
        }
    }
}

const std::vector<Scored>& Engine::similar(uint32_t item, uint32_t k) {
    const uint32_t size = catalog_.size();
    if (item >= size)
        throw Error("argument", "item index " + std::to_string(item) + " is outside the catalog");
    const float* table = space_.embeddings;
    const int8_t* codes = space_.codes;
    const uint32_t dim = space_.dim;
    if (inverse_norms_.empty()) {
        inverse_norms_.resize(size);
        for (uint32_t i = 0; i < size; ++i) {
            float norm = 0.0f;
            if (table) {
                const float* row = table + static_cast<size_t>(i) * dim;
                norm = std::sqrt(dot_f32()(row, row, dim));
            } else {
                const int8_t* row = codes + static_cast<size_t>(i) * dim;
                norm = std::sqrt(static_cast<float>(dot_i8_ref(row, row, dim)));
            }
            inverse_norms_[i] = norm > 0.0f ? 1.0f / norm : 0.0f;
        }
    }
    pq_scores_clean_ = false;  // scores_ is the workspace here
    if (table) {
        gemv_f32()(table, size, dim, table + static_cast<size_t>(item) * dim, scores_.data());
        for (uint32_t i = 0; i < size; ++i) scores_[i] *= inverse_norms_[i] * inverse_norms_[item];
    } else {
        // int8: the row scales cancel in a cosine, so the integer dot of codes, scaled by
        // the codes' inverse norms, is the cosine of the quantized rows.
        similar_query_.resize(dim);
        for (uint32_t j = 0; j < dim; ++j) similar_query_[j] = codes[static_cast<size_t>(item) * dim + j];
        gemv_i8()(codes, inverse_norms_.data(), size, dim, similar_query_.data(), inverse_norms_[item],
                  scores_.data());
    }
    excluded_[item] = 1;
    top_k(scores_.data(), size, k, excluded_.data(), similar_);
    excluded_[item] = 0;
    return similar_;
}

const Explanation& Engine::explain(const HistoryEntry* history, size_t n, uint32_t item,
                                   ModelChoice asked, float hybrid_weight) {
    if (item >= catalog_.size())
        throw Error("argument", "item index " + std::to_string(item) + " is outside the catalog");
    const ModelChoice model = resolve(asked);
    // A PQ bundle needs no scan here: the explained item is re-scored exactly (the hybrid's
    // standardization comes from the catalog's moments).
    score(history, n, model, resolve_weight(hybrid_weight), nullptr, 0, item);
    Explanation& e = explanation_;
    e.model = model;
    e.item = item;
    e.additive = model == ModelChoice::Mf || cold_start();
    if (model == ModelChoice::Mf && !cold_start()) {
        e.score = mf_->score(item);  // double-precision, so the parts add up tightly
        e.base = mf_->base_score(item);
    } else {
        e.score = scores_[item];
        e.base = cold_start() ? e.score : 0.0f;
    }
    reasons_for(item, model, e.contributions);
    e.attention.clear();
    if (model != ModelChoice::Mf && !cold_start()) sasrec_->attention(e.attention);
    return e;
}

}  // namespace hearth
