// The SIMD encoder against the double-precision definition (sasrec_reference_encode), and
// its batched leave-one-out pass against encoding each reduced history on its own.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/device/sasrec/encoder.h"
#include "core/device/sasrec/model.h"

using namespace hearth;
using Catch::Matchers::Contains;

namespace {

// Weights at the scale a trained model has: projections ~ 1/sqrt(fan-in) so activations
// stay O(1) through the blocks, layer-norm gains near 1, small biases.
SasrecWeights random_model(const SasrecConfig& c, uint32_t seed) {
    SasrecWeights w(c);
    std::mt19937 rng(seed);
    const auto specs = sasrec_tensor_specs(c);
    for (size_t t = 0; t < specs.size(); ++t) {
        const std::string& name = specs[t].name;
        const bool gain = name.size() > 2 && name.compare(name.size() - 2, 2, ".g") == 0;
        const bool vec = specs[t].rows == 1;
        float range = 1.0f / std::sqrt(static_cast<float>(specs[t].cols));
        if (name == "sasrec.item_emb" || name == "sasrec.pos_emb") range = 0.3f;
        if (vec) range = 0.2f;
        std::uniform_real_distribution<float> u(-range, range);
        for (float& v : w.tensors[t]) v = (gain ? 1.0f : 0.0f) + u(rng);
    }
    return w;
}

SasrecConfig small_config(SasrecVariant variant, Activation act, uint32_t heads) {
    SasrecConfig c;
    c.items = 40;
    c.dim = 16;
    c.heads = heads;
    c.blocks = 2;
    c.max_len = 7;
    c.ffn_dim = 20;  // not a multiple of the SIMD width: the kernels' tails run too
    c.variant = variant;
    c.activation = act;
    c.emb_scale = 4.0f;
    c.ln_eps = 1e-8f;
    return c;
}

std::vector<uint32_t> random_history(size_t n, uint32_t items, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint32_t> h(n);
    for (auto& v : h) v = static_cast<uint32_t>(rng() % items);
    return h;
}

// float encoder vs double reference: a few dozen roundings of O(1) values per output.
constexpr double kEncodeTolerance = 1e-4;

void check_close(const float* got, const std::vector<double>& want, double tol) {
    double scale = 1.0;
    for (double v : want) scale = std::max(scale, std::fabs(v));
    for (size_t i = 0; i < want.size(); ++i) {
        INFO("element " << i << ": " << got[i] << " vs " << want[i]);
        CHECK(std::fabs(got[i] - want[i]) <= tol * scale);
    }
}

}  // namespace

TEST_CASE("encode matches the reference definition", "[sasrec][encoder]") {
    const auto variant = GENERATE(SasrecVariant::PreNorm, SasrecVariant::Original);
    const auto act = GENERATE(Activation::Relu, Activation::Gelu);
    const uint32_t heads = GENERATE(1u, 2u, 4u);
    const SasrecConfig c = small_config(variant, act, heads);
    const SasrecWeights w = random_model(c, 7 + heads);
    const SasrecView view = w.view();
    SasrecEncoder enc(view);
    for (size_t n : {size_t(1), size_t(2), size_t(c.max_len - 1), size_t(c.max_len),
                     size_t(c.max_len + 1), size_t(c.max_len + 9)}) {
        INFO("variant " << int(variant) << " act " << int(act) << " heads " << heads << " n " << n);
        const auto items = random_history(n, c.items, static_cast<uint32_t>(n * 31 + heads));
        const float* z = enc.encode(items.data(), n);
        check_close(z, sasrec_reference_encode(view, items.data(), n), kEncodeTolerance);
    }
}

TEST_CASE("encode matches the reference at the production size", "[sasrec][encoder]") {
    const auto variant = GENERATE(SasrecVariant::PreNorm, SasrecVariant::Original);
    SasrecConfig c = small_config(variant, Activation::Gelu, 2);
    c.items = 500;
    c.dim = 64;
    c.ffn_dim = 64;
    c.max_len = 50;
    c.emb_scale = 8.0f;
    const SasrecWeights w = random_model(c, 99);
    SasrecEncoder enc(w.view());
    for (size_t n : {size_t(1), size_t(33), size_t(50), size_t(80)}) {
        INFO("n " << n);
        const auto items = random_history(n, c.items, static_cast<uint32_t>(n));
        check_close(enc.encode(items.data(), n), sasrec_reference_encode(w.view(), items.data(), n),
                    kEncodeTolerance);
    }
}

