// A matrix factorization model as inference sees it: item factors (and biases or the
// item Gram matrix) plus the hyper-parameters that define how a user is folded in.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/device/mf/ridge.h"

namespace hearth {

class BundleReader;

enum class MfKind : uint32_t {
    Implicit = 1,  // implicit ALS: scores are preference estimates, no biases
    Explicit = 2,  // biased MF: score = mu + b_i + b_u + p_u . q_i, a predicted rating
};

struct MfParams {
    MfKind kind = MfKind::Implicit;
    float reg = 0.1f;     // ridge strength
    float alpha = 1.0f;   // implicit: confidence = 1 + alpha * value
    float global_mean = 0.0f;          // explicit: mu
    bool reg_scales_with_count = false;  // reg * n (weighted-lambda regularization)
};

// One entry of a user's history: an item and its value (a rating for explicit models,
// an interaction strength for implicit ones).
struct HistoryEntry {
    uint32_t item;
    float value;
};

struct MfModelView {
    MfParams params;
    FactorRows items;                 // append_one for explicit models; rows null in an
                                      // int8 bundle, which has codes and row scales instead:
    const int8_t* item_codes = nullptr;   // [count, dim] (core/device/kernels/quant.h)
    const float* item_scales = nullptr;   // [count]
    const float* item_bias = nullptr;  // explicit: b_i, N entries
    const float* gram = nullptr;       // implicit: Y^T Y, dim x dim

    uint32_t user_dim() const { return items.solve_dim(); }
    // The part of an item's score that does not depend on the user's history.
    float base_score(uint32_t item) const {
        return params.kind == MfKind::Explicit ? params.global_mean + item_bias[item] : 0.0f;
    }
};

double effective_reg(const MfParams& params, size_t history_size);

// Ridge terms for a history (see ridge.h for what weight and target mean per kind).
void history_terms(const MfModelView& model, const HistoryEntry* history, size_t n,
                   std::vector<RidgeTerm>& out);

// Reads and shape-checks the mf.* sections of a bundle (see core/device/bundle/FORMAT.md).
MfModelView read_mf_model(const BundleReader& bundle);

}  // namespace hearth
