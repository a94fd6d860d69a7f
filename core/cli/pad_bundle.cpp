// `hearth pad-bundle`: for experiments at catalog sizes no dataset here has. Appends
// synthetic distractor items to a trained fp32 bundle: ids "pad:<i>", no tags, popularity 0,
// item rows (MF factors with an explicit model's bias; SASRec embeddings) drawn from a
// Gaussian with the mean and covariance of the trained rows. Fold-in is unchanged (the MF
// Gram matrix is kept: the distractors were never seen) and so is every real item's score,
// so a held-out evaluation of the padded bundle measures how a model, or an approximation
// of it such as a PQ catalog, ranks the real items among N of that kind.
#include "core/cli/pad_bundle.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "core/cli/args.h"
#include "core/cli/common.h"
#include "core/cli/options.h"
#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/device/engine/catalog.h"
#include "core/train/export/export.h"

namespace hearth::cli {

namespace {

// n rows of dim floats drawn from N(mean, cov) of `rows` (count x dim).
std::vector<float> gaussian_rows(const float* rows, uint32_t count, uint32_t dim, uint32_t n, SplitMix64& rng) {
    std::vector<double> mean(dim, 0.0), cov(size_t(dim) * dim, 0.0), l(size_t(dim) * dim, 0.0);
    for (uint32_t i = 0; i < count; ++i)
        for (uint32_t j = 0; j < dim; ++j) mean[j] += rows[size_t(i) * dim + j] / double(count);
    for (uint32_t i = 0; i < count; ++i)
        for (uint32_t a = 0; a < dim; ++a)
            for (uint32_t b = 0; b < dim; ++b)
                cov[a * dim + b] += (rows[size_t(i) * dim + a] - mean[a]) * (rows[size_t(i) * dim + b] - mean[b]) / double(count);
    double trace = 0.0;
    for (uint32_t a = 0; a < dim; ++a) trace += cov[a * dim + a];
    for (uint32_t a = 0; a < dim; ++a) cov[a * dim + a] += 1e-9 * trace / dim + 1e-30;
    for (uint32_t a = 0; a < dim; ++a)  // Cholesky: cov = L L^T
        for (uint32_t b = 0; b <= a; ++b) {
            double s = cov[a * dim + b];
            for (uint32_t c = 0; c < b; ++c) s -= l[a * dim + c] * l[b * dim + c];
            l[a * dim + b] = a == b ? std::sqrt(std::max(s, 0.0)) : (l[b * dim + b] > 0 ? s / l[b * dim + b] : 0.0);
        }
    std::vector<float> out(size_t(n) * dim);
    std::vector<double> z(dim);
    for (uint32_t i = 0; i < n; ++i) {
        for (double& v : z) v = rng.normal();
        for (uint32_t a = 0; a < dim; ++a) {
            double x = mean[a];
            for (uint32_t b = 0; b <= a; ++b) x += l[a * dim + b] * z[b];
            out[size_t(i) * dim + a] = static_cast<float>(x);
        }
    }
    return out;
}

}  // namespace

int run_pad_bundle(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("pad-bundle"))) return 0;
    const Args a(argv, command("pad-bundle"));
    check_output_path(a.require("out"), "out");
    const std::vector<uint8_t> bytes = read_file_bytes(a.require("bundle"));
    const BundleReader r(bytes.data(), bytes.size());
    if (r.has("mf.factors_i8") || r.has("sasrec.item_emb_i8") || r.has("mf.pq_codes") || r.has("sasrec.pq_codes"))
        throw Error("argument", "pad the fp32 bundle, then export it");
    const Catalog catalog(r);
    const uint32_t n0 = catalog.size(), n = a.get_u32("items", 0);
    if (n <= n0) throw Error("argument", "--items must exceed the catalog's " + std::to_string(n0) + " items");
    SplitMix64 rng(mix_seed(a.get_u64("seed", 1), 0x706164));  // "pad"

    CatalogData c;
    for (uint32_t t = 0; t < catalog.tag_count(); ++t) c.tags.emplace_back(catalog.tag_name(t));
    for (uint32_t i = 0; i < n; ++i) {
        if (i < n0) {
            c.ids.emplace_back(catalog.id(i));
            c.titles.emplace_back(catalog.title(i));
            const Span<uint32_t> tags = catalog.item_tags(i);
            c.item_tags.emplace_back(tags.begin(), tags.end());
            c.popularity.push_back(catalog.popularity(i));
        } else {
            c.ids.push_back("pad:" + std::to_string(i - n0));
            c.titles.push_back("Distractor " + std::to_string(i - n0));
            c.item_tags.emplace_back();
            c.popularity.push_back(0.0f);
        }
    }
    BundleWriter w;
    write_catalog(w, c);
    for (const SectionInfo& s : r.sections()) {
        const std::string& name = s.name;
        if (name.rfind("catalog.", 0) == 0 || name.rfind("mood.", 0) == 0) continue;  // written above
        if (name == "mf.factors" || name == "sasrec.item_emb") {
            const bool with_bias = name == "mf.factors" && r.has("mf.item_bias");
            const uint32_t d = s.cols, dim = d + (with_bias ? 1 : 0);
            std::vector<float> rows(size_t(n0) * dim);
            const Span<float> t = r.f32(name, n0, d);
            for (uint32_t i = 0; i < n0; ++i) {
                std::copy(t.data + size_t(i) * d, t.data + size_t(i + 1) * d, &rows[size_t(i) * dim]);
                if (with_bias) rows[size_t(i) * dim + d] = r.f32("mf.item_bias", n0, 1)[i];
            }
            const std::vector<float> pads = gaussian_rows(rows.data(), n0, dim, n - n0, rng);
            std::vector<float> table(t.begin(), t.end()), bias;
            if (with_bias) bias.assign(r.f32("mf.item_bias").begin(), r.f32("mf.item_bias").end());
            for (uint32_t i = 0; i < n - n0; ++i) {
                table.insert(table.end(), &pads[size_t(i) * dim], &pads[size_t(i) * dim] + d);
                if (with_bias) bias.push_back(pads[size_t(i) * dim + d]);
            }
            w.add_f32(name, table.data(), n, d);
            if (with_bias) w.add_f32("mf.item_bias", bias.data(), n, 1);
        } else if (name == "mf.item_bias") {
            continue;  // with mf.factors
        } else if (name == "sasrec.config") {
            std::vector<uint32_t> config(r.u32(name, 1, 8).begin(), r.u32(name, 1, 8).end());
            config[0] = n;
            w.add_u32(name, config.data(), 1, 8);
        } else if (name == "meta") {
            std::string meta(r.json(name));
            const size_t close = meta.rfind('}');
            if (close != std::string::npos)
                meta.insert(close, ",\"padded\":{\"items\":" + std::to_string(n) + ",\"trained_items\":" +
                                       std::to_string(n0) + ",\"note\":\"synthetic distractors for experiments\"}");
            w.add_json(name, meta);
        } else {
            w.add_copy(r, name);
        }
    }
    const std::string out = a.require("out");
    w.write_file(out);
    std::printf("wrote %s: %u items (%u trained, %u distractors)\n", out.c_str(), n, n0, n - n0);
    return 0;
}

}  // namespace hearth::cli
