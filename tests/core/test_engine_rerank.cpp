// Re-ranking through the engine: the controls reach the re-ranker with the engine's own
// scores and exclusions, new users get the tag-spread onboarding set, and moods come from
// the bundle.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <set>

#include "core/common/error.h"
#include "core/data/synth.h"
#include "core/device/engine/engine.h"
#include "core/train/export/export.h"
#include "core/train/mf/rating_matrix.h"
#include "core/train/mf/trainer.h"
#include "tests/core/fixtures.h"

using namespace hearth;

namespace {

struct World {
    SynthWorld synth;
    std::unique_ptr<test::Caller> engine;
};

World& world() {
    static World w = [] {
        World out;
        SynthConfig config;
        config.items = 400;
        config.users = 300;
        config.mean_history = 20.0f;
        out.synth = generate_synth_world(config);
        const Interactions& data = out.synth.interactions;
        MfConfig c;
        c.params.kind = MfKind::Implicit;
        c.factors = 16;
        c.iterations = 6;
        const RatingMatrix m = RatingMatrix::build(static_cast<uint32_t>(data.user_ids.size()),
                                                   static_cast<uint32_t>(data.item_ids.size()), data.events,
                                                   MfKind::Implicit);
        const MfModel model = train_mf(m, c);
        const std::vector<uint8_t> bytes =
            export_mf_bundle(model, build_catalog(data, out.synth.metadata), "{}");
        out.engine = test::open_engine(bytes);
        return out;
    }();
    return w;
}

std::vector<HistoryEntry> history_of(uint32_t user) {
    std::vector<HistoryEntry> h;
    for (const Interaction& e : world().synth.interactions.events)
        if (e.user == user) h.push_back({e.item, 1.0f});
    return h;
}

std::set<uint32_t> tags_of(const test::Caller& e, const std::vector<Scored>& items) {
    std::set<uint32_t> tags;
    for (const Scored& s : items)
        for (uint32_t t : e.catalog().item_tags(s.index)) tags.insert(t);
    return tags;
}

}  // namespace

TEST_CASE("engine re-ranking is the re-ranker over the engine's scores and exclusions", "[engine][rerank]") {
    test::Caller& e = *world().engine;
    const std::vector<HistoryEntry> history = history_of(3);
    const std::vector<uint32_t> avoid = {5, 17};
    const std::vector<uint32_t> extra_exclude = {40, 41};
    RecommendOptions o;
    o.k = 15;
    o.exclude = extra_exclude.data();
    o.exclude_count = extra_exclude.size();
    o.controls.diversity = 0.3f;
    o.controls.calibration = 0.4f;
    o.controls.novelty = 0.2f;
    o.controls.avoid_items = avoid.data();
    o.controls.avoid_item_count = avoid.size();
    const Recommendations got = e.recommend(history.data(), history.size(), o);
    const std::vector<float> scores = e.scores();

    std::vector<uint8_t> excluded(e.catalog().size(), 0);
    std::vector<uint32_t> items;
    for (const HistoryEntry& h : history) excluded[h.item] = 1, items.push_back(h.item);
    for (uint32_t i : avoid) excluded[i] = 1;
    for (uint32_t i : extra_exclude) excluded[i] = 1;
    Reranker reference;
    const Reranked& expected = reference.rerank(e.item_space(), scores.data(), excluded.data(), items.data(),
                                                items.size(), o.controls, o.k);
    REQUIRE(got.items.size() == expected.items.size());
    for (size_t j = 0; j < got.items.size(); ++j) {
        CHECK(got.items[j].index == expected.items[j].index);
        CHECK(got.controls[j] == expected.controls[j]);
        CHECK(got.model_rank[j] == expected.model_rank[j]);
        CHECK(!excluded[got.items[j].index]);
    }
    CHECK(!got.onboarding);
    CHECK(std::all_of(got.popular_in.begin(), got.popular_in.end(), [](int32_t t) { return t == -1; }));

    // The exclusion workspace is clean afterwards: without controls the list is top_k.
    RecommendOptions plain;
    plain.k = 15;
    const Recommendations again = e.recommend(history.data(), history.size(), plain);
    std::vector<uint8_t> only_history(e.catalog().size(), 0);
    for (const HistoryEntry& h : history) only_history[h.item] = 1;
    std::vector<Scored> top;
    top_k(e.scores().data(), e.catalog().size(), 15, only_history.data(), top);
    for (size_t j = 0; j < top.size(); ++j) CHECK(again.items[j].index == top[j].index);
    CHECK(std::all_of(again.controls.begin(), again.controls.end(), [](uint32_t c) { return c == 0; }));
}

