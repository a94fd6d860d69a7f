#include "core/train/export/pq.h"

// Eigen's AVX-512 paths trip GCC 12's maybe-uninitialized analysis (as in content_model.cpp).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Dense>
#pragma GCC diagnostic pop

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/data/json.h"
#include "core/device/kernels/pq.h"
#include "core/device/kernels/quant.h"

namespace hearth {

std::vector<uint32_t> pq_subspace_bounds(uint32_t dim, uint32_t subspaces, bool last_alone) {
    if (subspaces == 0 || subspaces > kPqMaxSubspaces)
        throw Error("argument", "PQ needs 1.." + std::to_string(kPqMaxSubspaces) + " subspaces, got " +
                                    std::to_string(subspaces));
    const uint32_t shared = last_alone ? dim - 1 : dim;
    const uint32_t parts = last_alone ? subspaces - 1 : subspaces;
    if (dim < subspaces || (last_alone && (dim < 2 || parts == 0)))
        throw Error("argument", std::to_string(subspaces) + " PQ subspaces need at least as many dims; the table has " +
                                    std::to_string(dim) + (last_alone ? " (factors + the item bias)" : ""));
    std::vector<uint32_t> bounds(subspaces + 1);
    for (uint32_t m = 0; m <= parts; ++m)
        bounds[m] = static_cast<uint32_t>(static_cast<uint64_t>(m) * shared / parts);
    if (last_alone) bounds[subspaces] = dim;
    return bounds;
}

namespace {

double sq_dist(const float* a, const float* b, size_t w) {
    double s = 0.0;
    for (size_t j = 0; j < w; ++j) {
        const double d = double(a[j]) - double(b[j]);
        s += d * d;
    }
    return s;
}

// The nearest of K centroids (w floats each): lowest index on ties.
uint32_t nearest(const float* x, const float* centroids, size_t w, double& best) {
    uint32_t arg = 0;
    best = std::numeric_limits<double>::infinity();
    for (uint32_t c = 0; c < kPqCentroids; ++c) {
        const double d = sq_dist(x, centroids + c * w, w);
        if (d < best) best = d, arg = c;
    }
    return arg;
}

}  // namespace

std::vector<float> pq_kmeans(const float* rows, size_t n, size_t dim, uint32_t lo, uint32_t hi,
                             const std::vector<uint32_t>& sample, uint64_t seed, uint32_t iterations) {
    const size_t w = hi - lo, s = sample.size(), K = kPqCentroids;
    std::vector<float> centroids(K * w, 0.0f);
    if (s == 0 || w == 0 || n == 0) return centroids;
    std::vector<float> points(s * w);
    for (size_t i = 0; i < s; ++i)
        std::copy(rows + size_t(sample[i]) * dim + lo, rows + size_t(sample[i]) * dim + hi, &points[i * w]);

    // k-means++: each next seed drawn with probability proportional to its squared distance
    // to the nearest seed so far (the next point in order when every point is covered).
    SplitMix64 rng(seed);
    std::vector<double> d2(s);
    size_t pick = rng.below(static_cast<uint32_t>(s));
    std::copy(&points[pick * w], &points[pick * w] + w, &centroids[0]);
    for (size_t i = 0; i < s; ++i) d2[i] = sq_dist(&points[i * w], &centroids[0], w);
    for (size_t c = 1; c < K; ++c) {
        double total = 0.0;
        for (double v : d2) total += v;
        if (total > 0.0) {
            double r = rng.uniform() * total;
            pick = s - 1;
            for (size_t i = 0; i < s; ++i) {
                if (d2[i] <= 0.0) continue;
                r -= d2[i];
                if (r < 0.0) {
                    pick = i;
                    break;
                }
            }
        } else {
            pick = c % s;
        }
        std::copy(&points[pick * w], &points[pick * w] + w, &centroids[c * w]);
        for (size_t i = 0; i < s; ++i) d2[i] = std::min(d2[i], sq_dist(&points[i * w], &centroids[c * w], w));
    }

    std::vector<uint32_t> assign(s);
    std::vector<double> dist(s), sums(K * w);
    std::vector<size_t> counts(K);
    for (uint32_t it = 0; it < iterations; ++it) {
        std::fill(sums.begin(), sums.end(), 0.0);
        std::fill(counts.begin(), counts.end(), 0);
        for (size_t i = 0; i < s; ++i) {
            assign[i] = nearest(&points[i * w], centroids.data(), w, dist[i]);
            ++counts[assign[i]];
            for (size_t j = 0; j < w; ++j) sums[assign[i] * w + j] += points[i * w + j];
        }
        for (size_t c = 0; c < K; ++c) {
            if (counts[c] > 0) {
                for (size_t j = 0; j < w; ++j)
                    centroids[c * w + j] = static_cast<float>(sums[c * w + j] / double(counts[c]));
                continue;
            }
            // An empty cluster restarts at the worst-served point (lowest index on ties),
            // which is then taken so that two empty clusters do not land on the same point.
            size_t worst = 0;
            for (size_t i = 1; i < s; ++i)
                if (dist[i] > dist[worst]) worst = i;
            std::copy(&points[worst * w], &points[worst * w] + w, &centroids[c * w]);
            dist[worst] = -1.0;
        }
    }
    return centroids;
}

PqCodebook pq_train(const float* rows, size_t n, size_t dim, const std::vector<uint32_t>& bounds,
                    const PqTrainOptions& options) {
    const size_t S = bounds.size() - 1;
    PqCodebook book;
    book.bounds = bounds;
    book.centroids.assign(kPqCentroids * dim, 0.0f);
    book.codes.assign(n * S, 0);

    // One sample of rows for every subspace, in row order: the largest rows by norm (a
    // quarter of it: the items that reach top-k lists, whose extreme coordinates a random
    // sample would leave to the outermost centroids), then a seeded uniform draw of the
    // others (partial Fisher-Yates).
    std::vector<uint32_t> sample(n);
    for (size_t i = 0; i < n; ++i) sample[i] = static_cast<uint32_t>(i);
    if (n > options.max_samples) {
        std::vector<double> norm(n, 0.0);
        for (size_t i = 0; i < n; ++i)
            for (size_t j = 0; j < dim; ++j) norm[i] += double(rows[i * dim + j]) * rows[i * dim + j];
        const size_t top = options.max_samples / 4;
        std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(top), sample.end(),
                         [&](uint32_t a, uint32_t b) { return norm[a] > norm[b] || (norm[a] == norm[b] && a < b); });
        std::sort(sample.begin() + static_cast<std::ptrdiff_t>(top), sample.end());  // a fixed order to draw from
        SplitMix64 rng(mix_seed(options.seed, 0x7071u));  // "pq"
        for (size_t i = top; i < options.max_samples; ++i) {
            const size_t j = i + rng.below(static_cast<uint32_t>(n - i));
            std::swap(sample[i], sample[j]);
        }
        sample.resize(options.max_samples);
        std::sort(sample.begin(), sample.end());
    }

