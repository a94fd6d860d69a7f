#include "core/eval/evaluate.h"

#include <cmath>
#include <memory>

#include "core/common/parallel.h"
#include "core/common/rng.h"
#include "core/device/kernels/kernels.h"
#include "core/device/kernels/topk.h"
#include "core/eval/rank.h"

namespace hearth {

namespace {

struct Partial {
    size_t users = 0;
    double hr5 = 0, hr10 = 0, hr20 = 0, ndcg5 = 0, ndcg10 = 0, ndcg20 = 0, mrr = 0;
    std::vector<uint8_t> recommended;  // items seen in some top-10
};

void rank_range(uint32_t items, const SparseRows& train, const std::vector<HeldOut>& held_out,
                const UserScorer& scorer, const RankingProtocol& protocol, size_t begin,
                size_t end, Partial& p) {
    std::vector<float> scores(items);
    std::vector<uint8_t> excluded(items, 0);
    std::vector<Scored> top;
    p.recommended.assign(items, 0);
    for (size_t h = begin; h < end; ++h) {
        const HeldOut& e = held_out[h];
        scorer(e.user, scores.data());
        for (uint32_t k = train.start[e.user]; k < train.start[e.user + 1]; ++k)
            excluded[train.index[k]] = 1;
        size_t rank = 0;
        if (protocol.sampled_negatives == 0) {
            rank = rank_of_target(scores.data(), items, e.item, excluded.data());
        } else if (std::isnan(scores[e.item])) {
            rank = kRankNever;
        } else {
            // Negatives drawn uniformly (with replacement, as the SASRec paper's code does)
            // from items the user never had; seeded per held-out event, so the sample does
            // not depend on the thread split. When no more items than that remain, the
            // sample is all of them, each once (drawing could not end when none remain).
            size_t eligible = 0;
            for (uint32_t i = 0; i < items; ++i) eligible += (!excluded[i] && i != e.item) ? 1 : 0;
            if (eligible <= protocol.sampled_negatives) {
                rank = rank_of_target(scores.data(), items, e.item, excluded.data());
            } else {
                const float target = scores[e.item];
                // A hash chain (each draw is the next seed), not one splitmix64 stream;
                // kept so that sampled metrics stay what they were.
                uint64_t state = SplitMix64::mix(protocol.seed ^ SplitMix64::mix(h + 1));
                for (uint32_t drawn = 0; drawn < protocol.sampled_negatives;) {
                    state = SplitMix64::mix(state + SplitMix64::kGamma);
                    const auto i = static_cast<uint32_t>(state % items);
                    if (excluded[i] || i == e.item) continue;
                    ++drawn;
                    if (counts_before(scores[i], target)) ++rank;
                }
            }
        }
        top_k(scores.data(), items, 10, excluded.data(), top);
        for (const Scored& s : top) p.recommended[s.index] = 1;
        for (uint32_t k = train.start[e.user]; k < train.start[e.user + 1]; ++k)
            excluded[train.index[k]] = 0;

        const double gain = ndcg_gain(rank);
        ++p.users;
        if (hit_at(rank, 5)) { p.hr5 += 1; p.ndcg5 += gain; }
        if (hit_at(rank, 10)) { p.hr10 += 1; p.ndcg10 += gain; }
        if (hit_at(rank, 20)) { p.hr20 += 1; p.ndcg20 += gain; }
        p.mrr += reciprocal_rank(rank);
    }
}

}  // namespace

RankingMetrics evaluate_ranking(uint32_t items, const SparseRows& history_by_user,
                                const std::vector<HeldOut>& held_out, const UserScorer& scorer,
                                uint32_t threads, const RankingProtocol& protocol) {
    return evaluate_ranking(items, history_by_user, held_out, [&] { return scorer; }, threads,
                            protocol);
}

RankingMetrics evaluate_ranking(uint32_t items, const SparseRows& train_by_user,
                                const std::vector<HeldOut>& held_out, const ScorerFactory& scorers,
                                uint32_t threads, const RankingProtocol& protocol) {
    threads = std::max(1u, threads);
    std::vector<Partial> parts(threads);
    const size_t chunk = (held_out.size() + threads - 1) / threads;
    parallel_for(threads, [&](unsigned t) {
        const size_t begin = std::min(held_out.size(), t * chunk);
        const size_t end = std::min(held_out.size(), begin + chunk);
        const UserScorer scorer = scorers();
        rank_range(items, train_by_user, held_out, scorer, protocol, begin, end, parts[t]);
    });

    RankingMetrics m;
    std::vector<uint8_t> recommended(items, 0);
    Partial total;
    for (const Partial& p : parts) {
        total.users += p.users;
        total.hr5 += p.hr5; total.hr10 += p.hr10; total.hr20 += p.hr20;
        total.ndcg5 += p.ndcg5; total.ndcg10 += p.ndcg10; total.ndcg20 += p.ndcg20;
        total.mrr += p.mrr;
        for (uint32_t i = 0; i < items && i < p.recommended.size(); ++i)
            recommended[i] |= p.recommended[i];
    }
    m.users = total.users;
    if (m.users == 0) return m;
    const double n = static_cast<double>(m.users);
    m.hr5 = total.hr5 / n; m.hr10 = total.hr10 / n; m.hr20 = total.hr20 / n;
    m.ndcg5 = total.ndcg5 / n; m.ndcg10 = total.ndcg10 / n; m.ndcg20 = total.ndcg20 / n;
    m.recall20 = m.hr20;
    m.mrr = total.mrr / n;
    size_t covered = 0;
    for (uint8_t r : recommended) covered += r;
    m.coverage10 = items ? static_cast<double>(covered) / items : 0.0;
    return m;
}

RatingMetrics RatingErrorSums::metrics() const {
    RatingMetrics m;
    m.count = count_;
    if (count_) {
        m.rmse = std::sqrt(squared_ / static_cast<double>(count_));
        m.mae = absolute_ / static_cast<double>(count_);
    }
    return m;
}

RatingMetrics evaluate_ratings(const MfModel& model, const std::vector<HeldOut>& held_out) {
    const MfModelView view = model.view();
    const uint32_t ud = view.user_dim();
    RatingErrorSums errors;
    for (const HeldOut& h : held_out) {
        const float* u = &model.user_factors[static_cast<size_t>(h.user) * ud];
        const float* q = &model.item_factors[static_cast<size_t>(h.item) * model.dim];
        double pred = view.base_score(h.item);
        for (uint32_t a = 0; a < model.dim; ++a) pred += double(u[a]) * q[a];
        if (view.items.append_one) pred += u[model.dim];
        errors.add(h.rating - pred);
    }
    return errors.metrics();
}

UserScorer mf_scorer(const MfModel& model) {
    return [&model](uint32_t user, float* scores) {
        const MfModelView view = model.view();
        const uint32_t ud = view.user_dim();
        const float* u = &model.user_factors[static_cast<size_t>(user) * ud];
        gemv_f32()(model.item_factors.data(), view.items.count, model.dim, u, scores);
        if (view.items.append_one)
            for (uint32_t i = 0; i < view.items.count; ++i) scores[i] += view.base_score(i) + u[model.dim];
    };
}

UserScorer popularity_scorer(const RatingMatrix& train) {
    auto counts = std::make_shared<std::vector<float>>(train.items, 0.0f);
    for (uint32_t i = 0; i < train.items; ++i)
        (*counts)[i] = static_cast<float>(train.by_item.start[i + 1] - train.by_item.start[i]);
    return [counts](uint32_t, float* scores) {
        std::copy(counts->begin(), counts->end(), scores);
    };
}

}  // namespace hearth
