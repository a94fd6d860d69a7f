// The content model for new items: its ridge solve against an independent one and a case
// solved by hand, the catalog that includes new items, placing them in MF and SASRec models,
// the content.items section, and the synthetic world's new releases end to end.
#include <catch2/catch.hpp>

#include <Eigen/Dense>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/data/readers.h"
#include "core/data/synth.h"
#include "core/device/bundle/bundle.h"
#include "core/device/engine/catalog.h"
#include "core/device/engine/content_items.h"
#include "core/device/sasrec/sasrec_bundle.h"
#include "core/train/export/content_model.h"
#include "core/train/export/export.h"
#include "core/train/mf/rating_matrix.h"
#include "core/train/mf/trainer.h"

using Catch::Matchers::Contains;
using namespace hearth;
namespace fs = std::filesystem;

namespace {

struct OwnedBundle {
    std::vector<uint8_t> bytes;
    BundleReader reader;
    explicit OwnedBundle(std::vector<uint8_t> b) : bytes(std::move(b)), reader(bytes.data(), bytes.size()) {}
};

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Random tag lists (0-3 distinct tags each) and embeddings.
struct Problem {
    std::vector<std::vector<uint32_t>> tags;
    std::vector<float> embeddings;
};

Problem random_problem(uint32_t items, uint32_t tag_count, uint32_t dim, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    Problem p;
    p.tags.resize(items);
    for (auto& t : p.tags) {
        const uint32_t count = rng() % 4;
        std::set<uint32_t> s;
        while (s.size() < count) s.insert(static_cast<uint32_t>(rng() % tag_count));
        t.assign(s.begin(), s.end());
    }
    p.embeddings.resize(size_t{items} * dim);
    for (float& v : p.embeddings) v = normal(rng);
    return p;
}

}  // namespace

TEST_CASE("content model: the ridge solve matches an independent least-squares solve", "[content]") {
    const uint32_t n = 80, tags = 7, dim = 5;
    const Problem p = random_problem(n, tags, dim, 11);
    std::vector<uint32_t> fit;
    for (uint32_t i = 0; i < n; i += 1 + (i % 3 == 0)) fit.push_back(i);
    ContentModelConfig config;
    config.reg = 0.7;
    const ContentModel model = ContentModel::fit(p.tags, tags, p.embeddings.data(), dim, fit, config);

    // Independently: the ridge problem as an ordinary least-squares one, [X; sqrt(reg) [I 0]]
    // W = [V; 0], solved by QR without forming the normal equations.
    const auto rows = static_cast<Eigen::Index>(fit.size() + tags);
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(rows, tags + 1);
    Eigen::MatrixXd v = Eigen::MatrixXd::Zero(rows, dim);
    std::set<uint32_t> seen;
    for (size_t r = 0; r < fit.size(); ++r) {
        const auto& t = p.tags[fit[r]];
        for (uint32_t tag : t) {
            x(static_cast<Eigen::Index>(r), tag) = 1.0 / std::sqrt(static_cast<double>(t.size()));
            seen.insert(tag);
        }
        x(static_cast<Eigen::Index>(r), tags) = 1.0;
        for (uint32_t k = 0; k < dim; ++k)
            v(static_cast<Eigen::Index>(r), k) = p.embeddings[size_t{fit[r]} * dim + k];
    }
    REQUIRE(seen.size() == tags);  // every tag is a feature, so both solves have the same columns
    for (uint32_t t = 0; t < tags; ++t)
        x(static_cast<Eigen::Index>(fit.size() + t), t) = std::sqrt(config.reg);
    const Eigen::MatrixXd w = x.householderQr().solve(v);

    const std::vector<std::vector<uint32_t>> queries = {{}, {0}, {3}, {1, 4}, {0, 2, 6}, {5, 6}};
    for (const auto& q : queries) {
        Eigen::RowVectorXd xq = Eigen::RowVectorXd::Zero(tags + 1);
        for (uint32_t tag : q) xq(tag) = 1.0 / std::sqrt(static_cast<double>(q.size()));
        xq(tags) = 1.0;
        const Eigen::RowVectorXd expected = xq * w;
        std::vector<float> got(dim);
        model.predict(q, got.data());
        for (uint32_t k = 0; k < dim; ++k) CHECK(got[k] == Approx(expected(k)).margin(1e-5));
    }
}

