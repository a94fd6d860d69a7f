#include "core/cli/options.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>

#include "core/cli/args.h"
#include "core/common/error.h"
#include "core/device/bundle/bundle.h"

#ifndef HEARTH_VERSION
#define HEARTH_VERSION "unknown"
#endif

namespace hearth::cli {

namespace {

// Rows shared by several commands.
const Option kData = {"data", "PATH", "", "ratings CSV (user,item,rating[,timestamp]), sequence file or MovieLens folder", "data"};
const Option kFormat = {"format", "F", "auto", "auto, csv, tsv, table (delimiter detected), seq (user item item ...) or movielens", "data"};
const Option kColumns = {"columns", "U,I[,R[,T]]", "", "user, item, rating, timestamp columns: header names or 1-based positions, - for none", "data"};
const Option kItems = {"items", "FILE", "", "item metadata CSV: id, title and tag columns (tags, genres, moods, series; '|'-separated; a 'mood:' prefix gives a tag its kind)", "data"};
const Option kThreads = {"threads", "N", "2", "threads for training and evaluation", "all models"};
const Option kSeed = {"seed", "N", "42", "initialization and sampling seed", "all models"};

const std::vector<Option> kMf = {
    {"factors", "N", "64 als, 32 bmf", "latent factors", "ALS/BMF"},
    {"reg", "X", "0.1", "ridge regularization (bmf: per rating)", "ALS/BMF"},
    {"alpha", "X", "1", "als confidence: 1 + alpha * value", "ALS/BMF"},
    {"iterations", "N", "15", "alternating least-squares steps", "ALS/BMF"},
};

const std::vector<Option> kSasrec = {
    {"dim", "N", "64", "embedding and hidden size", "SASRec"},
    {"heads", "N", "1", "attention heads", "SASRec"},
    {"blocks", "N", "2", "transformer blocks", "SASRec"},
    {"max-len", "N", "50", "longest input sequence", "SASRec"},
    {"ffn-dim", "N", "dim", "feed-forward width", "SASRec"},
    {"variant", "prenorm|original", "prenorm", "layer-norm placement", "SASRec"},
    {"activation", "relu|gelu", "relu", "feed-forward activation", "SASRec"},
    {"loss", "ce|sampled|bce", "ce", "full softmax, sampled softmax with logQ correction, or the paper's BCE", "SASRec"},
    {"negatives", "N", "256", "--loss sampled: popularity-sampled negatives per batch", "SASRec"},
    {"dropout", "X", "recipe", "dropout rate (recipe: 0.5, or 0.2 when histories average 50 items or more)", "SASRec"},
    {"lr", "X", "0.001", "AdamW learning rate", "SASRec"},
    {"weight-decay", "X", "0", "AdamW weight decay (not on layer norms and biases)", "SASRec"},
    {"batch", "N", "128", "sequences per step", "SASRec"},
    {"epochs", "N", "200", "most epochs", "SASRec"},
    {"patience", "N", "10", "stop after N epochs without a better validation NDCG@10 (0: never)", "SASRec"},
    {"lr-patience", "N", "3", "halve the learning rate after N epochs without a better one (0: never)", "SASRec"},
    {"checkpoint", "FILE", "", "save every epoch; resume from it when it exists", "SASRec"},
    {"protocol", "full|sampled|both", "full", "test ranking: full, the paper's 100 sampled negatives, or both", "SASRec"},
};

// The search (core/train/tune/): what the command line sets stays fixed.
const std::vector<Option> kTune = {
    {"tune", "", "", "choose settings on the validation split by a budgeted search (ALS: factors, reg, "
     "alpha; SASRec: dropout, max-len, lr, weight-decay); options you set are kept", "tuning"},
    {"tune-budget", "X", "3 sasrec, 12 als", "the search's budget in trainings of the default recipe", "tuning"},
};

// Differential privacy (core/train/mf/private_als.h): ALS only for now.
const std::vector<Option> kPrivacy = {
    {"dp-epsilon", "E", "", "train with user-level differential privacy at this epsilon (als: unless given, "
     "32 factors and 4 iterations; sasrec: DP-SGD for 10 epochs of batches of up to 4096 at lr 0.005, no "
     "early stopping)", "privacy"},
    {"dp-delta", "D", "1/(10 users)", "the delta of the guarantee", "privacy"},
    {"dp-max-items", "N", "8", "als: the contribution bound; a user's items count in full up to N, beyond that each counts sqrt(N / items)", "privacy"},
    {"dp-min-item-users", "N", "15", "als: train only items whose noisy count of users (weighted as --dp-max-items says) reaches N (0: every item); "
     "the others are never recommended by the model", "privacy"},
    {"dp-clip", "C", "1 als, 0.1 sasrec", "als: the norm of a user vector in the item statistics; sasrec: the "
     "largest norm of one user's gradient", "privacy"},
};

const Option kHybridWeight = {"hybrid-weight", "W", "tuned", "SASRec share of the blend in [0, 1]; tuned on validation when absent", "hybrid"};

const std::vector<Option> kLists = {
    {"diversity", "X", "0", "re-rank the top-10 lists for diversity before measuring them, in [0, 1]", "lists"},
    {"calibration", "X", "0", "re-rank towards the history's tag mix, in [0, 1]", "lists"},
    {"novelty", "X", "0", "re-rank towards less popular items, in [0, 1]", "lists"},
    {"candidates", "N", "max(10 k, 200)", "re-ranking pool: the model's best N", "lists"},
    {"tags", "auto|metadata|clusters", "auto", "what calibration compares: metadata tags or 20 embedding clusters", "lists"},
    {"sweep", "CONTROL=V1,V2,...|CONTROL=LO:HI:STEP", "", "evaluate the lists at each strength of one control", "lists"},
    {"sweep-out", "PREFIX", "", "write the sweep to PREFIX.csv and PREFIX.svg (a chart)", "output"},
};

std::vector<Option> rows(std::initializer_list<std::vector<Option>> parts) {
    std::vector<Option> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

const Command kSynth = {
    "synth", "--out DIR [options]",
    {{"out", "DIR", "", "folder for ratings.csv and items.csv (created when missing)", "output"},
     {"items", "N", "2000", "items", "world"},
     {"users", "N", "1000", "users", "world"},
     {"seed", "N", "42", "seed", "world"},
     {"mean-history", "X", "40", "mean events per user", "world"},
     {"new-releases", "N", "40", "items in items.csv that no one has rated yet", "world"},
     {"lang", "en|zh", "en", "titles and tags in English or Simplified Chinese; the ratings are the same", "world"}},
    ""};

const Command kTrain = {
    "train", "--data PATH --out FILE [--model als|bmf|sasrec|hybrid] [options]",
    rows({{kData, kFormat, kColumns, kItems,
           {"model", "als|bmf|sasrec|hybrid", "als",
            "implicit ALS, biased MF (explicit ratings), SASRec, or SASRec blended with ALS", "all models"},
           kThreads, kSeed,
           {"out", "FILE", "", "the .hearth bundle to write (checked before training)", "output"},
           {"eval", "", "", "also report leave-last-out test metrics (stored in the bundle)", "all models"}},
          kMf, kSasrec, {kHybridWeight}, kTune, kPrivacy}),
    "ALS/BMF options also shape the hybrid's ALS half; SASRec options apply to sasrec and hybrid.\n"};

const Command kEval = {
    "eval", "--data PATH [--model als|bmf|pop|sasrec|hybrid] [options]",
    rows({{kData, kFormat, kColumns, kItems,
           {"model", "als|bmf|pop|sasrec|hybrid", "als",
            "as for train, plus pop (popularity, the baseline)", "all models"},
           kThreads, kSeed, {"json", "", "", "print JSON", "all models"}},
          kMf, kSasrec, {kHybridWeight}, kTune, kPrivacy,
          {{"split", "temporal|random", "temporal",
            "temporal: each user's latest event held out; random: K-fold over all ratings (bmf)", "split"},
           {"folds", "K", "5", "folds of --split random; --seed also seeds the shuffle", "split"}},
          kLists}),
    "Protocol: leave-last-out, full ranking, training items excluded (SASRec: last item test,\n"
    "second to last validation). List metrics: HR/NDCG@10 of the lists, coverage@10, ILD,\n"
    "novelty, calibration KL, ARP and Gini of exposure.\n"};

const Command kInspect = {"inspect", "BUNDLE", {}, "Prints the sections and metadata of a bundle.\n"};

const Command kRecommend = {
    "recommend", "--bundle FILE --history ID[:VALUE],... [options]",
    {{"bundle", "FILE", "", "the .hearth bundle", "input"},
     {"history", "ID[:VALUE],...", "", "the history, oldest first (may be empty: onboarding)", "input"},
     {"k", "N", "10", "recommendations", "lists"},
     {"reasons", "N", "3", "reasons per recommendation", "lists"},
     {"model", "auto|mf|sasrec|hybrid", "auto", "which of the bundle's models scores", "lists"},
     {"hybrid-weight", "W", "the bundle's", "SASRec share of the hybrid blend", "hybrid"},
     {"diversity", "X", "0", "re-ranking strength in [0, 1]", "controls"},
     {"calibration", "X", "0", "re-ranking strength in [0, 1]", "controls"},
     {"novelty", "X", "0", "re-ranking strength in [0, 1]", "controls"},
     {"mood", "NAME", "", "a mood of the bundle's mood map", "controls"},
     {"mood-strength", "X", "0.5", "strength of --mood", "controls"},
     {"feedback", "X", "0.5", "how much --avoid down-weights the avoided items' neighbours", "controls"},
     {"avoid", "ID,...", "", "not interested in these items: never shown", "controls"},
     {"avoid-tag", "TAG,...", "", "down-weight items with these tags", "controls"},
     {"block-tag", "TAG,...", "", "never show items with these tags", "controls"},
     {"json", "", "", "print JSON", "lists"}},
    ""};

const Command kExplain = {
    "explain", "--bundle FILE --history ID[:VALUE],... --item ID [options]",
    {{"bundle", "FILE", "", "the .hearth bundle", "input"},
     {"history", "ID[:VALUE],...", "", "the history, oldest first", "input"},
     {"item", "ID", "", "the item to explain", "input"},
     {"model", "auto|mf|sasrec|hybrid", "auto", "which of the bundle's models scores", "model"},
     {"hybrid-weight", "W", "the bundle's", "SASRec share of the hybrid blend", "hybrid"},
     {"json", "", "", "print JSON", "output"}},
    ""};

const Command kImport = {
    "import", "(--safetensors FILE | --mf FACTORS) --config FILE --out BUNDLE [options]",
    {{"safetensors", "FILE", "", "SASRec weights trained in PyTorch", "input"},
     {"mf", "FACTORS", "", "MF item factors trained elsewhere: a .npy file or a .safetensors tensor", "input"},
     {"config", "FILE", "", "its JSON config (keys in core/train/import/IMPORT.md)", "input"},
     {"out", "BUNDLE", "", "the .hearth bundle to write", "output"},
     {"items", "FILE", "", "item metadata CSV: titles and tags", "data"},
     {"data", "PATH", "", "interactions, for popularity (cold start)", "data"},
     {"format", "F", "auto", "auto, csv, seq or movielens", "data"}},
    "Converts a SASRec trained in PyTorch, or MF item factors (e.g. Spark MLlib's ALS) whose\n"
    "users then fold in on the device, into a bundle; --items adds titles and tags, --data\n"
    "popularity (a new user's cold start).\n"};

const Command kExport = {
    "export", "--bundle IN.hearth --out OUT.hearth [--int8] [--pq M]",
    {{"bundle", "IN.hearth", "", "the bundle to rewrite", "input"},
     {"out", "OUT.hearth", "", "the bundle to write", "output"},
     {"int8", "", "", "item tables as per-row int8 codes with scales (a quarter of the bytes)", "export"},
     {"pq", "M", "", "add product-quantized codes of M bytes per item (M <= 128, 2 M <= dims)", "export"},
     {"pq-iterations", "N", "25", "k-means (Lloyd) iterations per subspace", "export"},
     {"pq-samples", "N", "65536", "rows k-means is fitted on", "export"},
     {"pq-seed", "N", "42", "k-means seed", "export"}},
    "With --pq the engine scans the codes, then re-scores the best few hundred items exactly\n"
    "with the stored rows (int8 with --int8, else fp32). M = dims / 2 kept the int8 top 10 at\n"
    "a million items; M = dims / 4 loses about a tenth.\n"};

const Command kEvalBundle = {
    "eval-bundle", "--data PATH (--write-train OUT.csv | --bundles A,B,...) [options]",
    {kData, kFormat, kColumns, kItems,
     {"write-train", "OUT.csv", "", "write the split's training events for `hearth train`", "output"},
     {"bundles", "A,B,...", "", "rank every held-out event through the engine with each bundle", "input"},
     {"model", "auto|mf|sasrec|hybrid", "auto", "which of the bundles' models scores", "model"},
     {"pq-candidates", "N", "max(10 k, 500)", "PQ bundles: candidates re-scored exactly", "model"},
     {"max-users", "N", "all", "evaluate the first N held-out users only", "model"},
     {"json", "", "", "print JSON", "output"}},
    "The leave-last-out split of `hearth eval`; prints HR@10, NDCG@10 and the top-10 overlap\n"
    "with the first bundle (the reference).\n"};

const Command kBenchBundle = {
    "bench-bundle", "--items N --out FILE [options]",
    {{"items", "N", "", "catalog size", "bundle"},
     {"out", "FILE", "", "the bundle to write", "output"},
     {"dim", "N", "64", "embedding size", "bundle"},
     {"model", "mf|sasrec|hybrid", "mf", "which models the bundle holds", "bundle"},
     {"seed", "N", "1", "seed of the random weights", "bundle"},
     {"max-len", "N", "200", "SASRec longest input", "bundle"},
     {"blocks", "N", "2", "SASRec blocks", "bundle"},
     {"heads", "N", "1", "SASRec heads", "bundle"}},
    "Random weights over a synthetic catalog, for timing only: its recommendations mean\n"
    "nothing. After writing, the bundle is loaded and asked for a recommendation.\n"};

const Command kBenchNative = {
    "bench-native", "--bundle FILE [options]",
    {{"bundle", "FILE", "", "the bundle to time", "input"},
     {"history", "N,...", "50,200", "history lengths", "bench"},
     {"requests", "N", "200", "timed requests per length", "bench"},
     {"k", "N", "20", "recommendations per request", "bench"},
     {"model", "auto|mf|sasrec|hybrid", "auto", "which of the bundle's models scores", "bench"},
     {"seed", "N", "1", "seed of the random histories", "bench"},
     {"cold", "N", "5", "cold-start samples (in this process, after the timings)", "bench"},
     {"cold-once", "", "", "only one cold start, in this fresh process (open + first recommend), as JSON", "bench"},
     {"probe-mb", "N", "256", "size of the streaming-read probe", "bench"}},
    "Prints JSON: latency percentiles, allocations per warm call, cold start, peak RSS,\n"
    "the bandwidth probe and the scoring kernel alone.\n"};

const Command kBenchReasons = {
    "bench-reasons", "--bundle FILE --data PATH [options]",
    {{"bundle", "FILE", "", "a bundle with a SASRec model", "input"},
     kData, kFormat, kColumns, kItems,
     {"encodings", "N", "8", "recommend()'s leave-one-out budget, in encodings of the window", "bench"},
     {"k", "N", "20", "recommendations per history", "bench"},
     {"reasons", "N", "3", "reasons shown per recommendation", "bench"},
     {"model", "sasrec|hybrid", "sasrec", "which of the bundle's models scores", "bench"},
     {"max-users", "N", "all", "the first N users only", "bench"}},
    "Prints JSON: per window length, how often the reasons shown under the budget are the\n"
    "exact leave-one-out's (same items, same order), and the time of both calls.\n"};

const Command kAuditPrivacy = {
    "audit-privacy", "--data PATH [--dp-epsilon E] [options]",
    rows({{kData, kFormat, kColumns, kItems, kThreads, kSeed,
           {"canaries", "N", "200", "made-up users added to training (and as many not added)", "audit"},
           {"canary-items", "K", "8", "random items per made-up user", "audit"},
           {"attacked-users", "N", "1000", "real users the neighbour attack tries, members and non-members each", "audit"}},
          kMf, kPrivacy}),
    "Trains ALS on half of the users plus canaries, then attacks the item factors: canary\n"
    "membership (AUC, an empirical epsilon lower bound) and hidden-item recovery from item\n"
    "neighbours, for members against non-members. Prints JSON.\n"};

const Command kBenchPq = {
    "bench-pq", "--bundle PQ.hearth [options]",
    {{"bundle", "PQ.hearth", "", "the PQ bundle", "input"},
     {"reference", "REF.hearth", "", "the bundle whose top k the recall is measured against", "input"},
     {"queries", "N", "100", "random histories", "bench"},
     {"history", "N", "50", "history length", "bench"},
     {"k", "N", "10", "top k", "bench"},
     {"candidates", "N,...", "100,250,500,1000,2000", "candidate counts", "bench"},
     {"model", "auto|mf|sasrec|hybrid", "auto", "which of the bundle's models scores", "bench"},
     {"seed", "N", "1", "seed of the random histories", "bench"}},
    "Prints JSON: the PQ scan vs the fp32 and int8 gemv, recommend() p50 and the recall of\n"
    "the reference's top k per candidate count.\n"};

const Command kPadBundle = {
    "pad-bundle", "--bundle IN.hearth --items N --out OUT.hearth [--seed 1]",
    {{"bundle", "IN.hearth", "", "the fp32 bundle to pad", "input"},
     {"items", "N", "", "catalog size after padding", "pad"},
     {"out", "OUT.hearth", "", "the bundle to write", "output"},
     {"seed", "N", "1", "seed of the distractors", "pad"}},
    "Distractors (ids pad:<i>, no tags, popularity 0) drawn from a Gaussian with the trained\n"
    "rows' mean and covariance; fold-in and the real items' scores are unchanged.\n"};

const Command kPredict = {
    "predict", "--bundle FILE --pairs FILE [--history-file FILE] [--model M] [--json]",
    {{"bundle", "FILE", "", "the bundle to predict with", "input"},
     {"pairs", "FILE", "", "lines user,item to predict (header allowed); a line user,item,value is a history entry", "input"},
     {"history-file", "FILE", "", "history rows user,item[,rating[,timestamp]]", "input"},
     {"model", "auto|mf|sasrec|hybrid", "auto", "the model of the bundle to use", "model"},
     {"hybrid-weight", "W", "the bundle's", "SASRec's share in the hybrid", "model"},
     {"json", "", "", "print JSON instead of CSV", "output"}},
    "Prints user,item,prediction,status: a predicted rating for an explicit MF bundle, a score\n"
    "otherwise, computed through the engine (the user's history folded in on the device side);\n"
    "status ok, no-history (the new-user answer) or unknown-item (no prediction).\n"};

}  // namespace

std::set<std::string> Command::valued() const {
    std::set<std::string> s;
    for (const Option& o : options)
        if (*o.value) s.insert(o.name);
    return s;
}

std::set<std::string> Command::flags() const {
    std::set<std::string> s;
    for (const Option& o : options)
        if (!*o.value) s.insert(o.name);
    return s;
}

const Option* Command::find(const std::string& option) const {
    for (const Option& o : options)
        if (option == o.name) return &o;
    return nullptr;
}

const std::vector<const Command*>& all_commands() {
    static const std::vector<const Command*> all = {
        &kSynth, &kTrain, &kEval, &kInspect, &kRecommend, &kExplain, &kImport, &kExport,
        &kEvalBundle, &kBenchBundle, &kBenchNative, &kBenchReasons, &kAuditPrivacy, &kBenchPq, &kPadBundle, &kPredict};
    return all;
}

const Command& command(const std::string& name) {
    std::vector<std::string> names;
    for (const Command* c : all_commands()) {
        if (name == c->name) return *c;
        names.push_back(c->name);
    }
    const std::string near = nearest(name, names);
    throw Error("argument", "unknown command '" + name + "'" +
                                (near.empty() ? "" : "; did you mean " + near + "?"));
}

std::string help_text(const Command& c) {
    std::string text = std::string("usage: hearth ") + c.name + " " + c.usage + "\n";
    std::vector<std::string> groups;
    for (const Option& o : c.options)
        if (std::find(groups.begin(), groups.end(), o.group) == groups.end()) groups.push_back(o.group);
    for (const std::string& g : groups) {
        text += "\n" + g + ":\n";
        for (const Option& o : c.options) {
            if (g != o.group) continue;
            std::string left = std::string("  --") + o.name + (*o.value ? std::string(" ") + o.value : "");
            if (left.size() < 26) left.resize(26, ' ');
            else left += "\n" + std::string(26, ' ');
            text += left + o.help + (*o.def ? std::string(" (default ") + o.def + ")" : "") + "\n";
        }
    }
    if (*c.notes) text += std::string("\n") + c.notes;
    return text;
}

bool wants_help(const std::vector<std::string>& args, const Command& c) {
    for (const std::string& a : args)
        if (a == "--help" || a == "-h") {
            std::fputs(help_text(c).c_str(), stdout);
            return true;
        }
    return false;
}

void check_model_options(const Args& a, const Command& c) {
    const std::string model = a.get("model", "als");
    const bool sasrec = model == "sasrec" || model == "hybrid";
    for (const Option& o : c.options) {
        if (!a.has(o.name)) continue;
        const std::string group = o.group;
        if (group == "SASRec" && !sasrec)
            throw Error("argument", std::string("--") + o.name +
                                        " is a SASRec option: it needs --model sasrec or hybrid");
        if (group == "hybrid" && model != "hybrid")
            throw Error("argument", std::string("--") + o.name + " needs --model hybrid");
        if (group == "privacy" && model != "als" && model != "sasrec")
            throw Error("argument", std::string("--") + o.name + " is for --model als or sasrec: private training of " +
                                        model + " is not available");
        if (group == "privacy" && model == "sasrec" && o.name == std::string("dp-max-items"))
            throw Error("argument", "--dp-max-items is for als: private SASRec uses each user's last max-len + 1 items");
        if (group == "privacy" && model == "sasrec" && o.name == std::string("dp-min-item-users"))
            throw Error("argument", "--dp-min-item-users is for als");
        if (group == "privacy" && o.name != std::string("dp-epsilon") && !a.has("dp-epsilon"))
            throw Error("argument", std::string("--") + o.name + " needs --dp-epsilon");
        if (group == "privacy" && a.has("tune"))
            throw Error("argument", "--tune would choose settings on the private data without accounting for it; "
                                    "give --factors, --reg and --alpha with --dp-epsilon");
        if (group == "tuning" && model != "als" && !sasrec)
            throw Error("argument", std::string("--") + o.name +
                                        " tunes als, sasrec and hybrid (for bmf, compare settings "
                                        "with hearth eval --split random)");
    }
}

size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    size_t best_d = SIZE_MAX;
    for (const std::string& c : candidates) {
        const size_t d = edit_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    // A typo: one edit in a short word, two or (from 9 letters) three in a longer one, or the
    // word is a prefix of the candidate (--iter for --iterations).
    const size_t limit = word.size() <= 3 ? 1 : std::max<size_t>(2, std::min<size_t>(3, word.size() / 3));
    if (best_d <= 1) return best;
    if (word.size() >= 3)
        for (const std::string& c : candidates)
            if (c.rfind(word, 0) == 0) return c;
    return best_d <= limit ? best : "";
}

namespace {

namespace fs = std::filesystem;

std::string folder_of(const std::string& path) {
    const fs::path parent = fs::path(path).parent_path();
    return parent.empty() ? std::string(".") : parent.string();
}

void check_writable_folder(const std::string& folder, const std::string& path, const std::string& flag) {
    std::error_code ec;
    if (!fs::exists(folder, ec))
        throw Error("argument", "--" + flag + " " + path + ": the folder " + folder + " does not exist");
    if (!fs::is_directory(folder, ec))
        throw Error("argument", "--" + flag + " " + path + ": " + folder + " is not a folder");
    if (::access(folder.c_str(), W_OK | X_OK) != 0)
        throw Error("argument", "--" + flag + " " + path + ": the folder " + folder + " is not writable");
}

}  // namespace

void check_output_path(const std::string& path, const std::string& flag) {
    if (path.empty()) throw Error("argument", "--" + flag + " needs a file name");
    std::error_code ec;
    if (fs::is_directory(path, ec))
        throw Error("argument", "--" + flag + " " + path +
                                    " is a folder; give a file name, e.g. " +
                                    (fs::path(path) / "model.hearth").string());
    check_writable_folder(folder_of(path), path, flag);
    if (fs::exists(path, ec) && ::access(path.c_str(), W_OK) != 0)
        throw Error("argument", "--" + flag + " " + path + " exists and is not writable");
}

void check_output_dir(const std::string& path, const std::string& flag) {
    if (path.empty()) throw Error("argument", "--" + flag + " needs a folder");
    std::error_code ec;
    if (fs::exists(path, ec)) {
        if (!fs::is_directory(path, ec))
            throw Error("argument", "--" + flag + " " + path + " is a file; give a folder");
        check_writable_folder(path, path, flag);
        return;
    }
    const std::string trimmed = fs::path(path).has_filename() ? path : fs::path(path).parent_path().string();
    check_writable_folder(folder_of(trimmed), path, flag);
}

std::string version_text() {
    // The bundle format version: what a bundle written by this build says in its header.
    BundleWriter w;
    const std::vector<uint8_t> bytes = w.finish();
    const BundleReader r(bytes.data(), bytes.size());
    return std::string("hearth ") + HEARTH_VERSION + " (bundle format " +
           std::to_string(r.version_major()) + "." + std::to_string(r.version_minor()) + ")";
}

}  // namespace hearth::cli
