// Portable training: the CLI is built without -march=native, and the SASRec trainer runs in
// one of its compiled variants (core/train/sasrec/sasrec_isa.h), picked at run time.
//
// A seed fixes a SASRec model bit for bit on every machine that runs the same variant: the
// checksums below are of what each variant trains today, one per variant, because the x86-64
// levels fuse multiply-adds in Eigen's kernels and sum in 8- or 16-wide vectors. Every
// variant the CPU can run runs here (HEARTH_ISA forces one), so a build on an x86-64-v4
// machine checks all three promises. A change
// that moves a checksum changes every trained model and must say so. (ALS, which has no
// variants, has its own checksum: "ALS trains the same bits on every build", test_mf.cpp.)
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/device/bundle/bundle.h"
#include "core/train/sasrec/sasrec_trainer.h"

using namespace hearth;

namespace {

// Sets HEARTH_ISA for its lifetime, then restores what was there.
class IsaOverride {
public:
    explicit IsaOverride(const char* isa) {
        if (const char* old = std::getenv("HEARTH_ISA")) old_ = old;
        ::setenv("HEARTH_ISA", isa, 1);
    }
    ~IsaOverride() {
        if (old_) ::setenv("HEARTH_ISA", old_->c_str(), 1);
        else ::unsetenv("HEARTH_ISA");
    }
    IsaOverride(const IsaOverride&) = delete;
    IsaOverride& operator=(const IsaOverride&) = delete;

private:
    std::optional<std::string> old_;
};

bool have(const char* variant) {
    IsaOverride isa(variant);
    try {
        return std::string(sasrec_trainer_isa()) == variant;
    } catch (const Error&) {
        return false;
    }
}

// Users walk a cycle over the catalog from a random start, with a random detour.
SasrecTrainData walks(uint32_t items, uint32_t users, uint64_t seed) {
    SplitMix64 rng(seed);
    SasrecTrainData d;
    for (uint32_t u = 0; u < users; ++u) {
        const uint32_t start = rng.below(items), len = 3 + rng.below(12);
        std::vector<uint32_t> s;
        for (uint32_t j = 0; j < len; ++j) s.push_back(j == len / 2 ? rng.below(items) : (start + j) % items);
        d.validation_target.push_back((start + len) % items);
        d.sequences.push_back(s);
    }
    return d;
}

// Small, but with every part that computes: two blocks, GELU, dropout, sampled and full
// softmax, two threads, GEMMs long enough for Eigen's vector kernels.
SasrecTrainConfig tiny_config(uint32_t items) {
    SasrecTrainConfig c;
    c.model.items = items;
    c.model.dim = 32;
    c.model.heads = 2;
    c.model.blocks = 2;
    c.model.max_len = 12;
    c.model.ffn_dim = 48;
    c.batch = 64;
    c.dropout = 0.2f;
    c.lr = 3e-3f;
    c.epochs = 3;
    c.patience = 0;
    c.threads = 2;
    c.seed = 2024;
    return c;
}

uint64_t weights_hash(const SasrecWeights& w) {
    uint64_t h = 0;
    for (const auto& t : w.tensors) h = xxh64(t.data(), t.size() * sizeof(float), h);
    return h;
}

// Trains with the full softmax, then two more epochs with the sampled softmax from a
// different seed; returns the checksum of the second model.
uint64_t train_hash(SasrecWeights* out = nullptr) {
    const SasrecTrainData data = walks(90, 300, 11);
    SasrecTrainConfig c = tiny_config(90);
    const SasrecWeights full = train_sasrec(data, c);
    c.loss = SasrecLoss::SampledSoftmax;
    c.negatives = 32;
    c.epochs = 2;
    c.seed = 2025;
    const SasrecWeights sampled = train_sasrec(data, c);
    const uint64_t h = weights_hash(full) ^ (weights_hash(sampled) * 0x9E3779B97F4A7C15ull);
    if (out) *out = full;
    return h;
}

}  // namespace

