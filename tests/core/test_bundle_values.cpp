// Issue 12: bundles with bad values loaded. NaN, infinite or float-overflowing weights gave
// silently empty lists, Inf/NaN scores or NaN explanations, and repeated catalog ids were
// accepted. Every f32 value an engine reads is now checked at open against the bounds of
// FORMAT.md ("Values"), and ids must be unique; the errors name the section and the index.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "bundle_fixtures.h"
#include "core/common/error.h"
#include "core/device/bundle/bundle.h"
#include "core/train/export/pq.h"
#include "core/train/export/quantize.h"

using namespace hearth;

namespace {

// The bound FORMAT.md gives each f32 section the engines read.
float limit_of(const std::string& name) {
    const bool sasrec = name.rfind("sasrec.", 0) == 0;
    const float base = sasrec ? kMaxSasrecValue : kMaxValue;
    if (name == "mf.factor_scales" || name == "sasrec.item_scales") return base / 127.0f;
    if (name == "sasrec.pq_cov") return base * base;
    return base;
}

// `bytes` with section `name` replaced by `make(writer)` (or left out when make is empty).
std::vector<uint8_t> replaced(const std::vector<uint8_t>& bytes, const std::string& name,
                              const std::function<void(BundleWriter&)>& make) {
    const BundleReader r(bytes.data(), bytes.size());
    BundleWriter w;
    for (const SectionInfo& s : r.sections()) {
        if (s.name != name) {
            w.add_copy(r, s.name);
        } else if (make) {
            make(w);
        }
    }
    return w.finish();
}

std::vector<uint8_t> with_value(const std::vector<uint8_t>& bytes, const std::string& name, size_t index,
                                float value) {
    const BundleReader r(bytes.data(), bytes.size());
    const SectionInfo& s = r.section(name);
    const Span<float> old = r.f32(name);
    std::vector<float> v(old.begin(), old.end());
    v[index] = value;
    return replaced(bytes, name, [&](BundleWriter& w) { w.add_f32(name, v.data(), s.rows, s.cols); });
}

// The message of the bundle error opening `bytes` throws, or "" if it opens.
std::string open_error(const std::vector<uint8_t>& bytes) {
    try {
        test::open_engine(bytes);
    } catch (const Error& e) {
        CHECK(e.code() == "bundle");
        return e.what();
    }
    return "";
}

// Every f32 section of `bytes` the engine reads under a bound (hybrid.weight and
// mood.weights have their own ranges, [0, 1] and [-1, 1]).
std::vector<std::string> bounded_sections(const std::vector<uint8_t>& bytes) {
    const BundleReader r(bytes.data(), bytes.size());
    std::vector<std::string> names;
    for (const SectionInfo& s : r.sections())
        if (s.dtype == DType::F32 && s.name != "hybrid.weight" && s.name != "mood.weights") names.push_back(s.name);
    return names;
}

void check_every_section(const std::vector<uint8_t>& bytes, const std::vector<std::string>& must_include) {
    const std::vector<std::string> names = bounded_sections(bytes);
    for (const std::string& want : must_include)
        CHECK(std::find(names.begin(), names.end(), want) != names.end());
    const BundleReader r(bytes.data(), bytes.size());
    REQUIRE(open_error(bytes).empty());
    for (const std::string& name : names) {
        const size_t size = r.f32(name).size;
        REQUIRE(size > 0);
        const size_t index = size / 2;  // not the first value: the index must be the bad one's
        const float limit = limit_of(name);
        const std::string at = "section '" + name + "': ";
        const std::string where = " at index " + std::to_string(index);
        const std::string nan = open_error(with_value(bytes, name, index, std::numeric_limits<float>::quiet_NaN()));
        CHECK_THAT(nan, Catch::Contains(at + "value" + where + " is not finite (nan)"));
        const std::string inf = open_error(with_value(bytes, name, index, -std::numeric_limits<float>::infinity()));
        CHECK_THAT(inf, Catch::Contains(at + "value" + where + " is not finite (-inf)"));
        const std::string huge = open_error(with_value(bytes, name, index, 3e38f));
        CHECK_THAT(huge, Catch::Contains(at + "value 3e+38" + where + " is outside ["));
        const std::string over = open_error(with_value(bytes, name, index, limit * 1.5f));
        CHECK_THAT(over, Catch::Contains(at) && Catch::Contains(where + " is outside ["));
    }
}

}  // namespace

TEST_CASE("check_values finds the first bad value in any block", "[bundle][values]") {
    std::vector<float> v(5000, 1.0f);
    CHECK_NOTHROW(check_values("x.y", v.data(), v.size(), 1.0f));
    CHECK_NOTHROW(check_values("x.y", v.data(), 0, 1.0f));
    for (size_t at : {size_t(0), size_t(1023), size_t(1024), size_t(4999)}) {
        std::vector<float> bad = v;
        bad[at] = std::numeric_limits<float>::quiet_NaN();
        if (at + 7 < bad.size()) bad[at + 7] = std::numeric_limits<float>::infinity();  // a later one
        CHECK_THROWS_WITH(check_values("x.y", bad.data(), bad.size(), 2.0f),
                          "section 'x.y': value at index " + std::to_string(at) + " is not finite (nan)");
        bad[at] = -2.5f;
        CHECK_THROWS_WITH(check_values("x.y", bad.data(), bad.size(), 2.0f),
                          "section 'x.y': value -2.5 at index " + std::to_string(at) + " is outside [-2, 2]");
        bad[at] = -2.0f;  // the bound itself is allowed
        if (at + 7 < bad.size()) bad[at + 7] = 1.0f;
        CHECK_NOTHROW(check_values("x.y", bad.data(), bad.size(), 2.0f));
    }
}

