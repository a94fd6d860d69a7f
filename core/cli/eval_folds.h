// `hearth eval --split random`: random K-fold rating evaluation (core/eval/rating_eval.h).
#pragma once
#include <string>

#include "core/cli/args.h"
#include "core/data/readers.h"

namespace hearth::cli {

// True for --split random; checks --split, --folds (only with --split random) and that a
// random split comes with --model bmf, before any data is loaded.
bool random_split(const Args& a);

// Runs and prints (text or --json) the K-fold evaluation of `model` on `d`.
int run_eval_folds(const Dataset& d, const Args& a, const std::string& model);

}  // namespace hearth::cli
