// Every hand-written backward of the SASRec trainer against central finite differences,
// in double precision: each layer alone, each loss, and the whole model (every tensor).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>

#include "core/common/rng.h"
#include "core/train/nn/layers.h"
#include "core/train/nn/losses.h"
#include "core/train/sasrec/sasrec_net.h"

using namespace hearth;
using namespace hearth::train;
using Mat = Tensor<double>;

namespace {

Mat random_matrix(size_t rows, size_t cols, SplitMix64& rng, double scale = 1.0) {
    Mat m(rows, cols);
    for (double& v : m.values) v = scale * rng.normal();
    return m;
}

std::vector<double> random_vector(size_t n, SplitMix64& rng, double mean = 0.0, double sd = 1.0) {
    std::vector<double> v(n);
    for (double& x : v) x = mean + sd * rng.normal();
    return v;
}

// d f / d x[i] by central differences, for every i, against `analytic`.
void check_gradient(double* x, size_t n, const double* analytic, const std::function<double()>& f,
                    const std::string& what, double h = 1e-5, double tol = 1e-6) {
    for (size_t i = 0; i < n; ++i) {
        const double saved = x[i];
        x[i] = saved + h;
        const double up = f();
        x[i] = saved - h;
        const double down = f();
        x[i] = saved;
        const double numeric = (up - down) / (2 * h);
        const double scale = std::max({1.0, std::abs(numeric), std::abs(analytic[i])});
        INFO(what << "[" << i << "]: analytic " << analytic[i] << ", numeric " << numeric);
        REQUIRE(std::abs(analytic[i] - numeric) <= tol * scale);
    }
}

double dot(const Mat& a, const Mat& b) {
    double s = 0.0;
    for (size_t i = 0; i < a.size(); ++i) s += a.values[i] * b.values[i];
    return s;
}

std::vector<double> row_of(const Mat& m, size_t r) { return {m.row(r), m.row(r) + m.cols}; }

// Three sequences of lengths 3, 1, 4 out of max_len 5: two of them padded in a
// left-padded layout.
PackedBatch small_batch(uint32_t items, SplitMix64& rng) {
    PackedBatch b(5);
    for (size_t n : {3u, 1u, 4u}) {
        std::vector<uint32_t> in(n), tg(n);
        for (size_t j = 0; j < n; ++j) {
            in[j] = rng.below(items);
            tg[j] = rng.below(items);
        }
        b.add(in.data(), tg.data(), n, rng.next());
    }
    return b;
}

}  // namespace

TEST_CASE("PackedBatch keeps the last max_len items at the last positions", "[sasrec][train]") {
    PackedBatch b(4);
    const uint32_t seq[] = {10, 11, 12, 13, 14, 15}, tg[] = {11, 12, 13, 14, 15, 16};
    b.add(seq, tg, 6, 1);
    b.add(seq, tg, 2, 2);
    REQUIRE(b.sequences() == 2);
    REQUIRE(b.items == std::vector<uint32_t>{12, 13, 14, 15, 10, 11});
    REQUIRE(b.targets == std::vector<uint32_t>{13, 14, 15, 16, 11, 12});
    REQUIRE(b.positions == std::vector<uint32_t>{0, 1, 2, 3, 2, 3});
    REQUIRE(b.offsets == std::vector<uint32_t>{0, 4, 6});
}

TEST_CASE("linear backward matches finite differences", "[sasrec][grad]") {
    SplitMix64 rng(1);
    Mat x = random_matrix(5, 4, rng), r = random_matrix(5, 3, rng);
    auto w = random_vector(12, rng), b = random_vector(3, rng);
    auto f = [&] {
        Mat y;
        linear_forward(x, w.data(), b.data(), 3, y);
        return dot(y, r);
    };
    Mat dx;
    std::vector<double> dw(12, 0.0), db(3, 0.0);
    linear_backward(x, r, w.data(), &dx, dw.data(), db.data());
    check_gradient(x.data(), x.size(), dx.data(), f, "dx");
    check_gradient(w.data(), w.size(), dw.data(), f, "dW");
    check_gradient(b.data(), b.size(), db.data(), f, "db");
}

