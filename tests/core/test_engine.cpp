// The on-device path end to end: trained model -> bundle bytes -> Engine -> recommend /
// explain, checked against dense computations done here independently.
#include <catch2/catch.hpp>

#include <Eigen/Dense>
#include <cstring>
#include <functional>
#include <algorithm>
#include <map>
#include <random>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/device/engine/engine.h"
#include "core/train/export/export.h"
#include "core/train/mf/rating_matrix.h"
#include "core/train/mf/trainer.h"
#include "tests/core/catch_helpers.h"
#include "tests/core/fixtures.h"

using namespace hearth;

namespace {

struct Fixture {
    Interactions data;
    MfModel model;
    std::unique_ptr<test::Caller> engine;
};

Fixture make_fixture(MfKind kind, uint32_t users = 60, uint32_t items = 40) {
    Fixture f;
    std::mt19937 rng(kind == MfKind::Implicit ? 1 : 2);
    for (uint32_t i = 0; i < items; ++i) f.data.intern_item("item" + std::to_string(i));
    for (uint32_t u = 0; u < users; ++u) {
        const uint32_t uid = f.data.intern_user("u" + std::to_string(u));
        // Two taste groups, so the factors have structure to find.
        const uint32_t group = u % 2;
        for (int k = 0; k < 8; ++k) {
            const uint32_t item = static_cast<uint32_t>((rng() % (items / 2)) * 2) + (rng() % 5 == 0 ? 1 - group : group);
            const float r = kind == MfKind::Explicit ? 0.5f * static_cast<float>(1 + rng() % 10) : 1.0f;
            f.data.events.push_back({uid, item, r, k});
        }
    }
    f.data.has_ratings = kind == MfKind::Explicit;
    MfConfig c;
    c.params.kind = kind;
    c.params.reg = kind == MfKind::Explicit ? 0.05f : 0.5f;
    c.params.alpha = 3.0f;
    c.params.reg_scales_with_count = kind == MfKind::Explicit;
    c.factors = 8;
    c.iterations = 6;
    const RatingMatrix m = RatingMatrix::build(users, items, f.data.events, kind);
    f.model = train_mf(m, c);
    ItemMetadata meta;
    for (uint32_t i = 0; i < items; ++i)
        meta.items["item" + std::to_string(i)] = {"Title " + std::to_string(i), {i % 2 ? "odd" : "even"}};
    const std::vector<uint8_t> bytes =
        export_mf_bundle(f.model, build_catalog(f.data, meta), "{\"model\":\"test\"}");
    f.engine = test::open_engine(bytes);
    return f;
}

std::vector<HistoryEntry> history_of(const Fixture& f, uint32_t user) {
    std::vector<HistoryEntry> h;
    for (const Interaction& e : f.data.events)
        if (e.user == user) h.push_back({e.item, e.rating});
    return h;
}

}  // namespace

TEST_CASE("engine reproduces training users and ranks by brute force", "[engine]") {
    const MfKind kind = GENERATE(MfKind::Implicit, MfKind::Explicit);
    Fixture f = make_fixture(kind);
    test::Caller& e = *f.engine;
    const uint32_t ud = f.model.view().user_dim();
    for (uint32_t u = 0; u < 10; ++u) {
        const auto h = history_of(f, u);
        RecommendOptions o;
        o.k = 7;
        const uint32_t extra_exclude[] = {u % 40, (u * 7) % 40};
        o.exclude = extra_exclude;
        o.exclude_count = 2;
        const Recommendations& r = e.recommend(h.data(), h.size(), o);

        // The folded-in vector is the trained one.
        for (uint32_t j = 0; j < ud; ++j)
            CHECK(e.user_vector()[j] == Approx(f.model.user_factors[u * ud + j]).margin(1e-6));

        // Scores computed densely here, then ranked by sorting.
        std::vector<float> want(40);
        std::vector<uint8_t> excluded(40, 0);
        for (uint32_t i = 0; i < 40; ++i) {
            double s = f.model.view().base_score(i);
            for (uint32_t a = 0; a < f.model.dim; ++a)
                s += double(f.model.user_factors[u * ud + a]) * f.model.item_factors[i * f.model.dim + a];
            if (kind == MfKind::Explicit) s += f.model.user_factors[u * ud + f.model.dim];
            want[i] = static_cast<float>(s);
            CHECK(e.scores()[i] == Approx(want[i]).margin(1e-4));
        }
        for (const HistoryEntry& x : h) excluded[x.item] = 1;
        for (uint32_t x : extra_exclude) excluded[x] = 1;
        const auto sorted = top_k_by_sort(e.scores().data(), 40, 7, excluded.data());
        REQUIRE(r.items.size() == sorted.size());
        for (size_t k = 0; k < sorted.size(); ++k) {
            CHECK(r.items[k].index == sorted[k].index);
            CHECK_FALSE(excluded[r.items[k].index]);
        }
        // Reasons are history items with positive weight, largest first, at most 3: the head
        // of explain()'s full list (which sorts every contribution).
        const Recommendations copy = r;
        for (size_t k = 0; k < copy.items.size(); ++k) {
            CHECK(copy.reason_start[k + 1] - copy.reason_start[k] <= 3);
            for (uint32_t j = copy.reason_start[k]; j < copy.reason_start[k + 1]; ++j) {
                CHECK(copy.reasons[j].weight > 0.0f);
                CHECK(std::any_of(h.begin(), h.end(), [&](const HistoryEntry& x) { return x.item == copy.reasons[j].item; }));
                if (j > copy.reason_start[k]) CHECK(copy.reasons[j].weight <= copy.reasons[j - 1].weight);
            }
            const std::vector<Reason> all = e.explain(h.data(), h.size(), copy.items[k].index).contributions;
            size_t positive = 0;
            while (positive < all.size() && positive < 3 && all[positive].weight > 0.0f) ++positive;
            REQUIRE(copy.reason_start[k + 1] - copy.reason_start[k] == positive);
            for (size_t j = 0; j < positive; ++j) {
                CHECK(copy.reasons[copy.reason_start[k] + j].item == all[j].item);
                CHECK(copy.reasons[copy.reason_start[k] + j].weight == all[j].weight);
            }
        }
    }
}

