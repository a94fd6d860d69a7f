// Mood maps: the default map built from a catalog's tags, its round trip through a real
// bundle, and one test per malformed mood section, each built with the writer and asserting
// that the message names the section.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/data/synth.h"
#include "core/device/bundle/bundle.h"
#include "core/device/engine/catalog.h"
#include "core/device/engine/moods.h"
#include "core/train/export/export.h"
#include "core/train/export/mood_map.h"

using Catch::Matchers::Contains;
using namespace hearth;

namespace {

const std::vector<std::string> kMovieLensGenres = {
    "Action",  "Adventure", "Animation", "Children", "Comedy",   "Crime",   "Documentary",
    "Drama",   "Fantasy",   "Film-Noir", "Horror",   "IMAX",     "Musical", "Mystery",
    "Romance", "Sci-Fi",    "Thriller",  "War",      "Western"};

// mood name -> tag name -> weight
std::map<std::string, std::map<std::string, float>> by_name(const MoodMap& map,
                                                            const std::vector<std::string>& tags) {
    std::map<std::string, std::map<std::string, float>> out;
    for (size_t m = 0; m < map.names.size(); ++m)
        for (const auto& [tag, weight] : map.weights[m]) out[map.names[m]][tags[tag]] = weight;
    return out;
}

// The invariants every map must keep, whatever the tags.
void check_well_formed(const MoodMap& map, size_t tag_count) {
    REQUIRE(map.names.size() == map.weights.size());
    CHECK(std::set<std::string>(map.names.begin(), map.names.end()).size() == map.names.size());
    for (const auto& weights : map.weights) {
        bool positive = false;
        for (size_t k = 0; k < weights.size(); ++k) {
            CHECK(weights[k].first < tag_count);
            if (k > 0) CHECK(weights[k].first > weights[k - 1].first);
            CHECK(std::isfinite(weights[k].second));
            CHECK(weights[k].second >= -1.0f);
            CHECK(weights[k].second <= 1.0f);
            positive = positive || weights[k].second > 0.0f;
        }
        CHECK(positive);
    }
}

struct OwnedBundle {
    std::vector<uint8_t> bytes;
    BundleReader reader;
    explicit OwnedBundle(const BundleWriter& w) : bytes(w.finish()), reader(bytes.data(), bytes.size()) {}
};

void add_moods(BundleWriter& w, const std::vector<std::string>& names,
               const std::vector<uint32_t>& offsets, const std::vector<uint32_t>& tags,
               const std::vector<float>& weights) {
    w.add_strings("mood.names", names);
    w.add_u32("mood.offsets", offsets.data(), static_cast<uint32_t>(offsets.size()), 1);
    w.add_u32("mood.tags", tags.data(), static_cast<uint32_t>(tags.size()), 1);
    w.add_f32("mood.weights", weights.data(), static_cast<uint32_t>(weights.size()), 1);
}

std::string read_error(const BundleWriter& w, uint32_t tag_count) {
    const OwnedBundle b(w);
    try {
        MoodTable table(b.reader, tag_count);
    } catch (const Error& e) {
        CHECK(e.code() == "bundle");
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("mood map: MovieLens genres give moods with related and opposite genres", "[mood]") {
    const MoodMap map = default_mood_map(kMovieLensGenres);
    check_well_formed(map, kMovieLensGenres.size());
    const auto moods = by_name(map, kMovieLensGenres);
    for (const char* name : {"cozy", "thrilling", "uplifting", "dark", "funny", "romantic",
                             "thoughtful", "tense", "whimsical", "melancholic", "family night"})
        CHECK(moods.count(name) == 1);

    CHECK(moods.at("cozy").at("Comedy") > 0.0f);
    CHECK(moods.at("cozy").at("Horror") < 0.0f);
    CHECK(moods.at("funny").at("Comedy") >= 0.5f);
    CHECK(moods.at("funny").at("War") < 0.0f);
    CHECK(moods.at("dark").at("Film-Noir") > 0.5f);  // punctuation and case do not matter
    CHECK(moods.at("dark").at("Children") < 0.0f);
    CHECK(moods.at("thrilling").at("Action") > 0.5f);
    CHECK(moods.at("thrilling").at("Sci-Fi") > 0.0f);
    CHECK(moods.at("romantic").at("Romance") > 0.5f);
    CHECK(moods.at("thoughtful").at("Documentary") > 0.5f);
    CHECK(moods.at("family night").at("Children") > 0.5f);
    CHECK(moods.at("family night").at("Horror") < 0.0f);
    // No genre is the mood's own word here, so nothing weighs a full 1 but a spelling variant.
    for (const auto& [mood, weights] : moods)
        for (const auto& [tag, weight] : weights) CHECK(weight < 1.0f);
}

TEST_CASE("mood map: MovieLens 1M spelling of Children's matches", "[mood]") {
    const std::vector<std::string> tags = {"Children's", "Horror"};
    const auto moods = by_name(default_mood_map(tags), tags);
    CHECK(moods.at("family night").at("Children's") > 0.5f);
}

TEST_CASE("mood map: the synthetic world's mood tags weigh 1 on themselves", "[mood]") {
    SynthConfig config;
    config.items = 300;
    config.users = 50;
    const SynthWorld world = generate_synth_world(config);
    const CatalogData catalog = build_catalog(world.interactions, world.metadata);
    const MoodMap map = default_mood_map(catalog.tags);
    check_well_formed(map, catalog.tags.size());
    const auto moods = by_name(map, catalog.tags);
    const std::vector<std::string> synth_moods = {"cozy",     "thrilling",  "uplifting", "dark",
                                                  "funny",    "romantic",   "thoughtful", "tense",
                                                  "whimsical", "melancholic"};
    for (const std::string& mood : synth_moods) {
        INFO(mood);
        REQUIRE(moods.count(mood) == 1);
        CHECK(moods.at(mood).at(mood) == 1.0f);
    }
    // Moods that are tags relate to each other too.
    CHECK(moods.at("cozy").at("tense") < 0.0f);
    CHECK(moods.at("dark").at("uplifting") < 0.0f);
}

TEST_CASE("mood map: a Chinese synthetic world gets the same moods, named in Chinese", "[mood]") {
    SynthConfig config;
    config.items = 300;
    config.users = 50;
    const SynthWorld en = generate_synth_world(config);
    config.language = SynthLanguage::Chinese;
    const SynthWorld zh = generate_synth_world(config);
    // Each English tag and its Chinese counterpart, from the items' tag lists.
    std::map<std::string, std::string> chinese;
    for (const auto& [id, info] : en.metadata.items) {
        const auto& other = zh.metadata.items.at(id).tags;
        REQUIRE(other.size() == info.tags.size());
        for (size_t t = 0; t < info.tags.size(); ++t) chinese[info.tags[t]] = other[t];
    }
    const CatalogData en_catalog = build_catalog(en.interactions, en.metadata);
    const CatalogData zh_catalog = build_catalog(zh.interactions, zh.metadata);
    const MoodMap en_map = default_mood_map(en_catalog.tags);
    const MoodMap zh_map = default_mood_map(zh_catalog.tags);
    check_well_formed(zh_map, zh_catalog.tags.size());
    REQUIRE(en_map.names.size() == 12);  // the synth's ten moods, family night, short attention
    REQUIRE(zh_map.names.size() == en_map.names.size());
    const auto en_moods = by_name(en_map, en_catalog.tags);
    const auto zh_moods = by_name(zh_map, zh_catalog.tags);
    for (size_t m = 0; m < en_map.names.size(); ++m) {
        INFO(en_map.names[m] << " / " << zh_map.names[m]);
        std::map<std::string, float> expected;
        for (const auto& [tag, weight] : en_moods.at(en_map.names[m])) expected[chinese.at(tag)] = weight;
        CHECK(zh_moods.at(zh_map.names[m]) == expected);
    }
    CHECK(zh_map.names[0] == "温馨");
    CHECK(zh_moods.at("温馨").at("温馨") == 1.0f);
    CHECK(zh_moods.at("温馨").at("喜剧") > 0.0f);
    CHECK(zh_moods.at("温馨").at("恐怖") < 0.0f);
    CHECK(zh_moods.at("合家欢").at("动画") > 0.5f);
}

TEST_CASE("mood map: moods are named in the language most tags are in", "[mood]") {
    SECTION("Chinese genres") {
        const std::vector<std::string> tags = {"喜剧", "恐怖", "爱情", "纪录片", "战争"};
        const auto moods = by_name(default_mood_map(tags), tags);
        CHECK(moods.at("温馨").at("喜剧") == 0.5f);  // as cozy weighs Comedy
        CHECK(moods.at("温馨").at("恐怖") == -0.7f);
        CHECK(moods.at("浪漫").at("爱情") == 0.9f);
        CHECK(moods.at("深思").at("纪录片") == 0.8f);
        CHECK(moods.count("cozy") == 0);
    }
    SECTION("mostly English, one Chinese tag: English names, the Chinese tag still weighed") {
        const std::vector<std::string> tags = {"Comedy", "Horror", "Romance", "喜剧"};
        const auto moods = by_name(default_mood_map(tags), tags);
        CHECK(moods.at("cozy").at("Comedy") == 0.5f);
        CHECK(moods.at("cozy").at("喜剧") == 0.5f);
        CHECK(moods.count("温馨") == 0);
    }
}

TEST_CASE("mood map: a mood that could only demote is dropped", "[mood]") {
    // Horror is opposite to cozy, uplifting and family night, and related to nothing else
    // of theirs here.
    const std::vector<std::string> tags = {"Horror"};
    const auto moods = by_name(default_mood_map(tags), tags);
    CHECK(moods.count("cozy") == 0);
    CHECK(moods.count("family night") == 0);
    CHECK(moods.count("dark") == 1);
    CHECK(moods.count("tense") == 1);
}

TEST_CASE("mood map: without a lexicon match, the most frequent tags become contexts", "[mood]") {
    const std::vector<std::string> tags = {"bebop", "blues", "fado",  "gospel", "grunge",
                                           "jazz",  "polka", "punk",  "salsa",  "ska"};
    const std::vector<float> frequency = {5, 1, 9, 0, 3, 9, 2, 7, 4, 6};
    const MoodMap map = default_mood_map(tags, frequency);
    check_well_formed(map, tags.size());
    // Most frequent first, ties in tag order, at most 8; frequency 0 never.
    CHECK(map.names == std::vector<std::string>{"fado", "jazz", "punk", "ska", "bebop", "salsa",
                                                "grunge", "polka"});
    for (size_t m = 0; m < map.names.size(); ++m) {
        REQUIRE(map.weights[m].size() == 1);
        CHECK(tags[map.weights[m][0].first] == map.names[m]);
        CHECK(map.weights[m][0].second == 1.0f);
    }

    SECTION("without frequencies: tag order") {
        const MoodMap plain = default_mood_map({"bebop", "blues", "fado"});
        CHECK(plain.names == std::vector<std::string>{"bebop", "blues", "fado"});
    }
    SECTION("no tags: no moods") {
        CHECK(default_mood_map({}).names.empty());
    }
    SECTION("a frequency list of the wrong length is refused") {
        CHECK_THROWS_AS(default_mood_map(tags, {1.0f}), Error);
    }
}

TEST_CASE("mood map: write -> read round trip through a real bundle", "[mood]") {
    const MoodMap map = default_mood_map(kMovieLensGenres);
    BundleWriter w;
    write_mood_sections(w, map);
    const OwnedBundle b(w);
    const auto tags = static_cast<uint32_t>(kMovieLensGenres.size());
    const MoodTable table(b.reader, tags);
    REQUIRE(table.size() == map.names.size());
    std::vector<float> dense(tags, std::numeric_limits<float>::quiet_NaN());
    for (uint32_t m = 0; m < table.size(); ++m) {
        CHECK(table.name(m) == map.names[m]);
        CHECK(table.find(map.names[m]) == m);
        table.weights(m, dense.data());
        std::vector<float> expected(tags, 0.0f);
        for (const auto& [tag, weight] : map.weights[m]) expected[tag] = weight;
        CHECK(dense == expected);
    }
    CHECK(table.find("no such mood") == -1);
    CHECK_THROWS_AS(table.weights(table.size(), dense.data()), Error);
}

TEST_CASE("mood map: every exported catalog carries its moods", "[mood]") {
    SynthConfig config;
    config.items = 200;
    config.users = 40;
    const SynthWorld world = generate_synth_world(config);
    const CatalogData data = build_catalog(world.interactions, world.metadata);
    BundleWriter w;
    write_catalog(w, data);
    const OwnedBundle b(w);
    const Catalog catalog(b.reader);
    const MoodTable table(b.reader, catalog.tag_count());
    REQUIRE(table.find("cozy") >= 0);
    std::vector<float> weights(catalog.tag_count());
    table.weights(static_cast<uint32_t>(table.find("cozy")), weights.data());
    for (uint32_t t = 0; t < catalog.tag_count(); ++t)
        if (catalog.tag_name(t) == "cozy") CHECK(weights[t] == 1.0f);
}

TEST_CASE("mood map: a bundle without mood sections has no moods", "[mood]") {
    BundleWriter w;
    w.add_json("meta", "{}");
    const OwnedBundle b(w);
    const MoodTable table(b.reader, 5);
    CHECK(table.size() == 0);
    CHECK(table.find("cozy") == -1);
}

TEST_CASE("mood map: an empty map round-trips as no moods", "[mood]") {
    BundleWriter w;
    write_mood_sections(w, MoodMap{});
    const OwnedBundle b(w);
    CHECK(MoodTable(b.reader, 0).size() == 0);
}

TEST_CASE("mood map: malformed sections are rejected, naming the section", "[mood]") {
    const std::vector<std::string> names = {"cozy", "dark"};
    BundleWriter w;
    SECTION("a section missing") {
        w.add_strings("mood.names", names);
        const uint32_t offsets[3] = {0, 1, 2};
        w.add_u32("mood.offsets", offsets, 3, 1);
        const uint32_t tags[2] = {0, 1};
        w.add_u32("mood.tags", tags, 2, 1);
        CHECK_THAT(read_error(w, 4), Contains("section 'mood.weights': missing"));
    }
    SECTION("offsets count is not moods + 1") {
        add_moods(w, names, {0, 2}, {0, 1}, {0.5f, 0.5f});
        CHECK_THAT(read_error(w, 4), Contains("section 'mood.offsets'") && Contains("2 offsets for 2 moods"));
    }
    SECTION("first offset is not 0") {
        add_moods(w, names, {1, 1, 2}, {0, 1}, {0.5f, 0.5f});
        CHECK_THAT(read_error(w, 4), Contains("section 'mood.offsets': first offset is not 0"));
    }
    SECTION("offsets decrease") {
        add_moods(w, names, {0, 2, 1}, {0, 1}, {0.5f, 0.5f});
        CHECK_THAT(read_error(w, 4), Contains("section 'mood.offsets': offsets decrease at mood 1 ('dark')"));
    }
    SECTION("last offset does not match the tag count") {
        add_moods(w, names, {0, 1, 1}, {0, 1}, {0.5f, 0.5f});
        CHECK_THAT(read_error(w, 4), Contains("section 'mood.offsets': last offset 1 != 2"));
    }
    SECTION("weights and tags differ in count") {
        add_moods(w, names, {0, 1, 2}, {0, 1}, {0.5f});
        CHECK_THAT(read_error(w, 4), Contains("section 'mood.weights': 1 weights for 2 tags"));
    }
    SECTION("a tag index past the catalog's tags") {
        add_moods(w, names, {0, 1, 2}, {0, 4}, {0.5f, 0.5f});
        CHECK_THAT(read_error(w, 4), Contains("section 'mood.tags': tag 4 at entry 1 (mood 1 ('dark'))") &&
                                         Contains("not one of the 4 catalog tags"));
    }
    SECTION("tags repeated within a mood") {
        add_moods(w, names, {0, 2, 2}, {3, 3}, {0.5f, 0.5f});
        CHECK_THAT(read_error(w, 4), Contains("section 'mood.tags': tag indices are not strictly ascending at entry 1"));
    }
    SECTION("a weight above 1") {
        add_moods(w, names, {0, 1, 2}, {0, 1}, {0.5f, 1.5f});
        CHECK_THAT(read_error(w, 4), Contains("section 'mood.weights': weight at entry 1 (mood 1 ('dark'))"));
    }
    SECTION("a weight that is not a number") {
        add_moods(w, names, {0, 1, 2}, {0, 1}, {std::nanf(""), 0.5f});
        CHECK_THAT(read_error(w, 4), Contains("section 'mood.weights': weight at entry 0 (mood 0 ('cozy'))"));
    }
    SECTION("an infinite weight") {
        add_moods(w, names, {0, 1, 2}, {0, 1}, {0.5f, -std::numeric_limits<float>::infinity()});
        CHECK_THAT(read_error(w, 4), Contains("section 'mood.weights'"));
    }
    SECTION("a name used twice") {
        add_moods(w, {"cozy", "cozy"}, {0, 1, 2}, {0, 1}, {0.5f, 0.5f});
        CHECK_THAT(read_error(w, 4), Contains("section 'mood.names': mood 1 ('cozy') has the name of an earlier mood"));
    }
    SECTION("a section of the wrong type") {
        w.add_strings("mood.names", names);
        const float offsets[3] = {0, 1, 2};
        w.add_f32("mood.offsets", offsets, 3, 1);
        const uint32_t tags[2] = {0, 1};
        w.add_u32("mood.tags", tags, 2, 1);
        w.add_f32("mood.weights", offsets, 2, 1);
        CHECK_THAT(read_error(w, 4), Contains("section 'mood.offsets': is f32, expected u32"));
    }
}

TEST_CASE("mood map: the writer refuses a map the reader would reject", "[mood]") {
    BundleWriter w;
    MoodMap map;
    map.names = {"cozy"};
    SECTION("weight out of range") {
        map.weights = {{{0, 2.0f}}};
        CHECK_THROWS_WITH(write_mood_sections(w, map), Contains("mood 'cozy'") && Contains("[-1, 1]"));
    }
    SECTION("tags not ascending") {
        map.weights = {{{3, 0.5f}, {1, 0.5f}}};
        CHECK_THROWS_WITH(write_mood_sections(w, map), Contains("not strictly ascending"));
    }
    SECTION("names and weight lists differ in count") {
        CHECK_THROWS_WITH(write_mood_sections(w, map), Contains("1 names but 0 weight lists"));
    }
    SECTION("a name twice") {
        map.names = {"cozy", "cozy"};
        map.weights = {{}, {}};
        CHECK_THROWS_WITH(write_mood_sections(w, map), Contains("'cozy' occurs twice"));
    }
}
