// List-based evaluation: the final top-k list a person would see (after re-ranking), and
// what it is like beyond accuracy: how much of the catalog the lists reach, how varied each
// list is, how unexpected its items are, how well it matches the tag mix of the person's
// history, and how unevenly exposure falls on the catalog.
//
// Each metric is a small function of its inputs, so it can be checked on its own; the
// evaluation first builds every list (threads, one scorer and re-ranker each) and then
// computes the metrics from the stored lists in held-out order, so the numbers do not
// depend on the thread count.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/data/interactions.h"
#include "core/device/rerank/rerank.h"
#include "core/eval/evaluate.h"

namespace hearth {

// ---- single-list and exposure metrics ----

// HR and NDCG of one list for one held-out item: at position j (0-based) HR 1 and NDCG
// 1 / log2(j + 2), absent 0 and 0. The same gain evaluate_ranking uses.
double list_hit(const uint32_t* list, size_t n, uint32_t target);
double list_ndcg(const uint32_t* list, size_t n, uint32_t target);

// Distinct recommended items / catalog size; `exposure` has one count per catalog item.
double catalog_coverage(const std::vector<uint32_t>& exposure);

// Gini coefficient of exposure over the catalog: 0 when every item is recommended equally
// often, (n - 1) / n when one item gets every recommendation. 0 when nothing is exposed.
double gini_index(const std::vector<uint32_t>& exposure);

// Mean over the n (n - 1) / 2 pairs of the list of 1 - cosine(e_a, e_b), for `items x dim`
// embeddings. An item with a zero embedding is dissimilar to everything (cosine 0), as the
// re-ranker treats it. NaN for lists with fewer than 2 items (no pair).
double intra_list_distance(const float* embeddings, uint32_t dim, const uint32_t* list, size_t n);

// Self-information -log2(pop) in bits of an item held by `item_users` of `users` training
// users. An item no training user had gets pop = 1 / (users + 1): it is rarer than any item
// seen once, and the novelty stays finite.
double item_novelty(double item_users, double users);

// KL(p || (1 - 0.01) q + 0.01 p) between the tag mix p of `history` and q of `list`
// (Steck 2018), via tag_mix and calibration_kl of the re-ranker. NaN when the history has
// no tagged item (the user has nothing to calibrate to). `p`, `q` are workspaces.
double list_calibration_kl(const ItemSpace& space, const uint32_t* history, size_t history_count,
                           const uint32_t* list, size_t n, std::vector<float>& p,
                           std::vector<float>& q);

// ---- popularity of the training data ----

struct ItemPopularity {
    std::vector<float> events;    // training events per item (ARP; the novelty control)
    std::vector<uint32_t> users;  // distinct training users per item (novelty)
    uint32_t user_count = 0;      // users with at least one training event
};

ItemPopularity item_popularity(uint32_t items, uint32_t users, const std::vector<Interaction>& events);
// From per-user item sequences (the sequence models' training data).
ItemPopularity item_popularity(uint32_t items, const std::vector<std::vector<uint32_t>>& sequences);

// ---- building lists ----

// One top-k list per held-out event, at [h * k, h * k + length[h]) of `items` (shorter
// than k only when fewer items are eligible).
struct RecommendationLists {
    uint32_t k = 0;
    std::vector<uint32_t> items;
    std::vector<uint32_t> length;
    const uint32_t* list(size_t h) const { return items.data() + h * k; }
};

// For every held-out event: scores all items with the user's scorer, leaves out the
// user's history (row `user` of `history_by_user`, also the calibration target), and
// re-ranks with each entry of `settings` (no active control: exactly top_k). Each user is
// scored once for all settings. Returns one RecommendationLists per setting.
std::vector<RecommendationLists> recommend_lists(const ItemSpace& space,
                                                 const SparseRows& history_by_user,
                                                 const std::vector<HeldOut>& held_out,
                                                 const ScorerFactory& scorers,
                                                 const std::vector<RerankControls>& settings,
                                                 uint32_t k, uint32_t threads);

// ---- the metrics over all lists ----

struct ListMetrics {
    size_t lists = 0;  // held-out events (one list each)
    uint32_t k = 0;
    double hr = 0, ndcg = 0;  // @k of the lists
    double coverage = 0;      // catalog_coverage of all lists
    double ild = 0;           // mean intra_list_distance over lists; NaN without embeddings
    double novelty = 0;       // mean item_novelty over every recommended item, bits
    double calibration_kl = 0;       // mean list_calibration_kl over users with tags; NaN if none
    size_t calibration_users = 0;    // users it is averaged over
    size_t calibration_skipped = 0;  // users whose history has no tagged item
    double arp = 0;   // mean training-event count of every recommended item
    double gini = 0;  // gini_index of the exposure of every catalog item
};

// `space` gives the embeddings (ILD; null: NaN) and tags (calibration; none: NaN).
ListMetrics list_metrics(const RecommendationLists& lists, const std::vector<HeldOut>& held_out,
                         const SparseRows& history_by_user, const ItemSpace& space,
                         const ItemPopularity& popularity);

// recommend_lists for one setting followed by list_metrics.
ListMetrics evaluate_lists(const ItemSpace& space, const SparseRows& history_by_user,
                           const std::vector<HeldOut>& held_out, const ScorerFactory& scorers,
                           const ItemPopularity& popularity, const RerankControls& controls,
                           uint32_t k, uint32_t threads);

}  // namespace hearth