TEST_CASE("explanation contributions are exact and sum to the score", "[engine][explain]") {
    const MfKind kind = GENERATE(MfKind::Implicit, MfKind::Explicit);
    Fixture f = make_fixture(kind);
    const MfModelView view = f.model.view();
    const uint32_t m = view.user_dim();
    // A history with a repeated item, as a device may hold it.
    const std::vector<HistoryEntry> h = {{3, 4.0f}, {10, 2.0f}, {3, 5.0f}, {17, 1.5f}, {22, 3.5f}};
    for (uint32_t item : {0u, 5u, 11u, 39u}) {
        const Explanation& x = f.engine->explain(h.data(), h.size(), item);
        CHECK(x.additive);
        CHECK(x.model == ModelChoice::Mf);
        double sum = x.base;
        for (const Reason& r : x.contributions) sum += r.weight;
        CHECK(sum == Approx(x.score).margin(1e-5));
        CHECK(x.contributions.size() == 4);  // distinct history items

        // Independent: dense A, b for the merged history; c_i = w_i t_i f_i^T A^-1 f_item.
        std::map<uint32_t, float> merged;
        for (const HistoryEntry& e : h) {
            if (kind == MfKind::Implicit) merged[e.item] += e.value;
            else merged[e.item] = e.value;
        }
        auto feature = [&](uint32_t i) {
            Eigen::VectorXd v(m);
            for (uint32_t a = 0; a < view.items.dim; ++a) v(a) = view.items.rows[i * view.items.dim + a];
            if (view.items.append_one) v(view.items.dim) = 1.0;
            return v;
        };
        Eigen::MatrixXd A = Eigen::MatrixXd::Zero(m, m);
        if (view.gram)
            for (uint32_t a = 0; a < m; ++a)
                for (uint32_t b = 0; b < m; ++b) A(a, b) = view.gram[a * m + b];
        for (auto [i, v] : merged) {
            const double w = kind == MfKind::Implicit ? 1.0 + view.params.alpha * v : 1.0;
            const Eigen::VectorXd fi = feature(i);
            A += (kind == MfKind::Implicit ? w - 1.0 : w) * fi * fi.transpose();
        }
        A += effective_reg(view.params, merged.size()) * Eigen::MatrixXd::Identity(m, m);
        const Eigen::VectorXd z = A.ldlt().solve(feature(item));
        for (const Reason& r : x.contributions) {
            const float v = merged.at(r.item);
            const double w = kind == MfKind::Implicit ? 1.0 + view.params.alpha * v : 1.0;
            const double t = kind == MfKind::Implicit ? 1.0 : v - view.base_score(r.item);
            CHECK(r.weight == Approx(w * t * feature(r.item).dot(z)).margin(1e-5));
        }
    }
}

