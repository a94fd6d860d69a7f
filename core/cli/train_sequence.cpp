// `hearth train|eval --model sasrec|hybrid`: the sequence model, and its blend with MF.
//
// One run trains on each user's sequence without its last two items, stops early on the
// second-to-last (validation), and measures on the last (test), with the validation item
// then part of the input. The exported model is that same model, so the metrics in a
// bundle are the metrics of the bundle.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <unordered_map>

#include "core/cli/commands.h"
#include "core/cli/common.h"
#include "core/cli/eval_lists.h"
#include "core/cli/options.h"
#include "core/cli/progress.h"
#include "core/common/error.h"
#include "core/device/bundle/bundle.h"
#include "core/device/engine/engine.h"
#include "core/device/engine/mf_scorer.h"
#include "core/device/engine/sasrec_scorer.h"
#include "core/device/sasrec/sasrec_bundle.h"
#include "core/eval/sequences.h"
#include "core/train/export/content_model.h"
#include "core/train/export/export.h"
#include "core/train/mf/private_als.h"
#include "core/train/privacy/rdp.h"
#include "core/train/privacy/statement.h"
#include "core/train/import/import.h"
#include "core/train/import/import_mf.h"
#include "core/train/sasrec/sasrec_trainer.h"
#include "core/train/tune/coordinate_search.h"
#include "core/train/tune/sasrec_tune.h"

