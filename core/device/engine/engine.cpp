#include "core/device/engine/engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>

#if defined(__linux__) && !defined(__EMSCRIPTEN__)
#include <sys/mman.h>
#endif

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

void blend_coefficients(const float* seq, const float* mf, size_t n, float w, float& a_seq, float& a_mf,
                        float& offset) {
    double ms, is, mm, im;
    mean_and_scale(seq, n, ms, is);
    mean_and_scale(mf, n, mm, im);
    a_seq = static_cast<float>(w * is);
    a_mf = static_cast<float>((1.0 - w) * im);
    offset = static_cast<float>(-w * is * ms - (1.0 - w) * im * mm);
}

void blend_scores(const float* seq, const float* mf, size_t n, float w, float* out,
                  float& a_seq, float& a_mf) {
    float offset = 0.0f;
    blend_coefficients(seq, mf, n, w, a_seq, a_mf, offset);
    for (size_t i = 0; i < n; ++i) out[i] = a_seq * seq[i] + a_mf * mf[i] + offset;
}

Engine::Engine(Bytes bytes, size_t size) : bytes_(std::move(bytes)) {
    reader_ = std::make_unique<BundleReader>(bytes_.get(), size);
    catalog_ = Catalog(*reader_);
    const uint32_t n = catalog_.size();
    if (reader_->has("mf.kind")) {
        mf_.emplace(read_mf_model(*reader_));
        if (mf_->items.count != n)
            throw Error("bundle", "section 'mf.factors': " + std::to_string(mf_->items.count) +
                                      " rows but the catalog has " + std::to_string(n) + " items");
    }
    if (reader_->has("sasrec.config")) {
        sasrec_.emplace(read_sasrec(*reader_));
        if (sasrec_->config.items != n)
            throw Error("bundle", "section 'sasrec.item_emb': " + std::to_string(sasrec_->config.items) +
                                      " rows but the catalog has " + std::to_string(n) + " items");
    }
    if (!mf_ && !sasrec_)
        throw Error("bundle", "the bundle holds no model (neither mf.* nor sasrec.* sections)");
    // Product-quantized catalogs: the MF table's PQ dims include an explicit model's bias.
    if (mf_ && PqIndex::present(*reader_, "mf"))
        mf_pq_.emplace(*reader_, "mf", n, mf_->items.dim + (mf_->params.kind == MfKind::Explicit ? 1u : 0u));
    if (sasrec_ && PqIndex::present(*reader_, "sasrec"))
        seq_pq_.emplace(*reader_, "sasrec", n, sasrec_->config.dim);
    if (mf_ && sasrec_ && bool(mf_pq_) != bool(seq_pq_))
        throw Error("bundle", std::string("section '") + (mf_pq_ ? "sasrec" : "mf") +
                                  ".pq_codes': missing from the bundle (a bundle with both models "
                                  "quantizes both catalogs)");
    if (reader_->has("hybrid.weight")) {
        hybrid_weight_ = reader_->f32("hybrid.weight", 1, 1)[0];
        if (!(hybrid_weight_ >= 0.0f && hybrid_weight_ <= 1.0f))
            throw Error("bundle", "section 'hybrid.weight': weight must be in [0, 1]");
    }

    moods_ = MoodTable(*reader_, catalog_.tag_count());
    content_ = ContentItems(*reader_, n);
    space_.items = n;
    space_.embeddings = mf_ ? mf_->items.rows : sasrec_->item_emb;
    space_.codes = mf_ ? mf_->item_codes : sasrec_->item_codes;
    space_.dim = mf_ ? mf_->items.dim : sasrec_->config.dim;
    space_.tag_offsets = catalog_.tag_offsets();
    space_.tag_ids = catalog_.tag_ids();
    space_.tags = catalog_.tag_count();
    space_.popularity = catalog_.popularity();
}

Workspace::Workspace(const Engine& engine) : engine_(&engine) {
    const uint32_t n = engine.catalog().size();
    if (engine.mf_) mf_.emplace(*engine.mf_);
    if (engine.sasrec_) sasrec_.emplace(*engine.sasrec_);
    if (engine.mf_ && engine.sasrec_) mf_scores_.assign(n, 0.0f);
    excluded_.assign(n, 0);
    const PqIndex* pq = engine.mf_pq_ ? &*engine.mf_pq_ : engine.seq_pq_ ? &*engine.seq_pq_ : nullptr;
    if (pq) {
        pq_raw_.assign(pq->scan_size(), 0);
        if (engine.mf_pq_) {
            mf_tables_.emplace(engine.mf_pq_->tables());
            pq_mf_query_.assign(engine.mf_pq_->dim(), 0.0f);
        }
        if (engine.seq_pq_) seq_tables_.emplace(engine.seq_pq_->tables());
        if (engine.mf_pq_ && engine.seq_pq_) pq_raw2_.assign(pq_raw_.size(), 0);
    }
}

