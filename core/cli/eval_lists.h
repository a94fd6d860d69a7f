// `hearth eval`'s list evaluation: the top-10 lists a person would see after re-ranking
// (--diversity, --calibration, --novelty), their beyond-accuracy metrics, and --sweep of one
// control's strength with a CSV table and an SVG chart. Shared by the MF/popularity path
// (commands.cpp) and the SASRec/hybrid path (train_sequence.cpp).
#pragma once
#include <set>
#include <string>
#include <vector>

#include "core/cli/args.h"
#include "core/cli/common.h"
#include "core/data/json.h"
#include "core/data/readers.h"
#include "core/eval/beyond.h"
#include "core/eval/item_space.h"
#include "core/eval/sweep.h"

namespace hearth::cli {

struct ListOptions {
    RerankControls controls;     // the strengths of --diversity, --calibration, --novelty
    std::string tags = "auto";   // auto, metadata or clusters
    bool sweep = false;
    SweepSpec spec;
    std::string sweep_out;       // PREFIX for PREFIX.csv and PREFIX.svg; empty: print only
    uint32_t k = 10;
};

// Reads and checks the list options (strengths in [0, 1], the sweep spec).
ListOptions list_options(const Args& a);

// The catalog as one evaluation run sees it: embeddings of the trained model (null for
// popularity, which has none), tags and training popularity.
struct ListSetup {
    ItemSpaceData space;
    ItemPopularity popularity;
    std::string embeddings;  // what the embeddings are, e.g. "MF item factors"; "none"
    std::string tags;        // what the tags are, e.g. "20 tags from the item metadata"
};

ListSetup list_setup(const Dataset& d, const ListOptions& o, const float* embeddings, uint32_t dim,
                     const std::string& embedding_name, ItemPopularity popularity);

// Scores each held-out user once and evaluates the lists at the options' controls and,
// with `with_sweep`, at every sweep strength (and strength 0, the chart's baseline).
ListSummary evaluate_list_summary(const ListSetup& setup, const ListOptions& o,
                                  const SparseRows& history_by_user,
                                  const std::vector<HeldOut>& held_out, const ScorerFactory& scorers,
                                  uint32_t threads, bool with_sweep);

// "MODEL on DATA" (the data's file or folder name), for the sweep's title.
std::string sweep_subject(const Args& a, const std::string& model);

// The sweep as a table on stdout (unless `quiet`), PREFIX.csv and PREFIX.svg (when
// --sweep-out is given, reported on stderr), and as JSON into `j` (when not null).
void report_sweep(const ListOptions& o, const ListSummary& s, const std::string& subject,
                  bool quiet, Json* j);

}  // namespace hearth::cli
