// The one random number generator of the native side (training, evaluation, the synthetic
// world, benchmarks). splitmix64 gives the same stream on every platform and compiler,
// which std:: distributions do not, so a seed fixes a run exactly.
#pragma once
#include <cmath>
#include <cstdint>

namespace hearth {

class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed = 0) : state_(seed) {}

    static constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ull;

    // splitmix64's output function: a strong 64-bit mix of one word.
    static uint64_t mix(uint64_t z) {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    uint64_t next() { return mix(state_ += kGamma); }
    // In [0, 1), 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    // Uniform in [0, n) by multiply-shift on 32 bits; the bias (below n / 2^32) is far
    // under anything a training run could notice.
    uint32_t below(uint32_t n) { return static_cast<uint32_t>(((next() >> 32) * n) >> 32); }
    // Box-Muller; one of the pair is dropped to keep the state a single word.
    double normal() {
        const double u1 = 1.0 - uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    uint64_t state() const { return state_; }

private:
    uint64_t state_;
};

// Independent streams for (run, epoch, batch, sample, site...) without storing any
// state: each purpose hashes its coordinates into its own seed.
inline uint64_t mix_seed(uint64_t a, uint64_t b) {
    SplitMix64 r(a ^ (b * 0xD1B54A32D192ED03ull));
    r.next();
    return r.next();
}

}  // namespace hearth