TEST_CASE("layer norm backward matches finite differences", "[sasrec][grad]") {
    SplitMix64 rng(2);
    Mat x = random_matrix(4, 6, rng, 2.0), r = random_matrix(4, 6, rng);
    auto g = random_vector(6, rng, 1.0, 0.3), b = random_vector(6, rng);
    auto f = [&] {
        Mat y;
        LayerNormCache<double> c;
        layer_norm_forward(x, g.data(), b.data(), 1e-6, y, c);
        return dot(y, r);
    };
    Mat y, dx;
    LayerNormCache<double> c;
    layer_norm_forward(x, g.data(), b.data(), 1e-6, y, c);
    std::vector<double> dg(6, 0.0), db(6, 0.0);
    layer_norm_backward(r, g.data(), c, dx, dg.data(), db.data());
    check_gradient(x.data(), x.size(), dx.data(), f, "dx");
    check_gradient(g.data(), g.size(), dg.data(), f, "dg");
    check_gradient(b.data(), b.size(), db.data(), f, "db");
}

TEST_CASE("activation backward matches finite differences", "[sasrec][grad]") {
    for (Activation a : {Activation::Relu, Activation::Gelu}) {
        SplitMix64 rng(3);
        Mat x = random_matrix(4, 5, rng, 2.0), r = random_matrix(4, 5, rng);
        for (double& v : x.values)  // keep clear of ReLU's kink
            if (std::abs(v) < 1e-2) v = 0.5;
        auto f = [&] {
            Mat y;
            activation_forward(a, x, y);
            return dot(y, r);
        };
        Mat dx;
        activation_backward(a, x, r, dx);
        check_gradient(x.data(), x.size(), dx.data(), f,
                       a == Activation::Relu ? "relu" : "gelu");
    }
}

TEST_CASE("GELU is the tanh approximation", "[sasrec][train]") {
    Mat x(1, 3), y;
    x.values = {-1.0, 0.0, 2.0};
    activation_forward(Activation::Gelu, x, y);
    CHECK(y(0, 0) == Approx(-0.15880800939172324).epsilon(1e-12));
    CHECK(y(0, 1) == 0.0);
    CHECK(y(0, 2) == Approx(1.9545976940871754).epsilon(1e-12));
}

TEST_CASE("dropout is inverted, seeded per sequence and its own backward", "[sasrec][grad]") {
    SplitMix64 rng(4);
    PackedBatch both = small_batch(9, rng);
    DropoutMask<double> m;
    make_dropout_mask(both, 7, 0.25f, 64, m);
    REQUIRE(m.active());
    size_t kept = 0;
    for (double s : m.scale.values) {
        REQUIRE((s == 0.0 || s == Approx(1.0 / 0.75)));
        kept += s != 0.0;
    }
    const double keep_rate = double(kept) / double(m.scale.size());
    CHECK(keep_rate > 0.6);
    CHECK(keep_rate < 0.9);

    // The third sequence alone gets the mask it had inside the batch.
    PackedBatch alone(5);
    alone.add(both.items.data() + both.offsets[2], nullptr, both.length(2), both.seeds[2]);
    DropoutMask<double> m3;
    make_dropout_mask(alone, 7, 0.25f, 64, m3);
    const size_t tail = size_t(both.length(2)) * 64;
    REQUIRE(std::equal(m3.scale.values.begin(), m3.scale.values.end(), m.scale.values.end() - long(tail)));

    Mat x = random_matrix(both.rows(), 64, rng), r = random_matrix(x.rows, 64, rng);
    auto f = [&] {
        Mat y = x;
        apply_dropout(m, y);
        return dot(y, r);
    };
    Mat dx = r;
    apply_dropout(m, dx);
    check_gradient(x.data(), x.size(), dx.data(), f, "dx");

    make_dropout_mask(both, 7, 0.0f, 64, m);
    CHECK_FALSE(m.active());
}

