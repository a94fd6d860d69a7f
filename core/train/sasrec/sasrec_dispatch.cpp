// Picks the instruction-set variant of the SASRec trainer (sasrec_isa.h) at run time.
// Compiled once, for the build's baseline: nothing here may use a wider instruction set.
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/common/error.h"
#include "core/train/sasrec/sasrec_isa.h"
#include "core/train/sasrec/sasrec_trainer.h"

namespace hearth {

namespace {

enum class Isa { Generic, X86_64_V3 };

bool cpu_has_x86_64_v3() {
#if defined(HEARTH_HAVE_SASREC_X86_64_V3)
#if defined(__clang__)
    // Older clang does not know the level name; these imply the rest of x86-64-v3 (LZCNT,
    // MOVBE) on every CPU made.
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
           __builtin_cpu_supports("f16c");
#else
    __builtin_cpu_init();
    return __builtin_cpu_supports("x86-64-v3");
#endif
#else
    return false;
#endif
}

Isa pick() {
    static const bool has_v3 = cpu_has_x86_64_v3();
    const char* forced = std::getenv("HEARTH_ISA");
    if (!forced || !*forced) return has_v3 ? Isa::X86_64_V3 : Isa::Generic;
    if (!std::strcmp(forced, "generic")) return Isa::Generic;
    if (!std::strcmp(forced, "x86-64-v3")) {
        if (!has_v3)
            throw Error("argument", "HEARTH_ISA=x86-64-v3, but this build or CPU has no x86-64-v3 trainer");
        return Isa::X86_64_V3;
    }
    throw Error("argument", std::string("HEARTH_ISA=") + forced + ": expected generic or x86-64-v3");
}

}  // namespace

const char* sasrec_trainer_isa() { return pick() == Isa::X86_64_V3 ? "x86-64-v3" : "generic"; }

SasrecWeights train_sasrec(const SasrecTrainData& data, const SasrecTrainConfig& config,
                           const std::function<void(const SasrecEpochReport&)>& progress) {
    if (pick() == Isa::X86_64_V3) return sasrec_isa::x86_64_v3::train_sasrec(data, config, progress);
    return sasrec_isa::generic::train_sasrec(data, config, progress);
}

SasrecRankMetrics evaluate_sasrec(const SasrecWeights& weights,
                                  const std::vector<std::vector<uint32_t>>& histories,
                                  const std::vector<uint32_t>& targets, uint32_t threads) {
    if (pick() == Isa::X86_64_V3)
        return sasrec_isa::x86_64_v3::evaluate_sasrec(weights, histories, targets, threads);
    return sasrec_isa::generic::evaluate_sasrec(weights, histories, targets, threads);
}

std::vector<float> sasrec_encode_last(const SasrecWeights& weights,
                                      const std::vector<std::vector<uint32_t>>& histories,
                                      uint32_t threads) {
    if (pick() == Isa::X86_64_V3)
        return sasrec_isa::x86_64_v3::sasrec_encode_last(weights, histories, threads);
    return sasrec_isa::generic::sasrec_encode_last(weights, histories, threads);
}

}  // namespace hearth
