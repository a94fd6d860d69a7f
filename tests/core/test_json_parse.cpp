// The strict JSON reader: every value kind, every escape, and one test per class of bad
// input asserting the message and the byte offset it names.
#include <catch2/catch.hpp>
#include <string>

#include "core/common/error.h"
#include "core/data/json_parse.h"

using Catch::Matchers::Contains;
using hearth::JsonValue;
using hearth::parse_json;

TEST_CASE("json: values of every kind", "[json]") {
    const JsonValue v = parse_json(
        " {\"a\": [1, -2.5, 3e2, 0, -0, 1E-2], \"b\": {\"c\": null, \"d\": true, \"e\": false},"
        " \"s\": \"x\", \"empty\": [], \"none\": {}}\n");
    REQUIRE(v.is_object());
    const auto& a = v.find("a")->as_array("a");
    REQUIRE(a.size() == 6);
    CHECK(a[0].as_number("") == 1.0);
    CHECK(a[1].as_number("") == -2.5);
    CHECK(a[2].as_number("") == 300.0);
    CHECK(a[3].as_u64("") == 0);
    CHECK(a[5].as_number("") == 0.01);
    CHECK(a[2].number_text() == "3e2");
    const JsonValue& b = *v.find("b");
    CHECK(b.find("c")->is_null());
    CHECK(b.find("d")->as_bool("d"));
    CHECK_FALSE(b.find("e")->as_bool("e"));
    CHECK(v.find("s")->as_string("s") == "x");
    CHECK(v.find("empty")->as_array("").empty());
    CHECK(v.find("none")->as_object("").empty());
    CHECK(v.find("missing") == nullptr);
    // Members keep document order.
    CHECK(v.as_object("")[0].first == "a");
    CHECK(v.as_object("")[4].first == "none");
    CHECK(parse_json("7").as_u64("") == 7);
    CHECK(parse_json("\"top\"").as_string("") == "top");
}

TEST_CASE("json: string escapes and UTF-8", "[json]") {
    CHECK(parse_json(R"("\" \\ \/ \b \f \n \r \t")").as_string("") == "\" \\ / \b \f \n \r \t");
    CHECK(parse_json(R"("\u0041\u00e9\u20AC")").as_string("") == "A\xC3\xA9\xE2\x82\xAC");
    // U+1F600 as a surrogate pair, and the same character written directly.
    CHECK(parse_json(R"("\ud83d\ude00")").as_string("") == "\xF0\x9F\x98\x80");
    CHECK(parse_json("\"\xF0\x9F\x98\x80 \xC3\xA9\"").as_string("") == "\xF0\x9F\x98\x80 \xC3\xA9");
    CHECK(parse_json(R"("\u0000")").as_string("") == std::string(1, '\0'));
}

TEST_CASE("json: integers", "[json]") {
    CHECK(parse_json("18446744073709551615").as_u64("n") == 18446744073709551615ull);
    CHECK(parse_json("64.0").as_u64("n") == 64);
    CHECK(parse_json("1e3").as_u64("n") == 1000);
    CHECK_THROWS_WITH(parse_json("18446744073709551616").as_u64("n"),
                      Contains("n: ") && Contains("64 bits"));
    CHECK_THROWS_WITH(parse_json("2.5").as_u64("dim"),
                      Contains("dim: expected a non-negative integer, got 2.5"));
    CHECK_THROWS_WITH(parse_json("-1").as_u64("dim"),
                      Contains("dim: expected a non-negative integer"));
    CHECK_THROWS_WITH(parse_json("\"4\"").as_u64("dim"),
                      Contains("dim: expected a non-negative integer, got a string"));
    CHECK(parse_json("1e-400").as_number("") == 0.0);  // underflow is not an error
}

TEST_CASE("json: typed access names the field", "[json]") {
    const JsonValue v = parse_json(R"({"x": [1]})");
    CHECK_THROWS_WITH(v.find("x")->as_string("config 'x'"),
                      Contains("config 'x': expected a string, got an array"));
    try {
        v.as_bool("root");
        FAIL("no throw");
    } catch (const hearth::Error& e) {
        CHECK(e.code() == "data");
    }
}

