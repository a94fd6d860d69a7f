#include "core/data/json_parse.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/common/error.h"
#include "core/common/utf8.h"

namespace hearth {

const char* JsonValue::type_name(Type t) {
    switch (t) {
        case Type::Null:
            return "null";
        case Type::Bool:
            return "a boolean";
        case Type::Number:
            return "a number";
        case Type::String:
            return "a string";
        case Type::Array:
            return "an array";
        case Type::Object:
            return "an object";
    }
    return "?";
}

namespace {

[[noreturn]] void wrong_type(std::string_view what, const char* expected, JsonValue::Type got) {
    throw Error("data", std::string(what) + ": expected " + expected + ", got " +
                            JsonValue::type_name(got));
}

}  // namespace

bool JsonValue::as_bool(std::string_view what) const {
    if (type_ != Type::Bool) wrong_type(what, "a boolean", type_);
    return bool_;
}

double JsonValue::as_number(std::string_view what) const {
    if (type_ != Type::Number) wrong_type(what, "a number", type_);
    return number_;
}

uint64_t JsonValue::as_u64(std::string_view what) const {
    if (type_ != Type::Number) wrong_type(what, "a non-negative integer", type_);
    const bool plain = text_.find_first_of(".eE") == std::string::npos;
    if (plain && text_[0] != '-') {
        uint64_t v = 0;
        const auto r = std::from_chars(text_.data(), text_.data() + text_.size(), v);
        if (r.ec == std::errc() && r.ptr == text_.data() + text_.size()) return v;
        throw Error("data", std::string(what) + ": " + text_ + " does not fit in 64 bits");
    }
    // 2^53: past it a double no longer tells whole numbers apart.
    if (number_ >= 0.0 && number_ <= 9007199254740992.0 && std::floor(number_) == number_)
        return static_cast<uint64_t>(number_);
    throw Error("data", std::string(what) + ": expected a non-negative integer, got " + text_);
}

const std::string& JsonValue::as_string(std::string_view what) const {
    if (type_ != Type::String) wrong_type(what, "a string", type_);
    return text_;
}

const std::vector<JsonValue>& JsonValue::as_array(std::string_view what) const {
    if (type_ != Type::Array) wrong_type(what, "an array", type_);
    return array_;
}

const std::vector<std::pair<std::string, JsonValue>>& JsonValue::as_object(
    std::string_view what) const {
    if (type_ != Type::Object) wrong_type(what, "an object", type_);
    return object_;
}

const JsonValue* JsonValue::find(std::string_view key) const {
    for (const auto& [k, v] : object_)
        if (k == key) return &v;
    return nullptr;
}

class JsonParser {
public:
    JsonParser(std::string_view text, size_t max_depth) : s_(text), max_depth_(max_depth) {}

    JsonValue parse_document() {
        JsonValue v = value();
        skip_space();
        if (pos_ != s_.size()) fail("unexpected " + describe(pos_) + " after the JSON value");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& message, size_t at) const {
        throw Error("data", "JSON at byte " + std::to_string(at) + ": " + message);
    }
    [[noreturn]] void fail(const std::string& message) const { fail(message, pos_); }

    std::string describe(size_t at) const {
        if (at >= s_.size()) return "end of input";
        const unsigned char c = static_cast<unsigned char>(s_[at]);
        char buf[16];
        if (c >= 0x20 && c < 0x7f)
            std::snprintf(buf, sizeof buf, "'%c'", c);
        else
            std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
        return buf;
    }

