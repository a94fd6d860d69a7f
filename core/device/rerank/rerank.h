// Re-ranking after scoring: the controls a person uses to steer their list. Scoring gives
// every item a relevance; re-ranking picks the final k from the best candidates with
// diversity (MMR), calibration to the history's tag mix (Steck 2018), a popularity penalty,
// a mood's tag weights and negative feedback, and records which controls moved each item.
// Shared by the engine (native and wasm) and by `hearth eval`.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/device/kernels/topk.h"

namespace hearth {

// What re-ranking knows about the catalog. Views into memory the caller keeps alive.
struct ItemSpace {
    uint32_t items = 0;
    const float* embeddings = nullptr;  // items x dim: cosine similarity for MMR and feedback
    const int8_t* codes = nullptr;      // or, for an int8 catalog, its codes (the per-row
                                        // scales cancel out of a cosine)
    uint32_t dim = 0;
    const uint32_t* tag_offsets = nullptr;  // items + 1 offsets into tag_ids (null: no tags)
    const uint32_t* tag_ids = nullptr;
    uint32_t tags = 0;
    const float* popularity = nullptr;  // training events per item, >= 0 (null: all zero)
};

// One bit per control, in reason order.
enum Control : uint32_t {
    kControlDiversity = 1u << 0,
    kControlCalibration = 1u << 1,
    kControlNovelty = 1u << 2,
    kControlMood = 1u << 3,
    kControlFeedback = 1u << 4,
};
constexpr uint32_t kControlCount = 5;
// "diversity", "calibration", "novelty", "mood", "feedback" for bit i.
const char* control_name(uint32_t bit_index);

enum class Similarity : uint32_t {
    Embedding = 0,  // cosine of item embeddings
    Tags = 1,       // cosine of tag sets: |A n B| / sqrt(|A| |B|)
};

struct RerankControls {
    // Each strength is in [0, 1]; 0 turns the control off.
    float diversity = 0.0f;    // MMR: (1 - d) relevance - d max similarity to the list so far
    float calibration = 0.0f;  // Steck: (1 - c) relevance - c KL(p || (1 - a) q + a p), a = 0.01
    float novelty = 0.0f;      // subtracts novelty * log(1 + pop) / log(1 + max pop)
    float mood = 0.0f;         // adds mood * (mean of mood_weights over the item's tags)
    const float* mood_weights = nullptr;  // one per tag, in [-1, 1]; null: no mood
    // Negative feedback: subtracts feedback * max(largest cosine to an avoided item,
    // share of the item's tags that are avoided tags). Avoided items themselves are
    // filtered by the caller (they belong in `excluded`).
    float feedback = 0.5f;
    const uint32_t* avoid_items = nullptr;
    size_t avoid_item_count = 0;
    const uint32_t* avoid_tags = nullptr;
    size_t avoid_tag_count = 0;
    // Hard filter: items with any of these tags are never returned.
    const uint32_t* block_tags = nullptr;
    size_t block_tag_count = 0;
    Similarity similarity = Similarity::Embedding;
    uint32_t candidates = 0;  // re-ranking pool: the best this many by score; 0: max(10 k, 200)
};

// The re-ranked list. items[j].score is the model's score (re-ranking changes the order,
// not what the model said); controls[j] has the bit of every control without which item j
// would not be at position j (leave one control out, the others kept); model_rank[j] is its
// position among eligible items by score alone.
struct Reranked {
    std::vector<Scored> items;
    std::vector<uint32_t> controls;
    std::vector<uint32_t> model_rank;
};

class Reranker {
public:
    // Controls that would act on this request: strength > 0 and something to act on
    // (a mood table, avoided items or tags, a history with tags for calibration).
    static uint32_t active(const ItemSpace& space, const RerankControls& c,
                           const uint32_t* history, size_t history_count);

    // The k best items of `scores` not `excluded` (nullable, one byte per item) and not
    // carrying a blocked tag, ordered by the greedy objective
    //   gain(i | S) = (1 - c) [ (1 - d) adj(i) - d max_{j in S} sim(i, j) ]
    //                 - c KL(p || (1 - a) q(S + i) + a p)
    // where adj(i) is the relevance min-max scaled over the pool plus the pointwise
    // controls, p the tag mix of `history` and q(S) the tag mix of the list. With no active
    // control it is exactly top_k. Ties go to the better model rank. Past position 100 the
    // list continues by adjusted relevance alone (greedy steps cost k x pool). Workspaces are reused,
    // so a warm call does not allocate. Throws Error("argument") for out-of-range inputs.
    // With `only` (a product-quantized catalog's candidates), just those `only_count` items
    // are eligible and the scores of the others are never read.
    const Reranked& rerank(const ItemSpace& space, const float* scores, const uint8_t* excluded,
                           const uint32_t* history, size_t history_count,
                           const RerankControls& controls, uint32_t k,
                           const uint32_t* only = nullptr, size_t only_count = 0);

    // 1 / |row| of every row of the space's embeddings (or int8 codes; 0 for a zero row),
    // computed on first use and kept for later calls with the same table.
    const std::vector<float>& inverse_norms(const ItemSpace& space);

private:
    struct TagShare {
        uint32_t tag;
        float share;  // of the history's tag mass
    };
    void prepare(const ItemSpace& space, const uint32_t* history, size_t history_count,
                 const RerankControls& c, uint32_t active);
    float similarity(const ItemSpace& space, Similarity mode, uint32_t a, uint32_t b) const;
    // Greedy selection of up to k pool entries with the controls in `mask`; writes pool
    // positions into `picked`, best first.
    void select(const ItemSpace& space, const RerankControls& c, uint32_t mask, uint32_t k,
                std::vector<uint32_t>& picked);

    const void* norms_for_ = nullptr;   // the table the cached inverse norms belong to
    std::vector<float> inverse_norms_;
    const float* max_pop_for_ = nullptr;
    float max_pop_ = 0.0f;
    std::vector<uint8_t> filter_;       // excluded or blocked, per item
    std::vector<uint8_t> tag_flag_;
    std::vector<Scored> pool_;          // the best candidates by score, best first
    std::vector<Scored> eligible_;      // with `only`: the eligible ones among them
    std::vector<float> relevance_;      // per pool entry, min-max scaled
    std::vector<float> penalty_[kControlCount];  // per pool entry: pointwise term, by control bit
    std::vector<float> adjusted_;
    std::vector<float> history_mix_;
    std::vector<TagShare> support_;     // the history's tags with their shares (p)
    std::vector<double> list_mix_, candidate_mix_;
    std::vector<float> max_sim_;
    std::vector<uint8_t> taken_;
    std::vector<uint32_t> picked_, alternative_, position_;
    Reranked out_;
};

// KL(p || (1 - alpha) q + alpha p) over `n` tags, with p and q normalised inside (each
// given as nonnegative masses). Zero when p has no mass.
double calibration_kl(const float* p, const float* q, size_t n, double alpha = 0.01);

// The tag mix of a list of items: each item spreads a unit mass evenly over its tags
// (untagged items add nothing). Writes `space.tags` masses into `mix`.
void tag_mix(const ItemSpace& space, const uint32_t* items, size_t count, std::vector<float>& mix);

}  // namespace hearth