TEST_CASE("engine rejects bad history entries with a clear message", "[engine]") {
    Fixture f = make_fixture(MfKind::Implicit);
    const std::vector<HistoryEntry> unknown = {{1, 1.0f}, {40, 1.0f}};
    CHECK_THROWS_WITH(f.engine->recommend(unknown.data(), unknown.size(), {}),
                      Catch::Contains("history entry 1") && Catch::Contains("outside the catalog"));
    const std::vector<HistoryEntry> nan = {{1, std::nanf("")}};
    CHECK_THROWS_WITH(f.engine->recommend(nan.data(), nan.size(), {}),
                      Catch::Contains("not a finite number"));
    CHECK_THROWS_WITH(f.engine->explain(nullptr, 0, 99), Catch::Contains("outside the catalog"));
    // The engine still works after a rejected call.
    const std::vector<HistoryEntry> ok = {{1, 1.0f}};
    CHECK(f.engine->recommend(ok.data(), ok.size(), {}).items.size() == 10);
}

TEST_CASE("a user without history gets the most popular items", "[engine]") {
    Fixture f = make_fixture(MfKind::Implicit);
    RecommendOptions o;
    o.k = 5;
    const Recommendations& r = f.engine->recommend(nullptr, 0, o);
    REQUIRE(r.items.size() == 5);
    const Catalog& c = f.engine->catalog();
    std::vector<float> pop(c.size());
    for (uint32_t i = 0; i < c.size(); ++i) pop[i] = c.popularity(i);
    const auto want = top_k_by_sort(pop.data(), pop.size(), 5, nullptr);
    for (size_t k = 0; k < 5; ++k) {
        CHECK(r.items[k].index == want[k].index);
        CHECK(r.base[k] == r.items[k].score);
        CHECK(r.reason_start[k + 1] == r.reason_start[k]);  // no history, no reasons
    }
}

TEST_CASE("catalog comes through the bundle intact", "[engine]") {
    Fixture f = make_fixture(MfKind::Explicit);
    const Catalog& c = f.engine->catalog();
    REQUIRE(c.size() == 40);
    CHECK(c.id(7) == "item7");
    CHECK(c.title(7) == "Title 7");
    REQUIRE(c.item_tags(7).size == 1);
    CHECK(c.tag_name(c.item_tags(7)[0]) == "odd");
    CHECK(c.find("item12") == 12);
    CHECK(c.find("nope") == -1);
    // The hash index against a linear scan: every id, and near misses of each.
    const auto scan = [&](std::string_view id) -> int64_t {
        for (uint32_t j = 0; j < c.size(); ++j)
            if (c.id(j) == id) return j;
        return -1;
    };
    for (uint32_t i = 0; i < c.size(); ++i) {
        const std::string id(c.id(i));
        CHECK(c.find(id) == i);
        for (const std::string& probe : {id + "x", id.substr(0, id.size() - 1), "x" + id})
            CHECK(c.find(probe) == scan(probe));
    }
    CHECK(c.find("") == -1);
    CHECK(f.engine->bundle().has("catalog.id_order"));  // the search path; the hash path below
    CHECK(f.engine->meta_json() == "{\"model\":\"test\"}");
}

TEST_CASE("tag kinds come through the bundle; a bad kind is refused", "[engine][catalog]") {
    Fixture f = make_fixture(MfKind::Implicit);
    // The fixture's metadata names no kind: every tag is "other" and no section is written.
    CHECK_FALSE(f.engine->bundle().has("catalog.tag_kinds"));
    CHECK(f.engine->catalog().tag_kind(0) == TagKind::Other);

    ItemMetadata meta;
    for (uint32_t i = 0; i < 40; ++i)
        meta.items["item" + std::to_string(i)] = {"T", {i % 2 ? "odd" : "even", "any"}};
    meta.tag_kinds = {{"odd", TagKind::Mood}, {"even", TagKind::Genre}};
    const CatalogData catalog = build_catalog(f.data, meta);
    REQUIRE(catalog.tags == std::vector<std::string>{"any", "even", "odd"});
    CHECK(catalog.tag_kinds == std::vector<TagKind>{TagKind::Other, TagKind::Genre, TagKind::Mood});
    const auto engine = test::open_bundle(export_mf_bundle(f.model, catalog, "{}"));
    const Catalog& c = engine->catalog();
    for (uint32_t t = 0; t < c.tag_count(); ++t) CHECK(c.tag_kind(t) == catalog.tag_kinds[t]);

    CatalogData plain = catalog;
    plain.tag_kinds.clear();
    const auto with_section = [&](const std::vector<std::string>& kinds) {
        BundleWriter w = mf_bundle_writer(f.model, plain, "{}");
        w.add_strings("catalog.tag_kinds", kinds);
        return w.finish();
    };
    CHECK(test::open_bundle(with_section({"other", "genre", "series"}))->catalog().tag_kind(2) == TagKind::Series);
    CHECK(test::error_of([&] { test::open_bundle(with_section({"other", "genre", "happy"})); }, "bundle") ==
          "section 'catalog.tag_kinds': tag 2 has kind 'happy', not one of genre, mood, series, other");
    CHECK(test::contains(test::error_of([&] { test::open_bundle(with_section({"other", "genre"})); }, "bundle"),
                         "catalog.tag_kinds"));
}