TEST_CASE("content model: a case solved by hand", "[content]") {
    // One tag, 1-d embeddings: tagged items 2 and 4, untagged 0 and 2, reg 1. Normal
    // equations [[2 + 1, 2], [2, 4]] [w_tag, b] = [6, 8] give w_tag = 1, b = 1.5.
    const std::vector<std::vector<uint32_t>> tags = {{0}, {0}, {}, {}};
    const std::vector<float> emb = {2.0f, 4.0f, 0.0f, 2.0f};
    const ContentModel m = ContentModel::fit(tags, 1, emb.data(), 1, {0, 1, 2, 3});
    float out = 0.0f;
    m.predict({0}, &out);
    CHECK(out == Approx(2.5));
    m.predict({}, &out);
    CHECK(out == Approx(1.5));
    m.predict({0, 0}, &out);  // a repeated tag counts once
    CHECK(out == Approx(2.5));
}

TEST_CASE("content model: a new item with a training item's tags lands on their mean", "[content]") {
    // Three groups with disjoint tag sets, items scattered around each group's centre.
    const uint32_t dim = 4, per_group = 30;
    const std::vector<std::vector<uint32_t>> group_tags = {{0}, {1}, {2, 3}};
    const std::vector<std::vector<float>> centre = {
        {2, 0, 0, 1}, {0, -2, 1, 0}, {-1, 1, 3, -2}};
    std::mt19937 rng(5);
    std::normal_distribution<float> noise(0.0f, 0.3f);
    std::vector<std::vector<uint32_t>> tags;
    std::vector<float> emb;
    std::vector<std::vector<double>> mean(3, std::vector<double>(dim, 0.0));
    for (uint32_t g = 0; g < 3; ++g)
        for (uint32_t i = 0; i < per_group; ++i) {
            tags.push_back(group_tags[g]);
            for (uint32_t k = 0; k < dim; ++k) {
                emb.push_back(centre[g][k] + noise(rng));
                mean[g][k] += emb.back() / per_group;
            }
        }
    std::vector<uint32_t> fit(tags.size());
    for (uint32_t i = 0; i < fit.size(); ++i) fit[i] = i;
    ContentModelConfig config;
    config.reg = 0.05;
    const ContentModel m = ContentModel::fit(tags, 5, emb.data(), dim, fit, config);
    for (uint32_t g = 0; g < 3; ++g) {
        std::vector<float> got(dim);
        m.predict(group_tags[g], got.data());
        for (uint32_t k = 0; k < dim; ++k) CHECK(got[k] == Approx(mean[g][k]).margin(0.02));
    }
    // Tag 4 never occurs on a fit item: it adds nothing, neither weight nor dilution.
    std::vector<float> with_unknown(dim), without(dim);
    m.predict({2, 3, 4}, with_unknown.data());
    m.predict({2, 3}, without.data());
    CHECK(with_unknown == without);
}

TEST_CASE("content model: refuses what it cannot fit", "[content]") {
    const std::vector<std::vector<uint32_t>> tags = {{0}, {5}};
    const std::vector<float> emb = {1.0f, 2.0f};
    CHECK_THROWS_WITH(ContentModel::fit(tags, 2, emb.data(), 1, {}), Contains("no item with training events"));
    CHECK_THROWS_WITH(ContentModel::fit(tags, 2, emb.data(), 1, {0, 1}), Contains("item 1 has tag 5"));
    ContentModelConfig bad;
    bad.reg = 0.0;
    CHECK_THROWS_WITH(ContentModel::fit(tags, 6, emb.data(), 1, {0}, bad), Contains("reg must be"));
}

