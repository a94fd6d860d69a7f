// `hearth bench-pq`: PQ scan, candidate recall and recommend() cost of a PQ bundle.
#pragma once
#include <string>
#include <vector>

namespace hearth::cli {

int run_bench_pq(const std::vector<std::string>& args);

}  // namespace hearth::cli
