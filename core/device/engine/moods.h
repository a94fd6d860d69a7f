// The mood map stored in a bundle (mood.* sections, core/device/bundle/FORMAT.md): named moods and
// contexts, each a list of signed weights over the catalog's tags, for the re-ranker's
// mood control. Written by core/train/export/mood_map.h.
#pragma once
#include <cstdint>
#include <string_view>

#include "core/device/bundle/bundle.h"

namespace hearth {

class MoodTable {
public:
    MoodTable() = default;
    // A bundle without mood sections has no moods. Present sections are checked in full
    // (all four present, counts, offsets, tag indices < tag_count, strictly ascending
    // within a mood, weights finite and in [-1, 1], unique names); a violation throws
    // Error("bundle", "section 'mood.<what>': ...") naming the mood and entry.
    MoodTable(const BundleReader& bundle, uint32_t tag_count);

    uint32_t size() const { return names_.size(); }
    std::string_view name(uint32_t mood) const { return names_[mood]; }
    int64_t find(std::string_view name) const;  // index of the mood, or -1
    // Writes tag_count weights: the mood's weight for each tag, 0 for tags it does not name.
    void weights(uint32_t mood, float* out_per_tag) const;
    uint32_t tag_count() const { return tag_count_; }

private:
    StringTable names_;
    Span<uint32_t> offsets_, tags_;
    Span<float> weights_;
    uint32_t tag_count_ = 0;
};

}  // namespace hearth