namespace hearth::cli {

namespace {

SasrecTrainConfig sasrec_config(const Args& a, uint32_t items) {
    SasrecTrainConfig c;
    c.model.items = items;
    c.model.dim = a.get_u32("dim", 64);
    c.model.heads = a.get_u32("heads", 1);
    c.model.blocks = a.get_u32("blocks", 2);
    c.model.max_len = a.get_u32("max-len", 50);
    c.model.ffn_dim = a.get_u32("ffn-dim", c.model.dim);
    c.model.emb_scale = std::sqrt(static_cast<float>(c.model.dim));
    c.model.variant = pick_option<SasrecVariant>(
        a.get("variant", "prenorm"), "variant",
        {{"prenorm", SasrecVariant::PreNorm}, {"original", SasrecVariant::Original}});
    c.model.activation = pick_option<Activation>(
        a.get("activation", "relu"), "activation",
        {{"relu", Activation::Relu}, {"gelu", Activation::Gelu}});
    c.loss = pick_option<SasrecLoss>(a.get("loss", "ce"), "loss",
                                     {{"ce", SasrecLoss::FullSoftmax},
                                      {"sampled", SasrecLoss::SampledSoftmax},
                                      {"bce", SasrecLoss::Bce}});
    c.negatives = a.get_u32("negatives", c.negatives);
    c.dropout = a.get_float("dropout", c.dropout);
    c.lr = a.get_float("lr", c.lr);
    c.weight_decay = a.get_float("weight-decay", c.weight_decay);
    c.batch = a.get_u32("batch", c.batch);
    c.epochs = a.get_u32("epochs", c.epochs);
    c.patience = a.get_u32("patience", c.patience);
    c.lr_patience = a.get_u32("lr-patience", c.lr_patience);
    c.threads = a.get_u32("threads", 2);
    c.seed = a.get_u64("seed", 42);
    c.checkpoint = a.get("checkpoint");
    c.model.validate();
    return c;
}

// The validation-time inputs are the training sequences; the test-time inputs add the
// validation item.
std::vector<std::vector<uint32_t>> test_inputs(const std::vector<std::vector<uint32_t>>& seqs) {
    std::vector<std::vector<uint32_t>> in(seqs.size());
    for (size_t u = 0; u < seqs.size(); ++u)
        if (!seqs[u].empty()) in[u].assign(seqs[u].begin(), seqs[u].end() - 1);
    return in;
}

std::vector<HistoryEntry> as_history(const std::vector<uint32_t>& items) {
    std::vector<HistoryEntry> h;
    for (uint32_t i : items) h.push_back({i, 1.0f});
    return h;
}

// Scores of one model family for a user's input sequence, one scorer per thread.
ScorerFactory scorers(const std::vector<std::vector<uint32_t>>& inputs, const SasrecView* seq,
                      const MfModelView* mf, float weight) {
    return [&inputs, seq, mf, weight]() -> UserScorer {
        auto s = seq ? std::make_shared<SasrecScorer>(*seq) : nullptr;
        auto m = mf ? std::make_shared<MfScorer>(*mf) : nullptr;
        auto buffer = std::make_shared<std::vector<float>>(
            seq && mf ? static_cast<size_t>(seq->config.items) : size_t(0));
        return [&inputs, s, m, buffer, weight](uint32_t user, float* out) {
            const std::vector<uint32_t>& in = inputs[user];
            if (s) {
                s->encode(in.data(), in.size());
                s->score_all(out);
            }
            if (m) {
                const std::vector<HistoryEntry> h = as_history(in);
                m->fold_in(h.data(), h.size());
                m->score_all(s ? buffer->data() : out);
            }
            if (s && m) {
                float a, b;
                blend_scores(out, buffer->data(), buffer->size(), weight, out, a, b);
            }
        };
    };
}

// The SASRec share that maximises validation NDCG@10, on a grid of 0.1.
float tune_hybrid_weight(uint32_t items, const SequenceSplit& split, const SasrecView& seq,
                         const MfModelView& mf, uint32_t threads) {
    const SparseRows history = history_rows(split.train);
    float best_w = 0.5f;
    double best = -1.0;
    for (int step = 0; step <= 10; ++step) {
        const float w = static_cast<float>(step) / 10.0f;
        const RankingMetrics m =
            evaluate_ranking(items, history, split.validation, scorers(split.train, &seq, &mf, w), threads);
        std::fprintf(stderr, "  hybrid weight %.1f: validation NDCG@10 %.4f\n", w, m.ndcg10);
        if (m.ndcg10 > best) {
            best = m.ndcg10;
            best_w = w;
        }
    }
    return best_w;
}

struct NamedResult {
    std::string name;
    std::string protocol;
    EvalResult result;
};

}  // namespace

int run_sequence(const std::vector<std::string>& argv, bool train) {
    const Command& spec = command(train ? "train" : "eval");
    if (wants_help(argv, spec)) return 0;
    const Args a(argv, spec);
    check_model_options(a, spec);
    const std::string model = a.require("model");
    const bool hybrid = model == "hybrid";
    const bool evaluate = !train || a.has("eval");
    const std::string out = train ? a.require("out") : "";
    // Before any work: a bad path fails now, not after the last epoch.
    if (train) check_output_path(out, "out");
    if (a.has("checkpoint")) check_output_path(a.get("checkpoint"), "checkpoint");
    const std::string protocol = a.get("protocol", "full");
    if (protocol != "full" && protocol != "sampled" && protocol != "both")
        throw Error("argument", "--protocol must be full, sampled or both");
    const uint32_t threads = a.get_u32("threads", 2);
    const ListOptions lists = train ? ListOptions{} : list_options(a);

    const Dataset d = load(a);
    const auto items = static_cast<uint32_t>(d.interactions.item_ids.size());
    const std::vector<std::vector<uint32_t>> sequences = user_sequences(d.interactions);
    const SequenceSplit split = split_sequences(sequences);
    SasrecTrainConfig config = sasrec_config(a, items);

    SasrecTrainData data;
    data.sequences = split.train;
    data.validation_target.assign(sequences.size(), UINT32_MAX);
    for (const HeldOut& v : split.validation) data.validation_target[v.user] = v.item;
    // Settings the command line leaves open come from the data's shape (and --tune).
    const SasrecFixedSettings fixed{a.has("dropout"), a.has("max-len"), a.has("lr"), a.has("weight-decay")};
    std::fputs(apply_sasrec_recipe(config, sequence_shape(split.train), fixed).c_str(), stderr);
    config.model.validate();
    // DP-SGD: the noise for the target epsilon over every step of the fixed epochs.
    const bool dp = a.has("dp-epsilon");
    double dp_epsilon = 0, dp_delta = 0, dp_order = 0, dp_rate = 0;
    uint64_t dp_steps = 0;
    if (dp) {
        if (hybrid) throw Error("argument", "--dp-epsilon trains als or sasrec, not the hybrid");
        const double target = a.get_float("dp-epsilon", 0.0f);
        if (!(target > 0.0) || !std::isfinite(target))
            throw Error("argument", "--dp-epsilon must be a positive number, got " + a.get("dp-epsilon"));
        size_t examples = 0;
        for (const auto& s : data.sequences) examples += s.size() >= 2;
        if (examples == 0) throw Error("data", "SASRec needs a user with at least 2 training items");
        dp_delta = a.has("dp-delta") ? a.get_float("dp-delta", 0.0f) : 0.1 / static_cast<double>(sequences.size());
        if (!(dp_delta > 0.0 && dp_delta < 1.0)) throw Error("argument", "--dp-delta must be in (0, 1), got " + a.get("dp-delta"));
        // Unless given: large batches (the noise is added once per step, so its share of
        // the mean gradient falls with the batch), a higher learning rate, a tight clip and
        // 10 epochs: chosen on Amazon Beauty at epsilon 8 (scripts/BENCHMARKS.md).
        if (!a.has("epochs")) config.epochs = 10;
        if (!a.has("batch")) config.batch = static_cast<uint32_t>(std::max<size_t>(1, std::min<size_t>(4096, examples / 4)));
        if (!a.has("lr")) config.lr = 0.005f;
        dp_rate = std::min(1.0, double(config.batch) / double(examples));
        dp_steps = uint64_t(config.epochs) * std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(1.0 / dp_rate)));
        config.dp_noise_multiplier = static_cast<float>(noise_for_epsilon(dp_rate, double(dp_steps), target, dp_delta));
        config.dp_clip = a.get_float("dp-clip", 0.1f);
        const PrivacySpent spent = sampled_gaussian_epsilon(dp_rate, config.dp_noise_multiplier, double(dp_steps), dp_delta);
        dp_epsilon = spent.epsilon;
        dp_order = spent.order;
        std::fprintf(stderr,
                     "private: epsilon %.3g, delta %.3g (user level; DP-SGD, noise multiplier %.3f, sampling rate %.4g, "
                     "%llu steps, gradient clip %g)\n",
                     dp_epsilon, dp_delta, config.dp_noise_multiplier, dp_rate,
                     static_cast<unsigned long long>(dp_steps), config.dp_clip);
    }
    std::fprintf(stderr, "training SASRec on %zu users, %u items (%zu validation, %zu test users)\n",
                 sequences.size(), items, split.validation.size(), split.test.size());
    const auto t0 = std::chrono::steady_clock::now();
    const bool terminal = stderr_is_terminal();
    // One curve per run; the bundle keeps the chosen run's.
    std::vector<std::string> curves;
    Json curve;
    const auto record = [&](const SasrecEpochReport& r) {
        curve.begin_object().field("epoch", r.epoch).field("loss", r.loss);
        curve.field("val_ndcg10", r.val_ndcg10).field("val_hr10", r.val_hr10);
        curve.field("seconds", r.seconds).end_object();
    };
    SasrecWeights weights;
    std::optional<SasrecTuneResult> tuned;
    if (a.has("tune")) {
        SasrecTuneOptions options;
        options.budget = a.get_float("tune-budget", float(options.budget));
        std::unique_ptr<SasrecProgressPrinter> printer;
        SasrecTuneCallbacks callbacks;
        callbacks.trial_started = [&](size_t index, const SasrecTuneTrial& t) {
            std::fputs(tune_trial_line(index, t, false).c_str(), stderr);
            printer = std::make_unique<SasrecProgressPrinter>(config.epochs, config.patience,
                                                              config.lr_patience, terminal);
            curve = Json();
            curve.begin_array();
        };
        callbacks.epoch = [&](const SasrecEpochReport& r) {
            (*printer)(r);
            record(r);
        };
        callbacks.trial_finished = [&](size_t index, const SasrecTuneTrial& t) {
            printer->finish(t.pruned);
            curve.end_array();
            curves.push_back(curve.str());
            std::fputs(tune_trial_line(index, t, true).c_str(), stderr);
        };
        SasrecTuneResult result = tune_sasrec(data, config, fixed, options, callbacks);
        std::fputs(tune_summary(result).c_str(), stderr);
        config.dropout = result.config.dropout;
        config.model.max_len = result.config.model.max_len;
        config.lr = result.config.lr;
        config.weight_decay = result.config.weight_decay;
        weights = std::move(result.weights);
        tuned = std::move(result);
    } else {
        if (a.has("tune-budget")) throw Error("argument", "--tune-budget needs --tune");
        curve.begin_array();
        SasrecProgressPrinter printer(config.epochs, dp ? 0 : config.patience, dp ? 0 : config.lr_patience, terminal);
        weights = train_sasrec(data, config, [&](const SasrecEpochReport& r) {
            printer(r);
            record(r);
        });
        curve.end_array();
        curves.push_back(curve.str());
        printer.finish();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const SasrecView seq = weights.view();

    MfModel mf;
    float weight = -1.0f;
    if (hybrid) {
        std::vector<Interaction> events;
        for (uint32_t u = 0; u < split.train.size(); ++u)
            for (uint32_t i : split.train[u]) events.push_back({u, i, 1.0f, 0});
        const MfConfig mf_config = model_config(a);
        mf = train_mf(RatingMatrix::build(static_cast<uint32_t>(sequences.size()), items, events,
                                          mf_config.params.kind),
                      mf_config, mf_progress(mf_config));
        const MfModelView mf_view = mf.view();
        weight = a.has("hybrid-weight") ? a.get_float("hybrid-weight", 0.5f)
                                        : tune_hybrid_weight(items, split, seq, mf_view, threads);
        if (!(weight >= 0.0f && weight <= 1.0f)) throw Error("argument", "--hybrid-weight must be in [0, 1]");
        std::fputs(hybrid_weight_line(weight, !a.has("hybrid-weight")).c_str(), stderr);
    }

    std::vector<NamedResult> results;
    if (evaluate) {
        const auto inputs = test_inputs(sequences);
        const SparseRows history = history_rows(inputs);
        const MfModelView mf_view = hybrid ? mf.view() : MfModelView{};
        for (const std::string p : {"full", "sampled"}) {
            if (protocol != "both" && protocol != p) continue;
            RankingProtocol rp;
            rp.sampled_negatives = p == "full" ? 0 : 100;
            auto run = [&](const std::string& name, const SasrecView* s, const MfModelView* m) {
                EvalResult r;
                r.ranking = evaluate_ranking(items, history, split.test, scorers(inputs, s, m, weight),
                                             threads, rp);
                results.push_back({name, p, r});
            };
            run("sasrec", &seq, nullptr);
            // What the search bought on the test split (never used to choose).
            if (tuned) {
                const SasrecView recipe = tuned->default_weights.view();
                run("sasrec_default_recipe", &recipe, nullptr);
            }
            if (hybrid) {
                run("mf", nullptr, &mf_view);
                run("hybrid", &seq, &mf_view);
            }
        }
        if (!train) {
            // The lists of every model share one item space, so their ILD and calibration
            // compare: the hybrid's MF factors (and clusters of them), or SASRec's embeddings.
            const ListSetup setup =
                hybrid ? list_setup(d, lists, mf.item_factors.data(), mf.dim, "MF item factors",
                                    item_popularity(items, split.train))
                       : list_setup(d, lists, seq.item_emb, seq.config.dim, "SASRec item embeddings",
                                    item_popularity(items, split.train));
            for (NamedResult& r : results) {
                bool first = true;
                for (const NamedResult& o : results)
                    if (&o != &r && o.name == r.name && o.result.has_lists) first = false;
                if (!first) continue;  // once per model, on its first protocol
                if (r.name == "sasrec_default_recipe") continue;  // accuracy only
                const SasrecView* s = r.name == "mf" ? nullptr : &seq;
                const MfModelView* m = r.name == "sasrec" ? nullptr : &mf_view;
                r.result.lists = evaluate_list_summary(setup, lists, history, split.test,
                                                       scorers(inputs, s, m, weight), threads,
                                                       lists.sweep && r.name == model);
                r.result.has_lists = true;
            }
        }
        // With --json, stdout carries the JSON alone.
        if (!a.has("json"))
            for (const NamedResult& r : results) {
                std::printf("[%s protocol] ", r.protocol.c_str());
                print_metrics(r.name, r.result);
            }
    }

    // Items with tags but no events join the bundle's catalog, placed by the content model.
    // Only now: evaluation ranks the interactions' items alone, and growing the models
    // leaves `seq` pointing at freed memory (it is not used again).
    CatalogData catalog;
    std::vector<uint32_t> placed;
    if (train) {
        catalog = build_catalog(d.interactions, d.metadata, CatalogScope::WithNewItems);
        placed = content_placed_items(catalog);
        place_sasrec_items(weights, catalog, placed);
        if (hybrid) place_mf_items(mf, catalog, placed);
        if (!placed.empty())
            std::fprintf(stderr, "content model: placed %zu items that have tags but no events\n",
                         placed.size());
    }

    Json meta;
    meta.begin_object().field("format", "hearth-bundle");
    meta.field("model", hybrid ? "hybrid-sasrec-mf" : "sasrec");
    meta.key("hyperparameters").begin_object();
    meta.field("dim", config.model.dim).field("heads", config.model.heads);
    meta.field("blocks", config.model.blocks).field("max_len", config.model.max_len);
    meta.field("ffn_dim", config.model.ffn_dim).field("dropout", config.dropout);
    meta.field("lr", config.lr).field("weight_decay", config.weight_decay);
    meta.field("batch", config.batch).field("epochs", config.epochs);
    meta.field("patience", config.patience).field("lr_patience", config.lr_patience).field("loss", a.get("loss", "ce"));
    meta.field("variant", a.get("variant", "prenorm")).field("activation", a.get("activation", "relu"));
    meta.field("seed", static_cast<uint64_t>(config.seed));
    if (hybrid) meta.field("hybrid_weight", weight).field("mf_factors", mf.dim);
    meta.end_object();
    meta.key("training").begin_object();
    meta.field("source", std::filesystem::path(a.require("data")).filename().string());
    meta.field("users", static_cast<uint64_t>(sequences.size())).field("items", items);
    meta.field("events", static_cast<uint64_t>(d.interactions.events.size()));
    if (train) meta.field("content_items", static_cast<uint64_t>(placed.size()));
    meta.field("protocol", "leave-one-out: last item test, second to last validation");
    meta.field("seconds", seconds);
    // The curve of the run that made these weights (with --tune, the chosen trial's).
    const size_t chosen = tuned ? chosen_trial(tuned->trials) : 0;
    meta.key("curve").raw(curves.at(chosen));
    meta.end_object();
    if (tuned) {
        meta.key("tuning").begin_object();
        meta.field("method", "coordinate search from the recipe on validation NDCG@10");
        meta.key("searched").begin_array();
        for (const std::string& name : tuned->searched) meta.value(name);
        meta.end_array();
        meta.field("budget_trainings", tuned->budget).field("spent_trainings", tuned->spent);
        meta.field("budget_ran_out", tuned->budget_ran_out).field("chosen_trial", static_cast<uint64_t>(chosen + 1));
        meta.key("trials").begin_array();
        for (const SasrecTuneTrial& t : tuned->trials) {
            meta.begin_object().field("dropout", t.dropout).field("max_len", t.max_len);
            meta.field("lr", t.lr).field("weight_decay", t.weight_decay);
            meta.field("val_ndcg10", t.val_ndcg10).field("epochs", t.epochs).field("best_epoch", t.best_epoch);
            meta.field("cost_trainings", t.cost).field("seconds", t.seconds).field("pruned", t.pruned);
            meta.end_object();
        }
        meta.end_array().end_object();
    }
    if (!results.empty()) {
        meta.key("metrics").begin_object();
        for (const NamedResult& r : results) {
            meta.key(r.name + (r.protocol == "full" ? "" : "_sampled100"));
            metrics_json(meta, r.result);
        }
        meta.end_object();
    }
    if (lists.sweep)
        for (const NamedResult& r : results)
            if (r.name == model && r.result.has_lists) {
                meta.key("sweep");
                report_sweep(lists, r.result.lists, sweep_subject(a, model), a.has("json"), &meta);
                break;
            }
    meta.key("privacy").raw(dp ? dp_sgd_privacy_json(dp_epsilon, dp_delta, dp_order, config.dp_noise_multiplier, dp_rate,
                                                      dp_steps, config.dp_clip, config.model.max_len)
                               : no_privacy_json());
    meta.end_object();

    if (!train) {
        if (a.has("json")) std::printf("%s\n", meta.str().c_str());
        return 0;
    }
    BundleWriter w;
    w.add_json("meta", meta.str());
    write_catalog(w, catalog);
    write_sasrec(w, weights);
    if (hybrid) {
        write_mf(w, mf);
        w.add_f32("hybrid.weight", &weight, 1, 1);
    }
    write_content_items(w, placed);
    w.write_file(out);
    std::printf("wrote %s (%llu bytes; %s, trained in %.1fs)\n", out.c_str(),
                static_cast<unsigned long long>(std::filesystem::file_size(out)),
                hybrid ? "SASRec + MF hybrid" : "SASRec", seconds);
    return 0;
}

}  // namespace hearth::cli

