// List-based evaluation and the beyond-accuracy metrics, each against a hand computation
// or an independent brute-force one; the sweep's CSV and SVG output.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

#include "core/common/error.h"
#include "core/eval/beyond.h"
#include "core/eval/evaluate.h"
#include "core/eval/item_space.h"
#include "core/eval/sequences.h"
#include "core/eval/svg_chart.h"
#include "core/eval/sweep.h"

using namespace hearth;

namespace {

// Gini as the mean absolute difference over all ordered pairs / (2 mean): the definition,
// not the sorted-rank formula the code uses.
double gini_by_pairs(const std::vector<uint32_t>& x) {
    const double n = static_cast<double>(x.size());
    double total = 0, diff = 0;
    for (uint32_t a : x) {
        total += a;
        for (uint32_t b : x) diff += std::fabs(double(a) - double(b));
    }
    return total > 0 ? diff / (2.0 * n * total) : 0.0;
}

// A small world: random scores with ties, histories, held-out items, embeddings and tags.
struct World {
    uint32_t items = 60, users = 45, dim = 4;
    std::vector<std::vector<float>> table;
    std::vector<std::vector<uint32_t>> history;
    std::vector<HeldOut> held;
    ItemSpaceData space;
    SparseRows rows;

    // ties: scores are small integers, many equal; without, a fraction by item breaks them.
    explicit World(uint32_t seed, bool ties = true) {
        std::mt19937 rng(seed);
        table.assign(users, std::vector<float>(items));
        for (auto& row : table)
            for (uint32_t i = 0; i < items; ++i)
                row[i] = static_cast<float>(rng() % 25) + (ties ? 0.0f : static_cast<float>(i) / float(2 * items));
        history.resize(users);
        for (uint32_t u = 0; u < users; ++u) {
            for (int k = 0; k < 6; ++k) history[u].push_back(static_cast<uint32_t>(rng() % items));
            uint32_t target;
            do target = static_cast<uint32_t>(rng() % items);
            while (std::find(history[u].begin(), history[u].end(), target) != history[u].end());
            held.push_back({u, target, 1.0f});
        }
        rows = history_rows(history);
        space.items = items;
        space.dim = dim;
        std::normal_distribution<float> normal;
        for (uint32_t i = 0; i < items * dim; ++i) space.embeddings.push_back(normal(rng));
        std::vector<std::vector<uint32_t>> tags(items);
        for (uint32_t i = 0; i < items; ++i) {
            tags[i].push_back(i % 5);
            if (i % 3 == 0) tags[i].push_back(5 + i % 2);
        }
        space.set_tags(tags, {"a", "b", "c", "d", "e", "f", "g"});
        for (uint32_t i = 0; i < items; ++i) space.popularity.push_back(static_cast<float>(rng() % 50));
    }
    ScorerFactory scorers() const {
        return [this] {
            return UserScorer([this](uint32_t u, float* out) {
                std::copy(table[u].begin(), table[u].end(), out);
            });
        };
    }
    ItemPopularity popularity() const { return item_popularity(items, history); }
};

bool same_metrics(const ListMetrics& a, const ListMetrics& b) {
    auto same = [](double x, double y) { return (std::isnan(x) && std::isnan(y)) || x == y; };
    return a.lists == b.lists && same(a.hr, b.hr) && same(a.ndcg, b.ndcg) &&
           same(a.coverage, b.coverage) && same(a.ild, b.ild) && same(a.novelty, b.novelty) &&
           same(a.calibration_kl, b.calibration_kl) && same(a.arp, b.arp) && same(a.gini, b.gini) &&
           a.calibration_users == b.calibration_users;
}

}  // namespace

TEST_CASE("list HR and NDCG: position j gives 1 and 1 / log2(j + 2)", "[beyond]") {
    const uint32_t list[] = {7, 3, 9, 4};
    CHECK(list_hit(list, 4, 7) == 1.0);
    CHECK(list_ndcg(list, 4, 7) == 1.0);
    CHECK(list_ndcg(list, 4, 9) == Approx(0.5));  // position 2: 1 / log2(4)
    CHECK(list_ndcg(list, 4, 3) == Approx(1.0 / std::log2(3.0)));
    CHECK(list_hit(list, 4, 5) == 0.0);
    CHECK(list_ndcg(list, 4, 5) == 0.0);
    CHECK(list_hit(list, 2, 9) == 0.0);  // beyond the list's length
}

