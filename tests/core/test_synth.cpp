// The synthetic world: determinism, the invariants other modules rely on, and the round
// trip through files.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/common/error.h"
#include "core/data/readers.h"
#include "core/data/synth.h"

namespace fs = std::filesystem;
using hearth::SynthConfig;
using hearth::SynthWorld;

namespace {

SynthConfig small_config(uint64_t seed) {
    SynthConfig config;
    config.items = 400;
    config.users = 200;
    config.seed = seed;
    config.mean_history = 25.0f;
    return config;
}

// A world shared by the invariant checks: the default configuration, built once.
const SynthWorld& default_world() {
    static const SynthWorld world = hearth::generate_synth_world(SynthConfig{});
    return world;
}

bool same_events(const hearth::Interactions& a, const hearth::Interactions& b) {
    if (a.events.size() != b.events.size()) return false;
    for (size_t i = 0; i < a.events.size(); ++i) {
        const auto& x = a.events[i];
        const auto& y = b.events[i];
        if (x.user != y.user || x.item != y.item || x.rating != y.rating ||
            x.timestamp != y.timestamp) {
            return false;
        }
    }
    return true;
}

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

uint64_t fnv1a(const std::string& text) {
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

fs::path synth_dir(const std::string& name) {
    return fs::temp_directory_path() / "hearth_test_synth" / name;
}

// "Starfall Saga, Part 2" -> ("Starfall Saga", 2); (title, 0) for items outside a series.
std::pair<std::string, int> series_part(const std::string& title) {
    const std::string marker = ", Part ";
    const size_t at = title.rfind(marker);
    if (at == std::string::npos) return {title, 0};
    return {title.substr(0, at), std::stoi(title.substr(at + marker.size()))};
}

// "星落传奇 第2部" -> ("星落传奇", 2); (title, 0) for items outside a series.
std::pair<std::string, int> series_part_zh(const std::string& title) {
    const std::string marker = " 第";
    const size_t at = title.rfind(marker);
    if (at == std::string::npos || title.size() < 3 || title.compare(title.size() - 3, 3, "部") != 0)
        return {title, 0};
    const size_t digits = at + marker.size();
    return {title.substr(0, at), std::stoi(title.substr(digits, title.size() - 3 - digits))};
}

SynthConfig in_chinese(SynthConfig config) {
    config.language = hearth::SynthLanguage::Chinese;
    return config;
}

// The code points of `text`, or false when it is not well-formed UTF-8 (overlong forms,
// surrogates and values past U+10FFFF included).
bool decode_utf8(const std::string& text, std::vector<uint32_t>& out) {
    out.clear();
    for (size_t i = 0; i < text.size();) {
        const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
        const unsigned char lead = byte(i);
        size_t length = 0;
        uint32_t cp = 0, least = 0;
        if (lead < 0x80) { length = 1; cp = lead; }
        else if ((lead & 0xE0) == 0xC0) { length = 2; cp = lead & 0x1Fu; least = 0x80; }
        else if ((lead & 0xF0) == 0xE0) { length = 3; cp = lead & 0x0Fu; least = 0x800; }
        else if ((lead & 0xF8) == 0xF0) { length = 4; cp = lead & 0x07u; least = 0x10000; }
        else return false;
        if (i + length > text.size()) return false;
        for (size_t k = 1; k < length; ++k) {
            if ((byte(i + k) & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (byte(i + k) & 0x3Fu);
        }
        if (cp < least || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        out.push_back(cp);
        i += length;
    }
    return true;
}

// Well-formed UTF-8 with at least one CJK unified ideograph.
bool is_chinese_text(const std::string& text) {
    std::vector<uint32_t> cps;
    if (!decode_utf8(text, cps)) return false;
    return std::any_of(cps.begin(), cps.end(),
                       [](uint32_t cp) { return cp >= 0x4E00 && cp <= 0x9FFF; });
}

// The tags the item file should give back: the world's, and the series' name as a tag.
std::multiset<std::string> file_tags(const SynthWorld& world, const std::string& id) {
    const auto& tags = world.metadata.items.at(id).tags;
    std::multiset<std::string> out(tags.begin(), tags.end());
    const std::string& series = world.labels.at(id).series;
    if (!series.empty()) out.insert(series);
    return out;
}

// Read back, the item's genres and moods have the world's kinds, its series' name the
// kind series.
bool kinds_match(const hearth::ItemMetadata& read, const SynthWorld& world, const std::string& id) {
    const auto kind_of = [&](const std::string& tag) {
        const auto found = read.tag_kinds.find(tag);
        return found == read.tag_kinds.end() ? hearth::TagKind::Other : found->second;
    };
    for (const std::string& tag : world.metadata.items.at(id).tags)
        if (kind_of(tag) != world.metadata.tag_kinds.at(tag)) return false;
    const std::string& series = world.labels.at(id).series;
    return series.empty() || kind_of(series) == hearth::TagKind::Series;
}

}  // namespace

TEST_CASE("synth: the same seed gives the same world, byte for byte", "[synth]") {
    const SynthWorld a = hearth::generate_synth_world(small_config(7));
    const SynthWorld b = hearth::generate_synth_world(small_config(7));
    CHECK(same_events(a.interactions, b.interactions));
    CHECK(a.interactions.user_ids == b.interactions.user_ids);
    CHECK(a.interactions.item_ids == b.interactions.item_ids);
    for (const auto& entry : a.metadata.items) {
        const auto& other = b.metadata.items.at(entry.first);
        CHECK(entry.second.title == other.title);
        CHECK(entry.second.tags == other.tags);
    }
    hearth::write_synth_world(a, synth_dir("same_a").string());
    hearth::write_synth_world(b, synth_dir("same_b").string());
    CHECK(read_all(synth_dir("same_a") / "ratings.csv") ==
          read_all(synth_dir("same_b") / "ratings.csv"));
    CHECK(read_all(synth_dir("same_a") / "items.csv") ==
          read_all(synth_dir("same_b") / "items.csv"));
}

TEST_CASE("synth: a different seed gives a different world", "[synth]") {
    const SynthWorld a = hearth::generate_synth_world(small_config(7));
    const SynthWorld b = hearth::generate_synth_world(small_config(8));
    CHECK_FALSE(same_events(a.interactions, b.interactions));
    size_t same_titles = 0;
    for (const auto& entry : a.metadata.items) {
        same_titles += entry.second.title == b.metadata.items.at(entry.first).title ? 1 : 0;
    }
    CHECK(same_titles < a.metadata.items.size() / 10);
}

// The world is promised to be identical on every platform and compiler. This fingerprint
// catches a change in any of them. If the generator is changed on purpose, update it.
TEST_CASE("synth: fingerprint of a small world", "[synth]") {
    const SynthWorld world = hearth::generate_synth_world(small_config(7));
    const fs::path dir = synth_dir("fingerprint");
    hearth::write_synth_world(world, dir.string());
    const std::string ratings = read_all(dir / "ratings.csv");
    const std::string items = read_all(dir / "items.csv");
    INFO("ratings.csv fnv1a = " << fnv1a(ratings) << ", items.csv fnv1a = " << fnv1a(items));
    CHECK(fnv1a(ratings) == 5305020418585724294ULL);
    CHECK(fnv1a(items) == 4324474493293684777ULL);
    // The new releases were appended to items.csv: the lines before them, the header and the
    // 400 rated items, still have the fingerprint they had before there were new releases.
    size_t end = 0;
    for (int line = 0; line < 401; ++line) end = items.find('\n', end) + 1;
    CHECK(fnv1a(items.substr(0, end)) == 17171413273934965599ULL);

    // The same world in Chinese: the ratings are those above, the words its own.
    const fs::path zh = synth_dir("fingerprint_zh");
    hearth::write_synth_world(hearth::generate_synth_world(in_chinese(small_config(7))), zh.string());
    const std::string items_zh = read_all(zh / "items.csv");
    INFO("zh items.csv fnv1a = " << fnv1a(items_zh));
    CHECK(fnv1a(read_all(zh / "ratings.csv")) == 5305020418585724294ULL);
    CHECK(fnv1a(items_zh) == 17219003881024089241ULL);
}

TEST_CASE("synth: new releases are in the metadata only, after the rated items", "[synth]") {
    SynthConfig config = small_config(7);
    const SynthWorld world = hearth::generate_synth_world(config);
    config.new_releases = 0;
    const SynthWorld without = hearth::generate_synth_world(config);
    CHECK(same_events(world.interactions, without.interactions));
    CHECK(world.interactions.item_ids == without.interactions.item_ids);
    REQUIRE(world.new_releases.size() == 40);
    CHECK(without.new_releases.empty());
    CHECK(world.metadata.items.size() == without.metadata.items.size() + 40);
    std::set<std::string> titles;
    for (const auto& entry : world.metadata.items) titles.insert(entry.second.title);
    CHECK(titles.size() == world.metadata.items.size());  // new titles are unique too
    for (size_t k = 0; k < world.new_releases.size(); ++k) {
        const std::string& id = world.new_releases[k];
        CHECK(id == std::to_string(1000 + 400 + k + 1));  // after the catalog's ids
        const hearth::ItemInfo& info = world.metadata.items.at(id);
        CHECK(info.tags.size() >= 2);  // a genre and a mood at least
        CHECK(without.metadata.items.count(id) == 0);
    }
}

TEST_CASE("synth: ids, sizes and metadata", "[synth]") {
    const SynthWorld& world = default_world();
    const auto& data = world.interactions;
    REQUIRE(data.user_ids.size() == 1000);
    REQUIRE(data.item_ids.size() == 2000);
    CHECK(data.user_ids.front() == "1");
    CHECK(data.user_ids.back() == "1000");
    CHECK(data.item_ids.front() == "1001");
    CHECK(data.item_ids.back() == "3000");
    CHECK(data.has_ratings);
    CHECK(data.has_timestamps);

    std::set<std::string> titles;
    std::set<std::string> genres;
    std::set<std::string> moods;
    for (const std::string& id : data.item_ids) {
        const hearth::ItemInfo& info = world.metadata.items.at(id);
        CHECK_FALSE(info.title.empty());
        titles.insert(info.title);
        // 1-3 genres (capitalised), then 1-2 moods (not).
        const size_t g = world.labels.at(id).genres;
        const size_t m = info.tags.size() - g;
        for (size_t t = 0; t < info.tags.size(); ++t) {
            CHECK(static_cast<bool>(std::isupper(static_cast<unsigned char>(info.tags[t][0]))) ==
                  (t < g));
            CHECK(world.metadata.tag_kinds.at(info.tags[t]) ==
                  (t < g ? hearth::TagKind::Genre : hearth::TagKind::Mood));
        }
        CHECK((g >= 1 && g <= 3));
        CHECK((m >= 1 && m <= 2));
        for (size_t t = 0; t < info.tags.size(); ++t) (t < g ? genres : moods).insert(info.tags[t]);
        CHECK(std::set<std::string>(info.tags.begin(), info.tags.end()).size() == info.tags.size());
    }
    CHECK(titles.size() == data.item_ids.size());
    CHECK(genres.size() == 12);
    CHECK(moods.size() == 10);
}

TEST_CASE("synth: item ids never collide with user ids in bigger worlds", "[synth]") {
    SynthConfig config;
    config.users = 1500;
    config.items = 50;
    config.mean_history = 6;
    const SynthWorld world = hearth::generate_synth_world(config);
    const std::set<std::string> users(world.interactions.user_ids.begin(),
                                      world.interactions.user_ids.end());
    for (const std::string& item : world.interactions.item_ids) CHECK(users.count(item) == 0);
    CHECK(world.interactions.item_ids.front() == "10001");
}

TEST_CASE("synth: event invariants", "[synth]") {
    const auto& data = default_world().interactions;
    std::set<std::pair<uint32_t, uint32_t>> pairs;
    std::vector<size_t> per_user(data.user_ids.size(), 0);
    std::vector<int64_t> last_time(data.user_ids.size(), INT64_MIN);
    size_t grouped_breaks = 0;
    for (size_t i = 0; i < data.events.size(); ++i) {
        const auto& e = data.events[i];
        REQUIRE(e.user < data.user_ids.size());
        REQUIRE(e.item < data.item_ids.size());
        CHECK(pairs.insert({e.user, e.item}).second);  // no repeated (user, item)
        CHECK((e.rating >= 0.5f && e.rating <= 5.0f));
        CHECK(e.rating * 2.0f == std::round(e.rating * 2.0f));  // half-star steps
        CHECK(e.timestamp > last_time[e.user]);                 // strictly increasing per user
        CHECK((e.timestamp >= 1325376000 && e.timestamp < 1767225600));  // 2012 .. 2025
        last_time[e.user] = e.timestamp;
        ++per_user[e.user];
        if (i > 0 && data.events[i - 1].user != e.user) ++grouped_breaks;
    }
    CHECK(grouped_breaks == data.user_ids.size() - 1);  // events come grouped by user
    for (size_t count : per_user) CHECK(count >= 5);
    const double mean =
        static_cast<double>(data.events.size()) / static_cast<double>(data.user_ids.size());
    CHECK(mean == Approx(40.0).epsilon(0.2));
    // Long-tailed: some users have many times the typical history.
    std::vector<size_t> sorted = per_user;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted.back() > 5 * sorted[sorted.size() / 2]);
}

TEST_CASE("synth: ratings spread over the scale", "[synth]") {
    const auto& data = default_world().interactions;
    std::map<float, size_t> histogram;
    double sum = 0.0;
    for (const auto& e : data.events) {
        ++histogram[e.rating];
        sum += e.rating;
    }
    CHECK(histogram.size() >= 9);
    CHECK(sum / static_cast<double>(data.events.size()) == Approx(3.4).margin(0.4));
}

TEST_CASE("synth: popularity is long-tailed", "[synth]") {
    const auto& data = default_world().interactions;
    std::vector<size_t> count(data.item_ids.size(), 0);
    for (const auto& e : data.events) ++count[e.item];
    std::sort(count.rbegin(), count.rend());
    size_t head = 0;
    for (size_t i = 0; i < count.size() / 10; ++i) head += count[i];
    // The top tenth of the catalog draws far more than a tenth of the events.
    CHECK(static_cast<double>(head) / static_cast<double>(data.events.size()) > 0.3);
    CHECK(count.front() > 10 * count[count.size() / 2]);
}

TEST_CASE("synth: series are about a tenth of the catalog and watched in order", "[synth]") {
    const SynthWorld& world = default_world();
    const auto& data = world.interactions;
    std::vector<std::pair<std::string, int>> part_of(data.item_ids.size());
    size_t series_items = 0;
    std::map<std::string, int> series_length;
    for (size_t i = 0; i < data.item_ids.size(); ++i) {
        part_of[i] = series_part(world.metadata.items.at(data.item_ids[i]).title);
        if (part_of[i].second == 0) continue;
        ++series_items;
        series_length[part_of[i].first] =
            std::max(series_length[part_of[i].first], part_of[i].second);
    }
    CHECK(series_items >= data.item_ids.size() / 20);
    CHECK(series_items <= data.item_ids.size() * 15 / 100);
    for (const auto& entry : series_length) CHECK((entry.second >= 2 && entry.second <= 6));

    // For each user and series: the parts watched, in time order, must be 1, 2, ..., m.
    std::map<std::pair<uint32_t, std::string>, std::vector<std::pair<int64_t, int>>> watched;
    for (const auto& e : data.events) {
        const auto& part = part_of[e.item];
        if (part.second > 0) watched[{e.user, part.first}].push_back({e.timestamp, part.second});
    }
    size_t multi_part_runs = 0;
    for (auto& entry : watched) {
        auto& parts = entry.second;
        std::sort(parts.begin(), parts.end());
        for (size_t k = 0; k < parts.size(); ++k) CHECK(parts[k].second == static_cast<int>(k) + 1);
        if (parts.size() >= 2) ++multi_part_runs;
    }
    CHECK(multi_part_runs >= 50);  // the check above is not vacuous
}

TEST_CASE("synth: write and read back gives the same events and catalog", "[synth]") {
    const SynthWorld world = hearth::generate_synth_world(small_config(3));
    const fs::path dir = synth_dir("round_trip/nested");  // created on demand
    fs::remove_all(dir);
    hearth::write_synth_world(world, dir.string());

    hearth::ParseReport report;
    const auto read = hearth::read_interactions_csv((dir / "ratings.csv").string(), report);
    CHECK(report.skipped == 0);
    CHECK(read.has_ratings);
    CHECK(read.has_timestamps);
    const auto& original = world.interactions;
    REQUIRE(read.events.size() == original.events.size());
    for (size_t i = 0; i < read.events.size(); ++i) {
        const auto& a = original.events[i];
        const auto& b = read.events[i];
        CHECK(original.user_ids[a.user] == read.user_ids[b.user]);
        CHECK(original.item_ids[a.item] == read.item_ids[b.item]);
        CHECK(a.rating == b.rating);
        CHECK(a.timestamp == b.timestamp);
    }

    const auto meta = hearth::read_item_metadata((dir / "items.csv").string(), report);
    CHECK(report.skipped == 0);
    REQUIRE(meta.items.size() == world.metadata.items.size());
    bool saw_comma = false;
    size_t in_series = 0;
    for (const auto& entry : world.metadata.items) {
        INFO(entry.first);
        const auto& back = meta.items.at(entry.first);
        CHECK(back.title == entry.second.title);
        // The genres, the moods and the series' name, each once, with their kinds.
        CHECK(std::multiset<std::string>(back.tags.begin(), back.tags.end()) ==
              file_tags(world, entry.first));
        CHECK(kinds_match(meta, world, entry.first));
        saw_comma = saw_comma || entry.second.title.find(',') != std::string::npos;
        in_series += world.labels.at(entry.first).series.empty() ? 0 : 1;
    }
    CHECK(saw_comma);  // titles with commas were quoted and survived
    CHECK(in_series > 0);

    const auto dataset = hearth::load_dataset(dir.string(), hearth::DataFormat::Auto, "");
    CHECK(dataset.interactions.events.size() == original.events.size());
    CHECK(dataset.metadata.items.size() == world.metadata.items.size());
}

TEST_CASE("synth: items.csv has genres, moods and series columns", "[synth]") {
    const SynthWorld world = hearth::generate_synth_world(small_config(3));
    const fs::path dir = synth_dir("columns");
    hearth::write_synth_world(world, dir.string());
    std::istringstream items(read_all(dir / "items.csv"));
    std::string line;
    std::getline(items, line);
    CHECK(line == "id,title,genres,moods,series");
    // The first item outside a series and the first one in a series, as written.
    std::string plain, part;
    for (const std::string& id : world.interactions.item_ids) {
        const auto& info = world.metadata.items.at(id);
        const auto& labels = world.labels.at(id);
        if (plain.empty() && labels.series.empty()) plain = id;
        if (part.empty() && !labels.series.empty()) {
            part = id;
            CHECK(series_part(info.title).first == labels.series);
        }
    }
    REQUIRE_FALSE(plain.empty());
    REQUIRE_FALSE(part.empty());
    const auto expected_line = [&](const std::string& id) {
        const auto& info = world.metadata.items.at(id);
        const auto& labels = world.labels.at(id);
        std::string genres, moods;
        for (size_t t = 0; t < info.tags.size(); ++t) {
            std::string& list = t < labels.genres ? genres : moods;
            list += (list.empty() ? "" : "|") + info.tags[t];
        }
        const bool quote = info.title.find(',') != std::string::npos;
        const std::string title = quote ? "\"" + info.title + "\"" : info.title;
        return id + "," + title + "," + genres + "," + moods + "," + labels.series;
    };
    std::set<std::string> lines;
    while (std::getline(items, line)) lines.insert(line);
    CHECK(lines.count(expected_line(plain)) == 1);
    CHECK(lines.count(expected_line(part)) == 1);
    CHECK(expected_line(plain).back() == ',');  // an empty series
}

TEST_CASE("synth: --lang zh is the same world with Chinese words", "[synth]") {
    const SynthConfig config = small_config(5);
    const SynthWorld en = hearth::generate_synth_world(config);
    const SynthWorld zh = hearth::generate_synth_world(in_chinese(config));
    CHECK(same_events(en.interactions, zh.interactions));
    CHECK(en.interactions.user_ids == zh.interactions.user_ids);
    CHECK(en.interactions.item_ids == zh.interactions.item_ids);
    CHECK(en.new_releases == zh.new_releases);

    const fs::path en_dir = synth_dir("lang_en"), zh_dir = synth_dir("lang_zh");
    hearth::write_synth_world(en, en_dir.string());
    hearth::write_synth_world(zh, zh_dir.string());
    CHECK(read_all(en_dir / "ratings.csv") == read_all(zh_dir / "ratings.csv"));

    // Tag by tag, English genre -> Chinese genre and English mood -> Chinese mood are
    // functions, and one-to-one.
    std::map<std::string, std::string> genre_zh, mood_zh;
    std::map<std::string, std::string> genre_en, mood_en;
    std::set<std::string> titles;
    std::map<std::string, std::string> series_zh;  // English series name -> Chinese
    for (const auto& [id, info] : en.metadata.items) {
        INFO(id);
        const hearth::ItemInfo& other = zh.metadata.items.at(id);
        const hearth::SynthLabels& labels = en.labels.at(id);
        const hearth::SynthLabels& labels_zh = zh.labels.at(id);
        REQUIRE(other.tags.size() == info.tags.size());
        REQUIRE(labels_zh.genres == labels.genres);
        CHECK(is_chinese_text(other.title));
        CHECK(titles.insert(other.title).second);  // unique
        for (size_t t = 0; t < info.tags.size(); ++t) {
            const std::string& word = other.tags[t];
            CHECK(is_chinese_text(word));
            auto& forward = t < labels.genres ? genre_zh : mood_zh;
            auto& backward = t < labels.genres ? genre_en : mood_en;
            CHECK(forward.emplace(info.tags[t], word).first->second == word);
            CHECK(backward.emplace(word, info.tags[t]).first->second == info.tags[t]);
        }
        // The same series structure: the same items, the same parts, one name per series.
        CHECK(labels.series.empty() == labels_zh.series.empty());
        const auto part = series_part(info.title);
        const auto part_zh = series_part_zh(other.title);
        CHECK(part.second == part_zh.second);
        if (labels.series.empty()) continue;
        CHECK(is_chinese_text(labels_zh.series));
        CHECK(part_zh.first == labels_zh.series);
        CHECK(series_zh.emplace(labels.series, labels_zh.series).first->second == labels_zh.series);
    }
    CHECK(genre_zh.size() == 12);
    CHECK(genre_en.size() == 12);
    CHECK(mood_zh.size() == 10);
    CHECK(mood_en.size() == 10);
    CHECK(genre_zh.at("Animation") == "动画");
    CHECK(mood_zh.at("cozy") == "温馨");
    std::set<std::string> distinct_series;
    for (const auto& entry : series_zh) distinct_series.insert(entry.second);
    CHECK(distinct_series.size() == series_zh.size());
    CHECK(series_zh.size() >= 3);

    // Read back, the Chinese file gives the same words.
    hearth::ParseReport report;
    const auto meta = hearth::read_item_metadata((zh_dir / "items.csv").string(), report);
    CHECK(report.skipped == 0);
    REQUIRE(meta.items.size() == zh.metadata.items.size());
    for (const auto& [id, info] : zh.metadata.items) {
        const auto& back = meta.items.at(id);
        CHECK(back.title == info.title);
        CHECK(std::multiset<std::string>(back.tags.begin(), back.tags.end()) == file_tags(zh, id));
        CHECK(kinds_match(meta, zh, id));
    }
}

TEST_CASE("synth: the default world in Chinese has unique titles", "[synth]") {
    SynthConfig config = in_chinese(SynthConfig{});
    config.mean_history = 5.0f;  // the catalog does not depend on the users
    const SynthWorld world = hearth::generate_synth_world(config);
    std::set<std::string> titles;
    for (const auto& entry : world.metadata.items) {
        CHECK(is_chinese_text(entry.second.title));
        titles.insert(entry.second.title);
    }
    CHECK(titles.size() == world.metadata.items.size());
    CHECK(titles.size() == 2040);
}

TEST_CASE("synth: configuration limits", "[synth]") {
    SynthConfig config = small_config(1);
    SECTION("too few items") {
        config.items = 9;
        CHECK_THROWS_AS(hearth::generate_synth_world(config), hearth::Error);
    }
    SECTION("no users") {
        config.users = 0;
        CHECK_THROWS_AS(hearth::generate_synth_world(config), hearth::Error);
    }
    SECTION("a non-finite mean") {
        config.mean_history = std::nanf("");
        CHECK_THROWS_AS(hearth::generate_synth_world(config), hearth::Error);
    }
    SECTION("a tiny mean still gives every user five events") {
        config.mean_history = 1.0f;
        const SynthWorld world = hearth::generate_synth_world(config);
        CHECK(world.interactions.events.size() == 5 * config.users);
    }
    SECTION("a tiny catalog caps histories at half of it") {
        config.items = 10;
        config.mean_history = 100.0f;
        const SynthWorld world = hearth::generate_synth_world(config);
        std::vector<size_t> per_user(config.users, 0);
        for (const auto& e : world.interactions.events) ++per_user[e.user];
        for (size_t count : per_user) CHECK(count == 5);
    }
}