TEST_CASE("one block and three blocks also match", "[sasrec][encoder]") {
    const uint32_t blocks = GENERATE(1u, 3u);
    const auto variant = GENERATE(SasrecVariant::PreNorm, SasrecVariant::Original);
    SasrecConfig c = small_config(variant, Activation::Relu, 2);
    c.blocks = blocks;
    const SasrecWeights w = random_model(c, 5 * blocks);
    SasrecEncoder enc(w.view());
    for (size_t n : {size_t(1), size_t(4), size_t(7), size_t(12)}) {
        const auto items = random_history(n, c.items, static_cast<uint32_t>(n + blocks));
        check_close(enc.encode(items.data(), n), sasrec_reference_encode(w.view(), items.data(), n),
                    kEncodeTolerance);
    }
}

TEST_CASE("an empty history encodes to zeros", "[sasrec][encoder]") {
    const SasrecConfig c = small_config(SasrecVariant::PreNorm, Activation::Relu, 2);
    const SasrecWeights w = random_model(c, 1);
    SasrecEncoder enc(w.view());
    const float* z = enc.encode(nullptr, 0);
    REQUIRE(z != nullptr);
    for (uint32_t i = 0; i < c.dim; ++i) CHECK(z[i] == 0.0f);
    size_t heads = 0, len = 99;
    enc.last_attention(heads, len);
    CHECK(len == 0);
    size_t rows = 99;
    enc.encode_leave_one_out(nullptr, 0, rows);
    CHECK(rows == 0);
}

TEST_CASE("leave-one-out rows equal encodings of the reduced histories", "[sasrec][encoder]") {
    const auto variant = GENERATE(SasrecVariant::PreNorm, SasrecVariant::Original);
    const auto act = GENERATE(Activation::Relu, Activation::Gelu);
    const uint32_t heads = GENERATE(1u, 2u, 4u);
    const uint32_t blocks = GENERATE(1u, 2u);
    SasrecConfig c = small_config(variant, act, heads);
    c.blocks = blocks;
    const SasrecWeights w = random_model(c, 3 + heads + 10 * blocks);
    SasrecEncoder enc(w.view());
    SasrecEncoder direct(w.view());
    for (size_t n : {size_t(1), size_t(2), size_t(3), size_t(c.max_len), size_t(c.max_len + 1),
                     size_t(c.max_len + 6)}) {
        const auto items = random_history(n, c.items, static_cast<uint32_t>(n * 17 + heads));
        size_t rows = 0;
        const float* loo = enc.encode_leave_one_out(items.data(), n, rows);
        const size_t m = std::min<size_t>(n, c.max_len);
        REQUIRE(rows == m);
        for (size_t j = 0; j < m; ++j) {
            INFO("variant " << int(variant) << " heads " << heads << " blocks " << blocks << " n "
                            << n << " removed window item " << j);
            std::vector<uint32_t> reduced = items;
            reduced.erase(reduced.begin() + static_cast<std::ptrdiff_t>(n - m + j));
            const float* z = direct.encode(reduced.data(), reduced.size());
            // Same kernels on the same rows, only batched differently: equal to float
            // rounding of a reordered sum at most.
            for (uint32_t i = 0; i < c.dim; ++i)
                CHECK(std::fabs(loo[j * c.dim + i] - z[i]) <= 1e-5f);
            // And against the definition itself.
            check_close(loo + j * c.dim,
                        sasrec_reference_encode(w.view(), reduced.data(), reduced.size()),
                        kEncodeTolerance);
        }
    }
}

TEST_CASE("leave-one-out over several batches gives the same rows", "[sasrec][encoder]") {
    // A wide model with a long window exceeds the stacked-workspace budget, so the variants
    // go through the layers in more than one batch.
    SasrecConfig c = small_config(SasrecVariant::PreNorm, Activation::Relu, 4);
    c.dim = 256;
    c.ffn_dim = 512;
    c.max_len = 120;
    c.items = 300;
    const SasrecWeights w = random_model(c, 11);
    SasrecEncoder enc(w.view()), direct(w.view());
    const auto items = random_history(130, c.items, 5);
    size_t rows = 0;
    const float* loo = enc.encode_leave_one_out(items.data(), items.size(), rows);
    REQUIRE(rows == c.max_len);
    for (size_t j : {size_t(0), size_t(1), size_t(40), size_t(77), size_t(118), size_t(119)}) {
        INFO("removed window item " << j);
        std::vector<uint32_t> reduced = items;
        reduced.erase(reduced.begin() + static_cast<std::ptrdiff_t>(items.size() - rows + j));
        const float* z = direct.encode(reduced.data(), reduced.size());
        for (uint32_t i = 0; i < c.dim; ++i) CHECK(std::fabs(loo[j * c.dim + i] - z[i]) <= 1e-5f);
    }
}

