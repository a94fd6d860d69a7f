#include "core/data/readers.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/error.h"
#include "core/data/csv.h"

namespace hearth {

namespace {

namespace fs = std::filesystem;

void reset_report(ParseReport& report, const std::string& path) {
    const size_t max_problems = report.max_problems;
    report = ParseReport{};
    report.max_problems = max_problems;
    report.file = path;
}

// A field quoted in a message, shortened so that a huge garbage line cannot flood the report.
std::string shown(std::string_view text) {
    constexpr size_t kMax = 40;
    if (text.size() <= kMax) return "'" + std::string(text) + "'";
    return "'" + std::string(text.substr(0, kMax)) + "...'";
}

// A NUL byte cannot be stored in a bundle's string tables (FORMAT.md), and text with one is
// not text: a row holding one is malformed, caught here with its line rather than at export.
std::string nul_problem(const char* what, std::string_view text) {
    const size_t at = text.find('\0');
    if (at == std::string_view::npos) return {};
    return std::string(what) + " contains a NUL byte (at byte " + std::to_string(at) + ")";
}

[[noreturn]] void throw_no_rows(const ParseReport& report, const std::string& what) {
    std::string message = report.file + ": no usable " + what;
    if (report.problems.empty()) {
        message += " (the file has no data rows)";
    } else {
        message += " (" + std::to_string(report.skipped) +
                   " rows skipped; first: " + report.problems.front() + ")";
    }
    throw Error("data", message);
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

template <typename Words>
bool is_one_of(std::string_view field, const Words& words) {
    const std::string word = lower_ascii(trim(field));
    for (std::string_view w : words) {
        if (word == w) return true;
    }
    return false;
}

bool is_one_of(std::string_view field, std::initializer_list<std::string_view> words) {
    return is_one_of<std::initializer_list<std::string_view>>(field, words);
}

// Header names of the interaction columns, compared in lower case. "id" alone is an item
// only when no other column names the item (it is often a row number).
const std::string_view kUserWords[] = {
    "user", "userid", "user_id", "user id", "uid", "u", "users", "customer", "customerid",
    "customer_id", "reviewerid", "reviewer_id", "visitorid", "visitor_id", "member_id",
    "session", "sessionid", "session_id"};
const std::string_view kItemWords[] = {
    "item", "itemid", "item_id", "item id", "iid", "i", "items", "movie", "movieid", "movie_id",
    "product", "productid", "product_id", "asin", "track_id", "trackid", "book_id", "bookid",
    "isbn", "song_id", "video_id", "article_id"};
const std::string_view kRatingWords[] = {
    "rating", "ratings", "score", "stars", "star_rating", "overall", "r", "preference"};
const std::string_view kTimeWords[] = {
    "timestamp", "time", "ts", "t", "date", "datetime", "unixreviewtime", "unix_review_time",
    "unixtime", "created_at", "event_time"};
// Item metadata columns.
const std::string_view kIdWords[] = {
    "id", "item", "itemid", "item_id", "iid", "movieid", "movie_id", "asin", "productid",
    "product_id", "book_id", "bookid", "isbn", "track_id", "trackid"};
const std::string_view kTitleWords[] = {
    "title", "name", "item_name", "product_name", "movie_title", "product_title"};
// Tag columns, by the kind their tags get (core/common/tag_kind.h).
const std::string_view kTagsWords[] = {"tags", "tag", "categories", "category", "labels", "keywords"};
const std::string_view kGenreWords[] = {"genres", "genre"};
const std::string_view kMoodWords[] = {"moods", "mood"};
const std::string_view kSeriesWords[] = {"series", "collection", "franchise"};

bool is_user_word(std::string_view field) { return is_one_of(field, kUserWords); }

bool is_item_word(std::string_view field) {
    return is_one_of(field, kItemWords) || is_one_of(field, {"id"});
}

bool is_number(std::string_view field) {
    double ignored = 0.0;
    return parse_double(trim(field), ignored);
}

// A `user,item` file has no numeric column to tell a header by, so it is a header only
// when it names the columns; otherwise any non-numeric rating/timestamp marks it.
bool is_interactions_header(const std::vector<std::string>& fields) {
    if (fields.size() == 2) return is_user_word(fields[0]) || is_item_word(fields[1]);
    for (size_t i = 2; i < fields.size(); ++i) {
        if (!is_number(fields[i])) return true;
    }
    return false;
}

std::string parse_rating(std::string_view text, float& rating) {
    double value = 0.0;
    if (!parse_double(text, value)) return "rating " + shown(text) + " is not a number";
    // "nan" and "inf" are words; a string of digits that overflows is merely too big.
    const bool spelled_out = text.find_first_of("0123456789") == std::string_view::npos;
    if (!std::isfinite(value) && spelled_out) return "rating " + shown(text) + " is not finite";
    if (!(value >= -1e6 && value <= 1e6)) {
        return "rating " + shown(text) + " is out of range [-1e6, 1e6]";
    }
    rating = static_cast<float>(value);
    return {};
}

// Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

// "YYYY-MM-DD", optionally followed by " HH:MM[:SS]" or "THH:MM[:SS]" and "Z", as UTC seconds.
bool parse_iso_date(std::string_view text, int64_t& seconds) {
    auto digits = [&](size_t at, size_t n, int64_t& out) {
        if (at + n > text.size()) return false;
        out = 0;
        for (size_t i = at; i < at + n; ++i) {
            if (text[i] < '0' || text[i] > '9') return false;
            out = out * 10 + (text[i] - '0');
        }
        return true;
    };
    int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    if (!digits(0, 4, y) || text.size() < 10 || text[4] != '-' || !digits(5, 2, mo) ||
        text[7] != '-' || !digits(8, 2, d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return false;
    size_t at = 10;
    if (at < text.size() && (text[at] == ' ' || text[at] == 'T')) {
        if (!digits(at + 1, 2, h) || at + 3 >= text.size() || text[at + 3] != ':' ||
            !digits(at + 4, 2, mi) || h > 23 || mi > 59)
            return false;
        at += 6;
        if (at < text.size() && text[at] == ':') {
            if (!digits(at + 1, 2, se) || se > 60) return false;
            at += 3;
        }
    }
    if (at < text.size() && text[at] == 'Z') ++at;
    if (at != text.size()) return false;
    seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return true;
}

std::string parse_timestamp(std::string_view text, int64_t& timestamp) {
    if (!parse_int64(text, timestamp) && !parse_iso_date(text, timestamp)) {
        return "timestamp " + shown(text) + " is not an integer number of seconds";
    }
    return {};
}

struct RowEvent {
    std::string_view user;
    std::string_view item;
    float rating = 1.0f;
    int64_t timestamp = 0;
};

// The columns an interaction row is read from (-1: absent) and how the file is laid out.
struct Columns {
    int user = -1, item = -1, rating = -1, timestamp = -1;
    size_t width = 0;  // fields per row
};

// Checks one data row of an interactions table; returns what is wrong, or an empty string.
std::string parse_interaction_row(const std::vector<std::string>& fields, const Columns& c,
                                  RowEvent& row) {
    if (fields.size() != c.width) {
        return "expected " + std::to_string(c.width) + " fields, found " +
               std::to_string(fields.size());
    }
    row.user = trim(fields[static_cast<size_t>(c.user)]);
    row.item = trim(fields[static_cast<size_t>(c.item)]);
    if (row.user.empty()) return "empty user id";
    if (row.item.empty()) return "empty item id";
    std::string problem = nul_problem("user id", row.user);
    if (problem.empty()) problem = nul_problem("item id", row.item);
    if (!problem.empty()) return problem;
    if (c.rating >= 0) {
        problem = parse_rating(trim(fields[static_cast<size_t>(c.rating)]), row.rating);
        if (!problem.empty()) return problem;
    }
    if (c.timestamp >= 0)
        return parse_timestamp(trim(fields[static_cast<size_t>(c.timestamp)]), row.timestamp);
    return {};
}

// Without a time column an event's timestamp is its position in its user's history.
int64_t next_position(std::vector<int64_t>& positions, uint32_t user) {
    if (user >= positions.size()) positions.resize(size_t{user} + 1, 0);
    return positions[user]++;
}

void add_event(Interactions& out, std::string& key, const RowEvent& row, bool has_timestamps,
               std::vector<int64_t>& positions) {
    Interaction event;
    key.assign(row.user);
    event.user = out.intern_user(key);
    key.assign(row.item);
    event.item = out.intern_item(key);
    event.rating = row.rating;
    event.timestamp = has_timestamps ? row.timestamp : next_position(positions, event.user);
    out.events.push_back(event);
}

void split_whitespace(std::string_view line, std::vector<std::string_view>& tokens) {
    tokens.clear();
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        const size_t begin = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > begin) tokens.push_back(line.substr(begin, i - begin));
    }
}

// Tags from a '|'-separated field: trimmed, without empties, placeholders or repeats.
std::vector<std::string> split_tags(std::string_view field) {
    std::vector<std::string> tags;
    size_t begin = 0;
    while (begin <= field.size()) {
        size_t end = field.find('|', begin);
        if (end == std::string_view::npos) end = field.size();
        const std::string_view tag = trim(field.substr(begin, end - begin));
        const bool placeholder = tag == "(no genres listed)";
        bool seen = false;
        for (const std::string& t : tags) seen = seen || t == tag;
        if (!tag.empty() && !placeholder && !seen) tags.emplace_back(tag);
        begin = end + 1;
    }
    return tags;
}

const char* delimiter_name(char delimiter) {
    switch (delimiter) {
        case ',': return "comma-separated";
        case '\t': return "tab-separated";
        case ';': return "semicolon-separated";
        default: return "whitespace-separated";
    }
}

// Splits a row at `delimiter`; ' ' means runs of spaces and tabs (no quoting).
bool split_row(std::string_view line, char delimiter, std::vector<std::string>& fields,
               std::string& error) {
    if (delimiter != ' ') return split_delimited(line, delimiter, fields, error);
    std::vector<std::string_view> tokens;
    split_whitespace(line, tokens);
    fields.assign(tokens.begin(), tokens.end());
    return true;
}

// The delimiter most sample lines use (tab, comma or semicolon; a tie goes to the one that
// splits every line into the same number of fields, then to that order). When none is in
// at least half of the lines: ' ' (runs of whitespace) if allowed, else ','.
char detect_delimiter(const std::vector<std::string_view>& lines, bool allow_whitespace) {
    char best = 0;
    size_t best_lines = 0;
    bool best_constant = false;
    std::vector<std::string> fields;
    std::string error;
    for (char d : {'\t', ',', ';'}) {
        size_t with = 0;
        size_t width = 0;
        bool constant = true;
        for (std::string_view line : lines) {
            if (line.find(d) != std::string_view::npos) ++with;
            if (!split_delimited(line, d, fields, error)) {
                constant = false;
                continue;
            }
            if (width == 0) width = fields.size();
            constant = constant && fields.size() == width && width >= 2;
        }
        if (with > best_lines || (with == best_lines && with > 0 && constant && !best_constant)) {
            best = d;
            best_lines = with;
            best_constant = constant;
        }
    }
    if (best != 0 && best_lines * 2 >= lines.size()) return best;
    return allow_whitespace ? ' ' : ',';
}

// Up to `count` non-blank lines from the start of `text`, with their line numbers.
std::vector<std::pair<size_t, std::string_view>> sample_lines(std::string_view text, size_t count) {
    std::vector<std::pair<size_t, std::string_view>> out;
    LineCursor cursor(text);
    std::string_view line;
    while (out.size() < count && cursor.next(line)) {
        if (!is_blank(line)) out.emplace_back(cursor.line_number(), line);
    }
    return out;
}

std::vector<std::string_view> just_lines(const std::vector<std::pair<size_t, std::string_view>>& s) {
    std::vector<std::string_view> out;
    for (const auto& entry : s) out.push_back(entry.second);
    return out;
}

std::string join_names(const std::vector<std::string>& fields) {
    std::string text;
    for (const std::string& f : fields) text += (text.empty() ? "" : ", ") + std::string(trim(f));
    return text;
}

constexpr const char* kRoleNames[] = {"user", "item", "rating", "timestamp"};
constexpr const char* kColumnsHint =
    "--columns USER,ITEM[,RATING[,TIMESTAMP]] (header names or 1-based positions, - for none)";

// 0 user, 1 item, 2 rating, 3 timestamp, 4 "id" (an item only if nothing else is), -1 none.
int role_of(std::string_view name) {
    if (is_one_of(name, kUserWords)) return 0;
    if (is_one_of(name, kItemWords)) return 1;
    if (is_one_of(name, kRatingWords)) return 2;
    if (is_one_of(name, kTimeWords)) return 3;
    if (is_one_of(name, {"id"})) return 4;
    return -1;
}

bool names_a_column(const std::vector<std::string>& fields) {
    for (const std::string& f : fields)
        if (role_of(f) >= 0) return true;
    return false;
}

int& role_slot(Columns& c, int role) {
    switch (role) {
        case 0: return c.user;
        case 1: return c.item;
        case 2: return c.rating;
        default: return c.timestamp;
    }
}

std::string describe_columns(const Columns& c, const std::vector<std::string>* header) {
    std::string text;
    for (int role = 0; role < 4; ++role) {
        const int col = role_slot(const_cast<Columns&>(c), role);
        if (col < 0) continue;
        text += text.empty() ? "" : ", ";
        text += std::string(kRoleNames[role]) + "=";
        if (header) text += std::string(trim((*header)[static_cast<size_t>(col)])) + " ";
        text += "(column " + std::to_string(col + 1) + ")";
    }
    if (header) {
        std::vector<std::string> ignored;
        for (size_t i = 0; i < header->size(); ++i) {
            bool used = false;
            for (int role = 0; role < 4; ++role)
                used = used || role_slot(const_cast<Columns&>(c), role) == static_cast<int>(i);
            if (!used) ignored.push_back((*header)[i]);
        }
        if (!ignored.empty()) text += "; ignored: " + join_names(ignored);
    }
    return text;
}

// The columns a header row names. Refuses a header that leaves the user or the item
// unnamed, or names one of them twice, listing what it found.
Columns map_header(const std::vector<std::string>& fields, const std::string& where) {
    Columns c;
    c.width = fields.size();
    int weak_id = -1;
    for (size_t i = 0; i < fields.size(); ++i) {
        const int role = role_of(fields[i]);
        if (role < 0) continue;
        if (role == 4) {
            weak_id = static_cast<int>(i);
            continue;
        }
        int& slot = role_slot(c, role);
        if (slot >= 0) {
            throw Error("data", where + ": the header names two " + kRoleNames[role] +
                                    " columns (" + std::string(trim(fields[size_t(slot)])) +
                                    " and " + std::string(trim(fields[i])) +
                                    "); say which to use with " + kColumnsHint);
        }
        slot = static_cast<int>(i);
    }
    if (c.item < 0) c.item = weak_id;
    if (c.user < 0 || c.item < 0) {
        throw Error("data", where + ": the header names no " + (c.user < 0 ? "user" : "item") +
                                " column (found columns: " + join_names(fields) +
                                "); say which columns to use with " + kColumnsHint);
    }
    return c;
}

// --columns: up to four entries in the order user, item, rating, timestamp.
std::vector<std::string> parse_columns_spec(const std::string& spec) {
    std::vector<std::string> entries;
    size_t begin = 0;
    while (begin <= spec.size()) {
        size_t end = spec.find(',', begin);
        if (end == std::string::npos) end = spec.size();
        entries.emplace_back(trim(std::string_view(spec).substr(begin, end - begin)));
        begin = end + 1;
    }
    if (entries.size() < 2 || entries.size() > 4 || entries[0].empty() || entries[1].empty() ||
        entries[0] == "-" || entries[1] == "-") {
        throw Error("argument", "--columns '" + spec + "': expected " +
                                    std::string("USER,ITEM[,RATING[,TIMESTAMP]] (header names or 1-based positions, - for none)") +
                                    ", e.g. --columns userId,movieId,rating,timestamp or 2,1,3,4");
    }
    return entries;
}

bool is_position(const std::string& entry, int64_t& position) {
    return parse_int64(entry, position) && position >= 1 && position <= 100000;
}

bool spec_has_names(const std::vector<std::string>& spec) {
    int64_t position = 0;
    for (const std::string& e : spec)
        if (!e.empty() && e != "-" && !is_position(e, position)) return true;
    return false;
}

// The columns --columns names in `fields` (the header, or a first data row for positions).
Columns resolve_spec(const std::vector<std::string>& spec, const std::vector<std::string>& fields,
                     bool header, const std::string& path) {
    Columns c;
    c.width = fields.size();
    for (size_t role = 0; role < spec.size(); ++role) {
        const std::string& e = spec[role];
        if (e.empty() || e == "-") continue;
        int64_t position = 0;
        int col = -1;
        if (is_position(e, position)) {
            if (static_cast<size_t>(position) > fields.size())
                throw Error("argument", "--columns: " + std::string(kRoleNames[role]) +
                                            " column " + e + " does not exist (" + path +
                                            " has " + std::to_string(fields.size()) +
                                            " columns)");
            col = static_cast<int>(position - 1);
        } else {
            for (size_t i = 0; i < fields.size() && col < 0; ++i)
                if (header && lower_ascii(trim(fields[i])) == lower_ascii(e)) col = int(i);
            if (col < 0)
                throw Error("argument", "--columns: no column named '" + e + "' in " + path +
                                            (header ? " (its header: " + join_names(fields) + ")"
                                                    : " (it has no header; give positions)"));
        }
        role_slot(c, static_cast<int>(role)) = col;
    }
    return c;
}

bool is_time_text(std::string_view text) {
    int64_t ignored = 0;
    return parse_int64(trim(text), ignored) || parse_iso_date(trim(text), ignored);
}

// The row loop of both table readers. Every non-blank line is split into fields (a line
// that does not split is a problem). Until the first row is settled, each well-formed row
// goes to first(number, fields, problem), which returns 1 for a header to skip, 0 for the
// first data row, or -1 with `problem` set for a row that cannot start the file. Every
// counted row then goes to row(fields), which returns a problem or "" for an accepted row.
template <typename First, typename Row>
void read_table_rows(const std::string& text, char delimiter, ParseReport& report, First first,
                     Row row) {
    LineCursor cursor(text);
    std::string_view line;
    std::vector<std::string> fields;
    std::string error;
    bool settled = false;
    while (cursor.next(line)) {
        if (is_blank(line)) continue;
        const size_t number = cursor.line_number();
        if (!split_row(line, delimiter, fields, error)) {
            ++report.lines;
            report.add_problem(number, error);
            continue;
        }
        if (!settled) {
            std::string problem;
            const int kind = first(number, fields, problem);
            if (kind < 0) {
                ++report.lines;
                report.add_problem(number, problem);
                continue;
            }
            settled = true;
            if (kind == 1) continue;
        }
        ++report.lines;
        const std::string problem = row(fields);
        if (!problem.empty()) {
            report.add_problem(number, problem);
            continue;
        }
        ++report.accepted;
    }
}

// Item metadata columns: 0 id, 1 title, 2 tags (of kind Other unless prefixed), 3 genres,
// 4 moods, 5 series; -1 none.
int metadata_role(std::string_view name) {
    if (is_one_of(name, kIdWords) || is_item_word(name)) return 0;
    if (is_one_of(name, kTitleWords)) return 1;
    if (is_one_of(name, kTagsWords)) return 2;
    if (is_one_of(name, kGenreWords)) return 3;
    if (is_one_of(name, kMoodWords)) return 4;
    if (is_one_of(name, kSeriesWords)) return 5;
    return -1;
}

// A tag's kind from its column, or from a "genre:", "mood:", "series:" or "other:" prefix
// (which wins, and is cut off); `explicit_kind` is false for a plain tag of a tags column.
std::string_view tag_with_kind(std::string_view tag, TagKind column_kind, bool column_has_kind,
                               TagKind& kind, bool& explicit_kind) {
    kind = column_kind;
    explicit_kind = column_has_kind;
    const size_t colon = tag.find(':');
    if (colon != std::string_view::npos && colon > 0) {
        std::string prefix(trim(tag.substr(0, colon)));
        for (char& c : prefix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        TagKind named;
        if (tag_kind_of(prefix, named)) {
            kind = named;
            explicit_kind = true;
            return trim(tag.substr(colon + 1));
        }
    }
    return tag;
}

}  // namespace

Interactions read_interactions_csv(const std::string& path, ParseReport& report) {
    return read_interactions_table(path, report, ',', "");
}

Interactions read_interactions_table(const std::string& path, ParseReport& report,
                                     char delimiter, const std::string& columns) {
    reset_report(report, path);
    const std::vector<std::string> spec =
        columns.empty() ? std::vector<std::string>{} : parse_columns_spec(columns);
    const std::string text = read_text_file(path);
    if (delimiter == 0) delimiter = detect_delimiter(just_lines(sample_lines(text, 100)), true);
    Interactions out;
    std::vector<int64_t> positions;
    std::string key;
    Columns c;
    read_table_rows(
        text, delimiter, report,
        [&](size_t number, const std::vector<std::string>& fields, std::string& problem) {
            const std::string where = path + ":" + std::to_string(number);
            bool header = false;
            if (!spec.empty()) {
                header = spec_has_names(spec) || names_a_column(fields);
                c = resolve_spec(spec, fields, header, path);
                if (!header) {
                    header = (c.rating >= 0 && !is_number(fields[size_t(c.rating)])) ||
                             (c.timestamp >= 0 && !is_time_text(fields[size_t(c.timestamp)]));
                }
            } else if (names_a_column(fields)) {
                header = true;
                c = map_header(fields, where);
            } else {
                if (fields.size() < 2 || fields.size() > 4) {
                    problem = "expected 2 to 4 fields (user,item[,rating[,timestamp]]), found " +
                              std::to_string(fields.size());
                    return -1;
                }
                c.width = fields.size();
                c.user = 0;
                c.item = 1;
                if (c.width >= 3) c.rating = 2;
                if (c.width == 4) c.timestamp = 3;
                // A row whose rating or time is not a number is a header, and it names no
                // column this reader knows: reading by position would be a guess.
                if (is_interactions_header(fields)) c = map_header(fields, where);
            }
            out.has_ratings = c.rating >= 0;
            out.has_timestamps = c.timestamp >= 0;
            report.layout = std::string(delimiter_name(delimiter)) +
                            (header ? ", header: " : ", no header: ") +
                            describe_columns(c, header ? &fields : nullptr);
            return header ? 1 : 0;
        },
        [&](const std::vector<std::string>& fields) {
            RowEvent row;
            std::string problem = parse_interaction_row(fields, c, row);
            if (problem.empty()) add_event(out, key, row, out.has_timestamps, positions);
            return problem;
        });
    if (report.accepted == 0) throw_no_rows(report, "interaction rows");
    return out;
}

Interactions read_sequences(const std::string& path, ParseReport& report) {
    reset_report(report, path);
    const std::string text = read_text_file(path);
    Interactions out;
    LineCursor cursor(text);
    std::string_view line;
    std::vector<std::string_view> tokens;
    std::vector<int64_t> positions;
    std::string key;
    while (cursor.next(line)) {
        if (is_blank(line)) continue;
        ++report.lines;
        const size_t number = cursor.line_number();
        split_whitespace(line, tokens);
        if (tokens.size() < 2) {
            report.add_problem(number, "expected a user id followed by at least one item id");
            continue;
        }
        if (line.find(',') != std::string_view::npos) {
            report.add_problem(number, "unexpected comma (comma-separated files are read as CSV)");
            continue;
        }
        std::string problem;
        for (size_t t = 0; t < tokens.size() && problem.empty(); ++t)
            problem = nul_problem(t == 0 ? "user id" : "item id", tokens[t]);
        if (!problem.empty()) {
            report.add_problem(number, problem);
            continue;
        }
        key.assign(tokens[0]);
        const uint32_t user = out.intern_user(key);
        for (size_t i = 1; i < tokens.size(); ++i) {
            key.assign(tokens[i]);
            Interaction event;
            event.user = user;
            event.item = out.intern_item(key);
            event.timestamp = next_position(positions, user);
            out.events.push_back(event);
        }
        ++report.accepted;
    }
    report.layout = "sequence format (user item item ..., whitespace-separated; time is the "
                    "position in the user's history)";
    if (report.accepted == 0) throw_no_rows(report, "sequence lines");
    return out;
}

ItemMetadata read_item_metadata(const std::string& path, ParseReport& report) {
    reset_report(report, path);
    const std::string text = read_text_file(path);
    const char delimiter = detect_delimiter(just_lines(sample_lines(text, 100)), false);
    ItemMetadata out;
    int id = -1, title = -1;
    // The tag columns in file order, each with its role (2 tags, 3 genres, 4 moods, 5 series).
    std::vector<std::pair<int, int>> tag_columns;
    size_t width = 0;
    static const char* kRoleNames[] = {"id", "title", "tags", "genres", "moods", "series"};
    read_table_rows(
        text, delimiter, report,
        [&](size_t number, const std::vector<std::string>& fields, std::string& problem) {
            bool header = false;
            for (const std::string& f : fields) header = header || metadata_role(f) >= 0;
            width = fields.size();
            if (!header) {
                if (width < 2 || width > 3) {
                    problem = "expected 2 or 3 fields (id,title[,tags]), found " +
                              std::to_string(width);
                    return -1;
                }
                id = 0;
                title = 1;
                if (width == 3) tag_columns.push_back({2, 2});
                report.layout = std::string(delimiter_name(delimiter)) +
                                ", no header: id=column 1, title=column 2" +
                                (width == 3 ? ", tags=column 3" : "");
                return 0;
            }
            const std::string where = path + ":" + std::to_string(number);
            std::vector<std::string> ignored;
            for (size_t i = 0; i < width; ++i) {
                const int role = metadata_role(fields[i]);
                if (role < 0) {
                    ignored.push_back(fields[i]);
                    continue;
                }
                int* slot = role == 0 ? &id : role == 1 ? &title : nullptr;
                int previous = slot ? *slot : -1;
                for (const auto& [column, r] : tag_columns)
                    if (r == role) previous = column;
                if (previous >= 0) {
                    throw Error("data", where + ": the item file's header names two " +
                                            kRoleNames[role] + " columns (" +
                                            std::string(trim(fields[size_t(previous)])) + " and " +
                                            std::string(trim(fields[i])) + ")");
                }
                if (slot) *slot = static_cast<int>(i);
                else tag_columns.push_back({static_cast<int>(i), role});
            }
            if (id < 0 || (title < 0 && tag_columns.empty())) {
                throw Error(
                    "data",
                    where + ": cannot read this item file: its header names " +
                        (id < 0 ? "no item id column" : "neither a title nor a tags column") +
                        " (found columns: " + join_names(fields) +
                        "); an item file has a header naming an id (id, item_id, movieId, asin, "
                        "...), a title (title, name) and/or tags (tags, genres, moods, series, "
                        "categories), or no header and the columns id,title[,tags]");
            }
            report.layout = std::string(delimiter_name(delimiter)) + ", header:";
            const auto describe = [&](const char* role, int column, bool first) {
                report.layout += std::string(first ? " " : ", ") + role + "=" +
                                 std::string(trim(fields[size_t(column)])) + " (column " +
                                 std::to_string(column + 1) + ")";
            };
            describe("id", id, true);
            if (title >= 0) describe("title", title, false);
            for (const auto& [column, role] : tag_columns) describe(kRoleNames[role], column, false);
            if (!ignored.empty()) report.layout += "; ignored: " + join_names(ignored);
            return 1;
        },
        [&](const std::vector<std::string>& fields) -> std::string {
            if (fields.size() != width)
                return "expected " + std::to_string(width) + " fields, found " +
                       std::to_string(fields.size());
            const std::string key(trim(fields[size_t(id)]));
            if (key.empty()) return "empty item id";
            std::string problem = nul_problem("item id", key);
            if (problem.empty() && title >= 0) problem = nul_problem("title", fields[size_t(title)]);
            for (const auto& [column, role] : tag_columns)
                if (problem.empty()) problem = nul_problem(kRoleNames[role], fields[size_t(column)]);
            if (!problem.empty()) return problem;
            ItemInfo info;
            if (title >= 0) info.title = std::string(trim(fields[size_t(title)]));
            std::vector<std::pair<std::string, TagKind>> kinds;
            for (const auto& [column, role] : tag_columns) {
                const TagKind column_kind = role == 3   ? TagKind::Genre
                                            : role == 4 ? TagKind::Mood
                                            : role == 5 ? TagKind::Series
                                                        : TagKind::Other;
                // A series column holds one name, which may contain '|'.
                const std::vector<std::string> raw =
                    role == 5 ? std::vector<std::string>{std::string(trim(fields[size_t(column)]))}
                              : split_tags(fields[size_t(column)]);
                for (const std::string& r : raw) {
                    if (r.empty()) continue;
                    TagKind kind;
                    bool explicit_kind;
                    const std::string tag(tag_with_kind(r, column_kind, role != 2, kind, explicit_kind));
                    if (tag.empty() || std::find(info.tags.begin(), info.tags.end(), tag) != info.tags.end())
                        continue;
                    info.tags.push_back(tag);
                    if (explicit_kind) kinds.push_back({tag, kind});
                }
            }
            if (!out.items.emplace(key, std::move(info)).second)
                return "duplicate item id " + shown(key) + " (the first row is kept)";
            for (auto& [tag, kind] : kinds) out.tag_kinds.emplace(std::move(tag), kind);
            return {};
        });
    if (report.accepted == 0) throw_no_rows(report, "item rows");
    return out;
}

namespace {

// Up to `count` non-blank lines from the start of `path`, without BOM or CR, with their
// line numbers.
std::vector<std::pair<size_t, std::string>> first_lines(const std::string& path, size_t count) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("data", "cannot open " + path);
    std::vector<std::pair<size_t, std::string>> lines;
    std::string line;
    size_t number = 0;
    while (lines.size() < count && std::getline(in, line)) {
        ++number;
        if (number == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!is_blank(line)) lines.emplace_back(number, line);
    }
    return lines;
}


// What a file whose lines split at tabs or spaces holds: a ratings table (the header names
// its columns, or a constant 3 or 4 fields with ratings in the 3rd and Unix times or
// fractional ratings) or sequences (lines of varying length, pairs, or fields that cannot
// be ratings). When the first lines fit both, the file is refused rather than guessed.
DataFormat whitespace_layout(const std::string& path,
                             const std::vector<std::pair<size_t, std::string>>& lines,
                             char delimiter) {
    std::vector<std::string_view> tokens;
    std::vector<std::string> fields;
    std::string error;
    if (split_row(lines.front().second, delimiter, fields, error) && names_a_column(fields))
        return DataFormat::Table;
    size_t width = 0;
    bool constant = true;
    bool rating_like = true, fractional = false, time_like = true, unix_like = true;
    for (const auto& entry : lines) {
        split_whitespace(entry.second, tokens);
        if (width == 0) width = tokens.size();
        if (tokens.size() != width) {
            constant = false;
            break;
        }
        if (width < 3 || width > 4) continue;
        double rating = 0;
        rating_like = rating_like && parse_double(tokens[2], rating) && std::isfinite(rating) &&
                      std::fabs(rating) <= 1e6;
        fractional = fractional || tokens[2].find('.') != std::string_view::npos;
        if (width == 4) {
            int64_t t = 0;
            time_like = time_like && is_time_text(tokens[3]);
            unix_like = unix_like && ((parse_int64(tokens[3], t) && t >= 100000000) ||
                                      parse_iso_date(tokens[3], t));
        }
    }
    if (!constant || width < 3 || width > 4) return DataFormat::Sequences;
    if (!rating_like || (width == 4 && !time_like)) return DataFormat::Sequences;
    if (width == 4 && (unix_like || fractional)) return DataFormat::Table;
    if (width == 3 && fractional) return DataFormat::Table;
    const std::string sep = delimiter == '\t' ? "tab" : "space";
    std::string reason = width == 4 ? "the 4th field is not a Unix time and the 3rd has no "
                                      "fractions"
                                    : "the 3rd field has no fractions";
    throw Error("data",
                path + ":" + std::to_string(lines.front().first) +
                    ": cannot tell whether this is a sequence file (user item item ...) or a "
                    "ratings table (user item rating" +
                    (width == 4 ? " timestamp" : "") + "): its first " +
                    std::to_string(lines.size()) + " lines all have " + std::to_string(width) +
                    " " + sep + "-separated fields (first: " + shown(lines.front().second) +
                    ") and " + reason + "; say which with --format seq or --format table " +
                    "(then the columns are user,item,rating" + (width == 4 ? ",timestamp" : "") +
                    "; --columns names others)");
}

// The format of a file given with --format auto, and its delimiter for tables.
DataFormat detect_format(const std::string& path, bool has_columns, char& delimiter) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        if (fs::exists(fs::path(path) / "ratings.csv", ec)) return DataFormat::MovieLens;
        throw Error("data", "cannot load " + path + ": a data directory needs a ratings.csv");
    }
    const auto lines = first_lines(path, 100);
    if (lines.empty()) return DataFormat::Csv;  // the reader says the file has no rows
    std::vector<std::string_view> views;
    for (const auto& entry : lines) views.push_back(entry.second);
    delimiter = detect_delimiter(views, true);
    if (delimiter == ',' || delimiter == ';' || has_columns) return DataFormat::Table;
    return whitespace_layout(path, lines, delimiter);
}

// The item file that sits next to MovieLens-style ratings: movies.csv, or items.csv as
// written by write_synth_world. Empty when there is none.
std::string sibling_metadata(const fs::path& dir) {
    std::error_code ec;
    for (const char* name : {"movies.csv", "items.csv"}) {
        const fs::path candidate = dir / name;
        if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
    return {};
}

}  // namespace

Dataset load_dataset(const std::string& path, DataFormat format, const std::string& items_path,
                     const std::string& columns) {
    char delimiter = 0;  // detected
    if (format == DataFormat::Auto) format = detect_format(path, !columns.empty(), delimiter);
    if (format == DataFormat::Sequences && !columns.empty())
        throw Error("argument", "--columns applies to tables (csv, tsv, table, movielens), not to "
                                "the sequence format");
    if (format == DataFormat::Csv || format == DataFormat::MovieLens) delimiter = ',';
    if (format == DataFormat::Tsv) delimiter = '\t';
    Dataset data;
    std::string ratings_path = path;
    std::string metadata_path = items_path;
    std::error_code ec;
    const bool is_dir = fs::is_directory(path, ec);
    if (format == DataFormat::MovieLens && is_dir)
        ratings_path = (fs::path(path) / "ratings.csv").string();
    // MovieLens ratings (a folder, --format movielens, or a file named ratings.csv) bring
    // the item file beside them unless --items names one.
    const bool movielens = format == DataFormat::MovieLens ||
                           (format != DataFormat::Sequences &&
                            lower_ascii(fs::path(path).filename().string()) == "ratings.csv");
    if (movielens) {
        const fs::path dir = is_dir ? fs::path(path) : fs::path(path).parent_path();
        const std::string beside = sibling_metadata(dir.empty() ? "." : dir);
        const std::string name = fs::path(ratings_path).filename().string();
        if (!metadata_path.empty()) {
            if (!beside.empty() && fs::path(beside) != fs::path(metadata_path))
                data.notes.push_back("items: --items " + metadata_path + " is used, not " +
                                     beside + " beside " + name);
        } else if (!beside.empty()) {
            metadata_path = beside;
            data.notes.push_back("items: found " + fs::path(beside).filename().string() +
                                 " beside " + name + ": " + beside);
        } else {
            data.notes.push_back("items: no movies.csv or items.csv beside " + ratings_path +
                                 ", so no titles or tags (give --items FILE)");
        }
    }
    data.reports.emplace_back();
    if (format == DataFormat::Sequences) {
        data.interactions = read_sequences(ratings_path, data.reports.back());
    } else {
        data.interactions =
            read_interactions_table(ratings_path, data.reports.back(), delimiter, columns);
    }
    if (!metadata_path.empty()) {
        data.reports.emplace_back();
        data.metadata = read_item_metadata(metadata_path, data.reports.back());
    }
    return data;
}

DataFormat parse_data_format(const std::string& name) {
    const std::string n = lower_ascii(trim(name));
    if (n == "auto") return DataFormat::Auto;
    if (n == "csv") return DataFormat::Csv;
    if (n == "tsv") return DataFormat::Tsv;
    if (n == "table" || n == "ratings") return DataFormat::Table;
    if (n == "seq" || n == "sequence" || n == "sequences") return DataFormat::Sequences;
    if (n == "movielens" || n == "ml") return DataFormat::MovieLens;
    throw Error("argument", "unknown data format '" + name +
                                "' (expected auto, csv, tsv, table, seq or movielens)");
}

namespace {

std::string date_text(int64_t seconds) {
    int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
    // civil_from_days (H. Hinnant)
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const int64_t doe = days - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                  static_cast<long long>(m), static_cast<long long>(d));
    return buf;
}

std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

std::string describe_dataset(const Dataset& data, size_t rows) {
    const Interactions& in = data.interactions;
    std::string text;
    if (!data.reports.empty()) {
        const ParseReport& r = data.reports.front();
        text += "read " + r.file + ": " + r.layout + "\n";
    }
    text += "  " + std::to_string(in.events.size()) + " events, " +
            std::to_string(in.user_ids.size()) + " users, " + std::to_string(in.item_ids.size()) +
            " items; ";
    if (in.has_ratings && !in.events.empty()) {
        float lo = in.events.front().rating, hi = lo;
        for (const Interaction& e : in.events) {
            lo = std::min(lo, e.rating);
            hi = std::max(hi, e.rating);
        }
        text += "ratings " + number_text(lo) + " to " + number_text(hi) + "; ";
    } else {
        text += "no ratings; ";
    }
    if (in.has_timestamps && !in.events.empty()) {
        int64_t lo = in.events.front().timestamp, hi = lo;
        for (const Interaction& e : in.events) {
            lo = std::min(lo, e.timestamp);
            hi = std::max(hi, e.timestamp);
        }
        text += "time " + date_text(lo) + " to " + date_text(hi) + "\n";
    } else {
        text += "no timestamps (order in the file)\n";
    }
    for (size_t i = 0; i < rows && i < in.events.size(); ++i) {
        const Interaction& e = in.events[i];
        text += "  row " + std::to_string(i + 1) + ": user " + in.user_ids[e.user] + ", item " +
                in.item_ids[e.item];
        if (in.has_ratings) text += ", rating " + number_text(e.rating);
        if (in.has_timestamps) text += ", time " + std::to_string(e.timestamp) + " (" +
                                       date_text(e.timestamp) + ")";
        text += "\n";
    }
    if (data.reports.size() > 1) {
        const ParseReport& r = data.reports[1];
        size_t known = 0;
        for (const std::string& id : in.item_ids) known += data.metadata.items.count(id);
        text += "read " + r.file + ": " + r.layout + "\n  " +
                std::to_string(data.metadata.items.size()) + " items; " + std::to_string(known) +
                " of the " + std::to_string(in.item_ids.size()) +
                " items with events have metadata\n";
        if (known == 0 && !in.item_ids.empty())
            text += "  warning: no item id of " + r.file +
                    " occurs in the events; is its id column the right one?\n";
    }
    for (const std::string& note : data.notes) text += note + "\n";
    return text;
}

}  // namespace hearth