TEST_CASE("content model: the catalog takes metadata items with tags after the rated ones", "[content]") {
    Interactions data;
    const uint32_t u = data.intern_user("u");
    data.events.push_back({u, data.intern_item("2"), 1.0f, 0});
    data.events.push_back({u, data.intern_item("10"), 1.0f, 1});
    data.events.push_back({u, data.intern_item("2"), 1.0f, 2});
    ItemMetadata meta;
    meta.items["2"] = {"Two", {"Drama"}};
    meta.items["10"] = {"Ten", {"Comedy"}};
    meta.items["9"] = {"Nine", {"Horror", "Drama"}};
    meta.items["100"] = {"Hundred", {"Comedy"}};
    meta.items["x1"] = {"", {"Western"}};
    meta.items["11"] = {"Eleven, untagged", {}};

    const CatalogData rated = build_catalog(data, meta);
    CHECK(rated.ids == std::vector<std::string>{"2", "10"});
    CHECK(rated.tags == std::vector<std::string>{"Comedy", "Drama"});

    const CatalogData all = build_catalog(data, meta, CatalogScope::WithNewItems);
    CHECK(all.ids == std::vector<std::string>{"2", "10", "9", "100", "x1"});
    CHECK(all.titles == std::vector<std::string>{"Two", "Ten", "Nine", "Hundred", "x1"});
    CHECK(all.popularity == std::vector<float>{2, 1, 0, 0, 0});
    CHECK(all.tags == std::vector<std::string>{"Comedy", "Drama", "Horror", "Western"});
    CHECK(all.item_tags[2] == std::vector<uint32_t>{2, 1});
    CHECK(content_placed_items(all) == std::vector<uint32_t>{2, 3, 4});
}

namespace {

// Two taste groups over 30 items tagged by group; items 30.. are new, with a group's tag.
struct MfFixture {
    Interactions data;
    ItemMetadata meta;
    MfModel model;
};

MfFixture mf_fixture(MfKind kind) {
    MfFixture f;
    const uint32_t items = 30, users = 40;
    std::mt19937 rng(3);
    for (uint32_t i = 0; i < items; ++i) f.data.intern_item("i" + std::to_string(i));
    for (uint32_t u = 0; u < users; ++u) {
        const uint32_t uid = f.data.intern_user("u" + std::to_string(u));
        for (int k = 0; k < 8; ++k) {
            const uint32_t item = static_cast<uint32_t>(rng() % (items / 2)) * 2 + u % 2;
            f.data.events.push_back({uid, item, kind == MfKind::Explicit ? 1.0f + float(item % 5) : 1.0f, k});
        }
    }
    for (uint32_t i = 0; i < items + 4; ++i)
        f.meta.items["i" + std::to_string(i)] = {"", {i % 2 ? "odd" : "even"}};
    MfConfig c;
    c.params.kind = kind;
    c.params.reg = 0.5f;
    c.factors = 6;
    c.iterations = 5;
    f.model = train_mf(RatingMatrix::build(users, items, f.data.events, kind), c);
    return f;
}

}  // namespace

TEST_CASE("content model: MF models grow to the catalog with predicted rows", "[content]") {
    const MfKind kind = GENERATE(MfKind::Implicit, MfKind::Explicit);
    MfFixture f = mf_fixture(kind);
    const MfModel trained = f.model;
    const CatalogData catalog = build_catalog(f.data, f.meta, CatalogScope::WithNewItems);
    REQUIRE(catalog.ids.size() == 34);
    const std::vector<uint32_t> placed = content_placed_items(catalog);
    REQUIRE(placed == std::vector<uint32_t>{30, 31, 32, 33});
    place_mf_items(f.model, catalog, placed);

    const uint32_t d = f.model.dim;
    REQUIRE(f.model.items() == 34);
    // Trained rows and the Gram matrix are untouched: users fold in exactly as before.
    CHECK(std::equal(trained.item_factors.begin(), trained.item_factors.end(), f.model.item_factors.begin()));
    CHECK(f.model.gram == trained.gram);
    // The new rows are the content model's prediction from the trained items.
    std::vector<uint32_t> fit;
    for (uint32_t i = 0; i < 30; ++i)
        if (catalog.popularity[i] > 0.0f) fit.push_back(i);
    const bool biased = kind == MfKind::Explicit;
    const uint32_t out_dim = d + (biased ? 1 : 0);
    std::vector<float> targets;
    for (uint32_t i = 0; i < 30; ++i) {
        targets.insert(targets.end(), trained.item_factors.begin() + i * d, trained.item_factors.begin() + (i + 1) * d);
        if (biased) targets.push_back(trained.item_bias[i]);
    }
    const ContentModel content = ContentModel::fit(catalog.item_tags, 2, targets.data(), out_dim, fit);
    for (uint32_t i : placed) {
        std::vector<float> expected(out_dim);
        content.predict(catalog.item_tags[i], expected.data());
        for (uint32_t k = 0; k < d; ++k) CHECK(f.model.item_factors[size_t{i} * d + k] == expected[k]);
        if (biased) CHECK(f.model.item_bias[i] == expected[d]);
    }
    // An "odd" new item sits with the odd items the odd users watched: closer to their mean.
    // (Implicit only: explicit factors model rating residuals, not who watched what.)
    std::vector<double> odd(d, 0.0), even(d, 0.0);
    for (uint32_t i = 0; i < 30; ++i)
        for (uint32_t k = 0; k < d; ++k) (i % 2 ? odd : even)[k] += trained.item_factors[i * d + k] / 15.0;
    double to_odd = 0.0, to_even = 0.0;
    for (uint32_t k = 0; k < d; ++k) {
        const double v = f.model.item_factors[size_t{31} * d + k];
        to_odd += (v - odd[k]) * (v - odd[k]);
        to_even += (v - even[k]) * (v - even[k]);
    }
    if (!biased) CHECK(to_odd < to_even);

    const std::vector<uint8_t> bytes = [&] {
        BundleWriter w = mf_bundle_writer(f.model, catalog, "{}");
        write_content_items(w, placed);
        return w.finish();
    }();
    const OwnedBundle b(bytes);
    const ContentItems content_items(b.reader, 34);
    for (uint32_t i = 0; i < 34; ++i) CHECK(content_items.is_content_placed(i) == (i >= 30));
}