TEST_CASE("catalog ids are found by the id order, by the hash table without it", "[engine]") {
    // Ids that share prefixes, differ only in length, sort differently as numbers and as
    // bytes, and use more than ASCII.
    Interactions data;
    data.intern_user("u");
    const std::vector<std::string> ids = {"10", "9", "1", "100", "item", "item-2", "item-10", "Item",
                                          "\xC3\xA9t\xC3\xA9", "z", "a b", "abc", "ab"};
    for (const std::string& id : ids) data.intern_item(id);
    for (uint32_t i = 0; i < ids.size(); ++i) data.events.push_back({0, i, 1.0f, i});
    const CatalogData catalog = build_catalog(data, {});
    BundleWriter with_order;
    write_catalog(with_order, catalog);
    const std::vector<uint8_t> bytes = with_order.finish();
    const BundleReader reader(bytes.data(), bytes.size());
    REQUIRE(reader.has("catalog.id_order"));
    const auto rewritten = [&](const std::function<void(BundleWriter&)>& id_order) {
        BundleWriter w;
        for (const SectionInfo& s : reader.sections())
            if (s.name != "catalog.id_order") w.add_copy(reader, s.name);
        id_order(w);
        return w.finish();
    };
    const std::vector<uint8_t> no_order = rewritten([](BundleWriter&) {});
    std::vector<uint32_t> reversed(ids.size());
    for (uint32_t i = 0; i < reversed.size(); ++i) reversed[i] = static_cast<uint32_t>(reversed.size() - 1 - i);
    const std::vector<uint8_t> disordered = rewritten([&](BundleWriter& w) {
        w.add_u32("catalog.id_order", reversed.data(), static_cast<uint32_t>(reversed.size()), 1);
    });
    const BundleReader reader_no_order(no_order.data(), no_order.size());
    const BundleReader reader_disordered(disordered.data(), disordered.size());
    const Catalog searched(reader), hashed(reader_no_order);
    // Issue 12: a disordered section is refused (it could hide a repeated id).
    CHECK_THROWS_WITH(Catalog(reader_disordered),
                      Catch::Contains("section 'catalog.id_order': ids are not in ascending order at index 2"));
    std::vector<std::string> probes = ids;
    for (const std::string& id : ids) probes.insert(probes.end(), {id + "0", id.substr(1), "#" + id});
    probes.push_back("");
    for (const std::string& probe : probes) {
        INFO("id '" << probe << "'");
        int64_t want = -1;  // a linear scan
        for (uint32_t i = 0; i < ids.size(); ++i)
            if (ids[i] == probe) want = i;
        CHECK(searched.find(probe) == want);
        CHECK(hashed.find(probe) == want);
    }

    uint32_t out_of_range[13];
    for (uint32_t i = 0; i < 13; ++i) out_of_range[i] = i == 5 ? 13 : i;
    const std::vector<uint8_t> bad = rewritten([&](BundleWriter& w) { w.add_u32("catalog.id_order", out_of_range, 13, 1); });
    const BundleReader reader_bad(bad.data(), bad.size());
    CHECK_THROWS_WITH(Catalog(reader_bad), Catch::Contains("catalog.id_order") && Catch::Contains("entry 5"));
}

TEST_CASE("catalog text that is not UTF-8 is repaired, not refused", "[engine][utf8]") {
    Interactions data;
    data.intern_user("u");
    data.intern_item("caf\xE9");  // Latin-1 e-acute
    data.intern_item("plain");
    data.events = {{0, 0, 1.0f, 0}, {0, 1, 1.0f, 1}};
    ItemMetadata meta;
    meta.items["caf\xE9"] = {"Caf\xE9 Society", {"dr\xE4ma"}};
    const CatalogData c = build_catalog(data, meta);
    CHECK(c.ids[0] == "caf\xEF\xBF\xBD");
    CHECK(c.titles[0] == "Caf\xEF\xBF\xBD Society");
    CHECK(c.tags == std::vector<std::string>{"dr\xEF\xBF\xBDma"});
    CHECK(repair_utf8("ok \xC3\xA9 \xC3") == "ok \xC3\xA9 \xEF\xBF\xBD");  // truncated sequence
    CHECK(is_valid_utf8(c.ids[0]));
}
