// `hearth eval-bundle`: leave-last-out evaluation of finished bundles through the engine
// (the path a device runs), e.g. an fp32 bundle against its int8 and PQ exports.
#pragma once
#include <string>
#include <vector>

namespace hearth::cli {

int run_eval_bundle(const std::vector<std::string>& args);

}  // namespace hearth::cli
