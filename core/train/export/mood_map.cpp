#include "core/train/export/mood_map.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

#include "core/common/error.h"

namespace hearth {

namespace {

struct Related {
    const char* word;  // normalised: lower-case ASCII letters and digits only
    float weight;
};

struct LexiconMood {
    const char* name;
    const char* name_zh;           // its name in Simplified Chinese, also a word weighing 1
    std::vector<Related> related;  // the mood's own word weighs 1 without being listed
};

// Words are the genre names of MovieLens (and of the synthetic world, whose moods are tags
// too), plus a few common tag words. Opposites are what the mood rules out, not merely
// what it does not ask for: a cozy evening excludes horror, not documentaries.
const std::vector<LexiconMood>& lexicon() {
    static const std::vector<LexiconMood> moods = {
        {"cozy", "温馨",
         {{"cosy", 1.0f}, {"heartwarming", 0.8f}, {"feelgood", 0.8f}, {"comedy", 0.5f},
          {"romance", 0.5f}, {"animation", 0.5f}, {"children", 0.5f}, {"family", 0.6f},
          {"musical", 0.4f}, {"funny", 0.4f}, {"whimsical", 0.4f}, {"romantic", 0.3f},
          {"horror", -0.7f}, {"thriller", -0.5f}, {"war", -0.5f}, {"crime", -0.3f},
          {"filmnoir", -0.3f}, {"dark", -0.6f}, {"tense", -0.6f}}},
        {"thrilling", "刺激",
         {{"exciting", 0.8f}, {"action", 0.8f}, {"adventure", 0.7f}, {"thriller", 0.7f},
          {"scifi", 0.4f}, {"western", 0.4f}, {"imax", 0.3f}, {"tense", 0.4f},
          {"documentary", -0.5f}, {"musical", -0.4f}, {"cozy", -0.4f},
          {"melancholic", -0.3f}}},
        {"uplifting", "励志",
         {{"inspiring", 0.8f}, {"inspirational", 0.8f}, {"feelgood", 0.8f},
          {"heartwarming", 0.7f}, {"musical", 0.6f}, {"animation", 0.5f}, {"children", 0.5f},
          {"family", 0.5f}, {"comedy", 0.4f}, {"funny", 0.3f}, {"horror", -0.7f},
          {"filmnoir", -0.6f}, {"war", -0.5f}, {"dark", -0.6f}, {"melancholic", -0.5f},
          {"sad", -0.6f}}},
        {"dark", "暗黑",
         {{"bleak", 0.8f}, {"gritty", 0.7f}, {"horror", 0.7f}, {"filmnoir", 0.8f},
          {"crime", 0.6f}, {"thriller", 0.5f}, {"war", 0.4f}, {"mystery", 0.4f},
          {"tense", 0.4f}, {"children", -0.7f}, {"animation", -0.5f}, {"musical", -0.5f},
          {"comedy", -0.5f}, {"funny", -0.5f}, {"cozy", -0.5f}, {"uplifting", -0.6f},
          {"whimsical", -0.4f}}},
        {"funny", "搞笑",
         {{"humorous", 0.9f}, {"hilarious", 0.9f}, {"comedy", 0.8f}, {"parody", 0.8f},
          {"satire", 0.7f}, {"animation", 0.4f}, {"children", 0.3f}, {"whimsical", 0.4f},
          {"horror", -0.4f}, {"war", -0.6f}, {"documentary", -0.3f}, {"dark", -0.4f},
          {"melancholic", -0.5f}}},
        {"romantic", "浪漫",
         {{"romance", 0.9f}, {"love", 0.7f}, {"musical", 0.4f}, {"comedy", 0.3f},
          {"drama", 0.3f}, {"cozy", 0.3f}, {"horror", -0.6f}, {"war", -0.5f},
          {"dark", -0.4f}}},
        {"thoughtful", "深思",
         {{"philosophical", 0.8f}, {"thoughtprovoking", 0.9f}, {"documentary", 0.8f},
          {"drama", 0.6f}, {"scifi", 0.4f}, {"mystery", 0.3f}, {"war", 0.3f},
          {"melancholic", 0.3f}, {"action", -0.4f}}},
        {"tense", "紧张",
         {{"suspense", 0.9f}, {"suspenseful", 0.9f}, {"thriller", 0.9f}, {"horror", 0.6f},
          {"mystery", 0.6f}, {"crime", 0.5f}, {"filmnoir", 0.5f}, {"war", 0.4f},
          {"action", 0.4f}, {"thrilling", 0.4f}, {"dark", 0.3f}, {"children", -0.6f},
          {"animation", -0.5f}, {"musical", -0.5f}, {"comedy", -0.4f}, {"cozy", -0.6f}}},
        {"whimsical", "奇趣",
         {{"quirky", 0.8f}, {"surreal", 0.6f}, {"fantasy", 0.8f}, {"animation", 0.8f},
          {"children", 0.6f}, {"musical", 0.6f}, {"comedy", 0.4f}, {"funny", 0.3f},
          {"war", -0.6f}, {"documentary", -0.5f}, {"horror", -0.4f}, {"crime", -0.4f},
          {"filmnoir", -0.5f}, {"dark", -0.4f}}},
        {"melancholic", "忧郁",
         {{"melancholy", 1.0f}, {"sad", 0.9f}, {"bittersweet", 0.8f}, {"drama", 0.6f},
          {"romance", 0.4f}, {"war", 0.4f}, {"filmnoir", 0.4f}, {"thoughtful", 0.3f},
          {"comedy", -0.5f}, {"children", -0.5f}, {"animation", -0.4f}, {"action", -0.3f},
          {"funny", -0.6f}, {"uplifting", -0.5f}}},
        {"family night", "合家欢",
         {{"family", 0.9f}, {"kids", 0.8f}, {"children", 0.9f}, {"animation", 0.8f},
          {"adventure", 0.4f}, {"comedy", 0.4f}, {"fantasy", 0.4f}, {"musical", 0.4f},
          {"whimsical", 0.4f}, {"horror", -1.0f}, {"thriller", -0.6f}, {"crime", -0.6f},
          {"war", -0.6f}, {"filmnoir", -0.6f}, {"dark", -0.6f}, {"tense", -0.4f}}},
        {"short attention", "碎片时间",
         {{"short", 0.9f}, {"shorts", 0.9f}, {"comedy", 0.4f}, {"animation", 0.4f},
          {"action", 0.3f}, {"funny", 0.3f}, {"epic", -0.6f}, {"long", -0.6f},
          {"drama", -0.4f}, {"war", -0.4f}, {"documentary", -0.3f}}},
    };
    return moods;
}

// The Chinese for the lexicon's other words, so that a Chinese catalog's tags relate to the
// moods as their English counterparts do (the weight is the English word's). Genre names as
// Douban and the synthetic world (hearth synth --lang zh) spell them. One Chinese word per
// entry and no word twice, so no mood gets two weights for one tag.
const std::vector<std::pair<const char*, const char*>>& chinese_words() {
    static const std::vector<std::pair<const char*, const char*>> words = {
        {"action", "动作"},      {"adventure", "冒险"},    {"animation", "动画"},
        {"children", "儿童"},    {"comedy", "喜剧"},       {"crime", "犯罪"},
        {"documentary", "纪录片"}, {"drama", "剧情"},       {"fantasy", "奇幻"},
        {"filmnoir", "黑色电影"}, {"horror", "恐怖"},       {"musical", "歌舞"},
        {"mystery", "悬疑"},     {"romance", "爱情"},      {"scifi", "科幻"},
        {"thriller", "惊悚"},    {"war", "战争"},          {"western", "西部"},
        {"family", "家庭"},      {"short", "短片"},        {"epic", "史诗"},
        {"heartwarming", "暖心"}, {"feelgood", "治愈"},    {"inspiring", "鼓舞人心"},
        {"bleak", "压抑"},       {"humorous", "幽默"},     {"hilarious", "爆笑"},
        {"parody", "恶搞"},      {"satire", "讽刺"},       {"philosophical", "哲理"},
        {"thoughtprovoking", "发人深省"}, {"suspense", "悬念"}, {"quirky", "古怪"},
        {"surreal", "超现实"},   {"melancholy", "忧伤"},   {"sad", "悲伤"},
    };
    return words;
}

// "Film-Noir" -> "filmnoir", "Children's" -> "childrens": tag vocabularies differ in case
// and punctuation far more than in words. Non-ASCII bytes (Chinese words) are kept as they
// are.
std::string normalise(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c >= 'A' && c <= 'Z') {
            out += static_cast<char>(c - 'A' + 'a');
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   static_cast<unsigned char>(c) >= 0x80) {
            out += c;
        }
    }
    return out;
}

