#include "core/cli/commands.h"

#include <chrono>
#include <filesystem>
#include <cstdio>
#include <cmath>
#include <iostream>
#include <optional>
#include <set>

#include "core/cli/args.h"
#include "core/cli/common.h"
#include "core/cli/eval_folds.h"
#include "core/cli/eval_lists.h"
#include "core/cli/options.h"
#include "core/cli/progress.h"
#include "core/common/error.h"
#include "core/data/json.h"
#include "core/data/readers.h"
#include "core/data/synth.h"
#include "core/device/bundle/bundle.h"
#include "core/device/engine/engine.h"
#include "core/eval/evaluate.h"
#include "core/eval/split.h"
#include "core/train/export/content_model.h"
#include "core/train/export/export.h"
#include "core/train/mf/rating_matrix.h"
#include "core/train/mf/private_als.h"
#include "core/train/privacy/statement.h"
#include "core/train/mf/trainer.h"
#include "core/train/tune/coordinate_search.h"
#include "core/train/tune/mf_tune.h"

namespace hearth::cli {

namespace {

// --dp-epsilon and its companions; nullopt when training is not private.
std::optional<DpAlsConfig> dp_config(const Args& a) {
    if (!a.has("dp-epsilon")) return std::nullopt;
    DpAlsConfig dp;
    dp.epsilon = a.get_float("dp-epsilon", 0.0f);
    if (!(dp.epsilon > 0.0) || !std::isfinite(dp.epsilon))
        throw Error("argument", "--dp-epsilon must be a positive number, got " + a.get("dp-epsilon"));
    dp.delta = a.get_float("dp-delta", 0.0f);
    if (a.has("dp-delta") && !(dp.delta > 0.0 && dp.delta < 1.0))
        throw Error("argument", "--dp-delta must be in (0, 1), got " + a.get("dp-delta"));
    dp.max_items_per_user = a.get_u32("dp-max-items", dp.max_items_per_user);
    dp.user_norm_clip = a.get_float("dp-clip", dp.user_norm_clip);
    dp.min_item_users = a.get_float("dp-min-item-users", static_cast<float>(dp.min_item_users));
    return dp;
}

// train_mf, or train_mf_private under --dp-epsilon (its report into `privacy`).
MfModel train_mf_maybe_private(const RatingMatrix& data, const MfConfig& config, const std::optional<DpAlsConfig>& dp,
                               DpAlsReport* privacy) {
    if (!dp) return train_mf(data, config, mf_progress(config));
    DpAlsReport report;
    MfModel m = train_mf_private(data, config, *dp, report, [&](const IterationReport& r) {
        std::fprintf(stderr, "private ALS iteration %u/%u  %.1f s\n", r.iteration, config.iterations, r.seconds);
    });
    std::fprintf(stderr,
                 "private: epsilon %.3g, delta %.3g (user level; noise multiplier %.3f over %u releases); "
                 "%llu interactions used (%u users have more than %u, each of their items weighted down), %llu of items left out; "
                 "%u of %u items trained (noisy count of users >= %g); %u iterations needed a larger ridge\n",
                 report.epsilon, report.delta, report.noise_multiplier, report.releases,
                 static_cast<unsigned long long>(report.interactions_used), report.users_weighted,
                 report.max_items_per_user, static_cast<unsigned long long>(report.interactions_dropped),
                 report.items_trained, data.items, report.min_item_users, report.shifted_solves);
    if (privacy) *privacy = report;
    return m;
}

RatingMatrix matrix_of(const Interactions& data, const std::vector<Interaction>& events,
                       MfKind kind) {
    return RatingMatrix::build(static_cast<uint32_t>(data.user_ids.size()),
                               static_cast<uint32_t>(data.item_ids.size()), events, kind);
}

// Trains on everything but each user's last event and ranks the held-out events. With
// `lists` (hearth eval), also measures the top-10 lists after re-ranking.
EvalResult evaluate_model(const Dataset& d, const Args& a, const std::string& model,
                          const MfConfig& config, const ListOptions* lists = nullptr) {
    const Split split = leave_last_out(d.interactions, false);
    const uint32_t items = static_cast<uint32_t>(d.interactions.item_ids.size());
    const uint32_t threads = a.get_u32("threads", 2);
    EvalResult r;
    // The same split, history rows and scorer as the ranking metrics, so that the lists
    // without re-ranking reproduce HR@10 and NDCG@10 exactly.
    auto measure_lists = [&](const SparseRows& history, const UserScorer& scorer,
                             const float* embeddings, uint32_t dim, const std::string& name) {
        if (!lists) return;
        const ListSetup setup = list_setup(
            d, *lists, embeddings, dim, name,
            item_popularity(items, static_cast<uint32_t>(d.interactions.user_ids.size()), split.train));
        r.lists = evaluate_list_summary(setup, *lists, history, split.test, [&] { return scorer; },
                                        threads, lists->sweep);
        r.has_lists = true;
    };
    if (model == "pop") {
        const RatingMatrix train = matrix_of(d.interactions, split.train, MfKind::Implicit);
        const UserScorer scorer = popularity_scorer(train);
        r.ranking = evaluate_ranking(items, train.by_user, split.test, scorer, threads);
        measure_lists(train.by_user, scorer, nullptr, 0, "popularity");
        return r;
    }
    const RatingMatrix train = matrix_of(d.interactions, split.train, config.params.kind);
    std::fprintf(stderr, "training %s on %zu events, %zu held out\n", model.c_str(),
                 split.train.size(), split.test.size());
    const MfModel m = train_mf_maybe_private(train, config, dp_config(a), nullptr);
    const UserScorer scorer = mf_scorer(m);
    r.ranking = evaluate_ranking(items, train.by_user, split.test, scorer, threads);
    if (config.params.kind == MfKind::Explicit) {
        r.rating = evaluate_ratings(m, split.test);
        r.has_rating = true;
    }
    measure_lists(train.by_user, scorer, m.item_factors.data(), m.dim, "MF item factors");
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

std::unique_ptr<Engine> open_engine(const Args& a) { return Engine::from_file(a.require("bundle")); }

}  // namespace

int run_synth(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("synth"))) return 0;
    const Args a(argv, command("synth"));
    check_output_dir(a.require("out"), "out");
    SynthConfig c;
    c.items = a.get_u32("items", c.items);
    c.users = a.get_u32("users", c.users);
    c.seed = a.get_u64("seed", c.seed);
    c.mean_history = a.get_float("mean-history", c.mean_history);
    c.new_releases = a.get_u32("new-releases", c.new_releases);
    c.language = pick_option<SynthLanguage>(a.get("lang", "en"), "lang",
                                            {{"en", SynthLanguage::English},
                                             {"zh", SynthLanguage::Chinese}});
    const std::string dir = a.require("out");
    const SynthWorld world = generate_synth_world(c);
    write_synth_world(world, dir);
    std::printf("wrote %s/ratings.csv (%zu events, %zu users) and %s/items.csv (%zu items, %zu "
                "of them new releases without ratings)\n",
                dir.c_str(), world.interactions.events.size(), world.interactions.user_ids.size(),
                dir.c_str(), world.metadata.items.size(), world.new_releases.size());
    return 0;
}

