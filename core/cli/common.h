// Pieces the CLI commands share: option sets, help texts, data loading, model options
// and metric output.
#pragma once
#include <initializer_list>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/cli/args.h"
#include "core/common/error.h"
#include "core/data/json.h"
#include "core/data/readers.h"
#include "core/device/engine/engine.h"
#include "core/eval/beyond.h"
#include "core/eval/evaluate.h"
#include "core/eval/sweep.h"
#include "core/train/mf/trainer.h"

namespace hearth::cli {

// Prints `text` and returns true when the arguments ask for help.
bool wants_help(const std::vector<std::string>& args, const char* text);

// Comma-separated values, empty entries skipped.
std::vector<std::string> split_list(const std::string& text);
// Comma-separated whole numbers in 1..max; an error names `flag` and the bad entry.
std::vector<uint32_t> parse_u32_list(const std::string& text, const char* flag, uint32_t max);
// "a, b or c".
std::string or_list(const std::vector<const char*>& names);

// What `text`, the value of --flag, names among `choices`; anything else is an error that
// lists them.
template <typename T>
T pick_option(const std::string& text, const char* flag,
              std::initializer_list<std::pair<const char*, T>> choices) {
    std::vector<const char*> names;
    for (const auto& [name, value] : choices) {
        if (text == name) return value;
        names.push_back(name);
    }
    throw Error("argument", std::string("--") + flag + " must be " + or_list(names) + ", got '" +
                                text + "'");
}

// --model auto|mf|sasrec|hybrid for the commands that use a bundle.
ModelChoice parse_model_choice(const std::string& name);

extern const std::set<std::string> kDataOptions;

// Loads --data/--format/--items and prints what each reader accepted and skipped.
Dataset load(const Args& a);
// The MF configuration of --model (als, bmf; hybrid uses als) and its options.
MfConfig model_config(const Args& a);

// The top-k lists after re-ranking (core/eval/beyond.h) and what produced them.
struct ListSummary {
    ListMetrics metrics;
    float diversity = 0, calibration = 0, novelty = 0;  // control strengths
    uint32_t candidates = 0;                              // re-ranking pool; 0: the default
    std::string embeddings;  // what ILD and diversity compare, e.g. "MF item factors"
    std::string tags;        // what calibration compares, e.g. "20 tags from the item metadata"
    std::string control;     // the swept control; empty without --sweep
    std::vector<SweepPoint> sweep;
    ListMetrics baseline;    // the swept control at strength 0
};

struct EvalResult {
    RankingMetrics ranking;
    RatingMetrics rating;
    bool has_rating = false;
    bool has_lists = false;  // `hearth eval` only: bundles keep their metrics as they were
    ListSummary lists;
};

void metrics_json(Json& j, const EvalResult& r);
void print_metrics(const std::string& model, const EvalResult& r);

}  // namespace hearth::cli