TEST_CASE("Gini of exposure: closed forms and the pairwise definition", "[beyond]") {
    CHECK(gini_index({4, 4, 4, 4, 4}) == Approx(0.0).margin(1e-15));
    for (uint32_t n : {2u, 3u, 10u, 1000u}) {
        std::vector<uint32_t> one(n, 0);
        one[n / 2] = 17;  // one item gets every recommendation
        CHECK(gini_index(one) == Approx(double(n - 1) / n));
    }
    CHECK(gini_index({0, 0, 1, 1}) == Approx(0.5));
    CHECK(gini_index({0, 0, 0}) == 0.0);
    CHECK(gini_index({}) == 0.0);
    std::mt19937 rng(3);
    for (int t = 0; t < 20; ++t) {
        std::vector<uint32_t> x(1 + static_cast<size_t>(rng() % 40));
        for (uint32_t& v : x) v = static_cast<uint32_t>(rng() % 9);
        CHECK(gini_index(x) == Approx(gini_by_pairs(x)).margin(1e-12));
    }
}

TEST_CASE("coverage: distinct recommended items over the catalog", "[beyond]") {
    CHECK(catalog_coverage({0, 2, 0, 1}) == 0.5);
    CHECK(catalog_coverage({1, 1, 1}) == 1.0);
    CHECK(catalog_coverage({0, 0}) == 0.0);
}

TEST_CASE("intra-list distance: orthogonal, identical, opposite and brute force", "[beyond]") {
    const float identity[] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const uint32_t all[] = {0, 1, 2};
    CHECK(intra_list_distance(identity, 3, all, 3) == Approx(1.0));
    const float same[] = {1, 2, 3, 2, 4, 6, 0.5f, 1, 1.5f};  // one direction, three lengths
    CHECK(intra_list_distance(same, 3, all, 3) == Approx(0.0).margin(1e-7));
    const float opposite[] = {1, 1, -2, -2};
    const uint32_t pair[] = {0, 1};
    CHECK(intra_list_distance(opposite, 2, pair, 2) == Approx(2.0));
    const float with_zero[] = {1, 0, 0, 0};
    CHECK(intra_list_distance(with_zero, 2, pair, 2) == Approx(1.0));  // zero: cosine 0
    CHECK(std::isnan(intra_list_distance(identity, 3, all, 1)));

    std::mt19937 rng(5);
    std::normal_distribution<float> normal;
    std::vector<float> e(20 * 6);
    for (float& v : e) v = normal(rng);
    const uint32_t list[] = {3, 17, 0, 8, 11};
    double sum = 0;
    int pairs = 0;
    for (int a = 0; a < 5; ++a)
        for (int b = 0; b < 5; ++b) {
            if (a == b) continue;  // ordered pairs: the same mean
            double dot = 0, na = 0, nb = 0;
            for (int d = 0; d < 6; ++d) {
                dot += e[list[a] * 6 + d] * e[list[b] * 6 + d];
                na += e[list[a] * 6 + d] * e[list[a] * 6 + d];
                nb += e[list[b] * 6 + d] * e[list[b] * 6 + d];
            }
            sum += 1 - dot / std::sqrt(na * nb);
            ++pairs;
        }
    CHECK(intra_list_distance(e.data(), 6, list, 5) == Approx(sum / pairs).epsilon(1e-9));
}

TEST_CASE("novelty: self-information of training popularity, by hand", "[beyond]") {
    CHECK(item_novelty(5, 10) == Approx(1.0));    // half the users: 1 bit
    CHECK(item_novelty(10, 10) == Approx(0.0).margin(1e-15));
    CHECK(item_novelty(1, 8) == Approx(3.0));
    CHECK(item_novelty(0, 7) == Approx(3.0));     // unseen: 1 / (7 + 1)
    CHECK(item_novelty(0, 7) > item_novelty(1, 7));
}