TEST_CASE("SASRec trains the same bits on every machine: generic trainer", "[sasrec][determinism]") {
    IsaOverride isa("generic");
    REQUIRE(std::string(sasrec_trainer_isa()) == "generic");
    const uint64_t h = train_hash();
    CAPTURE(h);
    CHECK(h == 0x87f257674b93ef33ull);
}

TEST_CASE("SASRec trains the same bits on every machine: x86-64-v3 trainer", "[sasrec][determinism]") {
    if (!have("x86-64-v3")) {
        WARN("the x86-64-v3 trainer is missing: skipping (not built, or the CPU lacks AVX2/FMA)");
        return;
    }
    IsaOverride isa("x86-64-v3");
    const uint64_t h = train_hash();
    CAPTURE(h);
    CHECK(h == 0xf6d35e9d1895d1ffull);
}

TEST_CASE("SASRec trains the same bits on every machine: x86-64-v4 trainer", "[sasrec][determinism]") {
    if (!have("x86-64-v4")) {
        WARN("the x86-64-v4 trainer is missing: skipping (not built, or the CPU lacks AVX-512)");
        return;
    }
    IsaOverride isa("x86-64-v4");
    const uint64_t h = train_hash();
    CAPTURE(h);
    CHECK(h == 0x7387bcce10292a5full);
}

TEST_CASE("HEARTH_ISA picks the trainer, and the variants agree to rounding", "[sasrec][determinism]") {
    {
        IsaOverride isa("avx512");
        CHECK_THROWS_AS(sasrec_trainer_isa(), Error);
    }
    // The fastest variant this machine runs, compared with the baseline.
    const char* fastest = have("x86-64-v4") ? "x86-64-v4" : have("x86-64-v3") ? "x86-64-v3" : nullptr;
    if (!fastest) {
        WARN("the x86-64-v3 trainer is missing: skipping (not built, or the CPU lacks AVX2/FMA)");
        return;
    }
    {
        IsaOverride isa("");  // unset: the CPU decides, the best it runs
        CHECK(std::string(sasrec_trainer_isa()) == fastest);
    }
    SasrecWeights generic, fast;
    uint64_t hg, hf;
    {
        IsaOverride isa("generic");
        hg = train_hash(&generic);
    }
    {
        IsaOverride isa(fastest);
        hf = train_hash(&fast);
        // An Error thrown inside the isolated copy is caught as the one type it is.
        SasrecTrainData bad = walks(90, 10, 4);
        bad.sequences[3].push_back(90);
        CHECK_THROWS_AS(train_sasrec(bad, tiny_config(90)), Error);
    }
    CHECK(hg != hf);  // the override really runs other code
    REQUIRE(generic.tensors.size() == fast.tensors.size());
    double worst = 0;
    for (size_t t = 0; t < generic.tensors.size(); ++t)
        for (size_t i = 0; i < generic.tensors[t].size(); ++i)
            worst = std::max(worst, double(std::fabs(generic.tensors[t][i] - fast.tensors[t][i])));
    CAPTURE(worst);
    CHECK(worst < 1e-2);  // three epochs of training let rounding differences grow

    // One forward pass over the same weights: the variants agree to float rounding.
    const SasrecTrainData data = walks(90, 200, 5);
    std::vector<float> zg, zf;
    {
        IsaOverride isa("generic");
        zg = sasrec_encode_last(generic, data.sequences);
    }
    {
        IsaOverride isa(fastest);
        zf = sasrec_encode_last(generic, data.sequences);
    }
    REQUIRE(zg.size() == zf.size());
    double worst_z = 0;
    for (size_t i = 0; i < zg.size(); ++i) worst_z = std::max(worst_z, double(std::fabs(zg[i] - zf[i])));
    CAPTURE(worst_z);
    CHECK(worst_z < 1e-4);
    CHECK(zg != zf);
}