namespace hearth::cli {

namespace {

// The catalog of imported item ids: titles and tags from --items, popularity from --data.
CatalogData imported_catalog(const Args& a, const std::vector<std::string>& item_ids) {
    Interactions catalog_items;
    for (const std::string& id : item_ids) catalog_items.intern_item(id);
    ItemMetadata metadata;
    if (a.has("items")) {
        ParseReport report;
        metadata = read_item_metadata(a.get("items"), report);
        std::fprintf(stderr, "%s\n", report.summary().c_str());
    }
    CatalogData catalog = build_catalog(catalog_items, metadata);
    if (a.has("data")) {
        const Dataset d = load(a);
        std::unordered_map<std::string, uint32_t> index;
        for (uint32_t k = 0; k < item_ids.size(); ++k) index.emplace(item_ids[k], k);
        size_t unknown = 0;
        for (const Interaction& e : d.interactions.events) {
            const auto it = index.find(d.interactions.item_ids[e.item]);
            if (it == index.end()) ++unknown;
            else catalog.popularity[it->second] += 1.0f;
        }
        if (unknown) std::fprintf(stderr, "import: %zu events name items the model does not have\n", unknown);
    } else {
        std::fprintf(stderr, "import: no --data, so popularity is unknown: a new user gets catalog order\n");
    }
    return catalog;
}

int run_import_mf(const Args& a, const std::string& out) {
    ImportedMf imported = import_mf(a.require("mf"), a.require("config"));
    const MfModel& m = imported.model;
    const CatalogData catalog = imported_catalog(a, imported.item_ids);
    Json meta;
    const bool implicit = m.params.kind == MfKind::Implicit;
    meta.begin_object().field("format", "hearth-bundle").field("model", implicit ? "mf-implicit-als" : "mf-biased");
    meta.key("hyperparameters").begin_object();
    meta.field("factors", m.dim).field("reg", m.params.reg).field("alpha", m.params.alpha);
    meta.field("reg_scales_with_count", m.params.reg_scales_with_count);
    meta.end_object();
    meta.key("training").begin_object();
    meta.field("source", std::filesystem::path(a.require("mf")).filename().string());
    meta.field("imported", true).field("items", m.items());
    meta.end_object();
    meta.key("privacy").raw(no_privacy_json("imported factors: whether and how their training was private is not known"));
    meta.end_object();
    BundleWriter w = mf_bundle_writer(m, catalog, meta.str());
    w.write_file(out);
    std::printf("wrote %s (MF, %s: %u items, %u factors; users fold in with reg %g%s)\n", out.c_str(),
                implicit ? "implicit" : "explicit", m.items(), m.dim, m.params.reg,
                implicit ? (", alpha " + std::to_string(m.params.alpha)).c_str() : "");
    return 0;
}

}  // namespace

int run_import(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("import"))) return 0;
    const Args a(argv, command("import"));
    const std::string out = a.require("out");
    check_output_path(out, "out");
    if (a.has("mf") && a.has("safetensors"))
        throw Error("argument", "give --safetensors (a SASRec) or --mf (MF item factors), not both");
    if (a.has("mf")) return run_import_mf(a, out);
    if (!a.has("safetensors")) throw Error("argument", "say what to import: --safetensors FILE (a SASRec) or --mf FILE (MF item factors)");
    ImportedSasrec imported = import_pytorch_sasrec(a.require("safetensors"), a.require("config"));
    for (const std::string& t : imported.ignored_tensors)
        std::fprintf(stderr, "import: tensor '%s' is not part of the model and was left out\n", t.c_str());
    const CatalogData catalog = imported_catalog(a, imported.item_ids);

    Json meta;
    const SasrecConfig& c = imported.weights.config;
    meta.begin_object().field("format", "hearth-bundle").field("model", "sasrec");
    meta.key("hyperparameters").begin_object();
    meta.field("dim", c.dim).field("heads", c.heads).field("blocks", c.blocks);
    meta.field("max_len", c.max_len).field("ffn_dim", c.ffn_dim);
    meta.field("variant", c.variant == SasrecVariant::PreNorm ? "prenorm" : "original");
    meta.field("activation", c.activation == Activation::Relu ? "relu" : "gelu");
    meta.end_object();
    meta.key("training").begin_object();
    meta.field("source", std::filesystem::path(a.require("safetensors")).filename().string());
    meta.field("imported", true).field("items", c.items);
    meta.end_object();
    meta.key("privacy").raw(no_privacy_json("imported weights: whether and how their training was private is not known"));
    meta.end_object();

    BundleWriter w;
    w.add_json("meta", meta.str());
    write_catalog(w, catalog);
    write_sasrec(w, imported.weights);
    w.write_file(out);
    std::printf("wrote %s (SASRec: %u items, dim %u, %u blocks, max_len %u)\n", out.c_str(),
                c.items, c.dim, c.blocks, c.max_len);
    return 0;
}

}  // namespace hearth::cli
