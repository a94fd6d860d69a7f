// An engine is read-only once open: each caller brings a Workspace and owns its results.
// Results stay as they were after later calls, a reused result object gives what a fresh
// one gives, and threads sharing one engine (each with a workspace) get exactly the
// results of one thread calling in turn.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bundle_fixtures.h"
#include "core/common/error.h"
#include "core/common/parallel.h"
#include "core/device/bundle/bundle.h"
#include "core/train/export/pq.h"
#include "core/train/export/quantize.h"

using namespace hearth;

namespace {

std::vector<uint8_t> bundle_bytes(const std::string& catalog, uint32_t items) {
    test::FixtureShape shape;
    shape.items = items;
    shape.users = 60;
    std::vector<uint8_t> bytes = test::mf_sasrec_bundle(MfKind::Implicit, shape);
    if (catalog != "fp32") {
        const BundleReader reader(bytes.data(), bytes.size());
        bytes = quantize_bundle(reader);
    }
    if (catalog == "pq") {
        const BundleReader reader(bytes.data(), bytes.size());
        PqExportOptions pq;
        pq.bytes = 4;
        bytes = pq_bundle(reader, pq);
    }
    return bytes;
}

std::vector<std::vector<HistoryEntry>> histories(uint32_t items, size_t count) {
    std::vector<std::vector<HistoryEntry>> out(count);
    for (size_t h = 0; h < count; ++h)
        for (uint32_t j = 0; j < 3 + h % 5; ++j)
            out[h].push_back({static_cast<uint32_t>((h * 37 + j * 101) % items), 1.0f + static_cast<float>(j % 4)});
    return out;
}

// Bitwise equality of everything a recommendation says, NaN scores included.
bool same(const Recommendations& a, const Recommendations& b) {
    const auto bytes_equal = [](const auto& x, const auto& y) {
        return x.size() == y.size() && (x.empty() || std::memcmp(x.data(), y.data(), x.size() * sizeof(x[0])) == 0);
    };
    return a.model == b.model && a.onboarding == b.onboarding && a.candidates_only == b.candidates_only &&
           bytes_equal(a.items, b.items) && bytes_equal(a.base, b.base) && bytes_equal(a.reason_start, b.reason_start) &&
           bytes_equal(a.reasons, b.reasons) && bytes_equal(a.controls, b.controls) &&
           bytes_equal(a.model_rank, b.model_rank) && bytes_equal(a.popular_in, b.popular_in) &&
           bytes_equal(a.scores, b.scores) && bytes_equal(a.pq_candidates, b.pq_candidates) &&
           bytes_equal(a.user_vector, b.user_vector);
}

bool same(const Explanation& a, const Explanation& b) {
    const auto reasons_equal = [](const std::vector<Reason>& x, const std::vector<Reason>& y) {
        return x.size() == y.size() && (x.empty() || std::memcmp(x.data(), y.data(), x.size() * sizeof(Reason)) == 0);
    };
    return a.model == b.model && a.item == b.item && std::memcmp(&a.score, &b.score, sizeof(float)) == 0 &&
           std::memcmp(&a.base, &b.base, sizeof(float)) == 0 && a.additive == b.additive &&
           reasons_equal(a.contributions, b.contributions) && reasons_equal(a.attention, b.attention);
}

// What a fresh workspace and fresh result objects give: the reference for reuse.
Recommendations fresh_recommend(const Engine& e, const std::vector<HistoryEntry>& h, const RecommendOptions& o) {
    Workspace ws(e);
    Recommendations out;
    e.recommend(h.data(), h.size(), o, ws, out);
    return out;
}

Explanation fresh_explain(const Engine& e, const std::vector<HistoryEntry>& h, uint32_t item, ModelChoice m) {
    Workspace ws(e);
    Explanation out;
    e.explain(h.data(), h.size(), item, ws, out, m);
    return out;
}

}  // namespace

TEST_CASE("a caller's results stay as they were after later calls, and reuse changes nothing",
          "[engine][workspace]") {
    const std::string catalog = GENERATE(as<std::string>{}, "fp32", "int8", "pq");
    const uint32_t items = 203;
    const std::unique_ptr<Engine> engine = test::open_bundle(bundle_bytes(catalog, items));
    const auto hs = histories(items, 6);
    for (ModelChoice model : {ModelChoice::Mf, ModelChoice::Sasrec, ModelChoice::Hybrid}) {
        INFO(catalog << " model " << model_choice_name(model));
        RecommendOptions o;
        o.k = 12;
        o.model = model;
        o.pq_candidates = 40;  // a PQ bundle scans, so most scores are NaN
        Workspace ws(*engine);
        Recommendations first, reused;
        engine->recommend(hs[0].data(), hs[0].size(), o, ws, first);
        const Recommendations kept = first;
        Explanation why;
        for (size_t h = 1; h < hs.size(); ++h) {
            engine->recommend(hs[h].data(), hs[h].size(), o, ws, reused);
            CHECK(same(reused, fresh_recommend(*engine, hs[h], o)));
            engine->explain(hs[h].data(), hs[h].size(), reused.items[0].index, ws, why, model);
            CHECK(same(why, fresh_explain(*engine, hs[h], reused.items[0].index, model)));
            // The explained score is the one the list was ranked by.
            CHECK(why.score == Approx(reused.scores[reused.items[0].index]).margin(1e-5));
        }
        engine->recommend(nullptr, 0, o, ws, reused);  // a new user: popularity, no scan
        CHECK(same(reused, fresh_recommend(*engine, {}, o)));
        CHECK_FALSE(reused.candidates_only);
        CHECK(same(first, kept));
        if (catalog == "pq") {
            CHECK(first.candidates_only);
            size_t scored = 0;
            for (float s : first.scores) scored += !std::isnan(s);
            CHECK(scored == first.pq_candidates.size());
        }
    }
}

