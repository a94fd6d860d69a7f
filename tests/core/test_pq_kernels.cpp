// PQ fast scan (core/device/kernels/pq.h): every variant returns the reference's u16 sums bit for
// bit (integer sums, no rounding), the packed layout round-trips, the float tables are the
// dot products with the reconstructed vectors, the u8 tables stay within their error bound,
// and the candidate selection is the sort's top k. Compiled natively and to wasm.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/device/kernels/pq.h"

using namespace hearth;

namespace {

std::vector<uint8_t> random_codes(size_t n, size_t s, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> codes(n * s);
    for (uint8_t& c : codes) c = static_cast<uint8_t>(rng() % 16);
    return codes;
}

}  // namespace

TEST_CASE("PQ codes pack into blocks and read back", "[kernels][pq]") {
    for (size_t n : {1, 31, 32, 33, 100}) {
        for (size_t s : {2, 4, 6, 32}) {
            const auto codes = random_codes(n, s, static_cast<uint32_t>(n * 7 + s));
            std::vector<uint8_t> packed(pq_blocks(n) * pq_block_bytes(s), 0xAA);
            pq_pack_codes(codes.data(), n, s, packed.data());
            for (size_t i = 0; i < pq_blocks(n) * kPqBlock; ++i)
                for (size_t m = 0; m < s; ++m)
                    REQUIRE(pq_code(packed.data(), s, i, m) == (i < n ? codes[i * s + m] : 0u));
        }
    }
}

TEST_CASE("PQ scan variants equal the reference bit for bit", "[kernels][pq]") {
    const size_t n = GENERATE(1, 5, 32, 33, 64, 100, 257);
    const size_t s = GENERATE(2, 4, 8, 16, 32, 64, 256);
    const bool extreme = GENERATE(false, true);  // every table entry 255: the largest sums
    const auto codes = random_codes(n, s, static_cast<uint32_t>(n * 31 + s));
    std::vector<uint8_t> packed(pq_blocks(n) * pq_block_bytes(s));
    pq_pack_codes(codes.data(), n, s, packed.data());
    std::vector<uint8_t> lut(s * kPqCentroids);
    std::mt19937 rng(static_cast<uint32_t>(s));
    for (uint8_t& v : lut) v = extreme ? 255 : static_cast<uint8_t>(rng() % 256);
    const size_t out_n = pq_blocks(n) * kPqBlock;
    std::vector<uint16_t> ref(out_n), got(out_n);
    pq_scan_ref(packed.data(), pq_blocks(n), s / 2, lut.data(), ref.data());
    for (size_t i = 0; i < n; ++i) {
        uint32_t want = 0;
        for (size_t m = 0; m < s; ++m) want += lut[m * kPqCentroids + codes[i * s + m]];
        REQUIRE(ref[i] == want);
    }
    for (const auto& v : pq_scan_variants()) {
        if (!v.available) continue;
        INFO(v.name << " n=" << n << " s=" << s);
        std::fill(got.begin(), got.end(), uint16_t{0xBEEF});
        v.fn(packed.data(), pq_blocks(n), s / 2, lut.data(), got.data());
        CHECK(std::equal(got.begin(), got.end(), ref.begin()));
    }
}

TEST_CASE("PQ tables are dot products with the reconstructed vectors", "[kernels][pq]") {
    std::mt19937 rng(11);
    std::normal_distribution<float> normal;
    const size_t dim = 13, s = 6, n = 40;
    const uint32_t bounds[] = {0, 2, 4, 6, 9, 12, 13};  // uneven widths, a last dim alone
    std::vector<float> codebook(kPqCentroids * dim), query(dim);
    for (float& v : codebook) v = normal(rng);
    for (float& v : query) v = normal(rng);
    const auto codes = random_codes(n, s, 3);
    std::vector<float> lut(s * kPqCentroids);
    pq_build_lut(codebook.data(), bounds, s, dim, query.data(), lut.data());
    for (size_t i = 0; i < n; ++i) {
        double by_table = 0.0, by_dot = 0.0;
        for (size_t m = 0; m < s; ++m) {
            const uint8_t c = codes[i * s + m];
            by_table += lut[m * kPqCentroids + c];
            for (uint32_t j = bounds[m]; j < bounds[m + 1]; ++j) by_dot += double(query[j]) * codebook[c * dim + j];
        }
        CHECK(by_table == Approx(by_dot).margin(1e-5));
    }

    // u8 tables: each entry within half a step, so a sum within s * step / 2.
    std::vector<uint8_t> q(s * kPqCentroids);
    float offset = 0.0f;
    const float step = pq_quantize_lut(lut.data(), s, q.data(), offset);
    REQUIRE(step > 0.0f);
    for (size_t m = 0; m < s; ++m) {
        const float lo = *std::min_element(&lut[m * kPqCentroids], &lut[m * kPqCentroids] + kPqCentroids);
        for (size_t c = 0; c < kPqCentroids; ++c)
            CHECK(std::fabs(lo + step * q[m * kPqCentroids + c] - lut[m * kPqCentroids + c]) <= 0.5f * step * 1.001f + 1e-6f);
    }
    CHECK(*std::max_element(q.begin(), q.end()) == 255);
    std::vector<uint8_t> packed(pq_blocks(n) * pq_block_bytes(s));
    pq_pack_codes(codes.data(), n, s, packed.data());
    std::vector<uint16_t> raw(pq_blocks(n) * kPqBlock);
    pq_scan()(packed.data(), pq_blocks(n), s / 2, q.data(), raw.data());
    for (size_t i = 0; i < n; ++i) {
        double exact = 0.0;
        for (size_t m = 0; m < s; ++m) exact += lut[m * kPqCentroids + codes[i * s + m]];
        CHECK(std::fabs(offset + step * raw[i] - exact) <= s * step / 2 * 1.001 + 1e-5);
    }

    // Constant tables: step 0, every code 0, the offset is the score.
    std::vector<float> flat(s * kPqCentroids, 0.25f);
    CHECK(pq_quantize_lut(flat.data(), s, q.data(), offset) == 0.0f);
    CHECK(offset == Approx(0.25f * s));
    for (uint8_t v : q) CHECK(v == 0);
}

TEST_CASE("PQ top k over u16 sums equals sorting", "[kernels][pq]") {
    std::mt19937 rng(5);
    std::vector<uint64_t> heap;
    std::vector<uint32_t> got;
    for (size_t n : {0, 1, 10, 1000, 5000}) {
        for (uint32_t range : {3u, 50u, 65536u}) {  // few distinct values: many ties
            std::vector<uint16_t> v(n);
            std::vector<uint8_t> excluded(n);
            for (size_t i = 0; i < n; ++i) {
                v[i] = static_cast<uint16_t>(rng() % range);
                excluded[i] = rng() % 7 == 0;
            }
            for (size_t k : {0, 1, 7, 500, 6000}) {
                std::vector<uint32_t> want;
                for (size_t i = 0; i < n; ++i)
                    if (!excluded[i]) want.push_back(static_cast<uint32_t>(i));
                std::stable_sort(want.begin(), want.end(), [&](uint32_t a, uint32_t b) { return v[a] > v[b]; });
                if (want.size() > k) want.resize(k);
                pq_top_k_u16(v.data(), n, k, excluded.data(), heap, got);
                CHECK(got == want);
            }
        }
    }
}
