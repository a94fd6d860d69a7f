// int8 catalogs (hearth export --int8) through the engine. The reference is a second
// bundle holding the dequantized rows as fp32: everything but the final scoring kernel
// (fold-in, encoder, explanations) must be the same model, and scores must be the int8
// kernel's on the quantized query, recomputed here by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

#include "core/common/error.h"
#include "core/device/engine/engine.h"
#include "core/device/kernels/quant.h"
#include "core/device/sasrec/sasrec_bundle.h"
#include "core/train/export/export.h"
#include "core/train/export/quantize.h"
#include "core/train/mf/rating_matrix.h"
#include "core/train/mf/trainer.h"
#include "tests/core/bundle_fixtures.h"

using namespace hearth;

namespace {

constexpr uint32_t kItems = 60;

std::unique_ptr<test::Caller> open(const std::vector<uint8_t>& bytes) { return hearth::test::open_engine(bytes); }

// The fp32 bundle of an int8 bundle's dequantized rows (and its Gram matrix as stored).
std::vector<uint8_t> dequantized(const std::vector<uint8_t>& int8_bytes) {
    const BundleReader r(int8_bytes.data(), int8_bytes.size());
    BundleWriter w;
    for (const SectionInfo& s : r.sections()) {
        if (s.name == "mf.factors_i8" || s.name == "sasrec.item_emb_i8") {
            const bool mf = s.name == "mf.factors_i8";
            const Span<int8_t> codes = r.i8(s.name);
            const Span<float> scales = r.f32(mf ? "mf.factor_scales" : "sasrec.item_scales");
            std::vector<float> rows(codes.size);
            for (uint32_t i = 0; i < s.rows; ++i)
                dequantize_row_i8(codes.data + size_t(i) * s.cols, scales[i], s.cols, &rows[size_t(i) * s.cols]);
            w.add_f32(mf ? "mf.factors" : "sasrec.item_emb", rows.data(), s.rows, s.cols);
        } else if (s.name != "mf.factor_scales" && s.name != "sasrec.item_scales") {
            w.add_copy(r, s.name);
        }
    }
    return w.finish();
}

std::vector<uint8_t> fp32_bundle(MfKind kind) { return hearth::test::mf_sasrec_bundle(kind, hearth::test::FixtureShape{}); }

std::vector<uint8_t> quantized(const std::vector<uint8_t>& bytes) {
    const BundleReader r(bytes.data(), bytes.size());
    return quantize_bundle(r);
}

const std::vector<HistoryEntry> kHistory = {{3, 4.0f}, {17, 2.0f}, {3, 5.0f}, {40, 1.0f}, {8, 3.0f}, {59, 4.5f}};

}  // namespace

TEST_CASE("int8 MF: fold-in is the dequantized model's, scores are the int8 kernel's", "[engine][int8]") {
    for (MfKind kind : {MfKind::Implicit, MfKind::Explicit}) {
        const std::vector<uint8_t> q = quantized(fp32_bundle(kind));
        auto int8 = open(q);
        auto reference = open(dequantized(q));
        REQUIRE(int8->mf_model().item_codes != nullptr);
        REQUIRE(reference->mf_model().item_codes == nullptr);
        RecommendOptions o;
        o.model = ModelChoice::Mf;
        o.k = 10;
        int8->recommend(kHistory.data(), kHistory.size(), o);
        reference->recommend(kHistory.data(), kHistory.size(), o);
        const std::vector<float>& u = int8->user_vector();
        REQUIRE(u.size() == reference->user_vector().size());
        for (size_t j = 0; j < u.size(); ++j) CHECK(u[j] == Approx(reference->user_vector()[j]).margin(1e-6));

        // The scores by hand: quantize u, integer dots, one multiply, then the bias terms.
        const MfModelView& m = int8->mf_model();
        const uint32_t d = m.items.dim;
        std::vector<int16_t> qc(d);
        const float q_scale = quantize_query_i16(u.data(), d, qc.data());
        for (uint32_t i = 0; i < kItems; ++i) {
            int64_t dot = 0;
            for (uint32_t j = 0; j < d; ++j) dot += int64_t{m.item_codes[size_t(i) * d + j]} * qc[j];
            float expected = static_cast<float>(dot) * (m.item_scales[i] * q_scale);
            if (kind == MfKind::Explicit) expected += m.params.global_mean + m.item_bias[i] + u[d];
            CHECK(int8->scores()[i] == Approx(expected).epsilon(1e-6).margin(1e-6));
            CHECK(int8->scores()[i] == Approx(reference->scores()[i]).margin(0.01));
        }

        // Explanations: the dequantized model's contributions, adding up to the score up to
        // the query's int16 rounding.
        const uint32_t item = 21;
        const Explanation e = int8->explain(kHistory.data(), kHistory.size(), item, ModelChoice::Mf);
        const Explanation r = reference->explain(kHistory.data(), kHistory.size(), item, ModelChoice::Mf);
        REQUIRE(e.contributions.size() == r.contributions.size());
        double sum = e.base;
        for (size_t j = 0; j < e.contributions.size(); ++j) {
            CHECK(e.contributions[j].item == r.contributions[j].item);
            CHECK(e.contributions[j].weight == Approx(r.contributions[j].weight).margin(1e-6));
            sum += e.contributions[j].weight;
        }
        CHECK(e.score == int8->scores()[item]);
        CHECK(sum == Approx(e.score).margin(2e-3));
    }
}

