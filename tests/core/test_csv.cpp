// CSV splitting, line iteration and number parsing used by the data readers.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/data/csv.h"

using hearth::LineCursor;

namespace {

std::vector<std::string> split(std::string_view line) {
    std::vector<std::string> fields;
    std::string error;
    REQUIRE(hearth::split_csv_line(line, fields, error));
    return fields;
}

std::string split_error(std::string_view line) {
    std::vector<std::string> fields;
    std::string error;
    REQUIRE_FALSE(hearth::split_csv_line(line, fields, error));
    return error;
}

std::vector<std::string> lines_of(std::string_view text) {
    LineCursor cursor(text);
    std::vector<std::string> lines;
    std::string_view line;
    while (cursor.next(line)) lines.emplace_back(line);
    return lines;
}

}  // namespace

TEST_CASE("csv: plain fields, empty fields and a trailing comma", "[csv]") {
    CHECK(split("1,31,2.5,1260759144") == std::vector<std::string>{"1", "31", "2.5", "1260759144"});
    CHECK(split("a,,c") == std::vector<std::string>{"a", "", "c"});
    CHECK(split("a,b,") == std::vector<std::string>{"a", "b", ""});
    CHECK(split("") == std::vector<std::string>{""});
    CHECK(split(",") == std::vector<std::string>{"", ""});
}

