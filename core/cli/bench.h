// The benchmark commands of the hearth CLI (core/cli/bench_bundle.cpp), run by scripts/bench.
#pragma once
#include <string>
#include <vector>

namespace hearth::cli {

// hearth bench-bundle: a timing-only bundle of any size (core/cli/bench_bundle.h).
int run_bench_bundle(const std::vector<std::string>& args);
// hearth bench-native: recommend()/explain() latency, allocations, cold start and the
// streaming-read probe natively, as JSON.
int run_bench_native(const std::vector<std::string>& args);

}  // namespace hearth::cli