TEST_CASE("embedding backward matches finite differences", "[sasrec][grad]") {
    SplitMix64 rng(5);
    const uint32_t items = 4, dim = 3;  // few items: rows repeat within the batch
    PackedBatch batch = small_batch(items, rng);
    auto emb = random_vector(items * dim, rng), pos = random_vector(5 * dim, rng);
    Mat r = random_matrix(batch.rows(), dim, rng);
    auto f = [&] {
        Mat h;
        embedding_forward(batch, emb.data(), pos.data(), dim, 2.5, h);
        return dot(h, r);
    };
    std::vector<double> de(emb.size(), 0.0), dp(pos.size(), 0.0);
    embedding_backward(batch, r, 2.5, de.data(), dp.data());
    check_gradient(emb.data(), emb.size(), de.data(), f, "d item_emb");
    check_gradient(pos.data(), pos.size(), dp.data(), f, "d pos_emb");
}

TEST_CASE("causal attention backward matches finite differences", "[sasrec][grad]") {
    SplitMix64 rng(6);
    PackedBatch batch = small_batch(9, rng);
    const size_t n = batch.rows();
    Mat q = random_matrix(n, 4, rng), k = random_matrix(n, 4, rng), v = random_matrix(n, 4, rng);
    Mat r = random_matrix(n, 4, rng);
    auto f = [&] {
        Mat out;
        AttentionCache<double> c;
        attention_forward(batch, 2, q, k, v, out, c);
        return dot(out, r);
    };
    Mat out, dq, dk, dv;
    AttentionCache<double> c;
    attention_forward(batch, 2, q, k, v, out, c);
    attention_backward(batch, 2, q, k, v, c, r, dq, dk, dv);
    check_gradient(q.data(), q.size(), dq.data(), f, "dq");
    check_gradient(k.data(), k.size(), dk.data(), f, "dk");
    check_gradient(v.data(), v.size(), dv.data(), f, "dv");
}

TEST_CASE("attention sees only earlier rows of its own sequence", "[sasrec][train]") {
    SplitMix64 rng(7);
    PackedBatch batch = small_batch(9, rng);
    const size_t n = batch.rows();
    Mat q = random_matrix(n, 4, rng), k = random_matrix(n, 4, rng), v = random_matrix(n, 4, rng);
    Mat before, after;
    AttentionCache<double> c;
    attention_forward(batch, 2, q, k, v, before, c);
    // Change the last row of the first sequence (row 2) and the whole third (rows 4..7).
    for (size_t row : {2u, 4u, 5u, 6u, 7u})
        for (size_t j = 0; j < 4; ++j) {
            k(row, j) = rng.normal();
            v(row, j) = rng.normal();
        }
    attention_forward(batch, 2, q, k, v, after, c);
    CHECK(row_of(before, 0) == row_of(after, 0));
    CHECK(row_of(before, 1) == row_of(after, 1));
    CHECK(row_of(before, 3) == row_of(after, 3));
    CHECK(row_of(before, 2) != row_of(after, 2));
    // The first row of each sequence attends to itself only: out = v.
    for (size_t j = 0; j < 4; ++j) CHECK(after(4, j) == Approx(v(4, j)).epsilon(1e-12));
}

// ---- losses ----

namespace {

struct LossCase {
    Mat z;
    std::vector<double> emb;
    std::vector<uint32_t> targets;
};

LossCase loss_case(uint32_t items, uint32_t dim, size_t rows, SplitMix64& rng) {
    LossCase c{random_matrix(rows, dim, rng), random_vector(size_t(items) * dim, rng, 0.0, 0.5), {}};
    for (size_t i = 0; i < rows; ++i) c.targets.push_back(rng.below(items));
    return c;
}

void check_loss(LossCase& c, const std::function<double(Mat&, std::vector<double>&)>& loss,
                const std::string& what) {
    auto f = [&] {
        Mat dz;
        std::vector<double> de(c.emb.size(), 0.0);
        return loss(dz, de);
    };
    Mat dz;
    std::vector<double> de(c.emb.size(), 0.0);
    loss(dz, de);
    check_gradient(c.z.data(), c.z.size(), dz.data(), f, what + " dz");
    check_gradient(c.emb.data(), c.emb.size(), de.data(), f, what + " d item_emb");
}

}  // namespace

