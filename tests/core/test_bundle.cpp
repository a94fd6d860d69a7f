// Bundle tests: a round trip of every dtype, then one test per failure class, each building
// the bad bytes itself and asserting that the message names the place and the problem.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/device/bundle/bundle.h"

using Catch::Matchers::Contains;
using hearth::BundleReader;
using hearth::BundleWriter;
using hearth::DType;
using Bytes = std::vector<uint8_t>;

namespace {

// Offsets restated from FORMAT.md, not shared with bundle.cpp: a layout change has to change
// the spec, the code and these tests together.
constexpr size_t kMajorAt = 8, kMinorAt = 10, kFlagsAt = 12, kCountAt = 16, kFileSizeAt = 24,
                 kTableOffsetAt = 32, kChecksumAt = 40;
constexpr size_t kDtypeAt = 24, kRowsAt = 28, kColsAt = 32, kOffsetAt = 40, kLengthAt = 48,
                 kPayloadSumAt = 56;

template <typename T>
void put(Bytes& b, size_t at, T v) {
    std::memcpy(b.data() + at, &v, sizeof v);
}

template <typename T>
T get(const Bytes& b, size_t at) {
    T v;
    std::memcpy(&v, b.data() + at, sizeof v);
    return v;
}

size_t entry(size_t i) {
    return 64 + 64 * i;
}
size_t payload_at(const Bytes& b, size_t i) {
    return get<uint64_t>(b, entry(i) + kOffsetAt);
}

// Recomputes the header checksum as FORMAT.md defines it, so a test can corrupt a field and
// still get past the checksum to the check it targets. Returns false if the header is too
// broken to locate the table (then the bytes are left as they are).
bool reseal_header(Bytes& b) {
    if (b.size() < 64) return false;
    const uint64_t table = get<uint64_t>(b, kTableOffsetAt);
    const uint64_t count = get<uint32_t>(b, kCountAt);
    if (table < 64 || count > 4096 || table > b.size() || count * 64 > b.size() - table)
        return false;
    uint8_t header[64];
    std::memcpy(header, b.data(), 64);
    std::memset(header + kChecksumAt, 0, 8);
    const uint64_t h0 = hearth::xxh64(header, 64, 0);
    put<uint64_t>(b, kChecksumAt, hearth::xxh64(b.data() + 64, table + count * 64 - 64, h0));
    return true;
}

// Same for a payload checksum (then the header, which covers the table entry).
bool reseal_payload(Bytes& b, size_t i) {
    const uint64_t off = payload_at(b, i);
    const uint64_t len = get<uint64_t>(b, entry(i) + kLengthAt);
    if (off > b.size() || len > b.size() - off) return false;
    put<uint64_t>(b, entry(i) + kPayloadSumAt, hearth::xxh64(b.data() + off, len, 0));
    return reseal_header(b);
}

void set_name(Bytes& b, size_t i, const char* raw, size_t n) {
    std::memset(b.data() + entry(i), 0, 24);
    std::memcpy(b.data() + entry(i), raw, n);
}

// The message of the Error the reader throws (its code must be "bundle"), or "no error".
std::string error_of(const Bytes& b) {
    try {
        BundleReader r(b.data(), b.size());
    } catch (const hearth::Error& e) {
        CHECK(e.code() == "bundle");
        return e.what();
    }
    return "no error";
}

const std::vector<std::string> kIds = {"item-1", "", "ünïcødé", "日本語", "emoji 😀 ok"};
const std::vector<float> kFactors = {0.f,   1.5f, -2.25f, 3.f,  1e-30f, -0.f, 7.f, 8.f,
                                     1e30f, -9.f, 10.f,   11.f, 12.f,   13.f, 14.f};
const std::vector<int8_t> kQuant = {-128, -1, 0, 1, 2, 3, 4, 5, 6, 7, 100, 127};
const std::vector<uint32_t> kU32 = {0, 1, 0xffffffffu, 123456789};
const std::string kJson = R"({"kind":"mf","note":"héllo ✓ 😀"})";

// Section indices in sample(): 0 meta.model (json), 1 catalog.ids (strings),
// 2 catalog.empty (strings, none), 3 mf.factors (f32 3x5), 4 mf.empty (f32 0x8),
// 5 emb.q (i8 4x3), 6 emb.scale (u32 2x2, last and not empty).
Bytes sample() {
    BundleWriter w;
    w.add_json("meta.model", kJson);
    w.add_strings("catalog.ids", kIds);
    w.add_strings("catalog.empty", {});
    w.add_f32("mf.factors", kFactors.data(), 3, 5);
    w.add_f32("mf.empty", nullptr, 0, 8);
    w.add_i8("emb.q", kQuant.data(), 4, 3);
    w.add_u32("emb.scale", kU32.data(), 2, 2);
    return w.finish();
}

// A bundle whose only section is a string table with exactly this payload (which may be bad).
Bytes strings_bundle(const Bytes& payload, uint32_t count) {
    BundleWriter w;
    std::vector<std::string> filler(count);
    filler[0].assign(payload.size() - 4 * (count + 1), 'x');
    w.add_strings("catalog.ids", filler);
    Bytes b = w.finish();
    REQUIRE(get<uint64_t>(b, entry(0) + kLengthAt) == payload.size());
    std::memcpy(b.data() + payload_at(b, 0), payload.data(), payload.size());
    REQUIRE(reseal_payload(b, 0));
    return b;
}

Bytes string_payload(const std::vector<uint32_t>& offsets, const std::string& chars) {
    Bytes p(offsets.size() * 4 + chars.size());
    for (size_t i = 0; i < offsets.size(); ++i) put<uint32_t>(p, 4 * i, offsets[i]);
    std::memcpy(p.data() + offsets.size() * 4, chars.data(), chars.size());
    return p;
}

// Touches every byte a valid reader hands out, so the sanitizers see any bad view.
uint64_t touch_everything(const BundleReader& r) {
    uint64_t sum = 0;
    for (const hearth::SectionInfo& s : r.sections()) {
        switch (s.dtype) {
            case DType::Json:
                for (char c : r.json(s.name)) sum += static_cast<unsigned char>(c);
                break;
            case DType::Strings: {
                const hearth::StringTable t = r.strings(s.name, s.rows);
                for (uint32_t i = 0; i < t.size(); ++i)
                    for (char c : t[i]) sum += static_cast<unsigned char>(c);
                break;
            }
            case DType::F32:
                for (float v : r.f32(s.name, s.rows, s.cols)) sum += v > 0.f ? 1 : 0;
                break;
            case DType::I8:
                for (int8_t v : r.i8(s.name, s.rows, s.cols)) sum += static_cast<uint8_t>(v);
                break;
            case DType::U32:
                for (uint32_t v : r.u32(s.name, s.rows, s.cols)) sum += v;
                break;
        }
    }
    return sum;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Round trips

TEST_CASE("bundle round trip of every dtype", "[bundle]") {
    const Bytes b = sample();
    const BundleReader r(b.data(), b.size());
    CHECK(r.version_major() == 1);
    CHECK(r.version_minor() == 0);
    REQUIRE(r.sections().size() == 7);
    CHECK(r.sections()[0].name == "meta.model");
    CHECK(r.sections()[6].name == "emb.scale");
    for (const hearth::SectionInfo& s : r.sections()) {
        CHECK(s.offset % 64 == 0);
        CHECK(s.offset + s.length <= b.size());
    }
    CHECK(get<uint64_t>(b, kFileSizeAt) == b.size());

    CHECK(r.json("meta.model") == kJson);

    const hearth::StringTable ids = r.strings("catalog.ids", 5);
    REQUIRE(ids.size() == kIds.size());
    for (uint32_t i = 0; i < ids.size(); ++i) CHECK(ids[i] == kIds[i]);
    CHECK(r.strings("catalog.empty").size() == 0);
    CHECK(r.section("catalog.empty").length == 4);

    const hearth::Span<float> f = r.f32("mf.factors", 3, 5);
    REQUIRE(f.size == kFactors.size());
    CHECK(std::memcmp(f.data, kFactors.data(), f.size * 4) == 0);  // bit-exact, -0.f included
    CHECK(reinterpret_cast<uintptr_t>(f.data) % 64 == reinterpret_cast<uintptr_t>(b.data()) % 64);

    const hearth::Span<float> empty = r.f32("mf.empty", 0, 8);
    CHECK(empty.empty());
    CHECK(r.section("mf.empty").cols == 8);

    const hearth::Span<int8_t> q = r.i8("emb.q", 4, 3);
    CHECK(std::vector<int8_t>(q.begin(), q.end()) == kQuant);
    const hearth::Span<uint32_t> u = r.u32("emb.scale", 2, 2);
    CHECK(std::vector<uint32_t>(u.begin(), u.end()) == kU32);

    CHECK(r.has("emb.q"));
    CHECK_FALSE(r.has("emb"));
}

TEST_CASE("bundle with no sections is just a header", "[bundle]") {
    const Bytes b = BundleWriter().finish();
    REQUIRE(b.size() == 64);
    const BundleReader r(b.data(), b.size());
    CHECK(r.sections().empty());
}

TEST_CASE("bundle with an empty last section and empty JSON", "[bundle]") {
    BundleWriter w;
    const float one = 1.f;
    w.add_f32("a", &one, 1, 1);
    w.add_json("b", "");
    w.add_u32("c", nullptr, 7, 0);
    const Bytes b = w.finish();
    const BundleReader r(b.data(), b.size());
    CHECK(r.json("b").empty());
    CHECK(r.u32("c", 7, 0).empty());
    CHECK(r.section("c").offset == b.size());  // an empty payload may sit at the very end
}

TEST_CASE("bundle files are written atomically and read back", "[bundle]") {
    const std::string path =
        "/tmp/hearth_test_bundle_" + std::to_string(std::random_device()()) + ".hearth";
    BundleWriter w;
    w.add_strings("catalog.ids", kIds);
    w.write_file(path);
    std::FILE* leftover = std::fopen((path + ".tmp").c_str(), "rb");
    CHECK(leftover == nullptr);
    if (leftover) std::fclose(leftover);

    const Bytes b = hearth::read_file_bytes(path);
    CHECK(b == w.finish());
    std::remove(path.c_str());

    try {
        hearth::read_file_bytes(path);
        FAIL("reading a missing file should throw");
    } catch (const hearth::Error& e) {
        CHECK(e.code() == "io");
        CHECK_THAT(e.what(), Contains("cannot open " + path) && Contains("No such file"));
    }
    try {
        w.write_file("/nonexistent-dir/x.hearth");
        FAIL("writing into a missing directory should throw");
    } catch (const hearth::Error& e) {
        CHECK(e.code() == "io");
        CHECK_THAT(e.what(), Contains("/nonexistent-dir/x.hearth"));
    }
}

// ---------------------------------------------------------------------------------------------
// Writer checks

TEST_CASE("bundle writer rejects bad names and contents, naming the section", "[bundle]") {
    const float v = 1.f;
    const auto writer_error = [&](auto&& add) -> std::string {
        BundleWriter w;
        w.add_f32("taken", &v, 1, 1);
        try {
            add(w);
        } catch (const hearth::Error& e) {
            CHECK(e.code() == "bundle");
            return e.what();
        }
        return "no error";
    };
    CHECK_THAT(writer_error([&](BundleWriter& w) { w.add_f32("", &v, 1, 1); }),
               Contains("section '': bad name"));
    CHECK_THAT(writer_error([&](BundleWriter& w) { w.add_f32("Mf.factors", &v, 1, 1); }),
               Contains("section 'Mf.factors': bad name"));
    CHECK_THAT(writer_error([&](BundleWriter& w) { w.add_f32("a b", &v, 1, 1); }),
               Contains("section 'a b': bad name"));
    CHECK_THAT(writer_error([&](BundleWriter& w) { w.add_f32(std::string(24, 'a'), &v, 1, 1); }),
               Contains("bad name (names are 1..23 bytes"));
    CHECK_THAT(writer_error([&](BundleWriter& w) { w.add_f32(std::string("a\0b", 3), &v, 1, 1); }),
               Contains("section 'a\\x00b': bad name"));
    CHECK_THAT(writer_error([&](BundleWriter& w) { w.add_json("taken", "{}"); }),
               Contains("section 'taken': added twice"));
    CHECK_THAT(writer_error([&](BundleWriter& w) { w.add_json("j", "\xff"); }),
               Contains("section 'j': JSON is not valid UTF-8 (at byte 0)"));
    CHECK_THAT(writer_error([&](BundleWriter& w) {
                   w.add_strings("s", {"ok", std::string("a\0b", 3)});
               }),
               Contains("section 's': string 1 contains a NUL byte"));
    CHECK_THAT(writer_error([&](BundleWriter& w) {
                   w.add_strings("s", {"ok", "", "bad\xc3"});
               }),
               Contains("section 's': string 2 is not valid UTF-8"));
    CHECK_THAT(
        writer_error([&](BundleWriter& w) { w.add_f32("big", nullptr, 0xffffffffu, 0xffffffffu); }),
        Contains("section 'big': shape 4294967295 x 4294967295 f32 is too large"));
    CHECK(writer_error([&](BundleWriter& w) { w.add_f32(std::string(23, 'z'), &v, 1, 1); }) ==
          "no error");
}

// ---------------------------------------------------------------------------------------------
// Header

TEST_CASE("bundle header: bad magic, empty and short files", "[bundle]") {
    Bytes b = sample();
    b[0] = 'X';
    CHECK_THAT(error_of(b), Contains("bundle header: bad magic (not a .hearth file)"));
    CHECK_THAT(error_of(Bytes{}), Contains("bundle header: file is empty"));
    const Bytes png = {0x89, 'P', 'N', 'G'};
    CHECK_THAT(error_of(png), Contains("bad magic"));
    const Bytes whole = sample();
    const Bytes prefix(whole.begin(), whole.begin() + 5);
    CHECK_THAT(
        error_of(prefix),
        Contains("bundle header: file is 5 bytes, shorter than the 64-byte header (truncated?)"));
}

TEST_CASE("bundle header: another major version is rejected", "[bundle]") {
    Bytes b = sample();
    put<uint16_t>(b, kMajorAt, 2);
    reseal_header(b);
    CHECK_THAT(error_of(b),
               Contains("bundle header: major version 2 is not supported (this reader reads 1.x)"));
    put<uint16_t>(b, kMajorAt, 0);
    CHECK_THAT(error_of(b), Contains("major version 0 is not supported"));
}

TEST_CASE("bundle header: a higher minor version is read, unknown dtypes skipped", "[bundle]") {
    Bytes b = sample();
    put<uint16_t>(b, kMinorAt, 7);
    put<uint32_t>(b, entry(5) + kDtypeAt, 99);  // emb.q becomes a dtype from the future
    REQUIRE(reseal_header(b));
    const BundleReader r(b.data(), b.size());
    CHECK(r.version_minor() == 7);
    CHECK(r.sections().size() == 6);
    CHECK_FALSE(r.has("emb.q"));
    CHECK(r.u32("emb.scale", 2, 2)[2] == 0xffffffffu);

    // The skipped section is still checked for placement and checksum.
    b[payload_at(b, 5)] ^= 1;
    CHECK_THAT(error_of(b), Contains("section 'emb.q': checksum mismatch (payload corrupted)"));

    // Within the known versions an unknown dtype can only be corruption.
    b = sample();
    put<uint32_t>(b, entry(5) + kDtypeAt, 99);
    REQUIRE(reseal_header(b));
    CHECK_THAT(error_of(b), Contains("section 'emb.q': unknown dtype 99"));
    put<uint32_t>(b, entry(5) + kDtypeAt, 0);
    REQUIRE(reseal_header(b));
    CHECK_THAT(error_of(b), Contains("section 'emb.q': unknown dtype 0"));
}

TEST_CASE("bundle header: unknown flags are rejected", "[bundle]") {
    Bytes b = sample();
    put<uint32_t>(b, kFlagsAt, 0x4);
    reseal_header(b);
    CHECK_THAT(error_of(b), Contains("bundle header: unknown flags 0x4"));
    put<uint32_t>(b, kFlagsAt, 0x80000000u);
    reseal_header(b);
    CHECK_THAT(error_of(b), Contains("unknown flags 0x80000000"));
}

TEST_CASE("bundle header: file size must match", "[bundle]") {
    Bytes b = sample();
    const size_t size = b.size();
    Bytes cut(b.begin(), b.end() - 10);
    CHECK_THAT(error_of(cut),
               Contains("bundle header: file is " + std::to_string(size - 10) +
                        " bytes but header says " + std::to_string(size) + " (truncated?)"));
    b.push_back(0);
    CHECK_THAT(error_of(b),
               Contains("but header says " + std::to_string(size) + " (trailing bytes?)"));
}

TEST_CASE("bundle header: absurd section count and table position", "[bundle]") {
    Bytes b = sample();
    put<uint32_t>(b, kCountAt, 1000000);
    CHECK_THAT(error_of(b),
               Contains("bundle header: section count 1000000 is over the limit of 4096"));
    put<uint32_t>(b, kCountAt, 0xffffffffu);
    CHECK_THAT(error_of(b), Contains("section count 4294967295 is over the limit"));

    b = sample();
    put<uint32_t>(b, kCountAt, 100);
    CHECK_THAT(error_of(b), Contains("section table: [64, 6464) runs past the end of the file (" +
                                     std::to_string(b.size()) + " bytes)"));

    b = sample();
    put<uint64_t>(b, kTableOffsetAt, 0xffffffffffffffc0ull);
    CHECK_THAT(
        error_of(b),
        Contains(
            "section table: [18446744073709551552, 18446744073709551552 + 448) runs past the end"));
    put<uint64_t>(b, kTableOffsetAt, 96);
    CHECK_THAT(error_of(b), Contains("bundle header: table offset 96 must be a multiple of 64"));
    put<uint64_t>(b, kTableOffsetAt, 0);
    CHECK_THAT(error_of(b), Contains("table offset 0 must be a multiple of 64, at least 64"));
}

TEST_CASE("bundle header: checksum covers the header and the table", "[bundle]") {
    Bytes b = sample();
    b[50] = 1;  // a reserved header byte
    CHECK_THAT(error_of(b),
               Contains("bundle header: checksum mismatch (header or section table corrupted)"));
    b = sample();
    put<uint32_t>(b, entry(3) + kRowsAt, 4);
    CHECK_THAT(error_of(b), Contains("bundle header: checksum mismatch"));
    b = sample();
    b[entry(6) + kPayloadSumAt] ^= 0x10;  // even a payload checksum field is covered
    CHECK_THAT(error_of(b), Contains("bundle header: checksum mismatch"));
    b = sample();
    b[kChecksumAt] ^= 1;
    CHECK_THAT(error_of(b), Contains("bundle header: checksum mismatch"));
}

TEST_CASE("bundle header: reserved fields are ignored, padding is not", "[bundle]") {
    Bytes b = sample();
    b[20] = 1;             // header reserved u32
    b[60] = 2;             // header reserved tail
    b[entry(1) + 36] = 3;  // entry reserved u32
    REQUIRE(reseal_header(b));
    CHECK(error_of(b) == "no error");

    b = sample();
    const size_t gap = payload_at(b, 0) + get<uint64_t>(b, entry(0) + kLengthAt);
    REQUIRE(gap < payload_at(b, 1));
    b[gap] = 0x20;
    CHECK_THAT(error_of(b), Contains("section 'catalog.ids': non-zero byte at " +
                                     std::to_string(gap) + " in padding"));

    // Zero padding after the last payload is allowed; anything else there is not.
    b = sample();
    b.resize(b.size() + 64, 0);
    put<uint64_t>(b, kFileSizeAt, b.size());
    REQUIRE(reseal_header(b));
    CHECK(error_of(b) == "no error");
    b.back() = 1;
    CHECK_THAT(error_of(b),
               Contains("bundle end: non-zero byte at " + std::to_string(b.size() - 1)));
}

TEST_CASE("bundle header: a larger table offset leaves room for a header extension", "[bundle]") {
    // What a later minor version may do: 64 more header bytes, covered by the header checksum.
    const Bytes v10 = sample();
    const uint32_t count = get<uint32_t>(v10, kCountAt);
    Bytes b(v10.begin(), v10.begin() + 64);
    b.resize(128, 0xab);
    b.insert(b.end(), v10.begin() + 64, v10.end());
    // Moving everything by 64 keeps payloads 64-aligned.
    for (size_t i = 0; i < count; ++i) {
        const size_t e = 128 + 64 * i;
        put<uint64_t>(b, e + kOffsetAt, get<uint64_t>(b, e + kOffsetAt) + 64);
    }
    put<uint64_t>(b, kTableOffsetAt, 128);
    put<uint64_t>(b, kFileSizeAt, b.size());
    put<uint16_t>(b, kMinorAt, 1);
    REQUIRE(reseal_header(b));
    const BundleReader r(b.data(), b.size());
    CHECK(r.strings("catalog.ids")[3] == "日本語");
    b[100] = 0;
    CHECK_THAT(error_of(b), Contains("bundle header: checksum mismatch"));
}

// ---------------------------------------------------------------------------------------------
// Section table

TEST_CASE("section table: bad names", "[bundle]") {
    Bytes b = sample();
    set_name(b, 2, "Catalog", 7);
    reseal_header(b);
    CHECK_THAT(error_of(b),
               Contains("section table: entry 2 has a bad name 'Catalog' (names are 1..23 bytes"));

    set_name(b, 2, "a-b", 3);
    reseal_header(b);
    CHECK_THAT(error_of(b), Contains("entry 2 has a bad name 'a-b'"));

    set_name(b, 2, "", 0);
    reseal_header(b);
    CHECK_THAT(error_of(b), Contains("entry 2 has a bad name ''"));

    set_name(b, 2, "ab\0c", 4);  // not NUL-padded after the name
    reseal_header(b);
    CHECK_THAT(error_of(b), Contains("entry 2 has a bad name 'ab'"));

    set_name(b, 2, "aaaaaaaaaaaaaaaaaaaaaaaa", 24);  // no terminating NUL
    reseal_header(b);
    CHECK_THAT(error_of(b), Contains("entry 2 has a bad name 'aaaaaaaaaaaaaaaaaaaaaaaa'"));

    set_name(b, 2, "\x01\xff", 2);
    reseal_header(b);
    CHECK_THAT(error_of(b), Contains("entry 2 has a bad name '\\x01\\xff'"));
}

TEST_CASE("section table: duplicate names", "[bundle]") {
    Bytes b = sample();
    set_name(b, 4, "mf.factors", 10);
    reseal_header(b);
    CHECK_THAT(error_of(b), Contains("section 'mf.factors': duplicate name (entries 3 and 4)"));
}

TEST_CASE("section table: payload placement", "[bundle]") {
    SECTION("unaligned offset") {
        Bytes b = sample();
        const uint64_t off = payload_at(b, 3) + 4;
        put<uint64_t>(b, entry(3) + kOffsetAt, off);
        reseal_header(b);
        CHECK_THAT(error_of(b), Contains("section 'mf.factors': offset " + std::to_string(off) +
                                         " is not a multiple of 64"));
    }
    SECTION("overlapping the previous section") {
        Bytes b = sample();
        put<uint64_t>(b, entry(3) + kOffsetAt, payload_at(b, 1));
        reseal_payload(b, 3);
        CHECK_THAT(error_of(b), Contains("section 'mf.factors': payload [") &&
                                    Contains("overlaps or precedes section 'catalog.empty'"));
    }
    SECTION("out of table order") {
        Bytes b = sample();
        put<uint64_t>(b, entry(6) + kOffsetAt, payload_at(b, 0));
        reseal_payload(b, 6);
        CHECK_THAT(error_of(b), Contains("section 'emb.scale'") &&
                                    Contains("overlaps or precedes section 'emb.q'"));
    }
    SECTION("overlapping the section table") {
        Bytes b = sample();
        put<uint64_t>(b, entry(0) + kOffsetAt, 64);
        reseal_payload(b, 0);
        CHECK_THAT(error_of(b), Contains("section 'meta.model': payload [64, ") &&
                                    Contains("overlaps the section table [64, 512)"));
    }
    SECTION("past the end of the file") {
        Bytes b = sample();
        const uint64_t off = (b.size() / 64 + 1) * 64;
        put<uint64_t>(b, entry(6) + kOffsetAt, off);
        reseal_header(b);
        CHECK_THAT(error_of(b),
                   Contains("section 'emb.scale': payload [" + std::to_string(off) + ", " +
                            std::to_string(off + 16) + ") runs past the end of the file (" +
                            std::to_string(b.size()) + " bytes)"));
    }
    SECTION("offset near 2^64 does not wrap") {
        Bytes b = sample();
        put<uint64_t>(b, entry(6) + kOffsetAt, 0xffffffffffffffc0ull);
        reseal_header(b);
        CHECK_THAT(error_of(b), Contains("section 'emb.scale': payload [18446744073709551552, "
                                         "18446744073709551568) runs past the end"));
        // An i8 shape whose length (about 2^64) is consistent but cannot fit anywhere.
        b = sample();
        put<uint32_t>(b, entry(5) + kRowsAt, 0xffffffffu);
        put<uint32_t>(b, entry(5) + kColsAt, 0xffffffffu);
        put<uint64_t>(b, entry(5) + kLengthAt, 0xfffffffe00000001ull);
        put<uint64_t>(b, entry(5) + kOffsetAt, 0xffffffffffffffc0ull);
        reseal_header(b);
        CHECK_THAT(error_of(b),
                   Contains("section 'emb.q': payload [18446744073709551552, "
                            "18446744073709551552 + 18446744065119617025) runs past the end"));
    }
}

TEST_CASE("section table: length and shape", "[bundle]") {
    Bytes b = sample();
    put<uint32_t>(b, entry(3) + kRowsAt, 4);
    reseal_header(b);
    CHECK_THAT(error_of(b),
               Contains("section 'mf.factors': length 60 does not match 4 x 5 f32 (80 bytes)"));

    b = sample();
    put<uint32_t>(b, entry(5) + kColsAt, 2);
    reseal_header(b);
    CHECK_THAT(error_of(b),
               Contains("section 'emb.q': length 12 does not match 4 x 2 i8 (8 bytes)"));

    b = sample();
    put<uint64_t>(b, entry(6) + kLengthAt, 17);
    reseal_header(b);
    CHECK_THAT(error_of(b),
               Contains("section 'emb.scale': length 17 does not match 2 x 2 u32 (16 bytes)"));

    // rows * cols * 4 needs 66 bits: it must be rejected, not wrapped into a small length.
    b = sample();
    put<uint32_t>(b, entry(3) + kRowsAt, 0xffffffffu);
    put<uint32_t>(b, entry(3) + kColsAt, 0xffffffffu);
    reseal_header(b);
    CHECK_THAT(error_of(b), Contains("section 'mf.factors': shape 4294967295 x 4294967295 f32 "
                                     "overflows a 64-bit byte size"));

    b = sample();
    put<uint32_t>(b, entry(0) + kRowsAt, 2);
    reseal_header(b);
    CHECK_THAT(error_of(b),
               Contains("section 'meta.model': json shape must be 1 x " +
                        std::to_string(kJson.size()) + " (its byte length), found 2 x"));

    b = sample();
    put<uint32_t>(b, entry(1) + kColsAt, 1);
    reseal_header(b);
    CHECK_THAT(error_of(b),
               Contains("section 'catalog.ids': string table must have cols = 0, found 1"));

    b = sample();
    put<uint32_t>(b, entry(1) + kRowsAt, 1000);
    reseal_header(b);
    CHECK_THAT(error_of(b), Contains("section 'catalog.ids': length") &&
                                Contains("is too small for 1000 strings (4004 bytes of offsets)"));
    put<uint32_t>(b, entry(1) + kRowsAt, 0xffffffffu);
    reseal_header(b);
    CHECK_THAT(error_of(b),
               Contains("too small for 4294967295 strings (17179869184 bytes of offsets)"));
}

// ---------------------------------------------------------------------------------------------
// Payloads

TEST_CASE("payload: checksum mismatch for a flipped byte", "[bundle]") {
    const Bytes good = sample();
    const char* names[] = {"meta.model", "catalog.ids", "catalog.empty", "mf.factors",
                           "mf.empty",   "emb.q",       "emb.scale"};
    for (size_t i = 0; i < 7; ++i) {
        const uint64_t len = get<uint64_t>(good, entry(i) + kLengthAt);
        for (uint64_t k = 0; k < len; k += 3) {
            Bytes b = good;
            b[payload_at(b, i) + k] ^= 0x40;
            CHECK_THAT(error_of(b), Contains(std::string("section '") + names[i] +
                                             "': checksum mismatch (payload corrupted)"));
        }
    }
}

TEST_CASE("payload: string table offsets", "[bundle]") {
    CHECK(error_of(strings_bundle(string_payload({0, 2, 2, 5}, "abcde"), 3)) == "no error");
    CHECK_THAT(error_of(strings_bundle(string_payload({1, 2, 3, 5}, "abcde"), 3)),
               Contains("section 'catalog.ids': string offsets must start at 0, found 1"));
    CHECK_THAT(error_of(strings_bundle(string_payload({0, 3, 2, 5}, "abcde"), 3)),
               Contains("section 'catalog.ids': string offsets decrease at 2 (2 after 3)"));
    CHECK_THAT(
        error_of(strings_bundle(string_payload({0, 2, 3, 9}, "abcde"), 3)),
        Contains(
            "section 'catalog.ids': string offsets end at 9 but there are 5 bytes of characters"));
    CHECK_THAT(error_of(strings_bundle(string_payload({0, 2, 3, 4}, "abcde"), 3)),
               Contains("string offsets end at 4 but there are 5 bytes"));
    CHECK_THAT(error_of(strings_bundle(string_payload({0, 2, 0xffffffffu, 5}, "abcde"), 3)),
               Contains("string offsets decrease at 3 (5 after 4294967295)"));
    CHECK_THAT(error_of(strings_bundle(
                   string_payload({0, 0xfffffff0u, 0xfffffff0u, 0xfffffff0u}, "abcde"), 3)),
               Contains("string offsets end at 4294967280 but there are 5 bytes"));
}

TEST_CASE("payload: strings must be UTF-8 without NUL", "[bundle]") {
    const std::vector<uint32_t> offsets = {0, 3, 6, 9};
    CHECK(error_of(strings_bundle(string_payload(offsets, "abcdefghi"), 3)) == "no error");
    CHECK_THAT(error_of(strings_bundle(string_payload(offsets, "abcde\xffghi"), 3)),
               Contains("section 'catalog.ids': string 1 is not valid UTF-8 (at byte 2)"));
    CHECK_THAT(
        error_of(strings_bundle(string_payload(offsets, "abcdef\xc0\xafi"), 3)),  // overlong '/'
        Contains("string 2 is not valid UTF-8 (at byte 0)"));
    CHECK_THAT(error_of(strings_bundle(string_payload(offsets,
                                                      "\xed\xa0\x80"
                                                      "defghi"),
                                       3)),  // surrogate
               Contains("string 0 is not valid UTF-8 (at byte 0)"));
    CHECK_THAT(
        error_of(strings_bundle(string_payload(offsets, "abcdef\xf4\x90\x80"), 3)),  // > U+10FFFF
        Contains("string 2 is not valid UTF-8"));
    CHECK_THAT(
        error_of(strings_bundle(string_payload(offsets, "abcdefgh\xc3"), 3)),  // cut at the end
        Contains("string 2 is not valid UTF-8 (at byte 2)"));
    // "é" split between strings 0 and 1: valid as a run of bytes, not as two strings.
    CHECK_THAT(error_of(strings_bundle(string_payload({0, 3, 6, 9},
                                                      "ab\xc3\xa9"
                                                      "cdefg"),
                                       3)),
               Contains("string 1 is not valid UTF-8 (starts inside a character)"));
    CHECK_THAT(error_of(strings_bundle(string_payload(offsets, std::string("abcd\0fghi", 9)), 3)),
               Contains("section 'catalog.ids': string 1 contains a NUL byte"));
    // Empty strings own no bytes: the error names the string that holds the bad byte.
    CHECK_THAT(error_of(strings_bundle(string_payload({0, 0, 0, 3}, std::string("a\0c", 3)), 3)),
               Contains("string 2 contains a NUL byte"));
}

TEST_CASE("payload: JSON must be UTF-8", "[bundle]") {
    Bytes b = sample();
    b[payload_at(b, 0) + 3] = 0xfe;
    REQUIRE(reseal_payload(b, 0));
    CHECK_THAT(error_of(b), Contains("section 'meta.model': JSON is not valid UTF-8 (at byte 3)"));
}

// ---------------------------------------------------------------------------------------------
// Typed views

TEST_CASE("typed views check dtype, shape and presence", "[bundle]") {
    const Bytes b = sample();
    const BundleReader r(b.data(), b.size());
    const auto view_error = [](auto&& view) -> std::string {
        try {
            view();
        } catch (const hearth::Error& e) {
            CHECK(e.code() == "bundle");
            return e.what();
        }
        return "no error";
    };
    CHECK_THAT(view_error([&] { r.u32("mf.factors"); }),
               Contains("section 'mf.factors': is f32, expected u32"));
    CHECK_THAT(view_error([&] { r.json("catalog.ids"); }),
               Contains("section 'catalog.ids': is strings, expected json"));
    CHECK_THAT(view_error([&] { r.strings("meta.model"); }), Contains("is json, expected strings"));
    CHECK_THAT(view_error([&] { r.i8("emb.scale"); }),
               Contains("section 'emb.scale': is u32, expected i8"));
    CHECK_THAT(view_error([&] { r.f32("mf.factors", 4); }),
               Contains("section 'mf.factors': shape 3 x 5, expected 4 x *"));
    CHECK_THAT(view_error([&] { r.f32("mf.factors", BundleReader::any, 6); }),
               Contains("shape 3 x 5, expected * x 6"));
    CHECK_THAT(view_error([&] { r.i8("emb.q", 4, 4); }), Contains("shape 4 x 3, expected 4 x 4"));
    CHECK_THAT(view_error([&] { r.strings("catalog.ids", 6); }),
               Contains("section 'catalog.ids': shape 5 x 0, expected 6 x *"));
    CHECK_THAT(view_error([&] { r.f32("mf.missing"); }),
               Contains("section 'mf.missing': missing from the bundle"));
    CHECK_THAT(view_error([&] { r.section("nope"); }), Contains("section 'nope': missing"));
    CHECK(view_error([&] { r.f32("mf.factors", 3, 5); }) == "no error");

    try {
        r.strings("catalog.ids")[5];
        FAIL("out of range string index should throw");
    } catch (const hearth::Error& e) {
        CHECK(e.code() == "argument");
    }
}

TEST_CASE("the reader needs a 4-byte aligned buffer", "[bundle]") {
    const Bytes good = sample();
    Bytes storage(good.size() + 1);
    std::memcpy(storage.data() + 1, good.data(), good.size());
    try {
        BundleReader r(storage.data() + 1, good.size());
        FAIL("an unaligned buffer should throw");
    } catch (const hearth::Error& e) {
        CHECK(e.code() == "bundle");
        CHECK_THAT(e.what(), Contains("not 4-byte aligned"));
    }
}

// ---------------------------------------------------------------------------------------------
// Truncation and fuzzing. Each candidate is copied into an allocation of exactly its size, so
// an address sanitizer build catches any read past the end.

TEST_CASE("truncation at any point is an error, never a crash", "[bundle]") {
    const Bytes good = sample();
    for (size_t cut = 0; cut < good.size(); ++cut) {
        const Bytes b(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
        INFO("cut at " << cut);
        CHECK(error_of(b) != "no error");
    }
}

TEST_CASE("truncation with a consistent header reports the payload past the end", "[bundle]") {
    const Bytes good = sample();
    const size_t table_end = 64 + 64 * 7;
    for (size_t cut = table_end; cut < good.size(); ++cut) {
        Bytes b(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
        put<uint64_t>(b, kFileSizeAt, cut);
        REQUIRE(reseal_header(b));
        INFO("cut at " << cut);
        CHECK_THAT(error_of(b),
                   Contains("runs past the end of the file (" + std::to_string(cut) + " bytes)"));
    }
}

TEST_CASE("random corruption only ever throws hearth::Error", "[bundle]") {
    const Bytes good = sample();
    std::mt19937 rng(12345);
    int accepted = 0, rejected = 0;
    for (int iter = 0; iter < 4000; ++iter) {
        Bytes b = good;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < flips; ++k) {
            const size_t at = rng() % b.size();
            b[at] = rng() % 2 ? static_cast<uint8_t>(b[at] ^ (1u << (rng() % 8)))
                              : static_cast<uint8_t>(rng());
        }
        if (rng() % 4 == 0) b.resize(rng() % b.size());
        // Resealing lets corruption through the checksums to the structural checks behind them.
        const auto mode = rng() % 3;
        if (mode == 2) {
            const uint32_t count = b.size() >= 64 ? get<uint32_t>(b, kCountAt) : 0;
            for (size_t i = 0; i < count && i < 7 && entry(i) + 64 <= b.size(); ++i)
                reseal_payload(b, i);
        }
        if (mode >= 1) reseal_header(b);

        const Bytes exact(b.begin(), b.end());
        try {
            const BundleReader r(exact.data(), exact.size());
            touch_everything(r);
            ++accepted;
        } catch (const hearth::Error&) {
            ++rejected;
        } catch (const std::exception& e) {
            FAIL("iteration " << iter << ": unexpected exception: " << e.what());
        } catch (...) {
            FAIL("iteration " << iter << ": unexpected non-standard exception");
        }
    }
    CHECK(rejected > 0);
    CHECK(accepted > 0);  // flips in ignored reserved bytes, resealed, are fine
}