TEST_CASE("int8 SASRec: the same encoder, the int8 kernel for the catalog", "[engine][int8]") {
    const std::vector<uint8_t> q = quantized(fp32_bundle(MfKind::Implicit));
    auto int8 = open(q);
    auto reference = open(dequantized(q));
    RecommendOptions o;
    o.model = ModelChoice::Sasrec;
    o.k = 10;
    const Recommendations got = int8->recommend(kHistory.data(), kHistory.size(), o);
    const Recommendations want = reference->recommend(kHistory.data(), kHistory.size(), o);
    // Influences come from the encoder alone, which sees identical embeddings.
    for (size_t j = 0; j < got.items.size(); ++j)
        if (got.items[j].index == want.items[j].index)
            for (uint32_t r = got.reason_start[j]; r < got.reason_start[j + 1]; ++r) {
                CHECK(got.reasons[r].item == want.reasons[r].item);
                CHECK(got.reasons[r].weight == Approx(want.reasons[r].weight).margin(1e-5));
            }
    size_t same = 0;
    for (const Scored& s : got.items)
        for (const Scored& t : want.items) same += s.index == t.index;
    CHECK(same >= 8);  // rounding may swap near-ties at the boundary, not reorder the list
    for (uint32_t i = 0; i < kItems; ++i) CHECK(int8->scores()[i] == Approx(reference->scores()[i]).margin(0.02));

    // similar(): cosine of the codes equals the cosine of the dequantized rows.
    const std::vector<Scored> a = int8->similar(5, 6);
    const std::vector<Scored> b = reference->similar(5, 6);
    for (size_t j = 0; j < a.size(); ++j) CHECK(a[j].score == Approx(b[j].score).margin(1e-5));
}

TEST_CASE("int8 bundles: bad or repeated quantization is refused", "[engine][int8][bundle]") {
    const std::vector<uint8_t> q = quantized(fp32_bundle(MfKind::Implicit));
    const BundleReader r(q.data(), q.size());
    CHECK_THROWS_WITH(quantize_bundle(r), Catch::Contains("already int8"));
    CHECK(std::string(r.json("meta")).find("\"catalog_dtype\":\"int8\"") != std::string::npos);

    // A NaN scale, and a missing scale section, name the section.
    BundleWriter bad, missing;
    for (const SectionInfo& s : r.sections()) {
        if (s.name == "mf.factor_scales") {
            std::vector<float> scales(r.f32(s.name).begin(), r.f32(s.name).end());
            scales[7] = NAN;
            bad.add_f32(s.name, scales.data(), s.rows, 1);
            continue;
        }
        bad.add_copy(r, s.name);
        missing.add_copy(r, s.name);
    }
    CHECK_THROWS_WITH(open(bad.finish()), Catch::Contains("section 'mf.factor_scales': value at index 7 is not finite"));
    CHECK_THROWS_WITH(open(missing.finish()), Catch::Contains("mf.factor_scales"));
}
