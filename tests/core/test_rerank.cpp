// The re-ranker against a from-scratch reference: every greedy step recomputes the whole
// objective (MMR redundancy over the list so far, Steck's KL of the list with the
// candidate added) in double precision, with no incremental state.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "core/common/error.h"
#include "core/device/rerank/rerank.h"

using namespace hearth;

namespace {

uint32_t below(std::mt19937& rng, uint32_t n) { return static_cast<uint32_t>(rng() % n); }
double to_d(size_t n) { return static_cast<double>(n); }

struct World {
    uint32_t items = 0, dim = 0, tags = 0;
    std::vector<float> embeddings, popularity, scores;
    std::vector<uint32_t> tag_offsets{0}, tag_ids;
    ItemSpace space() const {
        ItemSpace s;
        s.items = items;
        s.embeddings = embeddings.data();
        s.dim = dim;
        s.tag_offsets = tag_offsets.data();
        s.tag_ids = tag_ids.data();
        s.tags = tags;
        s.popularity = popularity.data();
        return s;
    }
};

World random_world(uint32_t items, uint32_t dim, uint32_t tags, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    World w;
    w.items = items;
    w.dim = dim;
    w.tags = tags;
    for (uint32_t i = 0; i < items * dim; ++i) w.embeddings.push_back(normal(rng));
    for (uint32_t i = 0; i < items; ++i) {
        w.scores.push_back(normal(rng));
        w.popularity.push_back(std::floor(200.0f * uniform(rng) * uniform(rng)));
        std::set<uint32_t> mine;
        const uint32_t count = below(rng, 4);  // some items have no tags
        while (mine.size() < count) mine.insert(below(rng, tags));
        for (uint32_t t : mine) w.tag_ids.push_back(t);
        w.tag_offsets.push_back(static_cast<uint32_t>(w.tag_ids.size()));
    }
    return w;
}

std::vector<uint32_t> item_tags(const World& w, uint32_t i) {
    return {w.tag_ids.begin() + w.tag_offsets[i], w.tag_ids.begin() + w.tag_offsets[i + 1]};
}

double cosine(const World& w, Similarity mode, uint32_t a, uint32_t b) {
    if (mode == Similarity::Tags) {
        const auto ta = item_tags(w, a), tb = item_tags(w, b);
        if (ta.empty() || tb.empty()) return 0.0;
        double shared = 0;
        for (uint32_t x : ta) shared += to_d(static_cast<size_t>(std::count(tb.begin(), tb.end(), x)));
        return shared / std::sqrt(to_d(ta.size()) * to_d(tb.size()));
    }
    double ab = 0, aa = 0, bb = 0;
    for (uint32_t j = 0; j < w.dim; ++j) {
        const double x = w.embeddings[a * w.dim + j], y = w.embeddings[b * w.dim + j];
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    return ab / std::sqrt(aa * bb);
}

// KL(p || (1 - a) q + a p) written out from the definition, tag masses spread evenly.
double reference_kl(const World& w, const std::vector<uint32_t>& history,
                    const std::vector<uint32_t>& list) {
    std::vector<double> p(w.tags, 0.0), q(w.tags, 0.0);
    double sp = 0, sq = 0;
    for (uint32_t i : history)
        for (uint32_t t : item_tags(w, i)) p[t] += 1.0 / to_d(item_tags(w, i).size()), sp += 1.0 / to_d(item_tags(w, i).size());
    for (uint32_t i : list)
        for (uint32_t t : item_tags(w, i)) q[t] += 1.0 / to_d(item_tags(w, i).size()), sq += 1.0 / to_d(item_tags(w, i).size());
    double kl = 0;
    for (uint32_t g = 0; g < w.tags; ++g) {
        if (p[g] <= 0) continue;
        const double pg = p[g] / sp, qg = sq > 0 ? q[g] / sq : 0.0;
        kl += pg * std::log(pg / (0.99 * qg + 0.01 * pg));
    }
    return kl;
}

struct Request {
    std::vector<uint8_t> excluded;
    std::vector<uint32_t> history, avoid_items, avoid_tags, block_tags;
    std::vector<float> mood_weights;
    RerankControls controls;
};

bool has_tag(const World& w, uint32_t item, const std::vector<uint32_t>& tags) {
    for (uint32_t t : item_tags(w, item))
        if (std::count(tags.begin(), tags.end(), t)) return true;
    return false;
}

// The list the definition in rerank.h describes, computed naively.
std::vector<uint32_t> reference_list(const World& w, const Request& r, uint32_t k) {
    const RerankControls& c = r.controls;
    std::vector<Scored> eligible;
    for (uint32_t i = 0; i < w.items; ++i)
        if (!r.excluded[i] && !has_tag(w, i, r.block_tags)) eligible.push_back({i, w.scores[i]});
    std::sort(eligible.begin(), eligible.end(), ranks_before);
    const uint32_t pool_size = c.candidates ? std::max(c.candidates, k) : std::max(10 * k, 200u);
    if (eligible.size() > pool_size) eligible.resize(pool_size);
    const double top = eligible.front().score, bottom = eligible.back().score;
    float max_pop = 0;
    for (float p : w.popularity) max_pop = std::max(max_pop, p);

    std::vector<double> adjusted;
    for (const Scored& s : eligible) {
        double a = top > bottom ? (s.score - bottom) / (top - bottom) : 1.0;
        const auto tags = item_tags(w, s.index);
        if (c.novelty > 0) a -= c.novelty * std::log1p(w.popularity[s.index]) / std::log1p(max_pop);
        if (c.mood > 0 && !tags.empty()) {
            double m = 0;
            for (uint32_t t : tags) m += r.mood_weights[t];
            a += c.mood * m / to_d(tags.size());
        }
        if (c.feedback > 0 && (!r.avoid_items.empty() || !r.avoid_tags.empty())) {
            double worst = 0;
            for (uint32_t v : r.avoid_items) worst = std::max(worst, cosine(w, c.similarity, s.index, v));
            if (!tags.empty()) {
                double avoided = 0;
                for (uint32_t t : tags) avoided += to_d(static_cast<size_t>(std::count(r.avoid_tags.begin(), r.avoid_tags.end(), t)));
                worst = std::max(worst, avoided / to_d(tags.size()));
            }
            a -= c.feedback * worst;
        }
        adjusted.push_back(a);
    }
    std::vector<uint32_t> list;
    std::vector<bool> taken(eligible.size(), false);
    while (list.size() < std::min<size_t>(k, eligible.size())) {
        double best = -INFINITY;
        size_t best_j = 0;
        bool found = false;
        for (size_t j = 0; j < eligible.size(); ++j) {
            if (taken[j]) continue;
            double redundancy = -INFINITY;
            for (uint32_t s : list) redundancy = std::max(redundancy, cosine(w, c.similarity, eligible[j].index, s));
            if (list.empty()) redundancy = 0;
            double gain = (1 - c.calibration) * ((1 - c.diversity) * adjusted[j] - c.diversity * redundancy);
            if (c.calibration > 0) {
                std::vector<uint32_t> with = list;
                with.push_back(eligible[j].index);
                gain -= c.calibration * reference_kl(w, r.history, with);
            }
            if (!found || gain > best) best = gain, best_j = j, found = true;
        }
        taken[best_j] = true;
        list.push_back(eligible[best_j].index);
    }
    return list;
}

// The request's controls with its lists attached (valid while `r` lives).
RerankControls controls_of(const Request& r) {
    RerankControls c = r.controls;
    c.avoid_items = r.avoid_items.data();
    c.avoid_item_count = r.avoid_items.size();
    c.avoid_tags = r.avoid_tags.data();
    c.avoid_tag_count = r.avoid_tags.size();
    c.block_tags = r.block_tags.data();
    c.block_tag_count = r.block_tags.size();
    c.mood_weights = r.mood_weights.empty() ? nullptr : r.mood_weights.data();
    return c;
}

std::vector<uint32_t> run(Reranker& reranker, const World& w, Request& r, uint32_t k) {
    const Reranked& out = reranker.rerank(w.space(), w.scores.data(), r.excluded.data(), r.history.data(),
                                          r.history.size(), controls_of(r), k);
    std::vector<uint32_t> ids;
    for (const Scored& s : out.items) ids.push_back(s.index);
    return ids;
}

Request random_request(const World& w, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    Request r;
    r.excluded.assign(w.items, 0);
    for (uint32_t i = 0; i < 12; ++i) r.history.push_back(below(rng, w.items));
    for (uint32_t i : r.history) r.excluded[i] = 1;
    for (uint32_t i = 0; i < 3; ++i) r.avoid_items.push_back(below(rng, w.items));
    for (uint32_t i : r.avoid_items) r.excluded[i] = 1;
    r.avoid_tags = {below(rng, w.tags)};
    r.block_tags = {below(rng, w.tags)};
    for (uint32_t t = 0; t < w.tags; ++t) r.mood_weights.push_back(2.0f * uniform(rng) - 1.0f);
    return r;
}

}  // namespace

TEST_CASE("with no control on, re-ranking is exactly top_k", "[rerank]") {
    const World w = random_world(500, 8, 6, 1);
    Request r = random_request(w, 2);
    r.controls.feedback = 0.0f;
    r.block_tags.clear();
    Reranker reranker;
    const auto ids = run(reranker, w, r, 10);
    std::vector<Scored> expected;
    top_k(w.scores.data(), w.items, 10, r.excluded.data(), expected);
    REQUIRE(ids.size() == expected.size());
    for (size_t j = 0; j < ids.size(); ++j) CHECK(ids[j] == expected[j].index);
    CHECK(Reranker::active(w.space(), r.controls, r.history.data(), r.history.size()) == 0);
}

TEST_CASE("each control alone follows the from-scratch greedy reference", "[rerank]") {
    const World w = random_world(400, 8, 7, 3);
    Reranker reranker;
    for (uint32_t seed = 0; seed < 6; ++seed) {
        for (int control = 0; control < 5; ++control) {
            Request r = random_request(w, 100 + seed);
            r.controls.feedback = 0.0f;
            const float strength = 0.2f + 0.15f * static_cast<float>(seed % 4);
            if (control == 0) r.controls.diversity = strength;
            if (control == 1) r.controls.calibration = strength;
            if (control == 2) r.controls.novelty = strength;
            if (control == 3) r.controls.mood = strength;
            if (control == 4) r.controls.feedback = strength;
            r.controls.candidates = 60;
            INFO("seed " << seed << " control " << control_name(control));
            CHECK(run(reranker, w, r, 10) == reference_list(w, r, 10));
        }
    }
}

TEST_CASE("all controls together, and tag similarity, follow the reference", "[rerank]") {
    const World w = random_world(300, 6, 5, 5);
    Reranker reranker;
    for (uint32_t seed = 0; seed < 8; ++seed) {
        Request r = random_request(w, 200 + seed);
        r.controls.diversity = 0.3f;
        r.controls.calibration = 0.4f;
        r.controls.novelty = 0.2f;
        r.controls.mood = 0.3f;
        r.controls.feedback = 0.5f;
        r.controls.similarity = seed % 2 ? Similarity::Tags : Similarity::Embedding;
        r.controls.candidates = seed % 3 ? 50 : 0;
        INFO("seed " << seed);
        CHECK(run(reranker, w, r, 12) == reference_list(w, r, 12));
    }
}

TEST_CASE("MMR at full strength picks the least similar item next", "[rerank]") {
    World w = random_world(50, 4, 3, 7);
    Reranker reranker;
    Request r = random_request(w, 8);
    r.controls.feedback = 0.0f;
    r.controls.diversity = 1.0f;
    r.block_tags.clear();
    const auto ids = run(reranker, w, r, 2);
    std::vector<Scored> best;
    top_k(w.scores.data(), w.items, 1, r.excluded.data(), best);
    REQUIRE(ids[0] == best[0].index);  // an empty list has no redundancy: relevance decides
    double least = INFINITY;
    uint32_t expected = 0;
    for (uint32_t i = 0; i < w.items; ++i) {
        if (r.excluded[i] || i == ids[0]) continue;
        const double s = cosine(w, Similarity::Embedding, i, ids[0]);
        if (s < least) least = s, expected = i;
    }
    CHECK(ids[1] == expected);
}

TEST_CASE("calibration moves the list's tag mix towards the history's", "[rerank]") {
    // Ten items of tag 0 score highest; the history is half tag 0, half tag 1.
    World w;
    w.items = 40;
    w.dim = 2;
    w.tags = 2;
    for (uint32_t i = 0; i < w.items; ++i) {
        w.embeddings.insert(w.embeddings.end(), {1.0f, static_cast<float>(i)});
        w.scores.push_back((i < 20 ? 2.0f : 1.0f) - 0.01f * static_cast<float>(i));
        w.popularity.push_back(1.0f);
        w.tag_ids.push_back(i < 20 ? 0 : 1);
        w.tag_offsets.push_back(static_cast<uint32_t>(w.tag_ids.size()));
    }
    Request r;
    r.excluded.assign(w.items, 0);
    r.history = {0, 1, 20, 21};
    for (uint32_t i : r.history) r.excluded[i] = 1;
    r.controls.feedback = 0.0f;
    Reranker reranker;
    const auto plain = run(reranker, w, r, 10);
    r.controls.calibration = 0.9f;  // relevance gaps here are large: only a strong pull evens the mix
    const auto calibrated = run(reranker, w, r, 10);
    CHECK(calibrated == reference_list(w, r, 10));
    CHECK(reference_kl(w, r.history, calibrated) < 0.5 * reference_kl(w, r.history, plain));
    int tag1 = 0;
    for (uint32_t i : plain) tag1 += i >= 20;
    CHECK(tag1 == 0);
    tag1 = 0;
    for (uint32_t i : calibrated) tag1 += i >= 20;
    CHECK(tag1 >= 3);  // from 0 without calibration
}

TEST_CASE("filters never leak excluded, blocked or avoided items", "[rerank]") {
    const World w = random_world(600, 8, 6, 11);
    Reranker reranker;
    for (uint32_t seed = 0; seed < 20; ++seed) {
        Request r = random_request(w, 300 + seed);
        std::mt19937 rng(seed);
        for (uint32_t i = 0; i < 100; ++i) r.excluded[below(rng, w.items)] = 1;
        r.controls.diversity = static_cast<float>(seed % 3) * 0.3f;
        r.controls.novelty = static_cast<float>(seed % 2) * 0.5f;
        r.controls.calibration = (seed % 4 == 0) * 0.5f;
        r.controls.candidates = 5 + seed;  // sometimes smaller than k
        for (uint32_t i : run(reranker, w, r, 20)) {
            CHECK(!r.excluded[i]);
            CHECK(!has_tag(w, i, r.block_tags));
            CHECK(std::count(r.avoid_items.begin(), r.avoid_items.end(), i) == 0);
        }
    }
}

TEST_CASE("reasons name exactly the controls without which an item would move", "[rerank]") {
    const World w = random_world(300, 6, 6, 13);
    Reranker reranker;
    for (uint32_t seed = 0; seed < 8; ++seed) {
        Request r = random_request(w, 400 + seed);
        r.controls.diversity = 0.25f;
        r.controls.calibration = 0.3f;
        r.controls.novelty = 0.3f;
        r.controls.mood = 0.4f;
        r.controls.feedback = 0.6f;
        r.controls.candidates = 40;
        const auto list = reference_list(w, r, 10);
        const Reranked& out = reranker.rerank(w.space(), w.scores.data(), r.excluded.data(),
                                              r.history.data(), r.history.size(), controls_of(r), 10);
        std::vector<uint32_t> without[kControlCount];
        for (uint32_t b = 0; b < kControlCount; ++b) {
            Request off = r;
            float* strength[] = {&off.controls.diversity, &off.controls.calibration, &off.controls.novelty,
                                 &off.controls.mood, &off.controls.feedback};
            *strength[b] = 0.0f;
            without[b] = reference_list(w, off, 10);
        }
        REQUIRE(out.items.size() == list.size());
        uint32_t any = 0;
        for (size_t j = 0; j < list.size(); ++j) {
            CHECK(out.items[j].index == list[j]);
            CHECK(out.items[j].score == w.scores[list[j]]);
            uint32_t expected = 0;
            for (uint32_t b = 0; b < kControlCount; ++b) {
                const auto& alt = without[b];
                const auto at = std::find(alt.begin(), alt.end(), list[j]);
                if (at == alt.end() || static_cast<size_t>(at - alt.begin()) != j) expected |= 1u << b;
            }
            CHECK(out.controls[j] == expected);
            any |= expected;
        }
        CHECK(any != 0);  // the test would be empty if no control ever acted
    }
}

TEST_CASE("long lists: greedy for the first 100 positions, then adjusted relevance", "[rerank]") {
    const World w = random_world(400, 6, 5, 23);
    Request r = random_request(w, 24);
    r.controls.diversity = 0.4f;
    r.controls.novelty = 0.3f;
    r.controls.feedback = 0.0f;
    r.controls.candidates = 300;
    r.block_tags.clear();
    Reranker reranker;
    const auto long_list = run(reranker, w, r, 250);
    const auto head = reference_list(w, r, 100);
    REQUIRE(long_list.size() == 250);
    CHECK(std::vector<uint32_t>(long_list.begin(), long_list.begin() + 100) == head);
    // The tail: the remaining pool by relevance minus the novelty penalty, best first.
    float max_pop = 0;
    for (float p : w.popularity) max_pop = std::max(max_pop, p);
    std::vector<Scored> pool;
    top_k(w.scores.data(), w.items, 300, r.excluded.data(), pool);
    std::vector<float> adjusted;
    std::set<uint32_t> seen(long_list.begin(), long_list.end());
    CHECK(seen.size() == 250);
    for (size_t j = 101; j < long_list.size(); ++j) {
        const auto at = [&](uint32_t item) {
            const float top = pool.front().score, bottom = pool.back().score;
            float a = 0;
            for (const Scored& s : pool)
                if (s.index == item) a = (s.score - bottom) / (top - bottom);
            return a - 0.3f * std::log1p(w.popularity[item]) / std::log1p(max_pop);
        };
        CHECK(at(long_list[j - 1]) >= at(long_list[j]) - 1e-6f);
    }
    for (uint32_t i : long_list) CHECK(!r.excluded[i]);
}

TEST_CASE("model rank is the position by score among eligible items", "[rerank]") {
    const World w = random_world(200, 4, 4, 17);
    Request r = random_request(w, 18);
    r.controls.novelty = 0.8f;
    r.controls.feedback = 0.0f;
    r.block_tags.clear();
    RerankControls c = r.controls;
    Reranker reranker;
    const Reranked& out = reranker.rerank(w.space(), w.scores.data(), r.excluded.data(), r.history.data(),
                                          r.history.size(), c, 10);
    std::vector<Scored> all;
    top_k(w.scores.data(), w.items, w.items, r.excluded.data(), all);
    for (size_t j = 0; j < out.items.size(); ++j) CHECK(all[out.model_rank[j]].index == out.items[j].index);
}

TEST_CASE("bad controls are refused with what and where", "[rerank]") {
    const World w = random_world(50, 4, 3, 19);
    Request r = random_request(w, 20);
    Reranker reranker;
    r.controls.diversity = 1.5f;
    CHECK_THROWS_WITH(run(reranker, w, r, 5), Catch::Contains("diversity"));
    r.controls.diversity = NAN;
    CHECK_THROWS_WITH(run(reranker, w, r, 5), Catch::Contains("diversity"));
    r.controls.diversity = 0.0f;
    r.block_tags = {99};
    CHECK_THROWS_WITH(run(reranker, w, r, 5), Catch::Contains("blocked tag 0: index 99"));
    r.block_tags.clear();
    r.mood_weights[1] = 2.0f;
    CHECK_THROWS_WITH(run(reranker, w, r, 5), Catch::Contains("mood weight of tag 1"));
}

TEST_CASE("calibration_kl follows the definition", "[rerank]") {
    const float p[] = {2, 2, 0}, q[] = {1, 0, 3};
    const double pg = 0.5;
    const double expected = pg * std::log(pg / (0.99 * 0.25 + 0.01 * pg)) + pg * std::log(pg / (0.01 * pg));
    CHECK(calibration_kl(p, q, 3) == Approx(expected).epsilon(1e-12));
    CHECK(calibration_kl(p, p, 3) == Approx(0.0).margin(1e-12));
    const float none[] = {0, 0, 0};
    CHECK(calibration_kl(none, q, 3) == 0.0);
}
