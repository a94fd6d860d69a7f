// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes
// of JSON {"<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
// "__metadata__": {"<key>": "<string>"}}, then the tensors' bytes; offsets count from the
// end of the header, data is row-major little-endian.
//
// The reader checks everything before any tensor is used: the header length against the
// file, the JSON, each entry's fields, dtype, shape, offsets in range and not overlapping,
// and shape x element size against the byte range. Failures are
// Error("import", "<file>: tensor '<name>': <problem>") (or without the tensor part for
// file-level problems). Gaps between tensors are tolerated; the format's writers pad only
// the header.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth {

struct SafetensorsTensor {
    std::string name;
    std::string dtype;  // as written: "F32", "BF16", ...
    size_t element_size = 0;
    std::vector<uint64_t> shape;
    uint64_t begin = 0, end = 0;  // byte range within the data section

    uint64_t elements() const;       // product of shape (1 for a scalar)
    std::string shape_text() const;  // "[3, 4]"
};

class SafetensorsFile {
public:
    // Reads `path` whole and validates it. Throws Error("io") if it cannot be read.
    static SafetensorsFile read(const std::string& path);
    // Validates bytes already in memory; `source` names them in messages.
    SafetensorsFile(std::vector<uint8_t> bytes, std::string source);

    const std::string& source() const { return source_; }
    const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }  // header order
    const SafetensorsTensor* find(std::string_view name) const;
    const std::vector<std::pair<std::string, std::string>>& metadata() const { return metadata_; }

    // The elements of an F32, F16, BF16 or F64 tensor converted to float (F64 rounds).
    // Throws Error("import") naming the tensor for any other dtype.
    std::vector<float> to_float(const SafetensorsTensor& tensor) const;

private:
    std::vector<uint8_t> bytes_;
    std::string source_;
    size_t data_start_ = 0;
    std::vector<SafetensorsTensor> tensors_;
    std::vector<std::pair<std::string, std::string>> metadata_;
};

// A tensor to write: float values stored as "F32", "F16" or "BF16" (rounded to nearest even).
struct SafetensorsOutput {
    std::string name;
    std::string dtype = "F32";
    std::vector<uint64_t> shape;
    std::vector<float> values;  // product of shape elements, row-major
};

// The file's bytes: tensors packed in the given order, the header padded with spaces to a
// multiple of 8 bytes as the reference writer does. Throws Error("argument") for a value
// count that does not match the shape, an unsupported dtype or a repeated name.
std::vector<uint8_t> safetensors_bytes(
    const std::vector<SafetensorsOutput>& tensors,
    const std::vector<std::pair<std::string, std::string>>& metadata = {});
void write_safetensors(const std::string& path, const std::vector<SafetensorsOutput>& tensors,
                       const std::vector<std::pair<std::string, std::string>>& metadata = {});

// IEEE half and bfloat16 conversions (round to nearest even on the way down).
float f16_to_float(uint16_t h);
float bf16_to_float(uint16_t h);
uint16_t float_to_f16(float f);
uint16_t float_to_bf16(float f);

}  // namespace hearth