namespace {

// A buffer for a whole bundle file. On Linux a large one is aligned to and asks for 2 MiB
// pages: a first touch costs a page fault per page, so 512 times fewer faults for the
// hundreds of MB of a 1M-item bundle (transparent huge pages are often "madvise" only).
uint8_t* allocate_file_buffer(size_t size) {
#if defined(__linux__) && !defined(__EMSCRIPTEN__)
    constexpr size_t kHugePage = size_t{2} << 20;
    if (size >= 4 * kHugePage) {
        void* p = nullptr;
        const size_t rounded = (size + kHugePage - 1) / kHugePage * kHugePage;
        if (posix_memalign(&p, kHugePage, rounded) != 0) return nullptr;
        madvise(p, rounded, MADV_HUGEPAGE);  // advice only: without it, ordinary pages
        return static_cast<uint8_t*>(p);
    }
#endif
    return static_cast<uint8_t*>(std::malloc(size ? size : 1));
}

}  // namespace

std::unique_ptr<Engine> Engine::from_file(const std::string& path) {
    // A regular file is read straight into the buffer the engine keeps, so each page of it is
    // touched once (a vector grown while reading, then copied, touched them about three
    // times: most of a cold start at 1M items). Anything else, a pipe or a file that changed
    // size under the read, goes through read_file_bytes and its errors.
    std::error_code ec;
    const uintmax_t size = std::filesystem::is_regular_file(path, ec) ? std::filesystem::file_size(path, ec) : 0;
    if (!ec && size > 0 && size <= SIZE_MAX) {
        Bytes bytes(allocate_file_buffer(static_cast<size_t>(size)), &std::free);
        if (!bytes) throw Error("io", "out of memory reading " + path);
        if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
            const size_t got = std::fread(bytes.get(), 1, static_cast<size_t>(size), f);
            const bool longer = std::fgetc(f) != EOF;
            std::fclose(f);
            if (got == size && !longer) return std::make_unique<Engine>(std::move(bytes), static_cast<size_t>(size));
        }
    }
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