TEST_CASE("one result object can move between engines of different catalogs", "[engine][workspace]") {
    const std::unique_ptr<Engine> small = test::open_bundle(bundle_bytes("pq", 120));
    const std::unique_ptr<Engine> large = test::open_bundle(bundle_bytes("pq", 333));
    const std::unique_ptr<Engine> plain = test::open_bundle(bundle_bytes("fp32", 120));
    RecommendOptions o;
    o.k = 5;
    o.pq_candidates = 30;
    Recommendations out;
    const auto hs = histories(120, 3);
    for (const Engine* e : {small.get(), large.get(), plain.get(), small.get()}) {
        Workspace ws(*e);
        e->recommend(hs[1].data(), hs[1].size(), o, ws, out);
        CHECK(out.scores.size() == e->catalog().size());
        CHECK(same(out, fresh_recommend(*e, hs[1], o)));
    }
}

TEST_CASE("a workspace serves only the engine it was made for", "[engine][workspace]") {
    const std::unique_ptr<Engine> a = test::open_bundle(bundle_bytes("fp32", 50));
    const std::unique_ptr<Engine> b = test::open_bundle(bundle_bytes("fp32", 50));
    Workspace ws(*a);
    Recommendations recs;
    const std::vector<HistoryEntry> h = {{1, 1.0f}};
    try {
        b->recommend(h.data(), h.size(), RecommendOptions(), ws, recs);
        FAIL("a workspace of another engine was accepted");
    } catch (const Error& e) {
        CHECK(e.code() == "argument");
        CHECK(std::string(e.what()).find("another engine") != std::string::npos);
    }
    std::vector<Scored> near;
    CHECK_THROWS_AS(b->similar(0, 3, ws, near), Error);
}

TEST_CASE("threads sharing one engine, each with its workspace, get one thread's results",
          "[engine][workspace][parallel]") {
    struct Restore {
        ~Restore() { set_scoring_threads(1); }
    } restore;
    const std::string catalog = GENERATE(as<std::string>{}, "fp32", "int8", "pq");
    const unsigned scoring = GENERATE(1u, 2u);  // 2: the callers also contend for the scoring pool
    set_scoring_threads(scoring);
    const uint32_t items = 1003;
    const std::unique_ptr<Engine> engine = test::open_bundle(bundle_bytes(catalog, items));
    const auto hs = histories(items, 16);
    const ModelChoice models[] = {ModelChoice::Mf, ModelChoice::Sasrec, ModelChoice::Hybrid};
    const auto options = [&](size_t h) {
        RecommendOptions o;
        o.k = 10;
        o.model = models[h % 3];
        o.controls.diversity = h % 2 ? 0.4f : 0.0f;
        return o;
    };
    std::vector<Recommendations> want(hs.size());
    std::vector<std::vector<Scored>> want_similar(hs.size());
    {
        Workspace ws(*engine);
        for (size_t h = 0; h < hs.size(); ++h) {
            engine->recommend(hs[h].data(), hs[h].size(), options(h), ws, want[h]);
            engine->similar(static_cast<uint32_t>(h * 13), 6, ws, want_similar[h]);
        }
    }
    constexpr unsigned kThreads = 4;
    constexpr int kRounds = 6;
    std::vector<int> mismatches(kThreads, 0);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            Workspace ws(*engine);
            Recommendations got;
            std::vector<Scored> near;
            for (int r = 0; r < kRounds; ++r)
                for (size_t i = 0; i < hs.size(); ++i) {
                    const size_t h = (i + t * 5) % hs.size();  // the threads work on different histories
                    engine->recommend(hs[h].data(), hs[h].size(), options(h), ws, got);
                    mismatches[t] += !same(got, want[h]);
                    engine->similar(static_cast<uint32_t>(h * 13), 6, ws, near);
                    mismatches[t] += near.size() != want_similar[h].size() ||
                                     std::memcmp(near.data(), want_similar[h].data(), near.size() * sizeof(Scored)) != 0;
                }
        });
    for (std::thread& th : threads) th.join();
    for (unsigned t = 0; t < kThreads; ++t) {
        INFO(catalog << ", scoring threads " << scoring << ", caller " << t);
        CHECK(mismatches[t] == 0);
    }
}
