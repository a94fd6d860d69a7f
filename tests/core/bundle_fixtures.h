// Small trained bundles for engine tests: an MF model (implicit or explicit) trained on
// random events, a SASRec with random weights, and a hybrid weight, in one bundle.
#pragma once
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/device/engine/engine.h"
#include "core/device/sasrec/sasrec_bundle.h"
#include "core/train/export/export.h"
#include "core/train/mf/rating_matrix.h"
#include "core/train/mf/trainer.h"
#include "tests/core/fixtures.h"

namespace hearth::test {

struct FixtureShape {
    uint32_t items = 60;
    uint32_t users = 80;
    int events_per_user = 8;
    float hybrid_weight = 0.5f;
};

// MF (12 factors) + SASRec (d 16, 2 heads, 2 blocks, max_len 8) over `shape.items` items.
inline std::vector<uint8_t> mf_sasrec_bundle(MfKind kind, const FixtureShape& shape) {
    Interactions data;
    for (uint32_t i = 0; i < shape.items; ++i) data.intern_item("i" + std::to_string(i));
    std::mt19937 rng(5);
    for (uint32_t u = 0; u < shape.users; ++u) {
        const uint32_t user = data.intern_user("u" + std::to_string(u));
        for (int k = 0; k < shape.events_per_user; ++k)
            data.events.push_back({user, static_cast<uint32_t>(rng() % shape.items),
                                   kind == MfKind::Explicit ? static_cast<float>(1 + rng() % 5) : 1.0f, k});
    }
    data.has_ratings = kind == MfKind::Explicit;
    MfConfig c;
    c.params.kind = kind;
    c.params.reg = kind == MfKind::Explicit ? 0.05f : 0.5f;
    c.params.reg_scales_with_count = kind == MfKind::Explicit;
    c.factors = 12;
    c.iterations = 4;
    const MfModel mf = train_mf(RatingMatrix::build(shape.users, shape.items, data.events, kind), c);

    SasrecConfig sc;
    sc.items = shape.items;
    sc.dim = 16;
    sc.heads = 2;
    sc.blocks = 2;
    sc.max_len = 8;
    sc.ffn_dim = 16;
    sc.emb_scale = 4.0f;
    SasrecWeights seq(sc);
    fill_random_sasrec(seq, rng);
    BundleWriter w;
    w.add_json("meta", "{\"model\":\"test\"}");
    write_catalog(w, build_catalog(data, {}));
    write_mf(w, mf);
    write_sasrec(w, seq);
    w.add_f32("hybrid.weight", &shape.hybrid_weight, 1, 1);
    return w.finish();
}

}  // namespace hearth::test
