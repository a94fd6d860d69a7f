#include "core/cli/commands.h"

#include <chrono>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <set>

#include "core/bundle/bundle.h"
#include "core/cli/args.h"
#include "core/cli/common.h"
#include "core/common/error.h"
#include "core/common/json.h"
#include "core/data/readers.h"
#include "core/data/synth.h"
#include "core/engine/engine.h"
#include "core/eval/evaluate.h"
#include "core/eval/split.h"
#include "core/mf/export.h"
#include "core/mf/rating_matrix.h"
#include "core/mf/trainer.h"

namespace hearth::cli {

namespace {

RatingMatrix matrix_of(const Interactions& data, const std::vector<Interaction>& events,
                       MfKind kind) {
    return RatingMatrix::build(static_cast<uint32_t>(data.user_ids.size()),
                               static_cast<uint32_t>(data.item_ids.size()), events, kind);
}

// Trains on everything but each user's last event and ranks the held-out events.
EvalResult evaluate_model(const Dataset& d, const Args& a, const std::string& model) {
    const Split split = leave_last_out(d.interactions, false);
    const uint32_t items = static_cast<uint32_t>(d.interactions.item_ids.size());
    const uint32_t threads = a.get_u32("threads", 2);
    EvalResult r;
    if (model == "pop") {
        const RatingMatrix train = matrix_of(d.interactions, split.train, MfKind::Implicit);
        r.ranking = evaluate_ranking(items, train.by_user, split.test, popularity_scorer(train),
                                     threads);
        return r;
    }
    const MfConfig config = model_config(a);
    const RatingMatrix train = matrix_of(d.interactions, split.train, config.params.kind);
    std::fprintf(stderr, "training %s on %zu events, %zu held out\n", model.c_str(),
                 split.train.size(), split.test.size());
    const MfModel m = train_mf(train, config, print_progress);
    r.ranking = evaluate_ranking(items, train.by_user, split.test, mf_scorer(m), threads);
    if (config.params.kind == MfKind::Explicit) {
        r.rating = evaluate_ratings(m, split.test);
        r.has_rating = true;
    }
    return r;
}

// "id[:value],id[:value],..." against the bundle's catalog.
std::vector<HistoryEntry> parse_history(const Engine& engine, const std::string& text) {
    std::vector<HistoryEntry> history;
    size_t pos = 0;
    while (pos <= text.size() && !text.empty()) {
        size_t comma = text.find(',', pos);
        if (comma == std::string::npos) comma = text.size();
        std::string token = text.substr(pos, comma - pos);
        pos = comma + 1;
        if (token.empty()) continue;
        float value = 1.0f;
        const size_t colon = token.rfind(':');
        if (colon != std::string::npos) {
            const std::string v = token.substr(colon + 1);
            char* end = nullptr;
            value = std::strtof(v.c_str(), &end);
            if (v.empty() || *end != '\0' || !std::isfinite(value))
                throw Error("argument", "history entry '" + token + "': value is not a number");
            token = token.substr(0, colon);
        }
        const int64_t item = engine.catalog().find(token);
        if (item < 0)
            throw Error("argument", "history entry '" + token + "' is not in the catalog");
        history.push_back({static_cast<uint32_t>(item), value});
    }
    return history;
}

ModelChoice parse_model_choice(const std::string& name) {
    if (name == "auto") return ModelChoice::Auto;
    if (name == "mf") return ModelChoice::Mf;
    if (name == "sasrec") return ModelChoice::Sasrec;
    if (name == "hybrid") return ModelChoice::Hybrid;
    throw Error("argument", "--model must be auto, mf, sasrec or hybrid, got '" + name + "'");
}

std::unique_ptr<Engine> open_engine(const Args& a) { return Engine::from_file(a.require("bundle")); }

}  // namespace

int run_synth(const std::vector<std::string>& argv) {
    if (wants_help(argv, "usage: hearth synth --out DIR [--items N] [--users N] [--seed N]\n"
                         "                    [--mean-history X]\n"))
        return 0;
    const Args a(argv, {"out", "items", "users", "seed", "mean-history"}, {});
    SynthConfig c;
    c.items = a.get_u32("items", c.items);
    c.users = a.get_u32("users", c.users);
    c.seed = a.get_u64("seed", c.seed);
    c.mean_history = a.get_float("mean-history", c.mean_history);
    const std::string dir = a.require("out");
    const SynthWorld world = generate_synth_world(c);
    write_synth_world(world, dir);
    std::printf("wrote %s/ratings.csv (%zu events, %zu users) and %s/items.csv (%zu items)\n",
                dir.c_str(), world.interactions.events.size(), world.interactions.user_ids.size(),
                dir.c_str(), world.metadata.items.size());
    return 0;
}

namespace {

bool is_sequence_model(const std::vector<std::string>& argv) {
    for (size_t i = 0; i + 1 < argv.size(); ++i)
        if (argv[i] == "--model" && (argv[i + 1] == "sasrec" || argv[i + 1] == "hybrid")) return true;
    for (const std::string& s : argv)
        if (s == "--model=sasrec" || s == "--model=hybrid") return true;
    return false;
}

}  // namespace

int run_train(const std::vector<std::string>& argv) {
    if (is_sequence_model(argv)) return run_sequence(argv, true);
    const std::string help = std::string("usage: hearth train --data PATH --out FILE [options]\n") +
                             kDataHelp + kModelHelp +
                             "  --out FILE            the .hearth bundle to write\n"
                             "  --eval                also evaluate (leave-last-out) and store the\n"
                             "                        metrics in the bundle's metadata\n";
    if (wants_help(argv, help.c_str())) return 0;
    const Args a(argv, join(join(kDataOptions, kModelOptions), {"out"}), {"eval"});
    const std::string out = a.require("out");
    const MfConfig config = model_config(a);
    const Dataset d = load(a);
    const std::string model_name = a.get("model", "als");

    EvalResult metrics;
    if (a.has("eval")) {
        metrics = evaluate_model(d, a, model_name);
        print_metrics(model_name, metrics);
    }
    const RatingMatrix all = matrix_of(d.interactions, d.interactions.events, config.params.kind);
    std::fprintf(stderr, "training %s on %zu events: %u users x %u items, %u factors\n",
                 model_name.c_str(), d.interactions.events.size(), all.users, all.items,
                 config.factors);
    const auto t0 = std::chrono::steady_clock::now();
    const MfModel model = train_mf(all, config, print_progress);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    Json j;
    j.begin_object();
    j.field("format", "hearth-bundle");
    j.field("model", config.params.kind == MfKind::Implicit ? "mf-implicit-als" : "mf-biased");
    j.key("hyperparameters").begin_object();
    j.field("factors", config.factors).field("reg", config.params.reg);
    j.field("alpha", config.params.alpha).field("iterations", config.iterations);
    j.field("reg_scales_with_count", config.params.reg_scales_with_count);
    j.field("seed", static_cast<uint64_t>(config.seed));
    j.end_object();
    j.key("training").begin_object();
    // The file name only: a bundle is published, the trainer's folders are not.
    j.field("source", std::filesystem::path(a.require("data")).filename().string());
    j.field("users", all.users).field("items", all.items);
    j.field("events", static_cast<uint64_t>(d.interactions.events.size()));
    j.field("explicit_ratings", d.interactions.has_ratings);
    j.field("seconds", seconds);
    j.end_object();
    if (a.has("eval")) {
        j.key("metrics");
        metrics_json(j, metrics);
    }
    j.end_object();

    const CatalogData catalog = build_catalog(d.interactions, d.metadata);
    mf_bundle_writer(model, catalog, j.str()).write_file(out);
    const auto bytes = static_cast<size_t>(std::filesystem::file_size(out));
    std::printf("wrote %s (%zu bytes, %u items, %u factors, trained in %.2fs)\n", out.c_str(),
                bytes, all.items, config.factors, seconds);
    return 0;
}

int run_eval(const std::vector<std::string>& argv) {
    if (is_sequence_model(argv)) return run_sequence(argv, false);
    const std::string help = std::string("usage: hearth eval --data PATH [options]\n") +
                             kDataHelp + kModelHelp + "  --json                print JSON\n";
    if (wants_help(argv, help.c_str())) return 0;
    const Args a(argv, join(kDataOptions, kModelOptions), {"json"});
    const std::string model = a.get("model", "als");
    if (model != "pop") model_config(a);  // validate options before loading data
    const Dataset d = load(a);
    const EvalResult r = evaluate_model(d, a, model);
    if (a.has("json")) {
        Json j;
        j.begin_object().field("model", model).key("metrics");
        metrics_json(j, r);
        j.end_object();
        std::printf("%s\n", j.str().c_str());
    } else {
        print_metrics(model, r);
    }
    return 0;
}

int run_inspect(const std::vector<std::string>& argv) {
    if (wants_help(argv, "usage: hearth inspect BUNDLE\n")) return 0;
    const Args a(argv, {}, {});
    if (a.positional().size() != 1) throw Error("argument", "inspect takes one bundle path");
    const std::unique_ptr<Engine> engine = Engine::from_file(a.positional()[0]);
    const BundleReader& b = engine->bundle();
    std::printf("bundle %s: format %u.%u, %zu sections\n", a.positional()[0].c_str(),
                b.version_major(), b.version_minor(), b.sections().size());
    static const char* kTypes[] = {"?", "json", "strings", "f32", "i8", "u32"};
    for (const SectionInfo& s : b.sections()) {
        const uint32_t t = static_cast<uint32_t>(s.dtype);
        std::printf("  %-24s %-8s %8u x %-6u %10llu bytes at %llu\n", s.name.c_str(),
                    t < 6 ? kTypes[t] : "?", s.rows, s.cols,
                    static_cast<unsigned long long>(s.length),
                    static_cast<unsigned long long>(s.offset));
    }
    const Catalog& c = engine->catalog();
    std::printf("catalog: %u items, %u tags\n", c.size(), c.tag_count());
    for (uint32_t i = 0; i < c.size() && i < 3; ++i)
        std::printf("  %.*s  %.*s\n", static_cast<int>(c.id(i).size()), c.id(i).data(),
                    static_cast<int>(c.title(i).size()), c.title(i).data());
    if (engine->has_mf()) {
        const MfModelView& m = engine->mf_model();
        std::printf("mf: %s, %u factors, reg %g, alpha %g\n",
                    m.params.kind == MfKind::Implicit ? "implicit ALS" : "explicit biased MF",
                    m.items.dim, m.params.reg, m.params.alpha);
    }
    if (engine->has_sasrec()) {
        const SasrecConfig& s = engine->sasrec_model().config;
        std::printf("sasrec: dim %u, %u heads, %u blocks, max_len %u, ffn %u, %s\n", s.dim,
                    s.heads, s.blocks, s.max_len, s.ffn_dim,
                    s.variant == SasrecVariant::PreNorm ? "pre-norm" : "original layout");
    }
    if (engine->has_mf() && engine->has_sasrec())
        std::printf("hybrid: SASRec weight %g\n", engine->hybrid_weight());
    const std::string_view meta = engine->meta_json();
    std::printf("meta: %.*s\n", static_cast<int>(meta.size()), meta.data());
    return 0;
}

int run_recommend(const std::vector<std::string>& argv) {
    if (wants_help(argv, "usage: hearth recommend --bundle FILE --history ID[:VALUE],...\n"
                         "                        [--k 10] [--reasons 3] [--model auto|mf|sasrec|hybrid]\n"
                         "                        [--hybrid-weight W] [--json]\n"
                         "  the history is oldest first\n"))
        return 0;
    const Args a(argv, {"bundle", "history", "k", "reasons", "model", "hybrid-weight"}, {"json"});
    const std::unique_ptr<Engine> engine = open_engine(a);
    const std::vector<HistoryEntry> history = parse_history(*engine, a.get("history"));
    RecommendOptions options;
    options.k = a.get_u32("k", 10);
    options.reasons = a.get_u32("reasons", 3);
    options.model = parse_model_choice(a.get("model", "auto"));
    options.hybrid_weight = a.get_float("hybrid-weight", -1.0f);
    const Recommendations& recs = engine->recommend(history.data(), history.size(), options);
    const Catalog& c = engine->catalog();
    if (a.has("json")) {
        Json j;
        j.begin_object().field("model", model_choice_name(recs.model)).key("items").begin_array();
        for (size_t r = 0; r < recs.items.size(); ++r) {
            const uint32_t item = recs.items[r].index;
            j.begin_object().field("id", c.id(item)).field("title", c.title(item));
            j.field("score", recs.items[r].score).field("base", recs.base[r]);
            j.key("because").begin_array();
            for (uint32_t k = recs.reason_start[r]; k < recs.reason_start[r + 1]; ++k)
                j.begin_object()
                    .field("id", c.id(recs.reasons[k].item))
                    .field("weight", recs.reasons[k].weight)
                    .end_object();
            j.end_array().end_object();
        }
        j.end_array().end_object();
        std::printf("%s\n", j.str().c_str());
        return 0;
    }
    for (size_t r = 0; r < recs.items.size(); ++r) {
        const uint32_t item = recs.items[r].index;
        std::printf("%2zu. %-40.*s score %.4f\n", r + 1, static_cast<int>(c.title(item).size()),
                    c.title(item).data(), recs.items[r].score);
        for (uint32_t k = recs.reason_start[r]; k < recs.reason_start[r + 1]; ++k) {
            const std::string_view t = c.title(recs.reasons[k].item);
            std::printf("      because of %.*s (+%.4f)\n", static_cast<int>(t.size()), t.data(),
                        recs.reasons[k].weight);
        }
    }
    return 0;
}

int run_explain(const std::vector<std::string>& argv) {
    if (wants_help(argv, "usage: hearth explain --bundle FILE --history ID[:VALUE],... --item ID\n"
                         "                      [--model auto|mf|sasrec|hybrid] [--hybrid-weight W] [--json]\n"))
        return 0;
    const Args a(argv, {"bundle", "history", "item", "model", "hybrid-weight"}, {"json"});
    const std::unique_ptr<Engine> engine = open_engine(a);
    const std::vector<HistoryEntry> history = parse_history(*engine, a.get("history"));
    const std::string id = a.require("item");
    const int64_t item = engine->catalog().find(id);
    if (item < 0) throw Error("argument", "item '" + id + "' is not in the catalog");
    const Explanation& e =
        engine->explain(history.data(), history.size(), static_cast<uint32_t>(item),
                        parse_model_choice(a.get("model", "auto")), a.get_float("hybrid-weight", -1.0f));
    const Catalog& c = engine->catalog();
    if (a.has("json")) {
        Json j;
        j.begin_object().field("id", id).field("model", model_choice_name(e.model));
        j.field("score", e.score).field("base", e.base).field("additive", e.additive);
        j.key("contributions").begin_array();
        for (const Reason& r : e.contributions)
            j.begin_object().field("id", c.id(r.item)).field("weight", r.weight).end_object();
        j.end_array().key("attention").begin_array();
        for (const Reason& r : e.attention)
            j.begin_object().field("id", c.id(r.item)).field("weight", r.weight).end_object();
        j.end_array().end_object();
        std::printf("%s\n", j.str().c_str());
        return 0;
    }
    if (e.additive)
        std::printf("%s: score %.5f = base %.5f + history contributions:\n", id.c_str(), e.score, e.base);
    else
        std::printf("%s: score %.5f; influence of each history item (score minus the score "
                    "without it):\n", id.c_str(), e.score);
    for (const Reason& r : e.contributions) {
        const std::string_view t = c.title(r.item);
        std::printf("  %+.5f  %.*s\n", r.weight, static_cast<int>(t.size()), t.data());
    }
    return 0;
}

}  // namespace hearth::cli
