// NumPy's .npy format (versions 1-3): the magic "\x93NUMPY", a version, a header length,
// a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (N, d), } padded
// with spaces, then the array's bytes. The reader takes little-endian float32 and float64
// arrays in C or Fortran order and returns them row-major as float; anything else (another
// dtype, big-endian, object arrays, a shape that does not match the bytes) is
// Error("import", "<file>: <problem>").
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hearth {

struct NpyArray {
    std::vector<uint64_t> shape;
    std::vector<float> values;  // row-major
};

NpyArray read_npy(const std::string& path);
NpyArray parse_npy(const std::vector<uint8_t>& bytes, const std::string& source);

// Writes a row-major float32 array (for tests and for exporting factors).
void write_npy(const std::string& path, const std::vector<uint64_t>& shape, const float* values);

}  // namespace hearth