TEST_CASE("full softmax loss: value and gradients", "[sasrec][grad]") {
    SplitMix64 rng(8);
    LossCase c = loss_case(7, 4, 5, rng);
    // Chunks of 2 rows over 5: the chunking is covered too.
    auto loss = [&](Mat& dz, std::vector<double>& de) {
        return 0.2 * full_softmax_loss(c.z, c.emb.data(), 7, c.targets.data(), 0.2, dz,
                                       de.data(), 2);
    };
    check_loss(c, loss, "full softmax");

    Mat dz;
    std::vector<double> de(c.emb.size(), 0.0);
    double expected = 0.0;
    for (size_t i = 0; i < 5; ++i) {
        double sum = 0.0, target = 0.0;
        for (uint32_t j = 0; j < 7; ++j) {
            double s = 0.0;
            for (uint32_t d = 0; d < 4; ++d) s += c.z(i, d) * c.emb[j * 4 + d];
            sum += std::exp(s);
            if (j == c.targets[i]) target = s;
        }
        expected += std::log(sum) - target;
    }
    CHECK(full_softmax_loss(c.z, c.emb.data(), 7, c.targets.data(), 1.0, dz, de.data()) ==
          Approx(expected).epsilon(1e-12));
}

TEST_CASE("sampled softmax loss with logQ: gradients, accidental hits", "[sasrec][grad]") {
    SplitMix64 rng(9);
    LossCase c = loss_case(8, 4, 5, rng);
    std::vector<double> log_q;
    for (uint32_t i = 0; i < 8; ++i) log_q.push_back(std::log((i + 1.0) / 36.0));
    // A duplicate negative and the first row's own target among the negatives.
    std::vector<uint32_t> negatives = {1, 5, 5, c.targets[0], 7};
    auto loss = [&](Mat& dz, std::vector<double>& de) {
        return 0.2 * sampled_softmax_loss(c.z, c.emb.data(), 4, c.targets.data(), negatives,
                                          log_q, 0.2, dz, de.data());
    };
    check_loss(c, loss, "sampled softmax");

    // The accidental hit changes nothing for its row: same loss as without that negative.
    LossCase one{Mat(1, 4), c.emb, {c.targets[0]}};
    std::copy(c.z.row(0), c.z.row(0) + 4, one.z.data());
    std::vector<uint32_t> without;
    for (uint32_t n : negatives)
        if (n != c.targets[0]) without.push_back(n);
    Mat dz;
    std::vector<double> de(c.emb.size(), 0.0);
    const double with_hit = sampled_softmax_loss(one.z, one.emb.data(), 4, one.targets.data(),
                                                 negatives, log_q, 1.0, dz, de.data());
    const double no_hit = sampled_softmax_loss(one.z, one.emb.data(), 4, one.targets.data(),
                                               without, log_q, 1.0, dz, de.data());
    CHECK(with_hit == Approx(no_hit).epsilon(1e-12));
}

TEST_CASE("BCE loss: gradients", "[sasrec][grad]") {
    SplitMix64 rng(10);
    LossCase c = loss_case(6, 4, 5, rng);
    std::vector<uint32_t> negatives;
    for (uint32_t t : c.targets) negatives.push_back((t + 1) % 6);
    auto loss = [&](Mat& dz, std::vector<double>& de) {
        return 0.2 * bce_loss(c.z, c.emb.data(), c.targets.data(), negatives.data(), 0.2, dz,
                              de.data());
    };
    check_loss(c, loss, "bce");
}

// ---- the whole model ----

