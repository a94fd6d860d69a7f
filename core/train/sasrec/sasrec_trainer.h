// Training SASRec (core/device/sasrec/model.h) on next-item prediction.
//
// Samples: per user, the last max_len + 1 items of the training sequence; the first
// max_len are the input and every position predicts the item after it (earlier windows of
// longer sequences are not used, as in the SASRec code). Batches are packed, not padded
// (core/train/nn/layers.h). Loss over every position; AdamW; early stopping on validation
// NDCG@10 (full ranking, the user's own history left out, ties counted against the
// target), returning the best epoch's weights.
//
// Determinism: every random choice (initialisation, epoch order, dropout masks, negatives)
// derives from `seed` and the epoch/user it belongs to, and per-thread gradients are added
// in a fixed order, so a run depends on `seed` and `threads`, never on thread scheduling.
// A checkpoint written after each epoch makes a resumed run identical to an uninterrupted
// one. The bits also depend on the instruction-set variant of the trainer that runs
// (sasrec_trainer_isa() below): the same on every machine that runs the same variant.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/device/sasrec/model.h"

namespace hearth {

enum class SasrecLoss { FullSoftmax, SampledSoftmax, Bce };

struct SasrecEpochReport {
    uint32_t epoch;    // 1-based
    double loss;       // mean training loss per position
    double val_ndcg10, val_hr10;
    double seconds;    // this epoch, validation included
    // Early stopping after this epoch (the state a checkpoint keeps).
    uint32_t best_epoch = 0;    // 0: no validation
    double best_val_ndcg10 = 0;
    uint32_t bad_epochs = 0;    // epochs since the best
    float lr_scale = 1.0f;      // the learning rate's multiplier (cut on plateaus)
    bool stopped = false;       // patience ran out: this was the last epoch
};

struct SasrecTrainConfig {
    SasrecConfig model;
    SasrecLoss loss = SasrecLoss::FullSoftmax;
    uint32_t negatives = 256;   // SampledSoftmax: popularity-sampled negatives per batch
    float lr = 1e-3f;
    float weight_decay = 0.0f;  // AdamW; never on LayerNorm parameters and biases
    bool decay_embeddings = false;
    float dropout = 0.2f;
    uint32_t batch = 128;       // sequences per step
    uint32_t epochs = 200;
    uint32_t patience = 10;     // epochs without a better validation NDCG@10 before stopping (0: never)
    uint32_t threads = 2;
    uint64_t seed = 42;
    std::string checkpoint;     // save here every epoch; resume from it when it exists
    float beta1 = 0.9f, beta2 = 0.98f, adam_eps = 1e-8f;
    float clip_norm = 0.0f;     // > 0: scale the gradient down to this global L2 norm
    // > 0: multiply the learning rate by lr_decay after this many epochs without a better
    // validation NDCG@10 (counted again after each cut). On by default: on Beauty it lifted
    // test NDCG@10 on every seed tried and made the result less seed-dependent.
    uint32_t lr_patience = 3;
    float lr_decay = 0.5f;
    // > 0: DP-SGD with user-level privacy (Abadi et al. 2016, one user's training window =
    // one example): each step takes every user independently with probability
    // batch / users (Poisson sampling, as the accountant assumes), clips each user's
    // gradient to L2 norm dp_clip, adds N(0, (dp_noise_multiplier dp_clip)^2) to every
    // coordinate of the sum and divides by the expected batch; an epoch is users / batch
    // steps. Sampled-softmax negatives are then drawn uniformly (the popularity of the data
    // is private), and early stopping and learning-rate cuts are off (both would choose on
    // the private validation items): the run trains `epochs` epochs and returns the last.
    float dp_noise_multiplier = 0.0f;
    float dp_clip = 1.0f;
    uint64_t dp_noise_seed = 0;  // 0: from the operating system
    // Asked after each epoch's report: true ends the run there, with the best epoch's
    // weights as usual (the tuner stops trials that trail its best one this way).
    std::function<bool(const SasrecEpochReport&)> stop_after;
};


struct SasrecTrainData {
    // Per user, oldest first, item indices < model.items; the training part only.
    std::vector<std::vector<uint32_t>> sequences;
    // Per user: the item after sequences[u], or UINT32_MAX for none.
    std::vector<uint32_t> validation_target;
};

// The variant of the trainer the functions below run: the best of "x86-64-v4" (AVX-512),
// "x86-64-v3" (AVX2 + FMA) and "generic" that the build has and the CPU supports. The
// environment variable HEARTH_ISA=generic|x86-64-v3|x86-64-v4 forces one (an unknown value, or a variant this build or CPU
// lacks, is an "argument" Error). Read on every call.
const char* sasrec_trainer_isa();

SasrecWeights train_sasrec(const SasrecTrainData& data, const SasrecTrainConfig& config,
                           const std::function<void(const SasrecEpochReport&)>& progress = {});

struct SasrecRankMetrics {
    size_t users = 0;  // users with a target
    double ndcg10 = 0, hr10 = 0;
};

// Ranks each targets[u] (UINT32_MAX: skip the user) among all items after encoding the
// last max_len items of histories[u]; the history's items other than the target are left
// out of the ranking, ties count against the target. The protocol validation uses.
SasrecRankMetrics evaluate_sasrec(const SasrecWeights& weights,
                                  const std::vector<std::vector<uint32_t>>& histories,
                                  const std::vector<uint32_t>& targets, uint32_t threads = 2);

// z (dim floats per history, row-major) for the last position of each history, by the
// trainer's batched float encoder: what the scores of the next item are computed from.
std::vector<float> sasrec_encode_last(const SasrecWeights& weights,
                                      const std::vector<std::vector<uint32_t>>& histories,
                                      uint32_t threads = 2);

}  // namespace hearth