void Engine::check_workspace(const Workspace& ws) const {
    if (ws.engine_ != this) throw Error("argument", "the workspace was made for another engine");
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

void Engine::read_history(const HistoryEntry* history, size_t n, ModelChoice model, Workspace& ws) const {
    check_history(history, n);
    ws.history_items_.clear();
    for (size_t i = 0; i < n; ++i) ws.history_items_.push_back(history[i].item);
    if (model != ModelChoice::Sasrec) ws.mf_->fold_in(history, n);
    if (model != ModelChoice::Mf) ws.sasrec_->encode(ws.history_items_.data(), ws.history_items_.size());
}

// The MF query of a PQ scan: the user vector, with a 1 for an explicit model's item bias
// ([u; 1] . [q_i; b_i]); `constant` is what the scan leaves out (mu + b_u).
void Engine::pq_mf_query(Workspace& ws, float& constant) const {
    const std::vector<float>& u = ws.mf_->user_vector();
    std::copy(u.begin(), u.begin() + mf_->items.dim, ws.pq_mf_query_.begin());
    constant = 0.0f;
    if (mf_->params.kind == MfKind::Explicit) {
        ws.pq_mf_query_[mf_->items.dim] = 1.0f;
        constant = mf_->params.global_mean + u[mf_->items.dim];
    }
}

// The hybrid standardizes each model's scores over the whole catalog. PQ scores are biased
// (reconstructions shrink the spread), so the mean and variance come from the exact rows'
// moments stored at export: mean = q . mu, var = q^T C q.
Engine::Blend Engine::pq_blend(float weight, Workspace& ws) const {
    float mf_constant = 0.0f;
    pq_mf_query(ws, mf_constant);
    const float* seq_query = ws.sasrec_->encoding().data();
    const double ms = seq_pq_->score_mean(seq_query);
    const double mm = mf_pq_->score_mean(ws.pq_mf_query_.data()) + mf_constant;
    const double sd_s = std::sqrt(seq_pq_->score_variance(seq_query));
    const double sd_m = std::sqrt(mf_pq_->score_variance(ws.pq_mf_query_.data()));
    const double is = sd_s > 1e-12 ? 1.0 / sd_s : 0.0, im = sd_m > 1e-12 ? 1.0 / sd_m : 0.0;
    Blend b;
    b.a_seq = static_cast<float>(weight * is);
    b.a_mf = static_cast<float>((1.0 - weight) * im);
    b.offset = static_cast<float>(-weight * is * ms - (1.0 - weight) * im * mm);
    return b;
}

// Product-quantized catalogs: the fast scan's approximate scores pick the candidates, the
// exact rows (int8 or fp32) score them, and every other item is left out (NaN).
void Engine::score_pq(ModelChoice model, float weight, const uint8_t* excluded, uint32_t candidates,
                      Workspace& ws, Recommendations& out) const {
    const uint32_t size = catalog_.size();
    float mf_constant = 0.0f;
    if (model == ModelChoice::Hybrid)
        ws.blend_ = pq_blend(weight, ws);
    else if (model == ModelChoice::Mf)
        pq_mf_query(ws, mf_constant);
    const float* seq_query = model != ModelChoice::Mf ? ws.sasrec_->encoding().data() : nullptr;
    // The scores are NaN but for the candidates: when `out` last held a PQ result only its
    // candidates need resetting, else the whole array.
    if (out.candidates_only && out.scores.size() == size)
        for (uint32_t item : out.pq_candidates) out.scores[item] = std::numeric_limits<float>::quiet_NaN();
    else
        out.scores.assign(size, std::numeric_limits<float>::quiet_NaN());
    std::vector<uint32_t>& kept = out.pq_candidates;
    kept.clear();
    if (candidates >= size) {
        // Every item is a candidate: nothing for a scan to choose.
        for (uint32_t i = 0; i < size; ++i)
            if (!(excluded && excluded[i])) kept.push_back(i);
    } else if (model == ModelChoice::Mf) {
        mf_pq_->scan(ws.pq_mf_query_.data(), *ws.mf_tables_, ws.pq_raw_.data());
        pq_top_k_u16(ws.pq_raw_.data(), size, candidates, excluded, ws.pq_heap_, kept);
    } else if (model == ModelChoice::Sasrec) {
        seq_pq_->scan(seq_query, *ws.seq_tables_, ws.pq_raw_.data());
        pq_top_k_u16(ws.pq_raw_.data(), size, candidates, excluded, ws.pq_heap_, kept);
    } else {
        // The approximate blend a_seq * seq + a_mf * mf in one integer sum: both models'
        // tables, scaled by their blend coefficients, share one u8 step (sized so that the
        // two u16 sums cannot overflow), and the two scans add up.
        PqIndex::Tables& mt = *ws.mf_tables_;
        PqIndex::Tables& st = *ws.seq_tables_;
        mf_pq_->prepare(ws.pq_mf_query_.data(), ws.blend_.a_mf, mt);
        seq_pq_->prepare(seq_query, ws.blend_.a_seq, st);
        const uint32_t levels = std::min<uint32_t>(255, 65535 / (mf_pq_->subspaces() + seq_pq_->subspaces()));
        const float step = std::max(mf_pq_->lut_range(mt), seq_pq_->lut_range(st)) / static_cast<float>(levels);
        mf_pq_->quantize(step, mt);
        seq_pq_->quantize(step, st);
        mf_pq_->scan_prepared(mt, ws.pq_raw_.data());
        seq_pq_->scan_prepared(st, ws.pq_raw2_.data());
        for (size_t i = 0; i < ws.pq_raw_.size(); ++i)
            ws.pq_raw_[i] = static_cast<uint16_t>(ws.pq_raw_[i] + ws.pq_raw2_[i]);
        pq_top_k_u16(ws.pq_raw_.data(), size, candidates, excluded, ws.pq_heap_, kept);
    }
    // The exact scores, the candidates' rows gathered (so an int8 kernel call covers them all).
    const size_t r = kept.size();
    ws.pq_exact_.resize(r);
    ws.pq_exact_mf_.resize(model == ModelChoice::Hybrid ? r : 0);
    if (model == ModelChoice::Mf) {
        ws.mf_->score_items(kept.data(), r, ws.pq_exact_.data());
    } else if (model == ModelChoice::Sasrec) {
        ws.sasrec_->score_items(kept.data(), r, ws.pq_exact_.data());
    } else {
        const Blend& b = ws.blend_;
        ws.sasrec_->score_items(kept.data(), r, ws.pq_exact_.data());
        ws.mf_->score_items(kept.data(), r, ws.pq_exact_mf_.data());
        for (size_t j = 0; j < r; ++j) ws.pq_exact_[j] = b.a_seq * ws.pq_exact_[j] + b.a_mf * ws.pq_exact_mf_[j] + b.offset;
    }
    for (size_t j = 0; j < r; ++j) out.scores[kept[j]] = ws.pq_exact_[j];
    out.candidates_only = true;
}

void Engine::score_catalog(ModelChoice model, float weight, const uint8_t* excluded, uint32_t candidates,
                           Workspace& ws, Recommendations& out) const {
    const uint32_t size = catalog_.size();
    const bool explicit_mf = model == ModelChoice::Mf && mf_->params.kind == MfKind::Explicit;
    if (ws.cold_start() && !explicit_mf) {
        // Without history the models know nothing of the user (an implicit or sequence
        // model gives no signal): popularity is the honest answer until the first event.
        out.scores.resize(size);
        for (uint32_t i = 0; i < size; ++i) out.scores[i] = catalog_.popularity(i);
        out.pq_candidates.clear();
        out.candidates_only = false;
        return;
    }
    if (uses_pq(model)) {
        score_pq(model, weight, excluded, candidates, ws, out);
        return;
    }
    out.scores.resize(size);
    out.pq_candidates.clear();
    out.candidates_only = false;
    if (model == ModelChoice::Mf) {
        ws.mf_->score_all(out.scores.data());
    } else if (model == ModelChoice::Sasrec) {
        ws.sasrec_->score_all(out.scores.data());
    } else {
        ws.sasrec_->score_all(out.scores.data());
        ws.mf_->score_all(ws.mf_scores_.data());
        blend_scores(out.scores.data(), ws.mf_scores_.data(), size, weight, out.scores.data(),
                     ws.blend_.a_seq, ws.blend_.a_mf);
    }
}

float Engine::score_one(uint32_t item, ModelChoice model, float weight, Workspace& ws) const {
    const bool explicit_mf = model == ModelChoice::Mf && mf_->params.kind == MfKind::Explicit;
    if (ws.cold_start() && !explicit_mf) return catalog_.popularity(item);
    if (model == ModelChoice::Mf) return ws.mf_->score(item);
    if (model == ModelChoice::Sasrec) return ws.sasrec_->score(item);
    float seq = 0.0f, mf = 0.0f;
    ws.sasrec_->score_items(&item, 1, &seq);
    ws.mf_->score_items(&item, 1, &mf);
    if (uses_pq(model)) {
        ws.blend_ = pq_blend(weight, ws);
    } else {
        // The standardization needs every item's score under both models.
        const uint32_t size = catalog_.size();
        ws.catalog_scratch_.resize(size);
        ws.sasrec_->score_all(ws.catalog_scratch_.data());
        ws.mf_->score_all(ws.mf_scores_.data());
        blend_coefficients(ws.catalog_scratch_.data(), ws.mf_scores_.data(), size, weight, ws.blend_.a_seq,
                           ws.blend_.a_mf, ws.blend_.offset);
        seq = ws.catalog_scratch_[item];
        mf = ws.mf_scores_[item];
    }
    return ws.blend_.a_seq * seq + ws.blend_.a_mf * mf + ws.blend_.offset;
}

void Engine::reasons_for(uint32_t item, ModelChoice model, Workspace& ws, std::vector<Reason>& out,
                         size_t keep) const {
    out.clear();
    if (ws.cold_start()) return;
    if (model == ModelChoice::Mf) {
        ws.mf_->contributions(item, out);
    } else if (model == ModelChoice::Sasrec) {
        ws.sasrec_->influences(item, out);
    } else {
        // The blend is linear in the two scores, so each history item's share is the same
        // blend of its MF contribution and its SASRec influence.
        ws.sasrec_->influences(item, out);
        ws.mf_->contributions(item, ws.extra_);
        for (Reason& r : out) r.weight *= ws.blend_.a_seq;
        for (const Reason& m : ws.extra_) {
            auto it = std::find_if(out.begin(), out.end(), [&](const Reason& r) { return r.item == m.item; });
            if (it != out.end())
                it->weight += ws.blend_.a_mf * m.weight;
            else
                out.push_back({m.item, ws.blend_.a_mf * m.weight});
        }
    }
    sort_reasons(out, keep);
}

namespace {

// How strongly a new user's onboarding set spreads over the catalog's tags: enough that
// the first screen shows every major genre, not only the most popular one.
constexpr float kOnboardingDiversity = 0.6f;

}  // namespace

void Engine::recommend(const HistoryEntry* history, size_t n, const RecommendOptions& options,
                       Workspace& ws, Recommendations& out) const {
    check_workspace(ws);
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
        ws.mood_weights_.resize(catalog_.tag_count());
        moods_.weights(static_cast<uint32_t>(options.mood), ws.mood_weights_.data());
        controls.mood_weights = ws.mood_weights_.data();
    }

    // Marked before scoring, so that a PQ scan spends no candidate on an excluded item.
    std::vector<uint8_t>& excluded = ws.excluded_;
    if (options.exclude_history)
        for (size_t i = 0; i < n; ++i) excluded[history[i].item] = 1;
    for (size_t i = 0; i < options.exclude_count; ++i) excluded[options.exclude[i]] = 1;
    for (size_t i = 0; i < controls.avoid_item_count; ++i) excluded[controls.avoid_items[i]] = 1;
    const Reranked* reranked = nullptr;
    bool onboarding = false;
    uint32_t onboarding_bits = 0;
    try {
        read_history(history, n, model, ws);
        score_catalog(model, weight, excluded.data(), pq_candidate_count(options), ws, out);
        // A new user gets the popular items spread over the catalog's tags (MMR over
        // popularity, tag similarity), each standing for a tag.
        onboarding = ws.cold_start();
        if (onboarding && catalog_.tag_count() > 0) {
            controls.similarity = Similarity::Tags;
            if (controls.diversity == 0.0f) {
                controls.diversity = kOnboardingDiversity;
                onboarding_bits = kControlDiversity;  // the default, not the person's choice
            }
        }
        // After a PQ scan only the candidates have scores: the re-ranker reads just those.
        reranked = &ws.reranker_.rerank(space_, out.scores.data(), excluded.data(), ws.history_items_.data(),
                                        ws.history_items_.size(), controls, options.k,
                                        out.candidates_only ? out.pq_candidates.data() : nullptr,
                                        out.pq_candidates.size());
    } catch (...) {
        std::fill(excluded.begin(), excluded.end(), 0);
        throw;
    }
    for (uint32_t item : ws.history_items_) excluded[item] = 0;
    for (size_t i = 0; i < options.exclude_count; ++i) excluded[options.exclude[i]] = 0;
    for (size_t i = 0; i < controls.avoid_item_count; ++i) excluded[controls.avoid_items[i]] = 0;

    out.model = model;
    out.items = reranked->items;
    out.model_rank = reranked->model_rank;
    out.controls = reranked->controls;
    for (uint32_t& bits : out.controls) bits &= ~onboarding_bits;
    out.onboarding = onboarding;
    if (onboarding)
        claim_tags(out.items, ws, out.popular_in);
    else
        out.popular_in.assign(out.items.size(), -1);
    if (model == ModelChoice::Sasrec)
        out.user_vector.clear();
    else
        out.user_vector = ws.mf_->user_vector();
    out.base.clear();
    out.reasons.clear();
    out.reason_start.assign(1, 0);
    const bool with_reasons = model == ModelChoice::Mf || options.sequence_reasons;
    if (with_reasons && options.reasons > 0 && model != ModelChoice::Mf && !ws.cold_start()) {
        ws.reason_items_.clear();
        for (const Scored& s : out.items) ws.reason_items_.push_back(s.index);
        const size_t window = std::min<size_t>(ws.sasrec_->history_length(), sasrec_->config.max_len);
        ws.sasrec_->select_reasons(ws.reason_items_.data(), ws.reason_items_.size(),
                                   size_t(options.reason_encodings) * window);
    }
    for (const Scored& s : out.items) {
        const bool additive = model == ModelChoice::Mf;
        out.base.push_back(ws.cold_start() ? s.score : (additive ? mf_->base_score(s.index) : 0.0f));
        if (with_reasons && options.reasons > 0) {
            reasons_for(s.index, model, ws, ws.candidates_, options.reasons);
            for (size_t r = 0; r < ws.candidates_.size() && r < options.reasons; ++r) {
                if (!(ws.candidates_[r].weight > 0.0f)) break;  // a reason is something that helped
                out.reasons.push_back(ws.candidates_[r]);
            }
        }
        out.reason_start.push_back(static_cast<uint32_t>(out.reasons.size()));
    }
}

