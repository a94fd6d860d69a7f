// int8 catalogs: symmetric per-row quantization of item embeddings and the scoring kernel
// that reads a quarter of the bytes of fp32. The query is quantized to int16 per request,
// so a dot product is an exact int32 sum and the only approximation is the rows' rounding.
// Every variant computes the same int32 sum and the same final multiply, so all of them
// (scalar, SSE2, AVX2, wasm simd128) give bit-identical scores.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/device/kernels/kernels.h"

namespace hearth {

// Largest query code: keeps 127 * kQueryCodeMax * d inside int32 for d <= 1024.
constexpr int32_t kQueryCodeMax = 16383;
constexpr size_t kMaxQuantDim = 1024;

// codes[j] = round(x[j] / scale) with scale = max|x| / 127 (0 for an all-zero row).
// Returns the scale.
float quantize_row_i8(const float* x, size_t d, int8_t* codes);
// codes[j] = round(q[j] / scale) with scale = max|q| / kQueryCodeMax. Returns the scale.
float quantize_query_i16(const float* q, size_t d, int16_t* codes);
// x[j] = scale * codes[j].
void dequantize_row_i8(const int8_t* codes, float scale, size_t d, float* x);

// out[i] = float(sum_j codes[i*d + j] * q[j]) * (scales[i] * q_scale)  for i in [0, n)
using GemvI8Fn = void (*)(const int8_t* codes, const float* scales, size_t n, size_t d,
                          const int16_t* q, float q_scale, float* out);
void gemv_i8_ref(const int8_t* codes, const float* scales, size_t n, size_t d, const int16_t* q,
                 float q_scale, float* out);
// The exact integer dot of two int8 rows (cosine of quantized rows needs no scales).
int32_t dot_i8_ref(const int8_t* a, const int8_t* b, size_t d);

const std::vector<KernelVariant<GemvI8Fn>>& gemv_i8_variants();
GemvI8Fn gemv_i8();

}  // namespace hearth
