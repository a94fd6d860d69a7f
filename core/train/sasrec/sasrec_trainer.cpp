#include "core/train/sasrec/sasrec_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include "core/common/error.h"
#include "core/common/parallel.h"
#include "core/common/rng.h"
#include "core/device/bundle/bundle.h"
#include "core/eval/rank.h"
#include "core/train/nn/adamw.h"
#include "core/train/nn/eigen.h"
#include "core/train/nn/losses.h"
#include "core/train/sasrec/sasrec_isa.h"
#include "core/train/sasrec/sasrec_net.h"

// Which copy this is (sasrec_isa.h): the build compiles this file and the nn/ layers once
// as they are and, on x86-64, once more per level (-march=x86-64-v3 with
// HEARTH_SASREC_ISA=x86_64_v3, and the same for x86-64-v4).
#ifndef HEARTH_SASREC_ISA
#define HEARTH_SASREC_ISA generic
#endif

namespace hearth {

namespace {

using namespace train;
using Eigen::Index;

constexpr uint32_t kNone = UINT32_MAX;
// Stream tags that keep the seeds of different purposes apart (epochs and users are
// far below them).
constexpr uint64_t kInitStream = 1ull << 50, kBatchStream = 1ull << 51, kBceStream = 1ull << 52,
                   kNoiseStream = 1ull << 53;
constexpr uint32_t kEvalUsersPerBatch = 256;
constexpr uint32_t kCheckpointVersion = 1;

// Cuts [0, weights.size()) into `parts` contiguous ranges of about equal total weight.
std::vector<size_t> balanced_cuts(const std::vector<size_t>& weights, uint32_t parts) {
    size_t total = 0;
    for (size_t w : weights) total += w;
    std::vector<size_t> cuts{0};
    size_t acc = 0, i = 0;
    for (uint32_t p = 1; p < parts; ++p) {
        const size_t goal = total * p / parts;
        while (i < weights.size() && acc + weights[i] / 2 < goal) acc += weights[i++];
        cuts.push_back(i);
    }
    cuts.push_back(weights.size());
    return cuts;
}

// Xavier-normal matrices, zero biases, unit LayerNorm gains (as the SASRec PyTorch port).
void init_params(Params<float>& p, uint64_t seed) {
    const auto specs = sasrec_tensor_specs(p.config);
    SplitMix64 rng(seed);
    for (size_t i = 0; i < specs.size(); ++i) {
        const TensorSpec& s = specs[i];
        const bool gain = s.name.size() > 2 && s.name.compare(s.name.size() - 2, 2, ".g") == 0;
        const double sd = std::sqrt(2.0 / (double(s.rows) + double(s.cols)));
        for (float& v : p.tensors[i])
            v = gain ? 1.0f : s.rows == 1 ? 0.0f : static_cast<float>(sd * rng.normal());
    }
}

// ---- ranking (validation and evaluate_sasrec) ----

struct RankSums {
    size_t users = 0;
    double ndcg = 0, hr = 0;
};

// Encodes histories[users[i]] for i in [begin, end) and ranks each target.
RankSums rank_range(const Params<float>& p, const std::vector<std::vector<uint32_t>>& histories,
                    const std::vector<uint32_t>& targets, const std::vector<uint32_t>& users,
                    size_t begin, size_t end) {
    const SasrecConfig& c = p.config;
    const auto E = mat(p.at(kItemEmb), c.items, c.dim);
    SasrecNet<float> encoder;
    Matrix<float> last, scores;
    std::vector<uint32_t> seen(c.items, kNone);  // user who last marked the item
    RankSums sums;
    for (size_t b0 = begin; b0 < end; b0 += kEvalUsersPerBatch) {
        const size_t b1 = std::min(end, b0 + kEvalUsersPerBatch);
        PackedBatch batch(c.max_len);
        for (size_t i = b0; i < b1; ++i) {
            const auto& h = histories[users[i]];
            batch.add(h.data(), nullptr, h.size(), 0);
        }
        const Tensor<float>& z = encoder.forward(p, batch, 0.0f);
        last.setZero(Index(b1 - b0), c.dim);
        for (size_t s = 0; s < batch.sequences(); ++s)
            if (batch.length(s) > 0)
                last.row(Index(s)) = ConstRowMap<float>(z.row(batch.offsets[s + 1] - 1), c.dim);
        scores.noalias() = last * E.transpose();
        for (size_t s = 0; s < batch.sequences(); ++s) {
            const uint32_t u = users[b0 + s], t = targets[u];
            // The rule of evaluate_ranking (core/eval/rank.h): over every item, then the
            // history's items taken back out.
            const float* row = scores.data() + s * size_t(c.items);
            size_t rank = rank_of_target(row, c.items, t);
            if (rank != kRankNever)
                for (uint32_t item : histories[u]) {
                    if (item == t || seen[item] == u) continue;
                    seen[item] = u;
                    if (counts_before(row[item], row[t])) --rank;
                }
            ++sums.users;
            if (hit_at(rank, 10)) {
                sums.hr += 1.0;
                sums.ndcg += ndcg_gain(rank);
            }
        }
    }
    return sums;
}

SasrecRankMetrics rank_targets(const Params<float>& p,
                               const std::vector<std::vector<uint32_t>>& histories,
                               const std::vector<uint32_t>& targets, uint32_t threads) {
    std::vector<uint32_t> users;
    for (uint32_t u = 0; u < targets.size(); ++u)
        if (targets[u] != kNone) users.push_back(u);
    threads = std::max(1u, threads);
    std::vector<RankSums> part(threads);
    parallel_for(threads, [&](uint32_t t) {
        part[t] = rank_range(p, histories, targets, users, users.size() * t / threads,
                             users.size() * (t + 1) / threads);
    });
    RankSums all;
    for (const RankSums& r : part) {
        all.users += r.users;
        all.ndcg += r.ndcg;
        all.hr += r.hr;
    }
    SasrecRankMetrics m;
    m.users = all.users;
    if (all.users) {
        m.ndcg10 = all.ndcg / double(all.users);
        m.hr10 = all.hr / double(all.users);
    }
    return m;
}

void check_items(const std::vector<std::vector<uint32_t>>& histories,
                 const std::vector<uint32_t>& targets, uint32_t items) {
    for (size_t u = 0; u < histories.size(); ++u) {
        for (uint32_t i : histories[u])
            if (i >= items)
                throw Error("data", "user " + std::to_string(u) + ": item index " +
                                        std::to_string(i) + " outside the catalog of " +
                                        std::to_string(items));
        if (u < targets.size() && targets[u] != kNone && targets[u] >= items)
            throw Error("data", "user " + std::to_string(u) + ": target outside the catalog");
    }
    if (!targets.empty() && targets.size() != histories.size())
        throw Error("argument", "one validation target per user is needed");
}

// ---- training ----

struct Sample {
    uint32_t user;
    uint32_t begin;   // first item of the window in sequences[user]
    uint32_t length;  // window items: inputs are all but the last, targets all but the first
};

struct TrainState {
    uint32_t epoch = 0, best_epoch = 0, bad_epochs = 0;
    bool stopped = false;
    double best_ndcg = -1.0;
    float lr_scale = 1.0f;
    uint32_t lr_bad_epochs = 0;  // since the best epoch or the last learning-rate cut
};

class Trainer {
public:
    Trainer(const SasrecTrainData& data, const SasrecTrainConfig& config);
    SasrecWeights run(const std::function<void(const SasrecEpochReport&)>& progress);

private:
    double train_epoch(size_t& rows);
    double train_epoch_private(size_t& rows);
    double private_step(const std::vector<uint32_t>& ids, uint64_t step_seed, size_t& rows);
    double train_batch(const std::vector<uint32_t>& ids, uint64_t epoch_seed, size_t batch_index,
                       size_t& rows);
    double shard_loss(uint32_t shard, const PackedBatch& batch, const std::vector<uint32_t>& ids,
                      const std::vector<uint32_t>& negatives, float weight);
    std::vector<uint32_t> bce_negatives(const std::vector<uint32_t>& ids,
                                        const PackedBatch& batch) const;
    std::vector<uint32_t> draw_negatives(uint64_t seed) const;
    void clip_gradient(Params<float>& g) const;
    void adam_step(const Params<float>& g);
    void record_validation(double ndcg);
    void save_checkpoint() const;
    void load_checkpoint();

