// Product-quantized catalogs (hearth export --pq): 4-bit "fast scan" asymmetric-distance
// scoring. An item's D-dim vector is split into S subspaces (S even), each coded by one of
// 16 centroids (4 bits), so a code is S/2 bytes. A query becomes one lookup table (LUT) per
// subspace, LUT[m][c] = query_m . centroid_{m,c}, and an item's approximate score is
// sum_m LUT[m][code_m]. The LUT is quantized to u8 per query (one shared step, one offset per
// subspace), so the sum is an exact integer: every variant (scalar reference, SSSE3, AVX2,
// wasm simd128) returns the same u16 sums bit for bit. The 16-entry tables fit a byte
// shuffle (pshufb / i8x16.swizzle) that looks up 16 or 32 items in one instruction.
//
// Packed code layout (the bundle's `<model>.pq_codes`): items in blocks of 32; a block holds,
// for each subspace pair p = 0 .. S/2-1, 32 bytes, byte j = code of item (32 b + j) in
// subspace 2p (low nibble) | code in subspace 2p+1 (high nibble) << 4. Items past the end
// of the catalog in the last block have zero codes. A block is 16 * S bytes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/device/kernels/kernels.h"

namespace hearth {

constexpr uint32_t kPqCentroids = 16;   // per subspace: 4-bit codes
constexpr uint32_t kPqBlock = 32;       // items per packed block
constexpr uint32_t kPqMaxSubspaces = 256;  // 255 * 256 < 65536: u16 sums cannot overflow

inline size_t pq_blocks(size_t items) { return (items + kPqBlock - 1) / kPqBlock; }
inline size_t pq_block_bytes(size_t subspaces) { return subspaces * kPqBlock / 2; }

// The code (0..15) of item i in subspace m of a packed table with S subspaces.
inline uint32_t pq_code(const uint8_t* packed, size_t subspaces, size_t i, size_t m) {
    const uint8_t byte = packed[(i / kPqBlock) * pq_block_bytes(subspaces) + (m / 2) * kPqBlock + i % kPqBlock];
    return m % 2 ? byte >> 4 : byte & 0x0Fu;
}

// Packs codes[i * S + m] (each < 16) of n items into the blocked layout above;
// `packed` holds pq_blocks(n) * pq_block_bytes(S) bytes.
void pq_pack_codes(const uint8_t* codes, size_t n, size_t subspaces, uint8_t* packed);

// out[i] = sum_m lut[m * 16 + code(i, m)] for every item of `blocks` packed blocks
// (blocks * 32 outputs; the padding items of the last block included). S = 2 * pairs,
// at most kPqMaxSubspaces.
using PqScanFn = void (*)(const uint8_t* packed, size_t blocks, size_t pairs, const uint8_t* lut,
                          uint16_t* out);
void pq_scan_ref(const uint8_t* packed, size_t blocks, size_t pairs, const uint8_t* lut, uint16_t* out);

const std::vector<KernelVariant<PqScanFn>>& pq_scan_variants();
PqScanFn pq_scan();

// A query's tables: lut[m * 16 + c] = sum over the dims j of subspace m of
// query[j] * codebook[c * D + j] (`bounds` holds S + 1 dim offsets; the codebook is 16 x D,
// row c = centroid c of every subspace side by side). Summed in float in dim order, the
// same on every build.
void pq_build_lut(const float* codebook, const uint32_t* bounds, size_t subspaces, size_t dim,
                  const float* query, float* lut);

// u8 tables for the scan: q[m * 16 + c] = round((lut - min_m) / step), one step for all
// subspaces (the largest subspace range / 255), so that
//   sum_m lut[m][c_m] ~= offset + step * sum_m q[m][c_m],
// each term off by at most step / 2 (the sum by at most S * step / 2). Returns the step
// (0 when every table is constant) and sets `offset` = sum_m min_m.
float pq_quantize_lut(const float* lut, size_t subspaces, uint8_t* q, float& offset);

// The k largest of v[0 .. n) (ties: lower index first), skipping excluded[i] != 0 (when not
// null), best first. `buffer` (a workspace of up to 2 k entries) and `out` are reused, so
// a warm call does not allocate. O(n) with one threshold test per item.
void pq_top_k_u16(const uint16_t* v, size_t n, size_t k, const uint8_t* excluded,
                  std::vector<uint64_t>& buffer, std::vector<uint32_t>& out);

}  // namespace hearth