// For each onboarding item, the tag it stands for: among its tags that no earlier item
// claimed (else all of its tags), the one where it ranks highest by popularity, so that
// "popular in X" is true of X.
void Engine::claim_tags(const std::vector<Scored>& items, Workspace& ws, std::vector<int32_t>& out) const {
    const uint32_t tags = catalog_.tag_count();
    std::vector<uint32_t>& offsets = ws.tag_popularity_offsets_;
    std::vector<float>& popularity = ws.tag_popularity_;
    if (offsets.empty()) {
        // Per tag, its items' popularity in descending order (built once, on first use).
        offsets.assign(tags + 1, 0);
        for (uint32_t i = 0; i < catalog_.size(); ++i)
            for (uint32_t t : catalog_.item_tags(i)) ++offsets[t + 1];
        for (uint32_t t = 0; t < tags; ++t) offsets[t + 1] += offsets[t];
        popularity.resize(offsets[tags]);
        std::vector<uint32_t> fill(offsets.begin(), offsets.end() - 1);
        for (uint32_t i = 0; i < catalog_.size(); ++i)
            for (uint32_t t : catalog_.item_tags(i)) popularity[fill[t]++] = catalog_.popularity(i);
        for (uint32_t t = 0; t < tags; ++t)
            std::sort(popularity.begin() + offsets[t], popularity.begin() + offsets[t + 1], std::greater<float>());
        ws.claimed_.assign(tags, 0);
    }
    const auto rank_in = [&](uint32_t tag, float p) {
        const auto begin = popularity.begin() + offsets[tag];
        const auto end = popularity.begin() + offsets[tag + 1];
        return std::lower_bound(begin, end, p, std::greater<float>()) - begin;
    };
    std::vector<uint8_t>& claimed = ws.claimed_;
    std::fill(claimed.begin(), claimed.end(), 0);
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

void Engine::similar(uint32_t item, uint32_t k, Workspace& ws, std::vector<Scored>& out) const {
    check_workspace(ws);
    const uint32_t size = catalog_.size();
    if (item >= size)
        throw Error("argument", "item index " + std::to_string(item) + " is outside the catalog");
    const float* table = space_.embeddings;
    const int8_t* codes = space_.codes;
    const uint32_t dim = space_.dim;
    const std::vector<float>& inverse_norms = ws.reranker_.inverse_norms(space_);
    std::vector<float>& scores = ws.catalog_scratch_;
    scores.resize(size);
    if (table) {
        gemv_f32()(table, size, dim, table + static_cast<size_t>(item) * dim, scores.data());
        for (uint32_t i = 0; i < size; ++i) scores[i] *= inverse_norms[i] * inverse_norms[item];
    } else {
        // int8: the row scales cancel in a cosine, so the integer dot of codes, scaled by
        // the codes' inverse norms, is the cosine of the quantized rows.
        ws.similar_query_.resize(dim);
        for (uint32_t j = 0; j < dim; ++j) ws.similar_query_[j] = codes[static_cast<size_t>(item) * dim + j];
        gemv_i8()(codes, inverse_norms.data(), size, dim, ws.similar_query_.data(), inverse_norms[item],
                  scores.data());
    }
    ws.excluded_[item] = 1;
    top_k(scores.data(), size, k, ws.excluded_.data(), out);
    ws.excluded_[item] = 0;
}

void Engine::explain(const HistoryEntry* history, size_t n, uint32_t item, Workspace& ws, Explanation& out,
                     ModelChoice asked, float hybrid_weight) const {
    check_workspace(ws);
    if (item >= catalog_.size())
        throw Error("argument", "item index " + std::to_string(item) + " is outside the catalog");
    const ModelChoice model = resolve(asked);
    const float weight = resolve_weight(hybrid_weight);
    // No catalog scan, also for a PQ bundle: the explained item is scored exactly (the
    // hybrid's standardization comes from the catalog's scores, or a PQ catalog's moments).
    read_history(history, n, model, ws);
    const bool cold = ws.cold_start();
    out.model = model;
    out.item = item;
    out.additive = model == ModelChoice::Mf || cold;
    out.score = score_one(item, model, weight, ws);  // MF: double precision, so the parts add up tightly
    out.base = model == ModelChoice::Mf && !cold ? mf_->base_score(item) : (cold ? out.score : 0.0f);
    reasons_for(item, model, ws, out.contributions);
    out.attention.clear();
    if (model != ModelChoice::Mf && !cold) ws.sasrec_->attention(out.attention);
}

}  // namespace hearth