    const SasrecTrainData& data_;
    SasrecTrainConfig cfg_;
    uint32_t threads_;
    bool has_validation_ = false;
    std::vector<Sample> samples_;
    Params<float> params_, best_;
    AdamWState adam_;
    std::vector<bool> decay_;
    std::vector<Params<float>> grads_;
    std::vector<SasrecNet<float>> encoders_;
    std::vector<float> log_q_;    // SampledSoftmax: log of each item's sampling probability
    std::vector<double> cdf_;     // and its cumulative distribution
    TrainState state_;
    bool private_ = false;
    uint64_t noise_seed_ = 0;
    std::vector<Params<float>> example_grads_;  // DP-SGD: one user's gradient, per thread
};

Trainer::Trainer(const SasrecTrainData& data, const SasrecTrainConfig& config)
    : data_(data), cfg_(config), threads_(std::max(1u, config.threads)),
      params_(config.model), best_(config.model) {
    const SasrecConfig& c = cfg_.model;
    c.validate();
    if (cfg_.batch == 0) throw Error("argument", "batch must be at least 1");
    if (!(cfg_.dropout >= 0.0f && cfg_.dropout < 1.0f))
        throw Error("argument", "dropout must be in [0, 1)");
    if (cfg_.loss == SasrecLoss::SampledSoftmax && cfg_.negatives == 0)
        throw Error("argument", "sampled softmax needs at least one negative");
    check_items(data.sequences, data.validation_target, c.items);
    for (uint32_t u = 0; u < data.sequences.size(); ++u) {
        const size_t n = data.sequences[u].size();
        if (n < 2) continue;
        const size_t len = std::min<size_t>(n, size_t(c.max_len) + 1);
        samples_.push_back({u, static_cast<uint32_t>(n - len), static_cast<uint32_t>(len)});
    }
    if (samples_.empty()) throw Error("data", "SASRec needs a user with at least 2 training items");
    for (uint32_t t : data.validation_target) has_validation_ |= t != kNone;

    init_params(params_, mix_seed(cfg_.seed, kInitStream));
    best_ = params_;
    adam_ = AdamWState(params_.tensors);
    const auto specs = sasrec_tensor_specs(c);
    for (size_t i = 0; i < specs.size(); ++i)
        decay_.push_back(specs[i].rows > 1 && (cfg_.decay_embeddings || i > kPosEmb));
    grads_.assign(threads_, Params<float>(c));
    encoders_.resize(threads_);

    private_ = cfg_.dp_noise_multiplier > 0.0f;
    if (private_) {
        if (!(cfg_.dp_clip > 0.0f)) throw Error("argument", "the DP clip norm must be positive");
        if (cfg_.loss == SasrecLoss::Bce) throw Error("argument", "private SASRec trains with --loss ce or sampled");
        noise_seed_ = cfg_.dp_noise_seed;
        if (noise_seed_ == 0) {
            std::random_device device;
            noise_seed_ = (uint64_t(device()) << 32) ^ device();
        }
        example_grads_.assign(threads_, Params<float>(c));
        if (!cfg_.checkpoint.empty()) throw Error("argument", "private SASRec does not checkpoint");
    }
    if (cfg_.loss == SasrecLoss::SampledSoftmax && private_) {
        // Uniform: the data's popularity is private.
        for (uint32_t i = 0; i < c.items; ++i) {
            log_q_.push_back(-std::log(static_cast<float>(c.items)));
            cdf_.push_back(double(i + 1) / c.items);
        }
    } else if (cfg_.loss == SasrecLoss::SampledSoftmax) {
        // Popularity with add-one smoothing: every item can be a negative and has a finite
        // log q when it is a target.
        std::vector<double> count(c.items, 1.0);
        for (const auto& s : data.sequences)
            for (uint32_t i : s) count[i] += 1.0;
        double total = 0.0;
        for (double v : count) total += v;
        for (double v : count) {
            log_q_.push_back(static_cast<float>(std::log(v / total)));
            cdf_.push_back((cdf_.empty() ? 0.0 : cdf_.back()) + v / total);
        }
    }
}

std::vector<uint32_t> Trainer::draw_negatives(uint64_t seed) const {
    SplitMix64 rng(seed);
    std::vector<uint32_t> out(cfg_.negatives);
    for (uint32_t& n : out) {
        const double u = rng.uniform() * cdf_.back();
        n = static_cast<uint32_t>(std::upper_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
        n = std::min(n, cfg_.model.items - 1);
    }
    return out;
}

// One uniformly drawn item per row that is not in the sample's window (as the SASRec
// code), after a bounded number of tries (tiny catalogs).
std::vector<uint32_t> Trainer::bce_negatives(const std::vector<uint32_t>& ids,
                                             const PackedBatch& batch) const {
    std::vector<uint32_t> out;
    for (size_t s = 0; s < batch.sequences(); ++s) {
        const Sample& sm = samples_[ids[s]];
        const uint32_t* win = data_.sequences[sm.user].data() + sm.begin;
        SplitMix64 rng(mix_seed(batch.seeds[s], kBceStream));
        for (uint32_t r = 0; r < batch.length(s); ++r) {
            uint32_t neg = 0;
            for (int tries = 0; tries < 32; ++tries) {
                neg = rng.below(cfg_.model.items);
                if (std::find(win, win + sm.length, neg) == win + sm.length) break;
            }
            out.push_back(neg);
        }
    }
    return out;
}

double Trainer::shard_loss(uint32_t shard, const PackedBatch& batch,
                           const std::vector<uint32_t>& ids,
                           const std::vector<uint32_t>& negatives, float weight) {
    const SasrecConfig& c = cfg_.model;
    Params<float>& g = grads_[shard];
    g.set_zero();
    if (batch.rows() == 0) return 0.0;
    SasrecNet<float>& enc = encoders_[shard];
    const Tensor<float>& z = enc.forward(params_, batch, cfg_.dropout);
    Tensor<float> dz;
    const float* emb = params_.at(kItemEmb);
    float* d_emb = g.at(kItemEmb);
    double loss = 0.0;
    switch (cfg_.loss) {
        case SasrecLoss::FullSoftmax:
            loss = full_softmax_loss(z, emb, c.items, batch.targets.data(), weight, dz, d_emb);
            break;
        case SasrecLoss::SampledSoftmax:
            loss = sampled_softmax_loss(z, emb, c.dim, batch.targets.data(), negatives, log_q_,
                                        weight, dz, d_emb);
            break;
        case SasrecLoss::Bce: {
            const auto neg = bce_negatives(ids, batch);
            loss = bce_loss(z, emb, batch.targets.data(), neg.data(), weight, dz, d_emb);
            break;
        }
    }
    enc.backward(params_, batch, dz, g);
    return loss;
}

double Trainer::train_batch(const std::vector<uint32_t>& ids, uint64_t epoch_seed,
                            size_t batch_index, size_t& rows) {
    std::vector<size_t> lengths;
    size_t total = 0;
    for (uint32_t id : ids) {
        lengths.push_back(samples_[id].length - 1);
        total += samples_[id].length - 1;
    }
    rows += total;
    const auto cuts = balanced_cuts(lengths, threads_);
    std::vector<uint32_t> negatives;
    if (cfg_.loss == SasrecLoss::SampledSoftmax)
        negatives = draw_negatives(mix_seed(epoch_seed, kBatchStream + batch_index));
    const float weight = 1.0f / static_cast<float>(total);
    std::vector<double> losses(threads_, 0.0);
    parallel_for(threads_, [&](uint32_t t) {
        PackedBatch batch(cfg_.model.max_len);
        const std::vector<uint32_t> mine(ids.begin() + Index(cuts[t]), ids.begin() + Index(cuts[t + 1]));
        for (uint32_t id : mine) {
            const Sample& s = samples_[id];
            const uint32_t* w = data_.sequences[s.user].data() + s.begin;
            batch.add(w, w + 1, s.length - 1, mix_seed(epoch_seed, s.user));
        }
        losses[t] = shard_loss(t, batch, mine, negatives, weight);
    });
    for (uint32_t t = 1; t < threads_; ++t) grads_[0].add(grads_[t]);
    if (cfg_.clip_norm > 0.0f) clip_gradient(grads_[0]);
    adam_step(grads_[0]);
    double loss = 0.0;
    for (double l : losses) loss += l;
    return loss;
}

// AdamW at the current learning rate (private runs never cut it: lr_scale stays 1).
void Trainer::adam_step(const Params<float>& g) {
    AdamWConfig opt;
    opt.lr = cfg_.lr * state_.lr_scale;
    opt.beta1 = cfg_.beta1;
    opt.beta2 = cfg_.beta2;
    opt.eps = cfg_.adam_eps;
    opt.weight_decay = cfg_.weight_decay;
    adamw_step(opt, decay_, params_.tensors, g.tensors, adam_);
}

void Trainer::clip_gradient(Params<float>& g) const {
    double sq = 0.0;
    for (const auto& t : g.tensors)
        for (float v : t) sq += double(v) * v;
    const double norm = std::sqrt(sq);
    if (norm <= cfg_.clip_norm) return;
    const float scale = static_cast<float>(cfg_.clip_norm / norm);
    for (auto& t : g.tensors)
        for (float& v : t) v *= scale;
}

double Trainer::train_epoch(size_t& rows) {
    const uint64_t epoch_seed = mix_seed(cfg_.seed, state_.epoch);
    std::vector<uint32_t> order(samples_.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    SplitMix64 rng(epoch_seed);
    for (size_t i = order.size(); i > 1; --i)
        std::swap(order[i - 1], order[rng.below(static_cast<uint32_t>(i))]);
    double loss = 0.0;
    for (size_t b0 = 0, index = 0; b0 < order.size(); b0 += cfg_.batch, ++index) {
        const std::vector<uint32_t> ids(order.begin() + Index(b0),
                                        order.begin() + Index(std::min(order.size(), b0 + cfg_.batch)));
        loss += train_batch(ids, epoch_seed, index, rows);
    }
    return loss;
}

// Early stopping keeps the best weights; the learning-rate cut (ReduceLROnPlateau) lets a
// stalled run settle into a better point before patience runs out.
void Trainer::record_validation(double ndcg) {
    if (ndcg > state_.best_ndcg) {
        state_.best_ndcg = ndcg;
        state_.best_epoch = state_.epoch;
        state_.bad_epochs = state_.lr_bad_epochs = 0;
        best_ = params_;
        return;
    }
    if (cfg_.lr_patience > 0 && ++state_.lr_bad_epochs >= cfg_.lr_patience) {
        state_.lr_scale *= cfg_.lr_decay;
        state_.lr_bad_epochs = 0;
    }
    if (++state_.bad_epochs >= cfg_.patience && cfg_.patience > 0) state_.stopped = true;
}

SasrecWeights Trainer::run(const std::function<void(const SasrecEpochReport&)>& progress) {
    if (!cfg_.checkpoint.empty() && std::ifstream(cfg_.checkpoint).good()) load_checkpoint();
    while (!state_.stopped && state_.epoch < cfg_.epochs) {
        const auto start = std::chrono::steady_clock::now();
        ++state_.epoch;
        size_t rows = 0;
        const double loss = private_ ? train_epoch_private(rows) : train_epoch(rows);
        SasrecRankMetrics val;
        if (has_validation_) {
            val = rank_targets(params_, data_.sequences, data_.validation_target, threads_);
            if (!private_) record_validation(val.ndcg10);
        }
        if (!cfg_.checkpoint.empty()) save_checkpoint();
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const SasrecEpochReport report{state_.epoch, loss / double(std::max<size_t>(rows, 1)),
                                       val.ndcg10, val.hr10, seconds, state_.best_epoch,
                                       state_.best_ndcg > 0 ? state_.best_ndcg : 0.0,
                                       state_.bad_epochs, state_.lr_scale, state_.stopped};
        if (progress) progress(report);
        if (cfg_.stop_after && cfg_.stop_after(report)) break;
    }
    return weights_from_params(has_validation_ && !private_ ? best_ : params_);
}

double Trainer::train_epoch_private(size_t& rows) {
    const uint64_t epoch_seed = mix_seed(noise_seed_, state_.epoch);
    const double q = std::min(1.0, double(cfg_.batch) / double(samples_.size()));
    const size_t steps = std::max<size_t>(1, static_cast<size_t>(std::llround(1.0 / q)));
    double loss = 0.0;
    for (size_t step = 0; step < steps; ++step) {
        const uint64_t step_seed = mix_seed(epoch_seed, kBatchStream + step);
        SplitMix64 pick(step_seed);
        std::vector<uint32_t> ids;
        for (uint32_t i = 0; i < samples_.size(); ++i)
            if (pick.uniform() < q) ids.push_back(i);
        loss += private_step(ids, step_seed, rows);
    }
    return loss;
}

// One DP-SGD step: every example's gradient alone, clipped, summed; then the noise, and
// the mean over the expected batch size (not the drawn one, which is private).
double Trainer::private_step(const std::vector<uint32_t>& ids, uint64_t step_seed, size_t& rows) {
    std::vector<uint32_t> negatives;
    if (cfg_.loss == SasrecLoss::SampledSoftmax) negatives = draw_negatives(mix_seed(step_seed, 1));
    std::vector<double> losses(threads_, 0.0);
    std::vector<size_t> counted(threads_, 0);
    parallel_for(threads_, [&](uint32_t t) {
        Params<float>& sum = grads_[t];
        sum.set_zero();
        for (size_t k = t; k < ids.size(); k += threads_) {
            const Sample& s = samples_[ids[k]];
            PackedBatch batch(cfg_.model.max_len);
            const uint32_t* w = data_.sequences[s.user].data() + s.begin;
            batch.add(w, w + 1, s.length - 1, mix_seed(step_seed, s.user));
            counted[t] += batch.rows();
            // shard_loss writes the example's gradient into grads_[t]; keep the sum aside.
            std::swap(grads_[t], example_grads_[t]);
            losses[t] += shard_loss(t, batch, {ids[k]}, negatives, 1.0f / static_cast<float>(batch.rows()));
            std::swap(grads_[t], example_grads_[t]);
            Params<float>& g = example_grads_[t];
            double sq = 0.0;
            for (const auto& tensor : g.tensors)
                for (float v : tensor) sq += double(v) * v;
            const double norm = std::sqrt(sq);
            const float scale = norm > cfg_.dp_clip ? static_cast<float>(cfg_.dp_clip / norm) : 1.0f;
            for (size_t i = 0; i < g.tensors.size(); ++i) {
                float* dst = sum.at(i);
                const float* src = g.at(i);
                for (size_t e = 0; e < g.tensors[i].size(); ++e) dst[e] += scale * src[e];
            }
        }
    });
    for (uint32_t t = 1; t < threads_; ++t) grads_[0].add(grads_[t]);
    for (size_t c : counted) rows += c;
    // Noise from its own stream per tensor, so it does not depend on the thread count.
    const double expected = std::min<double>(cfg_.batch, double(samples_.size()));  // q * users
    const double sigma = double(cfg_.dp_noise_multiplier) * cfg_.dp_clip;
    for (size_t i = 0; i < grads_[0].tensors.size(); ++i) {
        SplitMix64 noise(mix_seed(step_seed, kNoiseStream + i));
        float* g = grads_[0].at(i);
        for (size_t e = 0; e < grads_[0].tensors[i].size(); ++e)
            g[e] = static_cast<float>((g[e] + sigma * noise.normal()) / expected);
    }
    adam_step(grads_[0]);
    double loss = 0.0;
    for (double l : losses) loss += l;
    return loss;
}

// ---- checkpoint: a .hearth bundle with the state words and every tensor four times ----

void put_u64(std::vector<uint32_t>& w, uint64_t v) {
    w.push_back(static_cast<uint32_t>(v));
    w.push_back(static_cast<uint32_t>(v >> 32));
}
uint64_t get_u64(const uint32_t* w) { return uint64_t(w[0]) | (uint64_t(w[1]) << 32); }
template <typename F>
uint32_t bits32(F v) {
    uint32_t b;
    std::memcpy(&b, &v, 4);
    return b;
}

// Everything that fixes the shapes and the random streams; a checkpoint for another
// model or seed is refused rather than silently continued.
std::vector<uint32_t> identity_words(const SasrecTrainConfig& cfg) {
    const SasrecConfig& c = cfg.model;
    std::vector<uint32_t> w = {c.items, c.dim, c.heads, c.blocks, c.max_len, c.ffn_dim,
                               uint32_t(c.variant), uint32_t(c.activation), bits32(c.emb_scale),
                               bits32(c.ln_eps)};
    put_u64(w, cfg.seed);
    return w;
}

void Trainer::save_checkpoint() const {
    std::vector<uint32_t> words = {kCheckpointVersion, state_.epoch, state_.best_epoch,
                                   state_.bad_epochs, state_.stopped ? 1u : 0u,
                                   bits32(state_.lr_scale), state_.lr_bad_epochs};
    uint64_t best_bits;
    std::memcpy(&best_bits, &state_.best_ndcg, 8);
    put_u64(words, best_bits);
    put_u64(words, adam_.step);
    const auto id = identity_words(cfg_);
    words.insert(words.end(), id.begin(), id.end());
    BundleWriter w;
    w.add_u32("train.state", words.data(), 1, static_cast<uint32_t>(words.size()));
    const auto specs = sasrec_tensor_specs(cfg_.model);
    for (size_t i = 0; i < specs.size(); ++i) {
        const TensorSpec& s = specs[i];
        w.add_f32(s.name, params_.at(i), s.rows, s.cols);
        w.add_f32("m." + s.name, adam_.m[i].data(), s.rows, s.cols);
        w.add_f32("v." + s.name, adam_.v[i].data(), s.rows, s.cols);
        w.add_f32("best." + s.name, best_.at(i), s.rows, s.cols);
    }
    w.write_file(cfg_.checkpoint);
}

void Trainer::load_checkpoint() {
    const std::vector<uint8_t> bytes = read_file_bytes(cfg_.checkpoint);
    const BundleReader r(bytes.data(), bytes.size());
    const Span<uint32_t> words = r.u32("train.state", 1);
    const auto id = identity_words(cfg_);
    const size_t head = 11;
    if (words.size != head + id.size() || words[0] != kCheckpointVersion)
        throw Error("bundle", cfg_.checkpoint + ": not a SASRec training checkpoint of this version");
    if (!std::equal(id.begin(), id.end(), words.data + head))
        throw Error("argument", cfg_.checkpoint +
                                    ": checkpoint was written for another model config or seed");
    state_.epoch = words[1];
    state_.best_epoch = words[2];
    state_.bad_epochs = words[3];
    state_.stopped = words[4] != 0;
    std::memcpy(&state_.lr_scale, &words[5], 4);
    state_.lr_bad_epochs = words[6];
    const uint64_t best_bits = get_u64(words.data + 7);
    std::memcpy(&state_.best_ndcg, &best_bits, 8);
    adam_.step = get_u64(words.data + 9);
    const auto specs = sasrec_tensor_specs(cfg_.model);
    auto load = [&](const std::string& name, const TensorSpec& s, float* dst) {
        const Span<float> t = r.f32(name, s.rows, s.cols);
        std::copy(t.begin(), t.end(), dst);
    };
    for (size_t i = 0; i < specs.size(); ++i) {
        load(specs[i].name, specs[i], params_.at(i));
        load("m." + specs[i].name, specs[i], adam_.m[i].data());
        load("v." + specs[i].name, specs[i], adam_.v[i].data());
        load("best." + specs[i].name, specs[i], best_.at(i));
    }
}

}  // namespace

namespace sasrec_isa::HEARTH_SASREC_ISA {

SasrecWeights train_sasrec(const SasrecTrainData& data, const SasrecTrainConfig& config,
                           const std::function<void(const SasrecEpochReport&)>& progress) {
    fix_eigen_blocking();
    Trainer trainer(data, config);
    return trainer.run(progress);
}

SasrecRankMetrics evaluate_sasrec(const SasrecWeights& weights,
                                  const std::vector<std::vector<uint32_t>>& histories,
                                  const std::vector<uint32_t>& targets, uint32_t threads) {
    fix_eigen_blocking();
    weights.config.validate();
    check_items(histories, targets, weights.config.items);
    return rank_targets(params_from_weights<float>(weights), histories, targets, threads);
}

std::vector<float> sasrec_encode_last(const SasrecWeights& weights,
                                      const std::vector<std::vector<uint32_t>>& histories,
                                      uint32_t threads) {
    fix_eigen_blocking();
    const SasrecConfig& c = weights.config;
    c.validate();
    check_items(histories, {}, c.items);
    const Params<float> p = params_from_weights<float>(weights);
    std::vector<float> out(histories.size() * c.dim, 0.0f);
    threads = std::max(1u, threads);
    parallel_for(threads, [&](uint32_t t) {
        const size_t begin = histories.size() * t / threads;
        const size_t end = histories.size() * (t + 1) / threads;
        SasrecNet<float> encoder;
        for (size_t b0 = begin; b0 < end; b0 += kEvalUsersPerBatch) {
            const size_t b1 = std::min(end, b0 + kEvalUsersPerBatch);
            PackedBatch batch(c.max_len);
            for (size_t u = b0; u < b1; ++u)
                batch.add(histories[u].data(), nullptr, histories[u].size(), 0);
            const Tensor<float>& z = encoder.forward(p, batch, 0.0f);
            for (size_t s = 0; s < batch.sequences(); ++s)
                if (batch.length(s) > 0) {
                    const float* row = z.row(batch.offsets[s + 1] - 1);
                    std::copy(row, row + c.dim, &out[(b0 + s) * c.dim]);
                }
        }
    });
    return out;
}

}  // namespace sasrec_isa::HEARTH_SASREC_ISA

}  // namespace hearth
