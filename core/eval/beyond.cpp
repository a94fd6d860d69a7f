#include "core/eval/beyond.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/common/error.h"
#include "core/common/parallel.h"

namespace hearth {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

long find_position(const uint32_t* list, size_t n, uint32_t target) {
    for (size_t j = 0; j < n; ++j)
        if (list[j] == target) return static_cast<long>(j);
    return -1;
}

}  // namespace

double list_hit(const uint32_t* list, size_t n, uint32_t target) {
    return find_position(list, n, target) >= 0 ? 1.0 : 0.0;
}

double list_ndcg(const uint32_t* list, size_t n, uint32_t target) {
    const long j = find_position(list, n, target);
    // Exactly evaluate_ranking's expression, so both agree to the last bit.
    return j >= 0 ? 1.0 / std::log2(static_cast<double>(j) + 2.0) : 0.0;
}

double catalog_coverage(const std::vector<uint32_t>& exposure) {
    if (exposure.empty()) return 0.0;
    size_t covered = 0;
    for (uint32_t e : exposure) covered += e > 0;
    return static_cast<double>(covered) / static_cast<double>(exposure.size());
}

double gini_index(const std::vector<uint32_t>& exposure) {
    // G = sum_i (2 i - n - 1) x_(i) / (n sum x) over the ascending order x_(1) <= ... <= x_(n).
    std::vector<uint32_t> x(exposure);
    std::sort(x.begin(), x.end());
    const double n = static_cast<double>(x.size());
    double total = 0.0, weighted = 0.0;
    for (size_t i = 0; i < x.size(); ++i) {
        total += x[i];
        weighted += (2.0 * static_cast<double>(i + 1) - n - 1.0) * x[i];
    }
    return total > 0.0 ? weighted / (n * total) : 0.0;
}

double intra_list_distance(const float* embeddings, uint32_t dim, const uint32_t* list, size_t n) {
    if (n < 2) return kNaN;
    std::vector<double> norm(n);
    for (size_t a = 0; a < n; ++a) {
        const float* e = embeddings + static_cast<size_t>(list[a]) * dim;
        double s = 0.0;
        for (uint32_t d = 0; d < dim; ++d) s += double(e[d]) * e[d];
        norm[a] = std::sqrt(s);
    }
    double sum = 0.0;
    for (size_t a = 0; a < n; ++a)
        for (size_t b = a + 1; b < n; ++b) {
            double cosine = 0.0;
            if (norm[a] > 0.0 && norm[b] > 0.0) {
                const float* ea = embeddings + static_cast<size_t>(list[a]) * dim;
                const float* eb = embeddings + static_cast<size_t>(list[b]) * dim;
                double dot = 0.0;
                for (uint32_t d = 0; d < dim; ++d) dot += double(ea[d]) * eb[d];
                cosine = dot / (norm[a] * norm[b]);
            }
            sum += 1.0 - cosine;
        }
    return sum / (static_cast<double>(n) * static_cast<double>(n - 1) / 2.0);
}

double item_novelty(double item_users, double users) {
    if (!(users > 0.0)) return 0.0;
    const double pop = item_users > 0.0 ? item_users / users : 1.0 / (users + 1.0);
    return -std::log2(pop);
}

double list_calibration_kl(const ItemSpace& space, const uint32_t* history, size_t history_count,
                           const uint32_t* list, size_t n, std::vector<float>& p,
                           std::vector<float>& q) {
    if (!space.tag_offsets || space.tags == 0) return kNaN;
    tag_mix(space, history, history_count, p);
    double mass = 0.0;
    for (float v : p) mass += v;
    if (!(mass > 0.0)) return kNaN;
    tag_mix(space, list, n, q);
    return calibration_kl(p.data(), q.data(), space.tags, 0.01);
}

ItemPopularity item_popularity(uint32_t items, uint32_t users, const std::vector<Interaction>& events) {
    ItemPopularity pop;
    pop.events.assign(items, 0.0f);
    pop.users.assign(items, 0);
    std::vector<std::pair<uint32_t, uint32_t>> pairs;  // (item, user), once each
    std::vector<uint8_t> active(users, 0);
    pairs.reserve(events.size());
    for (const Interaction& e : events) {
        if (e.item >= items || e.user >= users)
            throw Error("argument", "item_popularity: event outside the catalog or user range");
        pop.events[e.item] += 1.0f;
        pairs.push_back({e.item, e.user});
        active[e.user] = 1;
    }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    for (const auto& pr : pairs) ++pop.users[pr.first];
    for (uint8_t a : active) pop.user_count += a;
    return pop;
}

ItemPopularity item_popularity(uint32_t items, const std::vector<std::vector<uint32_t>>& sequences) {
    std::vector<Interaction> events;
    for (size_t u = 0; u < sequences.size(); ++u)
        for (uint32_t i : sequences[u]) events.push_back({static_cast<uint32_t>(u), i, 1.0f, 0});
    return item_popularity(items, static_cast<uint32_t>(sequences.size()), events);
}

