#include "core/device/kernels/pq.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "core/device/kernels/dispatch.h"

namespace hearth {

void pq_pack_codes(const uint8_t* codes, size_t n, size_t subspaces, uint8_t* packed) {
    const size_t block_bytes = pq_block_bytes(subspaces);
    std::memset(packed, 0, pq_blocks(n) * block_bytes);
    for (size_t i = 0; i < n; ++i) {
        uint8_t* block = packed + (i / kPqBlock) * block_bytes;
        for (size_t m = 0; m < subspaces; ++m) {
            const uint8_t c = codes[i * subspaces + m] & 0x0Fu;
            block[(m / 2) * kPqBlock + i % kPqBlock] |= static_cast<uint8_t>(m % 2 ? c << 4 : c);
        }
    }
}

void pq_scan_ref(const uint8_t* packed, size_t blocks, size_t pairs, const uint8_t* lut, uint16_t* out) {
    for (size_t b = 0; b < blocks; ++b) {
        const uint8_t* block = packed + b * pairs * kPqBlock;
        for (size_t j = 0; j < kPqBlock; ++j) {
            uint32_t sum = 0;
            for (size_t p = 0; p < pairs; ++p) {
                const uint8_t byte = block[p * kPqBlock + j];
                sum += lut[(2 * p) * kPqCentroids + (byte & 0x0Fu)];
                sum += lut[(2 * p + 1) * kPqCentroids + (byte >> 4)];
            }
            out[b * kPqBlock + j] = static_cast<uint16_t>(sum);
        }
    }
}

void pq_build_lut(const float* codebook, const uint32_t* bounds, size_t subspaces, size_t dim,
                  const float* query, float* lut) {
    for (size_t m = 0; m < subspaces; ++m)
        for (size_t c = 0; c < kPqCentroids; ++c) {
            const float* centroid = codebook + c * dim;
            float s = 0.0f;
            for (uint32_t j = bounds[m]; j < bounds[m + 1]; ++j) s += query[j] * centroid[j];
            lut[m * kPqCentroids + c] = s;
        }
}

float pq_quantize_lut(const float* lut, size_t subspaces, uint8_t* q, float& offset) {
    float range = 0.0f;
    offset = 0.0f;
    for (size_t m = 0; m < subspaces; ++m) {
        const float* t = lut + m * kPqCentroids;
        const float lo = *std::min_element(t, t + kPqCentroids);
        const float hi = *std::max_element(t, t + kPqCentroids);
        range = std::max(range, hi - lo);
        offset += lo;
    }
    const float step = range / 255.0f;
    for (size_t m = 0; m < subspaces; ++m) {
        const float* t = lut + m * kPqCentroids;
        const float lo = *std::min_element(t, t + kPqCentroids);
        for (size_t c = 0; c < kPqCentroids; ++c) {
            long v = step > 0.0f ? std::lrint((t[c] - lo) / step) : 0L;
            q[m * kPqCentroids + c] = static_cast<uint8_t>(std::clamp(v, 0L, 255L));
        }
    }
    return step;
}

namespace {

// Bit j set iff p[j] > thr, for the 32 values at p: a run that only a few values pass is
// then offered just those, not all 32 (every item at or below the bar would be refused).
inline uint32_t mask_above_32(const uint16_t* p, uint16_t thr) {
#if defined(__wasm_simd128__)
    const v128_t t = wasm_u16x8_splat(thr);
    const auto bits = [&](size_t j) {
        return static_cast<uint32_t>(wasm_i16x8_bitmask(wasm_u16x8_gt(wasm_v128_load(p + j), t)));
    };
    return bits(0) | bits(8) << 8 | bits(16) << 16 | bits(24) << 24;
#elif defined(HEARTH_X86)
    // 0xFFFF where p[j] <= thr (the saturating difference is zero), packed to a byte a lane.
    const __m128i t = _mm_set1_epi16(static_cast<short>(thr));
    const __m128i zero = _mm_setzero_si128();
    const auto at_most = [&](size_t j) {
        return _mm_cmpeq_epi16(_mm_subs_epu16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + j)), t), zero);
    };
    const uint32_t low = static_cast<uint32_t>(_mm_movemask_epi8(_mm_packs_epi16(at_most(0), at_most(8))));
    const uint32_t high = static_cast<uint32_t>(_mm_movemask_epi8(_mm_packs_epi16(at_most(16), at_most(24))));
    return ~(low | high << 16);
#else
    uint32_t mask = 0;
    for (size_t j = 0; j < 32; ++j)
        if (p[j] > thr) mask |= uint32_t{1} << j;
    return mask;
#endif
}

}  // namespace

