// Offline evaluation: full ranking of every catalog item for each held-out event (no
// sampled negatives), and rating error for explicit models.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "core/eval/split.h"
#include "core/train/mf/rating_matrix.h"
#include "core/train/mf/trainer.h"

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

// Prediction errors summed as they come, then read as RMSE and MAE.
class RatingErrorSums {
public:
    void add(double error) {
        squared_ += error * error;
        absolute_ += error < 0 ? -error : error;
        ++count_;
    }
    RatingMetrics metrics() const;

private:
    double squared_ = 0, absolute_ = 0;
    size_t count_ = 0;
};

// Writes a score for every item for `user`.
using UserScorer = std::function<void(uint32_t user, float* scores)>;
// Makes one scorer per evaluation thread, so a scorer may keep per-thread workspaces.
using ScorerFactory = std::function<UserScorer()>;

struct RankingProtocol {
    // 0: rank against every item (the protocol to trust). N > 0: against N negatives drawn
    // uniformly from items the user never had, as in the SASRec paper (only to compare with
    // papers that use it; it inflates every metric). When a user has no more than N items
    // left to draw from, the negatives are all of them, each once.
    uint32_t sampled_negatives = 0;
    uint64_t seed = 42;
};

// The rank of a held-out item is the number of candidates counted before it by the rule
// of core/eval/rank.h (an equal score counts before it; a NaN score counts last; a NaN
// target is never a hit), with the user's history (the rows of `history_by_user`) left
// out. coverage@10 always uses the full ranking (top_k's order).
RankingMetrics evaluate_ranking(uint32_t items, const SparseRows& history_by_user,
                                const std::vector<HeldOut>& held_out, const ScorerFactory& scorers,
                                uint32_t threads, const RankingProtocol& protocol = {});
// The same with one scorer shared by all threads (it must be safe to call concurrently).
RankingMetrics evaluate_ranking(uint32_t items, const SparseRows& history_by_user,
                                const std::vector<HeldOut>& held_out, const UserScorer& scorer,
                                uint32_t threads, const RankingProtocol& protocol = {});

RatingMetrics evaluate_ratings(const MfModel& model, const std::vector<HeldOut>& held_out);

// Scorers for the models evaluate knows: a trained MF model (each user's trained vector)
// and popularity (training events per item, the baseline every model must beat).
UserScorer mf_scorer(const MfModel& model);
UserScorer popularity_scorer(const RatingMatrix& train);

}  // namespace hearth