    void skip_space() {
        while (pos_ < s_.size() &&
               (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }

    void expect(char c, const char* context) {
        if (pos_ >= s_.size() || s_[pos_] != c)
            fail(std::string("expected '") + c + "' " + context + ", found " + describe(pos_));
        ++pos_;
    }

    JsonValue value() {
        skip_space();
        if (pos_ >= s_.size()) fail("unexpected end of input, expected a value");
        const char c = s_[pos_];
        if (c == '{') return object();
        if (c == '[') return array();
        if (c == '"') {
            JsonValue v;
            v.type_ = JsonValue::Type::String;
            v.text_ = string();
            return v;
        }
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        if (c == 't') return literal("true", JsonValue::Type::Bool, true);
        if (c == 'f') return literal("false", JsonValue::Type::Bool, false);
        if (c == 'n') return literal("null", JsonValue::Type::Null, false);
        fail("unexpected " + describe(pos_) + ", expected a value");
    }

    JsonValue literal(std::string_view word, JsonValue::Type type, bool b) {
        if (s_.substr(pos_, word.size()) != word)
            fail("invalid literal, expected '" + std::string(word) + "'");
        pos_ += word.size();
        JsonValue v;
        v.type_ = type;
        v.bool_ = b;
        return v;
    }

    void enter() {
        if (++depth_ > max_depth_)
            fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
    }

    // The members of an array or object, its opening bracket already read: element() for
    // each, separated by commas, up to and including `close`.
    template <typename Element>
    void elements(char close, const char* context, Element element) {
        skip_space();
        if (pos_ < s_.size() && s_[pos_] == close) {
            ++pos_;
            return;
        }
        while (true) {
            element();
            skip_space();
            if (pos_ < s_.size() && s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            expect(close, context);
            return;
        }
    }

    JsonValue array() {
        enter();
        ++pos_;  // '['
        JsonValue v;
        v.type_ = JsonValue::Type::Array;
        elements(']', "or ',' in an array", [&] { v.array_.push_back(value()); });
        --depth_;
        return v;
    }

    JsonValue object() {
        enter();
        ++pos_;  // '{'
        JsonValue v;
        v.type_ = JsonValue::Type::Object;
        std::vector<std::pair<std::string_view, size_t>> keys;  // for the duplicate check
        elements('}', "or ',' in an object", [&] {
            skip_space();
            if (pos_ >= s_.size() || s_[pos_] != '"')
                fail("expected a string key in an object, found " + describe(pos_));
            const size_t key_at = pos_;
            std::string key = string();
            skip_space();
            expect(':', "after an object key");
            v.object_.emplace_back(std::move(key), value());
            keys.emplace_back(std::string_view(), key_at);
        });
        // Keys are views into the finished member list (it no longer reallocates).
        for (size_t i = 0; i < keys.size(); ++i) keys[i].first = v.object_[i].first;
        std::sort(keys.begin(), keys.end());
        for (size_t i = 1; i < keys.size(); ++i)
            if (keys[i].first == keys[i - 1].first)
                fail("duplicate key \"" + std::string(keys[i].first) + "\"", keys[i].second);
        --depth_;
        return v;
    }

    unsigned hex4() {
        if (s_.size() - pos_ < 4) fail("truncated \\u escape");
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = s_[pos_];
            unsigned digit;
            if (c >= '0' && c <= '9')
                digit = unsigned(c - '0');
            else if (c >= 'a' && c <= 'f')
                digit = unsigned(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                digit = unsigned(c - 'A' + 10);
            else
                fail("invalid hex digit " + describe(pos_) + " in a \\u escape");
            v = v * 16 + digit;
            ++pos_;
        }
        return v;
    }

    static void append_utf8(std::string& out, uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    std::string string() {
        ++pos_;  // '"'
        std::string out;
        while (true) {
            if (pos_ >= s_.size()) fail("unterminated string");
            const unsigned char c = static_cast<unsigned char>(s_[pos_]);
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c < 0x20)
                fail("control character " + describe(pos_) + " in a string must be escaped");
            if (c == '\\') {
                const size_t at = pos_++;
                if (pos_ >= s_.size()) fail("unterminated string");
                const char e = s_[pos_++];
                switch (e) {
                    case '"':
                        out += '"';
                        break;
                    case '\\':
                        out += '\\';
                        break;
                    case '/':
                        out += '/';
                        break;
                    case 'b':
                        out += '\b';
                        break;
                    case 'f':
                        out += '\f';
                        break;
                    case 'n':
                        out += '\n';
                        break;
                    case 'r':
                        out += '\r';
                        break;
                    case 't':
                        out += '\t';
                        break;
                    case 'u': {
                        uint32_t cp = hex4();
                        if (cp >= 0xDC00 && cp <= 0xDFFF)
                            fail("lone low surrogate in a \\u escape", at);
                        if (cp >= 0xD800 && cp <= 0xDBFF) {
                            if (s_.substr(pos_, 2) != "\\u")
                                fail("high surrogate not followed by a low surrogate", at);
                            pos_ += 2;
                            const uint32_t lo = hex4();
                            if (lo < 0xDC00 || lo > 0xDFFF)
                                fail("high surrogate not followed by a low surrogate", at);
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        }
                        append_utf8(out, cp);
                        break;
                    }
                    default:
                        fail("invalid escape " + describe(pos_ - 1) + " in a string", at);
                }
                continue;
            }
            if (c < 0x80) {
                out += static_cast<char>(c);
                ++pos_;
                continue;
            }
            // A multi-byte character: its length from the lead byte, its validity (no
            // overlongs, surrogates or code points past U+10FFFF) from the shared checker.
            const size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            const auto* p = reinterpret_cast<const uint8_t*>(s_.data() + pos_);
            if (len == 1 || s_.size() - pos_ < len || utf8_error(p, len) != len)
                fail("invalid UTF-8 in a string");
            out.append(s_.data() + pos_, len);
            pos_ += len;
        }
    }

    JsonValue number() {
        const size_t start = pos_;
        auto digits = [&] {
            const size_t from = pos_;
            while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
            return pos_ - from;
        };
        if (s_[pos_] == '-') ++pos_;
        if (pos_ < s_.size() && s_[pos_] == '0') {
            ++pos_;
            if (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9')
                fail("leading zeros are not allowed in numbers", start);
        } else if (digits() == 0) {
            fail("invalid number: expected a digit, found " + describe(pos_));
        }
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            if (digits() == 0)
                fail("invalid number: expected a digit after '.', found " + describe(pos_));
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            if (digits() == 0)
                fail("invalid number: expected an exponent digit, found " + describe(pos_));
        }
        JsonValue v;
        v.type_ = JsonValue::Type::Number;
        v.text_ = std::string(s_.substr(start, pos_ - start));
        const auto r = std::from_chars(s_.data() + start, s_.data() + pos_, v.number_);
        const bool negative_exponent =
            v.text_.find("e-") != std::string::npos || v.text_.find("E-") != std::string::npos;
        if (r.ec == std::errc::result_out_of_range && negative_exponent)
            v.number_ = v.text_[0] == '-' ? -0.0 : 0.0;  // underflow: as close as a double gets
        else if (r.ec != std::errc() || !std::isfinite(v.number_))
            fail("number " + v.text_ + " is out of range", start);
        return v;
    }

    std::string_view s_;
    size_t pos_ = 0;
    size_t depth_ = 0;
    size_t max_depth_;
};

JsonValue parse_json(std::string_view text, size_t max_depth) {
    return JsonParser(text, max_depth).parse_document();
}

}  // namespace hearth
