// Readers for the interaction logs and item metadata Hearth trains on.
//
// Every reader follows the same error policy: a file that cannot be opened, or that has
// no usable row at all, throws hearth::Error("data", ...) naming the file; a malformed row
// (wrong field count, unparsable number, NaN/inf or out-of-range rating, empty id, a NUL
// byte in an id, title or tag, which no bundle could hold) is skipped, recorded in the
// ParseReport with file and line, and never affects other rows.
#pragma once
#include <string>

#include "core/data/interactions.h"

namespace hearth {

// CSV `user,item,rating[,timestamp]` or `user,item` (implicit, rating 1), with or without
// a header row (a first row whose rating/timestamp fields are not numbers is a header).
// Handles quoted fields, CRLF and LF, a UTF-8 BOM. Ratings must be finite and in
// [-1e6, 1e6]; timestamps are integers (seconds). Covers MovieLens ratings.csv.
Interactions read_interactions_csv(const std::string& path, ParseReport& report);

// Sequence format, one user per line: `user item item ...` (items in time order; S3-Rec /
// ICLRec style), also the SASRec `user item` one-interaction-per-line format (lines of
// the same user are appended in order). Timestamps are the position in the sequence.
Interactions read_sequences(const std::string& path, ParseReport& report);

// Item metadata CSV `id,title,tags` with tags separated by '|' (MovieLens movies.csv:
// `movieId,title,genres`, where "(no genres listed)" means no tags). Header optional.
ItemMetadata read_item_metadata(const std::string& path, ParseReport& report);

enum class DataFormat { Auto, Csv, Sequences, MovieLens };

// A training source: interactions plus (possibly empty) metadata.
struct Dataset {
    Interactions interactions;
    ItemMetadata metadata;
    std::vector<ParseReport> reports;  // one per file read
};

// Loads `path` in `format`. Auto: a directory holding ratings.csv (+ movies.csv) is
// MovieLens; a file whose first data lines are all whitespace-separated tokens with no
// commas is Sequences; anything else is Csv. `items_path` (may be empty) adds metadata;
// for MovieLens, movies.csv in the directory is used when `items_path` is empty.
Dataset load_dataset(const std::string& path, DataFormat format, const std::string& items_path);

DataFormat parse_data_format(const std::string& name);  // "auto", "csv", "seq", "movielens"

}  // namespace hearth
