// Embind bindings: plain numbers and heap pointers in, pointers to result buffers out.
// No logic lives here; web/src turns this into the friendly API. Errors never escape
// as exceptions: a call returns -1 and error() says what went wrong. The bench build of the
// module (build/wasm/bench) links these and wasm/bench_probes.cpp; web/dist has these alone.
#include <emscripten/bind.h>

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "core/common/error.h"
#include "core/common/parallel.h"
#include "core/device/engine/engine.h"

namespace {

using hearth::Engine;

// The controls of recommend() as the page lays them out in wasm memory: 13 four-byte fields,
// in this order (web/src/engine.js CONTROLS_BLOCK). Pointers are heap offsets; a mood
// weights pointer of 0 means the bundle's mood `mood` (-1: none).
struct ControlsBlock {
    float diversity, calibration, novelty, mood_strength, feedback;
    int32_t mood;
    uint32_t mood_weights;
    uint32_t avoid_items, avoid_item_count;
    uint32_t avoid_tags, avoid_tag_count;
    uint32_t block_tags, block_tag_count;
};
static_assert(sizeof(ControlsBlock) == 13 * 4, "the page writes 13 four-byte fields");

class WasmEngine {
public:
    // Takes ownership of `bytes` (malloc'ed by the caller), even when opening fails.
    // Everything the page reads at open is read here once, inside the guard, so that a
    // damaged bundle fails the open with the section's name instead of throwing later from
    // an accessor. A failed open keeps nothing.
    WasmEngine(uintptr_t bytes, size_t size) {
        Engine::Bytes owned(reinterpret_cast<uint8_t*>(bytes), &std::free);
        guard([&] {
            auto engine = std::make_unique<Engine>(std::move(owned), size);
            engine->meta_json();
            engine->bundle().u32("catalog.tag_offsets");
            engine->bundle().u32("catalog.tag_ids");
            engine->bundle().f32("catalog.popularity");
            ws_ = std::make_unique<hearth::Workspace>(*engine);
            engine_ = std::move(engine);
        });
        // The only JSON an open parses is the bundle's: its errors are the bundle's.
        if (code_ == "data") code_ = "bundle";
    }

    std::string error() const { return error_; }
    std::string errorCode() const { return code_; }
    bool ok() const { return engine_ != nullptr; }

    uint32_t itemCount() const { return engine_->catalog().size(); }
    uint32_t tagCount() const { return engine_->catalog().tag_count(); }
    bool hasMf() const { return engine_->has_mf(); }
    bool hasSasrec() const { return engine_->has_sasrec(); }
    float hybridWeight() const { return engine_->hybrid_weight(); }
    std::string mfKind() const {
        if (!engine_->has_mf()) return "";
        return engine_->mf_model().params.kind == hearth::MfKind::Implicit ? "implicit" : "explicit";
    }
    std::string metaJson() const {
        std::string json;
        guard([&] { json = std::string(engine_->meta_json()); });
        return json;
    }

    // A string table section's payload in the bundle's bytes: count + 1 u32 byte offsets,
    // then the UTF-8 characters (FORMAT.md). The page decodes it in place, with no copy and
    // no per-string boundary crossing. Returns 0 when the section is missing (see error()).
    uintptr_t stringTablePtr(const std::string& section) const {
        uintptr_t p = 0;
        guard([&] {
            const hearth::SectionInfo& s = engine_->bundle().section(section);
            if (s.dtype != hearth::DType::Strings) throw hearth::Error("bundle", "section '" + section + "' is not a string table");
            p = ptr(engine_->bundle().payload(s));
        });
        return p;
    }
    // The index of the id in UTF-8 bytes [bytes, bytes + length), or -1.
    int32_t findItem(uintptr_t bytes, size_t length) const {
        return static_cast<int32_t>(
            engine_->catalog().find(std::string_view(reinterpret_cast<const char*>(bytes), length)));
    }
    uint32_t stringTableCount(const std::string& section) const {
        return engine_->bundle().has(section) ? engine_->bundle().section(section).rows : 0;
    }