TEST_CASE("training popularity: events and distinct users per item", "[beyond]") {
    const std::vector<Interaction> events = {{0, 1, 1, 0}, {0, 1, 1, 1}, {1, 1, 1, 0}, {1, 2, 1, 0}};
    const ItemPopularity p = item_popularity(4, 3, events);  // user 2 has no event
    CHECK(p.events == std::vector<float>{0, 3, 1, 0});
    CHECK(p.users == std::vector<uint32_t>{0, 2, 1, 0});
    CHECK(p.user_count == 2);
    const ItemPopularity s = item_popularity(4, {{1, 1}, {1, 2}, {}});
    CHECK(s.events == p.events);
    CHECK(s.users == p.users);
    CHECK(s.user_count == 2);
}

TEST_CASE("calibration KL of a list against the history's tag mix, by hand", "[beyond]") {
    ItemSpaceData d;
    d.items = 5;
    // item 0: tag 0; 1: tag 1; 2: tags 0 and 1; 3: untagged; 4: tag 0
    d.set_tags({{0}, {1}, {0, 1}, {}, {0}}, {"x", "y"});
    const ItemSpace s = d.view();
    std::vector<float> p, q;
    const uint32_t history[] = {0, 1, 4, 3};  // p = (2/3, 1/3): the untagged item adds nothing
    const uint32_t list[] = {0};              // q = (1, 0)
    const double p0 = 2.0 / 3, p1 = 1.0 / 3, a = 0.01;
    const double expected = p0 * std::log(p0 / ((1 - a) * 1.0 + a * p0)) + p1 * std::log(p1 / (a * p1));
    CHECK(list_calibration_kl(s, history, 4, list, 1, p, q) == Approx(expected).epsilon(1e-6));
    const uint32_t mixed[] = {2};  // q = (1/2, 1/2)
    const double expected2 = p0 * std::log(p0 / ((1 - a) * 0.5 + a * p0)) +
                             p1 * std::log(p1 / ((1 - a) * 0.5 + a * p1));
    CHECK(list_calibration_kl(s, history, 4, mixed, 1, p, q) == Approx(expected2).epsilon(1e-6));
    const uint32_t calibrated[] = {0, 4, 1};  // q = p
    CHECK(list_calibration_kl(s, history, 4, calibrated, 3, p, q) == Approx(0.0).margin(1e-6));
    const uint32_t untagged[] = {3};
    CHECK(std::isnan(list_calibration_kl(s, untagged, 1, list, 1, p, q)));
    ItemSpaceData none;
    none.items = 5;
    CHECK(std::isnan(list_calibration_kl(none.view(), history, 4, list, 1, p, q)));
}

TEST_CASE("list metrics over hand-made lists", "[beyond]") {
    ItemSpaceData d;
    d.items = 4;
    d.dim = 2;
    d.embeddings = {1, 0, 0, 1, 1, 0, -1, 0};
    d.set_tags({{0}, {1}, {0}, {}}, {"x", "y"});
    const ItemSpace s = d.view();
    RecommendationLists lists;
    lists.k = 2;
    lists.items = {0, 1, 2, 0};
    lists.length = {2, 2};
    const std::vector<HeldOut> held = {{0, 1, 1}, {1, 3, 1}};
    const SparseRows history = history_rows({{2}, {3}});  // user 1's history is untagged
    ItemPopularity pop;
    pop.events = {4, 1, 0, 2};
    pop.users = {2, 1, 0, 1};
    pop.user_count = 4;
    const ListMetrics m = list_metrics(lists, held, history, s, pop);
    CHECK(m.lists == 2);
    CHECK(m.hr == 0.5);
    CHECK(m.ndcg == Approx(0.5 / std::log2(3.0)));
    CHECK(m.coverage == 0.75);
    CHECK(m.ild == Approx((1.0 + 0.0) / 2));  // {0, 1} orthogonal; {2, 0} identical
    // novelty bits: item 0: 1, item 1: 2, item 2: log2(5) (unseen), item 0: 1
    CHECK(m.novelty == Approx((1 + 2 + std::log2(5.0) + 1) / 4));
    CHECK(m.arp == Approx((4 + 1 + 0 + 4) / 4.0));
    CHECK(m.gini == Approx(gini_by_pairs({2, 1, 1, 0})));
    CHECK(m.calibration_users == 1);
    CHECK(m.calibration_skipped == 1);
    std::vector<float> p, q;
    const uint32_t h0[] = {2}, l0[] = {0, 1};
    CHECK(m.calibration_kl == Approx(list_calibration_kl(s, h0, 1, l0, 2, p, q)));
    ItemSpaceData bare;
    bare.items = 4;
    const ListMetrics b = list_metrics(lists, held, history, bare.view(), pop);
    CHECK(std::isnan(b.ild));
    CHECK(std::isnan(b.calibration_kl));
    CHECK(b.calibration_skipped == 2);
}

