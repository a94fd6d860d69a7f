// The safetensors reader and writer: round trips in every float dtype, the half and
// bfloat16 conversions over all 65536 codes, and one test per class of broken file, each
// building the bad bytes itself and asserting the message.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/train/import/safetensors.h"

using Catch::Matchers::Contains;
using namespace hearth;
using Bytes = std::vector<uint8_t>;

namespace {

// A file from a literal header and `data` zero bytes of tensor data.
Bytes file_with(const std::string& header, size_t data) {
    Bytes b(8 + header.size() + data, 0);
    const uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(n >> (8 * i));
    std::memcpy(b.data() + 8, header.data(), header.size());
    return b;
}

void check_rejected(const Bytes& bytes, const std::string& what) {
    try {
        SafetensorsFile f(bytes, "model.safetensors");
        FAIL("accepted: " << what);
    } catch (const Error& e) {
        CHECK(e.code() == "import");
        CHECK_THAT(e.what(), Contains("model.safetensors: ") && Contains(what));
    }
}

}  // namespace

TEST_CASE("safetensors: written files read back", "[safetensors]") {
    const std::vector<float> a = {1.0f, -2.5f, 3.25f, 0.0f, 0.125f, 65504.0f};
    const std::vector<SafetensorsOutput> out = {
        {"a.f32", "F32", {2, 3}, a},   {"a.f16", "F16", {3, 2}, a},  {"a.bf16", "BF16", {6}, a},
        {"scalar", "F32", {}, {7.0f}}, {"empty", "F32", {0, 4}, {}},
    };
    const Bytes bytes = safetensors_bytes(out, {{"format", "pt"}});
    uint64_t header = 0;
    std::memcpy(&header, bytes.data(), 8);
    CHECK(header % 8 == 0);  // padded like the reference writer

    const SafetensorsFile f(bytes, "mem");
    REQUIRE(f.tensors().size() == 5);
    CHECK(f.tensors()[0].name == "a.f32");  // header order
    REQUIRE(f.metadata().size() == 1);
    CHECK(f.metadata()[0] == std::make_pair(std::string("format"), std::string("pt")));
    const SafetensorsTensor* t = f.find("a.f32");
    REQUIRE(t);
    CHECK(t->shape == std::vector<uint64_t>{2, 3});
    CHECK(t->shape_text() == "[2, 3]");
    CHECK(f.to_float(*t) == a);
    CHECK(f.to_float(*f.find("a.f16")) == a);  // all exactly representable in half
    const auto bf = f.to_float(*f.find("a.bf16"));
    for (size_t i = 0; i < a.size(); ++i) CHECK(bf[i] == bf16_to_float(float_to_bf16(a[i])));
    CHECK(bf[1] == -2.5f);
    CHECK(f.to_float(*f.find("scalar")) == std::vector<float>{7.0f});
    CHECK(f.to_float(*f.find("empty")).empty());
    CHECK(f.find("nope") == nullptr);
}

TEST_CASE("safetensors: writer rejects what it cannot write", "[safetensors]") {
    CHECK_THROWS_WITH(safetensors_bytes({{"x", "I64", {1}, {1.0f}}}),
                      Contains("unsupported dtype 'I64'"));
    CHECK_THROWS_WITH(safetensors_bytes({{"x", "F32", {2}, {1.0f}}}), Contains("'x' has 1 values"));
    CHECK_THROWS_WITH(safetensors_bytes({{"x", "F32", {1}, {1.0f}}, {"x", "F32", {1}, {1.0f}}}),
                      Contains("'x' given twice"));
}

TEST_CASE("half and bfloat16 conversions", "[safetensors]") {
    // Every half and bfloat16 code survives float and back (NaNs stay NaN).
    for (uint32_t h = 0; h < 65536; ++h) {
        const uint16_t code = static_cast<uint16_t>(h);
        const float f = f16_to_float(code), g = bf16_to_float(code);
        if (std::isnan(f))
            CHECK(std::isnan(f16_to_float(float_to_f16(f))));
        else if (float_to_f16(f) != code)
            FAIL("f16 " << h);
        if (std::isnan(g))
            CHECK(std::isnan(bf16_to_float(float_to_bf16(g))));
        else if (float_to_bf16(g) != code)
            FAIL("bf16 " << h);
    }
    CHECK(f16_to_float(0x3c00) == 1.0f);
    CHECK(f16_to_float(0xc000) == -2.0f);
    CHECK(f16_to_float(0x0001) == std::ldexp(1.0f, -24));  // smallest subnormal
    CHECK(f16_to_float(0x7bff) == 65504.0f);
    CHECK(std::isinf(f16_to_float(0x7c00)));
    // Round to nearest, ties to even.
    CHECK(float_to_f16(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);      // tie, down to even
    CHECK(float_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3c02);  // tie, up to even
    CHECK(float_to_f16(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)) == 0x3c01);
    CHECK(float_to_f16(65519.0f) == 0x7bff);
    CHECK(float_to_f16(65520.0f) == 0x7c00);               // rounds past the largest half: inf
    CHECK(float_to_f16(std::ldexp(1.0f, -25)) == 0x0000);  // tie, to even zero
    CHECK(float_to_f16(std::ldexp(3.0f, -26)) == 0x0001);
    CHECK(float_to_f16(std::ldexp(1.0f, -30)) == 0x0000);
    CHECK(float_to_f16(-0.0f) == 0x8000);
    CHECK(float_to_bf16(1.0f + std::ldexp(1.0f, -8)) == 0x3f80);  // tie, to even
    CHECK(float_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)) == 0x3f82);
    CHECK(bf16_to_float(0x3f80) == 1.0f);
}

