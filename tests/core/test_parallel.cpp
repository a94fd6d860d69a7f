// Catalog scoring split across threads: the ranges cover every row once and start on block
// boundaries, and an engine scores, ranks and explains exactly as on one thread.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "bundle_fixtures.h"
#include "core/bundle/bundle.h"
#include "core/common/parallel.h"
#include "core/mf/pq.h"
#include "core/mf/quantize.h"

using namespace hearth;

namespace {

// Restores one thread when a test ends, whatever it did.
struct OneThreadAfter {
    ~OneThreadAfter() { set_scoring_threads(1); }
};

}  // namespace

TEST_CASE("parallel_rows covers every row once, in aligned ranges", "[parallel]") {
    REQUIRE(threads_available());  // native builds have threads
    OneThreadAfter restore;
    for (unsigned threads : {1u, 2u, 3u, 4u, 8u, 20u}) {
        set_scoring_threads(threads);
        CHECK(scoring_threads() == std::min(threads, 8u));
        for (size_t n : {size_t(0), size_t(1), size_t(15), size_t(16), size_t(17), size_t(100), size_t(1000), size_t(4097)}) {
            INFO("threads " << threads << ", n " << n);
            std::vector<int> hits(n, 0);
            std::vector<std::pair<size_t, size_t>> ranges(16);
            std::atomic<size_t> count{0};
            parallel_rows(n, 16, [&](size_t begin, size_t end) {
                for (size_t i = begin; i < end; ++i) ++hits[i];
                ranges[count++] = {begin, end};
            });
            for (size_t i = 0; i < n; ++i) CHECK(hits[i] == 1);
            CHECK(count.load() <= scoring_threads());
            for (size_t r = 0; r < count.load(); ++r) {
                CHECK(ranges[r].first % 16 == 0);
                CHECK(ranges[r].first < ranges[r].second);
            }
        }
    }
}

TEST_CASE("scoring on several threads gives the one-thread results exactly", "[parallel][engine]") {
    OneThreadAfter restore;
    const MfKind kind = GENERATE(MfKind::Implicit, MfKind::Explicit);
    const std::string catalog = GENERATE(as<std::string>{}, "fp32", "int8", "pq");
    test::FixtureShape shape;
    shape.items = 1003;  // not a multiple of the block or of any thread count
    shape.users = 60;
    std::vector<uint8_t> bytes = test::mf_sasrec_bundle(kind, shape);
    if (catalog != "fp32") {
        const BundleReader reader(bytes.data(), bytes.size());
        bytes = quantize_bundle(reader);
    }
    if (catalog == "pq") {  // PQ codes scanned in blocks of 32 items, split across threads
        const BundleReader reader(bytes.data(), bytes.size());
        PqExportOptions pq;
        pq.bytes = 4;
        bytes = pq_bundle(reader, pq);
    }
    const bool int8 = catalog != "fp32";
    const std::vector<HistoryEntry> history = {{3, 1.0f}, {500, 4.0f}, {999, 2.0f}, {17, 5.0f}, {640, 3.0f}};
    for (ModelChoice model : {ModelChoice::Mf, ModelChoice::Sasrec, ModelChoice::Hybrid}) {
        INFO("model " << static_cast<int>(model) << " " << catalog << (int8 ? " (int8 rows)" : ""));
        RecommendOptions o;
        o.k = 25;
        o.model = model;
        set_scoring_threads(1);
        auto one = test::open_engine(bytes);
        const Recommendations want = one->recommend(history.data(), history.size(), o);
        const std::vector<float> want_scores = one->scores();
        for (unsigned threads : {2u, 3u, 4u}) {
            set_scoring_threads(threads);
            auto many = test::open_engine(bytes);
            const Recommendations& got = many->recommend(history.data(), history.size(), o);
            CHECK(std::memcmp(many->scores().data(), want_scores.data(), want_scores.size() * sizeof(float)) == 0);
            REQUIRE(got.items.size() == want.items.size());
            for (size_t j = 0; j < got.items.size(); ++j) {
                CHECK(got.items[j].index == want.items[j].index);
                CHECK(got.items[j].score == want.items[j].score);
            }
            CHECK(got.reasons.size() == want.reasons.size());
        }
    }
}