TEST_CASE("a new user's onboarding set is popular and spans the catalog's tags", "[engine][rerank][coldstart]") {
    test::Caller& e = *world().engine;
    RecommendOptions o;
    o.k = 12;
    const Recommendations recs = e.recommend(nullptr, 0, o);
    REQUIRE(recs.onboarding);
    REQUIRE(recs.items.size() == 12);
    std::vector<Scored> popular;
    top_k(e.catalog().popularity(), e.catalog().size(), 12, nullptr, popular);
    CHECK(recs.items[0].index == popular[0].index);  // the most popular item leads
    CHECK(tags_of(e, recs.items).size() > tags_of(e, popular).size());
    std::set<int32_t> claimed;
    for (size_t j = 0; j < recs.items.size(); ++j) {
        CHECK(recs.controls[j] == 0);  // the onboarding spread is the default, not a control
        const int32_t tag = recs.popular_in[j];
        REQUIRE(tag >= 0);
        const Span<uint32_t> own = e.catalog().item_tags(recs.items[j].index);
        CHECK(std::count(own.begin(), own.end(), static_cast<uint32_t>(tag)) == 1);
        claimed.insert(tag);
    }
    CHECK(claimed.size() == recs.items.size());  // every item stands for a different tag
    // Every onboarding item is among the 200 most popular (the pool): popular, not obscure.
    for (uint32_t r : recs.model_rank) CHECK(r < 200);
}

TEST_CASE("moods come from the bundle and lift items with their tags", "[engine][rerank][mood]") {
    test::Caller& e = *world().engine;
    REQUIRE(e.moods().size() > 0);
    const int64_t cozy = e.moods().find("cozy");
    REQUIRE(cozy >= 0);
    std::vector<float> weights(e.catalog().tag_count());
    e.moods().weights(static_cast<uint32_t>(cozy), weights.data());
    const auto mood_score = [&](const Recommendations& r) {
        double sum = 0;
        for (const Scored& s : r.items) {
            const Span<uint32_t> own = e.catalog().item_tags(s.index);
            double m = 0;
            for (uint32_t t : own) m += weights[t];
            sum += own.size ? m / static_cast<double>(own.size) : 0.0;
        }
        return sum;
    };
    const std::vector<HistoryEntry> history = history_of(7);
    RecommendOptions o;
    o.k = 10;
    const double before = mood_score(e.recommend(history.data(), history.size(), o));
    o.mood = static_cast<int32_t>(cozy);
    o.controls.mood = 0.6f;
    const Recommendations with = e.recommend(history.data(), history.size(), o);
    CHECK(mood_score(with) > before);
    CHECK(std::any_of(with.controls.begin(), with.controls.end(), [](uint32_t c) { return c & kControlMood; }));

    o.mood = static_cast<int32_t>(e.moods().size());
    CHECK_THROWS_WITH(e.recommend(history.data(), history.size(), o), Catch::Contains("not one of the bundle's"));
    o.mood = -1;
    const std::vector<uint32_t> outside = {e.catalog().size()};
    o.controls.avoid_items = outside.data();
    o.controls.avoid_item_count = 1;
    CHECK_THROWS_WITH(e.recommend(history.data(), history.size(), o), Catch::Contains("avoided item index"));
}
