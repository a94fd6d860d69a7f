// `hearth eval-bundle`: evaluate bundles the way a device uses them. The data is split as
// `hearth eval` splits it (core/eval/split.h: each user's last event held out); the
// training part can be written as a CSV (--write-train) for `hearth train`, and each
// held-out event is then ranked by Engine::recommend on the user's training history (in
// time order, values = ratings), with the history excluded, as in `hearth eval`. Items
// are matched by external id, so any bundle trained on that CSV can be compared: fp32 vs
// `hearth export --int8` vs `--pq`.
#include "core/cli/eval_bundle.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "core/cli/args.h"
#include "core/cli/common.h"
#include "core/cli/options.h"
#include "core/common/error.h"
#include "core/data/json.h"
#include "core/device/engine/engine.h"
#include "core/eval/split.h"

namespace hearth::cli {

namespace {

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

struct BundleResult {
    std::string path;
    std::string model;
    size_t users = 0, missing_items = 0;
    double hr10 = 0, ndcg10 = 0, overlap10 = 0;
    double ms = 0;
};

}  // namespace

int run_eval_bundle(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("eval-bundle"))) return 0;
    const Args a(argv, command("eval-bundle"));
    if (a.has("write-train")) check_output_path(a.get("write-train"), "write-train");
    if (!a.has("write-train") && !a.has("bundles"))
        throw Error("argument", "say what to do: --write-train OUT.csv or --bundles A,B,...");
    const Dataset d = load(a);
    const Interactions& data = d.interactions;
    const Split split = leave_last_out(data, false);

    if (a.has("write-train")) {
        const std::string out = a.require("write-train");
        std::ofstream f(out, std::ios::binary);
        if (!f) throw Error("io", "cannot write " + out);
        f << "user,item,rating,timestamp\n";
        for (const Interaction& e : split.train)
            f << csv_field(data.user_ids[e.user]) << ',' << csv_field(data.item_ids[e.item]) << ','
              << e.rating << ',' << e.timestamp << '\n';
        if (!f.flush()) throw Error("io", "cannot write " + out);
        std::fprintf(stderr, "wrote %s: %zu training events (%zu held out)\n", out.c_str(), split.train.size(),
                     split.test.size());
        if (!a.has("bundles")) return 0;
    }

    // Each user's training events, in time order (the split keeps them grouped and sorted).
    std::vector<size_t> begin(data.user_ids.size() + 1, 0);
    for (const Interaction& e : split.train) ++begin[e.user + 1];
    for (size_t u = 0; u < data.user_ids.size(); ++u) begin[u + 1] += begin[u];

    const ModelChoice model = parse_model_choice(a.get("model", "auto"));
    const uint32_t k = 10;
    size_t max_users = a.get_u32("max-users", 0);
    if (max_users == 0 || max_users > split.test.size()) max_users = split.test.size();
    std::vector<BundleResult> results;
    std::vector<std::vector<std::string>> reference;  // the first bundle's lists, by item id
    for (const std::string& path : split_list(a.require("bundles"))) {
        std::unique_ptr<Engine> engine = Engine::from_file(path);
        std::vector<int64_t> to_catalog(data.item_ids.size());
        for (size_t i = 0; i < data.item_ids.size(); ++i) to_catalog[i] = engine->catalog().find(data.item_ids[i]);
        RecommendOptions o;
        o.k = k;
        o.model = model;
        o.reasons = 0;
        o.sequence_reasons = false;
        o.pq_candidates = a.get_u32("pq-candidates", 0);
        BundleResult r;
        r.path = path;
        std::vector<HistoryEntry> history;
        Workspace ws(*engine);
        Recommendations recs;
        const bool first = reference.empty() && results.empty();
        double ms = 0.0;
        for (size_t t = 0; t < max_users; ++t) {
            const HeldOut& h = split.test[t];
            history.clear();
            for (size_t e = begin[h.user]; e < begin[h.user + 1]; ++e) {
                const int64_t item = to_catalog[split.train[e].item];
                if (item < 0) {
                    ++r.missing_items;
                    continue;
                }
                history.push_back({static_cast<uint32_t>(item), split.train[e].rating});
            }
            const auto start = std::chrono::steady_clock::now();
            engine->recommend(history.data(), history.size(), o, ws, recs);
            ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            r.model = model_choice_name(recs.model);
            std::vector<std::string> list;
            for (const Scored& s : recs.items) list.emplace_back(engine->catalog().id(s.index));
            for (size_t j = 0; j < list.size(); ++j)
                if (list[j] == data.item_ids[h.item]) {
                    r.hr10 += 1.0;
                    r.ndcg10 += 1.0 / std::log2(static_cast<double>(j) + 2.0);
                }
            if (first) {
                reference.push_back(list);
            } else {
                size_t same = 0;
                for (const std::string& x : list)
                    for (const std::string& y : reference[t]) same += x == y;
                r.overlap10 += static_cast<double>(same) / static_cast<double>(std::max<size_t>(1, reference[t].size()));
            }
            ++r.users;
        }
        const double n = static_cast<double>(std::max<size_t>(1, r.users));
        r.hr10 /= n;
        r.ndcg10 /= n;
        r.overlap10 = first ? 1.0 : r.overlap10 / n;
        r.ms = ms / n;
        results.push_back(r);
    }

    if (a.has("json")) {
        Json j;
        j.begin_object().field("held_out", static_cast<uint64_t>(max_users)).key("bundles").begin_array();
        for (const BundleResult& r : results) {
            j.begin_object().field("bundle", r.path).field("model", r.model);
            j.field("users", static_cast<uint64_t>(r.users)).field("hr10", r.hr10).field("ndcg10", r.ndcg10);
            j.field("overlap10", r.overlap10).field("recommend_ms", r.ms);
            j.field("history_items_missing", static_cast<uint64_t>(r.missing_items));
            j.end_object();
        }
        j.end_array().end_object();
        std::printf("%s\n", j.str().c_str());
    } else {
        std::printf("%-40s %-7s %6s %8s %8s %10s %8s\n", "bundle", "model", "users", "HR@10", "NDCG@10",
                    "overlap@10", "ms/rec");
        for (const BundleResult& r : results)
            std::printf("%-40s %-7s %6zu %8.4f %8.4f %10.4f %8.3f\n", r.path.c_str(), r.model.c_str(), r.users,
                        r.hr10, r.ndcg10, r.overlap10, r.ms);
    }
    return 0;
}

}  // namespace hearth::cli
