// On-device recommendation over a bundle: score the whole catalog with the bundle's
// models (MF fold-in, SASRec, or a blend of both), pick the top k, and say why. The same
// code runs natively (CLI, eval, tests) and in WebAssembly (wasm/bindings.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/device/bundle/bundle.h"
#include "core/device/engine/catalog.h"
#include "core/device/engine/content_items.h"
#include "core/device/engine/mf_scorer.h"
#include "core/device/engine/moods.h"
#include "core/device/engine/pq_index.h"
#include "core/device/engine/reason.h"
#include "core/device/engine/sasrec_scorer.h"
#include "core/device/kernels/topk.h"
#include "core/device/rerank/rerank.h"

namespace hearth {

enum class ModelChoice : uint32_t {
    Auto = 0,    // the hybrid when the bundle has both models, else the one it has
    Mf = 1,      // long-term taste
    Sasrec = 2,  // what comes next
    Hybrid = 3,  // w * standardized SASRec + (1 - w) * standardized MF scores
};

const char* model_choice_name(ModelChoice m);  // "auto", "mf", "sasrec", "hybrid"

struct RecommendOptions {
    uint32_t k = 10;
    uint32_t reasons = 3;               // reasons kept per item (largest positive first)
    bool exclude_history = true;        // never recommend what the user already has
    const uint32_t* exclude = nullptr;  // further items never to recommend
    size_t exclude_count = 0;
    ModelChoice model = ModelChoice::Auto;
    float hybrid_weight = -1.0f;        // SASRec's share in a hybrid; < 0: the bundle's
    bool sequence_reasons = true;       // SASRec leave-one-out influences for the top k
    // Re-ranking (core/device/rerank/rerank.h). Avoided items are also never recommended.
    RerankControls controls;
    int32_t mood = -1;                  // a mood of the bundle's table (used when
                                        // controls.mood_weights is null); -1: none
    // Product-quantized bundles: how many candidates the PQ scan keeps for exact
    // re-scoring; 0: max(kPqCandidatesPerK * k, kPqMinCandidates). Never fewer than k or
    // the re-ranking pool (controls.candidates).
    uint32_t pq_candidates = 0;
};

// PQ bundles: the default candidate count is max(10 k, 500).
constexpr uint32_t kPqCandidatesPerK = 10;
constexpr uint32_t kPqMinCandidates = 500;

struct Recommendations {
    ModelChoice model = ModelChoice::Mf;  // the model that produced them
    std::vector<Scored> items;            // best first
    std::vector<float> base;              // per item: the score part not due to the history
    std::vector<uint32_t> reason_start;   // items.size() + 1 offsets into reasons
    std::vector<Reason> reasons;
    std::vector<uint32_t> controls;       // per item: Control bits that moved it (rerank.h)
    std::vector<uint32_t> model_rank;     // per item: its position by score alone
    std::vector<int32_t> popular_in;      // per item, new users only: the tag it stands for
                                          // in the onboarding set ("popular in X"), or -1
    bool onboarding = false;              // no history: popular items across the tags
};

struct Explanation {
    ModelChoice model = ModelChoice::Mf;
    uint32_t item = 0;
    float score = 0.0f;
    // MF: exact, score == base + sum of contributions. SASRec and hybrid: leave-one-out
    // influences (score minus the score without that item), which need not add up.
    bool additive = true;
    float base = 0.0f;
    std::vector<Reason> contributions;  // one per distinct history item, largest first
    std::vector<Reason> attention;      // SASRec: last-layer attention, a secondary view
};

class Engine {
public:
    // Takes ownership of malloc'ed bundle bytes (freed with std::free).
    using Bytes = std::unique_ptr<uint8_t, decltype(&std::free)>;
    Engine(Bytes bytes, size_t size);
    static std::unique_ptr<Engine> from_file(const std::string& path);

    const BundleReader& bundle() const { return *reader_; }
    const Catalog& catalog() const { return catalog_; }
    std::string_view meta_json() const;
    bool has_mf() const { return mf_.has_value(); }
    bool has_sasrec() const { return sasrec_.has_value(); }
    const MfModelView& mf_model() const { return mf_->model(); }
    const SasrecView& sasrec_model() const { return sasrec_->model(); }
    float hybrid_weight() const { return hybrid_weight_; }
    const MoodTable& moods() const { return moods_; }
    // Items placed by the trainer's content model (tags, no interactions yet).
    const ContentItems& content_items() const { return content_; }

    // History entries oldest first. Results stay valid until the next call. Throws
    // Error("argument") for an item outside the catalog, a non-finite value, or a model
    // the bundle does not have.
    const Recommendations& recommend(const HistoryEntry* history, size_t n,
                                     const RecommendOptions& options);
    const Explanation& explain(const HistoryEntry* history, size_t n, uint32_t item,
                               ModelChoice model = ModelChoice::Auto, float hybrid_weight = -1.0f);

