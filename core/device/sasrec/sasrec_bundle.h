// SASRec tensors in a bundle: "sasrec.config" (u32 1 x 8: items, dim, heads, blocks,
// max_len, ffn_dim, variant, activation), "sasrec.params" (f32 1 x 2: emb_scale, ln_eps)
// and one f32 section per tensor of sasrec_tensor_specs(), each shape-checked on load.
#pragma once
#include "core/device/bundle/bundle.h"
#include "core/device/sasrec/model.h"

namespace hearth {

void write_sasrec(BundleWriter& writer, const SasrecWeights& weights);

// A view into the bundle's bytes. Throws Error("bundle", "section '...': ...") for a
// missing or mis-shaped tensor or an invalid config.
SasrecView read_sasrec(const BundleReader& bundle);

}  // namespace hearth
