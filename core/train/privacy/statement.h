// The `privacy` object of a bundle's metadata: what a model promises about the people it
// was trained on. Private trainers write theirs (core/train/mf/private_als.h, DP-SGD below);
// everything else says it is not private. Readers: `hearth inspect` (privacy_words),
// web/src/privacy.js and the demo's About page.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace hearth {

// What a private bundle's guarantee does not cover, as codes every reader words itself:
// catalog (ids, titles, tags), popularity (item popularity and new-item flags, counted
// without noise), training_counts (numbers of users and events, and the recipe chosen from
// them), training_report (the training curve and metrics in the metadata, measured on the
// data without noise), floating_point (attacks on the noise's floating-point sampler).
extern const char* const kNotCovered[5];

std::string no_privacy_json(
    const char* note = "trained without differential privacy: the model may reveal the people it was trained on");

// DP-SGD (private SASRec): Poisson sampling at `sampling_rate`, `steps` steps, per-user
// clipping at `clip`, noise multiplier z.
std::string dp_sgd_privacy_json(double epsilon, double delta, double order, double noise_multiplier,
                                double sampling_rate, uint64_t steps, double clip, uint32_t max_len);

// One line of plain words for a bundle's metadata: what its privacy object promises.
std::string privacy_words(std::string_view meta_json);

}  // namespace hearth