// Spellings of one genre across datasets (MovieLens 1M: "Children's").
std::string canonical_word(std::string word) {
    if (word == "childrens") word = "children";
    return word;
}

MoodMap frequent_tags(const std::vector<std::string>& tag_names,
                      const std::vector<float>& tag_frequency) {
    std::vector<uint32_t> order;
    for (uint32_t t = 0; t < tag_names.size(); ++t)
        if (tag_frequency.empty() || tag_frequency[t] > 0.0f) order.push_back(t);
    const auto frequency = [&](uint32_t t) {
        return tag_frequency.empty() ? 0.0f : tag_frequency[t];
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return frequency(a) > frequency(b); });
    constexpr size_t kFallbackMoods = 8;
    if (order.size() > kFallbackMoods) order.resize(kFallbackMoods);
    MoodMap map;
    for (uint32_t t : order) {
        map.names.push_back(tag_names[t]);
        map.weights.push_back({{t, 1.0f}});
    }
    return map;
}

}  // namespace

MoodMap default_mood_map(const std::vector<std::string>& tag_names,
                         const std::vector<float>& tag_frequency) {
    if (!tag_frequency.empty() && tag_frequency.size() != tag_names.size())
        throw Error("argument", "mood map: " + std::to_string(tag_frequency.size()) +
                                    " tag frequencies for " + std::to_string(tag_names.size()) +
                                    " tags");
    std::vector<std::string> words(tag_names.size());
    for (size_t t = 0; t < tag_names.size(); ++t)
        words[t] = canonical_word(normalise(tag_names[t]));

    // English words -> their Chinese, the moods' own names included.
    std::unordered_map<std::string, std::string> chinese;
    for (const auto& [english, word] : chinese_words()) chinese[english] = word;
    for (const LexiconMood& mood : lexicon()) chinese[normalise(mood.name)] = mood.name_zh;
    std::set<std::string> chinese_set;
    for (const auto& entry : chinese) chinese_set.insert(entry.second);

    // The moods are named in the language most of the matching tags are in.
    std::set<std::string> english_set;
    for (const LexiconMood& mood : lexicon()) {
        english_set.insert(normalise(mood.name));
        for (const Related& r : mood.related) english_set.insert(r.word);
    }
    size_t english_tags = 0, chinese_tags = 0;
    for (const std::string& word : words) {
        english_tags += english_set.count(word);
        chinese_tags += chinese_set.count(word);
    }
    const bool in_chinese = chinese_tags > english_tags;

    MoodMap map;
    for (const LexiconMood& mood : lexicon()) {
        std::unordered_map<std::string, float> weight_of;
        for (const Related& r : mood.related) {
            weight_of[r.word] = r.weight;
            const auto zh = chinese.find(r.word);
            if (zh != chinese.end()) weight_of[zh->second] = r.weight;
        }
        weight_of[normalise(mood.name)] = 1.0f;
        weight_of[mood.name_zh] = 1.0f;
        std::vector<std::pair<uint32_t, float>> weights;
        bool positive = false;
        for (uint32_t t = 0; t < words.size(); ++t) {
            const auto it = weight_of.find(words[t]);
            if (it == weight_of.end()) continue;
            weights.emplace_back(t, it->second);
            positive = positive || it->second > 0.0f;
        }
        if (!positive) continue;
        map.names.emplace_back(in_chinese ? mood.name_zh : mood.name);
        map.weights.push_back(std::move(weights));
    }
    if (map.names.empty()) return frequent_tags(tag_names, tag_frequency);
    return map;
}

