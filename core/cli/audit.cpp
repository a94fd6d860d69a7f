// `hearth audit-privacy`: two attacks on the item factors an ALS bundle publishes, with and
// without --dp-epsilon.
//
// Canaries (membership of a whole person): 2N made-up users with k uniformly random items
// each; N are added to the training data, N are not. The attacker scores a set of items by
// the mean pairwise cosine similarity of their factors (a person who liked them all pulls
// them together) and must tell the added sets from the others: the AUC, and an empirical
// lower bound on epsilon from the best threshold with 95% Clopper-Pearson bounds on both
// error rates (Jagielski et al. 2020; Nasr et al. 2021).
//
// Neighbours (Calandrino et al. 2011): the real users are split into members (trained on)
// and non-members (not). For each, one item is hidden and the others are given; the
// attacker ranks every other item by its summed cosine similarity to the given ones and
// succeeds when the hidden item is in the top 10. Success on non-members is what the
// model predicts about anyone; the gap to members is what it remembers of them.
#include "core/cli/audit.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "core/cli/args.h"
#include "core/cli/common.h"
#include "core/cli/options.h"
#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/data/json.h"
#include "core/train/mf/private_als.h"
#include "core/train/mf/rating_matrix.h"
#include "core/train/mf/trainer.h"

namespace hearth::cli {

namespace {

// Unit-length rows of the item factors (zero rows stay zero).
std::vector<float> normalized_rows(const MfModel& m) {
    std::vector<float> out = m.item_factors;
    for (uint32_t i = 0; i < m.items(); ++i) {
        float* r = &out[static_cast<size_t>(i) * m.dim];
        double n = 0;
        for (uint32_t a = 0; a < m.dim; ++a) n += double(r[a]) * r[a];
        if (n > 0)
            for (uint32_t a = 0; a < m.dim; ++a) r[a] = static_cast<float>(r[a] / std::sqrt(n));
    }
    return out;
}

double cosine(const std::vector<float>& rows, uint32_t dim, uint32_t a, uint32_t b) {
    double s = 0;
    for (uint32_t k = 0; k < dim; ++k) s += double(rows[size_t(a) * dim + k]) * rows[size_t(b) * dim + k];
    return s;
}

// P(score of a member > score of a non-member), ties counting half.
double auc(const std::vector<double>& in, const std::vector<double>& out) {
    double wins = 0;
    for (double a : in)
        for (double b : out) wins += a > b ? 1.0 : (a == b ? 0.5 : 0.0);
    return wins / (static_cast<double>(in.size()) * static_cast<double>(out.size()));
}

// The 95% Clopper-Pearson interval's lower or upper end for k successes of n, by bisection
// on the binomial tail (n is small: hundreds).
double binomial_tail_ge(uint32_t k, uint32_t n, double p) {  // P(X >= k)
    double total = 0;
    for (uint32_t i = k; i <= n; ++i)
        total += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) +
                          (i ? i * std::log(p) : 0.0) + (n - i ? (n - i) * std::log1p(-p) : 0.0));
    return total;
}

