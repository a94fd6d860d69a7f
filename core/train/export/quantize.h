// int8 catalogs (hearth export --int8): the same bundle with its item tables stored as
// symmetric per-row int8 codes and scales (core/device/kernels/quant.h), a quarter of the bytes
// to download and to stream when scoring.
#pragma once
#include <cstdint>
#include <vector>

#include "core/device/bundle/bundle.h"

namespace hearth {

// Copies every section of `bundle`, replacing mf.factors with mf.factors_i8 +
// mf.factor_scales (and an implicit model's mf.gram with the Gram matrix of the dequantized
// rows, so that fold-in stays consistent with what is scored) and sasrec.item_emb with
// sasrec.item_emb_i8 + sasrec.item_scales. The meta JSON gains "catalog_dtype": "int8".
// Throws Error("argument") for a bundle that is already int8.
std::vector<uint8_t> quantize_bundle(const BundleReader& bundle);

}  // namespace hearth