    // The items in ascending order of their ids (catalog.id_order), or 0 in bundles
    // written before that section.
    uintptr_t idOrderPtr() const {
        const hearth::BundleReader& b = engine_->bundle();
        return b.has("catalog.id_order") ? ptr(b.u32("catalog.id_order").data) : 0;
    }
    uintptr_t tagOffsetsPtr() const { return ptr(engine_->bundle().u32("catalog.tag_offsets").data); }
    uint32_t tagIdsLength() const { return engine_->bundle().section("catalog.tag_ids").rows; }
    uintptr_t tagIdsPtr() const { return ptr(engine_->bundle().u32("catalog.tag_ids").data); }
    uintptr_t popularityPtr() const { return ptr(engine_->bundle().f32("catalog.popularity").data); }

    // history: `n` item indices (u32) at items_ptr and values (f32) at values_ptr.
    // Returns the number of recommendations, or -1.
    // model: 0 auto, 1 mf, 2 sasrec, 3 hybrid; hybrid_weight < 0: the bundle's.
    int recommend(uintptr_t items_ptr, uintptr_t values_ptr, uint32_t n, uintptr_t exclude_ptr,
                  uint32_t exclude_count, uint32_t k, uint32_t reasons, bool exclude_history,
                  uint32_t model, float hybrid_weight, bool sequence_reasons) {
        return guard([&] {
            load_history(items_ptr, values_ptr, n);
            hearth::RecommendOptions options;
            options.k = k;
            options.reasons = reasons;
            options.exclude_history = exclude_history;
            options.model = model_choice(model);
            options.hybrid_weight = hybrid_weight;
            options.sequence_reasons = sequence_reasons;
            options.exclude = reinterpret_cast<const uint32_t*>(exclude_ptr);
            options.exclude_count = exclude_count;
            options.controls = controls_;
            options.controls.mood_weights = mood_weights_.empty() ? nullptr : mood_weights_.data();
            options.controls.avoid_items = avoid_items_.data();
            options.controls.avoid_item_count = avoid_items_.size();
            options.controls.avoid_tags = avoid_tags_.data();
            options.controls.avoid_tag_count = avoid_tags_.size();
            options.controls.block_tags = block_tags_.data();
            options.controls.block_tag_count = block_tags_.size();
            options.mood = mood_;
            engine_->recommend(history_.data(), history_.size(), options, *ws_, recs_);
            return static_cast<int>(recs_.items.size());
        });
    }
    // The re-ranking controls of the following recommend() calls, as one ControlsBlock in
    // wasm memory (web/src/engine.js writes it). The arrays it points at are copied.
    void setControls(uintptr_t block_ptr) {
        const auto& block = *reinterpret_cast<const ControlsBlock*>(block_ptr);
        controls_ = hearth::RerankControls();
        controls_.diversity = block.diversity;
        controls_.calibration = block.calibration;
        controls_.novelty = block.novelty;
        controls_.mood = block.mood_strength;
        controls_.feedback = block.feedback;
        mood_ = block.mood;
        const auto* weights = reinterpret_cast<const float*>(uintptr_t(block.mood_weights));
        mood_weights_.assign(weights, weights ? weights + engine_->catalog().tag_count() : weights);
        copy(block.avoid_items, block.avoid_item_count, avoid_items_);
        copy(block.avoid_tags, block.avoid_tag_count, avoid_tags_);
        copy(block.block_tags, block.block_tag_count, block_tags_);
    }
    uint32_t contentItemCount() const { return static_cast<uint32_t>(engine_->content_items().items().size); }
    uintptr_t contentItemsPtr() const { return ptr(engine_->content_items().items().data); }  // u32, ascending
    uint32_t moodCount() const { return engine_->moods().size(); }
    // The bundle's mood `mood` as one weight per tag (f32), or 0 when there is no such mood.
    uintptr_t moodWeightsPtr(uint32_t mood) {
        if (mood >= engine_->moods().size()) return 0;
        mood_scratch_.resize(engine_->catalog().tag_count());
        engine_->moods().weights(mood, mood_scratch_.data());
        return ptr(mood_scratch_.data());
    }