std::vector<RecommendationLists> recommend_lists(const ItemSpace& space,
                                                 const SparseRows& history_by_user,
                                                 const std::vector<HeldOut>& held_out,
                                                 const ScorerFactory& scorers,
                                                 const std::vector<RerankControls>& settings,
                                                 uint32_t k, uint32_t threads) {
    if (k == 0) throw Error("argument", "the list length k must be at least 1");
    const uint32_t items = space.items;
    std::vector<RecommendationLists> out(settings.size());
    for (RecommendationLists& r : out) {
        r.k = k;
        r.items.assign(held_out.size() * k, 0);
        r.length.assign(held_out.size(), 0);
    }
    // Each thread fills the rows of its own range of held-out events, so the lists (and
    // everything computed from them) are the same for any thread count.
    threads = std::max(1u, threads);
    const size_t chunk = (held_out.size() + threads - 1) / threads;
    parallel_for(threads, [&](unsigned t) {
        const size_t begin = std::min(held_out.size(), t * chunk);
        const size_t end = std::min(held_out.size(), begin + chunk);
        const UserScorer scorer = scorers();
        Reranker reranker;
        std::vector<float> scores(items);
        std::vector<uint8_t> excluded(items, 0);
        for (size_t h = begin; h < end; ++h) {
            const uint32_t user = held_out[h].user;
            const uint32_t* history = history_by_user.index.data() + history_by_user.start[user];
            const size_t count = history_by_user.start[user + 1] - history_by_user.start[user];
            scorer(user, scores.data());
            for (size_t j = 0; j < count; ++j) excluded[history[j]] = 1;
            for (size_t s = 0; s < settings.size(); ++s) {
                const Reranked& r = reranker.rerank(space, scores.data(), excluded.data(),
                                                    history, count, settings[s], k);
                uint32_t* row = out[s].items.data() + h * k;
                for (size_t j = 0; j < r.items.size(); ++j) row[j] = r.items[j].index;
                out[s].length[h] = static_cast<uint32_t>(r.items.size());
            }
            for (size_t j = 0; j < count; ++j) excluded[history[j]] = 0;
        }
    });
    return out;
}

ListMetrics list_metrics(const RecommendationLists& lists, const std::vector<HeldOut>& held_out,
                         const SparseRows& history_by_user, const ItemSpace& space,
                         const ItemPopularity& popularity) {
    ListMetrics m;
    m.k = lists.k;
    m.lists = held_out.size();
    const bool has_embeddings = space.embeddings != nullptr && space.dim > 0;
    std::vector<uint32_t> exposure(space.items, 0);
    std::vector<float> p, q;
    double hr = 0, ndcg = 0, ild = 0, novelty = 0, kl = 0, arp = 0;
    size_t ild_lists = 0, recommended = 0;
    const double users = static_cast<double>(popularity.user_count);
    // Sums in held-out order: the result does not depend on how the lists were computed.
    for (size_t h = 0; h < held_out.size(); ++h) {
        const uint32_t* list = lists.list(h);
        const size_t n = lists.length[h];
        hr += list_hit(list, n, held_out[h].item);
        ndcg += list_ndcg(list, n, held_out[h].item);
        for (size_t j = 0; j < n; ++j) {
            ++exposure[list[j]];
            novelty += item_novelty(popularity.users[list[j]], users);
            arp += popularity.events[list[j]];
            ++recommended;
        }
        if (has_embeddings && n >= 2) {
            ild += intra_list_distance(space.embeddings, space.dim, list, n);
            ++ild_lists;
        }
        const uint32_t user = held_out[h].user;
        const uint32_t* history = history_by_user.index.data() + history_by_user.start[user];
        const size_t count = history_by_user.start[user + 1] - history_by_user.start[user];
        const double d = list_calibration_kl(space, history, count, list, n, p, q);
        if (std::isnan(d)) {
            ++m.calibration_skipped;
        } else {
            kl += d;
            ++m.calibration_users;
        }
    }
    const double lists_n = static_cast<double>(m.lists);
    m.hr = m.lists ? hr / lists_n : 0.0;
    m.ndcg = m.lists ? ndcg / lists_n : 0.0;
    m.coverage = catalog_coverage(exposure);
    m.ild = ild_lists ? ild / static_cast<double>(ild_lists) : kNaN;
    m.novelty = recommended ? novelty / static_cast<double>(recommended) : 0.0;
    m.arp = recommended ? arp / static_cast<double>(recommended) : 0.0;
    m.calibration_kl = m.calibration_users ? kl / static_cast<double>(m.calibration_users) : kNaN;
    m.gini = gini_index(exposure);
    return m;
}

ListMetrics evaluate_lists(const ItemSpace& space, const SparseRows& history_by_user,
                           const std::vector<HeldOut>& held_out, const ScorerFactory& scorers,
                           const ItemPopularity& popularity, const RerankControls& controls,
                           uint32_t k, uint32_t threads) {
    const std::vector<RecommendationLists> lists =
        recommend_lists(space, history_by_user, held_out, scorers, {controls}, k, threads);
    return list_metrics(lists[0], held_out, history_by_user, space, popularity);
}

}  // namespace hearth
