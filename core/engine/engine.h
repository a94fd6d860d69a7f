// On-device recommendation: fold a history into a user vector, score the whole catalog,
// pick the top k and explain each pick exactly. The same code runs natively (CLI, eval,
// tests) and in WebAssembly (wasm/bindings.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/bundle/bundle.h"
#include "core/engine/catalog.h"
#include "core/kernels/topk.h"
#include "core/mf/mf_model.h"
#include "core/mf/ridge.h"

namespace hearth {

// One history item's share of a recommendation's score.
struct Reason {
    uint32_t item;
    float weight;
};

struct RecommendOptions {
    uint32_t k = 10;
    uint32_t reasons = 3;           // reasons kept per recommendation (largest positive first)
    bool exclude_history = true;    // never recommend what the user already has
    const uint32_t* exclude = nullptr;  // further items never to recommend
    size_t exclude_count = 0;
};

struct Recommendations {
    std::vector<Scored> items;           // best first
    std::vector<float> base;             // per item: the score part not due to the history
                                         // (all of it for a cold start: popularity)
    std::vector<uint32_t> reason_start;  // items.size() + 1 offsets into reasons
    std::vector<Reason> reasons;
};

// Every history item's exact contribution: score == base + sum of contributions.
struct Explanation {
    uint32_t item = 0;
    float score = 0.0f;
    float base = 0.0f;
    std::vector<Reason> contributions;  // one per distinct history item, largest first
};

class Engine {
public:
    // Takes ownership of malloc'ed bundle bytes (freed with std::free).
    using Bytes = std::unique_ptr<uint8_t, decltype(&std::free)>;
    Engine(Bytes bytes, size_t size);
    static std::unique_ptr<Engine> from_file(const std::string& path);

    const BundleReader& bundle() const { return *reader_; }
    const Catalog& catalog() const { return catalog_; }
    const MfModelView& model() const { return model_; }
    std::string_view meta_json() const;

    // Results stay valid until the next call. Throws Error("argument") for an item index
    // outside the catalog or a non-finite value.
    const Recommendations& recommend(const HistoryEntry* history, size_t n,
                                     const RecommendOptions& options);
    const Explanation& explain(const HistoryEntry* history, size_t n, uint32_t item);

    // After recommend/explain: the folded-in user vector (model().user_dim() floats) and
    // every item's score.
    const std::vector<float>& user_vector() const { return user_; }
    const std::vector<float>& scores() const { return scores_; }

private:
    void fold_in(const HistoryEntry* history, size_t n);
    void score_all();
    bool cold_start() const { return merged_.empty() && model_.params.kind == MfKind::Implicit; }
    void contributions_for(uint32_t item, std::vector<Reason>& out);

    Bytes bytes_;
    std::unique_ptr<BundleReader> reader_;
    Catalog catalog_;
    MfModelView model_;
    RidgeSolver solver_;

    // Workspaces, sized once and reused so that a warm call does not allocate.
    std::vector<HistoryEntry> merged_;
    std::vector<RidgeTerm> terms_;
    std::vector<float> user_;
    std::vector<float> scores_;
    std::vector<uint8_t> excluded_;
    std::vector<double> feature_, z_;
    std::vector<Reason> candidates_;
    Recommendations recs_;
    Explanation explanation_;
};

}  // namespace hearth
