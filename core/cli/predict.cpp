// `hearth predict --bundle M --pairs FILE [--history-file FILE]`.
//
// The pairs file has one `user,item` line per prediction (a header line is allowed); a line
// `user,item,value` in it is a history entry instead (inline history). --history-file adds
// history rows `user,item[,rating[,timestamp]]` (the ratings CSV format; with timestamps each
// user's rows are put in time order). A user's history is the history-file rows followed by
// the inline rows, in that order. Each pair is scored by Engine::explain on the user's
// history, exactly what a page computes: a predicted rating for an explicit MF bundle (not
// clipped), a score otherwise.
//
// Output, CSV on stdout: `user,item,prediction,status`, one row per pair in file order, with
// status `ok`, `no-history` (the user has no history entry: the engine's new-user answer,
// mu + b_i for explicit MF, the item's popularity for the others) or `unknown-item` (the
// item is not in the bundle's catalog: the prediction is empty). A malformed pairs line is
// an error naming the file and line; history entries whose item is not in the catalog are
// skipped and counted on stderr.
#include "core/cli/predict.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <unordered_map>

#include "core/cli/args.h"
#include "core/cli/common.h"
#include "core/cli/options.h"
#include "core/common/error.h"
#include "core/data/json.h"
#include "core/data/readers.h"
#include "core/device/engine/engine.h"
#include "core/eval/rating_eval.h"

namespace hearth::cli {

namespace {

std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool parse_value(const std::string& text, float& value) {
    char* end = nullptr;
    value = std::strtof(text.c_str(), &end);
    return !text.empty() && *end == '\0' && std::isfinite(value);
}

struct PairsFile {
    std::vector<PairQuery> pairs;
    std::vector<std::pair<std::string, HistoryEntry>> inline_history;  // user, entry
    size_t inline_skipped = 0;
};

PairsFile read_pairs(const std::string& path, const Engine& engine) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("io", "cannot open " + path);
    PairsFile f;
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);
        const std::string t = trim(line);
        if (t.empty()) continue;
        std::vector<std::string> fields;
        size_t pos = 0;
        while (true) {
            const size_t comma = t.find(',', pos);
            fields.push_back(trim(t.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos)));
            if (comma == std::string::npos) break;
            pos = comma + 1;
        }
        float value = 0;
        if (number == 1) {
            const std::string u = lower(fields[0]);
            const bool named = u == "user" || u == "userid" || u == "user_id" || u == "uid";
            if (named || (fields.size() == 3 && !parse_value(fields[2], value))) continue;  // header
        }
        auto fail = [&](const std::string& why) {
            throw Error("data", path + ":" + std::to_string(number) + ": " + why);
        };
        if (fields.size() != 2 && fields.size() != 3)
            fail("expected user,item (a pair) or user,item,value (a history entry), got " +
                 std::to_string(fields.size()) + " fields");
        if (fields[0].empty() || fields[1].empty()) fail("empty user or item id");
        if (fields.size() == 2) {
            f.pairs.push_back({fields[0], fields[1]});
            continue;
        }
        if (!parse_value(fields[2], value)) fail("value '" + fields[2] + "' is not a finite number");
        const int64_t item = engine.catalog().find(fields[1]);
        if (item < 0) {
            ++f.inline_skipped;
            continue;
        }
        f.inline_history.push_back({fields[0], {static_cast<uint32_t>(item), value}});
    }
    return f;
}

}  // namespace

int run_predict(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("predict"))) return 0;
    const Args a(argv, command("predict"));
    const std::unique_ptr<Engine> engine = Engine::from_file(a.require("bundle"));
    const ModelChoice model = parse_model_choice(a.get("model", "auto"));
    const PairsFile pairs = read_pairs(a.require("pairs"), *engine);

    std::unordered_map<std::string, std::vector<HistoryEntry>> histories;
    size_t skipped = pairs.inline_skipped;
    if (a.has("history-file")) {
        ParseReport report;
        const Interactions h = read_interactions_csv(a.get("history-file"), report);
        std::fprintf(stderr, "%s\n", report.summary().c_str());
        std::vector<uint32_t> order(h.events.size());
        std::iota(order.begin(), order.end(), 0u);
        if (h.has_timestamps)
            std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
                return h.events[x].timestamp < h.events[y].timestamp;
            });
        for (uint32_t e : order) {
            const Interaction& x = h.events[e];
            const int64_t item = engine->catalog().find(h.item_ids[x.item]);
            if (item < 0) {
                ++skipped;
                continue;
            }
            histories[h.user_ids[x.user]].push_back({static_cast<uint32_t>(item), x.rating});
        }
    }
    for (const auto& [user, entry] : pairs.inline_history) histories[user].push_back(entry);
    if (skipped)
        std::fprintf(stderr, "history: %zu entries name items not in the bundle's catalog, skipped\n",
                     skipped);

    const std::vector<PairPrediction> out =
        predict_pairs(*engine, pairs.pairs, histories, model, a.get_float("hybrid-weight", -1.0f));
    size_t counts[3] = {0, 0, 0};
    for (const PairPrediction& p : out) ++counts[static_cast<int>(p.status)];
    const bool rating = engine->has_mf() && engine->mf_model().params.kind == MfKind::Explicit &&
                        (model == ModelChoice::Mf || (model == ModelChoice::Auto && !engine->has_sasrec()));
    std::fprintf(stderr, "%zu pairs: %zu ok, %zu no-history, %zu unknown-item (%s)\n", out.size(),
                 counts[0], counts[1], counts[2], rating ? "predicted ratings" : "scores");
    if (a.has("json")) {
        Json j;
        j.begin_object().field("kind", rating ? "rating" : "score").key("pairs").begin_array();
        for (size_t k = 0; k < out.size(); ++k) {
            j.begin_object().field("user", pairs.pairs[k].user).field("item", pairs.pairs[k].item);
            if (out[k].status != PairStatus::UnknownItem) j.field("prediction", out[k].value);
            j.field("status", pair_status_name(out[k].status)).end_object();
        }
        j.end_array().end_object();
        std::printf("%s\n", j.str().c_str());
        return 0;
    }
    std::printf("user,item,prediction,status\n");
    for (size_t k = 0; k < out.size(); ++k) {
        std::printf("%s,%s,", pairs.pairs[k].user.c_str(), pairs.pairs[k].item.c_str());
        if (out[k].status != PairStatus::UnknownItem) std::printf("%.6f", double(out[k].value));
        std::printf(",%s\n", pair_status_name(out[k].status));
    }
    return 0;
}

}  // namespace hearth::cli
