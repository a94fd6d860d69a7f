// `hearth predict`: predicted ratings (explicit MF bundle) or scores (implicit MF, SASRec,
// hybrid) for given (user, item) pairs, computed through the engine.
#pragma once
#include <string>
#include <vector>

namespace hearth::cli {

int run_predict(const std::vector<std::string>& args);

}  // namespace hearth::cli
