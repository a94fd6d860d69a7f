#include "core/train/privacy/statement.h"

#include <cmath>
#include <cstdio>

#include "core/common/error.h"
#include "core/data/json.h"
#include "core/data/json_parse.h"

namespace hearth {

const char* const kNotCovered[5] = {"catalog", "popularity", "training_counts", "training_report", "floating_point"};

std::string no_privacy_json(const char* note) {
    Json j;
    j.begin_object().field("private", false);
    j.field("note", note);
    j.end_object();
    return j.str();
}

std::string dp_sgd_privacy_json(double epsilon, double delta, double order, double z, double q, uint64_t steps,
                                double clip, uint32_t max_len) {
    Json j;
    j.begin_object();
    j.field("private", true);
    j.field("mechanism", "DP-SGD: per-user gradient clipping and Gaussian noise on every training step");
    j.field("unit", "user");
    j.field("epsilon", epsilon).field("delta", delta);
    j.field("accountant", "RDP, Poisson-subsampled Gaussian mechanism composed over every step");
    j.field("rdp_order", order).field("noise_multiplier", z);
    j.field("sampling_rate", q).field("steps", steps);
    j.key("bounds").begin_object();
    j.field("gradient_norm", clip);
    j.field("max_items_per_user", max_len + 1);
    j.field("values", "the order of a user's items; the last max_len + 1 of the training part");
    j.end_object();
    j.key("protected").begin_array().value("every SASRec weight, the item embeddings included").end_array();
    j.key("not_covered").begin_array();
    for (const char* code : kNotCovered) j.value(code);
    j.end_array();
    j.end_object();
    return j.str();
}

std::string privacy_words(std::string_view meta_json) {

    JsonValue meta;
    try {
        meta = parse_json(meta_json);
    } catch (const Error&) {
        return "not stated (the metadata is not valid JSON)";
    }
    const JsonValue* p = meta.find("privacy");
    if (!p || !p->is_object() || !p->find("private") || !p->find("private")->is_bool())
        return "not stated: the bundle does not say how it was trained; treat it as not private";
    if (!p->find("private")->as_bool("private")) {
        const JsonValue* note = p->find("note");
        return "not private (" + (note && note->is_string() ? note->as_string("note") : std::string("no note")) + ")";
    }
    const auto number = [&](const char* key) {
        const JsonValue* v = p->find(key);
        return v && v->is_number() ? v->as_number(key) : std::nan("");
    };
    char head[256];
    std::snprintf(head, sizeof head, "differentially private for each user: epsilon %.3g, delta %.2g", number("epsilon"),
                  number("delta"));
    std::string out = head;
    if (const JsonValue* b = p->find("bounds"); b && b->find("max_items_per_user") && b->find("max_items_per_user")->is_number())
        out += "; each user counts for at most " + b->find("max_items_per_user")->number_text() +
               (b->find("weighting") ? " interactions (a longer history weighs each item less)" : " interactions");
    if (const JsonValue* t = p->find("min_item_users"); t && t->is_number())
        out += "; only items with about " + t->number_text() + " users or more (by a noisy count) were trained";
    out += ". Not covered:";
    if (const JsonValue* nc = p->find("not_covered"); nc && nc->is_array())
        for (const JsonValue& code : nc->as_array("not_covered")) {
            if (!code.is_string()) continue;
            const std::string& c = code.as_string("code");
            out += c == "catalog"            ? " the catalog (items, titles, tags);"
                   : c == "popularity"       ? " item popularity and new-item flags;"
                   : c == "training_counts"  ? " the numbers of users and events;"
                   : c == "training_report"  ? " the training curve and metrics in the metadata;"
                   : c == "floating_point"   ? " floating-point attacks on the noise;"
                                             : " " + c + ";";
        }
    if (out.back() == ';') out.back() = '.';
    return out;
}
}  // namespace hearth