void pq_top_k_u16(const uint16_t* v, size_t n, size_t k, const uint8_t* excluded,
                  std::vector<uint64_t>& buffer, std::vector<uint32_t>& out) {
    out.clear();
    buffer.clear();
    if (k == 0) return;
    // Keys value << 32 | ~index order like (value desc, index asc). Items go to a buffer of
    // up to 2 k keys; a full buffer keeps its best k (nth_element) and their worst value
    // becomes the bar: scanning in index order, a later item that only ties the bar comes
    // after it and loses, so items at or below the bar are rejected with one compare (runs
    // of 32 with one vector test, which also picks out the few above it). Linear in n,
    // amortized O(1) per kept item.
    const auto better = std::greater<uint64_t>();
    bool barred = false;
    uint16_t bar = 0;
    const auto offer = [&](size_t i) {
        if ((barred && v[i] <= bar) || (excluded && excluded[i])) return;
        buffer.push_back((uint64_t{v[i]} << 32) | (~static_cast<uint32_t>(i)));
        if (buffer.size() == 2 * k) {
            std::nth_element(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(k - 1), buffer.end(), better);
            buffer.resize(k);
            barred = true;
            bar = static_cast<uint16_t>(buffer[k - 1] >> 32);
        }
    };
    constexpr size_t kRun = 32;
    size_t i = 0;
    for (; i + kRun <= n; i += kRun) {
        if (!barred) {
            for (size_t j = 0; j < kRun; ++j) offer(i + j);
            continue;
        }
        for (uint32_t above = mask_above_32(v + i, bar); above != 0; above &= above - 1)
            offer(i + static_cast<size_t>(__builtin_ctz(above)));
    }
    for (; i < n; ++i) offer(i);
    if (buffer.size() > k) {
        std::nth_element(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(k - 1), buffer.end(), better);
        buffer.resize(k);
    }
    std::sort(buffer.begin(), buffer.end(), better);
    for (uint64_t key : buffer) out.push_back(~static_cast<uint32_t>(key));
}

namespace {

// The sums of 32 items are kept as u16 lanes two ways: `raw`, the byte pairs of the looked-up
// values read as u16 (even item + 256 * odd item, wrapping), and `odd`, the odd items' values
// alone (shifted down). At the end even = raw - 256 * odd, exact modulo 2^16, and both sums
// are below 2^16 (at most 255 * kPqMaxSubspaces). Three adds/shifts per lookup, no masks.

// The 128-bit fast scan, written once over a thin layer that is simd128 in wasm and SSSE3
// natively (pshufb is SSSE3: SSE2 has no byte shuffle). Two registers of 16 items a block.
#if defined(__wasm_simd128__)
#define HEARTH_V128_ATTR
using u8x16 = v128_t;
inline u8x16 v_load(const uint8_t* p) { return wasm_v128_load(p); }
inline u8x16 v_bytes(uint8_t v) { return wasm_i8x16_splat(static_cast<int8_t>(v)); }
inline u8x16 v_zero() { return wasm_i16x8_splat(0); }
inline u8x16 v_and(u8x16 a, u8x16 b) { return wasm_v128_and(a, b); }
inline u8x16 v_lookup(u8x16 table, u8x16 idx) { return wasm_i8x16_swizzle(table, idx); }
inline u8x16 v_add16(u8x16 a, u8x16 b) { return wasm_i16x8_add(a, b); }
inline u8x16 v_sub16(u8x16 a, u8x16 b) { return wasm_i16x8_sub(a, b); }
inline u8x16 v_shr16(u8x16 a, int n) { return wasm_u16x8_shr(a, static_cast<uint32_t>(n)); }
inline u8x16 v_shl16(u8x16 a, int n) { return wasm_i16x8_shl(a, static_cast<uint32_t>(n)); }
// Items 0-7 and 8-15 of a register: (even, odd) u16 pairs interleaved.
inline void v_store_pairs(uint16_t* o, u8x16 even, u8x16 odd) {
    wasm_v128_store(o, wasm_i16x8_shuffle(even, odd, 0, 8, 1, 9, 2, 10, 3, 11));
    wasm_v128_store(o + 8, wasm_i16x8_shuffle(even, odd, 4, 12, 5, 13, 6, 14, 7, 15));
}
#elif defined(HEARTH_X86)
#define HEARTH_V128_ATTR __attribute__((target("ssse3")))
using u8x16 = __m128i;
HEARTH_V128_ATTR inline u8x16 v_load(const uint8_t* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
HEARTH_V128_ATTR inline u8x16 v_bytes(uint8_t v) { return _mm_set1_epi8(static_cast<char>(v)); }
HEARTH_V128_ATTR inline u8x16 v_zero() { return _mm_setzero_si128(); }
HEARTH_V128_ATTR inline u8x16 v_and(u8x16 a, u8x16 b) { return _mm_and_si128(a, b); }
HEARTH_V128_ATTR inline u8x16 v_lookup(u8x16 table, u8x16 idx) { return _mm_shuffle_epi8(table, idx); }
HEARTH_V128_ATTR inline u8x16 v_add16(u8x16 a, u8x16 b) { return _mm_add_epi16(a, b); }
HEARTH_V128_ATTR inline u8x16 v_sub16(u8x16 a, u8x16 b) { return _mm_sub_epi16(a, b); }
HEARTH_V128_ATTR inline u8x16 v_shr16(u8x16 a, int n) { return _mm_srli_epi16(a, n); }
HEARTH_V128_ATTR inline u8x16 v_shl16(u8x16 a, int n) { return _mm_slli_epi16(a, n); }
HEARTH_V128_ATTR inline void v_store_pairs(uint16_t* o, u8x16 even, u8x16 odd) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), _mm_unpacklo_epi16(even, odd));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o + 8), _mm_unpackhi_epi16(even, odd));
}
#endif