namespace {

// model_config(a), or with --tune (ALS) the settings the search chose on a validation split
// that the test events of --eval are not part of.
MfConfig chosen_mf_config(const Args& a, const Dataset& d, std::string* tuning_json) {
    MfConfig config = model_config(a);
    if (!a.has("tune")) {
        if (a.has("tune-budget")) throw Error("argument", "--tune-budget needs --tune");
        return config;
    }
    const MfFixedSettings fixed{a.has("factors"), a.has("reg"), a.has("alpha")};
    const MfTuneResult r = tune_mf(d.interactions, config, fixed, a.get_float("tune-budget", 12.0f), 0.01,
                                   [](size_t index, const MfTuneTrial& t) {
                                       std::fputs(tune_trial_line(index, t).c_str(), stderr);
                                   });
    std::fputs(tune_summary(r).c_str(), stderr);
    if (tuning_json) {
        Json j;
        const size_t chosen = chosen_trial(r.trials);
        j.begin_object().field("method", "coordinate search from the defaults on validation NDCG@10");
        j.key("searched").begin_array();
        for (const std::string& name : r.searched) j.value(name);
        j.end_array();
        j.field("budget_trainings", r.budget).field("spent_trainings", r.spent);
        j.field("budget_ran_out", r.budget_ran_out).field("chosen_trial", static_cast<uint64_t>(chosen + 1));
        j.key("trials").begin_array();
        for (const MfTuneTrial& t : r.trials)
            j.begin_object().field("factors", t.factors).field("reg", t.reg).field("alpha", t.alpha)
                .field("val_ndcg10", t.val_ndcg10).field("seconds", t.seconds).end_object();
        j.end_array().end_object();
        *tuning_json = j.str();
    }
    return r.config;
}

bool is_sequence_model(const Args& a) {
    const std::string model = a.get("model", "als");
    return model == "sasrec" || model == "hybrid";
}

}  // namespace

