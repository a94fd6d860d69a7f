// Moods and contexts ("cozy", "family night") as signed weights over a catalog's tags: what
// the re-ranker's mood control adds to an item's score. A trainer derives the map from the
// catalog's own tag names and stores it in the bundle (mood.* sections, FORMAT.md), so a
// device offers only the moods its catalog can express. Read back by core/device/engine/moods.h.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/device/bundle/bundle.h"

namespace hearth {

struct MoodMap {
    std::vector<std::string> names;  // unique
    // Per mood: (tag index, weight in [-1, 1]), tag indices strictly ascending.
    std::vector<std::vector<std::pair<uint32_t, float>>> weights;
};

// The built-in lexicon of moods matched against `tag_names` (case, spaces and punctuation
// ignored: "Sci-Fi" matches "scifi"). A tag that is the mood's own word weighs 1; related
// genres and words weigh 0.3-0.9, opposite ones negative. Most words have a Simplified
// Chinese counterpart of the same weight (温馨 for cozy, 喜剧 for Comedy); the moods are
// named in Chinese when more of the tags match Chinese words than English ones. A mood is
// kept when at least one tag matches it with a positive weight: a mood that can only push
// items down gives the user nothing to choose it for. When no mood is kept, the fallback
// is one context per most frequent tag (at most 8, by `tag_frequency`, ties and a missing
// frequency list in tag order; tags with frequency 0 left out), named after the tag,
// weight 1 on it.
MoodMap default_mood_map(const std::vector<std::string>& tag_names,
                         const std::vector<float>& tag_frequency = {});

// The mood.names, mood.offsets, mood.tags and mood.weights sections. Throws
// Error("argument", ...) naming the mood when the map breaks a rule above, so a writer
// never produces a bundle the reader would reject (tag indices are checked on reading,
// against the catalog).
void write_mood_sections(BundleWriter& writer, const MoodMap& moods);

}  // namespace hearth
