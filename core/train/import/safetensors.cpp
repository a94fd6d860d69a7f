#include "core/train/import/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "core/common/error.h"
#include "core/data/json.h"
#include "core/data/json_parse.h"

namespace hearth {

namespace {

// The reference implementation's bound: a header past it is a broken or hostile file.
constexpr uint64_t kMaxHeaderBytes = 100000000;

// Every dtype of the format, with its element size. Reading any of them is fine; only the
// float ones convert to float.
struct DtypeInfo {
    const char* name;
    size_t size;
};
constexpr DtypeInfo kDtypes[] = {{"BOOL", 1},    {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1},
                                 {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
                                 {"BF16", 2},    {"I32", 4}, {"U32", 4}, {"F32", 4},
                                 {"F64", 8},     {"I64", 8}, {"U64", 8}};

size_t dtype_size(std::string_view name) {
    for (const DtypeInfo& d : kDtypes)
        if (name == d.name) return d.size;
    return 0;
}

uint64_t read_u64le(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

uint16_t read_u16le(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

std::string offsets_text(uint64_t b, uint64_t e) {
    return "[" + std::to_string(b) + ", " + std::to_string(e) + "]";
}

}  // namespace

uint64_t SafetensorsTensor::elements() const {
    uint64_t n = 1;
    for (uint64_t s : shape) n *= s;  // checked against the byte range when read
    return n;
}

std::string SafetensorsTensor::shape_text() const {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

float f16_to_float(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        // Zero or subnormal: mant * 2^-24, exact in float.
        const float v = std::ldexp(static_cast<float>(mant), -24);
        return sign ? -v : v;
    }
    if (exp == 31)
        bits = sign | 0x7f800000u | (mant << 13);
    else
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

float bf16_to_float(uint16_t h) {
    const uint32_t bits = uint32_t(h) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

uint16_t float_to_f16(float f) {
    uint32_t x;
    std::memcpy(&x, &f, sizeof x);
    const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
    const uint32_t abs = x & 0x7fffffffu;
    if (abs > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);  // NaN
    const int exp = static_cast<int>(abs >> 23) - 127 + 15;
    if (exp >= 31) return static_cast<uint16_t>(sign | 0x7c00u);  // inf or too large
    uint32_t h, rem, half;
    if (exp >= 1) {
        h = (uint32_t(exp) << 10) | ((abs & 0x7fffffu) >> 13);
        rem = abs & 0x1fffu;
        half = 0x1000u;
    } else {
        const int shift = 14 - exp;  // the half subnormal is mantissa * 2^-24
        if (shift > 24) return sign;
        const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
        h = mant >> shift;
        rem = mant & ((1u << shift) - 1);
        half = 1u << (shift - 1);
    }
    // Round to nearest even; a carry into the exponent is the correct next value (up to inf).
    if (rem > half || (rem == half && (h & 1u))) ++h;
    return static_cast<uint16_t>(sign | h);
}

uint16_t float_to_bf16(float f) {
    uint32_t x;
    std::memcpy(&x, &f, sizeof x);
    if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
    x += 0x7fffu + ((x >> 16) & 1u);
    return static_cast<uint16_t>(x >> 16);
}

SafetensorsFile SafetensorsFile::read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("io", "cannot open " + path + ": " + std::strerror(errno));
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    if (in.bad()) throw Error("io", "cannot read " + path);
    return SafetensorsFile(std::move(bytes), path);
}

SafetensorsFile::SafetensorsFile(std::vector<uint8_t> bytes, std::string source)
    : bytes_(std::move(bytes)), source_(std::move(source)) {
    auto fail = [&](const std::string& what) { throw Error("import", source_ + ": " + what); };
    const uint64_t size = bytes_.size();
    if (size < 8)
        fail(std::to_string(size) +
             " bytes is too short for a safetensors file (it starts with "
             "an 8-byte header length)");
    const uint64_t n = read_u64le(bytes_.data());
    if (n > kMaxHeaderBytes)
        fail("header length " + std::to_string(n) + " is over the format's limit of " +
             std::to_string(kMaxHeaderBytes) + " bytes");
    if (n > size - 8)
        fail("header length " + std::to_string(n) + " exceeds the file size (" +
             std::to_string(size) + " bytes; the file is truncated or not safetensors)");
    data_start_ = 8 + static_cast<size_t>(n);
    const uint64_t data_size = size - data_start_;

    JsonValue header;
    try {
        header = parse_json(std::string_view(reinterpret_cast<const char*>(bytes_.data()) + 8,
                                             static_cast<size_t>(n)));
    } catch (const Error& e) {
        fail(std::string("header is not valid JSON: ") + e.what());
    }
    if (!header.is_object())
        fail(std::string("header must be a JSON object, got ") +
             JsonValue::type_name(header.type()));

    for (const auto& [name, entry] : header.as_object("header")) {
        if (name == "__metadata__") {
            if (!entry.is_object()) fail("__metadata__ must be an object of strings");
            for (const auto& [key, value] : entry.as_object("__metadata__")) {
                if (!value.is_string())
                    fail("__metadata__ '" + key + "' must be a string, got " +
                         JsonValue::type_name(value.type()));
                metadata_.emplace_back(key, value.as_string(key));
            }
            continue;
        }
        const std::string where = "tensor '" + name + "': ";
        auto bad = [&](const std::string& what) { fail(where + what); };
        if (!entry.is_object())
            bad(std::string("expected an object, got ") + JsonValue::type_name(entry.type()));
        SafetensorsTensor t;
        t.name = name;
        for (const auto& [key, value] : entry.as_object(name))
            if (key != "dtype" && key != "shape" && key != "data_offsets")
                bad("unknown field '" + key + "'");
        const JsonValue* dtype = entry.find("dtype");
        const JsonValue* shape = entry.find("shape");
        const JsonValue* offsets = entry.find("data_offsets");
        if (!dtype) bad("missing \"dtype\"");
        if (!shape) bad("missing \"shape\"");
        if (!offsets) bad("missing \"data_offsets\"");
        try {
            t.dtype = dtype->as_string("dtype");
            for (const JsonValue& s : shape->as_array("shape"))
                t.shape.push_back(s.as_u64("shape"));
            const auto& o = offsets->as_array("data_offsets");
            if (o.size() != 2)
                bad("data_offsets must hold 2 numbers, got " + std::to_string(o.size()));
            t.begin = o[0].as_u64("data_offsets");
            t.end = o[1].as_u64("data_offsets");
        } catch (const Error& e) {
            if (e.code() == "import") throw;
            bad(e.what());
        }
        t.element_size = dtype_size(t.dtype);
        if (t.element_size == 0) bad("unknown dtype '" + t.dtype + "'");
        if (t.begin > t.end)
            bad("data_offsets " + offsets_text(t.begin, t.end) + " end before they begin");
        if (t.end > data_size)
            bad("data_offsets " + offsets_text(t.begin, t.end) + " run past the end of the data (" +
                std::to_string(data_size) + " bytes; the file is truncated?)");
        uint64_t need = t.element_size;
        for (uint64_t s : t.shape)
            if (__builtin_mul_overflow(need, s, &need))
                bad("shape " + t.shape_text() + " is too large");
        if (need != t.end - t.begin)
            bad("shape " + t.shape_text() + " of " + t.dtype + " needs " + std::to_string(need) +
                " bytes, but data_offsets " + offsets_text(t.begin, t.end) + " hold " +
                std::to_string(t.end - t.begin));
        tensors_.push_back(std::move(t));
    }

    std::vector<const SafetensorsTensor*> by_offset;
    for (const auto& t : tensors_) by_offset.push_back(&t);
    std::sort(by_offset.begin(), by_offset.end(), [](const auto* a, const auto* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    for (size_t i = 1; i < by_offset.size(); ++i) {
        const SafetensorsTensor& a = *by_offset[i - 1];
        const SafetensorsTensor& b = *by_offset[i];
        // Empty tensors occupy no bytes and cannot collide.
        if (b.begin < a.end && a.begin != a.end && b.begin != b.end)
            fail("tensors '" + a.name + "' " + offsets_text(a.begin, a.end) + " and '" + b.name +
                 "' " + offsets_text(b.begin, b.end) + " overlap");
    }
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const {
    for (const auto& t : tensors_)
        if (t.name == name) return &t;
    return nullptr;
}

std::vector<float> SafetensorsFile::to_float(const SafetensorsTensor& t) const {
    const uint64_t n = t.elements();
    const uint8_t* p = bytes_.data() + data_start_ + t.begin;
    std::vector<float> out(static_cast<size_t>(n));
    if (t.dtype == "F32") {
        // Little-endian on disk, as on every target Hearth builds for.
        if (n) std::memcpy(out.data(), p, static_cast<size_t>(n) * 4);
    } else if (t.dtype == "F16") {
        for (size_t i = 0; i < n; ++i) out[i] = f16_to_float(read_u16le(p + 2 * i));
    } else if (t.dtype == "BF16") {
        for (size_t i = 0; i < n; ++i) out[i] = bf16_to_float(read_u16le(p + 2 * i));
    } else if (t.dtype == "F64") {
        for (size_t i = 0; i < n; ++i) {
            double v;
            std::memcpy(&v, p + 8 * i, 8);
            out[i] = static_cast<float>(v);
        }
    } else {
        throw Error("import", source_ + ": tensor '" + t.name + "': dtype " + t.dtype +
                                  " is not a float type (F32, F16, BF16 or F64)");
    }
    return out;
}

std::vector<uint8_t> safetensors_bytes(
    const std::vector<SafetensorsOutput>& tensors,
    const std::vector<std::pair<std::string, std::string>>& metadata) {
    Json header;
    header.begin_object();
    if (!metadata.empty()) {
        header.key("__metadata__").begin_object();
        for (const auto& [k, v] : metadata) header.field(k, v);
        header.end_object();
    }
    std::set<std::string> names;
    uint64_t offset = 0;
    for (const SafetensorsOutput& t : tensors) {
        const size_t size = t.dtype == "F32" ? 4 : (t.dtype == "F16" || t.dtype == "BF16") ? 2 : 0;
        if (size == 0)
            throw Error("argument", "safetensors writer: unsupported dtype '" + t.dtype + "'");
        if (!names.insert(t.name).second)
            throw Error("argument", "safetensors writer: tensor '" + t.name + "' given twice");
        uint64_t count = 1;
        for (uint64_t s : t.shape) count *= s;
        if (count != t.values.size())
            throw Error("argument", "safetensors writer: tensor '" + t.name + "' has " +
                                        std::to_string(t.values.size()) + " values for its shape");
        header.key(t.name).begin_object().field("dtype", t.dtype).key("shape").begin_array();
        for (uint64_t s : t.shape) header.value(s);
        header.end_array().key("data_offsets").begin_array().value(offset);
        offset += count * size;
        header.value(offset).end_array().end_object();
    }
    header.end_object();
    std::string text = header.str();
    text.append((8 - text.size() % 8) % 8, ' ');

    const uint64_t n = text.size();
    std::vector<uint8_t> out(8 + text.size());
    for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
    std::memcpy(out.data() + 8, text.data(), text.size());
    out.reserve(out.size() + offset);
    for (const SafetensorsOutput& t : tensors)
        for (float v : t.values) {
            if (t.dtype == "F32") {
                uint32_t bits;
                std::memcpy(&bits, &v, 4);
                for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(bits >> (8 * i)));
            } else {
                const uint16_t h = t.dtype == "F16" ? float_to_f16(v) : float_to_bf16(v);
                out.push_back(static_cast<uint8_t>(h));
                out.push_back(static_cast<uint8_t>(h >> 8));
            }
        }
    return out;
}

void write_safetensors(const std::string& path, const std::vector<SafetensorsOutput>& tensors,
                       const std::vector<std::pair<std::string, std::string>>& metadata) {
    const std::vector<uint8_t> bytes = safetensors_bytes(tensors, metadata);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("io", "cannot create " + path + ": " + std::strerror(errno));
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) throw Error("io", "cannot write " + path);
}

}  // namespace hearth
