// `hearth bench-reasons`: how recommend()'s budgeted leave-one-out reasons compare with
// leave-one-out over every history item, on a real bundle and real histories.
#pragma once
#include <string>
#include <vector>

namespace hearth::cli {

int run_bench_reasons(const std::vector<std::string>& args);

}  // namespace hearth::cli