TEST_CASE("csv: quoted fields keep commas and unescape doubled quotes", "[csv]") {
    CHECK(split(R"x(11,"American President, The (1995)",Comedy|Drama|Romance)x") ==
          std::vector<std::string>{"11", "American President, The (1995)", "Comedy|Drama|Romance"});
    CHECK(split(R"("He said ""hi""",x)") == std::vector<std::string>{R"(He said "hi")", "x"});
    CHECK(split(R"("",x)") == std::vector<std::string>{"", "x"});
    CHECK(split(R"("""")") == std::vector<std::string>{R"(")"});
    CHECK(split(R"(x,"a,b")") == std::vector<std::string>{"x", "a,b"});
}

TEST_CASE("csv: a quote inside an unquoted field is literal", "[csv]") {
    CHECK(split(R"(1,12" Single,3)") == std::vector<std::string>{"1", R"(12" Single)", "3"});
}

TEST_CASE("csv: malformed quoting is reported, not guessed", "[csv]") {
    CHECK(split_error(R"(1,"never closed,3)") == "unterminated quoted field");
    CHECK(split_error(R"("abc"def,1)") == "unexpected text after a closing quote");
}

TEST_CASE("csv: the field vector is reused across rows of different widths", "[csv]") {
    std::vector<std::string> fields;
    std::string error;
    REQUIRE(hearth::split_csv_line("a,b,c,d", fields, error));
    REQUIRE(fields.size() == 4);
    REQUIRE(hearth::split_csv_line("x,y", fields, error));
    CHECK(fields == std::vector<std::string>{"x", "y"});
    REQUIRE(hearth::split_csv_line("\"q\",r,s", fields, error));
    CHECK(fields == std::vector<std::string>{"q", "r", "s"});
}

TEST_CASE("csv: append_csv_field quotes only when needed and round-trips", "[csv]") {
    std::string out;
    hearth::append_csv_field(out, "plain");
    CHECK(out == "plain");
    for (const std::string field : {"a,b", R"(say "x")", "", "trailing,", "\""}) {
        std::string line;
        hearth::append_csv_field(line, field);
        line += ",end";
        CHECK(split(line) == std::vector<std::string>{field, "end"});
    }
    std::string quoted;
    hearth::append_csv_field(quoted, "Goodbye, Paris");
    CHECK(quoted == "\"Goodbye, Paris\"");
    std::string multiline;
    hearth::append_csv_field(multiline, "a\nb");
    CHECK(multiline == "\"a\nb\"");
}

TEST_CASE("lines: LF, CRLF, BOM, a missing final newline and blank lines", "[csv]") {
    CHECK(lines_of("a\nb\n") == std::vector<std::string>{"a", "b"});
    CHECK(lines_of("a\r\nb\r\n") == std::vector<std::string>{"a", "b"});
    CHECK(lines_of("a\r\nb") == std::vector<std::string>{"a", "b"});
    CHECK(lines_of("\xEF\xBB\xBFuserId,movieId\r\n1,2\r\n") ==
          std::vector<std::string>{"userId,movieId", "1,2"});
    CHECK(lines_of("a\n\n\r\nb") == std::vector<std::string>{"a", "", "", "b"});
    CHECK(lines_of("").empty());
    CHECK(lines_of("\xEF\xBB\xBF").empty());
}

TEST_CASE("lines: numbers count every physical line from 1", "[csv]") {
    LineCursor cursor("h\n\nx\r\n  \ny");
    std::string_view line;
    std::vector<size_t> numbers;
    while (cursor.next(line)) numbers.push_back(cursor.line_number());
    CHECK(numbers == std::vector<size_t>{1, 2, 3, 4, 5});
}

TEST_CASE("lines: a very long line is returned whole", "[csv]") {
    const std::string long_field(3'000'000, 'x');
    const std::string text = "1,2\n" + long_field + ",9\n3,4\n";
    const auto lines = lines_of(text);
    REQUIRE(lines.size() == 3);
    CHECK(lines[1].size() == long_field.size() + 2);
    CHECK(split(lines[1])[0].size() == long_field.size());
}

TEST_CASE("numbers: decimal forms parse exactly where a double can hold them", "[csv]") {
    double v = 0.0;
    CHECK((hearth::parse_double("4", v) && v == 4.0));
    CHECK((hearth::parse_double("4.5", v) && v == 4.5));
    CHECK((hearth::parse_double("-0.5", v) && v == -0.5));
    CHECK((hearth::parse_double("+2", v) && v == 2.0));
    CHECK((hearth::parse_double(".5", v) && v == 0.5));
    CHECK((hearth::parse_double("5.", v) && v == 5.0));
    CHECK((hearth::parse_double("0.1", v) && v == 0.1));
    CHECK((hearth::parse_double("3.14159", v) && v == 3.14159));
    CHECK((hearth::parse_double("1e3", v) && v == 1000.0));
    CHECK((hearth::parse_double("2.5E-1", v) && v == 0.25));
    CHECK((hearth::parse_double("0000.0500", v) && v == 0.05));
    CHECK((hearth::parse_double("123456789012345678901234", v) &&
           v == Approx(1.2345678901234568e23)));
    CHECK((hearth::parse_double("1e400", v) && std::isinf(v)));
    CHECK((hearth::parse_double("1e-400", v) && v == 0.0));
}

TEST_CASE("numbers: nan and inf parse as non-finite so readers can say why they reject them",
          "[csv]") {
    double v = 0.0;
    CHECK((hearth::parse_double("nan", v) && std::isnan(v)));
    CHECK((hearth::parse_double("NaN", v) && std::isnan(v)));
    CHECK((hearth::parse_double("inf", v) && std::isinf(v) && v > 0));
    CHECK((hearth::parse_double("-Infinity", v) && std::isinf(v) && v < 0));
}

TEST_CASE("numbers: anything else is not a number", "[csv]") {
    double v = 0.0;
    for (const char* bad : {"", "-", "+", ".", "abc", "1.2.3", "4 ", " 4", "e5", "1e", "1e+",
                            "0x10", "4,5", "nanx", "--1", "1-"}) {
        INFO(bad);
        CHECK_FALSE(hearth::parse_double(bad, v));
    }
}

TEST_CASE("numbers: integers with sign and overflow checks", "[csv]") {
    int64_t v = 0;
    CHECK((hearth::parse_int64("964982703", v) && v == 964982703));
    CHECK((hearth::parse_int64("-5", v) && v == -5));
    CHECK((hearth::parse_int64("+7", v) && v == 7));
    CHECK((hearth::parse_int64("9223372036854775807", v) && v == INT64_MAX));
    CHECK((hearth::parse_int64("-9223372036854775808", v) && v == INT64_MIN));
    for (const char* bad : {"", "-", "12.5", "1e9", "12a", "9223372036854775808", " 1"}) {
        INFO(bad);
        CHECK_FALSE(hearth::parse_int64(bad, v));
    }
}

TEST_CASE("text: trim and blank", "[csv]") {
    CHECK(hearth::trim("  a b\t ") == "a b");
    CHECK(hearth::trim("") == "");
    CHECK(hearth::is_blank(" \t "));
    CHECK_FALSE(hearth::is_blank(" x "));
}

TEST_CASE("files: a missing file is an error naming it", "[csv]") {
    const std::string path = "/nonexistent/hearth/ratings.csv";
    try {
        hearth::read_text_file(path);
        FAIL("expected an error");
    } catch (const hearth::Error& e) {
        CHECK(e.code() == "data");
        CHECK(std::string(e.what()) == "cannot open " + path);
    }
}
