// A small, strict JSON reader (RFC 8259) for configuration files and file headers: the
// whole text must be one value, objects may not repeat a key, strings must be UTF-8 and
// may use every escape including \uXXXX surrogate pairs (a lone surrogate is an error),
// numbers follow the JSON grammar exactly. Errors are Error("data", "JSON at byte N: ...")
// with N the offset of the offending byte.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth {

class JsonValue {
public:
    enum class Type { Null, Bool, Number, String, Array, Object };

    Type type() const { return type_; }
    bool is_null() const { return type_ == Type::Null; }
    bool is_bool() const { return type_ == Type::Bool; }
    bool is_number() const { return type_ == Type::Number; }
    bool is_string() const { return type_ == Type::String; }
    bool is_array() const { return type_ == Type::Array; }
    bool is_object() const { return type_ == Type::Object; }

    // Typed access; each throws Error("data", "<what>: expected <type>, got <type>"), so
    // callers name the field they were reading.
    bool as_bool(std::string_view what) const;
    double as_number(std::string_view what) const;
    // An integer in [0, 2^64): written without fraction or exponent, or a number whose value
    // is a whole number no larger than 2^53 (so "64.0" and "1e3" work, "2.5" does not).
    uint64_t as_u64(std::string_view what) const;
    const std::string& as_string(std::string_view what) const;
    const std::vector<JsonValue>& as_array(std::string_view what) const;
    const std::vector<std::pair<std::string, JsonValue>>& as_object(std::string_view what) const;

    // The member named `key` of an object, or null if absent (or if this is not an object).
    const JsonValue* find(std::string_view key) const;

    // The number as written in the text ("1e3", "-0.50"), for messages and exact integers.
    const std::string& number_text() const { return text_; }

    static const char* type_name(Type t);

private:
    friend class JsonParser;
    Type type_ = Type::Null;
    bool bool_ = false;
    double number_ = 0.0;
    std::string text_;  // string value, or the literal text of a number
    std::vector<JsonValue> array_;
    std::vector<std::pair<std::string, JsonValue>> object_;  // in document order
};

// Parses `text` as one JSON value. Nesting deeper than max_depth arrays/objects is an error
// (the parser recurses, so hostile input must not be able to exhaust the stack).
JsonValue parse_json(std::string_view text, size_t max_depth = 64);

}  // namespace hearth
