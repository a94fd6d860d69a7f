// The .hearth bundle reader and writer. The byte layout and the version rules are in
// FORMAT.md beside this file; the constants below are the ones it names.
//
// The reader is written like a parser of hostile input: every count, offset and length is
// checked against the bytes that are really there (in 64-bit arithmetic, so nothing wraps on
// wasm32) before anything is read, and header fields are read with memcpy because the caller's
// buffer is only guaranteed to be 4-byte aligned.
#include "core/device/bundle/bundle.h"

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>

#include "core/common/error.h"
#include "core/common/utf8.h"

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#define HEARTH_HAVE_FSYNC 1
#endif

// Payload views point straight into the file bytes, so host order must be file order.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "Hearth assumes a little-endian host"
#endif

namespace hearth {
namespace {

constexpr uint8_t kMagic[8] = {'H', 'E', 'A', 'R', 'T', 'H', 'B', 0};
constexpr uint16_t kMajor = 1;
constexpr uint16_t kMinor = 0;
constexpr uint32_t kKnownFlags = 0;  // v1.0 defines no flags
constexpr uint64_t kHeaderSize = 64;
constexpr uint64_t kEntrySize = 64;
constexpr uint64_t kAlign = 64;
constexpr size_t kNameField = 24;  // 23 name bytes + at least one NUL
constexpr uint32_t kMaxSections = 4096;

// Header field offsets.
constexpr size_t kHdrMajor = 8;
constexpr size_t kHdrMinor = 10;
constexpr size_t kHdrFlags = 12;
constexpr size_t kHdrCount = 16;
constexpr size_t kHdrFileSize = 24;
constexpr size_t kHdrTableOffset = 32;
constexpr size_t kHdrChecksum = 40;

// Section table entry field offsets.
constexpr size_t kEntDtype = 24;
constexpr size_t kEntRows = 28;
constexpr size_t kEntCols = 32;
constexpr size_t kEntOffset = 40;
constexpr size_t kEntLength = 48;
constexpr size_t kEntChecksum = 56;

template <typename T>
T load(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

template <typename T>
void store(uint8_t* p, T v) {
    std::memcpy(p, &v, sizeof v);
}

[[noreturn]] void fail(const std::string& message) {
    throw Error("bundle", message);
}

std::string in_section(const std::string& name) {
    return "section '" + name + "': ";
}

std::string str(uint64_t v) {
    return std::to_string(v);
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// "[a, b)" for a byte range, without wrapping when a hostile length makes b overflow.
std::string byte_range(uint64_t offset, uint64_t length) {
    if (length > std::numeric_limits<uint64_t>::max() - offset)
        return "[" + str(offset) + ", " + str(offset) + " + " + str(length) + ")";
    return "[" + str(offset) + ", " + str(offset + length) + ")";
}

uint64_t align_up(uint64_t v) {
    return (v + kAlign - 1) / kAlign * kAlign;
}

bool known_dtype(uint32_t raw) {
    return raw >= static_cast<uint32_t>(DType::Json) && raw <= static_cast<uint32_t>(DType::U32);
}

const char* dtype_name(DType t) {
    switch (t) {
        case DType::Json: return "json";
        case DType::Strings: return "strings";
        case DType::F32: return "f32";
        case DType::I8: return "i8";
        case DType::U32: return "u32";
    }
    return "unknown";
}

uint64_t elem_size(DType t) {
    return t == DType::I8 ? 1 : 4;
}

// Names are plain so they print safely in messages and work as keys in any language.
bool valid_name(std::string_view name) {
    if (name.empty() || name.size() >= kNameField) return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
        if (!ok) return false;
    }
    return true;
}

// A name that failed validation may hold anything; escape it before it reaches a message.
std::string printable(std::string_view name) {
    std::string out;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f && c != '\'' && c != '\\') {
            out += c;
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        }
    }
    return out;
}

constexpr const char* kNameRule = "names are 1..23 bytes of [a-z0-9._], NUL-padded";

// Length must follow from dtype and shape; checked before the length is used for anything.
void check_shape(const SectionInfo& s) {
    const std::string where = in_section(s.name);
    switch (s.dtype) {
        case DType::Json:
            if (s.rows != 1 || s.cols != s.length)
                fail(where + "json shape must be 1 x " + str(s.length) +
                     " (its byte length), found " + str(s.rows) + " x " + str(s.cols));
            return;
        case DType::Strings: {
            if (s.cols != 0) fail(where + "string table must have cols = 0, found " + str(s.cols));
            const uint64_t table = (uint64_t{s.rows} + 1) * 4;
            if (s.length < table)
                fail(where + "length " + str(s.length) + " is too small for " + str(s.rows) +
                     " strings (" + str(table) + " bytes of offsets)");
            return;
        }
        case DType::F32:
        case DType::I8:
        case DType::U32: {
            const uint64_t count = uint64_t{s.rows} * s.cols;  // cannot wrap: both are 32-bit
            const uint64_t elem = elem_size(s.dtype);
            const std::string shape = str(s.rows) + " x " + str(s.cols) + " " + dtype_name(s.dtype);
            if (count > std::numeric_limits<uint64_t>::max() / elem)
                fail(where + "shape " + shape + " overflows a 64-bit byte size");
            if (s.length != count * elem)
                fail(where + "length " + str(s.length) + " does not match " + shape + " (" +
                     str(count * elem) + " bytes)");
            return;
        }
    }
    fail(where + "unknown dtype " + str(static_cast<uint32_t>(s.dtype)));
}

// The string whose bytes include `pos` (empty strings own no bytes).
uint32_t string_at(const std::vector<uint32_t>& offsets, uint64_t pos) {
    const auto it = std::upper_bound(offsets.begin(), offsets.end(), pos);
    return static_cast<uint32_t>(it - offsets.begin() - 1);
}

void check_strings(const SectionInfo& s, const uint8_t* payload) {
    const std::string where = in_section(s.name);
    const uint32_t count = s.rows;
    const uint64_t table = (uint64_t{count} + 1) * 4;
    const uint64_t char_bytes = s.length - table;  // check_shape made this non-negative
    const uint8_t* chars = payload + table;

    std::vector<uint32_t> offsets(size_t{count} + 1);
    for (size_t i = 0; i <= count; ++i) offsets[i] = load<uint32_t>(payload + 4 * i);
    if (offsets[0] != 0) fail(where + "string offsets must start at 0, found " + str(offsets[0]));
    for (size_t i = 1; i <= count; ++i) {
        if (offsets[i] < offsets[i - 1])
            fail(where + "string offsets decrease at " + str(i) + " (" + str(offsets[i]) +
                 " after " + str(offsets[i - 1]) + ")");
    }
    if (offsets[count] != char_bytes)
        fail(where + "string offsets end at " + str(offsets[count]) + " but there are " +
             str(char_bytes) + " bytes of characters");

    // Offsets are now within the characters, so these scans see every string's bytes.
    const size_t n = static_cast<size_t>(char_bytes);
    if (const void* nul = std::memchr(chars, 0, n)) {
        const auto pos = static_cast<uint64_t>(static_cast<const uint8_t*>(nul) - chars);
        fail(where + "string " + str(string_at(offsets, pos)) + " contains a NUL byte");
    }
    const size_t bad = utf8_error(chars, n);
    if (bad != n) {
        const uint32_t i = string_at(offsets, bad);
        fail(where + "string " + str(i) + " is not valid UTF-8 (at byte " + str(bad - offsets[i]) +
             ")");
    }
    // The whole run is valid UTF-8; each string is too unless a character straddles a boundary.
    for (size_t i = 1; i < count; ++i) {
        if (offsets[i] < n && (chars[offsets[i]] & 0xc0) == 0x80)
            fail(where + "string " + str(string_at(offsets, offsets[i])) +
                 " is not valid UTF-8 (starts inside a character)");
    }
}

// Content rules beyond the shape; numeric payloads have none.
void check_content(const SectionInfo& s, const uint8_t* payload) {
    if (s.dtype == DType::Json) {
        const auto n = static_cast<size_t>(s.length);
        const size_t bad = utf8_error(payload, n);
        if (bad != n)
            fail(in_section(s.name) + "JSON is not valid UTF-8 (at byte " + str(bad) + ")");
    } else if (s.dtype == DType::Strings) {
        check_strings(s, payload);
    }
}

// Chained so that header and table are covered without copying them into one buffer.
uint64_t header_checksum(const uint8_t* file, uint64_t table_end) {
    uint8_t header[kHeaderSize];
    std::memcpy(header, file, kHeaderSize);
    std::memset(header + kHdrChecksum, 0, 8);
    const uint64_t header_hash = xxh64(header, kHeaderSize, 0);
    return xxh64(file + kHeaderSize, static_cast<size_t>(table_end - kHeaderSize), header_hash);
}

struct Header {
    uint16_t major = 0;
    uint16_t minor = 0;
    uint32_t count = 0;
    uint64_t table_offset = 0;
    uint64_t table_end = 0;
};

Header parse_header(const uint8_t* data, size_t size) {
    if (size == 0) fail("bundle header: file is empty");
    // A short prefix of a real bundle should say "truncated", anything else "bad magic".
    if (std::memcmp(data, kMagic, std::min<size_t>(size, sizeof kMagic)) != 0)
        fail("bundle header: bad magic (not a .hearth file)");
    if (size < kHeaderSize)
        fail("bundle header: file is " + str(size) +
             " bytes, shorter than the 64-byte header (truncated?)");

    Header h;
    h.major = load<uint16_t>(data + kHdrMajor);
    h.minor = load<uint16_t>(data + kHdrMinor);
    if (h.major != kMajor)
        fail("bundle header: major version " + str(h.major) +
             " is not supported (this reader reads " + str(kMajor) + ".x)");
    const uint32_t flags = load<uint32_t>(data + kHdrFlags);
    if ((flags & ~kKnownFlags) != 0)
        fail("bundle header: unknown flags " + hex(flags & ~kKnownFlags) +
             " (written by a newer writer that needs them understood)");
    const uint64_t file_size = load<uint64_t>(data + kHdrFileSize);
    if (file_size != size)
        fail("bundle header: file is " + str(size) + " bytes but header says " + str(file_size) +
             (size < file_size ? " (truncated?)" : " (trailing bytes?)"));
    h.count = load<uint32_t>(data + kHdrCount);
    if (h.count > kMaxSections)
        fail("bundle header: section count " + str(h.count) + " is over the limit of " +
             str(kMaxSections));
    h.table_offset = load<uint64_t>(data + kHdrTableOffset);
    if (h.table_offset < kHeaderSize || h.table_offset % kAlign != 0)
        fail("bundle header: table offset " + str(h.table_offset) +
             " must be a multiple of 64, at least 64");
    const uint64_t table_bytes = uint64_t{h.count} * kEntrySize;
    if (h.table_offset > size || table_bytes > size - h.table_offset)
        fail("section table: " + byte_range(h.table_offset, table_bytes) +
             " runs past the end of the file (" + str(size) + " bytes)");
    h.table_end = h.table_offset + table_bytes;
    if (header_checksum(data, h.table_end) != load<uint64_t>(data + kHdrChecksum))
        fail("bundle header: checksum mismatch (header or section table corrupted)");
    return h;
}

std::string parse_name(const uint8_t* entry, uint32_t index) {
    const char* field = reinterpret_cast<const char*>(entry);
    const void* nul = std::memchr(field, 0, kNameField);
    const size_t len =
        nul ? static_cast<size_t>(static_cast<const char*>(nul) - field) : kNameField;
    const std::string name(field, len);
    bool padded = true;
    for (size_t i = len; i < kNameField; ++i) padded = padded && field[i] == 0;
    if (!valid_name(name) || !padded)
        fail("section table: entry " + str(index) + " has a bad name '" + printable(name) + "' (" +
             kNameRule + ")");
    return name;
}

// Bytes outside the header, table and payloads are zero, so every byte of a file is checked.
void check_zero(const uint8_t* data, uint64_t from, uint64_t to, const std::string& what) {
    for (uint64_t i = from; i < to; ++i) {
        if (data[i] != 0) fail(what + "non-zero byte at " + str(i) + " in padding");
    }
}

struct Placed {
    std::string name;
    uint64_t offset;
    uint64_t end;
};

// Payloads follow the table in table order, 64-aligned, without overlap, inside the file.
void check_placement(const SectionInfo& s, const Placed& prev, const uint8_t* data, size_t size) {
    const std::string where = in_section(s.name);
    if (s.offset % kAlign != 0)
        fail(where + "offset " + str(s.offset) + " is not a multiple of 64");
    if (s.offset > size || s.length > size - s.offset)
        fail(where + "payload " + byte_range(s.offset, s.length) +
             " runs past the end of the file (" + str(size) + " bytes)");
    if (s.offset < prev.end) {
        if (prev.name.empty())
            fail(where + "payload " + byte_range(s.offset, s.length) +
                 " overlaps the section table " + byte_range(prev.offset, prev.end - prev.offset));
        fail(where + "payload " + byte_range(s.offset, s.length) +
             " overlaps or precedes section '" + prev.name + "' " +
             byte_range(prev.offset, prev.end - prev.offset) +
             " (payloads follow table order without overlap)");
    }
    check_zero(data, prev.end, s.offset, where);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Reader

BundleReader::BundleReader(const uint8_t* data, size_t size) : data_(data) {
    if (reinterpret_cast<uintptr_t>(data) % 4 != 0)
        fail(
            "bundle buffer: not 4-byte aligned (payload views need it; copy the bytes into a "
            "std::vector or a fresh ArrayBuffer)");
    const Header h = parse_header(data, size);
    version_major_ = h.major;
    version_minor_ = h.minor;

    std::map<std::string, uint32_t> seen;
    Placed prev{"", h.table_offset, h.table_end};
    for (uint32_t i = 0; i < h.count; ++i) {
        const uint8_t* entry = data + h.table_offset + uint64_t{i} * kEntrySize;
        SectionInfo s;
        s.name = parse_name(entry, i);
        const auto first = seen.emplace(s.name, i);
        if (!first.second)
            fail(in_section(s.name) + "duplicate name (entries " + str(first.first->second) +
                 " and " + str(i) + ")");
        const uint32_t raw_dtype = load<uint32_t>(entry + kEntDtype);
        s.dtype = static_cast<DType>(raw_dtype);
        s.rows = load<uint32_t>(entry + kEntRows);
        s.cols = load<uint32_t>(entry + kEntCols);
        s.offset = load<uint64_t>(entry + kEntOffset);
        s.length = load<uint64_t>(entry + kEntLength);
        s.checksum = load<uint64_t>(entry + kEntChecksum);

        // A newer minor version may add dtypes: such sections are checked for placement and
        // checksum, then skipped. Within the versions this reader knows, they are corruption.
        const bool known = known_dtype(raw_dtype);
        if (!known && h.minor <= kMinor)
            fail(in_section(s.name) + "unknown dtype " + str(raw_dtype));
        if (known) check_shape(s);
        check_placement(s, prev, data, size);
        const uint8_t* payload = data + s.offset;
        if (xxh64(payload, static_cast<size_t>(s.length), 0) != s.checksum)
            fail(in_section(s.name) + "checksum mismatch (payload corrupted)");
        if (known) check_content(s, payload);

        prev = Placed{s.name, s.offset, s.offset + s.length};
        if (known) sections_.push_back(std::move(s));
    }
    check_zero(data, prev.end, size, "bundle end: ");
}

bool BundleReader::has(const std::string& name) const {
    for (const SectionInfo& s : sections_) {
        if (s.name == name) return true;
    }
    return false;
}

const SectionInfo& BundleReader::section(const std::string& name) const {
    for (const SectionInfo& s : sections_) {
        if (s.name == name) return s;
    }
    fail(in_section(printable(name)) + "missing from the bundle");
}

const SectionInfo& BundleReader::typed(const std::string& name, DType dtype, uint32_t rows,
                                       uint32_t cols) const {
    const SectionInfo& s = section(name);
    if (s.dtype != dtype)
        fail(in_section(name) + "is " + dtype_name(s.dtype) + ", expected " + dtype_name(dtype));
    const bool rows_ok = rows == any || s.rows == rows;
    const bool cols_ok = cols == any || s.cols == cols;
    if (!rows_ok || !cols_ok) {
        const auto want = [](uint32_t v) { return v == any ? std::string("*") : str(v); };
        fail(in_section(name) + "shape " + str(s.rows) + " x " + str(s.cols) + ", expected " +
             want(rows) + " x " + want(cols));
    }
    return s;
}

std::string_view BundleReader::json(const std::string& name) const {
    const SectionInfo& s = typed(name, DType::Json, any, any);
    return {reinterpret_cast<const char*>(data_ + s.offset), static_cast<size_t>(s.length)};
}

StringTable BundleReader::strings(const std::string& name, uint32_t expected_rows) const {
    const SectionInfo& s = typed(name, DType::Strings, expected_rows, any);
    return StringTable(data_ + s.offset, s.rows);
}

Span<float> BundleReader::f32(const std::string& name, uint32_t expected_rows,
                              uint32_t expected_cols) const {
    const SectionInfo& s = typed(name, DType::F32, expected_rows, expected_cols);
    return {reinterpret_cast<const float*>(data_ + s.offset), static_cast<size_t>(s.length / 4)};
}

Span<int8_t> BundleReader::i8(const std::string& name, uint32_t expected_rows,
                              uint32_t expected_cols) const {
    const SectionInfo& s = typed(name, DType::I8, expected_rows, expected_cols);
    return {reinterpret_cast<const int8_t*>(data_ + s.offset), static_cast<size_t>(s.length)};
}

Span<uint32_t> BundleReader::u32(const std::string& name, uint32_t expected_rows,
                                 uint32_t expected_cols) const {
    const SectionInfo& s = typed(name, DType::U32, expected_rows, expected_cols);
    return {reinterpret_cast<const uint32_t*>(data_ + s.offset), static_cast<size_t>(s.length / 4)};
}

// ---------------------------------------------------------------------------------------------
// String tables

StringTable::StringTable(const uint8_t* payload, uint32_t count)
    : offsets_(reinterpret_cast<const uint32_t*>(payload)),
      chars_(reinterpret_cast<const char*>(payload) + (size_t{count} + 1) * 4),
      count_(count) {}

std::string_view StringTable::operator[](uint32_t i) const {
    if (i >= count_)
        throw Error("argument", "string index " + str(i) + " out of range (table has " +
                                    str(count_) + " strings)");
    return {chars_ + offsets_[i], static_cast<size_t>(offsets_[i + 1] - offsets_[i])};
}

// ---------------------------------------------------------------------------------------------
// Writer

namespace {

// Byte size of a rows x cols tensor, if this machine can hold it.
size_t tensor_bytes(const std::string& name, uint32_t rows, uint32_t cols, DType dtype) {
    const uint64_t count = uint64_t{rows} * cols;  // cannot wrap: both are 32-bit
    const uint64_t elem = elem_size(dtype);
    if (count > std::numeric_limits<size_t>::max() / elem)
        fail(in_section(printable(name)) + "shape " + str(rows) + " x " + str(cols) + " " +
             dtype_name(dtype) + " is too large");
    return static_cast<size_t>(count * elem);
}

}  // namespace

void BundleWriter::add(const std::string& name, DType dtype, uint32_t rows, uint32_t cols,
                       const void* data, size_t bytes) {
    if (!valid_name(name)) fail(in_section(printable(name)) + "bad name (" + kNameRule + ")");
    for (const Pending& p : sections_) {
        if (p.info.name == name) fail(in_section(name) + "added twice");
    }
    if (sections_.size() >= kMaxSections)
        fail(in_section(name) + "too many sections (the limit is " + str(kMaxSections) + ")");

    Pending p;
    p.info.name = name;
    p.info.dtype = dtype;
    p.info.rows = rows;
    p.info.cols = cols;
    p.info.length = bytes;
    p.payload.resize(bytes);
    if (bytes != 0) std::memcpy(p.payload.data(), data, bytes);
    // The reader's own rules, so a writer can never produce a bundle the reader rejects.
    check_shape(p.info);
    check_content(p.info, p.payload.data());
    p.info.checksum = xxh64(p.payload.data(), p.payload.size(), 0);
    sections_.push_back(std::move(p));
}

void BundleWriter::add_copy(const BundleReader& from, const std::string& name) {
    const SectionInfo& s = from.section(name);
    add(name, s.dtype, s.rows, s.cols, from.payload(s), static_cast<size_t>(s.length));
}

void BundleWriter::add_json(const std::string& name, const std::string& json) {
    if (json.size() > std::numeric_limits<uint32_t>::max())
        fail(in_section(printable(name)) + "JSON of " + str(json.size()) + " bytes is too large");
    add(name, DType::Json, 1, static_cast<uint32_t>(json.size()), json.data(), json.size());
}

void BundleWriter::add_strings(const std::string& name, const std::vector<std::string>& strings) {
    // Offsets are u32 and there are count + 1 of them.
    constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
    if (strings.size() >= kMax)
        fail(in_section(printable(name)) + "too many strings (" + str(strings.size()) + ")");
    uint64_t chars = 0;
    for (const std::string& s : strings) chars += s.size();
    if (chars > kMax)
        fail(in_section(printable(name)) + str(chars) + " bytes of strings is too large");

    const size_t table = (strings.size() + 1) * 4;
    std::vector<uint8_t> payload(table + static_cast<size_t>(chars));
    uint32_t offset = 0;
    uint8_t* out = payload.data() + table;
    for (size_t i = 0; i < strings.size(); ++i) {
        store<uint32_t>(payload.data() + 4 * i, offset);
        if (!strings[i].empty()) std::memcpy(out + offset, strings[i].data(), strings[i].size());
        offset += static_cast<uint32_t>(strings[i].size());
    }
    store<uint32_t>(payload.data() + 4 * strings.size(), offset);
    add(name, DType::Strings, static_cast<uint32_t>(strings.size()), 0, payload.data(),
        payload.size());
}

void BundleWriter::add_f32(const std::string& name, const float* data, uint32_t rows,
                           uint32_t cols) {
    add(name, DType::F32, rows, cols, data, tensor_bytes(name, rows, cols, DType::F32));
}

void BundleWriter::add_i8(const std::string& name, const int8_t* data, uint32_t rows,
                          uint32_t cols) {
    add(name, DType::I8, rows, cols, data, tensor_bytes(name, rows, cols, DType::I8));
}

void BundleWriter::add_u32(const std::string& name, const uint32_t* data, uint32_t rows,
                           uint32_t cols) {
    add(name, DType::U32, rows, cols, data, tensor_bytes(name, rows, cols, DType::U32));
}

std::vector<uint8_t> BundleWriter::finish() const {
    const uint64_t table_end = kHeaderSize + sections_.size() * kEntrySize;
    std::vector<uint64_t> offsets;
    uint64_t file_size = table_end;
    for (const Pending& p : sections_) {
        offsets.push_back(align_up(file_size));
        file_size = offsets.back() + p.info.length;
    }
    if (file_size > std::numeric_limits<size_t>::max())
        fail("bundle: " + str(file_size) + " bytes is too large for this machine");

    std::vector<uint8_t> out(static_cast<size_t>(file_size), 0);
    uint8_t* h = out.data();
    std::memcpy(h, kMagic, sizeof kMagic);
    store<uint16_t>(h + kHdrMajor, kMajor);
    store<uint16_t>(h + kHdrMinor, kMinor);
    store<uint32_t>(h + kHdrFlags, 0);
    store<uint32_t>(h + kHdrCount, static_cast<uint32_t>(sections_.size()));
    store<uint64_t>(h + kHdrFileSize, file_size);
    store<uint64_t>(h + kHdrTableOffset, kHeaderSize);

    for (size_t i = 0; i < sections_.size(); ++i) {
        const SectionInfo& s = sections_[i].info;
        uint8_t* e = out.data() + kHeaderSize + i * kEntrySize;
        std::memcpy(e, s.name.data(), s.name.size());
        store<uint32_t>(e + kEntDtype, static_cast<uint32_t>(s.dtype));
        store<uint32_t>(e + kEntRows, s.rows);
        store<uint32_t>(e + kEntCols, s.cols);
        store<uint64_t>(e + kEntOffset, offsets[i]);
        store<uint64_t>(e + kEntLength, s.length);
        store<uint64_t>(e + kEntChecksum, s.checksum);
        const std::vector<uint8_t>& payload = sections_[i].payload;
        if (!payload.empty()) std::memcpy(out.data() + offsets[i], payload.data(), payload.size());
    }
    store<uint64_t>(h + kHdrChecksum, header_checksum(out.data(), table_end));
    return out;
}

// ---------------------------------------------------------------------------------------------
// Files

namespace {

[[noreturn]] void io_fail(const std::string& what, const std::string& path, int err) {
    throw Error("io", "cannot " + what + " " + path + ": " + std::strerror(err));
}

}  // namespace

void BundleWriter::write_file(const std::string& path) const {
    const std::vector<uint8_t> bytes = finish();
    // Written beside the target and renamed over it, so a crash or a full disk never leaves
    // a half-written bundle under the real name.
    const std::string tmp = path + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) io_fail("create", tmp, errno);
    int err = 0;
    if (std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fflush(f) != 0)
        err = errno ? errno : EIO;
#ifdef HEARTH_HAVE_FSYNC
    if (err == 0 && fsync(fileno(f)) != 0) err = errno;
#endif
    if (std::fclose(f) != 0 && err == 0) err = errno ? errno : EIO;
    if (err != 0) {
        std::remove(tmp.c_str());
        io_fail("write", path, err);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        err = errno;
        std::remove(tmp.c_str());
        io_fail("write", path, err);
    }
}

void check_values(const std::string& section, const float* v, size_t n, float limit) {
    // Blocks of 1024 with an integer OR of the comparisons (vectorised; NaN compares
    // false), then the first bad index searched again only in the block that failed.
    constexpr size_t kBlock = 1024;
    for (size_t begin = 0; begin < n; begin += kBlock) {
        const size_t end = std::min(n, begin + kBlock);
        unsigned bad = 0;
        for (size_t i = begin; i < end; ++i) bad |= std::fabs(v[i]) <= limit ? 0u : 1u;
        if (!bad) continue;
        for (size_t i = begin; i < end; ++i) {
            if (std::fabs(v[i]) <= limit) continue;
            char value[32];
            std::snprintf(value, sizeof value, "%g", static_cast<double>(v[i]));
            char bound[32];
            std::snprintf(bound, sizeof bound, "%g", static_cast<double>(limit));
            if (!std::isfinite(v[i]))
                fail(in_section(section) + "value at index " + str(i) + " is not finite (" + value + ")");
            fail(in_section(section) + "value " + value + " at index " + str(i) + " is outside [-" +
                 bound + ", " + bound + "]");
        }
    }
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) io_fail("open", path, errno);
    // Read in chunks rather than trusting a size from seek/tell, which pipes do not have.
    constexpr size_t kChunk = size_t{1} << 20;
    std::vector<uint8_t> bytes;
    size_t used = 0;
    for (;;) {
        bytes.resize(used + kChunk);
        const size_t got = std::fread(bytes.data() + used, 1, kChunk, f);
        used += got;
        if (got < kChunk) break;
    }
    const int err = std::ferror(f) ? (errno ? errno : EIO) : 0;
    std::fclose(f);
    if (err != 0) io_fail("read", path, err);
    bytes.resize(used);
    return bytes;
}

}  // namespace hearth
