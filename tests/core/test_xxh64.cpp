#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "core/device/bundle/bundle.h"

using hearth::xxh64;

namespace {

// A deliberately different XXH64: bytes arrive one at a time into a 32-byte stripe buffer
// and lanes are assembled with shifts, so it shares no reading code with the fast version.
class SlowXxh64 {
public:
    explicit SlowXxh64(uint64_t seed) : seed_(seed) {
        acc_[0] = seed + P1 + P2;
        acc_[1] = seed + P2;
        acc_[2] = seed;
        acc_[3] = seed - P1;
    }

    void push(uint8_t byte) {
        buf_[fill_++] = byte;
        ++total_;
        if (fill_ == 32) {
            for (int lane = 0; lane < 4; ++lane)
                acc_[lane] = step(acc_[lane], word(buf_ + 8 * lane, 8));
            fill_ = 0;
            striped_ = true;
        }
    }

    uint64_t digest() const {
        uint64_t h;
        if (striped_) {
            h = rot(acc_[0], 1) + rot(acc_[1], 7) + rot(acc_[2], 12) + rot(acc_[3], 18);
            for (uint64_t a : acc_) h = (h ^ step(0, a)) * P1 + P4;
        } else {
            h = seed_ + P5;
        }
        h += total_;
        int i = 0;
        for (; i + 8 <= fill_; i += 8) h = rot(h ^ step(0, word(buf_ + i, 8)), 27) * P1 + P4;
        for (; i + 4 <= fill_; i += 4) h = rot(h ^ (word(buf_ + i, 4) * P1), 23) * P2 + P3;
        for (; i < fill_; ++i) h = rot(h ^ (buf_[i] * P5), 11) * P1;
        h = (h ^ (h >> 33)) * P2;
        h = (h ^ (h >> 29)) * P3;
        return h ^ (h >> 32);
    }

private:
    static constexpr uint64_t P1 = 11400714785074694791ull;
    static constexpr uint64_t P2 = 14029467366897019727ull;
    static constexpr uint64_t P3 = 1609587929392839161ull;
    static constexpr uint64_t P4 = 9650029242287828579ull;
    static constexpr uint64_t P5 = 2870177450012600261ull;

    static uint64_t rot(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
    static uint64_t step(uint64_t acc, uint64_t lane) { return rot(acc + lane * P2, 31) * P1; }
    static uint64_t word(const uint8_t* p, int bytes) {
        uint64_t v = 0;
        for (int k = bytes - 1; k >= 0; --k) v = (v << 8) | p[k];
        return v;
    }

    uint64_t seed_;
    uint64_t acc_[4];
    uint8_t buf_[32] = {};
    int fill_ = 0;
    uint64_t total_ = 0;
    bool striped_ = false;
};

uint64_t slow_xxh64(const uint8_t* data, size_t size, uint64_t seed) {
    SlowXxh64 h(seed);
    for (size_t i = 0; i < size; ++i) h.push(data[i]);
    return h.digest();
}

std::vector<uint8_t> pattern(size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 37 + 11);
    return v;
}

}  // namespace

TEST_CASE("xxh64 matches the published test vectors", "[xxh64]") {
    CHECK(xxh64("", 0, 0) == 0xEF46DB3751D8E999ull);
    CHECK(xxh64("a", 1, 0) == 0xD24EC4F1A98C6E5Bull);
    CHECK(xxh64("abc", 3, 0) == 0x44BC2CF5AD770999ull);
    CHECK(xxh64(nullptr, 0, 0) == 0xEF46DB3751D8E999ull);
}

TEST_CASE("xxh64 matches xxhsum on every tail and stripe boundary", "[xxh64]") {
    // Produced with xxhsum 0.8.1 (Debian package xxhash): for each n, the bytes
    // (i * 37 + 11) & 0xff for i in [0, n) were written to a file and hashed with
    // `xxhsum -H64 < file` (seed 0).
    struct Vector {
        size_t size;
        uint64_t hash;
    };
    const Vector vectors[] = {
        {1, 0xf592c0c7639c4cb6ull},   {3, 0x22c08528601d4f27ull},    {4, 0xfb1e5cf2f1ae4d95ull},
        {5, 0x9d213eca1f68f273ull},   {7, 0x5613ac510496c04eull},    {8, 0x57cb2b7521f3e21aull},
        {9, 0xc3f1d09775257b66ull},   {11, 0x1bef4539443a2d5aull},   {12, 0x2f53b00266039e64ull},
        {15, 0x90a9714eb00e8d29ull},  {16, 0xc6843cef99721174ull},   {17, 0xf72e5e622b272ad6ull},
        {31, 0xe4a0e629e519a4aeull},  {32, 0xcc6b8aaada790b2dull},   {33, 0x35ec49850475a832ull},
        {35, 0x59de01e65b64555bull},  {63, 0xbf9f0ba3cf95b28aull},   {64, 0x155ccce4bf32befcull},
        {65, 0xda5ee441a595cfb8ull},  {100, 0x4826e367566ea023ull},  {127, 0xf648961449461a69ull},
        {128, 0x01166e04da0ea4a8ull}, {129, 0x46f0e2b6282dd4fbull},  {255, 0x178ea4a7d2319abeull},
        {256, 0x43c92f09cb3e28cfull}, {1000, 0x128da10cfbdc59d9ull}, {4099, 0xb0160f2f6a9797cbull},
        {(size_t(2) << 20) + 7, 0x53a58b6c5f910e25ull},  // a bundle-sized run of stripes
    };
    for (const Vector& v : vectors) {
        const std::vector<uint8_t> data = pattern(v.size);
        INFO("size " << v.size);
        CHECK(xxh64(data.data(), data.size(), 0) == v.hash);
        CHECK(slow_xxh64(data.data(), data.size(), 0) == v.hash);
    }
}

TEST_CASE("xxh64 agrees with the byte-at-a-time reference", "[xxh64]") {
    std::mt19937_64 rng(20240611);
    std::vector<uint8_t> buffer(300 + 8);
    for (int trial = 0; trial < 2000; ++trial) {
        const size_t size = rng() % 301;
        const size_t shift = rng() % 8;  // unaligned starts exercise the memcpy loads
        const uint64_t seed = trial % 4 == 0 ? 0 : rng();
        for (uint8_t& b : buffer) b = static_cast<uint8_t>(rng());
        const uint8_t* p = buffer.data() + shift;
        INFO("size " << size << ", shift " << shift << ", seed " << seed);
        REQUIRE(xxh64(p, size, seed) == slow_xxh64(p, size, seed));
    }
}

TEST_CASE("xxh64 throughput on 25 MB", "[.][bench]") {
    std::vector<uint8_t> data = pattern(size_t{25} << 20);
    uint64_t sink = 0;
    const int reps = 20;
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r)
        sink ^= xxh64(data.data(), data.size(), static_cast<uint64_t>(r));
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    const double mb = 25.0 * reps * 1.048576;
    std::printf("xxh64: %.0f MB/s (sink %llx)\n", mb / took.count(),
                static_cast<unsigned long long>(sink));
}
