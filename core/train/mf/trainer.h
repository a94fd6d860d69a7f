// Matrix factorization by alternating least squares, for both kinds of MfKind.
//
// Implicit: Hu, Koren, Volinsky 2008 (confidence 1 + alpha * value, preference 1 for
// observed pairs, 0 otherwise, solved with the Gram-matrix trick). Explicit: biased MF,
// r ~ mu + b_u + b_i + p_u . q_i, each side's [vector; bias] solved as a ridge problem.
// Every solve is exact (Cholesky), so training is deterministic given the seed and
// independent of the thread count.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/common/parallel.h"
#include "core/device/mf/mf_model.h"
#include "core/train/mf/rating_matrix.h"

namespace hearth {

struct MfConfig {
    MfParams params;
    uint32_t factors = 64;
    uint32_t iterations = 15;
    uint64_t seed = 42;
    uint32_t threads = 2;
};

struct MfModel {
    MfParams params;
    uint32_t dim = 0;
    std::vector<float> item_factors;  // items x dim
    std::vector<float> item_bias;     // explicit: items
    std::vector<float> gram;          // implicit: dim x dim, Y^T Y of item_factors
    std::vector<float> user_factors;  // users x view().user_dim(): what fold-in gives each user

    MfModelView view() const;  // points into this model
    uint32_t items() const { return dim ? static_cast<uint32_t>(item_factors.size() / dim) : 0; }
};

struct IterationReport {
    uint32_t iteration;
    double loss;     // the objective being minimised (ridge terms included), per observed entry
    double seconds;  // since training started
};

MfModel train_mf(const RatingMatrix& data, const MfConfig& config,
                 const std::function<void(const IterationReport&)>& progress = {});

// Sets model.gram (implicit) and model.user_factors: each training user folded into the
// model's items by the inference code path, so each stored user vector is exactly what a
// device folding in that user's history would compute.
void fold_in_training_users(const RatingMatrix& data, uint32_t threads, MfModel& model);

// fn(begin, end) over [0, rows) in `threads` contiguous ranges; when every row is solved on
// its own, the result is the same for any thread count.
template <typename Fn>
void for_row_ranges(uint32_t rows, uint32_t threads, Fn fn) {
    threads = std::max(1u, std::min(threads, rows));
    const uint32_t chunk = (rows + threads - 1) / threads;
    parallel_for(threads, [&](unsigned t) {
        const uint32_t begin = t * chunk, end = std::min(rows, begin + chunk);
        if (begin < end) fn(begin, end);
    });
}

// Y^T Y of a rows x dim matrix, accumulated in double and rounded to float.
std::vector<float> gram_matrix(const float* rows, uint32_t count, uint32_t dim);

}  // namespace hearth