#if defined(__wasm_simd128__) || defined(HEARTH_X86)
HEARTH_V128_ATTR void pq_scan_v128(const uint8_t* packed, size_t blocks, size_t pairs,
                                   const uint8_t* lut, uint16_t* out) {
    const u8x16 low = v_bytes(0x0F);
    for (size_t b = 0; b < blocks; ++b) {
        const uint8_t* block = packed + b * pairs * kPqBlock;
        u8x16 raw0 = v_zero(), odd0 = raw0, raw1 = raw0, odd1 = raw0;
        for (size_t p = 0; p < pairs; ++p) {
            const u8x16 l0 = v_load(lut + 2 * p * kPqCentroids);
            const u8x16 l1 = v_load(lut + (2 * p + 1) * kPqCentroids);
            const u8x16 c0 = v_load(block + p * kPqBlock);
            const u8x16 c1 = v_load(block + p * kPqBlock + 16);
            const u8x16 a0 = v_lookup(l0, v_and(c0, low));
            const u8x16 b0 = v_lookup(l1, v_and(v_shr16(c0, 4), low));
            const u8x16 a1 = v_lookup(l0, v_and(c1, low));
            const u8x16 b1 = v_lookup(l1, v_and(v_shr16(c1, 4), low));
            raw0 = v_add16(raw0, v_add16(a0, b0));
            odd0 = v_add16(odd0, v_add16(v_shr16(a0, 8), v_shr16(b0, 8)));
            raw1 = v_add16(raw1, v_add16(a1, b1));
            odd1 = v_add16(odd1, v_add16(v_shr16(a1, 8), v_shr16(b1, 8)));
        }
        uint16_t* o = out + b * kPqBlock;
        v_store_pairs(o, v_sub16(raw0, v_shl16(odd0, 8)), odd0);
        v_store_pairs(o + 16, v_sub16(raw1, v_shl16(odd1, 8)), odd1);
    }
}
#endif

#if defined(HEARTH_X86)

// One block of 32 items per register: vpshufb looks up within each 128-bit half, so each
// table is broadcast to both halves.
__attribute__((target("avx2"))) void pq_scan_avx2(const uint8_t* packed, size_t blocks, size_t pairs,
                                                  const uint8_t* lut, uint16_t* out) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    for (size_t b = 0; b < blocks; ++b) {
        const uint8_t* block = packed + b * pairs * kPqBlock;
        __m256i raw = _mm256_setzero_si256(), odd = raw;
        for (size_t p = 0; p < pairs; ++p) {
            const __m256i l0 = _mm256_broadcastsi128_si256(
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(lut + 2 * p * kPqCentroids)));
            const __m256i l1 = _mm256_broadcastsi128_si256(
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(lut + (2 * p + 1) * kPqCentroids)));
            const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + p * kPqBlock));
            const __m256i a = _mm256_shuffle_epi8(l0, _mm256_and_si256(c, low));
            const __m256i bb = _mm256_shuffle_epi8(l1, _mm256_and_si256(_mm256_srli_epi16(c, 4), low));
            raw = _mm256_add_epi16(raw, _mm256_add_epi16(a, bb));
            odd = _mm256_add_epi16(odd, _mm256_add_epi16(_mm256_srli_epi16(a, 8), _mm256_srli_epi16(bb, 8)));
        }
        const __m256i even = _mm256_sub_epi16(raw, _mm256_slli_epi16(odd, 8));
        const __m256i lo = _mm256_unpacklo_epi16(even, odd);  // items 0-7 | 16-23
        const __m256i hi = _mm256_unpackhi_epi16(even, odd);  // items 8-15 | 24-31
        __m256i* o = reinterpret_cast<__m256i*>(out + b * kPqBlock);
        _mm256_storeu_si256(o, _mm256_permute2x128_si256(lo, hi, 0x20));
        _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(lo, hi, 0x31));
    }
}

#endif

}  // namespace

const std::vector<KernelVariant<PqScanFn>>& pq_scan_variants() {
    static const std::vector<KernelVariant<PqScanFn>> variants = {
        {"pq4_scan__ref", pq_scan_ref, true},
#if defined(__wasm_simd128__)
        {"pq4_scan__simd128", pq_scan_v128, true},
#endif
#if defined(HEARTH_X86)
        {"pq4_scan__ssse3", pq_scan_v128, cpu_has_ssse3()},
        {"pq4_scan__avx2", pq_scan_avx2, cpu_has_avx2()},
#endif
    };
    return variants;
}

PqScanFn pq_scan() {
    static const PqScanFn fn = fastest_variant(pq_scan_variants());
    return fn;
}

}  // namespace hearth
