// A deterministic synthetic world: Hearth's own default data and the data of most tests.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/data/interactions.h"

namespace hearth {

// The language of the world's words: titles, genre, mood and series names. Only words: the
// users, events, ratings and times are the same in every language.
enum class SynthLanguage { English, Chinese };

struct SynthConfig {
    uint32_t items = 2000;
    uint32_t users = 1000;
    uint64_t seed = 42;
    float mean_history = 40.0f;  // mean events per user (long-tailed around it, at least 5)
    // Items with titles and tags that no one has rated yet: in the metadata, not in the
    // interactions. Drawn from their own random stream, so the rest of the world is the
    // same whatever their number.
    uint32_t new_releases = 40;
    SynthLanguage language = SynthLanguage::English;
};

// How an item's tags split into items.csv's columns.
struct SynthLabels {
    uint32_t genres = 0;  // the first `genres` tags are genres, the rest moods
    std::string series;   // the series' name ("Starfall Saga", 星落传奇), empty outside one
};

struct SynthWorld {
    Interactions interactions;  // ratings 0.5..5 in 0.5 steps, with timestamps
    // Readable titles; tags are the genres (1-3, primary first), then the moods (1-2), with
    // their kinds in tag_kinds. Parts of a series are titled "NAME, Part N" (Chinese:
    // "NAME 第N部"); the series' name is a tag only in items.csv, in its own column.
    ItemMetadata metadata;
    std::unordered_map<std::string, SynthLabels> labels;  // per id in `metadata`
    std::vector<std::string> new_releases;  // ids in `metadata` only, after the rated items
};

// Same config (including seed) -> byte-identical world on every platform; configs that
// differ only in language -> identical interactions.
SynthWorld generate_synth_world(const SynthConfig& config);

// Writes `dir`/ratings.csv (header user,item,rating,timestamp) and `dir`/items.csv
// (header id,title,genres,moods,series; genres and moods '|'-separated, series empty outside
// a series; UTF-8 without a BOM; the rated items in catalog order, then the new releases),
// readable by the readers in readers.h.
// Creates `dir` if needed; throws Error("io", ...) when a file cannot be written.
void write_synth_world(const SynthWorld& world, const std::string& dir);

}  // namespace hearth
