// The SASRec trainer is compiled once per instruction-set variant; train_sasrec() and the
// other entry points of sasrec_trainer.h pick one at run time (sasrec_dispatch.cpp).
//
//   generic    the baseline of the build (x86-64, or whatever the target's baseline is)
//   x86_64_v3  x86-64-v3 (AVX2, FMA, BMI2, ...): Eigen's GEMMs with 8-wide FMA kernels
//   x86_64_v4  x86-64-v4 (AVX-512 F/BW/CD/DQ/VL): 16-wide FMA kernels
//
// sasrec_trainer.cpp defines its entry points in namespace sasrec_isa::HEARTH_SASREC_ISA.
// Each x86-64 copy lives in an object whose every other symbol is local (see the top-level
// CMakeLists.txt), so none of its code can stand in for another copy or the reverse.
// A variant computes the same bits on every machine that runs it; variants differ in the
// last bits (FMA rounds once, and the vector width changes the order of sums).
#pragma once
#include <functional>
#include <vector>

#include "core/train/sasrec/sasrec_trainer.h"

#define HEARTH_SASREC_ENTRY_POINTS                                                          \
    SasrecWeights train_sasrec(const SasrecTrainData& data, const SasrecTrainConfig& config, \
                               const std::function<void(const SasrecEpochReport&)>& progress); \
    SasrecRankMetrics evaluate_sasrec(const SasrecWeights& weights,                          \
                                      const std::vector<std::vector<uint32_t>>& histories,   \
                                      const std::vector<uint32_t>& targets, uint32_t threads); \
    std::vector<float> sasrec_encode_last(const SasrecWeights& weights,                      \
                                          const std::vector<std::vector<uint32_t>>& histories, \
                                          uint32_t threads);

namespace hearth::sasrec_isa {
namespace generic {
HEARTH_SASREC_ENTRY_POINTS
}
namespace x86_64_v3 {
HEARTH_SASREC_ENTRY_POINTS
}
namespace x86_64_v4 {
HEARTH_SASREC_ENTRY_POINTS
}
}  // namespace hearth::sasrec_isa

#undef HEARTH_SASREC_ENTRY_POINTS