TEST_CASE("content model: SASRec item embeddings grow to the catalog", "[content]") {
    MfFixture f = mf_fixture(MfKind::Implicit);
    const CatalogData catalog = build_catalog(f.data, f.meta, CatalogScope::WithNewItems);
    SasrecConfig c;
    c.items = 30;
    c.dim = 8;
    c.ffn_dim = 8;
    SasrecWeights w(c);
    std::mt19937 rng(9);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (auto& t : w.tensors)
        for (float& v : t) v = normal(rng);
    const std::vector<float> trained = w.tensors[0];
    const std::vector<uint32_t> placed = content_placed_items(catalog);
    place_sasrec_items(w, catalog, placed);
    CHECK(w.config.items == 34);
    REQUIRE(w.tensors[0].size() == 34u * 8u);
    CHECK(std::equal(trained.begin(), trained.end(), w.tensors[0].begin()));
    std::vector<uint32_t> fit(30);
    for (uint32_t i = 0; i < 30; ++i) fit[i] = i;
    const ContentModel content = ContentModel::fit(catalog.item_tags, 2, trained.data(), 8, fit);
    std::vector<float> expected(8);
    content.predict(catalog.item_tags[33], expected.data());
    CHECK(std::equal(expected.begin(), expected.end(), w.tensors[0].begin() + 33 * 8));
    BundleWriter bw;
    write_sasrec(bw, w);  // the grown model is a valid one
    CHECK_NOTHROW(bw.finish());
}

TEST_CASE("content model: a model bigger than the catalog is refused", "[content]") {
    MfFixture f = mf_fixture(MfKind::Implicit);
    Interactions fewer;
    fewer.intern_item("i0");
    const CatalogData small = build_catalog(fewer, f.meta);
    CHECK_THROWS_WITH(place_mf_items(f.model, small, {}), Contains("has 30 items but the catalog only 1"));
}

TEST_CASE("content items: the section is validated on reading", "[content]") {
    BundleWriter w;
    w.add_json("meta", "{}");
    SECTION("absent: nothing is content-placed") {
        const OwnedBundle b(w.finish());
        const ContentItems c(b.reader, 10);
        CHECK(c.items().size == 0);
        CHECK_FALSE(c.is_content_placed(3));
        return;
    }
    std::vector<uint32_t> items;
    std::string message;
    SECTION("not ascending") {
        items = {1, 5, 4};
        message = "section 'content.items': items are not strictly ascending at entry 2";
    }
    SECTION("a duplicate") {
        items = {1, 5, 5};
        message = "section 'content.items': items are not strictly ascending at entry 2";
    }
    SECTION("past the catalog") {
        items = {1, 10};
        message = "section 'content.items': item 10 at entry 1 is not one of the 10 catalog items";
    }
    w.add_u32("content.items", items.data(), static_cast<uint32_t>(items.size()), 1);
    const OwnedBundle b(w.finish());
    CHECK_THROWS_WITH(ContentItems(b.reader, 10), Contains(message));
}