TEST_CASE("safetensors: file-level problems", "[safetensors]") {
    check_rejected(Bytes{1, 2, 3}, "3 bytes is too short");
    Bytes b = file_with("{}", 0);
    b[0] = 200;  // header length 200 > the 10-byte file
    check_rejected(b, "header length 200 exceeds the file size (10 bytes");
    b = file_with("{}", 0);
    b[6] = 1;  // 2^48 + 2
    check_rejected(b, "over the format's limit");
    check_rejected(file_with("{\"a\": ", 0),
                   "header is not valid JSON: JSON at byte 6: unexpected end");
    check_rejected(file_with("[]", 0), "header must be a JSON object, got an array");
    check_rejected(file_with("{\"__metadata__\": {\"k\": 1}}", 0),
                   "__metadata__ 'k' must be a string");
    check_rejected(file_with("{\"__metadata__\": []}", 0), "__metadata__ must be an object");
    check_rejected(file_with(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                             R"( "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
                             8),
                   "duplicate key \"a\"");
    // Only header padding and empty data: still a valid file.
    CHECK(SafetensorsFile(file_with("{}      ", 0), "x").tensors().empty());
}

TEST_CASE("safetensors: tensor entries are checked", "[safetensors]") {
    auto entry = [](const std::string& body, size_t data = 24) {
        return file_with("{\"w\": {" + body + "}}", data);
    };
    check_rejected(file_with("{\"w\": 3}", 0), "tensor 'w': expected an object, got a number");
    check_rejected(entry(R"("shape": [2], "data_offsets": [0, 8])"),
                   "tensor 'w': missing \"dtype\"");
    check_rejected(entry(R"("dtype": "F32", "data_offsets": [0, 8])"),
                   "tensor 'w': missing \"shape\"");
    check_rejected(entry(R"("dtype": "F32", "shape": [2])"),
                   "tensor 'w': missing \"data_offsets\"");
    check_rejected(entry(R"("dtype": "F12", "shape": [2], "data_offsets": [0, 8])"),
                   "tensor 'w': unknown dtype 'F12'");
    check_rejected(entry(R"("dtype": 4, "shape": [2], "data_offsets": [0, 8])"),
                   "tensor 'w': dtype: expected a string, got a number");
    check_rejected(entry(R"("dtype": "F32", "shape": [2], "data_offsets": [0, 8], "x": 1)"),
                   "tensor 'w': unknown field 'x'");
    check_rejected(entry(R"("dtype": "F32", "shape": [-2], "data_offsets": [0, 8])"),
                   "tensor 'w': shape: expected a non-negative integer, got -2");
    check_rejected(entry(R"("dtype": "F32", "shape": 2, "data_offsets": [0, 8])"),
                   "tensor 'w': shape: expected an array");
    check_rejected(entry(R"("dtype": "F32", "shape": [2], "data_offsets": [0, 8, 9])"),
                   "tensor 'w': data_offsets must hold 2 numbers, got 3");
    check_rejected(entry(R"("dtype": "F32", "shape": [2], "data_offsets": [8, 0])"),
                   "tensor 'w': data_offsets [8, 0] end before they begin");
    check_rejected(
        entry(R"("dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20])"),
        "tensor 'w': shape [2, 3] of F32 needs 24 bytes, but data_offsets [0, 20] hold 20");
    check_rejected(
        entry(R"("dtype": "BF16", "shape": [4294967296, 4294967296], "data_offsets": [0, 8])"),
        "tensor 'w': shape [4294967296, 4294967296] is too large");
    check_rejected(entry(R"("dtype": "F32", "shape": [6], "data_offsets": [0, 24])", 20),
                   "tensor 'w': data_offsets [0, 24] run past the end of the data (20 bytes");
    check_rejected(file_with(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
                             R"( "b": {"dtype": "F16", "shape": [4], "data_offsets": [4, 12]}})",
                             12),
                   "tensors 'a' [0, 8] and 'b' [4, 12] overlap");
}

TEST_CASE("safetensors: a truncated file names the tensor that runs past the end",
          "[safetensors]") {
    Bytes b =
        safetensors_bytes({{"first", "F32", {4}, {1, 2, 3, 4}}, {"second", "F32", {3}, {5, 6, 7}}});
    b.resize(b.size() - 5);
    check_rejected(b,
                   "tensor 'second': data_offsets [16, 28] run past the end of the data (23 bytes");
}

TEST_CASE("safetensors: only float tensors convert", "[safetensors]") {
    const SafetensorsFile f(
        file_with(R"({"steps": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}})", 8),
        "opt.safetensors");
    CHECK_THROWS_WITH(f.to_float(f.tensors()[0]),
                      Contains("opt.safetensors: tensor 'steps': dtype I64 is not a float type"));
    CHECK_THROWS_WITH(SafetensorsFile::read("/nonexistent/x.safetensors"),
                      Contains("cannot open /nonexistent/x.safetensors"));
}
