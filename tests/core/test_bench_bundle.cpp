// Benchmark bundles (hearth bench-bundle): whatever the model and size, the engine takes
// them, and they are the same bytes for the same seed.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#ifdef __unix__
#include <sys/stat.h>
#endif

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

// Engine::from_file reads a regular file straight into the engine's buffer (a large one in
// huge-page-aligned memory) and anything else through read_file_bytes: every way gives the
// engine the bytes of the file, and so the same lists as the bytes opened directly.
TEST_CASE("Engine::from_file: a small file, a large one and a pipe open as their bytes do", "[bench][engine]") {
    const auto dir = test::temp_folder("from-file");
    for (const uint32_t items : {300u, 40000u}) {  // 40k items x 64 floats: past the 8 MiB of the aligned path
        BenchBundleSpec spec;
        spec.items = items;
        spec.dim = 64;
        spec.model = "mf";
        const std::vector<uint8_t> bytes = bench_bundle_writer(spec).finish();
        INFO(items << " items, " << bytes.size() << " bytes");
        if (items > 300) CHECK(bytes.size() > (size_t{8} << 20));
        const std::string path = (dir / ("b" + std::to_string(items) + ".hearth")).string();
        {
            std::ofstream f(path, std::ios::binary);
            f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        }
        const std::vector<HistoryEntry> history = {{3, 1.0f}, {17, 4.0f}, {42, 2.0f}, {250, 5.0f}};
        RecommendOptions options;
        options.k = 20;
        test::Caller direct(test::open_bundle(bytes));
        const Recommendations want = direct.recommend(history.data(), history.size(), options);
        const auto same_lists = [&](std::unique_ptr<Engine> engine) {
            test::Caller c(std::move(engine));
            CHECK(c.catalog().size() == items);
            CHECK(c.meta_json() == direct.meta_json());
            const Recommendations got = c.recommend(history.data(), history.size(), options);
            REQUIRE(got.items.size() == want.items.size());
            for (size_t i = 0; i < got.items.size(); ++i) {
                CHECK(got.items[i].index == want.items[i].index);
                CHECK(got.items[i].score == want.items[i].score);
            }
        };
        same_lists(Engine::from_file(path));
#ifdef __unix__
        // A pipe has no size: read_file_bytes reads it to its end.
        const std::string fifo = (dir / ("p" + std::to_string(items))).string();
        REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
        std::thread writer([&] {
            std::ofstream f(fifo, std::ios::binary);
            f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        });
        std::unique_ptr<Engine> piped = Engine::from_file(fifo);
        writer.join();
        same_lists(std::move(piped));
#endif
    }
    CHECK_THROWS_AS(Engine::from_file((dir / "missing.hearth").string()), Error);
    std::filesystem::remove_all(dir);
}
