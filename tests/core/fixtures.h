// Builders shared by the Catch2 tests: random inputs for kernel tests, the float rounding
// bound they compare with, SASRec weights with random values, and an engine over bundle bytes.
// Device-side only (no training headers), so the wasm kernel tests can use it too; trained
// bundles are in bundle_fixtures.h.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/device/engine/engine.h"
#include "core/device/sasrec/model.h"

namespace hearth::test {

// float's unit roundoff.
constexpr double kU = 5.97e-8;

// Two float sums of the same n terms in different orders each lie within n*u*sum|t| of the
// exact value (the textbook bound), so they differ by at most twice that (an FMA rounds
// less often, which only tightens it).
inline double sum_tolerance(size_t n, double magnitude) {
    return 2.0 * static_cast<double>(n + 1) * kU * magnitude + 1e-30;
}

// n values uniform in [-range, range), or integers in [-8, 8] (products and short sums of
// those are exact in float, so kernels can be compared for equality).
inline std::vector<float> random_vector(size_t n, uint32_t seed, bool integers = false,
                                        float range = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> small(-8, 8);
    std::uniform_real_distribution<float> real(-range, range);
    std::vector<float> v(n);
    for (float& x : v) x = integers ? static_cast<float>(small(rng)) : real(rng);
    return v;
}

// Every tensor normal(0, sd), LayerNorm gains 1 + normal(0, sd), drawn from `rng` in the
// order of sasrec_tensor_specs.
inline void fill_random_sasrec(SasrecWeights& w, std::mt19937& rng, float sd = 0.3f) {
    std::normal_distribution<float> normal(0.0f, sd);
    const auto specs = sasrec_tensor_specs(w.config);
    for (size_t t = 0; t < specs.size(); ++t) {
        const bool gain = specs[t].name.find("ln") != std::string::npos &&
                          specs[t].name.find(".g") != std::string::npos;
        for (float& v : w.tensors[t]) v = gain ? 1.0f + normal(rng) : normal(rng);
    }
}

inline SasrecWeights random_sasrec(const SasrecConfig& c, uint32_t seed) {
    SasrecWeights w(c);
    std::mt19937 rng(seed);
    fill_random_sasrec(w, rng);
    return w;
}

// One caller of an engine as the wasm binding is one: the engine, a workspace, and the
// results of its last calls. Tests that check what a call returned read them here.
class Caller {
public:
    explicit Caller(std::unique_ptr<Engine> engine) : engine_(std::move(engine)), ws_(*engine_) {}

    const Engine& engine() const { return *engine_; }
    const Catalog& catalog() const { return engine_->catalog(); }
    const BundleReader& bundle() const { return engine_->bundle(); }
    std::string_view meta_json() const { return engine_->meta_json(); }
    bool has_mf() const { return engine_->has_mf(); }
    bool has_sasrec() const { return engine_->has_sasrec(); }
    const MfModelView& mf_model() const { return engine_->mf_model(); }
    const SasrecView& sasrec_model() const { return engine_->sasrec_model(); }
    float hybrid_weight() const { return engine_->hybrid_weight(); }
    const MoodTable& moods() const { return engine_->moods(); }
    const ItemSpace& item_space() const { return engine_->item_space(); }
    const PqIndex* mf_pq() const { return engine_->mf_pq(); }
    const PqIndex* sasrec_pq() const { return engine_->sasrec_pq(); }

    const Recommendations& recommend(const HistoryEntry* history, size_t n, const RecommendOptions& o) {
        engine_->recommend(history, n, o, ws_, recs_);
        return recs_;
    }
    const Explanation& explain(const HistoryEntry* history, size_t n, uint32_t item,
                               ModelChoice model = ModelChoice::Auto, float hybrid_weight = -1.0f) {
        engine_->explain(history, n, item, ws_, why_, model, hybrid_weight);
        return why_;
    }
    const std::vector<Scored>& similar(uint32_t item, uint32_t k) {
        engine_->similar(item, k, ws_, similar_);
        return similar_;
    }
    // Of the last recommend().
    const std::vector<float>& scores() const { return recs_.scores; }
    const std::vector<uint32_t>& pq_candidates() const { return recs_.pq_candidates; }
    const std::vector<float>& user_vector() const { return recs_.user_vector; }

private:
    std::unique_ptr<Engine> engine_;
    Workspace ws_;
    Recommendations recs_;
    Explanation why_;
    std::vector<Scored> similar_;
};

// The temporary folder `name` (created), for a test's files.
inline std::filesystem::path temp_folder(const std::string& name) {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(dir);
    return dir;
}

// Writes `content` byte for byte (no newline translation) to `name` in `folder`, creating
// the folders on the way; returns the path.
inline std::string write_test_file(const std::filesystem::path& folder, const std::string& name,
                                   const std::string& content) {
    const std::filesystem::path path = folder / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.good()) throw std::runtime_error("cannot write " + path.string());
    return path.string();
}

// An engine over a private copy of the bytes (as the wasm binding hands it one).
inline std::unique_ptr<Engine> open_bundle(const std::vector<uint8_t>& bytes) {
    Engine::Bytes owned(static_cast<uint8_t*>(std::malloc(bytes.size())), &std::free);
    std::memcpy(owned.get(), bytes.data(), bytes.size());
    return std::make_unique<Engine>(std::move(owned), bytes.size());
}

inline std::unique_ptr<Caller> open_engine(const std::vector<uint8_t>& bytes) {
    return std::make_unique<Caller>(open_bundle(bytes));
}

}  // namespace hearth::test
