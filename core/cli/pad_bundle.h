// `hearth pad-bundle`: a trained bundle padded with synthetic distractor items, for
// experiments at large catalog sizes (e.g. PQ vs fp32 NDCG at N = 1M).
#pragma once
#include <string>
#include <vector>

namespace hearth::cli {

int run_pad_bundle(const std::vector<std::string>& args);

}  // namespace hearth::cli
