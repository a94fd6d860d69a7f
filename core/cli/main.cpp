#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/cli/audit.h"
#include "core/cli/bench.h"
#include "core/cli/bench_pq.h"
#include "core/cli/bench_reasons.h"
#include "core/cli/commands.h"
#include "core/cli/eval_bundle.h"
#include "core/cli/options.h"
#include "core/cli/pad_bundle.h"
#include "core/cli/predict.h"
#include "core/common/error.h"

namespace {

const char* kUsage =
    "usage: hearth <command> [options]\n"
    "\n"
    "commands:\n"
    "  synth      write the synthetic default world (ratings.csv, items.csv)\n"
    "  train      train a model (als, bmf, sasrec, hybrid) and write a .hearth bundle\n"
    "  eval       leave-last-out evaluation with full ranking\n"
    "  inspect    print the sections and metadata of a bundle\n"
    "  recommend  top-k recommendations with reasons for a history\n"
    "  explain    why an item scores as it does: each history item's contribution or influence\n"
    "  import     convert a PyTorch SASRec (safetensors + JSON config) into a bundle\n"
    "  export     rewrite a bundle for devices (--int8: int8 item tables; --pq M: PQ codes)\n"
    "  eval-bundle  leave-last-out evaluation of bundles through the engine (fp32 vs int8 vs PQ)\n"
    "  bench-bundle  a timing-only bundle of any size (random weights, synthetic catalog)\n"
    "  bench-native  native latency, allocations, cold start and bandwidth probe (JSON)\n"
    "  audit-privacy  attacks on an ALS bundle's item factors: what it reveals (JSON)\n"
    "  bench-reasons  recommend()'s budgeted reasons against exact leave-one-out (JSON)\n"
    "  bench-pq   PQ scan vs gemv, candidate recall and latency of a PQ bundle (JSON)\n"
    "  pad-bundle pad a trained bundle with synthetic distractor items (experiments at scale)\n"
    "  predict    predicted ratings (or scores) for user,item pairs through the engine\n"
    "\n"
    "  version    print the version of hearth and of the bundle format (also --version)\n"
    "\n"
    "run 'hearth <command> --help' for the options of a command\n";

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        std::fputs(kUsage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!std::strcmp(argv[1], "--version") || !std::strcmp(argv[1], "version")) {
        std::printf("%s\n", hearth::cli::version_text().c_str());
        return 0;
    }
    const std::string command = argv[1];
    const std::vector<std::string> args(argv + 2, argv + argc);
    try {
        if (command == "synth") return hearth::cli::run_synth(args);
        if (command == "train") return hearth::cli::run_train(args);
        if (command == "eval") return hearth::cli::run_eval(args);
        if (command == "inspect") return hearth::cli::run_inspect(args);
        if (command == "recommend") return hearth::cli::run_recommend(args);
        if (command == "explain") return hearth::cli::run_explain(args);
        if (command == "predict") return hearth::cli::run_predict(args);
        if (command == "import") return hearth::cli::run_import(args);
        if (command == "export") return hearth::cli::run_export(args);
        if (command == "eval-bundle") return hearth::cli::run_eval_bundle(args);
        if (command == "bench-pq") return hearth::cli::run_bench_pq(args);
        if (command == "bench-reasons") return hearth::cli::run_bench_reasons(args);
        if (command == "audit-privacy") return hearth::cli::run_audit_privacy(args);
        if (command == "pad-bundle") return hearth::cli::run_pad_bundle(args);
        if (command == "bench-bundle") return hearth::cli::run_bench_bundle(args);
        if (command == "bench-native") return hearth::cli::run_bench_native(args);
        // Every command above, for the suggestion.
        std::vector<std::string> names = {"predict", "version"};
        for (const hearth::cli::Command* c : hearth::cli::all_commands()) names.push_back(c->name);
        const std::string near = hearth::cli::nearest(command, names);
        std::fprintf(stderr, "hearth: unknown command '%s'%s\n\n%s", command.c_str(),
                     near.empty() ? "" : ("; did you mean " + near + "?").c_str(), kUsage);
        return 2;
    } catch (const hearth::Error& e) {
        std::fprintf(stderr, "hearth %s: %s error: %s\n", command.c_str(), e.code().c_str(),
                     e.what());
        return e.code() == "argument" ? 2 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hearth %s: %s\n", command.c_str(), e.what());
        return 1;
    }
}