// Without ties: a list breaks ties by index (as a device shows it), evaluate_ranking counts a
// tie against the target (core/eval/rank.h), so they agree only where no scores tie.
TEST_CASE("lists without controls agree exactly with evaluate_ranking", "[beyond]") {
    {
        const World tied(11);
        const RankingMetrics r = evaluate_ranking(tied.items, tied.rows, tied.held, tied.scorers(), 1);
        const ListMetrics m = evaluate_lists(tied.space.view(), tied.rows, tied.held, tied.scorers(),
                                             tied.popularity(), RerankControls{}, 10, 1);
        CHECK(m.hr >= r.hr10);  // the ties a list wins by index are no hit for evaluate_ranking
        CHECK(m.ndcg >= r.ndcg10);
    }
    const World w(11, false);
    const ItemSpace s = w.space.view();
    for (uint32_t threads : {1u, 2u}) {
        const RankingMetrics r = evaluate_ranking(w.items, w.rows, w.held, w.scorers(), 1);
        const ListMetrics m =
            evaluate_lists(s, w.rows, w.held, w.scorers(), w.popularity(), RerankControls{}, 10, threads);
        CHECK(m.lists == r.users);
        CHECK(m.hr == r.hr10);
        CHECK(m.ndcg == r.ndcg10);
        CHECK(m.coverage == r.coverage10);
        CHECK(r.hr10 > 0.0);
        const RankingMetrics r5 = evaluate_ranking(w.items, w.rows, w.held, w.scorers(), 1);
        const ListMetrics m5 =
            evaluate_lists(s, w.rows, w.held, w.scorers(), w.popularity(), RerankControls{}, 5, threads);
        CHECK(m5.hr == r5.hr5);
        CHECK(m5.ndcg == r5.ndcg5);
    }
}

TEST_CASE("list evaluation is the same for 1 and 2 threads, with controls active", "[beyond]") {
    const World w(12);
    const ItemSpace s = w.space.view();
    RerankControls c;
    c.diversity = 0.3f;
    c.calibration = 0.4f;
    c.novelty = 0.2f;
    c.candidates = 30;
    const std::vector<RerankControls> settings = {RerankControls{}, c};
    const auto one = recommend_lists(s, w.rows, w.held, w.scorers(), settings, 10, 1);
    const auto two = recommend_lists(s, w.rows, w.held, w.scorers(), settings, 10, 2);
    const auto three = recommend_lists(s, w.rows, w.held, w.scorers(), settings, 10, 3);
    REQUIRE(one.size() == 2);
    for (size_t k = 0; k < 2; ++k) {
        CHECK(one[k].items == two[k].items);
        CHECK(one[k].items == three[k].items);
        CHECK(one[k].length == two[k].length);
        CHECK(same_metrics(list_metrics(one[k], w.held, w.rows, s, w.popularity()),
                           list_metrics(two[k], w.held, w.rows, s, w.popularity())));
    }
    CHECK(one[0].items != one[1].items);  // the controls changed something
    // The history is never recommended.
    for (size_t h = 0; h < w.held.size(); ++h)
        for (uint32_t j = 0; j < one[1].length[h]; ++j)
            CHECK(std::find(w.history[w.held[h].user].begin(), w.history[w.held[h].user].end(),
                            one[1].list(h)[j]) == w.history[w.held[h].user].end());
    // A single setting through evaluate_lists gives the same numbers as the batch.
    CHECK(same_metrics(evaluate_lists(s, w.rows, w.held, w.scorers(), w.popularity(), c, 10, 2),
                       list_metrics(one[1], w.held, w.rows, s, w.popularity())));
}