int run_train(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("train"))) return 0;
    const Args a(argv, command("train"));
    check_model_options(a, command("train"));
    const std::string out = a.require("out");
    check_output_path(out, "out");  // before any work: a bad path fails now, not after training
    if (is_sequence_model(a)) return run_sequence(argv, true);
    model_config(a);  // validate options before loading data
    const Dataset d = load(a);
    const std::string model_name = a.get("model", "als");
    std::string tuning;
    const MfConfig config = chosen_mf_config(a, d, &tuning);

    EvalResult metrics;
    if (a.has("eval")) {
        metrics = evaluate_model(d, a, model_name, config);
        print_metrics(model_name, metrics);
    }
    const RatingMatrix all = matrix_of(d.interactions, d.interactions.events, config.params.kind);
    std::fprintf(stderr, "training %s on %zu events: %u users x %u items, %u factors\n",
                 model_name.c_str(), d.interactions.events.size(), all.users, all.items,
                 config.factors);
    const auto t0 = std::chrono::steady_clock::now();
    const std::optional<DpAlsConfig> dp = dp_config(a);
    DpAlsReport privacy;
    MfModel model = train_mf_maybe_private(all, config, dp, &privacy);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // Items with tags but no events join the bundle's catalog, placed by the content model.
    const CatalogData catalog = build_catalog(d.interactions, d.metadata, CatalogScope::WithNewItems);
    const std::vector<uint32_t> placed = content_placed_items(catalog);
    place_mf_items(model, catalog, placed);
    if (!placed.empty())
        std::fprintf(stderr, "content model: placed %zu items that have tags but no events\n",
                     placed.size());

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
    j.field("content_items", static_cast<uint64_t>(placed.size()));
    j.field("seconds", seconds);
    j.end_object();
    if (!tuning.empty()) j.key("tuning").raw(tuning);
    j.key("privacy").raw(dp ? privacy_json(privacy, config.iterations) : no_privacy_json());
    if (a.has("eval")) {
        j.key("metrics");
        metrics_json(j, metrics);
    }
    j.end_object();

    BundleWriter w = mf_bundle_writer(model, catalog, j.str());
    write_content_items(w, placed);
    w.write_file(out);
    const auto bytes = static_cast<size_t>(std::filesystem::file_size(out));
    std::printf("wrote %s (%zu bytes, %zu items, %u factors, trained in %.2fs)\n", out.c_str(),
                bytes, catalog.ids.size(), config.factors, seconds);
    return 0;
}

int run_eval(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("eval"))) return 0;
    const Args a(argv, command("eval"));
    check_model_options(a, command("eval"));
    if (a.has("sweep-out")) check_output_path(a.get("sweep-out") + ".svg", "sweep-out");
    if (is_sequence_model(a)) return run_sequence(argv, false);
    const std::string model = a.get("model", "als");
    if (model != "pop") model_config(a);  // validate options before loading data
    const bool random = random_split(a);
    const ListOptions lists = list_options(a);
    const Dataset d = load(a);
    if (random) return run_eval_folds(d, a, model);
    std::string tuning;
    const MfConfig config = model == "pop" ? MfConfig{} : chosen_mf_config(a, d, &tuning);
    const EvalResult r = evaluate_model(d, a, model, config, &lists);
    if (a.has("json")) {
        Json j;
        j.begin_object().field("model", model);
        if (!tuning.empty()) j.key("tuning").raw(tuning);
        j.key("metrics");
        metrics_json(j, r);
        if (lists.sweep) {
            j.key("sweep");
            report_sweep(lists, r.lists, sweep_subject(a, model), true, &j);
        }
        j.end_object();
        std::printf("%s\n", j.str().c_str());
    } else {
        print_metrics(model, r);
        if (lists.sweep) report_sweep(lists, r.lists, sweep_subject(a, model), false, nullptr);
    }
    return 0;
}

int run_inspect(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("inspect"))) return 0;
    const Args a(argv, command("inspect"));
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
    uint32_t kinds[4] = {0, 0, 0, 0};
    for (uint32_t t = 0; t < c.tag_count(); ++t) ++kinds[static_cast<uint8_t>(c.tag_kind(t))];
    std::printf("catalog: %u items, %u tags (%u genres, %u moods, %u series, %u other)\n", c.size(),
                c.tag_count(), kinds[1], kinds[2], kinds[3], kinds[0]);
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
    std::printf("privacy: %s\n", privacy_words(meta).c_str());
    std::printf("meta: %.*s\n", static_cast<int>(meta.size()), meta.data());
    return 0;
}

namespace {

std::vector<uint32_t> parse_item_list(const Engine& engine, const std::string& list, const char* flag) {
    std::vector<uint32_t> out;
    for (const std::string& id : split_list(list)) {
        const int64_t item = engine.catalog().find(id);
        if (item < 0) throw Error("argument", std::string(flag) + ": item '" + id + "' is not in the catalog");
        out.push_back(static_cast<uint32_t>(item));
    }
    return out;
}

std::vector<uint32_t> parse_tag_list(const Engine& engine, const std::string& list, const char* flag) {
    std::vector<uint32_t> out;
    const Catalog& c = engine.catalog();
    for (const std::string& name : split_list(list)) {
        uint32_t t = 0;
        while (t < c.tag_count() && c.tag_name(t) != name) ++t;
        if (t == c.tag_count()) throw Error("argument", std::string(flag) + ": tag '" + name + "' is not in the catalog");
        out.push_back(t);
    }
    return out;
}

}  // namespace

