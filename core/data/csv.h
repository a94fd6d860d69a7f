// Low-level text helpers shared by the data readers: whole-file reading, line iteration,
// CSV field splitting and locale-independent number parsing.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

// The whole file as bytes. Throws Error("data", "cannot open <path>").
std::string read_text_file(const std::string& path);

// Walks a text buffer line by line. Accepts LF and CRLF endings and skips a leading
// UTF-8 byte order mark, so callers never see either.
class LineCursor {
public:
    explicit LineCursor(std::string_view text);
    // The next line without its terminator; false at the end of the text.
    bool next(std::string_view& line);
    // 1-based number of the line last returned by next().
    size_t line_number() const { return line_number_; }

private:
    std::string_view text_;
    size_t pos_ = 0;
    size_t line_number_ = 0;
};

// Splits one CSV record (a line without terminator) into `fields`, reusing its storage.
// Quoted fields may contain commas and "" for a literal quote; a quote inside an unquoted
// field is kept as is. On malformed quoting returns false and sets `error`.
bool split_csv_line(std::string_view line, std::vector<std::string>& fields, std::string& error);
// The same with another single-byte delimiter (tab, semicolon, ...).
bool split_delimited(std::string_view line, char delimiter, std::vector<std::string>& fields,
                     std::string& error);

// Appends `field` to `out` as a CSV field, quoting it only when needed.
void append_csv_field(std::string& out, std::string_view field);

// `s` without leading and trailing spaces and tabs.
std::string_view trim(std::string_view s);

bool is_blank(std::string_view s);

// Parses the whole of `s` as a decimal number ("4", "-0.5", "1e3", ".5"; also "nan" and
// "inf"/"infinity", which give non-finite values so callers can say why they reject them).
// Independent of the C locale. False if `s` is empty or has anything else in it.
bool parse_double(std::string_view s, double& out);

// Parses the whole of `s` as a base-10 integer with optional sign; false on overflow.
bool parse_int64(std::string_view s, int64_t& out);

}  // namespace hearth
