#include "core/data/readers.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string_view>
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

bool is_one_of(std::string_view field, std::initializer_list<std::string_view> words) {
    const std::string word = lower_ascii(trim(field));
    for (std::string_view w : words) {
        if (word == w) return true;
    }
    return false;
}

bool is_user_word(std::string_view field) {
    return is_one_of(
        field, {"user", "userid", "user_id", "user id", "uid", "users", "customer", "customerid",
                "customer_id", "reviewerid", "session", "sessionid", "session_id"});
}

bool is_item_word(std::string_view field) {
    return is_one_of(field,
                     {"item", "itemid", "item_id", "item id", "iid", "items", "movie", "movieid",
                      "movie_id", "product", "productid", "product_id", "asin", "id"});
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

std::string parse_timestamp(std::string_view text, int64_t& timestamp) {
    if (!parse_int64(text, timestamp)) {
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

// Checks one data row of an interactions CSV; returns what is wrong, or an empty string.
std::string parse_interaction_row(const std::vector<std::string>& fields, size_t columns,
                                  RowEvent& row) {
    if (fields.size() != columns) {
        return "expected " + std::to_string(columns) + " fields, found " +
               std::to_string(fields.size());
    }
    row.user = trim(fields[0]);
    row.item = trim(fields[1]);
    if (row.user.empty()) return "empty user id";
    if (row.item.empty()) return "empty item id";
    std::string problem = nul_problem("user id", row.user);
    if (problem.empty()) problem = nul_problem("item id", row.item);
    if (!problem.empty()) return problem;
    if (columns >= 3) {
        problem = parse_rating(trim(fields[2]), row.rating);
        if (!problem.empty()) return problem;
    }
    if (columns == 4) return parse_timestamp(trim(fields[3]), row.timestamp);
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

bool is_metadata_header(const std::vector<std::string>& fields) {
    return is_item_word(fields[0]) || is_one_of(fields[1], {"title", "name"});
}

// The row loop of both CSV readers. Every non-blank line is split into fields (a line that
// does not split is a problem); the first well-formed row fixes the column count, which
// must lie in [min_columns, max_columns] (`layout` names them in the problem), and is
// passed to first(fields), which returns true for a header to skip. Every counted row then
// goes to row(number, fields, columns), which returns a problem or "" for an accepted row.
template <typename First, typename Row>
void read_csv_rows(const std::string& text, ParseReport& report, size_t min_columns,
                   size_t max_columns, const char* layout, First first, Row row) {
    LineCursor cursor(text);
    std::string_view line;
    std::vector<std::string> fields;
    std::string error;
    size_t columns = 0;  // set by the first well-formed row
    while (cursor.next(line)) {
        if (is_blank(line)) continue;
        const size_t number = cursor.line_number();
        if (!split_csv_line(line, fields, error)) {
            ++report.lines;
            report.add_problem(number, error);
            continue;
        }
        if (columns == 0) {
            if (fields.size() < min_columns || fields.size() > max_columns) {
                ++report.lines;
                report.add_problem(number, std::string(layout) + ", found " +
                                               std::to_string(fields.size()));
                continue;
            }
            columns = fields.size();
            if (first(fields)) continue;
        }
        ++report.lines;
        const std::string problem = row(number, fields, columns);
        if (!problem.empty()) {
            report.add_problem(number, problem);
            continue;
        }
        ++report.accepted;
    }
}

}  // namespace

Interactions read_interactions_csv(const std::string& path, ParseReport& report) {
    reset_report(report, path);
    const std::string text = read_text_file(path);
    Interactions out;
    std::vector<int64_t> positions;
    std::string key;
    read_csv_rows(
        text, report, 2, 4, "expected 2 to 4 fields (user,item[,rating[,timestamp]])",
        [&](const std::vector<std::string>& fields) {
            out.has_ratings = fields.size() >= 3;
            out.has_timestamps = fields.size() == 4;
            return is_interactions_header(fields);
        },
        [&](size_t, const std::vector<std::string>& fields, size_t columns) {
            RowEvent row;
            std::string problem = parse_interaction_row(fields, columns, row);
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
    if (report.accepted == 0) throw_no_rows(report, "sequence lines");
    return out;
}

ItemMetadata read_item_metadata(const std::string& path, ParseReport& report) {
    reset_report(report, path);
    const std::string text = read_text_file(path);
    ItemMetadata out;
    read_csv_rows(
        text, report, 2, 3, "expected 2 or 3 fields (id,title[,tags])",
        [](const std::vector<std::string>& fields) { return is_metadata_header(fields); },
        [&](size_t, const std::vector<std::string>& fields, size_t columns) -> std::string {
            if (fields.size() != columns)
                return "expected " + std::to_string(columns) + " fields, found " +
                       std::to_string(fields.size());
            const std::string id(trim(fields[0]));
            if (id.empty()) return "empty item id";
            std::string problem = nul_problem("item id", id);
            if (problem.empty()) problem = nul_problem("title", fields[1]);
            if (problem.empty() && columns == 3) problem = nul_problem("tags", fields[2]);
            if (!problem.empty()) return problem;
            ItemInfo info;
            info.title = std::string(trim(fields[1]));
            if (columns == 3) info.tags = split_tags(fields[2]);
            if (!out.items.emplace(id, std::move(info)).second)
                return "duplicate item id " + shown(id) + " (the first row is kept)";
            return {};
        });
    if (report.accepted == 0) throw_no_rows(report, "item rows");
    return out;
}

namespace {

// Up to `count` non-blank lines from the start of `path`, without BOM or CR.
std::vector<std::string> first_lines(const std::string& path, size_t count) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("data", "cannot open " + path);
    std::vector<std::string> lines;
    std::string line;
    while (lines.size() < count && std::getline(in, line)) {
        if (lines.empty() && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!is_blank(line)) lines.push_back(line);
    }
    return lines;
}

bool looks_like_sequences(const std::vector<std::string>& lines) {
    if (lines.empty()) return false;
    std::vector<std::string_view> tokens;
    for (const std::string& line : lines) {
        split_whitespace(line, tokens);
        if (tokens.size() < 2 || line.find(',') != std::string::npos) return false;
    }
    return true;
}

DataFormat detect_format(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        if (fs::exists(fs::path(path) / "ratings.csv", ec)) return DataFormat::MovieLens;
        throw Error("data", "cannot load " + path + ": a data directory needs a ratings.csv");
    }
    return looks_like_sequences(first_lines(path, 5)) ? DataFormat::Sequences : DataFormat::Csv;
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

Dataset load_dataset(const std::string& path, DataFormat format, const std::string& items_path) {
    if (format == DataFormat::Auto) format = detect_format(path);
    Dataset data;
    std::string ratings_path = path;
    std::string metadata_path = items_path;
    if (format == DataFormat::MovieLens) {
        std::error_code ec;
        const bool is_dir = fs::is_directory(path, ec);
        const fs::path dir = is_dir ? fs::path(path) : fs::path(path).parent_path();
        if (is_dir) ratings_path = (dir / "ratings.csv").string();
        if (metadata_path.empty()) metadata_path = sibling_metadata(dir.empty() ? "." : dir);
    }
    data.reports.emplace_back();
    if (format == DataFormat::Sequences) {
        data.interactions = read_sequences(ratings_path, data.reports.back());
    } else {
        data.interactions = read_interactions_csv(ratings_path, data.reports.back());
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
    if (n == "seq" || n == "sequence" || n == "sequences") return DataFormat::Sequences;
    if (n == "movielens" || n == "ml") return DataFormat::MovieLens;
    throw Error("argument",
                "unknown data format '" + name + "' (expected auto, csv, seq or movielens)");
}

}  // namespace hearth
