// In-memory interaction logs and item metadata, as read from files or generated.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/common/tag_kind.h"

namespace hearth {

// One event, with dense user/item indices into Interactions::user_ids / item_ids.
struct Interaction {
    uint32_t user = 0;
    uint32_t item = 0;
    float rating = 1.0f;    // 1.0 when the source has no rating (implicit feedback)
    int64_t timestamp = 0;  // seconds; for sources without time, the position in the user's sequence
};

struct Interactions {
    std::vector<std::string> user_ids;  // dense user index -> external id
    std::vector<std::string> item_ids;  // dense item index -> external id
    std::vector<Interaction> events;    // in source order
    bool has_ratings = false;           // ratings are explicit values, not all 1.0
    bool has_timestamps = false;        // timestamps come from the source, not from order

    // Dense index of an external id, registering it if new.
    uint32_t intern_user(const std::string& id);
    uint32_t intern_item(const std::string& id);

private:
    std::unordered_map<std::string, uint32_t> user_index_;
    std::unordered_map<std::string, uint32_t> item_index_;
};

struct ItemInfo {
    std::string title;
    std::vector<std::string> tags;  // genres, moods and other labels, in source order, no duplicates
};

// Item metadata keyed by external item id.
struct ItemMetadata {
    std::unordered_map<std::string, ItemInfo> items;
    // The kinds the file gave its tags (a genres/moods/series column or a "mood:" prefix);
    // a tag not listed here is of kind Other. The first kind a tag is given is kept.
    std::unordered_map<std::string, TagKind> tag_kinds;
};

// What a reader accepted and skipped. Problems are "file:line: message" strings;
// only the first `max_problems` are kept, but `skipped` counts all of them.
struct ParseReport {
    std::string file;
    size_t lines = 0;     // data lines seen (header and blank lines excluded)
    size_t accepted = 0;  // rows that became events / items
    size_t skipped = 0;   // malformed rows that were left out
    std::vector<std::string> problems;
    size_t max_problems = 20;
    // How the file was read, for the load summary: delimiter, header, the column of each
    // field, e.g. "comma-separated, header: user=userId, item=movieId, rating=rating".
    std::string layout;

    void add_problem(size_t line, const std::string& message);
    // One line: "ratings.csv: 100836 rows, 100830 accepted, 6 skipped" (+ first problems).
    std::string summary() const;
};

}  // namespace hearth
