// Catalog scoring split across threads: the ranges cover every row once and start on block
// boundaries, and an engine scores, ranks and explains exactly as on one thread.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bundle_fixtures.h"
#include "core/common/parallel.h"
#include "core/device/bundle/bundle.h"
#include "core/train/export/pq.h"
#include "core/train/export/quantize.h"

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
        CHECK(scoring_threads() == std::min(threads, max_scoring_threads()));
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

TEST_CASE("thread counts are clamped to the threads that exist", "[parallel]") {
    OneThreadAfter restore;
    CHECK(max_scoring_threads() >= 1);
    CHECK(max_scoring_threads() <= 8);
    CHECK(max_scoring_threads() <= std::max(std::thread::hardware_concurrency(), 1u));
    for (unsigned threads : {0u, 1u, 2u, 5u, 8u, 100u}) {
        set_scoring_threads(threads);
        CHECK(scoring_threads() == std::clamp(threads, 1u, max_scoring_threads()));
    }
}

// Issue 12: the pool was process-global and not re-entrant; two engines scoring at once
// overwrote each other's ranges.
TEST_CASE("two engines scoring at once on two threads give the one-thread results", "[parallel][engine]") {
    OneThreadAfter restore;
    test::FixtureShape shape;
    shape.items = 1003;
    shape.users = 60;
    const std::vector<uint8_t> implicit = test::mf_sasrec_bundle(MfKind::Implicit, shape);
    const std::vector<uint8_t> explicit_ = test::mf_sasrec_bundle(MfKind::Explicit, shape);
    const std::vector<HistoryEntry> history_a = {{3, 1.0f}, {500, 4.0f}, {999, 2.0f}};
    const std::vector<HistoryEntry> history_b = {{17, 5.0f}, {640, 3.0f}, {2, 1.0f}, {800, 2.0f}};
    RecommendOptions o;
    o.k = 20;
    o.model = ModelChoice::Hybrid;

    set_scoring_threads(1);
    std::vector<float> want_a, want_b;
    {
        auto a = test::open_engine(implicit);
        a->recommend(history_a.data(), history_a.size(), o);
        want_a = a->scores();
        auto b = test::open_engine(explicit_);
        b->recommend(history_b.data(), history_b.size(), o);
        want_b = b->scores();
    }

    set_scoring_threads(max_scoring_threads());
    auto a = test::open_engine(implicit);
    auto b = test::open_engine(explicit_);
    constexpr int kRounds = 200;
    std::atomic<int> bad_a{0}, bad_b{0};
    auto loop = [&o](test::Caller& e, const std::vector<HistoryEntry>& h, const std::vector<float>& want,
                     std::atomic<int>& bad) {
        for (int r = 0; r < kRounds; ++r) {
            e.recommend(h.data(), h.size(), o);
            if (std::memcmp(e.scores().data(), want.data(), want.size() * sizeof(float)) != 0) ++bad;
        }
    };
    std::thread ta(loop, std::ref(*a), std::cref(history_a), std::cref(want_a), std::ref(bad_a));
    std::thread tb(loop, std::ref(*b), std::cref(history_b), std::cref(want_b), std::ref(bad_b));
    ta.join();
    tb.join();
    CHECK(bad_a.load() == 0);
    CHECK(bad_b.load() == 0);
}

TEST_CASE("calls from many threads at once each cover their own rows once", "[parallel]") {
    OneThreadAfter restore;
    set_scoring_threads(max_scoring_threads());
    constexpr int kCallers = 4, kRounds = 300;
    constexpr size_t kRows = 1000;
    std::atomic<int> bad{0};
    std::vector<std::thread> callers;
    for (int c = 0; c < kCallers; ++c)
        callers.emplace_back([&bad, c] {
            std::vector<int> hits(kRows);
            for (int r = 0; r < kRounds; ++r) {
                std::fill(hits.begin(), hits.end(), 0);
                parallel_rows(kRows, 16, [&](size_t begin, size_t end) {
                    for (size_t i = begin; i < end; ++i) hits[i] += c + 1;
                });
                for (int h : hits)
                    if (h != c + 1) ++bad;
            }
        });
    for (std::thread& t : callers) t.join();
    CHECK(bad.load() == 0);
    // Changing the thread count while others score waits for them, and breaks nothing.
    std::thread scorer([&bad] {
        std::vector<int> hits(kRows);
        for (int r = 0; r < kRounds; ++r) {
            std::fill(hits.begin(), hits.end(), 0);
            parallel_rows(kRows, 16, [&](size_t begin, size_t end) {
                for (size_t i = begin; i < end; ++i) ++hits[i];
            });
            for (int h : hits)
                if (h != 1) ++bad;
        }
    });
    for (int r = 0; r < 50; ++r) set_scoring_threads(1 + r % max_scoring_threads());
    scorer.join();
    CHECK(bad.load() == 0);
}

// Issue 12: when the caller's range threw, run() returned while the workers still wrote
// into the caller's buffers; a worker's exception ended the process.
TEST_CASE("a range that throws is rethrown only after every range has finished", "[parallel]") {
    OneThreadAfter restore;
    set_scoring_threads(2);
    if (scoring_threads() < 2) {
        WARN("one hardware thread: nothing to run in parallel");
        return;
    }
    constexpr size_t kRows = 64;
    for (unsigned thrower : {0u, 1u}) {  // 0: the caller's range, 1: the worker's
        INFO("range " << thrower << " throws");
        std::vector<std::atomic<int>> written(kRows);
        for (auto& w : written) w = 0;
        bool threw = false;
        try {
            parallel_rows(kRows, 16, [&](size_t begin, size_t end) {
                const unsigned part = begin == 0 ? 0u : 1u;
                if (part == thrower) throw std::runtime_error("range failed");
                // The other range is slow and writes at its end.
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                for (size_t i = begin; i < end; ++i) written[i] = 1;
            });
        } catch (const std::runtime_error& e) {
            threw = true;
            CHECK(std::string(e.what()) == "range failed");
        }
        CHECK(threw);
        int at_return = 0;
        for (auto& w : written) at_return += w.load();
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        int later = 0;
        for (auto& w : written) later += w.load();
        CHECK(at_return == static_cast<int>(kRows / 2));  // the other range had finished
        CHECK(later == at_return);                         // and nothing wrote afterwards
        // The pool still works.
        std::vector<int> hits(kRows, 0);
        parallel_rows(kRows, 16, [&](size_t begin, size_t end) {
            for (size_t i = begin; i < end; ++i) ++hits[i];
        });
        for (int h : hits) CHECK(h == 1);
    }
}