TEST_CASE("k-means tags: deterministic, separates clear groups, leaves zero rows untagged", "[beyond]") {
    std::mt19937 rng(2);
    std::normal_distribution<float> noise(0.0f, 0.05f);
    std::vector<float> e;
    const float dirs[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    for (int i = 0; i < 30; ++i)
        for (int d = 0; d < 3; ++d) e.push_back((1.0f + float(i % 4)) * (dirs[i % 3][d] + noise(rng)));
    e.insert(e.end(), {0, 0, 0});  // item 30: no direction
    const auto c = kmeans_clusters(e.data(), 31, 3, 3, 7);
    CHECK(c == kmeans_clusters(e.data(), 31, 3, 3, 7));
    CHECK(c[30] == UINT32_MAX);
    for (int i = 0; i < 30; ++i) CHECK(c[i] == c[i % 3]);  // same direction, same cluster
    CHECK(c[0] != c[1]);
    CHECK(c[1] != c[2]);
    CHECK(c[0] != c[2]);
    ItemSpaceData d;
    d.items = 31;
    set_cluster_tags(d, c, 3);
    const ItemSpace s = d.view();
    CHECK(s.tags == 3);
    CHECK(s.tag_offsets[31] == 30);
    CHECK(kmeans_clusters(e.data(), 31, 3, 50, 7).size() == 31);  // k above the rows: capped
}

TEST_CASE("sweep specs: lists, ranges and errors", "[beyond]") {
    const SweepSpec a = parse_sweep("diversity=0,0.1,0.25");
    CHECK(a.control == "diversity");
    CHECK(a.values == std::vector<float>{0.0f, 0.1f, 0.25f});
    const SweepSpec b = parse_sweep("calibration=0:0.5:0.1");
    CHECK(b.values == std::vector<float>{0.0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f});
    CHECK(parse_sweep("novelty=0.2:0.2:0.1").values == std::vector<float>{0.2f});
    CHECK_THROWS_AS(parse_sweep("diversity"), Error);
    CHECK_THROWS_AS(parse_sweep("mood=0,1"), Error);
    CHECK_THROWS_AS(parse_sweep("diversity=0,x"), Error);
    CHECK_THROWS_AS(parse_sweep("diversity=0,1.5"), Error);
    CHECK_THROWS_AS(parse_sweep("diversity=0:1:0"), Error);
    CHECK_THROWS_AS(parse_sweep("diversity=0:1"), Error);
    CHECK_THROWS_AS(parse_sweep("diversity=0,,1"), Error);
    CHECK(with_strength({}, "calibration", 0.3f).calibration == 0.3f);
    CHECK_THROWS_AS(with_strength({}, "mood", 0.3f), Error);
}

TEST_CASE("sweep CSV: a header and one parsable row per value", "[beyond]") {
    const World w(13);
    const ItemSpace s = w.space.view();
    const SweepSpec spec = parse_sweep("diversity=0,0.2,0.5");
    std::vector<RerankControls> settings;
    for (float v : spec.values) settings.push_back(with_strength({}, spec.control, v));
    const auto lists = recommend_lists(s, w.rows, w.held, w.scorers(), settings, 10, 2);
    std::vector<SweepPoint> points;
    for (size_t k = 0; k < lists.size(); ++k)
        points.push_back({spec.values[k], list_metrics(lists[k], w.held, w.rows, s, w.popularity())});
    points[1].metrics.ild = std::nan("");  // an absent metric

    std::istringstream csv(sweep_csv(spec.control, points));
    std::string line;
    REQUIRE(std::getline(csv, line));
    CHECK(line == "control,strength,hr10,ndcg10,coverage,ild,novelty,calibration_kl,arp,gini");
    std::vector<std::vector<std::string>> rows;
    while (std::getline(csv, line)) {
        std::vector<std::string> fields;
        std::istringstream f(line);
        std::string field;
        while (std::getline(f, field, ',')) fields.push_back(field);
        rows.push_back(fields);
    }
    REQUIRE(rows.size() == spec.values.size());
    for (size_t r = 0; r < rows.size(); ++r) {
        REQUIRE(rows[r].size() == 10);
        CHECK(rows[r][0] == "diversity");
        CHECK(std::stod(rows[r][1]) == Approx(spec.values[r]));
        CHECK(std::stod(rows[r][3]) == Approx(points[r].metrics.ndcg));
        CHECK(std::stod(rows[r][4]) == Approx(points[r].metrics.coverage));
        CHECK(std::stod(rows[r][9]) == Approx(points[r].metrics.gini));
    }
    CHECK(rows[1][5] == "NaN");
    CHECK(rows[1][1] == "0.2");
    CHECK(points[2].metrics.ild > points[0].metrics.ild);  // diversity raised ILD

    const LineChart chart = sweep_chart(spec.control, points, points[0].metrics, "test <world>");
    CHECK(chart.series.size() == 8);
    CHECK(chart.series[0].name == "NDCG@10");
    CHECK(chart.series[0].emphasis);
    CHECK(chart.series[0].points[0].second == Approx(0.0));
    CHECK(std::isnan(chart.series[3].points[1].second));  // the absent ILD is a gap
}

TEST_CASE("relative change in percent", "[beyond]") {
    CHECK(relative_change(1.2, 1.0) == Approx(20.0));
    CHECK(relative_change(0.7, 1.0) == Approx(-30.0));
    CHECK(relative_change(-0.5, -1.0) == Approx(50.0));
    CHECK(std::isnan(relative_change(1.0, 0.0)));
    CHECK(std::isnan(relative_change(std::nan(""), 1.0)));
}

TEST_CASE("SVG line chart: well-formed, one polyline per series, escaped text", "[beyond]") {
    LineChart c;
    c.title = "Ranks & <lists>";
    c.x_label = "strength";
    c.y_label = "change (%)";
    c.series.push_back({"NDCG@10", {{0, 0}, {0.1, -1.5}, {0.2, -4}}, true});
    c.series.push_back({"ILD \"pairs\"", {{0, 0}, {0.1, 12}, {0.2, std::nan("")}}, false});
    c.series.push_back({"absent", {}, false});
    const std::string svg = render_line_chart(c);
    CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    CHECK(svg.find("</svg>") == svg.size() - 7);
    auto count = [&](const std::string& what) {
        size_t n = 0;
        for (size_t p = svg.find(what); p != std::string::npos; p = svg.find(what, p + 1)) ++n;
        return n;
    };
    CHECK(count("<polyline") == 3);
    CHECK(count("<g") == count("</g>"));
    CHECK(count("<text") == count("</text>"));
    CHECK(svg.find("Ranks &amp; &lt;lists&gt;") != std::string::npos);
    CHECK(svg.find("ILD &quot;pairs&quot;") != std::string::npos);
    CHECK(svg.find("<lists>") == std::string::npos);
    CHECK(svg.find("nan") == std::string::npos);  // the NaN point is a gap, not a coordinate
    CHECK(svg.find("inf") == std::string::npos);
    // The emphasised series is the thick one.
    CHECK(svg.find("stroke-width=\"3.5\"") != std::string::npos);
}

TEST_CASE("nice ticks cover the range with round steps", "[beyond]") {
    const auto t = nice_ticks(-4.2, 13.0, 6);
    CHECK(t.front() <= -4.2);
    CHECK(t.back() >= 13.0);
    const double step = t[1] - t[0];
    CHECK(step == Approx(5.0));
    const auto u = nice_ticks(0, 0.5, 8);
    CHECK(u.front() == 0.0);
    CHECK(u.back() == Approx(0.5));
    CHECK(u[1] - u[0] == Approx(0.1));
    CHECK(nice_ticks(3, 3).size() >= 2);
}
