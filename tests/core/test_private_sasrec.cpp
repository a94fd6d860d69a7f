// DP-SGD for SASRec (SasrecTrainConfig::dp_noise_multiplier): with everyone sampled, no
// clipping and no noise it is exactly the plain trainer's step; with noise it is not; and
// `hearth train --model sasrec --dp-epsilon` states what the accountant certifies.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

#include "core/cli/commands.h"
#include "core/common/rng.h"
#include "core/data/json_parse.h"
#include "core/device/bundle/bundle.h"
#include "core/train/privacy/rdp.h"
#include "core/train/sasrec/sasrec_trainer.h"
#include "tests/core/catch_helpers.h"
#include "tests/core/fixtures.h"

using namespace hearth;
using hearth::test::contains;
using hearth::test::error_of;

namespace {

// Every user has the same length, so the per-user mean losses that DP-SGD clips add up to
// the plain trainer's per-position mean.
SasrecTrainData equal_lengths(uint32_t items, uint32_t users) {
    SplitMix64 rng(3);
    SasrecTrainData d;
    for (uint32_t u = 0; u < users; ++u) {
        std::vector<uint32_t> s;
        for (int j = 0; j < 6; ++j) s.push_back(rng.below(items));
        d.sequences.push_back(s);
        d.validation_target.push_back(UINT32_MAX);  // no validation: both return the last weights
    }
    return d;
}

SasrecTrainConfig tiny(uint32_t items) {
    SasrecTrainConfig c;
    c.model.items = items;
    c.model.dim = 8;
    c.model.heads = 1;
    c.model.blocks = 1;
    c.model.max_len = 8;
    c.model.ffn_dim = 8;
    c.model.emb_scale = std::sqrt(8.0f);
    c.dropout = 0.0f;  // the two paths draw their masks from different streams
    c.batch = 64;      // >= users: one step an epoch, everyone in it
    c.epochs = 3;
    // A large epsilon makes Adam's step about lr * g, linear in the gradient: with the usual
    // 1e-8 a coordinate whose gradient is ~1e-9 (sums that cancel) moves by a fraction of lr
    // that rounding decides, and the comparison would measure that.
    c.adam_eps = 1.0f;
    c.lr = 0.5f;
    c.patience = 0;
    c.lr_patience = 0;
    return c;
}

}  // namespace

TEST_CASE("DP-SGD without noise or clipping, everyone sampled, is the plain step", "[privacy][sasrec]") {
    const SasrecTrainData data = equal_lengths(20, 40);
    SasrecTrainConfig plain = tiny(20);
    const SasrecWeights want = train_sasrec(data, plain);
    SasrecTrainConfig dp = plain;
    dp.dp_noise_multiplier = 1e-20f;  // noise of standard deviation 1e-14
    dp.dp_clip = 1e6f;                 // far above any one user's gradient
    dp.dp_noise_seed = 5;
    const SasrecWeights got = train_sasrec(data, dp);
    REQUIRE(got.tensors.size() == want.tensors.size());
    double worst = 0.0;
    for (size_t t = 0; t < want.tensors.size(); ++t)
        for (size_t e = 0; e < want.tensors[t].size(); ++e)
            worst = std::max(worst, double(std::fabs(got.tensors[t][e] - want.tensors[t][e])));
    // The steps are about 0.5 g: a wrong scale, a missing user or a clipped one would show
    // far above this; what is left is summation order.
    CHECK(worst < 1e-6);
    double moved = 0.0;
    for (size_t e = 0; e < want.tensors[0].size(); ++e) moved = std::max(moved, double(std::fabs(want.tensors[0][e])));
    CHECK(moved > 0.0);

    // With noise the weights move elsewhere, and each noise seed elsewhere again.
    dp.dp_noise_multiplier = 1.0f;
    dp.dp_clip = 1.0f;
    const SasrecWeights noisy = train_sasrec(data, dp);
    dp.dp_noise_seed = 6;
    const SasrecWeights other = train_sasrec(data, dp);
    CHECK(noisy.tensors[0] != want.tensors[0]);
    CHECK(noisy.tensors[0] != other.tensors[0]);
    dp.loss = SasrecLoss::Bce;
    CHECK(contains(error_of([&] { train_sasrec(data, dp); }, "argument"), "--loss ce or sampled"));
}

TEST_CASE("hearth train --model sasrec --dp-epsilon states DP-SGD's guarantee", "[privacy][sasrec][cli]") {
    const auto dir = test::temp_folder("private-sasrec-cli");
    const auto data = dir / "ratings.csv";
    {
        std::ofstream f(data);
        f << "user,item,rating,timestamp\n";
        for (int u = 0; u < 50; ++u)
            for (int i = 0; i < 7; ++i) f << "u" << u << ",i" << (u + i) % 25 << ",1," << i << "\n";
    }
    const std::string out = (dir / "s.hearth").string();
    cli::run_train({"--data", data.string(), "--model", "sasrec", "--out", out, "--dp-epsilon", "3", "--dim", "8",
                    "--max-len", "6", "--batch", "10", "--epochs", "2"});
    std::ifstream in(out, std::ios::binary);
    const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const BundleReader b(bytes.data(), bytes.size());
    const JsonValue meta = parse_json(b.json("meta"));
    const JsonValue& p = *meta.find("privacy");
    CHECK(p.find("private")->as_bool("private"));
    CHECK(contains(p.find("mechanism")->as_string("mechanism"), "DP-SGD"));
    const double q = p.find("sampling_rate")->as_number("q"), z = p.find("noise_multiplier")->as_number("z");
    const double steps = p.find("steps")->as_number("steps"), delta = p.find("delta")->as_number("delta");
    CHECK(q == Approx(10.0 / 50));  // every user has >= 2 training items
    CHECK(steps == 2 * 5);          // 2 epochs of users / batch steps
    CHECK(delta == Approx(0.1 / 50));
    const double eps = sampled_gaussian_epsilon(q, z, steps, delta).epsilon;
    CHECK(eps <= 3.0);
    CHECK(eps > 2.99);
    CHECK(p.find("epsilon")->as_number("epsilon") == Approx(eps));
    CHECK(contains(error_of([&] {
                       cli::run_train({"--data", data.string(), "--model", "sasrec", "--out", out, "--dp-epsilon", "3",
                                       "--dp-max-items", "4"});
                   }, "argument"), "--dp-max-items is for als"));
    std::filesystem::remove_all(dir);
}
