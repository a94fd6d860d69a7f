// What a catalog tag is: a genre, a mood, the series an item belongs to, or anything else.
// The trainer learns it from the item file (a genres/moods/series column, or a "mood:" style
// prefix) and stores it per tag in the bundle (catalog.tag_kinds), so a page can tell genres
// from moods in any language instead of guessing from the spelling.
#pragma once
#include <cstdint>
#include <string_view>

namespace hearth {

enum class TagKind : uint8_t { Other, Genre, Mood, Series };

constexpr std::string_view kTagKindNames[] = {"other", "genre", "mood", "series"};

inline std::string_view tag_kind_name(TagKind kind) { return kTagKindNames[static_cast<uint8_t>(kind)]; }

// The kind called `name` ("genre", ...), or false when there is none.
inline bool tag_kind_of(std::string_view name, TagKind& kind) {
    for (uint8_t k = 0; k < 4; ++k)
        if (kTagKindNames[k] == name) {
            kind = static_cast<TagKind>(k);
            return true;
        }
    return false;
}

}  // namespace hearth
