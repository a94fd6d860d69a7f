// The .hearth bundle: one little-endian file holding a model and its catalog.
// The format and its version rules are written down in core/device/bundle/FORMAT.md.
//
// A bundle is a header, a table of named, typed sections and the section payloads, each
// aligned to 64 bytes and protected by an XXH64 checksum. BundleReader validates every
// header field, offset, length, shape and checksum in its constructor, before any payload
// is used, and throws hearth::Error("bundle", "<section>: <problem>") otherwise; after that,
// payload views are zero-copy pointers into the caller's bytes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/span.h"

namespace hearth {

enum class DType : uint32_t {
    Json = 1,     // UTF-8 JSON text; shape rows = 1, cols = byte length
    Strings = 2,  // string table of `rows` strings (cols = 0), layout in FORMAT.md
    F32 = 3,      // rows x cols float32
    I8 = 4,       // rows x cols int8
    U32 = 5,      // rows x cols uint32
};

struct SectionInfo {
    std::string name;  // 1..23 bytes of [a-z0-9._]
    DType dtype;
    uint32_t rows = 0;
    uint32_t cols = 0;
    uint64_t offset = 0;  // from the start of the file, multiple of 64
    uint64_t length = 0;  // payload bytes
    uint64_t checksum = 0;
};

// 64-bit XXH64 of `size` bytes with `seed`.
uint64_t xxh64(const void* data, size_t size, uint64_t seed);

class BundleWriter {
public:
    // Each add_* copies the data and checks it against the reader's rules at once, throwing
    // Error("bundle", "section '<name>': ...") on a bad or duplicate name, a shape too large,
    // or strings/JSON that are not valid UTF-8 (or strings holding a NUL byte).
    void add_json(const std::string& name, const std::string& json);
    void add_strings(const std::string& name, const std::vector<std::string>& strings);
    void add_f32(const std::string& name, const float* data, uint32_t rows, uint32_t cols);
    void add_i8(const std::string& name, const int8_t* data, uint32_t rows, uint32_t cols);
    void add_u32(const std::string& name, const uint32_t* data, uint32_t rows, uint32_t cols);
    // Copies a section of another bundle as it is (name, type, shape and bytes).
    void add_copy(const class BundleReader& from, const std::string& name);

    // The whole file, laid out as FORMAT.md says. write_file replaces `path` atomically
    // (temporary file + rename) and throws Error("io", ...) naming the path.
    std::vector<uint8_t> finish() const;
    void write_file(const std::string& path) const;

private:
    struct Pending {
        SectionInfo info;
        std::vector<uint8_t> payload;
    };
    void add(const std::string& name, DType dtype, uint32_t rows, uint32_t cols,
             const void* data, size_t bytes);
    std::vector<Pending> sections_;
};

// A read-only view over a string table section.
class StringTable {
public:
    StringTable() = default;
    StringTable(const uint8_t* payload, uint32_t count);  // payload already validated
    uint32_t size() const { return count_; }
    std::string_view operator[](uint32_t i) const;

private:
    const uint32_t* offsets_ = nullptr;  // count + 1 entries
    const char* chars_ = nullptr;
    uint32_t count_ = 0;
};

class BundleReader {
public:
    // `data` must stay alive and unchanged while the reader is used, and be 4-byte
    // aligned (typed views point into it). Validates the whole file, checksums included.
    BundleReader(const uint8_t* data, size_t size);

    uint16_t version_major() const { return version_major_; }
    uint16_t version_minor() const { return version_minor_; }
    const std::vector<SectionInfo>& sections() const { return sections_; }
    bool has(const std::string& name) const;
    const SectionInfo& section(const std::string& name) const;  // throws if missing
    const uint8_t* payload(const SectionInfo& section) const { return data_ + section.offset; }

    // Typed views; each throws Error("bundle", "<name>: ...") if the section is missing,
    // has another dtype, or (when expected_rows/cols != any) another shape.
    static constexpr uint32_t any = 0xffffffffu;
    std::string_view json(const std::string& name) const;
    StringTable strings(const std::string& name, uint32_t expected_rows = any) const;
    Span<float> f32(const std::string& name, uint32_t expected_rows = any,
                    uint32_t expected_cols = any) const;
    Span<int8_t> i8(const std::string& name, uint32_t expected_rows = any,
                    uint32_t expected_cols = any) const;
    Span<uint32_t> u32(const std::string& name, uint32_t expected_rows = any,
                       uint32_t expected_cols = any) const;

private:
    const SectionInfo& typed(const std::string& name, DType dtype, uint32_t rows,
                             uint32_t cols) const;
    const uint8_t* data_;
    uint16_t version_major_ = 0, version_minor_ = 0;
    std::vector<SectionInfo> sections_;
};

// The largest magnitude of an f32 value the engines accept (FORMAT.md, "Values"): every
// value of the MF, catalog and PQ sections, and of the SASRec sections. NaN and infinities
// are rejected with them. Chosen so that no computation on a bundle's values overflows
// float: see FORMAT.md for the arithmetic.
constexpr float kMaxValue = 1e15f;
constexpr float kMaxSasrecValue = 100.0f;

// Throws Error("bundle", "section '<section>': value at index <i> is not finite (<v>)") or
// ("... value <v> at index <i> is outside [-<limit>, <limit>]") for the first value of
// v[0, n) that is NaN, infinite or larger in magnitude than `limit`. One streaming pass
// that the compiler vectorises (it runs on every bundle open).
void check_values(const std::string& section, const float* v, size_t n, float limit);
inline void check_values(const std::string& section, const Span<float>& v, float limit) {
    check_values(section, v.data, v.size, limit);
}

// Reads a whole file into memory (throws Error("io", ...) naming the path).
std::vector<uint8_t> read_file_bytes(const std::string& path);

}  // namespace hearth
