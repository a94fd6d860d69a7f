// The synthetic world is built with integer arithmetic wherever a value reaches the output
// (weights, tastes, ratings, times): float rounding then cannot differ between compilers,
// optimisation levels or platforms, so a seed names one world everywhere. The one floating
// point step (history lengths) uses only division and sqrt, which IEEE 754 rounds exactly.
#include "core/data/synth.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <unordered_set>
#include <vector>

#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/data/csv.h"

namespace hearth {

namespace {

// ---------------------------------------------------------------------------------------
// Random numbers: splitmix64 for seeding, xoshiro256** for the stream. Our own, because the
// std:: distributions are implemented differently by each standard library.

uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

class Rng {
public:
    // Independent streams (items, each user) from one seed, so that adding users does not
    // change the catalog and one user's history does not depend on another's.
    Rng(uint64_t seed, uint64_t stream) {
        SplitMix64 seeder(seed ^ (stream * 0xD1B54A32D192ED03ULL));
        for (uint64_t& s : state_) s = seeder.next();
    }

    uint64_t next() {
        const uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    // Uniform in [0, n), without modulo bias. n > 0.
    uint64_t below(uint64_t n) {
        const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
        for (;;) {
            const uint64_t r = next();
            if (r >= threshold) return r % n;
        }
    }

    uint32_t below32(uint32_t n) { return static_cast<uint32_t>(below(n)); }

    // Uniform in [lo, hi].
    int64_t between(int64_t lo, int64_t hi) {
        return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
    }

    bool percent(uint32_t p) { return below(100) < p; }

    // Uniform in (0, 1], from 53 random bits.
    double unit_open() {
        return static_cast<double>((next() >> 11) + 1) * (1.0 / 9007199254740992.0);
    }

private:
    std::array<uint64_t, 4> state_{};
};

// ---------------------------------------------------------------------------------------
// The vocabulary of the world.

constexpr size_t kGenres = 12;
constexpr size_t kMoods = 10;
// Each genre splits into a few unnamed niches (think "heist films" inside Action). Users
// favour one niche per genre: structure that collaborative filtering can discover and that
// neither popularity nor tags reveal.
constexpr size_t kNichesPerGenre = 4;

struct Genre {
    const char* name;
    uint32_t weight;           // how common the genre is among items and users
    std::array<int, 3> moods;  // moods typical of the genre (-1 = none)
};

// Mood indices into kMoodNames.
enum Mood {
    Cozy,
    Thrilling,
    Uplifting,
    Dark,
    Funny,
    Romantic,
    Thoughtful,
    Tense,
    Whimsical,
    Melancholic
};

const std::array<const char*, kMoods> kMoodNames = {
    "cozy",     "thrilling",  "uplifting", "dark",      "funny",
    "romantic", "thoughtful", "tense",     "whimsical", "melancholic"};

const std::array<Genre, kGenres> kGenreTable = {{
    {"Drama", 12, {Thoughtful, Melancholic, Uplifting}},
    {"Comedy", 11, {Funny, Cozy, Whimsical}},
    {"Action", 10, {Thrilling, Tense, -1}},
    {"Thriller", 9, {Tense, Dark, Thrilling}},
    {"Romance", 8, {Romantic, Cozy, Melancholic}},
    {"Adventure", 8, {Thrilling, Uplifting, Whimsical}},
    {"Sci-Fi", 8, {Thoughtful, Thrilling, Dark}},
    {"Fantasy", 7, {Whimsical, Thrilling, Uplifting}},
    {"Horror", 7, {Dark, Tense, -1}},
    {"Mystery", 7, {Tense, Thoughtful, Dark}},
    {"Animation", 6, {Whimsical, Funny, Uplifting}},
    {"Documentary", 6, {Thoughtful, Uplifting, -1}},
}};

const char* const kAdjectives[] = {
    "Silent", "Hidden",    "Golden",  "Broken",   "Crimson",   "Distant",  "Endless", "Frozen",
    "Gentle", "Hollow",    "Last",    "Lost",     "Midnight",  "Northern", "Quiet",   "Restless",
    "Secret", "Shattered", "Silver",  "Sleeping", "Stolen",    "Summer",   "Velvet",  "Wandering",
    "Wild",   "Winter",    "Burning", "Electric", "Forgotten", "Falling",  "Paper",   "Painted",
    "Little", "Lonely",    "Bright",  "Iron",     "Glass",     "Scarlet",  "Hungry",  "Invisible"};

const char* const kNouns[] = {
    "Harbor",  "Garden",     "Mirror",  "River",   "Kingdom",  "Lantern", "Orchard",   "Signal",
    "Station", "Tide",       "Voyage",  "Window",  "Empire",   "Forest",  "Letter",    "Machine",
    "Island",  "Bridge",     "Compass", "Crown",   "Echo",     "Engine",  "Fortress",  "Highway",
    "Horizon", "Lighthouse", "Meadow",  "Melody",  "Mountain", "Ocean",   "Promise",   "Shadow",
    "Storm",   "Stranger",   "Valley",  "Witness", "Carnival", "Circus",  "Detective", "Archive"};

const char* const kPlaces[] = {"Paris",        "the North", "Brooklyn",  "the Desert", "Tokyo",
                               "the Deep",     "Avalon",    "Lisbon",    "the Moon",   "Marrakesh",
                               "the Old Town", "Vienna",    "the Coast", "Havana",     "Mars",
                               "the Hills",    "Oslo",      "Shanghai",  "the Bayou",  "Cairo"};

const char* const kNames[] = {"Clara", "Felix", "Mara", "Otto",  "June", "Ivan", "Rosa", "Theo",
                              "Nadia", "Hugo",  "Lena", "Oscar", "Iris", "Milo", "Vera", "Jonah"};

const char* const kSeriesPrefixes[] = {"Star",    "Moon",   "Storm", "Iron",   "Shadow", "Ember",
                                       "Frost",   "Sun",    "Night", "Dragon", "Glass",  "Ash",
                                       "Thunder", "Silver", "Raven", "Wolf"};
const char* const kSeriesSuffixes[] = {"fall",  "rise", "gate",  "heart", "fire", "born",
                                       "watch", "song", "crest", "light", "wood", "vale"};
const char* const kSeriesKinds[] = {"Saga",  "Chronicles", "Cycle", "Tales",
                                    "Files", "Legacy",     "Quest"};

// The same vocabulary in Simplified Chinese: genres in kGenreTable's order, moods in
// kMoodNames' order, as Chinese film sites name them.
const std::array<const char*, kGenres> kGenreNamesZh = {
    "剧情", "喜剧", "动作", "惊悚", "爱情", "冒险", "科幻", "奇幻", "恐怖", "悬疑", "动画", "纪录片"};

const std::array<const char*, kMoods> kMoodNamesZh = {
    "温馨", "刺激", "励志", "暗黑", "搞笑", "浪漫", "深思", "紧张", "奇趣", "忧郁"};

const char* const kAdjectivesZh[] = {
    "寂静", "隐秘", "金色", "破碎", "猩红", "遥远", "无尽", "冰封", "温柔", "空荡",
    "最后", "迷失", "午夜", "北方", "安静", "不眠", "秘密", "碎裂", "银色", "沉睡",
    "失窃", "夏日", "丝绒", "流浪", "狂野", "冬日", "燃烧", "闪电", "遗忘", "坠落",
    "纸上", "彩色", "小小", "孤独", "明亮", "钢铁", "玻璃", "赤色", "饥饿", "隐形"};

const char* const kNounsZh[] = {
    "港湾", "花园", "镜子", "河流", "王国", "灯笼", "果园", "信号", "车站", "潮汐",
    "旅程", "窗口", "帝国", "森林", "来信", "机器", "岛屿", "长桥", "罗盘", "王冠",
    "回声", "列车", "城堡", "公路", "地平线", "灯塔", "草原", "旋律", "山峰", "海洋",
    "诺言", "影子", "风暴", "陌生人", "山谷", "证人", "游乐园", "马戏团", "侦探", "档案馆"};

const char* const kPlacesZh[] = {"巴黎", "北方", "布鲁克林", "沙漠", "东京", "深海", "香格里拉",
                                 "里斯本", "月球", "马拉喀什", "老城", "维也纳", "海边", "哈瓦那",
                                 "火星", "山城", "奥斯陆", "上海", "江南", "开罗"};

const char* const kNamesZh[] = {"小雨", "阿明", "秋月", "老周", "林夏", "阿杰", "苏晴", "大海",
                                "晓峰", "梅姨", "小北", "陈默", "阿兰", "子墨", "老陈", "安安"};

// A title's tail after a place or a noun: 东京往事, 灯塔之夜.
const char* const kTailsZh[] = {"往事", "之夜", "传说", "秘密", "日记", "之歌", "奇遇", "迷踪"};

const char* const kSeriesPrefixesZh[] = {"星", "月", "风", "铁", "影", "烬", "霜", "日",
                                         "夜", "龙", "镜", "灰", "雷", "银", "鸦", "狼"};
const char* const kSeriesSuffixesZh[] = {"落", "升", "门", "心", "火", "生",
                                         "守", "歌", "冠", "光", "林", "谷"};
const char* const kSeriesKindsZh[] = {"传奇", "编年史", "轮回", "物语", "档案", "遗产", "远征"};

template <typename T, size_t N>
const T& pick(Rng& rng, const T (&list)[N]) {
    return list[rng.below(N)];
}

std::string plural(const std::string& noun) {
    const char last = noun.back();
    const bool sibilant = last == 's' || last == 'x' || last == 'o' ||
                          (noun.size() > 1 && last == 'h' &&
                           (noun[noun.size() - 2] == 'c' || noun[noun.size() - 2] == 's'));
    return noun + (sibilant ? "es" : "s");
}

// Every word is drawn into its own variable first: the order in which the operands of one
// expression are evaluated is unspecified, and GCC and Clang do differ on it.
std::string make_title(Rng& rng) {
    const std::string adjective = pick(rng, kAdjectives);
    const std::string noun = pick(rng, kNouns);
    const std::string other_noun = pick(rng, kNouns);
    const std::string place = pick(rng, kPlaces);
    const std::string name = pick(rng, kNames);
    switch (rng.below(10)) {
        case 0:
        case 1:
        case 2:
            return "The " + adjective + " " + noun;
        case 3:
            return noun + " of " + place;
        case 4:
            return adjective + " " + plural(noun);
        case 5:
            return name + " and the " + noun;
        case 6:
            return "A " + noun + " in " + place;
        case 7:
            return name + "'s " + noun;
        case 8:
            return "Goodbye, " + place;
        default:
            return "The " + noun + ", the " + other_noun + " and " + name;
    }
}

std::string make_series_name(Rng& rng) {
    const std::string prefix = pick(rng, kSeriesPrefixes);
    const std::string suffix = pick(rng, kSeriesSuffixes);
    const std::string kind = pick(rng, kSeriesKinds);
    return prefix + suffix + " " + kind;
}

// The same draws as make_title, in Chinese patterns: 寂静港湾, 遥远的灯塔, 巴黎的车站,
// 灯塔往事, 小雨与灯塔, 东京之夜, 阿明的花园, 再见，开罗, 灯塔、罗盘和小雨.
std::string make_title_zh(Rng& rng) {
    const std::string adjective = pick(rng, kAdjectivesZh);
    const std::string noun = pick(rng, kNounsZh);
    const std::string other_noun = pick(rng, kNounsZh);
    const std::string place = pick(rng, kPlacesZh);
    const std::string name = pick(rng, kNamesZh);
    const std::string tail = pick(rng, kTailsZh);
    switch (rng.below(10)) {
        case 0:
        case 1:
            return adjective + noun;
        case 2:
            return adjective + "的" + noun;
        case 3:
            return place + "的" + noun;
        case 4:
            return noun + tail;
        case 5:
            return name + "与" + noun;
        case 6:
            return place + tail;
        case 7:
            return name + "的" + noun;
        case 8:
            return "再见，" + place;
        default:
            return noun + "、" + other_noun + "和" + name;
    }
}

std::string make_series_name_zh(Rng& rng) {
    const std::string prefix = pick(rng, kSeriesPrefixesZh);
    const std::string suffix = pick(rng, kSeriesSuffixesZh);
    const std::string kind = pick(rng, kSeriesKindsZh);
    return prefix + suffix + kind;
}

// A name not used yet: a few fresh draws, then a year in brackets, as catalogs do.
template <typename Make>
std::string unique_name(Rng& rng, std::unordered_set<std::string>& used, Make make) {
    std::string name = make(rng);
    for (int attempt = 0; attempt < 20 && used.count(name) != 0; ++attempt) name = make(rng);
    const std::string base = name;
    while (used.count(name) != 0)
        name = base + " (" + std::to_string(rng.between(1950, 2023)) + ")";
    used.insert(name);
    return name;
}

// ---------------------------------------------------------------------------------------
// Items.

struct SynthItem {
    std::vector<uint8_t> genres;  // 1-3 distinct genre indices, primary first
    std::vector<uint8_t> moods;   // 1-2 distinct mood indices
    uint32_t niche = 0;           // within the primary genre: genres[0] * kNichesPerGenre + k
    int32_t quality = 0;          // in thousandths of a star
    uint64_t weight = 0;          // popularity: chance of being picked, relative
    int32_t series = -1;          // index into the series list, or -1
    uint32_t part = 0;            // 0-based part within the series
    std::string title;
    std::string title_zh;         // with --lang zh only
};

// Items drawn with probability proportional to their weight.
struct WeightedList {
    std::vector<uint32_t> items;
    std::vector<uint64_t> cumulative;