    std::vector<float> row(dim);
    for (size_t m = 0; m < S; ++m) {
        const uint32_t lo = bounds[m], hi = bounds[m + 1];
        const size_t w = hi - lo;
        const std::vector<float> c =
            pq_kmeans(rows, n, dim, lo, hi, sample, mix_seed(options.seed, m), options.iterations);
        for (size_t k = 0; k < kPqCentroids; ++k)
            std::copy(&c[k * w], &c[k * w] + w, &book.centroids[k * dim + lo]);
        double unused;
        for (size_t i = 0; i < n; ++i)
            book.codes[i * S + m] = static_cast<uint8_t>(nearest(rows + i * dim + lo, c.data(), w, unused));
    }
    return book;
}

std::vector<float> pq_reconstruct(const PqCodebook& book, size_t n, size_t dim) {
    const size_t S = book.bounds.size() - 1;
    std::vector<float> out(n * dim);
    for (size_t i = 0; i < n; ++i)
        for (size_t m = 0; m < S; ++m) {
            const uint8_t c = book.codes[i * S + m];
            for (uint32_t j = book.bounds[m]; j < book.bounds[m + 1]; ++j)
                out[i * dim + j] = book.centroids[c * dim + j];
        }
    return out;
}

namespace {

// The rows the engine re-scores with, as floats: fp32, or int8 codes times their scales
// (the same products the engine dequantizes), with an explicit MF model's item bias
// appended as one more dim.
std::vector<float> exact_rows(const BundleReader& b, const std::string& f32_name, const std::string& i8_name,
                              const std::string& scales_name, const float* bias, uint32_t& n, uint32_t& dim) {
    const bool int8 = !b.has(f32_name) && b.has(i8_name);
    const SectionInfo& s = b.section(int8 ? i8_name : f32_name);
    n = s.rows;
    const uint32_t d = s.cols;
    dim = d + (bias ? 1 : 0);
    std::vector<float> rows(size_t(n) * dim);
    if (int8) {
        const Span<int8_t> codes = b.i8(i8_name, n, d);
        const Span<float> scales = b.f32(scales_name, n, 1);
        for (uint32_t i = 0; i < n; ++i)
            dequantize_row_i8(codes.data + size_t(i) * d, scales[i], d, &rows[size_t(i) * dim]);
    } else {
        const Span<float> t = b.f32(f32_name, n, d);
        for (uint32_t i = 0; i < n; ++i) std::copy(t.data + size_t(i) * d, t.data + size_t(i + 1) * d, &rows[size_t(i) * dim]);
    }
    if (bias)
        for (uint32_t i = 0; i < n; ++i) rows[size_t(i) * dim + d] = bias[i];
    return rows;
}

// Mean and population covariance of the rows, in double, chunk by chunk.
void moments(const std::vector<float>& rows, uint32_t n, uint32_t dim, std::vector<float>& mean,
             std::vector<float>& cov) {
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(dim);
    for (uint32_t i = 0; i < n; ++i)
        for (uint32_t j = 0; j < dim; ++j) sum[j] += rows[size_t(i) * dim + j];
    const Eigen::VectorXd mu = n ? Eigen::VectorXd(sum / double(n)) : Eigen::VectorXd::Zero(dim);
    Eigen::MatrixXd c = Eigen::MatrixXd::Zero(dim, dim);
    constexpr uint32_t kChunk = 4096;
    Eigen::MatrixXd x(kChunk, dim);
    for (uint32_t start = 0; start < n; start += kChunk) {
        const uint32_t m = std::min(kChunk, n - start);
        for (uint32_t i = 0; i < m; ++i)
            for (uint32_t j = 0; j < dim; ++j) x(i, j) = rows[size_t(start + i) * dim + j] - mu[j];
        c.noalias() += x.topRows(m).transpose() * x.topRows(m);
    }
    if (n) c /= double(n);
    mean.resize(dim);
    cov.resize(size_t(dim) * dim);
    for (uint32_t j = 0; j < dim; ++j) mean[j] = static_cast<float>(mu[j]);
    for (uint32_t a = 0; a < dim; ++a)
        for (uint32_t b = 0; b < dim; ++b) cov[size_t(a) * dim + b] = static_cast<float>(c(a, b));
}

void add_pq_sections(BundleWriter& w, const std::string& prefix, const std::vector<float>& rows, uint32_t n,
                     uint32_t dim, bool bias_alone, const PqExportOptions& o) {
    const uint32_t S = 2 * o.bytes;
    const std::vector<uint32_t> bounds = pq_subspace_bounds(dim, S, bias_alone);
    PqTrainOptions t = o.train;
    t.seed = mix_seed(o.train.seed, prefix == "mf" ? 1 : 2);
    const PqCodebook book = pq_train(rows.data(), n, dim, bounds, t);
    std::vector<uint8_t> packed(pq_blocks(n) * pq_block_bytes(S));
    pq_pack_codes(book.codes.data(), n, S, packed.data());
    std::vector<float> mean, cov;
    moments(rows, n, dim, mean, cov);
    w.add_u32(prefix + ".pq_bounds", bounds.data(), 1, S + 1);
    w.add_f32(prefix + ".pq_codebook", book.centroids.data(), kPqCentroids, dim);
    w.add_i8(prefix + ".pq_codes", reinterpret_cast<const int8_t*>(packed.data()),
             static_cast<uint32_t>(pq_blocks(n)), static_cast<uint32_t>(pq_block_bytes(S)));
    w.add_f32(prefix + ".pq_mean", mean.data(), 1, dim);
    w.add_f32(prefix + ".pq_cov", cov.data(), dim, dim);
}

std::string with_pq(std::string_view meta, const PqExportOptions& o, bool int8) {
    std::string out(meta);
    const size_t close = out.rfind('}');
    if (close == std::string::npos) return out;
    const bool empty = out.find_first_not_of(" \t\r\n", out.find('{') + 1) == close;
    Json j;
    j.begin_object();
    j.field("bytes_per_item", o.bytes).field("subspaces", 2 * o.bytes).field("centroids", kPqCentroids);
    j.field("rescore", int8 ? "int8" : "fp32");
    j.field("iterations", o.train.iterations).field("seed", static_cast<uint64_t>(o.train.seed));
    j.end_object();
    out.insert(close, std::string(empty ? "" : ",") + "\"catalog_pq\":" + j.str());
    return out;
}

}  // namespace