namespace {

SasrecConfig tiny_config(SasrecVariant variant, Activation act) {
    SasrecConfig c;
    c.items = 7;
    c.dim = 8;
    c.heads = 2;
    c.blocks = 2;
    c.max_len = 5;
    c.ffn_dim = 6;
    c.variant = variant;
    c.activation = act;
    c.emb_scale = 1.5f;
    return c;
}

Params<double> random_params(const SasrecConfig& c, SplitMix64& rng) {
    Params<double> p(c);
    const auto specs = sasrec_tensor_specs(c);
    for (size_t i = 0; i < specs.size(); ++i) {
        const bool gain = specs[i].name.back() == 'g' && specs[i].name[specs[i].name.size() - 2] == '.';
        for (double& v : p.tensors[i]) v = gain ? 1.0 + 0.3 * rng.normal() : 0.4 * rng.normal();
    }
    return p;
}

// Lengths 5, 2, 3, 1 and 7 (cut to the last 5): padding in every padded layout.
PackedBatch model_batch(uint32_t items, SplitMix64& rng) {
    PackedBatch b(5);
    for (size_t n : {5u, 2u, 3u, 1u, 7u}) {
        std::vector<uint32_t> seq(n + 1);
        for (uint32_t& s : seq) s = rng.below(items);
        b.add(seq.data(), seq.data() + 1, n, rng.next());
    }
    return b;
}

enum class LossKind { Full, Sampled, Bce };

double model_loss(const Params<double>& p, const PackedBatch& batch, float dropout, LossKind kind,
                  Params<double>* grads) {
    SasrecNet<double> enc;
    const Mat& z = enc.forward(p, batch, dropout);
    const double weight = 1.0 / double(batch.rows());
    Mat dz;
    Params<double> g(p.config);
    double* de = g.at(kItemEmb);
    const double* emb = p.at(kItemEmb);
    double loss = 0.0;
    if (kind == LossKind::Full) {
        loss = full_softmax_loss(z, emb, p.config.items, batch.targets.data(), weight, dz, de, 3);
    } else if (kind == LossKind::Sampled) {
        std::vector<double> log_q(p.config.items, std::log(1.0 / p.config.items));
        log_q[2] = std::log(0.3);
        loss = sampled_softmax_loss(z, emb, p.config.dim, batch.targets.data(), {0, 2, 2, 5},
                                    log_q, weight, dz, de);
    } else {
        std::vector<uint32_t> neg;
        for (uint32_t t : batch.targets) neg.push_back((t + 3) % p.config.items);
        loss = bce_loss(z, emb, batch.targets.data(), neg.data(), weight, dz, de);
    }
    if (grads) {
        enc.backward(p, batch, dz, g);
        *grads = g;
    }
    return loss * weight;
}

void check_model(SasrecVariant variant, Activation act, float dropout, LossKind kind) {
    const SasrecConfig c = tiny_config(variant, act);
    SplitMix64 rng(11 + uint64_t(variant) * 2 + uint64_t(act));
    Params<double> p = random_params(c, rng);
    const PackedBatch batch = model_batch(c.items, rng);
    Params<double> grads(c);
    model_loss(p, batch, dropout, kind, &grads);
    const auto specs = sasrec_tensor_specs(c);
    for (size_t i = 0; i < specs.size(); ++i)
        check_gradient(p.at(i), p.tensors[i].size(), grads.at(i),
                       [&] { return model_loss(p, batch, dropout, kind, nullptr); },
                       specs[i].name, 1e-5, 2e-6);
}

}  // namespace

TEST_CASE("whole-model gradient of every tensor matches finite differences", "[sasrec][grad]") {
    for (SasrecVariant v : {SasrecVariant::PreNorm, SasrecVariant::Original})
        for (Activation a : {Activation::Relu, Activation::Gelu}) {
            INFO("variant " << int(v) << ", activation " << int(a));
            check_model(v, a, 0.0f, LossKind::Full);
        }
}

TEST_CASE("whole-model gradient with dropout and the other losses", "[sasrec][grad]") {
    check_model(SasrecVariant::PreNorm, Activation::Gelu, 0.3f, LossKind::Full);
    check_model(SasrecVariant::Original, Activation::Relu, 0.3f, LossKind::Full);
    check_model(SasrecVariant::PreNorm, Activation::Relu, 0.0f, LossKind::Sampled);
    check_model(SasrecVariant::Original, Activation::Gelu, 0.2f, LossKind::Bce);
}
