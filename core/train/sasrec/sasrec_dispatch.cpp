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

enum class Isa { Generic, X86_64_V3, X86_64_V4 };

// The best x86-64 level this CPU runs, among the variants this build has.
Isa cpu_isa() {
#if defined(HEARTH_HAVE_SASREC_VARIANTS)
    __builtin_cpu_init();
#if defined(__clang__)
    // Older clang does not know the level names; these features imply the rest of each
    // level on every CPU made.
    const bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
                    __builtin_cpu_supports("f16c");
    const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
                    __builtin_cpu_supports("avx512vl");
#else
    const bool v3 = __builtin_cpu_supports("x86-64-v3");
    const bool v4 = __builtin_cpu_supports("x86-64-v4");
#endif
    return v4 ? Isa::X86_64_V4 : v3 ? Isa::X86_64_V3 : Isa::Generic;
#else
    return Isa::Generic;
#endif
}

const char* isa_name(Isa isa) {
    return isa == Isa::X86_64_V4 ? "x86-64-v4" : isa == Isa::X86_64_V3 ? "x86-64-v3" : "generic";
}

Isa pick() {
    static const Isa best = cpu_isa();
    const char* forced = std::getenv("HEARTH_ISA");
    if (!forced || !*forced) return best;
    for (Isa isa : {Isa::Generic, Isa::X86_64_V3, Isa::X86_64_V4}) {
        if (std::strcmp(forced, isa_name(isa)) != 0) continue;
        if (isa > best)
            throw Error("argument", std::string("HEARTH_ISA=") + forced + ", but this build or CPU has no " +
                                        forced + " trainer (the best here is " + isa_name(best) + ")");
        return isa;
    }
    throw Error("argument", std::string("HEARTH_ISA=") + forced + ": expected generic, x86-64-v3 or x86-64-v4");
}

}  // namespace

const char* sasrec_trainer_isa() { return isa_name(pick()); }

#if defined(HEARTH_HAVE_SASREC_VARIANTS)
#define HEARTH_SASREC_DISPATCH(call)                                        \
    switch (pick()) {                                                      \
        case Isa::X86_64_V4: return sasrec_isa::x86_64_v4::call;           \
        case Isa::X86_64_V3: return sasrec_isa::x86_64_v3::call;           \
        default: return sasrec_isa::generic::call;                          \
    }
#else
#define HEARTH_SASREC_DISPATCH(call) \
    pick();                          \
    return sasrec_isa::generic::call;
#endif

SasrecWeights train_sasrec(const SasrecTrainData& data, const SasrecTrainConfig& config,
                           const std::function<void(const SasrecEpochReport&)>& progress) {
    HEARTH_SASREC_DISPATCH(train_sasrec(data, config, progress))
}

SasrecRankMetrics evaluate_sasrec(const SasrecWeights& weights,
                                  const std::vector<std::vector<uint32_t>>& histories,
                                  const std::vector<uint32_t>& targets, uint32_t threads) {
    HEARTH_SASREC_DISPATCH(evaluate_sasrec(weights, histories, targets, threads))
}

std::vector<float> sasrec_encode_last(const SasrecWeights& weights,
                                      const std::vector<std::vector<uint32_t>>& histories,
                                      uint32_t threads) {
    HEARTH_SASREC_DISPATCH(sasrec_encode_last(weights, histories, threads))
}

}  // namespace hearth