TEST_CASE("bad values in every f32 section of an MF + SASRec bundle are refused by name and index",
          "[bundle][values][engine]") {
    const MfKind kind = GENERATE(MfKind::Implicit, MfKind::Explicit);
    INFO((kind == MfKind::Implicit ? "implicit" : "explicit"));
    test::FixtureShape shape;
    const std::vector<uint8_t> bytes = test::mf_sasrec_bundle(kind, shape);
    std::vector<std::string> must = {"catalog.popularity", "mf.params", "mf.factors", "sasrec.params",
                                     "sasrec.item_emb", "sasrec.pos_emb", "sasrec.b0.ln1.g", "sasrec.b1.ffn.w2", "sasrec.b0.attn.bq",
                                     "sasrec.lnf.b"};
    must.push_back(kind == MfKind::Implicit ? "mf.gram" : "mf.item_bias");
    check_every_section(bytes, must);
    // The bound itself opens: a SASRec weight of exactly 100.
    CHECK(open_error(with_value(bytes, "sasrec.item_emb", 5, 100.0f)).empty());
    CHECK_THAT(open_error(with_value(bytes, "catalog.popularity", 2, -1.0f)),
               Catch::Contains("section 'catalog.popularity': item 2 has an invalid popularity"));
}

TEST_CASE("bad values in int8 scales and PQ sections are refused by name and index",
          "[bundle][values][engine][int8][pq]") {
    const MfKind kind = GENERATE(MfKind::Implicit, MfKind::Explicit);
    INFO((kind == MfKind::Implicit ? "implicit" : "explicit"));
    test::FixtureShape shape;
    shape.items = 100;
    const std::vector<uint8_t> fp32 = test::mf_sasrec_bundle(kind, shape);
    const BundleReader r(fp32.data(), fp32.size());
    const std::vector<uint8_t> int8 = quantize_bundle(r);
    const BundleReader r8(int8.data(), int8.size());
    PqExportOptions pq;
    pq.bytes = 4;
    const std::vector<uint8_t> both = pq_bundle(r8, pq);
    check_every_section(both, {"mf.factor_scales", "sasrec.item_scales", "mf.pq_codebook", "mf.pq_mean",
                               "mf.pq_cov", "sasrec.pq_codebook", "sasrec.pq_mean", "sasrec.pq_cov"});
}

TEST_CASE("a repeated catalog id is refused, with or without catalog.id_order", "[bundle][values][engine]") {
    test::FixtureShape shape;
    const std::vector<uint8_t> bytes = test::mf_sasrec_bundle(MfKind::Implicit, shape);
    const BundleReader r(bytes.data(), bytes.size());
    REQUIRE(r.has("catalog.id_order"));
    std::vector<std::string> ids;
    const StringTable table = r.strings("catalog.ids");
    for (uint32_t i = 0; i < table.size(); ++i) ids.emplace_back(table[i]);
    ids[41] = ids[7];
    const std::string repeated = ids[7];
    // The ids' sorted order, as the exporter writes it.
    std::vector<uint32_t> order(ids.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return ids[a] < ids[b]; });
    const std::vector<uint8_t> with_ids = replaced(bytes, "catalog.ids", [&](BundleWriter& w) { w.add_strings("catalog.ids", ids); });
    const std::vector<uint8_t> ordered = replaced(with_ids, "catalog.id_order", [&](BundleWriter& w) {
        w.add_u32("catalog.id_order", order.data(), static_cast<uint32_t>(order.size()), 1);
    });
    const std::string message = "section 'catalog.ids': duplicate id '" + repeated + "' at index 41 (also at index 7)";
    CHECK(open_error(ordered) == message);
    const std::vector<uint8_t> hashed = replaced(with_ids, "catalog.id_order", {});
    CHECK(open_error(hashed) == message);
    // An order that lists an item twice (and so misses another) is refused too.
    std::vector<uint32_t> twice(order.size());
    std::iota(twice.begin(), twice.end(), 0u);
    std::stable_sort(twice.begin(), twice.end(), [&](uint32_t a, uint32_t b) { return table[a] < table[b]; });
    twice[5] = twice[4];
    CHECK_THAT(open_error(replaced(bytes, "catalog.id_order", [&](BundleWriter& w) {
                   w.add_u32("catalog.id_order", twice.data(), static_cast<uint32_t>(twice.size()), 1);
               })),
               Catch::Contains("section 'catalog.id_order': item ") && Catch::Contains(" is listed twice, at index 5"));
}
