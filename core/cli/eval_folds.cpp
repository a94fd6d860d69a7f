#include "core/cli/eval_folds.h"

#include <cstdio>

#include "core/cli/common.h"
#include "core/common/error.h"
#include "core/data/json.h"
#include "core/eval/rating_eval.h"

namespace hearth::cli {

bool random_split(const Args& a) {
    const bool random = pick_option<bool>(a.get("split", "temporal"), "split",
                                          {{"temporal", false}, {"random", true}});
    if (a.has("folds") && !random) throw Error("argument", "--folds needs --split random");
    const std::string model = a.get("model", "als");
    if (random && model != "bmf")
        throw Error("argument", "--split random measures rating error: use --model bmf, got '" +
                                    model + "'");
    return random;
}

int run_eval_folds(const Dataset& d, const Args& a, const std::string& model) {
    if (!d.interactions.has_ratings)
        throw Error("data", "--split random needs explicit ratings; the data has none");
    const MfConfig config = model_config(a);
    const uint32_t folds = a.get_u32("folds", 5);
    const uint64_t seed = config.seed;
    const bool json = a.has("json");
    std::fprintf(stderr, "%s: random %u-fold split (seed %llu) of %zu ratings, %u factors\n",
                 model.c_str(), folds, static_cast<unsigned long long>(seed),
                 d.interactions.events.size(), config.factors);
    const CrossValidation cv = cross_validate_ratings(
        d.interactions, config, folds, seed, [&](uint32_t f, const RatingFold& r) {
            std::fprintf(json ? stderr : stdout,
                         "  fold %u: RMSE %.4f  MAE %.4f  %zu held out (%zu unknown users, %zu "
                         "unknown items)  %.2fs\n",
                         f + 1, r.errors.rmse, r.errors.mae, r.errors.count, r.errors.unknown_users,
                         r.errors.unknown_items, r.seconds);
            std::fflush(json ? stderr : stdout);
        });
    if (json) {
        Json j;
        j.begin_object().field("model", model).field("split", "random");
        j.field("folds", cv.folds).field("seed", static_cast<uint64_t>(cv.seed));
        j.field("ratings", static_cast<uint64_t>(d.interactions.events.size()));
        j.field("factors", config.factors).field("reg", config.params.reg);
        j.field("iterations", config.iterations);
        j.key("per_fold").begin_array();
        for (const RatingFold& f : cv.per_fold) {
            j.begin_object().field("rmse", f.errors.rmse).field("mae", f.errors.mae);
            j.field("held_out", static_cast<uint64_t>(f.errors.count));
            j.field("unknown_users", static_cast<uint64_t>(f.errors.unknown_users));
            j.field("unknown_items", static_cast<uint64_t>(f.errors.unknown_items));
            j.field("seconds", f.seconds).end_object();
        }
        j.end_array();
        j.field("rmse_mean", cv.rmse_mean).field("rmse_std", cv.rmse_std);
        j.field("mae_mean", cv.mae_mean).field("mae_std", cv.mae_std);
        j.field("seconds", cv.seconds).end_object();
        std::printf("%s\n", j.str().c_str());
        return 0;
    }
    std::printf("model %s, random %u-fold split: RMSE %.4f ± %.4f  MAE %.4f ± %.4f  (%.1fs)\n",
                model.c_str(), cv.folds, cv.rmse_mean, cv.rmse_std, cv.mae_mean, cv.mae_std,
                cv.seconds);
    return 0;
}

}  // namespace hearth::cli
