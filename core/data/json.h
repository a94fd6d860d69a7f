// A minimal JSON text builder for bundle metadata and CLI output (write-only).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace hearth {

inline void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

// Builds one JSON value; commas are inserted automatically.
class Json {
public:
    Json& begin_object() { sep(); out_ += '{'; first_ = true; return *this; }
    Json& end_object() { out_ += '}'; first_ = false; return *this; }
    Json& begin_array() { sep(); out_ += '['; first_ = true; return *this; }
    Json& end_array() { out_ += ']'; first_ = false; return *this; }
    Json& key(std::string_view k) {
        sep();
        append_json_string(out_, k);
        out_ += ':';
        first_ = true;  // the value that follows takes no comma
        return *this;
    }
    Json& value(std::string_view s) { sep(); append_json_string(out_, s); return *this; }
    Json& value(const char* s) { return value(std::string_view(s)); }
    Json& value(bool b) { sep(); out_ += b ? "true" : "false"; return *this; }
    Json& value(double v) {
        sep();
        if (!std::isfinite(v)) { out_ += "null"; return *this; }
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.9g", v);
        out_ += buf;
        return *this;
    }
    Json& value(int64_t v) { sep(); out_ += std::to_string(v); return *this; }
    Json& value(uint64_t v) { sep(); out_ += std::to_string(v); return *this; }
    Json& value(uint32_t v) { return value(static_cast<uint64_t>(v)); }
    Json& value(int v) { return value(static_cast<int64_t>(v)); }
    Json& value(float v) { return value(static_cast<double>(v)); }
    Json& raw(std::string_view json) { sep(); out_ += json; return *this; }
    template <typename T>
    Json& field(std::string_view k, const T& v) { key(k); return value(v); }

    const std::string& str() const { return out_; }

private:
    void sep() {
        if (!first_) out_ += ',';
        first_ = false;
    }
    std::string out_;
    bool first_ = true;
};

}  // namespace hearth
