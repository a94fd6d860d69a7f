// Benchmark bundles: a valid .hearth bundle of any size, made in seconds from a seed, for
// timing only. The weights are random and the catalog is synthetic, so what such a bundle
// recommends means nothing; what it costs to load, score, re-rank and explain is exactly
// what a trained bundle of the same shape costs, because it goes through the same
// exporters (write_catalog, write_mf, write_sasrec) and the same Engine.
//
//   MF:     implicit ALS shape: factors ~ N(0, 0.1), mf.gram = Y^T Y of those factors (the
//           Gram matrix fold-in needs), reg 0.1, alpha 1.
//   SASRec: pre-norm, ReLU, `heads` heads, `blocks` blocks, ffn_dim = dim, emb_scale
//           sqrt(dim); embeddings ~ N(0, 0.1), linear weights ~ N(0, 1/sqrt(fan_in)),
//           LayerNorm gains 1, biases 0.
//   Hybrid: both, hybrid.weight 0.5.
//   Catalog: ids "0".."N-1", titles "Bench item <i>", 1-3 of 24 genre/mood tags per item
//           (skewed, so tag mixes are uneven), popularity ~ a heavy-tailed event count.
//
// Header-only so that tests/core can build one without linking the CLI.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/data/json.h"
#include "core/device/bundle/bundle.h"
#include "core/device/sasrec/model.h"
#include "core/device/sasrec/sasrec_bundle.h"
#include "core/train/export/export.h"
#include "core/train/mf/trainer.h"

namespace hearth {

struct BenchBundleSpec {
    uint32_t items = 10000;
    uint32_t dim = 64;
    std::string model = "mf";  // mf | sasrec | hybrid
    uint64_t seed = 1;
    uint32_t max_len = 200;    // SASRec window: 200 so that a 200-item history is all encoded
    uint32_t blocks = 2;
    uint32_t heads = 1;
};

namespace bench_detail {

inline void fill_normal(SplitMix64& rng, std::vector<float>& v, double sd) {
    for (float& x : v) x = static_cast<float>(sd * rng.normal());
}

inline CatalogData bench_catalog(uint32_t n, SplitMix64& rng) {
    // Sorted, as write_catalog expects catalog.tags to be.
    static const char* const kTags[] = {
        "Action",  "Adventure", "Animation", "Children", "Comedy",   "Crime",
        "Documentary", "Drama", "Fantasy",   "Film-Noir", "Horror",  "Musical",
        "Mystery", "Romance",   "Sci-Fi",    "Thriller", "War",      "Western",
        "cozy",    "dark",      "funny",     "heartwarming", "tense", "uplifting"};
    CatalogData c;
    for (const char* t : kTags) c.tags.emplace_back(t);
    std::sort(c.tags.begin(), c.tags.end());
    const auto tag_count = static_cast<uint32_t>(c.tags.size());
    c.ids.resize(n);
    c.titles.resize(n);
    c.item_tags.resize(n);
    c.popularity.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
        c.ids[i] = std::to_string(i);
        c.titles[i] = "Bench item " + std::to_string(i);
        const uint32_t count = 1 + rng.below(3);
        std::vector<uint32_t>& tags = c.item_tags[i];
        while (tags.size() < count) {
            // Squaring a uniform draw favours the first tags: uneven tag frequencies.
            const double u = rng.uniform();
            const auto t = static_cast<uint32_t>(u * u * tag_count);
            if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
        }
        std::sort(tags.begin(), tags.end());
        const double u = rng.uniform();
        c.popularity[i] = std::floor(static_cast<float>(1000.0 * u * u * u * u));
    }
    return c;
}

inline MfModel bench_mf(uint32_t n, uint32_t dim, SplitMix64& rng) {
    MfModel m;
    m.params.kind = MfKind::Implicit;
    m.params.reg = 0.1f;
    m.params.alpha = 1.0f;
    m.dim = dim;
    m.item_factors.resize(static_cast<size_t>(n) * dim);
    fill_normal(rng, m.item_factors, 0.1);
    m.gram = gram_matrix(m.item_factors.data(), n, dim);
    return m;
}

inline SasrecWeights bench_sasrec(const BenchBundleSpec& s, SplitMix64& rng) {
    SasrecConfig c;
    c.items = s.items;
    c.dim = s.dim;
    c.heads = s.heads;
    c.blocks = s.blocks;
    c.max_len = s.max_len;
    c.ffn_dim = s.dim;
    c.emb_scale = std::sqrt(static_cast<float>(s.dim));
    c.validate();
    SasrecWeights w(c);
    const auto specs = sasrec_tensor_specs(c);
    for (size_t t = 0; t < specs.size(); ++t) {
        const std::string& name = specs[t].name;
        std::vector<float>& v = w.tensors[t];
        const auto ends_with = [&](const char* suffix) {
            const std::string x(suffix);
            return name.size() >= x.size() && name.compare(name.size() - x.size(), x.size(), x) == 0;
        };
        if (name == "sasrec.item_emb" || name == "sasrec.pos_emb") {
            fill_normal(rng, v, 0.1);
        } else if (ends_with(".g")) {
            std::fill(v.begin(), v.end(), 1.0f);  // LayerNorm gains
        } else if (specs[t].rows > 1) {
            fill_normal(rng, v, 1.0 / std::sqrt(static_cast<double>(specs[t].cols)));
        }  // biases and LayerNorm offsets stay 0
    }
    return w;
}

}  // namespace bench_detail

