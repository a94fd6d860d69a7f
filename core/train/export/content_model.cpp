#include "core/train/export/content_model.h"

#include <algorithm>
#include <cmath>
#include <string>

// See core/train/nn/eigen.h: a false positive inside GCC's AVX-512 intrinsics (kept for
// builds that add AVX-512 flags).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Dense>
#pragma GCC diagnostic pop

#include "core/common/error.h"

namespace hearth {

namespace {

using MatrixXdRow = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Eigen::Index idx(size_t n) { return static_cast<Eigen::Index>(n); }

// The feature columns of an item's tags, each with its value 1/sqrt(count); duplicates and
// tags that are not features dropped.
std::vector<std::pair<uint32_t, double>> features_of(const std::vector<uint32_t>& tags,
                                                     const std::vector<int32_t>& column) {
    std::vector<uint32_t> cols;
    for (uint32_t t : tags)
        if (t < column.size() && column[t] >= 0) cols.push_back(static_cast<uint32_t>(column[t]));
    std::sort(cols.begin(), cols.end());
    cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
    std::vector<std::pair<uint32_t, double>> x;
    const double value = cols.empty() ? 0.0 : 1.0 / std::sqrt(static_cast<double>(cols.size()));
    for (uint32_t c : cols) x.emplace_back(c, value);
    return x;
}

}  // namespace

ContentModel ContentModel::fit(const std::vector<std::vector<uint32_t>>& item_tags,
                               uint32_t tag_count, const float* embeddings, uint32_t dim,
                               const std::vector<uint32_t>& fit_items,
                               const ContentModelConfig& config) {
    if (fit_items.empty())
        throw Error("argument", "content model: no item with training events to fit on");
    if (dim == 0) throw Error("argument", "content model: embeddings have no dimensions");
    if (!(config.reg > 0.0) || !std::isfinite(config.reg))
        throw Error("argument", "content model: reg must be a positive number");

    // Features: the tags of the fit items, the most frequent first when there are too many.
    std::vector<uint32_t> frequency(tag_count, 0);
    for (uint32_t i : fit_items) {
        if (i >= item_tags.size())
            throw Error("argument", "content model: fit item " + std::to_string(i) +
                                        " is not one of the " + std::to_string(item_tags.size()) +
                                        " items");
        for (uint32_t t : item_tags[i]) {
            if (t >= tag_count)
                throw Error("argument", "content model: item " + std::to_string(i) + " has tag " +
                                            std::to_string(t) + ", not one of the " +
                                            std::to_string(tag_count) + " tags");
            ++frequency[t];
        }
    }
    std::vector<uint32_t> used;
    for (uint32_t t = 0; t < tag_count; ++t)
        if (frequency[t] > 0) used.push_back(t);
    std::stable_sort(used.begin(), used.end(),
                     [&](uint32_t a, uint32_t b) { return frequency[a] > frequency[b]; });
    if (used.size() > config.max_tags) used.resize(config.max_tags);
    std::sort(used.begin(), used.end());

    ContentModel m;
    m.dim_ = dim;
    m.features_ = static_cast<uint32_t>(used.size());
    m.column_.assign(tag_count, -1);
    for (uint32_t c = 0; c < used.size(); ++c) m.column_[used[c]] = static_cast<int32_t>(c);

    // Normal equations (X^T X + reg D) W = X^T V, accumulated one sparse row at a time.
    const size_t p = size_t{m.features_} + 1;
    Eigen::MatrixXd a = Eigen::MatrixXd::Zero(idx(p), idx(p));
    MatrixXdRow b = MatrixXdRow::Zero(idx(p), dim);
    for (uint32_t i : fit_items) {
        std::vector<std::pair<uint32_t, double>> x = features_of(item_tags[i], m.column_);
        x.emplace_back(m.features_, 1.0);  // the intercept
        const Eigen::Map<const Eigen::RowVectorXf> v(embeddings + size_t{i} * dim, dim);
        for (const auto& [r, xr] : x) {
            for (const auto& [c, xc] : x) a(r, c) += xr * xc;
            b.row(r) += xr * v.cast<double>();
        }
    }
    for (uint32_t c = 0; c < m.features_; ++c) a(c, c) += config.reg;
    // Positive definite: reg > 0 on every tag column, and the intercept column is the count
    // of fit items, which is > 0.
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(a);
    if (ldlt.info() != Eigen::Success)
        throw Error("model", "content model: the normal equations could not be solved");
    const MatrixXdRow w = ldlt.solve(b);
    m.coef_.assign(w.data(), w.data() + w.size());
    return m;
}

void ContentModel::predict(const std::vector<uint32_t>& tags, float* out) const {
    const double* intercept = coef_.data() + size_t{features_} * dim_;
    std::vector<double> sum(intercept, intercept + dim_);
    for (const auto& [c, x] : features_of(tags, column_)) {
        const double* row = coef_.data() + size_t{c} * dim_;
        for (uint32_t k = 0; k < dim_; ++k) sum[k] += x * row[k];
    }
    for (uint32_t k = 0; k < dim_; ++k) out[k] = static_cast<float>(sum[k]);
}

std::vector<uint32_t> content_placed_items(const CatalogData& catalog) {
    std::vector<uint32_t> placed;
    for (uint32_t i = 0; i < catalog.ids.size(); ++i)
        if (catalog.popularity[i] == 0.0f && !catalog.item_tags[i].empty()) placed.push_back(i);
    return placed;
}

namespace {

// Items below `trained` (the rows the model learnt) that had training events. An all-zero
// row is left out too: a model trained on a split (the hybrid's ALS) never saw the items
// whose only events were held out, whatever the catalog counts.
std::vector<uint32_t> fit_items_of(const CatalogData& catalog, uint32_t trained,
                                   const float* rows, uint32_t dim) {
    std::vector<uint32_t> fit;
    for (uint32_t i = 0; i < trained; ++i) {
        const float* row = rows + size_t{i} * dim;
        const bool learnt = std::any_of(row, row + dim, [](float v) { return v != 0.0f; });
        if (catalog.popularity[i] > 0.0f && learnt) fit.push_back(i);
    }
    return fit;
}

void check_sizes(const CatalogData& catalog, uint32_t trained, const std::vector<uint32_t>& placed,
                 const char* model) {
    const size_t n = catalog.ids.size();
    if (trained > n)
        throw Error("argument", std::string(model) + " has " + std::to_string(trained) +
                                    " items but the catalog only " + std::to_string(n));
    for (uint32_t i : placed)
        if (i >= n)
            throw Error("argument", "content model: placed item " + std::to_string(i) +
                                        " is not in the catalog of " + std::to_string(n));
}

}  // namespace

void place_mf_items(MfModel& model, const CatalogData& catalog,
                    const std::vector<uint32_t>& placed, const ContentModelConfig& config) {
    const uint32_t trained = model.items();
    check_sizes(catalog, trained, placed, "the MF model");
    const auto n = static_cast<uint32_t>(catalog.ids.size());
    const uint32_t d = model.dim;
    const bool biased = model.params.kind == MfKind::Explicit;
    model.item_factors.resize(size_t{n} * d, 0.0f);
    if (biased) model.item_bias.resize(n, 0.0f);
    if (placed.empty()) return;

    // One regression for [q_i, b_i]: a genre's items share a bias as much as a direction.
    const uint32_t out_dim = d + (biased ? 1u : 0u);
    std::vector<float> targets(size_t{trained} * out_dim);
    for (uint32_t i = 0; i < trained; ++i) {
        std::copy_n(model.item_factors.data() + size_t{i} * d, d,
                    targets.data() + size_t{i} * out_dim);
        if (biased) targets[size_t{i} * out_dim + d] = model.item_bias[i];
    }
    const ContentModel content =
        ContentModel::fit(catalog.item_tags, static_cast<uint32_t>(catalog.tags.size()),
                          targets.data(), out_dim,
                          fit_items_of(catalog, trained, targets.data(), out_dim), config);
    std::vector<float> row(out_dim);
    for (uint32_t i : placed) {
        content.predict(catalog.item_tags[i], row.data());
        std::copy_n(row.data(), d, model.item_factors.data() + size_t{i} * d);
        if (biased) model.item_bias[i] = row[d];
    }
}

void place_sasrec_items(SasrecWeights& weights, const CatalogData& catalog,
                        const std::vector<uint32_t>& placed, const ContentModelConfig& config) {
    const uint32_t trained = weights.config.items;
    check_sizes(catalog, trained, placed, "the SASRec model");
    const auto n = static_cast<uint32_t>(catalog.ids.size());
    const uint32_t d = weights.config.dim;
    // sasrec_tensor_specs() puts the item embedding first.
    std::vector<float>& emb = weights.tensors[0];
    emb.resize(size_t{n} * d, 0.0f);
    weights.config.items = n;
    if (placed.empty()) return;
    const ContentModel content =
        ContentModel::fit(catalog.item_tags, static_cast<uint32_t>(catalog.tags.size()),
                          emb.data(), d, fit_items_of(catalog, trained, emb.data(), d), config);
    for (uint32_t i : placed) content.predict(catalog.item_tags[i], emb.data() + size_t{i} * d);
}

void write_content_items(BundleWriter& w, const std::vector<uint32_t>& placed) {
    for (size_t k = 1; k < placed.size(); ++k)
        if (placed[k] <= placed[k - 1])
            throw Error("argument", "content items are not strictly ascending at entry " +
                                        std::to_string(k));
    w.add_u32("content.items", placed.data(), static_cast<uint32_t>(placed.size()), 1);
}

}  // namespace hearth