int run_recommend(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("recommend"))) return 0;
    const Args a(argv, command("recommend"));
    const std::unique_ptr<Engine> engine = open_engine(a);
    const std::vector<HistoryEntry> history = parse_history(*engine, a.get("history"));
    RecommendOptions options;
    options.k = a.get_u32("k", 10);
    options.reasons = a.get_u32("reasons", 3);
    options.model = parse_model_choice(a.get("model", "auto"));
    options.hybrid_weight = a.get_float("hybrid-weight", -1.0f);
    RerankControls& controls = options.controls;
    controls.diversity = a.get_float("diversity", 0.0f);
    controls.calibration = a.get_float("calibration", 0.0f);
    controls.novelty = a.get_float("novelty", 0.0f);
    controls.feedback = a.get_float("feedback", controls.feedback);
    if (a.has("mood")) {
        const int64_t mood = engine->moods().find(a.get("mood"));
        if (mood < 0) throw Error("argument", "--mood: the bundle has no mood '" + a.get("mood") + "'");
        options.mood = static_cast<int32_t>(mood);
        controls.mood = a.get_float("mood-strength", 0.5f);
    }
    const std::vector<uint32_t> avoid = parse_item_list(*engine, a.get("avoid"), "--avoid");
    const std::vector<uint32_t> avoid_tags = parse_tag_list(*engine, a.get("avoid-tag"), "--avoid-tag");
    const std::vector<uint32_t> block_tags = parse_tag_list(*engine, a.get("block-tag"), "--block-tag");
    controls.avoid_items = avoid.data();
    controls.avoid_item_count = avoid.size();
    controls.avoid_tags = avoid_tags.data();
    controls.avoid_tag_count = avoid_tags.size();
    controls.block_tags = block_tags.data();
    controls.block_tag_count = block_tags.size();
    Workspace ws(*engine);
    Recommendations recs;
    engine->recommend(history.data(), history.size(), options, ws, recs);
    const Catalog& c = engine->catalog();
    if (a.has("json")) {
        Json j;
        j.begin_object().field("model", model_choice_name(recs.model)).key("items").begin_array();
        for (size_t r = 0; r < recs.items.size(); ++r) {
            const uint32_t item = recs.items[r].index;
            j.begin_object().field("id", c.id(item)).field("title", c.title(item));
            j.field("score", recs.items[r].score).field("base", recs.base[r]);
            j.field("model_rank", recs.model_rank[r]);
            if (recs.popular_in[r] >= 0)
                j.field("popular_in", c.tag_name(static_cast<uint32_t>(recs.popular_in[r])));
            j.key("controls").begin_array();
            for (uint32_t b = 0; b < kControlCount; ++b)
                if (recs.controls[r] & (1u << b)) j.value(control_name(b));
            j.end_array();
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
        std::printf("%2zu. %-40.*s score %.4f", r + 1, static_cast<int>(c.title(item).size()),
                    c.title(item).data(), recs.items[r].score);
        if (recs.popular_in[r] >= 0) {
            const std::string_view tag = c.tag_name(static_cast<uint32_t>(recs.popular_in[r]));
            std::printf("  popular in %.*s", static_cast<int>(tag.size()), tag.data());
        }
        for (uint32_t b = 0; b < kControlCount; ++b)
            if (recs.controls[r] & (1u << b))
                std::printf("  [%s: from #%u]", control_name(b), recs.model_rank[r] + 1);
        std::printf("\n");
        for (uint32_t k = recs.reason_start[r]; k < recs.reason_start[r + 1]; ++k) {
            const std::string_view t = c.title(recs.reasons[k].item);
            std::printf("      because of %.*s (+%.4f)\n", static_cast<int>(t.size()), t.data(),
                        recs.reasons[k].weight);
        }
    }
    return 0;
}

int run_explain(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("explain"))) return 0;
    const Args a(argv, command("explain"));
    const std::unique_ptr<Engine> engine = open_engine(a);
    const std::vector<HistoryEntry> history = parse_history(*engine, a.get("history"));
    const std::string id = a.require("item");
    const int64_t item = engine->catalog().find(id);
    if (item < 0) throw Error("argument", "item '" + id + "' is not in the catalog");
    Workspace ws(*engine);
    Explanation e;
    engine->explain(history.data(), history.size(), static_cast<uint32_t>(item), ws, e,
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