// The bundle described by `spec`. Throws Error("argument") for an unknown model or a size
// out of range.
inline BundleWriter bench_bundle_writer(const BenchBundleSpec& spec) {
    if (spec.model != "mf" && spec.model != "sasrec" && spec.model != "hybrid")
        throw Error("argument", "--model must be mf, sasrec or hybrid, got '" + spec.model + "'");
    if (spec.items == 0 || spec.items > 50000000)
        throw Error("argument", "--items must be in 1..50000000");
    if (spec.dim == 0 || spec.dim > 1024) throw Error("argument", "--dim must be in 1..1024");
    SplitMix64 rng(mix_seed(spec.seed, 0x62656e6368ull));  // "bench"
    const CatalogData catalog = bench_detail::bench_catalog(spec.items, rng);
    const bool mf = spec.model != "sasrec";
    const bool seq = spec.model != "mf";

    Json meta;
    meta.begin_object().field("format", "hearth-bundle");
    meta.field("model", spec.model == "hybrid" ? "hybrid-sasrec-mf" : (mf ? "als" : "sasrec"));
    meta.key("bench").begin_object();
    meta.field("timing_only", true);
    meta.field("note", "hearth bench-bundle: random weights and a synthetic catalog; the "
                       "recommendations are meaningless, only the cost is real");
    meta.field("seed", static_cast<uint64_t>(spec.seed));
    meta.end_object();
    meta.key("hyperparameters").begin_object();
    meta.field("dim", spec.dim);
    if (seq)
        meta.field("heads", spec.heads).field("blocks", spec.blocks).field("max_len", spec.max_len)
            .field("ffn_dim", spec.dim);
    if (mf) meta.field("factors", spec.dim).field("reg", 0.1).field("alpha", 1.0);
    meta.end_object();
    meta.key("training").begin_object().field("items", spec.items).end_object();
    meta.end_object();

    BundleWriter w;
    w.add_json("meta", meta.str());
    write_catalog(w, catalog);
    if (seq) write_sasrec(w, bench_detail::bench_sasrec(spec, rng));
    if (mf) write_mf(w, bench_detail::bench_mf(spec.items, spec.dim, rng));
    if (mf && seq) {
        const float weight = 0.5f;
        w.add_f32("hybrid.weight", &weight, 1, 1);
    }
    return w;
}

}  // namespace hearth
