// Offline evaluation: full ranking of every catalog item for each held-out event (no
// sampled negatives), and rating error for explicit models.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "core/eval/split.h"
#include "core/mf/rating_matrix.h"
#include "core/mf/trainer.h"

namespace hearth {

struct RankingMetrics {
    size_t users = 0;  // held-out events ranked
    double hr5 = 0, hr10 = 0, hr20 = 0;
    double ndcg5 = 0, ndcg10 = 0, ndcg20 = 0;
    double recall20 = 0;     // one held-out item per user, so equal to HR@20
    double mrr = 0;          // over the full ranking
    double coverage10 = 0;   // distinct items in all top-10 lists / catalog size
};

struct RatingMetrics {
    size_t count = 0;
    double rmse = 0, mae = 0;
};

// Writes a score for every item for `user`. Called from several threads at once.
using UserScorer = std::function<void(uint32_t user, float* scores)>;

// The rank of a held-out item is the number of items that rank before it (higher score,
// or equal score and lower index: the order top_k uses), with the user's training items
// left out.
RankingMetrics evaluate_ranking(uint32_t items, const SparseRows& train_by_user,
                                const std::vector<HeldOut>& held_out, const UserScorer& scorer,
                                uint32_t threads);

RatingMetrics evaluate_ratings(const MfModel& model, const std::vector<HeldOut>& held_out);

// Scorers for the models evaluate knows: a trained MF model (each user's trained vector)
// and popularity (training events per item, the baseline every model must beat).
UserScorer mf_scorer(const MfModel& model);
UserScorer popularity_scorer(const RatingMatrix& train);

}  // namespace hearth