    // Result buffers of the last recommend(), valid until the next one (the page copies
    // what it keeps).
    uint32_t resultModel() const { return static_cast<uint32_t>(recs_.model); }
    uintptr_t resultsPtr() const { return ptr(recs_.items.data()); }       // {u32 item, f32 score}
    uintptr_t basePtr() const { return ptr(recs_.base.data()); }           // f32
    uintptr_t reasonStartPtr() const { return ptr(recs_.reason_start.data()); }  // u32
    uintptr_t reasonsPtr() const { return ptr(recs_.reasons.data()); }     // {u32 item, f32 weight}
    uintptr_t controlsPtr() const { return ptr(recs_.controls.data()); }   // u32 Control bits
    uintptr_t modelRankPtr() const { return ptr(recs_.model_rank.data()); }  // u32
    uintptr_t popularInPtr() const { return ptr(recs_.popular_in.data()); }  // i32 tag or -1
    bool onboarding() const { return recs_.onboarding; }

    // Returns the number of similar items (written at similarPtr()), or -1.
    int similar(uint32_t item, uint32_t k) {
        return guard([&] {
            engine_->similar(item, k, *ws_, similar_);
            return static_cast<int>(similar_.size());
        });
    }
    uintptr_t similarPtr() const { return ptr(similar_.data()); }  // {u32 item, f32 cosine}

    // Returns the number of contributions, or -1.
    int explain(uintptr_t items_ptr, uintptr_t values_ptr, uint32_t n, uint32_t item,
                uint32_t model, float hybrid_weight) {
        return guard([&] {
            load_history(items_ptr, values_ptr, n);
            engine_->explain(history_.data(), history_.size(), item, *ws_, explanation_,
                             model_choice(model), hybrid_weight);
            return static_cast<int>(explanation_.contributions.size());
        });
    }
    float explainedScore() const { return explanation_.score; }
    float explainedBase() const { return explanation_.base; }
    uintptr_t contributionsPtr() const { return ptr(explanation_.contributions.data()); }
    uint32_t explainedModel() const { return static_cast<uint32_t>(explanation_.model); }
    bool explainedAdditive() const { return explanation_.additive; }
    uint32_t attentionCount() const { return static_cast<uint32_t>(explanation_.attention.size()); }
    uintptr_t attentionPtr() const { return ptr(explanation_.attention.data()); }

private:
    static hearth::ModelChoice model_choice(uint32_t m) {
        if (m > 3) throw hearth::Error("argument", "unknown model choice " + std::to_string(m));
        return static_cast<hearth::ModelChoice>(m);
    }

    template <typename T>
    static uintptr_t ptr(const T* p) { return reinterpret_cast<uintptr_t>(p); }

    template <typename Fn>
    int guard(Fn fn) const {
        error_.clear();
        code_.clear();
        try {
            if constexpr (std::is_same_v<decltype(fn()), void>) {
                fn();
                return 0;
            } else {
                return fn();
            }
        } catch (const hearth::Error& e) {
            code_ = e.code();
            error_ = e.what();
        } catch (const std::bad_alloc&) {
            code_ = "memory";
            error_ = "out of memory";
        } catch (const std::exception& e) {
            code_ = "internal";
            error_ = e.what();
        }
        return -1;
    }

    static void copy(uintptr_t p, uint32_t n, std::vector<uint32_t>& out) {
        const auto* ids = reinterpret_cast<const uint32_t*>(p);
        out.assign(ids, ids ? ids + n : ids);
    }

    void load_history(uintptr_t items_ptr, uintptr_t values_ptr, uint32_t n) {
        const uint32_t* items = reinterpret_cast<const uint32_t*>(items_ptr);
        const float* values = reinterpret_cast<const float*>(values_ptr);
        history_.resize(n);
        for (uint32_t i = 0; i < n; ++i) history_[i] = {items[i], values[i]};
    }

