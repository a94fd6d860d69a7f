// On-device recommendation over a bundle: score the whole catalog with the bundle's
// models (MF fold-in, SASRec, or a blend of both), pick the top k, and say why. The same
// code runs natively (CLI, eval, tests) and in WebAssembly (wasm/bindings.cpp).
//
//   const Engine engine(bytes, size);   // read-only once open
//   Workspace ws(engine);               // one per caller (thread): scratch, reused
//   Recommendations recs;               // the caller's result, reused
//   engine.recommend(history, n, options, ws, recs);
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
    // What those influences may cost, in encodings of the history window (m rows each).
    // Leave-one-out over every item of a window of m costs m (m - 1) / 2 rows: 100
    // encodings at m = 200. 0 (the default): every item, so the reasons shown are the
    // largest exact influences. N: within N encodings, the newest items and the older ones
    // SasrecScorer::select_reasons screens in; each weight is still exact, but the largest
    // influences may be missed (`hearth bench-reasons` measures how often).
    uint32_t reason_encodings = 0;
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

// What one recommend() call returns. The caller owns it and may pass the same object to
// every call: its buffers are then reused, so a warm call allocates nothing.
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

    // Every catalog item's score under `model`, the relevance the list was ranked by (a new
    // user's: popularity). A product-quantized bundle scores exactly only the candidates its
    // scan kept, `pq_candidates` (best approximate score first; every eligible item in index
    // order when the candidate count covers the catalog); every other entry is NaN.
    std::vector<float> scores;
    std::vector<uint32_t> pq_candidates;
    bool candidates_only = false;         // scores are NaN outside pq_candidates
    // MF (alone or in the hybrid): the folded-in user vector; empty otherwise.
    std::vector<float> user_vector;
};

// What one explain() call returns, owned by the caller like Recommendations.
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

class Workspace;

// An opened bundle. Read-only once constructed: every request brings its own Workspace
// (scratch) and result object, so one engine can serve several threads at once, each with
// a workspace of its own.
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
    const MfModelView& mf_model() const { return *mf_; }
    const SasrecView& sasrec_model() const { return *sasrec_; }
    float hybrid_weight() const { return hybrid_weight_; }
    const MoodTable& moods() const { return moods_; }
    // Items placed by the trainer's content model (tags, no interactions yet).
    const ContentItems& content_items() const { return content_; }

    // History entries oldest first; `out` is overwritten. Throws Error("argument") for an
    // item outside the catalog, a non-finite value, a model the bundle does not have, or a
    // workspace made for another engine.
    void recommend(const HistoryEntry* history, size_t n, const RecommendOptions& options,
                   Workspace& ws, Recommendations& out) const;
    void explain(const HistoryEntry* history, size_t n, uint32_t item, Workspace& ws,
                 Explanation& out, ModelChoice model = ModelChoice::Auto,
                 float hybrid_weight = -1.0f) const;

    // Items whose embeddings are nearest to `item`'s by cosine (MF factors when the bundle
    // has them, else SASRec's item embeddings), best first, the item itself left out.
    void similar(uint32_t item, uint32_t k, Workspace& ws, std::vector<Scored>& out) const;

    // The catalog as re-ranking sees it: similarity embeddings (MF factors when the bundle
    // has them, else SASRec's item embeddings), tags and popularity.
    const ItemSpace& item_space() const { return space_; }

    // Product-quantized catalogs (hearth export --pq): the PQ index of each model (null
    // when the bundle has none).
    const PqIndex* mf_pq() const { return mf_pq_ ? &*mf_pq_ : nullptr; }
    const PqIndex* sasrec_pq() const { return seq_pq_ ? &*seq_pq_ : nullptr; }
    bool uses_pq(ModelChoice model) const;

