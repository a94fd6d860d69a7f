// Embind bindings: plain numbers and heap pointers in, pointers to result buffers out.
// No logic lives here; web/src turns this into the friendly API. Errors never escape
// as exceptions: a call returns -1 and error() says what went wrong.
#include <emscripten/bind.h>

#include <string>

#include "core/common/error.h"
#include "core/engine/engine.h"

namespace {

using hearth::Engine;

class WasmEngine {
public:
    // Takes ownership of `bytes` (malloc'ed by the caller), even when opening fails.
    WasmEngine(uintptr_t bytes, size_t size) {
        Engine::Bytes owned(reinterpret_cast<uint8_t*>(bytes), &std::free);
        guard([&] { engine_ = std::make_unique<Engine>(std::move(owned), size); });
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
    std::string metaJson() const { return std::string(engine_->meta_json()); }

    // A whole string table as one string, entries separated by NUL (which the bundle
    // forbids inside strings): one boundary crossing per table, at load.
    std::string joinedStrings(const std::string& section) const {
        std::string out;
        int status = guard([&] {
            const hearth::StringTable t = engine_->bundle().strings(section);
            for (uint32_t i = 0; i < t.size(); ++i) {
                if (i) out += '\0';
                out += t[i];
            }
        });
        return status < 0 ? std::string() : out;
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
            recs_ = &engine_->recommend(history_.data(), history_.size(), options);
            return static_cast<int>(recs_->items.size());
        });
    }
    // Result buffers of the last recommend(), valid until the next call.
    uint32_t resultModel() const { return static_cast<uint32_t>(recs_->model); }
    uintptr_t resultsPtr() const { return ptr(recs_->items.data()); }       // {u32 item, f32 score}
    uintptr_t basePtr() const { return ptr(recs_->base.data()); }           // f32
    uintptr_t reasonStartPtr() const { return ptr(recs_->reason_start.data()); }  // u32
    uintptr_t reasonsPtr() const { return ptr(recs_->reasons.data()); }     // {u32 item, f32 weight}

    // Returns the number of similar items (written at similarPtr()), or -1.
    int similar(uint32_t item, uint32_t k) {
        return guard([&] {
            similar_ = &engine_->similar(item, k);
            return static_cast<int>(similar_->size());
        });
    }
    uintptr_t similarPtr() const { return ptr(similar_->data()); }  // {u32 item, f32 cosine}

    // Returns the number of contributions, or -1.
    int explain(uintptr_t items_ptr, uintptr_t values_ptr, uint32_t n, uint32_t item,
                uint32_t model, float hybrid_weight) {
        return guard([&] {
            load_history(items_ptr, values_ptr, n);
            explanation_ = &engine_->explain(history_.data(), history_.size(), item,
                                             model_choice(model), hybrid_weight);
            return static_cast<int>(explanation_->contributions.size());
        });
    }
    float explainedScore() const { return explanation_->score; }
    float explainedBase() const { return explanation_->base; }
    uintptr_t contributionsPtr() const { return ptr(explanation_->contributions.data()); }
    uint32_t explainedModel() const { return static_cast<uint32_t>(explanation_->model); }
    bool explainedAdditive() const { return explanation_->additive; }
    uint32_t attentionCount() const { return static_cast<uint32_t>(explanation_->attention.size()); }
    uintptr_t attentionPtr() const { return ptr(explanation_->attention.data()); }

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

    void load_history(uintptr_t items_ptr, uintptr_t values_ptr, uint32_t n) {
        const uint32_t* items = reinterpret_cast<const uint32_t*>(items_ptr);
        const float* values = reinterpret_cast<const float*>(values_ptr);
        history_.resize(n);
        for (uint32_t i = 0; i < n; ++i) history_[i] = {items[i], values[i]};
    }

    std::unique_ptr<Engine> engine_;
    std::vector<hearth::HistoryEntry> history_;
    const hearth::Recommendations* recs_ = nullptr;
    const hearth::Explanation* explanation_ = nullptr;
    const std::vector<hearth::Scored>* similar_ = nullptr;
    mutable std::string error_, code_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(hearth) {
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
        .function("joinedStrings", &WasmEngine::joinedStrings)
        .function("tagOffsetsPtr", &WasmEngine::tagOffsetsPtr)
        .function("tagIdsLength", &WasmEngine::tagIdsLength)
        .function("tagIdsPtr", &WasmEngine::tagIdsPtr)
        .function("popularityPtr", &WasmEngine::popularityPtr)
        .function("recommend", &WasmEngine::recommend)
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