    // The page is one caller: one workspace, and the results it reads after each call.
    std::unique_ptr<Engine> engine_;
    std::unique_ptr<hearth::Workspace> ws_;
    std::vector<hearth::HistoryEntry> history_;
    hearth::RerankControls controls_;
    int32_t mood_ = -1;
    std::vector<float> mood_weights_, mood_scratch_;
    std::vector<uint32_t> avoid_items_, avoid_tags_, block_tags_;
    hearth::Recommendations recs_;
    hearth::Explanation explanation_;
    std::vector<hearth::Scored> similar_;
    mutable std::string error_, code_;
};

// A 64-byte aligned block for a bundle's bytes (released by the Engine, or by _free).
// Sections are 64-aligned within the file; copied here they stay aligned in memory, as the
// format intends, rather than at malloc's 8-byte alignment.
uintptr_t allocateAligned(size_t size) {
    const size_t rounded = (std::max<size_t>(size, 1) + 63) & ~size_t(63);
    return reinterpret_cast<uintptr_t>(std::aligned_alloc(64, rounded));
}

// Bytes the allocator has handed out and not taken back: tests assert that failed opens
// and repeated calls leave it where it was (heap size alone hides reuse of freed blocks).
size_t heapBytesInUse() { return mallinfo().uordblks; }

}  // namespace

EMSCRIPTEN_BINDINGS(hearth) {
    emscripten::function("allocateAligned", &allocateAligned);
    // Threads for catalog scoring (core/common/parallel.h): 1 in the single-thread module.
    emscripten::function("threadsAvailable", &hearth::threads_available);
    emscripten::function("maxScoringThreads", &hearth::max_scoring_threads);
    emscripten::function("setScoringThreads", &hearth::set_scoring_threads);
    emscripten::function("scoringThreads", &hearth::scoring_threads);
    emscripten::function("heapBytesInUse", &heapBytesInUse);

    emscripten::class_<WasmEngine>("Engine")
        .constructor<uintptr_t, size_t>()
        .function("ok", &WasmEngine::ok)
        .function("error", &WasmEngine::error)
        .function("errorCode", &WasmEngine::errorCode)
        .function("itemCount", &WasmEngine::itemCount)
        .function("tagCount", &WasmEngine::tagCount)
        .function("hasMf", &WasmEngine::hasMf)
        .function("hasSasrec", &WasmEngine::hasSasrec)
        .function("hybridWeight", &WasmEngine::hybridWeight)
        .function("mfKind", &WasmEngine::mfKind)
        .function("metaJson", &WasmEngine::metaJson)
        .function("stringTablePtr", &WasmEngine::stringTablePtr)
        .function("stringTableCount", &WasmEngine::stringTableCount)
        .function("findItem", &WasmEngine::findItem)
        .function("idOrderPtr", &WasmEngine::idOrderPtr)
        .function("tagOffsetsPtr", &WasmEngine::tagOffsetsPtr)
        .function("tagIdsLength", &WasmEngine::tagIdsLength)
        .function("tagIdsPtr", &WasmEngine::tagIdsPtr)
        .function("popularityPtr", &WasmEngine::popularityPtr)
        .function("setControls", &WasmEngine::setControls)
        .function("moodCount", &WasmEngine::moodCount)
        .function("contentItemCount", &WasmEngine::contentItemCount)
        .function("contentItemsPtr", &WasmEngine::contentItemsPtr)
        .function("moodWeightsPtr", &WasmEngine::moodWeightsPtr)
        .function("recommend", &WasmEngine::recommend)
        .function("controlsPtr", &WasmEngine::controlsPtr)
        .function("modelRankPtr", &WasmEngine::modelRankPtr)
        .function("popularInPtr", &WasmEngine::popularInPtr)
        .function("onboarding", &WasmEngine::onboarding)
        .function("resultModel", &WasmEngine::resultModel)
        .function("resultsPtr", &WasmEngine::resultsPtr)
        .function("basePtr", &WasmEngine::basePtr)
        .function("reasonStartPtr", &WasmEngine::reasonStartPtr)
        .function("reasonsPtr", &WasmEngine::reasonsPtr)
        .function("similar", &WasmEngine::similar)
        .function("similarPtr", &WasmEngine::similarPtr)
        .function("explain", &WasmEngine::explain)
        .function("explainedScore", &WasmEngine::explainedScore)
        .function("explainedBase", &WasmEngine::explainedBase)
        .function("contributionsPtr", &WasmEngine::contributionsPtr)
        .function("explainedModel", &WasmEngine::explainedModel)
        .function("explainedAdditive", &WasmEngine::explainedAdditive)
        .function("attentionCount", &WasmEngine::attentionCount)
        .function("attentionPtr", &WasmEngine::attentionPtr);
}