namespace {

void check_error(const std::string& text, size_t byte, const std::string& what) {
    INFO("input: " << text);
    try {
        parse_json(text);
        FAIL("parsed without error");
    } catch (const hearth::Error& e) {
        CHECK(e.code() == "data");
        CHECK_THAT(e.what(),
                   Contains("JSON at byte " + std::to_string(byte) + ": ") && Contains(what));
    }
}

}  // namespace

TEST_CASE("json: malformed input names the byte", "[json]") {
    check_error("", 0, "unexpected end of input");
    check_error("   ", 3, "unexpected end of input");
    check_error("{\"a\": 1,}", 8, "expected a string key");
    check_error("[1, 2", 5, "expected ']' or ','");
    check_error("[1 2]", 3, "expected ']' or ','");
    check_error("{\"a\" 1}", 5, "expected ':'");
    check_error("{\"a\": 1 \"b\": 2}", 8, "expected '}' or ','");
    check_error("{a: 1}", 1, "expected a string key");
    check_error("{\"a\": 1} x", 9, "unexpected 'x' after the JSON value");
    check_error("[1] [2]", 4, "after the JSON value");
    check_error("tru", 0, "invalid literal, expected 'true'");
    check_error("nul", 0, "expected 'null'");
    check_error("'a'", 0, "unexpected ''', expected a value");
    check_error("+1", 0, "expected a value");
    check_error("01", 0, "leading zeros");
    check_error("-", 1, "expected a digit");
    check_error("1.", 2, "expected a digit after '.'");
    check_error("1.e5", 2, "expected a digit after '.'");
    check_error("1e", 2, "expected an exponent digit");
    check_error(".5", 0, "expected a value");
    check_error("NaN", 0, "expected a value");
    check_error("1e999", 0, "out of range");
    check_error("\"abc", 4, "unterminated string");
    check_error("\"a\nb\"", 2, "control character byte 0x0a");
    check_error("\"\\x\"", 1, "invalid escape 'x'");
    check_error("\"\\u12G4\"", 5, "invalid hex digit 'G'");
    check_error("\"\\u12", 3, "truncated \\u escape");
    check_error("\"\\ud83d\"", 1, "high surrogate not followed by a low surrogate");
    check_error("\"\\ud83d\\u0041\"", 1, "high surrogate not followed by a low surrogate");
    check_error("\"\\ude00\"", 1, "lone low surrogate");
    check_error("\"\xC3\"", 1, "invalid UTF-8");
    check_error("\"\xC0\xAF\"", 1, "invalid UTF-8");          // overlong '/'
    check_error("\"\xED\xA0\x80\"", 1, "invalid UTF-8");      // an encoded surrogate
    check_error("\"\xF4\x90\x80\x80\"", 1, "invalid UTF-8");  // past U+10FFFF
    check_error("\"\x80\"", 1, "invalid UTF-8");
    check_error("\xEF\xBB\xBF{}", 0, "byte 0xef");  // a byte order mark is not JSON
    check_error("{\"a\": 1, \"b\": 2, \"a\": 3}", 17, "duplicate key \"a\"");
}

TEST_CASE("json: nesting is limited", "[json]") {
    const std::string ok = std::string(64, '[') + std::string(64, ']');
    CHECK(parse_json(ok).is_array());
    const std::string deep = std::string(65, '[') + std::string(65, ']');
    check_error(deep, 64, "nesting deeper than 64 levels");
    // Hostile depth fails fast instead of exhausting the stack.
    const std::string hostile(1000000, '[');
    check_error(hostile, 64, "nesting deeper");
    CHECK(parse_json("[[[1]]]", 3).is_array());
    CHECK_THROWS_WITH(parse_json("{\"a\":{\"b\":[1]}}", 2), Contains("nesting deeper than 2"));
}