TEST_CASE("leave-one-out at chosen positions gives those variants' rows", "[sasrec][encoder]") {
    const auto variant = GENERATE(SasrecVariant::PreNorm, SasrecVariant::Original);
    const uint32_t heads = GENERATE(1u, 2u);
    SasrecConfig c = small_config(variant, Activation::Gelu, heads);
    c.max_len = 12;
    const SasrecWeights w = random_model(c, 21 + heads);
    SasrecEncoder enc(w.view()), direct(w.view());
    std::mt19937 rng(9);
    for (size_t n : {size_t(1), size_t(5), size_t(12), size_t(15)}) {
        const auto items = random_history(n, c.items, static_cast<uint32_t>(n * 7));
        const size_t m = std::min<size_t>(n, c.max_len);
        for (int trial = 0; trial < 8; ++trial) {
            // A random ascending subset, sometimes with the newest item (P itself), sometimes
            // without it (P is then encoded only for its keys and values).
            std::vector<uint32_t> positions;
            for (uint32_t j = 0; j < m; ++j)
                if (rng() % 3 == 0) positions.push_back(j);
            const float* loo = enc.encode_leave_one_out_at(items.data(), n, positions.data(), positions.size());
            for (size_t r = 0; r < positions.size(); ++r) {
                INFO("n " << n << " trial " << trial << " position " << positions[r]);
                std::vector<uint32_t> reduced = items;
                reduced.erase(reduced.begin() + static_cast<std::ptrdiff_t>(n - m + positions[r]));
                const float* z = direct.encode(reduced.data(), reduced.size());
                for (uint32_t i = 0; i < c.dim; ++i) CHECK(std::fabs(loo[r * c.dim + i] - z[i]) <= 1e-5f);
            }
        }
    }
    const auto items = random_history(10, c.items, 3);
    const uint32_t unordered[] = {4, 2};
    const uint32_t past[] = {3, 10};
    CHECK_THROWS_WITH(enc.encode_leave_one_out_at(items.data(), 10, unordered, 2), Contains("must ascend"));
    CHECK_THROWS_WITH(enc.encode_leave_one_out_at(items.data(), 10, past, 2), Contains("window of 10"));
}

TEST_CASE("items outside the catalog are rejected", "[sasrec][encoder]") {
    const SasrecConfig c = small_config(SasrecVariant::Original, Activation::Relu, 1);
    const SasrecWeights w = random_model(c, 2);
    SasrecEncoder enc(w.view());
    const std::vector<uint32_t> bad = {1, 2, c.items, 3};
    size_t rows = 0;
    CHECK_THROWS_WITH(enc.encode(bad.data(), bad.size()),
                      Contains("item 40 (position 2)") && Contains("catalog of 40 items"));
    CHECK_THROWS_WITH(enc.encode_leave_one_out(bad.data(), bad.size(), rows), Contains("item 40"));
    try {
        enc.encode(bad.data(), bad.size());
    } catch (const Error& e) {
        CHECK(e.code() == "argument");
    }
    // Still usable afterwards.
    const std::vector<uint32_t> good = {1, 2, 3};
    check_close(enc.encode(good.data(), good.size()),
                sasrec_reference_encode(w.view(), good.data(), good.size()), kEncodeTolerance);
}

TEST_CASE("an incomplete view is rejected", "[sasrec][encoder]") {
    const SasrecConfig c = small_config(SasrecVariant::PreNorm, Activation::Relu, 1);
    const SasrecWeights w = random_model(c, 2);
    SasrecView v = w.view();
    v.blocks.pop_back();
    CHECK_THROWS_WITH(SasrecEncoder(v), Contains("missing tensors"));
    v = w.view();
    v.config.heads = 3;  // does not divide dim
    CHECK_THROWS_WITH(SasrecEncoder(v), Contains("heads"));
}

