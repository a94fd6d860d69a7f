#include "core/cli/common.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/common/error.h"

namespace hearth::cli {

bool wants_help(const std::vector<std::string>& args, const char* text) {
    for (const std::string& a : args)
        if (a == "--help" || a == "-h") {
            std::fputs(text, stdout);
            return true;
        }
    return false;
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t comma = text.find(',', pos);
        if (comma == std::string::npos) comma = text.size();
        if (comma > pos) out.push_back(text.substr(pos, comma - pos));
        pos = comma + 1;
    }
    return out;
}

std::vector<uint32_t> parse_u32_list(const std::string& text, const char* flag, uint32_t max) {
    std::vector<uint32_t> out;
    for (const std::string& part : split_list(text)) {
        char* end = nullptr;
        const unsigned long v = std::strtoul(part.c_str(), &end, 10);
        if (*end != '\0' || v == 0 || v > max)
            throw Error("argument", std::string(flag) + ": '" + part + "' is not a whole number in 1.." +
                                        std::to_string(max));
        out.push_back(static_cast<uint32_t>(v));
    }
    if (out.empty()) throw Error("argument", std::string(flag) + ": give at least one number");
    return out;
}

std::string or_list(const std::vector<const char*>& names) {
    std::string text;
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
        text += names[i];
    }
    return text;
}

ModelChoice parse_model_choice(const std::string& name) {
    return pick_option<ModelChoice>(name, "model",
                                    {{"auto", ModelChoice::Auto},
                                     {"mf", ModelChoice::Mf},
                                     {"sasrec", ModelChoice::Sasrec},
                                     {"hybrid", ModelChoice::Hybrid}});
}

const std::set<std::string> kDataOptions = {"data", "format", "items", "columns"};
Dataset load(const Args& a) {
    Dataset d = load_dataset(a.require("data"), parse_data_format(a.get("format", "auto")),
                             a.get("items"), a.get("columns"));
    std::fputs(describe_dataset(d).c_str(), stderr);
    for (const ParseReport& r : d.reports) {
        std::fprintf(stderr, "%s\n", r.summary().c_str());
    }
    return d;
}

MfConfig model_config(const Args& a) {
    std::string model = a.get("model", "als");
    if (model == "hybrid") model = "als";  // the hybrid's long-term-taste half
    MfConfig c;
    if (model == "als") {
        c.params.kind = MfKind::Implicit;
        c.factors = 64;
        c.params.reg = 0.1f;
        c.params.alpha = 1.0f;
    } else if (model == "bmf") {
        c.params.kind = MfKind::Explicit;
        c.factors = 32;
        c.params.reg = 0.1f;
        c.params.reg_scales_with_count = true;
    } else {
        throw Error("argument", "--model must be als, bmf, sasrec or hybrid, got '" + model + "'");
    }
    // Private ALS: every iteration spends budget and the noise grows with the factors, so
    // fewer of both (chosen on Amazon Beauty, scripts/BENCHMARKS.md).
    if (a.has("dp-epsilon")) {
        c.factors = 32;
        c.iterations = 4;
    }
    c.factors = a.get_u32("factors", c.factors);
    c.params.reg = a.get_float("reg", c.params.reg);
    c.params.alpha = a.get_float("alpha", c.params.alpha);
    c.iterations = a.get_u32("iterations", a.has("dp-epsilon") ? c.iterations : 15);
    c.threads = a.get_u32("threads", 2);
    c.seed = a.get_u64("seed", 42);
    return c;
}

