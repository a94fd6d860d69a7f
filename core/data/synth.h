// A deterministic synthetic world: Hearth's own default data and the data of most tests.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/data/interactions.h"

namespace hearth {

struct SynthConfig {
    uint32_t items = 2000;
    uint32_t users = 1000;
    uint64_t seed = 42;
    float mean_history = 40.0f;  // mean events per user (long-tailed around it, at least 5)
    // Items with titles and tags that no one has rated yet: in the metadata, not in the
    // interactions. Drawn from their own random stream, so the rest of the world is the
    // same whatever their number.
    uint32_t new_releases = 40;
};

struct SynthWorld {
    Interactions interactions;  // ratings 0.5..5 in 0.5 steps, with timestamps
    ItemMetadata metadata;      // readable titles, genres and mood tags
    std::vector<std::string> new_releases;  // ids in `metadata` only, after the rated items
};

// Same config (including seed) -> byte-identical world on every platform.
SynthWorld generate_synth_world(const SynthConfig& config);

// Writes `dir`/ratings.csv (header user,item,rating,timestamp) and `dir`/items.csv
// (header id,title,tags; tags '|'-separated; the rated items in catalog order, then the
// new releases), readable by the readers in readers.h.
// Creates `dir` if needed; throws Error("io", ...) when a file cannot be written.
void write_synth_world(const SynthWorld& world, const std::string& dir);

}  // namespace hearth
