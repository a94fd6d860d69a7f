#include "core/cli/eval_lists.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/common/error.h"
#include "core/eval/svg_chart.h"
#include "core/train/export/export.h"

namespace hearth::cli {

namespace {

// Calibration needs tags; data without item metadata gets this many embedding clusters.
constexpr uint32_t kClusterTags = 20;
constexpr uint64_t kClusterSeed = 42;
constexpr uint32_t kClusterIterations = 10;

float strength(const Args& a, const char* name) {
    const float v = a.get_float(name, 0.0f);
    if (!(v >= 0.0f && v <= 1.0f))
        throw Error("argument", std::string("--") + name + " must be in [0, 1], got " + a.get(name));
    return v;
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
    if (!f.good()) throw Error("io", "cannot write " + path);
}

std::string value_text(double v, const char* format) {
    if (std::isnan(v)) return "n/a";
    char buf[32];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

// The CSV's columns, as JSON (absent metrics as null).
void point_json(Json& j, const SweepPoint& p) {
    const ListMetrics& m = p.metrics;
    // Rounded to the strength as given: 0.05, not the float's 0.0500000007.
    j.begin_object().field("strength", std::round(double(p.strength) * 1e6) / 1e6);
    j.field("hr10", m.hr).field("ndcg10", m.ndcg).field("coverage", m.coverage);
    j.field("ild", m.ild).field("novelty", m.novelty).field("calibration_kl", m.calibration_kl);
    j.field("arp", m.arp).field("gini", m.gini).end_object();
}

}  // namespace

ListOptions list_options(const Args& a) {
    ListOptions o;
    o.controls.diversity = strength(a, "diversity");
    o.controls.calibration = strength(a, "calibration");
    o.controls.novelty = strength(a, "novelty");
    o.controls.candidates = a.get_u32("candidates", 0);
    o.tags = a.get("tags", "auto");
    if (o.tags != "auto" && o.tags != "metadata" && o.tags != "clusters")
        throw Error("argument", "--tags must be auto, metadata or clusters, got '" + o.tags + "'");
    if (a.has("sweep")) {
        o.sweep = true;
        o.spec = parse_sweep(a.get("sweep"));
    }
    o.sweep_out = a.get("sweep-out");
    if (!o.sweep_out.empty() && !o.sweep) throw Error("argument", "--sweep-out needs --sweep");
    return o;
}

ListSetup list_setup(const Dataset& d, const ListOptions& o, const float* embeddings, uint32_t dim,
                     const std::string& embedding_name, ItemPopularity popularity) {
    ListSetup s;
    const auto items = static_cast<uint32_t>(d.interactions.item_ids.size());
    s.space.items = items;
    if (embeddings) {
        s.space.embeddings.assign(embeddings, embeddings + static_cast<size_t>(items) * dim);
        s.space.dim = dim;
        s.embeddings = embedding_name;
    } else {
        s.embeddings = "n/a, " + embedding_name + " has no item embeddings";
        if (o.controls.diversity > 0.0f || (o.sweep && o.spec.control == "diversity"))
            throw Error("argument", "diversity compares item embeddings, and " + embedding_name +
                                        " has none");
    }
    s.space.popularity = popularity.events;
    s.popularity = std::move(popularity);

    const CatalogData catalog = build_catalog(d.interactions, d.metadata);
    const bool has_metadata_tags = !catalog.tags.empty();
    std::string mode = o.tags;
    if (mode == "auto") mode = has_metadata_tags || !embeddings ? "metadata" : "clusters";
    if (mode == "metadata") {
        if (has_metadata_tags) {
            s.space.set_tags(catalog.item_tags, catalog.tags);
            s.tags = std::to_string(catalog.tags.size()) + " tags from the item metadata";
        } else if (o.tags == "metadata") {
            throw Error("argument", "--tags metadata: the data has no item tags (give --items FILE)");
        } else {
            s.tags = "no tags (no item metadata, and no embeddings to cluster)";
        }
    } else {
        if (!embeddings)
            throw Error("argument", "--tags clusters: " + embedding_name + " has no item embeddings to cluster");
        const std::vector<uint32_t> clusters =
            kmeans_clusters(embeddings, items, dim, kClusterTags, kClusterSeed, kClusterIterations);
        set_cluster_tags(s.space, clusters, kClusterTags);
        s.tags = std::to_string(kClusterTags) + " k-means clusters of the " + embedding_name +
                 (has_metadata_tags ? "" : " (the data has no item tags)");
    }
    if ((o.controls.calibration > 0.0f || (o.sweep && o.spec.control == "calibration")) &&
        !s.space.has_tags())
        throw Error("argument", "calibration needs item tags, and this data has none");
    return s;
}

ListSummary evaluate_list_summary(const ListSetup& setup, const ListOptions& o,
                                  const SparseRows& history_by_user,
                                  const std::vector<HeldOut>& held_out, const ScorerFactory& scorers,
                                  uint32_t threads, bool with_sweep) {
    // Setting 0: the options' controls; then the sweep's strengths; then strength 0 of the
    // swept control when the sweep leaves it out (the chart is relative to it).
    std::vector<RerankControls> settings = {o.controls};
    size_t baseline = SIZE_MAX;
    if (with_sweep) {
        for (size_t v = 0; v < o.spec.values.size(); ++v) {
            settings.push_back(with_strength(o.controls, o.spec.control, o.spec.values[v]));
            if (o.spec.values[v] == 0.0f && baseline == SIZE_MAX) baseline = settings.size() - 1;
        }
        if (baseline == SIZE_MAX) {
            settings.push_back(with_strength(o.controls, o.spec.control, 0.0f));
            baseline = settings.size() - 1;
        }
    }
    const ItemSpace space = setup.space.view();
    const std::vector<RecommendationLists> lists =
        recommend_lists(space, history_by_user, held_out, scorers, settings, o.k, threads);
    auto metrics = [&](size_t s) {
        return list_metrics(lists[s], held_out, history_by_user, space, setup.popularity);
    };

    ListSummary r;
    r.metrics = metrics(0);
    r.diversity = o.controls.diversity;
    r.calibration = o.controls.calibration;
    r.novelty = o.controls.novelty;
    r.candidates = o.controls.candidates;
    r.embeddings = setup.embeddings;
    r.tags = setup.tags;
    if (with_sweep) {
        r.control = o.spec.control;
        for (size_t v = 0; v < o.spec.values.size(); ++v)
            r.sweep.push_back({o.spec.values[v], metrics(v + 1)});
        r.baseline = metrics(baseline);
    }
    return r;
}

std::string sweep_subject(const Args& a, const std::string& model) {
    return model + " on " + std::filesystem::path(a.get("data")).filename().string();
}

void report_sweep(const ListOptions& o, const ListSummary& s, const std::string& subject, bool quiet,
                  Json* j) {
    if (!quiet) {
        std::printf("%s sweep (%s; top-%u lists):\n", s.control.c_str(), subject.c_str(), o.k);
        std::printf("  strength   HR@%-3u NDCG@%-3u coverage     ILD  novelty  cal. KL       ARP    Gini\n",
                    o.k, o.k);
        for (const SweepPoint& p : s.sweep) {
            const ListMetrics& m = p.metrics;
            std::printf("  %8g %7.4f %8.4f %8.4f %7s %8.3f %8s %9.1f %7.4f\n", double(p.strength),
                        m.hr, m.ndcg, m.coverage, value_text(m.ild, "%.4f").c_str(), m.novelty,
                        value_text(m.calibration_kl, "%.4f").c_str(), m.arp, m.gini);
        }
    }
    if (!o.sweep_out.empty()) {
        write_text(o.sweep_out + ".csv", sweep_csv(s.control, s.sweep));
        write_text(o.sweep_out + ".svg",
                   render_line_chart(sweep_chart(s.control, s.sweep, s.baseline, subject)));
        std::fprintf(stderr, "wrote %s.csv and %s.svg\n", o.sweep_out.c_str(), o.sweep_out.c_str());
    }
    if (j) {
        j->begin_object().field("control", s.control).field("subject", subject);
        if (!o.sweep_out.empty())
            j->field("csv", o.sweep_out + ".csv").field("svg", o.sweep_out + ".svg");
        j->key("baseline");
        point_json(*j, {0.0f, s.baseline});
        j->key("points").begin_array();
        for (const SweepPoint& p : s.sweep) point_json(*j, p);
        j->end_array().end_object();
    }
}

}  // namespace hearth::cli