    void add(uint32_t item, uint64_t weight) {
        items.push_back(item);
        cumulative.push_back((cumulative.empty() ? 0 : cumulative.back()) + weight);
    }
    bool empty() const { return items.empty(); }
    uint32_t draw(Rng& rng) const {
        const uint64_t r = rng.below(cumulative.back());
        const auto at = std::upper_bound(cumulative.begin(), cumulative.end(), r);
        return items[static_cast<size_t>(at - cumulative.begin())];
    }
};

uint8_t draw_genre(Rng& rng) {
    uint32_t total = 0;
    for (const Genre& g : kGenreTable) total += g.weight;
    uint32_t r = rng.below32(total);
    for (size_t i = 0; i < kGenres; ++i) {
        if (r < kGenreTable[i].weight) return static_cast<uint8_t>(i);
        r -= kGenreTable[i].weight;
    }
    return 0;
}

bool contains(const std::vector<uint8_t>& list, uint8_t value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<uint8_t> draw_genres(Rng& rng) {
    const uint64_t r = rng.below(10);
    const size_t count = r < 5 ? 1 : (r < 8 ? 2 : 3);
    std::vector<uint8_t> genres;
    while (genres.size() < count) {
        const uint8_t g = draw_genre(rng);
        if (!contains(genres, g)) genres.push_back(g);
    }
    return genres;
}

// Moods mostly follow the primary genre, so that mood tags carry signal.
std::vector<uint8_t> draw_moods(Rng& rng, uint8_t primary_genre) {
    const size_t count = rng.percent(40) ? 2 : 1;
    const std::array<int, 3>& typical = kGenreTable[primary_genre].moods;
    std::vector<uint8_t> moods;
    while (moods.size() < count) {
        int mood = typical[rng.below(3)];
        if (mood < 0 || rng.percent(25)) mood = static_cast<int>(rng.below(kMoods));
        const auto m = static_cast<uint8_t>(mood);
        if (!contains(moods, m)) moods.push_back(m);
    }
    return moods;
}

struct Catalog {
    std::vector<SynthItem> items;
    std::vector<std::vector<uint32_t>> series;  // item indices of each series, in part order
    std::vector<std::string> series_names;      // per series
    std::vector<std::string> series_names_zh;   // per series, with --lang zh only
    std::array<WeightedList, kGenres> by_genre;
    std::array<WeightedList, kMoods> by_mood;
    std::array<WeightedList, kGenres * kNichesPerGenre> by_niche;
    WeightedList all;
};

// About one item in ten belongs to a series of 2-6 parts, which share genres and moods.
void plan_series(Rng& rng, Catalog& catalog) {
    const size_t n = catalog.items.size();
    size_t budget = n / 10;
    for (size_t i = 0; i + 1 < n && budget >= 2;) {
        const bool start = rng.percent(3) || (catalog.series.empty() && i >= n / 2);
        if (!start) {
            ++i;
            continue;
        }
        const size_t length = std::min({static_cast<size_t>(rng.between(2, 6)), budget, n - i});
        std::vector<uint32_t> parts;
        for (size_t p = 0; p < length; ++p) {
            SynthItem& item = catalog.items[i + p];
            item.series = static_cast<int32_t>(catalog.series.size());
            item.part = static_cast<uint32_t>(p);
            parts.push_back(static_cast<uint32_t>(i + p));
        }
        catalog.series.push_back(std::move(parts));
        budget -= length;
        i += length;
    }
}

constexpr uint64_t kZipfOffset = 30;  // flattens the very top, as real catalogs are

// Zipf-like popularity: weight ~ 1 / (rank + kZipfOffset) over a random ranking. Later parts of a
// series are less popular than the first, as audiences drop off.
void assign_popularity(Rng& rng, Catalog& catalog) {
    const size_t n = catalog.items.size();
    std::vector<uint32_t> rank(n);
    for (size_t i = 0; i < n; ++i) rank[i] = static_cast<uint32_t>(i);
    for (size_t i = n - 1; i > 0; --i) std::swap(rank[i], rank[rng.below(i + 1)]);
    constexpr uint64_t kScale = uint64_t{1} << 40;
    for (size_t i = 0; i < n; ++i) {
        SynthItem& item = catalog.items[i];
        item.weight = kScale / (rank[i] + kZipfOffset);
        // Popular items are a little better on average: crowds are not entirely wrong.
        if (rank[i] < n / 20) {
            item.quality += 250;
        } else if (rank[i] < n / 5) {
            item.quality += 100;
        }
    }
    for (const std::vector<uint32_t>& parts : catalog.series) {
        const SynthItem& first = catalog.items[parts[0]];
        for (uint32_t p = 1; p < parts.size(); ++p) {
            catalog.items[parts[p]].weight = first.weight * 3 / (3 + p);
        }
    }
}

int32_t draw_quality(Rng& rng) {
    int64_t q = 0;
    for (int i = 0; i < 3; ++i) q += rng.between(-300, 300);
    return static_cast<int32_t>(q);
}

std::string part_title(const std::string& series, uint32_t part) {
    return series + ", Part " + std::to_string(part);
}

std::string part_title_zh(const std::string& series, uint32_t part) {
    return series + " 第" + std::to_string(part) + "部";
}

void describe_items(Rng& rng, Catalog& catalog) {
    std::unordered_set<std::string> used;
    catalog.series_names.resize(catalog.series.size());
    for (size_t i = 0; i < catalog.items.size(); ++i) {
        SynthItem& item = catalog.items[i];
        if (item.series >= 0 && item.part > 0) continue;  // filled from part 1 below
        item.genres = draw_genres(rng);
        item.moods = draw_moods(rng, item.genres[0]);
        item.niche =
            static_cast<uint32_t>(item.genres[0] * kNichesPerGenre + rng.below(kNichesPerGenre));
        item.quality = draw_quality(rng);
        if (item.series < 0) {
            item.title = unique_name(rng, used, make_title);
            continue;
        }
        const std::vector<uint32_t>& parts = catalog.series[static_cast<size_t>(item.series)];
        const std::string name = unique_name(rng, used, make_series_name);
        catalog.series_names[static_cast<size_t>(item.series)] = name;
        for (uint32_t p = 0; p < parts.size(); ++p) {
            SynthItem& part = catalog.items[parts[p]];
            part.title = part_title(name, p + 1);
            used.insert(part.title);
            if (p == 0) continue;
            part.genres = item.genres;
            part.moods = item.moods;
            part.niche = item.niche;
            part.quality = item.quality + static_cast<int32_t>(rng.between(-200, 200));
        }
    }
}

// Chinese titles come from a stream of their own (3), drawn besides the English ones: the
// English draws, retries on a clash included, shape the rest of the catalog stream and so
// the ratings, which must not depend on the language.
void title_in_chinese(uint64_t seed, Catalog& catalog) {
    Rng rng(seed, 3);
    std::unordered_set<std::string> used;
    catalog.series_names_zh.resize(catalog.series.size());
    for (SynthItem& item : catalog.items) {
        if (item.series >= 0 && item.part > 0) continue;  // titled with part 1
        if (item.series < 0) {
            item.title_zh = unique_name(rng, used, make_title_zh);
            continue;
        }
        const auto s = static_cast<size_t>(item.series);
        const std::string name = unique_name(rng, used, make_series_name_zh);
        catalog.series_names_zh[s] = name;
        for (uint32_t p = 0; p < catalog.series[s].size(); ++p) {
            SynthItem& part = catalog.items[catalog.series[s][p]];
            part.title_zh = part_title_zh(name, p + 1);
            used.insert(part.title_zh);
        }
    }
}

void index_items(Catalog& catalog) {
    for (size_t i = 0; i < catalog.items.size(); ++i) {
        const SynthItem& item = catalog.items[i];
        const auto index = static_cast<uint32_t>(i);
        for (uint8_t g : item.genres) catalog.by_genre[g].add(index, item.weight);
        for (uint8_t m : item.moods) catalog.by_mood[m].add(index, item.weight);
        catalog.by_niche[item.niche].add(index, item.weight);
        catalog.all.add(index, item.weight);
    }
}

Catalog make_catalog(uint64_t seed, uint32_t count, SynthLanguage language) {
    Rng rng(seed, 1);
    Catalog catalog;
    catalog.items.resize(count);
    plan_series(rng, catalog);
    describe_items(rng, catalog);
    assign_popularity(rng, catalog);
    index_items(catalog);
    if (language == SynthLanguage::Chinese) title_in_chinese(seed, catalog);
    return catalog;
}

const char* genre_name(uint8_t genre, SynthLanguage language) {
    return language == SynthLanguage::Chinese ? kGenreNamesZh[genre] : kGenreTable[genre].name;
}

const char* mood_name(uint8_t mood, SynthLanguage language) {
    return language == SynthLanguage::Chinese ? kMoodNamesZh[mood] : kMoodNames[mood];
}

// Genres, then moods.
ItemInfo describe(std::string title, const std::vector<uint8_t>& genres,
                  const std::vector<uint8_t>& moods, SynthLanguage language) {
    ItemInfo info;
    info.title = std::move(title);
    for (uint8_t g : genres) info.tags.emplace_back(genre_name(g, language));
    for (uint8_t m : moods) info.tags.emplace_back(mood_name(m, language));
    return info;
}

// ---------------------------------------------------------------------------------------
// Users.

// Genre preference in fixed point; the weights sum to about kTasteScale.
constexpr uint32_t kTasteScale = 1u << 16;
using Taste = std::array<uint32_t, kGenres>;
constexpr uint32_t kDominantPercent = 90;
constexpr uint32_t kNichePercent = 70;  // genre picks that go to the user's favourite niche
constexpr uint32_t kSeriesContinuePercent = 55;

// A few dominant genres hold 90% of the taste; the rest is spread evenly, so that everyone
// occasionally strays outside their favourites.
Taste draw_taste(Rng& rng, int forced_first) {
    const size_t dominant = rng.percent(40) ? 3 : 2;
    std::vector<uint8_t> genres;
    if (forced_first >= 0) genres.push_back(static_cast<uint8_t>(forced_first));
    while (genres.size() < dominant) {
        const uint8_t g = draw_genre(rng);
        if (!contains(genres, g)) genres.push_back(g);
    }
    std::vector<uint64_t> raw(dominant);
    uint64_t raw_total = 0;
    for (size_t j = 0; j < dominant; ++j) {
        raw[j] = 1 + rng.below(100) + (j == 0 ? 100 : 0);  // the first genre leads
        raw_total += raw[j];
    }
    Taste taste;
    taste.fill(kTasteScale * (100 - kDominantPercent) / 100 / kGenres);
    const uint64_t dominant_mass = kTasteScale * kDominantPercent / 100;
    for (size_t j = 0; j < dominant; ++j) {
        taste[genres[j]] += static_cast<uint32_t>(dominant_mass * raw[j] / raw_total);
    }
    return taste;
}

size_t leading_genre(const Taste& taste) {
    return static_cast<size_t>(std::max_element(taste.begin(), taste.end()) - taste.begin());
}

// The taste at step `step` of `steps`: a straight line from start to end.
Taste taste_at(const Taste& start, const Taste& end, size_t step, size_t steps) {
    if (steps < 2) return start;
    Taste taste;
    const uint64_t span = steps - 1;
    for (size_t g = 0; g < kGenres; ++g) {
        taste[g] = static_cast<uint32_t>(
            (uint64_t{start[g]} * (span - step) + uint64_t{end[g]} * step) / span);
    }
    return taste;
}

uint8_t draw_from_taste(Rng& rng, const Taste& taste) {
    uint64_t total = 0;
    for (uint32_t w : taste) total += w;
    uint64_t r = rng.below(total);
    for (size_t g = 0; g < kGenres; ++g) {
        if (r < taste[g]) return static_cast<uint8_t>(g);
        r -= taste[g];
    }
    return 0;
}

// Long-tailed history length with the configured mean: 5 + a Pareto(alpha = 2) tail,
// whose mean is its scale. Only division and sqrt, both exactly rounded in IEEE 754.
size_t draw_history_length(Rng& rng, double mean, size_t cap) {
    const double scale = mean - 5.0;
    const double tail = scale * (1.0 / std::sqrt(rng.unit_open()) - 1.0);
    const double length = 5.0 + std::floor(tail);
    return length >= static_cast<double>(cap) ? cap : static_cast<size_t>(length);
}

struct User {
    Taste start{};
    Taste end{};
    uint8_t mood = 0;                       // the mood this user enjoys most
    std::array<uint32_t, kGenres> niche{};  // the favourite niche within each genre
    int32_t bias = 0;                       // generosity of ratings, thousandths of a star
    int64_t first_time = 0;                 // seconds since the epoch
    int64_t last_time = 0;                  // when the user's activity roughly ends
};

constexpr int64_t kEpoch2012 = 1325376000;  // 2012-01-01T00:00:00Z
constexpr int64_t kDay = 86400;
constexpr int64_t kNewSessionPercent = 33;

User draw_user(Rng& rng) {
    User user;
    user.start = draw_taste(rng, -1);
    // Half the users keep their favourite genre as their taste moves; the others drift away.
    const int keep = rng.percent(50) ? static_cast<int>(leading_genre(user.start)) : -1;
    user.end = draw_taste(rng, keep);
    user.mood = static_cast<uint8_t>(rng.below(kMoods));
    for (size_t g = 0; g < kGenres; ++g) {
        user.niche[g] = static_cast<uint32_t>(g * kNichesPerGenre + rng.below(kNichesPerGenre));
    }
    user.bias = static_cast<int32_t>(rng.between(-500, 500));
    const int64_t active_days = rng.between(30, 1500);
    const auto latest_start = static_cast<uint64_t>((3650 - active_days) * kDay);
    user.first_time = kEpoch2012 + static_cast<int64_t>(rng.below(latest_start));
    user.last_time = user.first_time + active_days * kDay;
    return user;
}

// What one user has watched so far; reset between users without reallocating.
struct Progress {
    std::vector<uint8_t> seen;          // per item
    std::vector<uint32_t> series_done;  // per series: parts watched (always a prefix)
    std::vector<uint32_t> active;       // unfinished series, most recent last
    std::vector<uint32_t> touched_items;
    std::vector<uint32_t> touched_series;

    void reset() {
        for (uint32_t i : touched_items) seen[i] = 0;
        for (uint32_t s : touched_series) series_done[s] = 0;
        touched_items.clear();
        touched_series.clear();
        active.clear();
    }
};

// Series are watched from the start: a later part stands for the first part not yet seen.
uint32_t in_series_order(const Catalog& catalog, const Progress& progress, uint32_t item) {
    const SynthItem& info = catalog.items[item];
    if (info.series < 0) return item;
    const auto s = static_cast<size_t>(info.series);
    const uint32_t next = progress.series_done[s];
    if (info.part <= next) return item;  // part < next is seen already and gets rejected
    return catalog.series[s][next];
}

const WeightedList& choose_list(Rng& rng, const Catalog& catalog, const User& user,
                                const Taste& taste, int previous) {
    const uint64_t r = rng.below(100);
    if (r < 5) return catalog.all;  // pure popularity: what everyone watches
    if (r < 15 && !catalog.by_mood[user.mood].empty()) return catalog.by_mood[user.mood];
    uint8_t genre = draw_from_taste(rng, taste);
    if (r < 45 && previous >= 0) {
        // Sessions hang together: the next pick often shares a genre with the last one.
        const std::vector<uint8_t>& last = catalog.items[static_cast<size_t>(previous)].genres;
        genre = last[rng.below(last.size())];
    }
    const WeightedList& niche = catalog.by_niche[user.niche[genre]];
    if (!niche.empty() && rng.percent(kNichePercent)) return niche;
    return catalog.by_genre[genre].empty() ? catalog.all : catalog.by_genre[genre];
}

uint32_t choose_item(Rng& rng, const Catalog& catalog, const User& user, const Taste& taste,
                     int previous, const Progress& progress) {
    // Someone who has started a series usually goes on with it, most recent first.
    if (!progress.active.empty() && rng.percent(kSeriesContinuePercent)) {
        const uint32_t s = progress.active.back();
        return catalog.series[s][progress.series_done[s]];
    }
    for (int attempt = 0; attempt < 50; ++attempt) {
        const WeightedList& list = choose_list(rng, catalog, user, taste, previous);
        const uint32_t item = in_series_order(catalog, progress, list.draw(rng));
        if (!progress.seen[item]) return item;
    }
    // A heavy user who has exhausted the likely picks takes the next unseen item anywhere.
    const auto n = static_cast<uint32_t>(catalog.items.size());
    for (uint32_t k = 0, start = rng.below32(n);; ++k) {
        const uint32_t item = in_series_order(catalog, progress, (start + k) % n);
        if (!progress.seen[item]) return item;
    }
}

void mark_watched(const Catalog& catalog, Progress& progress, uint32_t item) {
    progress.seen[item] = 1;
    progress.touched_items.push_back(item);
    const SynthItem& info = catalog.items[item];
    if (info.series < 0) return;
    const auto s = static_cast<uint32_t>(info.series);
    if (progress.series_done[s] == 0) progress.touched_series.push_back(s);
    const uint32_t done = ++progress.series_done[s];
    auto& active = progress.active;
    active.erase(std::remove(active.begin(), active.end(), s), active.end());
    if (done < catalog.series[s].size()) active.push_back(s);
}

// Thousandths of a star -> 0.5 .. 5 in half-star steps.
float to_stars(int64_t milli) {
    const int64_t clamped = std::min<int64_t>(5000, std::max<int64_t>(500, milli));
    return static_cast<float>((clamped + 250) / 500) * 0.5f;
}

// Liking = how much of the current taste the item's genres cover, plus the item's quality,
// the user's generosity and mood, plus noise.
float rate(Rng& rng, const Catalog& catalog, const User& user, const Taste& taste, uint32_t item) {
    const SynthItem& info = catalog.items[item];
    uint64_t affinity = 0;
    for (uint8_t g : info.genres) affinity += taste[g];
    affinity /= info.genres.size();
    int64_t milli = 2200 + static_cast<int64_t>(affinity * 5000 / kTasteScale);
    milli += info.quality + user.bias;
    if (contains(info.moods, user.mood)) milli += 300;
    if (user.niche[info.genres[0]] == info.niche) milli += 400;
    milli += rng.between(-350, 350);  // two uniforms: noise that is mostly small
    milli += rng.between(-350, 350);
    return to_stars(milli);
}

// Most pauses are within an evening; the others (new sessions) share out the time left
// until the user's activity ends, so that histories stay inside a plausible date range.
int64_t draw_gap(Rng& rng, const User& user, int64_t now, size_t gaps_left) {
    if (!rng.percent(kNewSessionPercent)) return 1800 + static_cast<int64_t>(rng.below(9000));
    const int64_t remaining = user.last_time - now;
    const int64_t typical = remaining / static_cast<int64_t>(gaps_left) * 100 / kNewSessionPercent;
    const int64_t bound = std::min(remaining, 2 * typical);
    return 6 * 3600 +
           (bound > 0 ? static_cast<int64_t>(rng.below(static_cast<uint64_t>(bound))) : 0);
}

void add_user_history(uint64_t seed, uint32_t u, const Catalog& catalog, double mean, size_t cap,
                      Progress& progress, Interactions& out) {
    Rng rng(seed, 1000 + uint64_t{u});
    const size_t history = draw_history_length(rng, mean, cap);
    const User user = draw_user(rng);
    progress.reset();
    int64_t time = user.first_time;
    int previous = -1;
    for (size_t step = 0; step < history; ++step) {
        const Taste taste = taste_at(user.start, user.end, step, history);
        const uint32_t item = choose_item(rng, catalog, user, taste, previous, progress);
        mark_watched(catalog, progress, item);
        Interaction event;
        event.user = u;
        event.item = item;
        event.rating = rate(rng, catalog, user, taste, item);
        event.timestamp = time;
        out.events.push_back(event);
        time += draw_gap(rng, user, time, history - step);
        previous = static_cast<int>(item);
    }
}

void check_config(const SynthConfig& config) {
    if (config.users == 0) throw Error("argument", "synthetic world needs at least 1 user");
    if (config.items < 10) throw Error("argument", "synthetic world needs at least 10 items");
    if (!std::isfinite(config.mean_history)) {
        throw Error("argument", "synthetic world: mean_history must be a finite number");
    }
}

// Item ids start above every user id (1001.. for up to 1000 users), so the two are never
// confused when reading the CSV by eye.
uint64_t item_id_base(uint32_t users) {
    uint64_t base = 1000;
    while (base < users) base *= 10;
    return base;
}

// New releases: described like the catalog's items but from stream 2 (the catalog uses 1,
// the users 1000 + u), with ids after the catalog's, so that adding them changes nothing
// that was there before. They are not in any series and have no popularity: no one has
// seen them. As in the catalog, the English title is drawn in every language, and a
// Chinese one from a stream of its own (4).
void add_new_releases(const SynthConfig& config, const Catalog& catalog, uint64_t base,
                      SynthWorld& world) {
    Rng rng(config.seed, 2);
    Rng rng_zh(config.seed, 4);
    const bool chinese = config.language == SynthLanguage::Chinese;
    std::unordered_set<std::string> used;
    std::unordered_set<std::string> used_zh;
    for (const SynthItem& item : catalog.items) {
        used.insert(item.title);
        if (chinese) used_zh.insert(item.title_zh);
    }
    for (uint32_t k = 0; k < config.new_releases; ++k) {
        const std::vector<uint8_t> genres = draw_genres(rng);
        const std::vector<uint8_t> moods = draw_moods(rng, genres[0]);
        std::string title = unique_name(rng, used, make_title);
        if (chinese) title = unique_name(rng_zh, used_zh, make_title_zh);
        const std::string id = std::to_string(base + config.items + k + 1);
        world.metadata.items.emplace(id, describe(std::move(title), genres, moods, config.language));
        world.labels[id].genres = static_cast<uint32_t>(genres.size());
        world.new_releases.push_back(id);
    }
}

}  // namespace

SynthWorld generate_synth_world(const SynthConfig& config) {
    check_config(config);
    const Catalog catalog = make_catalog(config.seed, config.items, config.language);
    SynthWorld world;
    Interactions& out = world.interactions;
    out.has_ratings = true;
    out.has_timestamps = true;
    for (uint32_t u = 0; u < config.users; ++u) out.intern_user(std::to_string(u + 1));
    const uint64_t base = item_id_base(config.users);
    for (uint32_t i = 0; i < config.items; ++i) {
        const std::string id = std::to_string(base + i + 1);
        out.intern_item(id);
        const SynthItem& item = catalog.items[i];
        const bool chinese = config.language == SynthLanguage::Chinese;
        world.metadata.items.emplace(id, describe(chinese ? item.title_zh : item.title,
                                                  item.genres, item.moods, config.language));
        SynthLabels& labels = world.labels[id];
        labels.genres = static_cast<uint32_t>(item.genres.size());
        if (item.series >= 0) {
            const auto s = static_cast<size_t>(item.series);
            labels.series = chinese ? catalog.series_names_zh[s] : catalog.series_names[s];
        }
    }
    // No one watches more than half the catalog: past that, "no repeats" would force
    // users into items far from their taste.
    const size_t half = config.items / 2;
    const double mean = std::min(static_cast<double>(half),
                                 std::max(5.0, static_cast<double>(config.mean_history)));
    const size_t cap = std::min(half, static_cast<size_t>(20.0 * mean));
    Progress progress;
    progress.seen.assign(config.items, 0);
    progress.series_done.assign(catalog.series.size(), 0);
    for (uint32_t u = 0; u < config.users; ++u) {
        add_user_history(config.seed, u, catalog, mean, cap, progress, out);
    }
    add_new_releases(config, catalog, base, world);
    // The kinds items.csv's columns give these tags when it is read back (where the series'
    // names are tags of kind series too).
    for (uint8_t g = 0; g < kGenres; ++g)
        world.metadata.tag_kinds.emplace(genre_name(g, config.language), TagKind::Genre);
    for (uint8_t m = 0; m < kMoods; ++m)
        world.metadata.tag_kinds.emplace(mood_name(m, config.language), TagKind::Mood);
    return world;
}

namespace {

std::string format_rating(float rating) {
    // Tenths by integer arithmetic: the text must not depend on the C library's printf.
    const long long tenths = std::llround(static_cast<double>(rating) * 10.0);
    const unsigned long long magnitude =
        static_cast<unsigned long long>(tenths < 0 ? -tenths : tenths);
    return std::string(tenths < 0 ? "-" : "") + std::to_string(magnitude / 10) + "." +
           std::to_string(magnitude % 10);
}

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("io", "cannot write " + path.string());
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) throw Error("io", "cannot write " + path.string());
}

}  // namespace

void write_synth_world(const SynthWorld& world, const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error("io", "cannot create directory " + dir + ": " + ec.message());
    const Interactions& data = world.interactions;

    std::string ratings = "user,item,rating,timestamp\n";
    ratings.reserve(data.events.size() * 28);
    for (const Interaction& e : data.events) {
        ratings += data.user_ids[e.user];
        ratings += ',';
        ratings += data.item_ids[e.item];
        ratings += ',';
        ratings += format_rating(e.rating);
        ratings += ',';
        ratings += std::to_string(e.timestamp);
        ratings += '\n';
    }
    write_file(fs::path(dir) / "ratings.csv", ratings);

    // Catalog order, not hash-map order, so the file is the same on every platform; new
    // releases last, so the rated items' lines are the same with or without them.
    std::vector<std::string> ids = data.item_ids;
    ids.insert(ids.end(), world.new_releases.begin(), world.new_releases.end());
    std::string items = "id,title,genres,moods,series\n";
    for (const std::string& id : ids) {
        const auto found = world.metadata.items.find(id);
        if (found == world.metadata.items.end()) continue;
        const auto labels = world.labels.find(id);
        if (labels == world.labels.end())
            throw Error("argument", "synthetic world: item " + id + " has no labels");
        const std::vector<std::string>& tags = found->second.tags;
        const size_t genres = std::min<size_t>(labels->second.genres, tags.size());
        std::string genre_list, mood_list;
        for (size_t t = 0; t < tags.size(); ++t) {
            std::string& list = t < genres ? genre_list : mood_list;
            list += (list.empty() ? "" : "|") + tags[t];
        }
        append_csv_field(items, id);
        items += ',';
        append_csv_field(items, found->second.title);
        items += ',';
        append_csv_field(items, genre_list);
        items += ',';
        append_csv_field(items, mood_list);
        items += ',';
        append_csv_field(items, labels->second.series);
        items += '\n';
    }
    write_file(fs::path(dir) / "items.csv", items);
}

}  // namespace hearth