std::vector<uint8_t> pq_bundle(const BundleReader& bundle, const PqExportOptions& o) {
    if (bundle.has("mf.pq_codes") || bundle.has("sasrec.pq_codes"))
        throw Error("argument", "the bundle's catalog is already product-quantized");
    if (o.bytes == 0 || 2 * o.bytes > kPqMaxSubspaces)
        throw Error("argument", "--pq must be in 1.." + std::to_string(kPqMaxSubspaces / 2) + " bytes per item");
    const bool mf = bundle.has("mf.kind");
    const bool seq = bundle.has("sasrec.config");
    if (!mf && !seq) throw Error("argument", "the bundle holds no item table to quantize");
    const bool int8 = bundle.has("mf.factors_i8") || bundle.has("sasrec.item_emb_i8");

    BundleWriter out;
    for (const SectionInfo& s : bundle.sections()) {
        if (s.name == "meta")
            out.add_json("meta", with_pq(bundle.json("meta"), o, int8));
        else
            out.add_copy(bundle, s.name);
    }
    if (!bundle.has("meta")) out.add_json("meta", with_pq("{}", o, int8));
    if (mf) {
        const bool explicit_mf = bundle.u32("mf.kind", 1, 1)[0] == 2;
        uint32_t n = 0, dim = 0;
        const float* bias = nullptr;
        if (explicit_mf) {
            const SectionInfo& t = bundle.section(bundle.has("mf.factors") ? "mf.factors" : "mf.factors_i8");
            bias = bundle.f32("mf.item_bias", t.rows, 1).data;
        }
        const std::vector<float> rows =
            exact_rows(bundle, "mf.factors", "mf.factors_i8", "mf.factor_scales", bias, n, dim);
        add_pq_sections(out, "mf", rows, n, dim, explicit_mf, o);
    }
    if (seq) {
        uint32_t n = 0, dim = 0;
        const std::vector<float> rows =
            exact_rows(bundle, "sasrec.item_emb", "sasrec.item_emb_i8", "sasrec.item_scales", nullptr, n, dim);
        add_pq_sections(out, "sasrec", rows, n, dim, false, o);
    }
    return out.finish();
}

}  // namespace hearth
