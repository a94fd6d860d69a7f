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
// A header is read by column names (userId, user_id, customer_id, reviewerID; movieId,
// item_id, asin; rating, score, stars, overall; timestamp, time, date, unixReviewTime ...,
// any case; other columns are ignored); a header that names no user or item column is
// refused. Timestamps may also be ISO dates ("2018-09-24", "2018-09-24 13:05:00").
Interactions read_interactions_csv(const std::string& path, ParseReport& report);

// The same for any delimiter: ',', '\t', ';', ' ' (runs of spaces and tabs) or 0 to detect
// it. `columns` (the --columns option; empty: by header or position) lists the user, item,
// rating and timestamp columns as header names or 1-based positions, "-" for none, e.g.
// "customer,movie,stars,date", "2,1,3,4" or "user,item,-,timestamp".
// report.layout says what was used.
Interactions read_interactions_table(const std::string& path, ParseReport& report,
                                     char delimiter, const std::string& columns);

// Sequence format, one user per line: `user item item ...` (items in time order; S3-Rec /
// ICLRec style), also the SASRec `user item` one-interaction-per-line format (lines of
// the same user are appended in order). Timestamps are the position in the sequence.
Interactions read_sequences(const std::string& path, ParseReport& report);

// Item metadata CSV `id,title,tags` with tags separated by '|' (MovieLens movies.csv:
// `movieId,title,genres`, where "(no genres listed)" means no tags). Header optional; a
// header is read by names (id/item_id/movieId/asin..., title/name, tags/genres/categories)
// in any order, and one without an id column, or with neither title nor tags, is refused.
// Comma, tab or semicolon delimited (detected).
ItemMetadata read_item_metadata(const std::string& path, ParseReport& report);

// Csv: comma-separated table; Tsv: tab-separated; Table: a table whose delimiter is
// detected (tab, comma, semicolon or whitespace).
enum class DataFormat { Auto, Csv, Tsv, Table, Sequences, MovieLens };

// A training source: interactions plus (possibly empty) metadata.
struct Dataset {
    Interactions interactions;
    ItemMetadata metadata;
    std::vector<ParseReport> reports;  // one per file read
    std::vector<std::string> notes;    // e.g. which item file was found beside the ratings
};

// Loads `path` in `format`. Auto: a directory holding ratings.csv (+ movies.csv) is
// MovieLens; a file with commas or semicolons is a table; a file of tab- or space-separated
// fields is a table when its header names the columns or its first lines have a constant
// 3 or 4 fields with rating-like 3rd and Unix-time 4th (or fractional 3rd) fields, the
// sequence format when the lines vary in length, are pairs, or cannot hold ratings, and
// is refused (asking for --format) when it could be either. `items_path` (may be empty)
// adds metadata; for MovieLens (a folder, or a file named ratings.csv), movies.csv or
// items.csv beside the ratings is used when `items_path` is empty, and Dataset::notes
// says so (or that there is none). `columns`: see read_interactions_table.
Dataset load_dataset(const std::string& path, DataFormat format, const std::string& items_path,
                     const std::string& columns = "");

// "auto", "csv", "tsv", "table" (or "ratings"), "seq", "movielens".
DataFormat parse_data_format(const std::string& name);

// What was read, for a person to check at a glance (several lines, each ending in '\n'):
// file and layout, events/users/items, rating range, time span, the first `rows` events,
// the item file and how many items with events it covers, and the notes.
std::string describe_dataset(const Dataset& data, size_t rows = 3);

}  // namespace hearth
