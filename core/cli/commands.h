// The hearth command-line tool: one function per subcommand.
#pragma once
#include <string>
#include <vector>

namespace hearth::cli {

int run_synth(const std::vector<std::string>& args);
int run_train(const std::vector<std::string>& args);
int run_eval(const std::vector<std::string>& args);
int run_inspect(const std::vector<std::string>& args);
int run_recommend(const std::vector<std::string>& args);
int run_explain(const std::vector<std::string>& args);
// train (train = true) or eval for --model sasrec|hybrid
int run_sequence(const std::vector<std::string>& args, bool train);
int run_import(const std::vector<std::string>& args);
int run_export(const std::vector<std::string>& args);

}  // namespace hearth::cli
