// The SASRec trainer: its batched encoder against the shared scalar definition, the
// ranking protocol, learning, determinism and checkpoint/resume; and (hidden, [.beauty])
// the accuracy run on Amazon Beauty.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/data/readers.h"
#include "core/train/nn/adamw.h"
#include "core/train/sasrec/sasrec_trainer.h"
#include "tests/core/fixtures.h"

using namespace hearth;

namespace {

// Users walk a cycle over the catalog from a random start: the next item is always
// predictable from the last one.
SasrecTrainData cycle_data(uint32_t items, uint32_t users, uint64_t seed) {
    SplitMix64 rng(seed);
    SasrecTrainData d;
    for (uint32_t u = 0; u < users; ++u) {
        const uint32_t start = rng.below(items), len = 4 + rng.below(8);
        std::vector<uint32_t> s;
        for (uint32_t j = 0; j < len; ++j) s.push_back((start + j) % items);
        d.validation_target.push_back((start + len) % items);
        d.sequences.push_back(s);
    }
    return d;
}

SasrecTrainConfig small_train_config(uint32_t items) {
    SasrecTrainConfig c;
    c.model.items = items;
    c.model.dim = 16;
    c.model.heads = 2;
    c.model.blocks = 1;
    c.model.max_len = 8;
    c.model.ffn_dim = 16;
    c.model.emb_scale = 4.0f;
    c.batch = 32;
    c.dropout = 0.1f;
    c.lr = 5e-3f;
    c.epochs = 15;
    c.patience = 100;
    return c;
}

std::vector<uint8_t> file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("batched float encoder equals sasrec_reference_encode", "[sasrec][train]") {
    for (SasrecVariant v : {SasrecVariant::PreNorm, SasrecVariant::Original})
        for (Activation a : {Activation::Relu, Activation::Gelu}) {
            SasrecConfig c;
            c.items = 30;
            c.dim = 16;
            c.heads = 2;
            c.blocks = 2;
            c.max_len = 6;
            c.ffn_dim = 12;
            c.variant = v;
            c.activation = a;
            c.emb_scale = 4.0f;
            const SasrecWeights w = test::random_sasrec(c, 100 + uint32_t(v) * 2 + uint32_t(a));
            SplitMix64 rng(5);
            std::vector<std::vector<uint32_t>> histories;
            for (size_t n : {1u, 3u, 6u, 9u, 0u, 2u, 6u, 5u}) {
                std::vector<uint32_t> h(n);
                for (uint32_t& i : h) i = rng.below(c.items);
                histories.push_back(h);
            }
            const std::vector<float> z = sasrec_encode_last(w, histories, 2);
            for (size_t u = 0; u < histories.size(); ++u) {
                const auto ref = sasrec_reference_encode(w.view(), histories[u].data(),
                                                         histories[u].size());
                for (uint32_t i = 0; i < c.dim; ++i) {
                    INFO("variant " << int(v) << " act " << int(a) << " user " << u << " dim " << i);
                    REQUIRE(std::abs(z[u * c.dim + i] - ref[i]) < 1e-4);
                }
            }
        }
}

TEST_CASE("ranking leaves out the history and counts ties against the target", "[sasrec][train]") {
    SasrecConfig c;
    c.items = 14;
    c.dim = 4;
    c.max_len = 3;
    c.ffn_dim = 4;
    SasrecWeights w = test::random_sasrec(c, 1);
    std::fill(w.tensors[0].begin(), w.tensors[0].end(), 0.0f);  // every score is 0: all tie
    // 14 items, 3 in the history: the target ranks behind the other 10, a miss.
    // 4 seen: behind 9, a hit at rank 9 (0-based).
    // An empty history: behind all 13 others, a miss. A target also in the history is still
    // ranked: behind the 12 items that are neither it nor item 6, a miss.
    const std::vector<std::vector<uint32_t>> histories = {{0, 1, 2}, {0, 1, 2, 3}, {5}, {}, {6, 7, 6}};
    const std::vector<uint32_t> targets = {3, 4, UINT32_MAX, 9, 7};
    const SasrecRankMetrics m = evaluate_sasrec(w, histories, targets, 2);
    CHECK(m.users == 4);
    CHECK(m.hr10 == Approx(0.25));
    CHECK(m.ndcg10 == Approx(0.25 / std::log2(11.0)));
}

// One ranking rule everywhere (core/eval/rank.h): a NaN target is a miss.
TEST_CASE("validation ranking: a NaN score is never a hit", "[sasrec][train]") {
    SasrecConfig c;
    c.items = 14;
    c.dim = 4;
    c.max_len = 3;
    c.ffn_dim = 4;
    SasrecWeights w = test::random_sasrec(c, 1);
    const std::vector<std::vector<uint32_t>> histories = {{0, 1, 2}, {4}};
    const std::vector<uint32_t> targets = {3, 5};
    std::fill(w.tensors[0].begin(), w.tensors[0].end(), std::numeric_limits<float>::quiet_NaN());
    const SasrecRankMetrics m = evaluate_sasrec(w, histories, targets, 1);
    CHECK(m.users == 2);
    CHECK(m.hr10 == 0.0);
    CHECK(m.ndcg10 == 0.0);
}

TEST_CASE("the trainer learns a predictable sequence with each loss", "[sasrec][train]") {
    const SasrecTrainData data = cycle_data(30, 200, 1);
    for (SasrecLoss loss : {SasrecLoss::FullSoftmax, SasrecLoss::SampledSoftmax, SasrecLoss::Bce}) {
        SasrecTrainConfig c = small_train_config(30);
        c.loss = loss;
        c.negatives = 12;
        if (loss == SasrecLoss::Bce) {
            c.epochs = 40;
            c.threads = 1;  // the single-thread path too
        }
        std::vector<SasrecEpochReport> reports;
        const SasrecWeights w = train_sasrec(data, c, [&](const SasrecEpochReport& r) {
            reports.push_back(r);
        });
        INFO("loss " << int(loss) << ", first loss " << reports.front().loss << ", last "
                     << reports.back().loss << ", val HR@10 " << reports.back().val_hr10);
        REQUIRE(reports.size() == c.epochs);
        CHECK(reports.back().loss < reports.front().loss);
        const SasrecRankMetrics m = evaluate_sasrec(w, data.sequences, data.validation_target);
        CHECK(m.hr10 > 0.9);
        CHECK(m.ndcg10 > 0.6);
    }
}

TEST_CASE("training is deterministic and early stopping keeps the best epoch", "[sasrec][train]") {
    const SasrecTrainData data = cycle_data(30, 120, 2);
    SasrecTrainConfig c = small_train_config(30);
    c.epochs = 6;
    c.patience = 2;
    std::vector<SasrecEpochReport> reports;
    const SasrecWeights a = train_sasrec(data, c, [&](const SasrecEpochReport& r) {
        reports.push_back(r);
    });
    const SasrecWeights b = train_sasrec(data, c);
    REQUIRE(a.tensors == b.tensors);
    double best = -1.0;
    for (const auto& r : reports) best = std::max(best, r.val_ndcg10);
    const SasrecRankMetrics m = evaluate_sasrec(a, data.sequences, data.validation_target);
    CHECK(m.ndcg10 == Approx(best).epsilon(1e-12));

    c.seed = 43;
    CHECK(train_sasrec(data, c).tensors != a.tensors);
}

TEST_CASE("the learning rate is cut when validation stalls", "[sasrec][train]") {
    // Random targets: validation soon stops improving. With the cut to zero and no dropout
    // the weights freeze, so every later epoch repeats the same loss and metrics.
    SasrecTrainData data = cycle_data(30, 120, 5);
    SplitMix64 rng(9);
    for (uint32_t& t : data.validation_target) t = rng.below(30);
    SasrecTrainConfig c = small_train_config(30);
    c.dropout = 0.0f;
    c.lr_patience = 1;
    c.lr_decay = 0.0f;
    c.epochs = 12;
    std::vector<SasrecEpochReport> r;
    train_sasrec(data, c, [&](const SasrecEpochReport& e) { r.push_back(e); });
    double best = -1.0;
    size_t cut = 0;
    for (size_t i = 0; i < r.size() && !cut; ++i) {
        if (r[i].val_ndcg10 <= best) cut = i;
        best = std::max(best, r[i].val_ndcg10);
    }
    REQUIRE(cut > 0);
    REQUIRE(cut + 2 < r.size());
    for (size_t i = cut + 2; i < r.size(); ++i) {
        CHECK(r[i].loss == Approx(r[cut + 1].loss).epsilon(1e-6));  // batches differ
        CHECK(r[i].val_ndcg10 == r[cut + 1].val_ndcg10);
    }
    CHECK(r[cut + 1].loss != r[cut].loss);
}

TEST_CASE("a resumed run equals an uninterrupted one", "[sasrec][train]") {
    const SasrecTrainData data = cycle_data(30, 100, 3);
    const std::string straight = "sasrec_resume_straight.ckpt", split = "sasrec_resume_split.ckpt";
    std::remove(straight.c_str());
    std::remove(split.c_str());
    for (SasrecLoss loss : {SasrecLoss::FullSoftmax, SasrecLoss::SampledSoftmax, SasrecLoss::Bce}) {
        SasrecTrainConfig c = small_train_config(30);
        c.loss = loss;
        c.negatives = 8;
        c.epochs = 4;
        c.lr_patience = 1;  // the plateau state is part of what a resume must restore
        c.checkpoint = straight;
        const SasrecWeights whole = train_sasrec(data, c);
        c.checkpoint = split;
        c.epochs = 2;
        train_sasrec(data, c);
        c.epochs = 4;
        std::vector<uint32_t> epochs;
        const SasrecWeights resumed =
            train_sasrec(data, c, [&](const SasrecEpochReport& r) { epochs.push_back(r.epoch); });
        CHECK(epochs == std::vector<uint32_t>{3, 4});
        CHECK(resumed.tensors == whole.tensors);
        CHECK(file_bytes(straight) == file_bytes(split));  // weights, Adam state, counters

        // Finished: running again trains nothing and returns the same weights.
        epochs.clear();
        CHECK(train_sasrec(data, c, [&](const SasrecEpochReport& r) { epochs.push_back(r.epoch); })
                  .tensors == whole.tensors);
        CHECK(epochs.empty());

        c.seed = 7;
        CHECK_THROWS_AS(train_sasrec(data, c), Error);
        std::remove(straight.c_str());
        std::remove(split.c_str());
    }
}

TEST_CASE("AdamW decays only the tensors marked for it, apart from the Adam step", "[sasrec][train]") {
    std::vector<train::AlignedVector<float>> params = {{1.0f, -2.0f}, {1.0f, -2.0f}};
    const std::vector<train::AlignedVector<float>> grads = {{0.5f, -4.0f}, {0.5f, -4.0f}};
    train::AdamWState state(params);
    train::AdamWConfig c;
    c.lr = 0.1f;
    c.weight_decay = 0.5f;
    train::adamw_step(c, {true, false}, params, grads, state);
    // First step: the bias-corrected moments are g and g^2, so Adam moves each weight by
    // lr * sign(g); decay first shrinks the marked tensor by (1 - lr * wd).
    CHECK(params[0][0] == Approx(1.0f * 0.95f - 0.1f));
    CHECK(params[0][1] == Approx(-2.0f * 0.95f + 0.1f));
    CHECK(params[1][0] == Approx(1.0f - 0.1f));
    CHECK(params[1][1] == Approx(-2.0f + 0.1f));
    CHECK(state.step == 1);
}

TEST_CASE("the trainer rejects items outside the catalog", "[sasrec][train]") {
    SasrecTrainData data = cycle_data(30, 10, 4);
    data.sequences[3].push_back(30);
    CHECK_THROWS_AS(train_sasrec(data, small_train_config(30)), Error);
}

// Accuracy on Amazon Beauty (leave-one-out, full ranking). Hidden: run with
//   HEARTH_DATA_DIR=/path/to/data build/native/hearth_tests "[.beauty]" -s
TEST_CASE("SASRec on Amazon Beauty", "[.beauty]") {
    const char* dir = std::getenv("HEARTH_DATA_DIR");
    if (!dir) {
        WARN("HEARTH_DATA_DIR is not set: skipped");
        return;
    }
    ParseReport report;
    const Interactions log = read_sequences(std::string(dir) + "/amazon-seq/Beauty.txt", report);
    std::vector<std::vector<uint32_t>> seqs(log.user_ids.size());
    for (const Interaction& e : log.events) seqs[e.user].push_back(e.item);
    SasrecTrainData data;
    std::vector<std::vector<uint32_t>> test_history;
    std::vector<uint32_t> test_target;
    for (auto& s : seqs) {
        const bool ok = s.size() >= 3;
        test_target.push_back(ok ? s.back() : UINT32_MAX);
        test_history.push_back(ok ? std::vector<uint32_t>(s.begin(), s.end() - 1) : s);
        data.validation_target.push_back(ok ? s[s.size() - 2] : UINT32_MAX);
        data.sequences.push_back(ok ? std::vector<uint32_t>(s.begin(), s.end() - 2) : s);
    }
    SasrecTrainConfig c;
    c.model.items = static_cast<uint32_t>(log.item_ids.size());
    c.model.dim = 64;
    c.model.heads = 1;
    c.model.blocks = 2;
    c.model.max_len = 50;
    c.model.ffn_dim = 64;
    c.model.emb_scale = 8.0f;
    c.dropout = 0.5f;
    c.lr = 1e-3f;
    c.batch = 128;
    c.epochs = 200;
    c.patience = 10;
    const SasrecWeights w = train_sasrec(data, c, [](const SasrecEpochReport& r) {
        std::printf("epoch %3u  loss %.4f  val NDCG@10 %.4f  HR@10 %.4f  %.1fs\n", r.epoch, r.loss,
                    r.val_ndcg10, r.val_hr10, r.seconds);
        std::fflush(stdout);
    });
    const SasrecRankMetrics test = evaluate_sasrec(w, test_history, test_target);
    std::printf("Beauty test: users %zu  NDCG@10 %.4f  HR@10 %.4f\n", test.users, test.ndcg10,
                test.hr10);
    CHECK(test.ndcg10 >= 0.052);
    CHECK(test.hr10 >= 0.092);
}