TEST_CASE("content items: a section of the wrong type or shape is refused", "[content]") {
    BundleWriter w;
    const float items[2] = {1, 2};
    w.add_f32("content.items", items, 2, 1);
    const OwnedBundle b(w.finish());
    CHECK_THROWS_WITH(ContentItems(b.reader, 10), Contains("section 'content.items': is f32, expected u32"));

    BundleWriter w2;
    const uint32_t wide[2] = {1, 2};
    w2.add_u32("content.items", wide, 1, 2);
    const OwnedBundle b2(w2.finish());
    CHECK_THROWS_WITH(ContentItems(b2.reader, 10), Contains("section 'content.items': shape 1 x 2"));

    BundleWriter w3;
    CHECK_THROWS_AS(write_content_items(w3, {3, 1}), Error);
}

TEST_CASE("content model: the synthetic world's new releases end up in the bundle", "[content]") {
    SynthConfig config;
    config.items = 300;
    config.users = 120;
    config.mean_history = 15.0f;
    config.seed = 4;
    const SynthWorld world = generate_synth_world(config);
    REQUIRE(world.new_releases.size() == 40);
    SynthConfig without = config;
    without.new_releases = 0;
    const fs::path dir = fs::temp_directory_path() / "hearth_test_content";
    fs::remove_all(dir);
    write_synth_world(world, (dir / "with").string());
    write_synth_world(generate_synth_world(without), (dir / "without").string());

    // New releases change items.csv by appending lines, and nothing else.
    CHECK(read_all(dir / "with" / "ratings.csv") == read_all(dir / "without" / "ratings.csv"));
    const std::string items_with = read_all(dir / "with" / "items.csv");
    const std::string items_without = read_all(dir / "without" / "items.csv");
    REQUIRE(items_with.size() > items_without.size());
    CHECK(items_with.compare(0, items_without.size(), items_without) == 0);

    const Dataset d = load_dataset((dir / "with").string(), DataFormat::Auto, "");
    CHECK(d.interactions.item_ids.size() <= config.items);  // unrated items are not in the log
    MfConfig mc;
    mc.factors = 8;
    mc.iterations = 4;
    MfModel model = train_mf(RatingMatrix::build(static_cast<uint32_t>(d.interactions.user_ids.size()),
                                                 static_cast<uint32_t>(d.interactions.item_ids.size()),
                                                 d.interactions.events, MfKind::Implicit),
                             mc);
    const CatalogData catalog = build_catalog(d.interactions, d.metadata, CatalogScope::WithNewItems);
    const std::vector<uint32_t> placed = content_placed_items(catalog);
    place_mf_items(model, catalog, placed);
    BundleWriter w = mf_bundle_writer(model, catalog, "{}");
    write_content_items(w, placed);
    const OwnedBundle b(w.finish());

    const Catalog bundle_catalog(b.reader);
    const ContentItems content(b.reader, bundle_catalog.size());
    const MfModelView mf = read_mf_model(b.reader);
    CHECK(bundle_catalog.size() == d.interactions.item_ids.size() + content.items().size);
    for (const std::string& id : world.new_releases) {
        INFO(id);
        const int64_t item = bundle_catalog.find(id);
        REQUIRE(item >= 0);
        const auto i = static_cast<uint32_t>(item);
        CHECK(item >= static_cast<int64_t>(d.interactions.item_ids.size()));
        CHECK(content.is_content_placed(i));
        CHECK(bundle_catalog.popularity(i) == 0.0f);
        CHECK(bundle_catalog.title(i) == world.metadata.items.at(id).title);
        double norm = 0.0;
        for (uint32_t k = 0; k < mf.items.dim; ++k) norm += std::abs(mf.items.rows[size_t{i} * mf.items.dim + k]);
        CHECK(norm > 0.0);
    }
    // Only items without events are content-placed.
    for (uint32_t i : content.items()) CHECK(bundle_catalog.popularity(i) == 0.0f);
    fs::remove_all(dir);
}
