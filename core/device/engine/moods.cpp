#include "core/device/engine/moods.h"

#include <cmath>
#include <string>
#include <unordered_set>

#include "core/common/error.h"

namespace hearth {

namespace {

const char* const kSections[] = {"mood.names", "mood.offsets", "mood.tags", "mood.weights"};

[[noreturn]] void fail(const char* section, const std::string& message) {
    throw Error("bundle", std::string("section '") + section + "': " + message);
}

std::string mood_label(const StringTable& names, uint32_t mood) {
    return "mood " + std::to_string(mood) + " ('" + std::string(names[mood]) + "')";
}

}  // namespace

MoodTable::MoodTable(const BundleReader& bundle, uint32_t tag_count) : tag_count_(tag_count) {
    int present = 0;
    for (const char* s : kSections) present += bundle.has(s) ? 1 : 0;
    if (present == 0) return;
    for (const char* s : kSections)
        if (!bundle.has(s)) fail(s, "missing, but other mood.* sections are present");

    names_ = bundle.strings("mood.names");
    const uint32_t count = names_.size();
    offsets_ = bundle.u32("mood.offsets", BundleReader::any, 1);
    tags_ = bundle.u32("mood.tags", BundleReader::any, 1);
    weights_ = bundle.f32("mood.weights", BundleReader::any, 1);
    // 64-bit: count + 1 must not wrap around for a hostile count.
    if (offsets_.size != uint64_t{count} + 1)
        fail("mood.offsets", std::to_string(offsets_.size) + " offsets for " +
                                 std::to_string(count) + " moods (expected moods + 1)");
    if (weights_.size != tags_.size)
        fail("mood.weights", std::to_string(weights_.size) + " weights for " +
                                 std::to_string(tags_.size) + " tags in 'mood.tags'");
    if (offsets_[0] != 0) fail("mood.offsets", "first offset is not 0");
    for (uint32_t m = 0; m < count; ++m)
        if (offsets_[m + 1] < offsets_[m])
            fail("mood.offsets", "offsets decrease at " + mood_label(names_, m));
    if (offsets_[count] != tags_.size)
        fail("mood.offsets", "last offset " + std::to_string(offsets_[count]) + " != " +
                                 std::to_string(tags_.size) + " entries in 'mood.tags'");

    std::unordered_set<std::string_view> seen;
    for (uint32_t m = 0; m < count; ++m) {
        if (!seen.insert(names_[m]).second)
            fail("mood.names", mood_label(names_, m) + " has the name of an earlier mood");
        for (uint32_t k = offsets_[m]; k < offsets_[m + 1]; ++k) {
            const std::string where =
                " at entry " + std::to_string(k) + " (" + mood_label(names_, m) + ")";
            if (tags_[k] >= tag_count)
                fail("mood.tags", "tag " + std::to_string(tags_[k]) + where +
                                      " is not one of the " + std::to_string(tag_count) +
                                      " catalog tags");
            if (k > offsets_[m] && tags_[k] <= tags_[k - 1])
                fail("mood.tags", "tag indices are not strictly ascending" + where);
            const float w = weights_[k];
            if (!std::isfinite(w) || w < -1.0f || w > 1.0f)
                fail("mood.weights", "weight" + where + " is not a number in [-1, 1]");
        }
    }
}

int64_t MoodTable::find(std::string_view name) const {
    // A handful of moods: a scan is cheaper than keeping an index.
    for (uint32_t m = 0; m < size(); ++m)
        if (names_[m] == name) return m;
    return -1;
}

void MoodTable::weights(uint32_t mood, float* out_per_tag) const {
    if (mood >= size())
        throw Error("argument", "mood " + std::to_string(mood) + " out of range (the bundle has " +
                                    std::to_string(size()) + " moods)");
    for (uint32_t t = 0; t < tag_count_; ++t) out_per_tag[t] = 0.0f;
    for (uint32_t k = offsets_[mood]; k < offsets_[mood + 1]; ++k)
        out_per_tag[tags_[k]] = weights_[k];
}

}  // namespace hearth
