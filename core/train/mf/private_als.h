// Implicit ALS with user-level joint differential privacy, in the manner of Private ALS
// (Chien, Jain, Krichene, Rendle, Song, Thakurta, Zhang, ICML 2021). Only the item side
// is released (the bundle); each user's vector is recomputed on the user's own device,
// which is what makes "joint" DP enough: every released item factor is a function of
// noisy aggregates, and each user's influence on those aggregates is bounded.
//
// Per iteration, with X the user vectors (each scaled to norm C), n_u the number of user
// u's items and w_u = min(1, sqrt(m / n_u)) for the contribution bound m (`max_items_per_user`):
//   G   = sum_u x_u x_u^T                 + N(0, (4 z C^2)^2)      (symmetric)
//   b_i = sum_{u has i} w_u x_u            + N(0, (z C sqrt(m))^2)
//   y_i = (G + reg I)^-1 b_i
// Adding or removing one user moves G by at most C^2 and all b_i together by at most
// C sqrt(n_u w_u^2) <= C sqrt(m) (L2), so they are Gaussian mechanisms with noise
// multipliers 4z and z, and T iterations are 2T of them, composed exactly by Gaussian DP
// (core/train/privacy/gdp.h). (G sums every user, so it takes more noise for a smaller
// share of the budget.) Every interaction is used: a user with more than m items has each
// weighted down, rather than m of them sampled (see contribution_weight in the .cpp).
// Item-frequency filtering, first (min_item_users > 0): a noisy weighted count of each
// item's users, sum_{u has i} w_u + N(0, (4 z sqrt(m))^2), is released once. Items whose
// noisy count is under the threshold are left out of training (factor 0: they are then
// never recommended by the model's score), and from then on n_u and w_u count the user's
// trained items only. For an item with a handful of users the noise on b_i is larger than
// the sum itself, so its factor would be noise that outranks real items for everyone. The
// count is one more Gaussian mechanism (sensitivity sqrt(m)) in the accountant. User
// vectors are scaled to norm C, not only clipped: a user's ranking does not depend on the
// length, and shorter vectors would only lose signal to the noise.
// Unlike non-private implicit ALS, the item solve has no per-item confidence term: alpha
// sum x_u x_u^T would be a d x d matrix per item, and the noise it needs swamped every item
// with fewer than thousands of users. Interactions are binary (whether a user has an item):
// the values of the data are not used. Users still fold in on the device with the bundle's
// confidence (alpha) and their full history.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "core/train/mf/trainer.h"

namespace hearth {

struct DpAlsConfig {
    double epsilon = 0.0;              // the target; > 0
    double delta = 0.0;                // 0: 1 / (10 users)
    uint32_t max_items_per_user = 8;   // m: the contribution bound (weights squared add up to at most m)
    float user_norm_clip = 1.0f;       // C
    double min_item_users = 15.0;      // tau: train only items whose noisy user count reaches it; 0: no filter
    uint64_t noise_seed = 0;           // 0: from the operating system (a published seed would undo the noise)
};

struct DpAlsReport {
    double epsilon = 0.0, delta = 0.0;  // what the accountant certifies
    double gdp_mu = 0.0;                // the whole training is gdp_mu-GDP (core/train/privacy/gdp.h)
    double noise_multiplier = 0.0;                   // z, of the item sums
    double gram_noise_multiplier = 0.0;              // of the Gram matrix
    double count_noise_multiplier = 0.0;             // of the item counts (0: not released)
    uint32_t releases = 0;                           // 2 per iteration (+1: the counts)
    double min_item_users = 0.0;
    uint32_t items_trained = 0;                      // whose noisy count reached min_item_users
    uint32_t max_items_per_user = 0;
    float user_norm_clip = 0.0f;
    uint64_t interactions_used = 0, interactions_dropped = 0;  // dropped: of the items left out
    uint32_t users_weighted = 0;  // users with more than m trained items, whose items weigh sqrt(m / n_u)
    uint32_t shifted_solves = 0;  // iterations whose noisy Gram matrix needed a larger ridge
};

// Trains implicit ALS privately. config.params.kind must be Implicit; reg_scales_with_count
// is not allowed (the count per item is private). Throws Error("argument") otherwise.
MfModel train_mf_private(const RatingMatrix& data, const MfConfig& config, const DpAlsConfig& dp,
                         DpAlsReport& report, const std::function<void(const IterationReport&)>& progress = {});

// The `privacy` object of a bundle's metadata for a model trained this way
// (core/train/privacy/statement.h has the rest).
std::string privacy_json(const DpAlsReport& report, uint32_t iterations);


}  // namespace hearth
