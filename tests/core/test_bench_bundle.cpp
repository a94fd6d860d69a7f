// Benchmark bundles (hearth bench-bundle): whatever the model and size, the engine takes
// them, and they are the same bytes for the same seed.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "core/cli/bench_bundle.h"
#include "core/device/engine/engine.h"
#include "tests/core/fixtures.h"

using namespace hearth;

using test::open_engine;

TEST_CASE("bench bundles load and recommend with every model", "[bench]") {
    const std::string model = GENERATE("mf", "sasrec", "hybrid");
    BenchBundleSpec spec;
    spec.items = 300;
    spec.dim = 16;
    spec.model = model;
    spec.max_len = 20;
    INFO(model);
    const std::vector<uint8_t> bytes = bench_bundle_writer(spec).finish();
    const std::unique_ptr<test::Caller> engine = open_engine(bytes);
    CHECK(engine->catalog().size() == 300);
    CHECK(engine->has_mf() == (model != "sasrec"));
    CHECK(engine->has_sasrec() == (model != "mf"));
    CHECK(engine->catalog().tag_count() > 0);
    CHECK(std::string(engine->meta_json()).find("\"timing_only\":true") != std::string::npos);

    const std::vector<HistoryEntry> history = {{3, 1.0f}, {17, 4.0f}, {42, 2.0f}, {250, 5.0f}};
    RecommendOptions options;
    options.k = 20;
    const Recommendations& recs = engine->recommend(history.data(), history.size(), options);
    REQUIRE(recs.items.size() == 20);
    for (const Scored& s : recs.items) CHECK(std::isfinite(s.score));
    const Explanation& why = engine->explain(history.data(), history.size(), recs.items[0].index);
    CHECK(why.contributions.size() == history.size());
    CHECK(std::isfinite(why.score));

    // Deterministic for a seed, different for another.
    CHECK(bench_bundle_writer(spec).finish() == bytes);
    spec.seed = 2;
    CHECK(bench_bundle_writer(spec).finish() != bytes);
}

TEST_CASE("bench bundles refuse an unknown model or size", "[bench]") {
    BenchBundleSpec spec;
    spec.model = "pop";
    CHECK_THROWS_AS(bench_bundle_writer(spec), Error);
    spec.model = "mf";
    spec.items = 0;
    CHECK_THROWS_AS(bench_bundle_writer(spec), Error);
}
