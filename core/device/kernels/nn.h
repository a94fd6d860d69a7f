// Float kernels of the SASRec encoder: layer norm, softmax, the linear layer over a few
// rows, single-query attention, activations. As in kernels.h, each family has a scalar
// `_ref` version that defines the result and SIMD variants (SSE2 and AVX2 natively, chosen
// once at run time; simd128 in WebAssembly) that must match it within rounding.
//
// Sizes are small (rows = sequence positions, d <= 1024), so the kernels favour low call
// overhead and register blocking over cache tiling. No kernel allocates.
#pragma once
#include <cstddef>
#include <vector>

#include "core/device/kernels/kernels.h"

namespace hearth {

// y[r] = (x[r] - mean) / sqrt(var + eps) * g + b for each of `rows` rows of d floats
// (biased variance, as PyTorch). y may equal x.
using LayerNormF32Fn = void (*)(const float* x, size_t rows, size_t d, const float* g,
                                const float* b, float eps, float* y);

// x = softmax(x) in place, n >= 0, computed as exp(x - max) / sum.
using SoftmaxF32Fn = void (*)(float* x, size_t n);

// y[r][o] = x[r] . w[o] + b[o] + add[r][o] for r < rows, o < out: Y = X W^T + b (+ A).
// x is [rows, in], w is [out, in] (PyTorch's layout), y and add are [rows, out]. b and add
// may be null; add may equal y (a fused residual); y must not overlap x or w.
using LinearF32Fn = void (*)(const float* x, size_t rows, size_t in, const float* w, const float* b,
                             size_t out, const float* add, float* y);

// out[s] = scale * (q . k[s * k_stride .. + dh)) for s < n: one query against n keys.
using AttnScoresF32Fn = void (*)(const float* q, const float* k, size_t n, size_t dh,
                                 size_t k_stride, float scale, float* out);

// out[j] += sum_s p[s] * v[s * v_stride + j] for j < dh: accumulates, so a key range
// split into pieces (a cached prefix, then the sequence's own rows) adds up.
using AttnWeightedSumF32Fn = void (*)(const float* p, const float* v, size_t n, size_t dh,
                                      size_t v_stride, float* out);

// x = act(x) in place. GELU is the tanh approximation 0.5 x (1 + tanh(c (x + 0.044715 x^3))).
using ActivationF32Fn = void (*)(float* x, size_t n);

void layernorm_f32_ref(const float* x, size_t rows, size_t d, const float* g, const float* b,
                       float eps, float* y);
void softmax_f32_ref(float* x, size_t n);
void linear_f32_ref(const float* x, size_t rows, size_t in, const float* w, const float* b,
                    size_t out, const float* add, float* y);
void attn_scores_f32_ref(const float* q, const float* k, size_t n, size_t dh, size_t k_stride,
                         float scale, float* out);
void attn_weighted_sum_f32_ref(const float* p, const float* v, size_t n, size_t dh, size_t v_stride,
                               float* out);
void relu_f32_ref(float* x, size_t n);
void gelu_f32_ref(float* x, size_t n);

// Every variant compiled into this build, reference first, slowest to fastest.
const std::vector<KernelVariant<LayerNormF32Fn>>& layernorm_f32_variants();
const std::vector<KernelVariant<SoftmaxF32Fn>>& softmax_f32_variants();
const std::vector<KernelVariant<LinearF32Fn>>& linear_f32_variants();
const std::vector<KernelVariant<AttnScoresF32Fn>>& attn_scores_f32_variants();
const std::vector<KernelVariant<AttnWeightedSumF32Fn>>& attn_weighted_sum_f32_variants();
const std::vector<KernelVariant<ActivationF32Fn>>& relu_f32_variants();
const std::vector<KernelVariant<ActivationF32Fn>>& gelu_f32_variants();

// The fastest available variant of each family, chosen once.
LayerNormF32Fn layernorm_f32();
SoftmaxF32Fn softmax_f32();
LinearF32Fn linear_f32();
AttnScoresF32Fn attn_scores_f32();
AttnWeightedSumF32Fn attn_weighted_sum_f32();
ActivationF32Fn relu_f32();
ActivationF32Fn gelu_f32();

}  // namespace hearth