private:
    friend class Workspace;
    struct Blend {  // hybrid: a_seq * sasrec + a_mf * mf + offset (standardization per request)
        float a_seq = 0.0f, a_mf = 0.0f, offset = 0.0f;
    };

    ModelChoice resolve(ModelChoice asked) const;
    float resolve_weight(float asked) const;
    void check_workspace(const Workspace& ws) const;
    void check_history(const HistoryEntry* history, size_t n) const;
    // Checks the history and runs the models on it (fold-in, encoding) in `ws`.
    void read_history(const HistoryEntry* history, size_t n, ModelChoice model, Workspace& ws) const;
    // Every item's score for `model` into out.scores, after read_history(). A PQ bundle
    // scores the catalog approximately, keeps the best `candidates` items not `excluded` and
    // re-scores them exactly.
    void score_catalog(ModelChoice model, float weight, const uint8_t* excluded, uint32_t candidates,
                       Workspace& ws, Recommendations& out) const;
    void score_pq(ModelChoice model, float weight, const uint8_t* excluded, uint32_t candidates,
                  Workspace& ws, Recommendations& out) const;
    // One item's score for `model`, after read_history(): what score_catalog gives it.
    float score_one(uint32_t item, ModelChoice model, float weight, Workspace& ws) const;
    Blend pq_blend(float weight, Workspace& ws) const;
    void pq_mf_query(Workspace& ws, float& constant) const;
    uint32_t pq_candidate_count(const RecommendOptions& options) const;
    // The history items' shares (reasons) in `item`'s score under `model`, all of them, best
    // first; only the first `keep` are put in order when fewer are shown.
    void reasons_for(uint32_t item, ModelChoice model, Workspace& ws, std::vector<Reason>& out,
                     size_t keep = SIZE_MAX) const;
    void claim_tags(const std::vector<Scored>& items, Workspace& ws, std::vector<int32_t>& out) const;

    Bytes bytes_;
    std::unique_ptr<BundleReader> reader_;
    Catalog catalog_;
    std::optional<MfModelView> mf_;
    std::optional<SasrecView> sasrec_;
    std::optional<PqIndex> mf_pq_, seq_pq_;
    float hybrid_weight_ = 0.5f;
    MoodTable moods_;
    ContentItems content_;
    ItemSpace space_;
};

// One caller's scratch for an engine's requests: the models' per-request state (fold-in,
// encoder), the PQ tables and the re-ranker's buffers. Sized when made (a few buffers grow
// on first use), reused by every call, so a warm call allocates nothing. Holds no result:
// those live in the caller's Recommendations and Explanation.
class Workspace {
public:
    explicit Workspace(const Engine& engine);

private:
    friend class Engine;
    bool cold_start() const { return history_items_.empty(); }

    const Engine* engine_;
    std::optional<MfScorer> mf_;
    std::optional<SasrecScorer> sasrec_;
    std::vector<uint32_t> history_items_;
    Engine::Blend blend_;                 // the hybrid's coefficients for this request
    std::vector<float> mf_scores_;        // hybrid: the MF half of the blend
    std::vector<float> catalog_scratch_;  // similar() and explain(): one score per item
    std::vector<uint8_t> excluded_;       // one flag per item, all zero between calls
    std::vector<int16_t> similar_query_;
    std::vector<uint32_t> tag_popularity_offsets_;  // claim_tags(): built on first use
    std::vector<float> tag_popularity_;
    std::vector<uint8_t> claimed_;
    std::vector<float> mood_weights_;
    Reranker reranker_;
    std::vector<Reason> candidates_, extra_;
    std::vector<uint32_t> reason_items_;  // recommend(): the list its reasons are for
    // PQ: each model's query tables, the scan's u16 sums, the MF query ([u; 1] for explicit
    // models), the selection heap, the candidates' exact scores.
    std::optional<PqIndex::Tables> mf_tables_, seq_tables_;
    std::vector<uint16_t> pq_raw_, pq_raw2_;
    std::vector<float> pq_mf_query_;
    std::vector<uint64_t> pq_heap_;
    std::vector<float> pq_exact_, pq_exact_mf_;
};

// z-scores of two score arrays over the catalog, blended: w * z(seq) + (1 - w) * z(mf).
// Returns the coefficients so that a per-item term can be mapped the same way.
void blend_scores(const float* seq, const float* mf, size_t n, float w, float* out,
                  float& a_seq, float& a_mf);
// The same coefficients alone: out[i] would be a_seq * seq[i] + a_mf * mf[i] + offset.
void blend_coefficients(const float* seq, const float* mf, size_t n, float w, float& a_seq, float& a_mf,
                        float& offset);

}  // namespace hearth