    // Items whose embeddings are nearest to `item`'s by cosine (MF factors when the bundle
    // has them, else SASRec's item embeddings), best first, the item itself left out.
    const std::vector<Scored>& similar(uint32_t item, uint32_t k);

    // The catalog as re-ranking sees it: similarity embeddings (MF factors when the bundle
    // has them, else SASRec's item embeddings), tags and popularity.
    const ItemSpace& item_space() const { return space_; }

    // After recommend: every item's score under the model used (for a product-quantized
    // bundle only the candidates' exact re-scored scores; every other entry is NaN). After
    // explain: the explained item's score (the hybrid's explain scores every item, for its
    // standardization); other entries are left from earlier calls.
    const std::vector<float>& scores() const { return scores_; }
    // Product-quantized catalogs (hearth export --pq): the PQ index of each model (null
    // when the bundle has none), and after recommend the candidates the scan kept, best
    // approximate score first (all eligible items in index order when the candidate count
    // covers the catalog: then there is no scan).
    const PqIndex* mf_pq() const { return mf_pq_ ? &*mf_pq_ : nullptr; }
    const PqIndex* sasrec_pq() const { return seq_pq_ ? &*seq_pq_ : nullptr; }
    bool uses_pq(ModelChoice model) const;
    const std::vector<uint32_t>& pq_candidates() const { return pq_candidates_; }
    // After recommend/explain with MF: the folded-in user vector.
    const std::vector<float>& user_vector() const { return mf_->user_vector(); }

private:
    ModelChoice resolve(ModelChoice asked) const;
    float resolve_weight(float asked) const;
    void check_history(const HistoryEntry* history, size_t n) const;
    // Runs the models on the history and fills scores_ for `model`. A PQ bundle scores the
    // catalog approximately, keeps the best `candidates` items not `excluded` and re-scores
    // them exactly (or, with `only_item` >= 0, re-scores that item alone, without a scan).
    void score(const HistoryEntry* history, size_t n, ModelChoice model, float weight,
               const uint8_t* excluded = nullptr, uint32_t candidates = 0, int64_t only_item = -1);
    void score_pq(ModelChoice model, float weight, const uint8_t* excluded, uint32_t candidates,
                  int64_t only_item);
    uint32_t pq_candidate_count(const RecommendOptions& options) const;
    // The history items' shares (reasons) in `item`'s score under `model`, all of them, best
    // first; only the first `keep` are put in order when fewer are shown.
    void reasons_for(uint32_t item, ModelChoice model, std::vector<Reason>& out, size_t keep = SIZE_MAX);
    bool cold_start() const { return history_items_.empty(); }
    void claim_tags(const std::vector<Scored>& items, std::vector<int32_t>& out);

    Bytes bytes_;
    std::unique_ptr<BundleReader> reader_;
    Catalog catalog_;
    std::optional<MfScorer> mf_;
    std::optional<SasrecScorer> sasrec_;
    std::optional<PqIndex> mf_pq_, seq_pq_;
    float hybrid_weight_ = 0.5f;
    MoodTable moods_;
    ContentItems content_;

    // Workspaces, sized once and reused so that a warm call does not allocate.
    std::vector<uint32_t> history_items_;
    std::vector<float> scores_, mf_scores_;
    std::vector<float> inverse_norms_;  // for similar(), computed on first use
    ItemSpace space_;
    Reranker reranker_;
    std::vector<float> mood_weights_;
    std::vector<uint32_t> tag_popularity_offsets_;  // for claim_tags(), built on first use
    std::vector<float> tag_popularity_;
    std::vector<Scored> similar_;
    std::vector<int16_t> similar_query_;
    std::vector<uint8_t> excluded_;
    std::vector<Reason> candidates_, extra_;
    // Hybrid: scores_ = a_seq * sasrec + a_mf * mf + offset (standardization per request).
    float a_seq_ = 0.0f, a_mf_ = 0.0f, blend_offset_ = 0.0f;
    // PQ workspaces: the scan's u16 sums, the MF query ([u; 1] for explicit models), the
    // candidates.
    std::vector<uint16_t> pq_raw_, pq_raw2_;
    std::vector<float> pq_mf_query_;
    std::vector<uint64_t> pq_heap_;
    std::vector<uint32_t> pq_candidates_;
    std::vector<float> pq_exact_, pq_exact_mf_;
    bool pq_scored_ = false;        // the last score() used the PQ path
    bool pq_scores_clean_ = false;  // scores_ is NaN except at pq_candidates_
    Recommendations recs_;
    Explanation explanation_;
};

// z-scores of two score arrays over the catalog, blended: w * z(seq) + (1 - w) * z(mf).
// Returns the coefficients so that a per-item term can be mapped the same way.
void blend_scores(const float* seq, const float* mf, size_t n, float w, float* out,
                  float& a_seq, float& a_mf);

}  // namespace hearth