TEST_CASE("last attention holds the last position's weights per head", "[sasrec][encoder]") {
    const auto variant = GENERATE(SasrecVariant::PreNorm, SasrecVariant::Original);
    SasrecConfig c = small_config(variant, Activation::Relu, 2);
    c.blocks = 1;
    const SasrecWeights w = random_model(c, 21);
    const SasrecView m = w.view();
    SasrecEncoder enc(m);
    const auto items = random_history(10, c.items, 3);
    enc.encode(items.data(), items.size());
    size_t heads = 0, len = 0;
    const float* a = enc.last_attention(heads, len);
    REQUIRE(heads == 2);
    REQUIRE(len == c.max_len);

    // With one block the weights follow from the definition directly: softmax over the
    // window of q_last . k_s / sqrt(dh), q from LN1, k from LN1 (PreNorm) or the input.
    const size_t d = c.dim, dh = c.head_dim(), L = len, first = items.size() - L;
    std::vector<std::vector<double>> h(L, std::vector<double>(d)), x = h;
    for (size_t j = 0; j < L; ++j)
        for (size_t i = 0; i < d; ++i)
            h[j][i] = double(m.item_emb[items[first + j] * d + i]) * c.emb_scale +
                      m.pos_emb[(c.max_len - L + j) * d + i];
    const SasrecBlockView& bl = m.blocks[0];
    for (size_t j = 0; j < L; ++j) {
        double mean = 0, var = 0;
        for (double v : h[j]) mean += v / double(d);
        for (double v : h[j]) var += (v - mean) * (v - mean) / double(d);
        for (size_t i = 0; i < d; ++i)
            x[j][i] = (h[j][i] - mean) / std::sqrt(var + c.ln_eps) * bl.ln1_g[i] + bl.ln1_b[i];
    }
    const auto& kin = variant == SasrecVariant::PreNorm ? x : h;
    auto project = [&](const std::vector<double>& row, const float* W, const float* B) {
        std::vector<double> y(d);
        for (size_t o = 0; o < d; ++o) {
            y[o] = B[o];
            for (size_t i = 0; i < d; ++i) y[o] += double(W[o * d + i]) * row[i];
        }
        return y;
    };
    const auto q = project(x[L - 1], bl.wq, bl.bq);
    for (size_t hd = 0; hd < heads; ++hd) {
        std::vector<double> s(L);
        double mx = -1e300, sum = 0, total = 0;
        for (size_t j = 0; j < L; ++j) {
            const auto k = project(kin[j], bl.wk, bl.bk);
            s[j] = 0;
            for (size_t i = hd * dh; i < (hd + 1) * dh; ++i) s[j] += q[i] * k[i];
            s[j] /= std::sqrt(double(dh));
            mx = std::max(mx, s[j]);
        }
        for (double& v : s) sum += (v = std::exp(v - mx));
        for (size_t j = 0; j < L; ++j) {
            CHECK(std::fabs(a[hd * L + j] - s[j] / sum) <= 1e-5);
            total += a[hd * L + j];
        }
        CHECK(std::fabs(total - 1.0) <= 1e-5);
    }
    // Leave-one-out does not replace it.
    size_t rows = 0;
    enc.encode_leave_one_out(items.data(), 3, rows);
    enc.last_attention(heads, len);
    CHECK(len == c.max_len);
}

TEST_CASE("encoder timings", "[.bench][sasrec]") {
    SasrecConfig c;
    c.items = 10000;
    c.dim = 64;
    c.heads = 2;
    c.blocks = 2;
    c.max_len = 50;
    c.ffn_dim = 64;
    c.variant = SasrecVariant::PreNorm;
    c.activation = Activation::Gelu;
    c.emb_scale = 8.0f;
    const SasrecWeights w = random_model(c, 1);
    SasrecEncoder enc(w.view());
    const auto items = random_history(200, c.items, 2);
    using Clock = std::chrono::steady_clock;
    auto time_ms = [](auto&& fn, int reps) {
        fn();  // warm up
        std::vector<double> t(reps);
        for (int r = 0; r < reps; ++r) {
            const auto start = Clock::now();
            fn();
            t[r] = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        }
        std::sort(t.begin(), t.end());
        return std::make_pair(t[reps / 2], t[reps * 95 / 100]);
    };
    volatile float sink = 0;
    for (size_t n : {size_t(10), size_t(50), size_t(200)}) {
        const auto e = time_ms([&] { sink = sink + enc.encode(items.data(), n)[0]; }, 200);
        size_t rows = 0;
        const auto l =
            time_ms([&] { sink = sink + enc.encode_leave_one_out(items.data(), n, rows)[0]; }, 40);
        std::printf(
            "sasrec d=64 blocks=2 heads=2 n=%zu: encode p50 %.3f ms p95 %.3f ms; "
            "leave-one-out (%zu variants) p50 %.2f ms p95 %.2f ms\n",
            n, e.first, e.second, rows, l.first, l.second);
    }
}