double clopper_pearson(uint32_t k, uint32_t n, bool upper) {
    if (!upper && k == 0) return 0.0;
    if (upper && k == n) return 1.0;
    double lo = 0.0, hi = 1.0;
    for (int it = 0; it < 60; ++it) {
        const double mid = 0.5 * (lo + hi);
        // lower: the p with P(X >= k) = 0.025; upper: the p with P(X <= k) = 0.025.
        const double tail = upper ? 1.0 - binomial_tail_ge(k + 1, n, mid) : binomial_tail_ge(k, n, mid);
        if (upper ? tail > 0.025 : tail < 0.025)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

// The largest epsilon that some threshold on the scores proves (with 95% confidence on
// each rate), given delta: log((TPR_low - delta) / FPR_high) and its mirror.
double epsilon_lower_bound(const std::vector<double>& in, const std::vector<double>& out, double delta) {
    std::vector<double> thresholds = in;
    thresholds.insert(thresholds.end(), out.begin(), out.end());
    double best = 0.0;
    const uint32_t n_in = static_cast<uint32_t>(in.size()), n_out = static_cast<uint32_t>(out.size());
    for (double t : thresholds) {
        uint32_t tp = 0, fp = 0;
        for (double s : in) tp += s >= t;
        for (double s : out) fp += s >= t;
        const double tpr_lo = clopper_pearson(tp, n_in, false), fpr_hi = clopper_pearson(fp, n_out, true);
        const double tnr_lo = clopper_pearson(n_out - fp, n_out, false), fnr_hi = clopper_pearson(n_in - tp, n_in, true);
        if (tpr_lo - delta > 0 && fpr_hi > 0) best = std::max(best, std::log((tpr_lo - delta) / fpr_hi));
        if (tnr_lo - delta > 0 && fnr_hi > 0) best = std::max(best, std::log((tnr_lo - delta) / fnr_hi));
    }
    return best;
}

}  // namespace

int run_audit_privacy(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("audit-privacy"))) return 0;
    const Args a(argv, command("audit-privacy"));
    MfConfig config = model_config(a);
    if (config.params.kind != MfKind::Implicit) throw Error("argument", "the audit attacks ALS bundles (--model als)");
    const Dataset d = load(a);
    const Interactions& data = d.interactions;
    const uint32_t canaries = a.get_u32("canaries", 200), canary_items = a.get_u32("canary-items", 8);
    const uint32_t attacked = a.get_u32("attacked-users", 1000);
    const uint32_t items = static_cast<uint32_t>(data.item_ids.size());
    const uint32_t users = static_cast<uint32_t>(data.user_ids.size());
    if (canary_items < 2 || canary_items > items) throw Error("argument", "--canary-items must be in 2..items");
    SplitMix64 rng(a.get_u64("seed", 42) ^ 0xA0D17);

    // Real users: a random half are members, the rest are never trained on.
    std::vector<uint32_t> order(users);
    std::iota(order.begin(), order.end(), 0u);
    for (uint32_t i = users; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    std::vector<uint8_t> member(users, 0);
    for (uint32_t i = 0; i < users / 2; ++i) member[order[i]] = 1;
    std::vector<uint32_t> dense(users, 0);  // member -> row of the training matrix
    uint32_t members = 0;
    for (uint32_t u = 0; u < users; ++u)
        if (member[u]) dense[u] = members++;
    std::vector<Interaction> train;
    std::vector<std::vector<uint32_t>> history(users);
    for (const Interaction& e : data.events) {
        history[e.user].push_back(e.item);
        if (member[e.user]) train.push_back({dense[e.user], e.item, 1.0f, e.timestamp});
    }
    // Canaries: 2N random sets; the first N are trained on.
    std::vector<std::vector<uint32_t>> sets(2 * canaries);
    for (auto& s : sets) {
        while (s.size() < canary_items) {
            const uint32_t i = rng.below(items);
            if (std::find(s.begin(), s.end(), i) == s.end()) s.push_back(i);
        }
    }
    for (uint32_t c = 0; c < canaries; ++c)
        for (uint32_t i : sets[c]) train.push_back({members + c, i, 1.0f, 0});
    const RatingMatrix m = RatingMatrix::build(members + canaries, items, train, MfKind::Implicit);

    DpAlsReport privacy;
    MfModel model;
    const bool dp = a.has("dp-epsilon");
    if (dp) {
        DpAlsConfig c;
        c.epsilon = a.get_float("dp-epsilon", 0.0f);
        c.delta = a.get_float("dp-delta", 0.0f);
        c.max_items_per_user = a.get_u32("dp-max-items", c.max_items_per_user);
        c.user_norm_clip = a.get_float("dp-clip", c.user_norm_clip);
        c.min_item_users = a.get_float("dp-min-item-users", static_cast<float>(c.min_item_users));
        model = train_mf_private(m, config, c, privacy);
    } else {
        model = train_mf(m, config);
    }
    const std::vector<float> unit_rows = normalized_rows(model);

    std::vector<double> inserted, held_out;
    for (uint32_t c = 0; c < 2 * canaries; ++c) {
        double s = 0;
        size_t pairs = 0;
        for (size_t x = 0; x < sets[c].size(); ++x)
            for (size_t y = x + 1; y < sets[c].size(); ++y, ++pairs) s += cosine(unit_rows, model.dim, sets[c][x], sets[c][y]);
        (c < canaries ? inserted : held_out).push_back(s / static_cast<double>(pairs));
    }
    const double delta = dp ? privacy.delta : 0.1 / static_cast<double>(members + canaries);

    // Neighbours: hide one item of each attacked user, rank the rest by summed similarity.
    std::vector<double> score(items);
    uint32_t tried[2] = {0, 0}, hit[2] = {0, 0};
    for (uint32_t pass = 0; pass < 2; ++pass)
        for (uint32_t k = 0; k < users && tried[pass] < attacked; ++k) {
            const uint32_t u = order[(pass == 0 ? k : users / 2 + k) % users];
            if (member[u] != (pass == 0) || history[u].size() < 2) continue;
            std::vector<uint32_t> h = history[u];
            std::sort(h.begin(), h.end());
            h.erase(std::unique(h.begin(), h.end()), h.end());
            if (h.size() < 2) continue;
            const uint32_t hidden = h[rng.below(static_cast<uint32_t>(h.size()))];
            std::fill(score.begin(), score.end(), 0.0);
            for (uint32_t g : h)
                if (g != hidden)
                    for (uint32_t i = 0; i < items; ++i) score[i] += cosine(unit_rows, model.dim, g, i);
            for (uint32_t g : h)
                if (g != hidden) score[g] = -1e300;
            uint32_t above = 0;
            for (uint32_t i = 0; i < items; ++i) above += score[i] > score[hidden];
            ++tried[pass];
            hit[pass] += above < 10;
        }

    Json j;
    j.begin_object().field("private", dp);
    if (dp) j.field("epsilon", privacy.epsilon).field("delta", privacy.delta);
    j.field("members", members).field("canaries", canaries).field("canary_items", canary_items);
    j.key("canary_attack").begin_object();
    j.field("auc", auc(inserted, held_out));
    j.field("epsilon_lower_bound", epsilon_lower_bound(inserted, held_out, delta));
    j.end_object();
    j.key("neighbour_attack").begin_object();
    j.field("members_tried", tried[0]).field("members_hit10", tried[0] ? double(hit[0]) / tried[0] : 0.0);
    j.field("non_members_tried", tried[1]).field("non_members_hit10", tried[1] ? double(hit[1]) / tried[1] : 0.0);
    j.end_object();
    j.end_object();
    std::printf("%s\n", j.str().c_str());
    return 0;
}

}  // namespace hearth::cli