void metrics_json(Json& j, const EvalResult& r) {
    j.begin_object();
    j.field("protocol", "leave-last-out, full ranking, training items excluded");
    j.field("users", static_cast<uint64_t>(r.ranking.users));
    j.field("hr@5", r.ranking.hr5).field("hr@10", r.ranking.hr10).field("hr@20", r.ranking.hr20);
    j.field("ndcg@5", r.ranking.ndcg5).field("ndcg@10", r.ranking.ndcg10);
    j.field("ndcg@20", r.ranking.ndcg20).field("recall@20", r.ranking.recall20);
    j.field("mrr", r.ranking.mrr).field("coverage@10", r.ranking.coverage10);
    if (r.has_rating) j.field("rmse", r.rating.rmse).field("mae", r.rating.mae);
    if (r.has_lists) {
        const ListSummary& l = r.lists;
        const ListMetrics& m = l.metrics;
        const std::string k = std::to_string(m.k);
        j.key("lists").begin_object();
        j.field("k", m.k);
        j.key("controls").begin_object();
        j.field("diversity", l.diversity).field("calibration", l.calibration).field("novelty", l.novelty);
        j.field("candidates", l.candidates).end_object();
        j.field("hr@" + k, m.hr).field("ndcg@" + k, m.ndcg).field("coverage@" + k, m.coverage);
        // Absent metrics (NaN) are written as null.
        j.field("ild", m.ild).field("novelty_bits", m.novelty);
        j.field("calibration_kl", m.calibration_kl);
        j.field("calibration_users", static_cast<uint64_t>(m.calibration_users));
        j.field("calibration_skipped", static_cast<uint64_t>(m.calibration_skipped));
        j.field("arp", m.arp).field("gini", m.gini);
        j.field("embeddings", l.embeddings).field("tags", l.tags);
        j.end_object();
    }
    j.end_object();
}

namespace {

std::string metric_text(double v, const char* format, const char* absent) {
    if (std::isnan(v)) return absent;
    char buf[32];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

void print_lists(const ListSummary& l) {
    const ListMetrics& m = l.metrics;
    std::string controls;
    auto add = [&](const char* name, float v) {
        if (v <= 0.0f) return;
        char buf[48];
        std::snprintf(buf, sizeof buf, "%s%s %g", controls.empty() ? "" : ", ", name, double(v));
        controls += buf;
    };
    add("diversity", l.diversity);
    add("calibration", l.calibration);
    add("novelty", l.novelty);
    if (!controls.empty() && l.candidates) controls += ", pool " + std::to_string(l.candidates);
    std::printf("  top-%u lists, %s: HR@%u %.4f  NDCG@%u %.4f  coverage@%u %.4f  Gini %.4f\n", m.k,
                controls.empty() ? "no re-ranking" : ("re-ranked (" + controls + ")").c_str(), m.k,
                m.hr, m.k, m.ndcg, m.k, m.coverage, m.gini);
    std::printf("  ILD %s  novelty %.3f bits  calibration KL %s  ARP %.1f\n",
                metric_text(m.ild, "%.4f", "n/a").c_str(), m.novelty,
                metric_text(m.calibration_kl, "%.4f", "n/a").c_str(), m.arp);
    std::printf("  (ILD: %s; calibration: %s, %zu users, %zu without a tagged history)\n",
                l.embeddings.c_str(), l.tags.c_str(), m.calibration_users, m.calibration_skipped);
}

}  // namespace

void print_metrics(const std::string& model, const EvalResult& r) {
    std::printf("model %s: %zu held-out events\n", model.c_str(), r.ranking.users);
    std::printf("  HR@10 %.4f  NDCG@10 %.4f  Recall@20 %.4f  MRR %.4f  coverage@10 %.4f\n",
                r.ranking.hr10, r.ranking.ndcg10, r.ranking.recall20, r.ranking.mrr,
                r.ranking.coverage10);
    std::printf("  HR@5 %.4f  NDCG@5 %.4f  HR@20 %.4f  NDCG@20 %.4f\n", r.ranking.hr5,
                r.ranking.ndcg5, r.ranking.hr20, r.ranking.ndcg20);
    if (r.has_rating) std::printf("  RMSE %.4f  MAE %.4f\n", r.rating.rmse, r.rating.mae);
    if (r.has_lists) print_lists(r.lists);
}

}  // namespace hearth::cli
