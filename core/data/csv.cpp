#include "core/data/csv.h"

#include <filesystem>
#include <fstream>
#include <limits>

#include "core/common/error.h"

namespace hearth {

std::string read_text_file(const std::string& path) {
    std::error_code ec;
    // An ifstream happily "opens" a directory on Linux and then fails to read it.
    if (std::filesystem::is_directory(path, ec)) {
        throw Error("data", "cannot open " + path + ": it is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("data", "cannot open " + path);
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0) throw Error("data", "cannot read " + path);
    in.seekg(0, std::ios::beg);
    std::string text(static_cast<size_t>(size), '\0');
    if (size > 0 && !in.read(&text[0], size)) throw Error("data", "cannot read " + path);
    return text;
}

LineCursor::LineCursor(std::string_view text) : text_(text) {
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    if (text_.substr(0, kBom.size()) == kBom) pos_ = kBom.size();
}

bool LineCursor::next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    line = text_.substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = end + 1;
    ++line_number_;
    return true;
}

namespace {

// Parses a quoted field starting just after its opening quote at `i`; leaves `i` just after
// the closing quote.
bool read_quoted(std::string_view line, size_t& i, std::string& field, std::string& error) {
    for (;;) {
        const size_t quote = line.find('"', i);
        if (quote == std::string_view::npos) {
            error = "unterminated quoted field";
            return false;
        }
        field.append(line.data() + i, quote - i);
        if (quote + 1 < line.size() && line[quote + 1] == '"') {
            field.push_back('"');
            i = quote + 2;
            continue;
        }
        i = quote + 1;
        return true;
    }
}

}  // namespace

bool split_delimited(std::string_view line, char delimiter, std::vector<std::string>& fields,
                     std::string& error) {
    size_t count = 0;
    size_t i = 0;
    for (;;) {
        // Reuse the strings already in `fields` so steady-state parsing does not allocate.
        if (count == fields.size()) fields.emplace_back();
        std::string& field = fields[count++];
        field.clear();
        if (i < line.size() && line[i] == '"') {
            ++i;
            if (!read_quoted(line, i, field, error)) return false;
            if (i < line.size() && line[i] != delimiter) {
                error = "unexpected text after a closing quote";
                return false;
            }
        } else {
            size_t end = line.find(delimiter, i);
            if (end == std::string_view::npos) end = line.size();
            field.assign(line.data() + i, end - i);
            i = end;
        }
        if (i >= line.size()) break;
        ++i;  // the delimiter; a trailing one yields a final empty field on the next pass
    }
    fields.resize(count);
    return true;
}

bool split_csv_line(std::string_view line, std::vector<std::string>& fields, std::string& error) {
    return split_delimited(line, ',', fields, error);
}

void append_csv_field(std::string& out, std::string_view field) {
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
        out.append(field);
        return;
    }
    out.push_back('"');
    for (char c : field) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
}

std::string_view trim(std::string_view s) {
    size_t begin = 0;
    size_t end = s.size();
    while (begin < end && (s[begin] == ' ' || s[begin] == '\t')) ++begin;
    while (end > begin && (s[end - 1] == ' ' || s[end - 1] == '\t')) --end;
    return s.substr(begin, end - begin);
}

bool is_blank(std::string_view s) {
    return trim(s).empty();
}

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

char lower_ascii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
    }
    return true;
}

bool parse_special(std::string_view s, double& out) {
    if (equals_ignore_case(s, "nan")) {
        out = std::numeric_limits<double>::quiet_NaN();
        return true;
    }
    if (equals_ignore_case(s, "inf") || equals_ignore_case(s, "infinity")) {
        out = std::numeric_limits<double>::infinity();
        return true;
    }
    return false;
}

// mantissa * 10^exp10. Exact when the mantissa fits in 53 bits and |exp10| <= 22 (every
// value our data holds, e.g. ratings and coordinates); within a few ulp otherwise.
double scale_decimal(uint64_t mantissa, int64_t exp10) {
    static const double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (mantissa == 0) return 0.0;
    if (exp10 > 330) return std::numeric_limits<double>::infinity();
    if (exp10 < -350) return 0.0;
    double value = static_cast<double>(mantissa);
    while (exp10 > 22) {
        value *= 1e22;
        exp10 -= 22;
    }
    while (exp10 < -22) {
        value /= 1e22;
        exp10 += 22;
    }
    return exp10 >= 0 ? value * kPow10[exp10] : value / kPow10[-exp10];
}

// Reads digits from `i`, keeping at most 19 significant ones in `mantissa` and adjusting
// `exp10` for the rest. Fractional digits lower the exponent. Returns digits seen.
size_t read_digits(std::string_view s, size_t& i, bool fractional, uint64_t& mantissa, int& kept,
                   int64_t& exp10) {
    size_t seen = 0;
    for (; i < s.size() && is_digit(s[i]); ++i, ++seen) {
        const unsigned digit = static_cast<unsigned>(s[i] - '0');
        if (kept < 19 && (mantissa != 0 || digit != 0)) {
            mantissa = mantissa * 10 + digit;
            ++kept;
            if (fractional) --exp10;
        } else if (mantissa == 0) {
            if (fractional) --exp10;  // leading zero: only shifts the point
        } else if (!fractional) {
            ++exp10;  // integer digit beyond what the mantissa holds
        }
    }
    return seen;
}

bool read_exponent(std::string_view s, size_t& i, int64_t& exp10) {
    ++i;  // 'e' or 'E'
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    if (i >= s.size() || !is_digit(s[i])) return false;
    int64_t e = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) {
        if (e < 100000) e = e * 10 + (s[i] - '0');  // saturate: anything this big is inf/0
    }
    exp10 += negative ? -e : e;
    return true;
}

}  // namespace

bool parse_double(std::string_view s, double& out) {
    size_t i = 0;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    if (i >= s.size()) return false;
    if (parse_special(s.substr(i), out)) {
        if (negative) out = -out;
        return true;
    }
    uint64_t mantissa = 0;
    int kept = 0;
    int64_t exp10 = 0;
    size_t digits = read_digits(s, i, false, mantissa, kept, exp10);
    if (i < s.size() && s[i] == '.') {
        ++i;
        digits += read_digits(s, i, true, mantissa, kept, exp10);
    }
    if (digits == 0) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E') && !read_exponent(s, i, exp10)) return false;
    if (i != s.size()) return false;
    const double value = scale_decimal(mantissa, exp10);
    out = negative ? -value : value;
    return true;
}

bool parse_int64(std::string_view s, int64_t& out) {
    size_t i = 0;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    if (i >= s.size()) return false;
    const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
    uint64_t value = 0;
    for (; i < s.size(); ++i) {
        if (!is_digit(s[i])) return false;
        const unsigned digit = static_cast<unsigned>(s[i] - '0');
        if (value > (limit - digit) / 10) return false;
        value = value * 10 + digit;
    }
    // Negate in unsigned arithmetic so that -2^63 does not overflow.
    out = negative ? static_cast<int64_t>(~value + 1) : static_cast<int64_t>(value);
    return true;
}

}  // namespace hearth