void write_mood_sections(BundleWriter& w, const MoodMap& moods) {
    if (moods.weights.size() != moods.names.size())
        throw Error("argument", "mood map: " + std::to_string(moods.names.size()) + " names but " +
                                    std::to_string(moods.weights.size()) + " weight lists");
    std::set<std::string> seen;
    std::vector<uint32_t> offsets{0}, tags;
    std::vector<float> weights;
    for (size_t m = 0; m < moods.names.size(); ++m) {
        const std::string& name = moods.names[m];
        if (!seen.insert(name).second)
            throw Error("argument", "mood map: mood '" + name + "' occurs twice");
        for (size_t k = 0; k < moods.weights[m].size(); ++k) {
            const auto [tag, weight] = moods.weights[m][k];
            if (k > 0 && tag <= moods.weights[m][k - 1].first)
                throw Error("argument", "mood map: mood '" + name +
                                            "': tag indices are not strictly ascending");
            if (!std::isfinite(weight) || weight < -1.0f || weight > 1.0f)
                throw Error("argument", "mood map: mood '" + name + "': weight of tag " +
                                            std::to_string(tag) + " is outside [-1, 1]");
            tags.push_back(tag);
            weights.push_back(weight);
        }
        offsets.push_back(static_cast<uint32_t>(tags.size()));
    }
    const auto count = static_cast<uint32_t>(moods.names.size());
    const auto nnz = static_cast<uint32_t>(tags.size());
    w.add_strings("mood.names", moods.names);
    w.add_u32("mood.offsets", offsets.data(), count + 1, 1);
    w.add_u32("mood.tags", tags.data(), nnz, 1);
    w.add_f32("mood.weights", weights.data(), nnz, 1);
}

}  // namespace hearth
