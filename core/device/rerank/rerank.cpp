#include "core/device/rerank/rerank.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/common/error.h"
#include "core/device/kernels/kernels.h"
#include "core/device/kernels/quant.h"

namespace hearth {

namespace {

constexpr double kCalibrationAlpha = 0.01;  // Steck's smoothing: KL stays finite
constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
constexpr uint32_t kPointwise = kControlNovelty | kControlMood | kControlFeedback;
// Greedy selection costs k x pool similarity updates; past this many positions (a list no
// one reads as a whole) the rest follows the adjusted relevance alone.
constexpr size_t kGreedyPositions = 100;

struct TagList {
    const uint32_t* ids;
    uint32_t count;
};

TagList tags_of(const ItemSpace& space, uint32_t item) {
    if (!space.tag_offsets) return {nullptr, 0};
    const uint32_t begin = space.tag_offsets[item];
    return {space.tag_ids + begin, space.tag_offsets[item + 1] - begin};
}

void check_strength(float value, const char* name) {
    if (!(value >= 0.0f && value <= 1.0f))
        throw Error("argument", std::string(name) + " strength must be in [0, 1]");
}

void check_indices(const uint32_t* ids, size_t count, uint32_t limit, const char* what) {
    for (size_t i = 0; i < count; ++i)
        if (ids[i] >= limit)
            throw Error("argument", std::string(what) + " " + std::to_string(i) + ": index " +
                                        std::to_string(ids[i]) + " is outside the " +
                                        std::to_string(limit) + " known");
}

}  // namespace

const char* control_name(uint32_t bit_index) {
    static const char* const names[kControlCount] = {"diversity", "calibration", "novelty", "mood",
                                                     "feedback"};
    return bit_index < kControlCount ? names[bit_index] : "unknown";
}

void tag_mix(const ItemSpace& space, const uint32_t* items, size_t count, std::vector<float>& mix) {
    mix.assign(space.tags, 0.0f);
    for (size_t i = 0; i < count; ++i) {
        const TagList t = tags_of(space, items[i]);
        for (uint32_t j = 0; j < t.count; ++j) mix[t.ids[j]] += 1.0f / static_cast<float>(t.count);
    }
}

const std::vector<float>& Reranker::inverse_norms(const ItemSpace& space) {
    const void* table = space.embeddings ? static_cast<const void*>(space.embeddings) : space.codes;
    if (norms_for_ == table) return inverse_norms_;
    inverse_norms_.resize(space.items);
    for (uint32_t i = 0; i < space.items; ++i) {
        float norm = 0.0f;
        if (space.embeddings) {
            const float* row = space.embeddings + static_cast<size_t>(i) * space.dim;
            norm = std::sqrt(dot_f32()(row, row, space.dim));
        } else {
            const int8_t* row = space.codes + static_cast<size_t>(i) * space.dim;
            norm = std::sqrt(static_cast<float>(dot_i8_ref(row, row, space.dim)));
        }
        inverse_norms_[i] = norm > 0.0f ? 1.0f / norm : 0.0f;
    }
    norms_for_ = table;
    return inverse_norms_;
}

double calibration_kl(const float* p, const float* q, size_t n, double alpha) {
    double sum_p = 0.0, sum_q = 0.0;
    for (size_t g = 0; g < n; ++g) {
        sum_p += p[g];
        sum_q += q[g];
    }
    if (!(sum_p > 0.0)) return 0.0;
    double kl = 0.0;
    for (size_t g = 0; g < n; ++g) {
        if (!(p[g] > 0.0f)) continue;
        const double pg = p[g] / sum_p;
        const double qg = sum_q > 0.0 ? q[g] / sum_q : 0.0;
        kl += pg * std::log(pg / ((1.0 - alpha) * qg + alpha * pg));
    }
    return kl;
}

uint32_t Reranker::active(const ItemSpace& space, const RerankControls& c, const uint32_t* history,
                          size_t history_count) {
    const bool has_tags = space.tag_offsets && space.tags > 0;
    const bool can_compare =
        c.similarity == Similarity::Tags ? has_tags : (space.embeddings != nullptr || space.codes != nullptr);
    uint32_t mask = 0;
    if (c.diversity > 0.0f && can_compare) mask |= kControlDiversity;
    if (c.calibration > 0.0f && has_tags) {
        for (size_t i = 0; i < history_count; ++i)
            if (tags_of(space, history[i]).count > 0) {
                mask |= kControlCalibration;
                break;
            }
    }
    if (c.novelty > 0.0f && space.popularity) mask |= kControlNovelty;
    if (c.mood > 0.0f && c.mood_weights && has_tags) mask |= kControlMood;
    if (c.feedback > 0.0f &&
        ((c.avoid_item_count > 0 && can_compare) || (c.avoid_tag_count > 0 && has_tags)))
        mask |= kControlFeedback;
    return mask;
}

float Reranker::similarity(const ItemSpace& space, Similarity mode, uint32_t a, uint32_t b) const {
    if (mode == Similarity::Embedding && !space.embeddings) {
        const int8_t* ca = space.codes + static_cast<size_t>(a) * space.dim;
        const int8_t* cb = space.codes + static_cast<size_t>(b) * space.dim;
        return static_cast<float>(dot_i8_ref(ca, cb, space.dim)) * inverse_norms_[a] * inverse_norms_[b];
    }
    if (mode == Similarity::Embedding) {
        const float* ea = space.embeddings + static_cast<size_t>(a) * space.dim;
        const float* eb = space.embeddings + static_cast<size_t>(b) * space.dim;
        return dot_f32()(ea, eb, space.dim) * inverse_norms_[a] * inverse_norms_[b];
    }
    const TagList ta = tags_of(space, a), tb = tags_of(space, b);
    if (ta.count == 0 || tb.count == 0) return 0.0f;
    uint32_t shared = 0;
    for (uint32_t i = 0; i < ta.count; ++i)
        for (uint32_t j = 0; j < tb.count; ++j) shared += ta.ids[i] == tb.ids[j];
    return static_cast<float>(shared) / std::sqrt(static_cast<float>(ta.count) * static_cast<float>(tb.count));
}

void Reranker::prepare(const ItemSpace& space, const uint32_t* history, size_t history_count,
                       const RerankControls& c, uint32_t active) {
    const size_t n = pool_.size();
    const float top = pool_.front().score, bottom = pool_.back().score;
    relevance_.resize(n);
    for (size_t j = 0; j < n; ++j)
        relevance_[j] = top > bottom ? (pool_[j].score - bottom) / (top - bottom) : 1.0f;

    for (uint32_t b = 0; b < kControlCount; ++b) penalty_[b].assign(n, 0.0f);
    if (active & kControlNovelty) {
        if (max_pop_for_ != space.popularity) {
            max_pop_ = 0.0f;
            for (uint32_t i = 0; i < space.items; ++i) max_pop_ = std::max(max_pop_, space.popularity[i]);
            max_pop_for_ = space.popularity;
        }
        const float scale = max_pop_ > 0.0f ? 1.0f / std::log1p(max_pop_) : 0.0f;
        for (size_t j = 0; j < n; ++j)
            penalty_[2][j] = -c.novelty * std::log1p(space.popularity[pool_[j].index]) * scale;
    }
    if (active & kControlMood) {
        for (size_t j = 0; j < n; ++j) {
            const TagList t = tags_of(space, pool_[j].index);
            float sum = 0.0f;
            for (uint32_t i = 0; i < t.count; ++i) sum += c.mood_weights[t.ids[i]];
            penalty_[3][j] = t.count ? c.mood * sum / static_cast<float>(t.count) : 0.0f;
        }
    }
    if (active & kControlFeedback) {
        tag_flag_.assign(space.tags, 0);
        for (size_t i = 0; i < c.avoid_tag_count; ++i) tag_flag_[c.avoid_tags[i]] = 1;
        for (size_t j = 0; j < n; ++j) {
            const uint32_t item = pool_[j].index;
            float worst = 0.0f;
            for (size_t a = 0; a < c.avoid_item_count; ++a)
                worst = std::max(worst, similarity(space, c.similarity, item, c.avoid_items[a]));
            const TagList t = tags_of(space, item);
            if (c.avoid_tag_count > 0 && t.count > 0) {
                uint32_t avoided = 0;
                for (uint32_t i = 0; i < t.count; ++i) avoided += tag_flag_[t.ids[i]];
                worst = std::max(worst, static_cast<float>(avoided) / static_cast<float>(t.count));
            }
            penalty_[4][j] = -c.feedback * worst;
        }
    }
    if (active & kControlCalibration) {
        tag_mix(space, history, history_count, history_mix_);
        double total = 0.0;
        for (float m : history_mix_) total += m;
        support_.clear();
        for (uint32_t g = 0; g < space.tags; ++g)
            if (history_mix_[g] > 0.0f) support_.push_back({g, static_cast<float>(history_mix_[g] / total)});
    }
}

void Reranker::select(const ItemSpace& space, const RerankControls& c, uint32_t mask, uint32_t k,
                      std::vector<uint32_t>& picked) {
    const size_t n = pool_.size();
    const size_t want = std::min<size_t>(k, n);
    const float d = (mask & kControlDiversity) ? c.diversity : 0.0f;
    const double cal = (mask & kControlCalibration) ? c.calibration : 0.0;
    adjusted_.resize(n);
    for (size_t j = 0; j < n; ++j) {
        float a = relevance_[j];
        for (uint32_t b = 0; b < kControlCount; ++b)
            if ((mask & kPointwise) & (1u << b)) a += penalty_[b][j];
        adjusted_[j] = a;
    }
    taken_.assign(n, 0);
    max_sim_.assign(n, -std::numeric_limits<float>::infinity());
    list_mix_.assign(cal > 0.0 ? space.tags : 0, 0.0);
    candidate_mix_.assign(cal > 0.0 ? space.tags : 0, 0.0);
    double list_mass = 0.0;
    picked.clear();
    while (picked.size() < std::min(want, kGreedyPositions)) {
        double best = -std::numeric_limits<double>::infinity();
        uint32_t best_j = kNone;
        for (size_t j = 0; j < n; ++j) {
            if (taken_[j]) continue;
            // An empty list has nothing to be redundant with (and max_sim_ starts at -inf).
            const double redundancy = d > 0.0f && !picked.empty() ? max_sim_[j] : 0.0;
            double gain = (1.0 - cal) * ((1.0 - d) * adjusted_[j] - d * redundancy);
            if (cal > 0.0) {
                // q(S + j): the list's tag mass plus j's unit mass spread over its tags.
                const TagList t = tags_of(space, pool_[j].index);
                for (uint32_t i = 0; i < t.count; ++i) candidate_mix_[t.ids[i]] = 1.0 / t.count;
                const double mass = list_mass + (t.count ? 1.0 : 0.0);
                double kl = 0.0;
                for (const TagShare& s : support_) {
                    const double q = mass > 0.0 ? (list_mix_[s.tag] + candidate_mix_[s.tag]) / mass : 0.0;
                    kl += s.share * std::log(s.share / ((1.0 - kCalibrationAlpha) * q +
                                                        kCalibrationAlpha * s.share));
                }
                for (uint32_t i = 0; i < t.count; ++i) candidate_mix_[t.ids[i]] = 0.0;
                gain -= cal * kl;
            }
            if (gain > best || best_j == kNone) {  // strict: ties keep the better model rank
                best = gain;
                best_j = static_cast<uint32_t>(j);
            }
        }
        taken_[best_j] = 1;
        picked.push_back(best_j);
        if (d > 0.0f)
            for (size_t j = 0; j < n; ++j)
                if (!taken_[j])
                    max_sim_[j] = std::max(max_sim_[j], similarity(space, c.similarity, pool_[j].index,
                                                                   pool_[best_j].index));
        if (cal > 0.0) {
            const TagList t = tags_of(space, pool_[best_j].index);
            for (uint32_t i = 0; i < t.count; ++i) list_mix_[t.ids[i]] += 1.0 / t.count;
            if (t.count) list_mass += 1.0;
        }
    }
    if (picked.size() < want) {
        const size_t greedy = picked.size();
        for (size_t j = 0; j < n; ++j)
            if (!taken_[j]) picked.push_back(static_cast<uint32_t>(j));
        std::stable_sort(picked.begin() + static_cast<std::ptrdiff_t>(greedy), picked.end(),
                         [&](uint32_t a, uint32_t b) { return adjusted_[a] > adjusted_[b]; });
        picked.resize(want);
    }
}

const Reranked& Reranker::rerank(const ItemSpace& space, const float* scores,
                                 const uint8_t* excluded, const uint32_t* history,
                                 size_t history_count, const RerankControls& c, uint32_t k,
                                 const uint32_t* only, size_t only_count) {
    check_strength(c.diversity, "diversity");
    check_strength(c.calibration, "calibration");
    check_strength(c.novelty, "novelty");
    check_strength(c.mood, "mood");
    check_strength(c.feedback, "feedback");
    check_indices(history, history_count, space.items, "history entry");
    check_indices(c.avoid_items, c.avoid_item_count, space.items, "avoided item");
    check_indices(c.avoid_tags, c.avoid_tag_count, space.tags, "avoided tag");
    check_indices(c.block_tags, c.block_tag_count, space.tags, "blocked tag");
    if (c.mood_weights)
        for (uint32_t t = 0; t < space.tags; ++t)
            if (!(c.mood_weights[t] >= -1.0f && c.mood_weights[t] <= 1.0f))
                throw Error("argument", "mood weight of tag " + std::to_string(t) +
                                            " must be a number in [-1, 1]");

    const uint8_t* mask = excluded;
    const bool blocking = c.block_tag_count > 0 && space.tag_offsets;
    if (blocking) {
        tag_flag_.assign(space.tags, 0);
        for (size_t i = 0; i < c.block_tag_count; ++i) tag_flag_[c.block_tags[i]] = 1;
    }
    const auto blocked = [&](uint32_t i) {
        const TagList t = tags_of(space, i);
        for (uint32_t j = 0; j < t.count; ++j)
            if (tag_flag_[t.ids[j]]) return true;
        return false;
    };
    if (blocking && !only) {
        filter_.assign(space.items, 0);
        for (uint32_t i = 0; i < space.items; ++i) filter_[i] = (excluded && excluded[i]) || blocked(i);
        mask = filter_.data();
    }
    if (only) {
        // The eligible candidates with their scores; other items are never read.
        check_indices(only, only_count, space.items, "candidate");
        eligible_.clear();
        for (size_t j = 0; j < only_count; ++j) {
            const uint32_t i = only[j];
            if ((excluded && excluded[i]) || (blocking && blocked(i)) || std::isnan(scores[i])) continue;
            eligible_.push_back({i, scores[i]});
        }
    }
    // The best `count` eligible items by score, best first (top_k's order).
    const auto best = [&](size_t count, std::vector<Scored>& out) {
        if (!only) {
            top_k(scores, space.items, count, mask, out);
            return;
        }
        out.assign(eligible_.begin(), eligible_.end());
        const size_t keep = std::min(count, out.size());
        std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(keep), out.end(), ranks_before);
        out.resize(keep);
    };

    const uint32_t on = active(space, c, history, history_count);
    Reranked& r = out_;
    if (on == 0) {
        best(k, r.items);
        r.controls.assign(r.items.size(), 0);
        r.model_rank.resize(r.items.size());
        for (size_t j = 0; j < r.items.size(); ++j) r.model_rank[j] = static_cast<uint32_t>(j);
        return r;
    }

    const uint32_t pool = c.candidates ? std::max(c.candidates, k) : std::max<uint32_t>(10 * k, 200);
    best(pool, pool_);
    r.items.clear();
    r.controls.clear();
    r.model_rank.clear();
    if (pool_.empty()) return r;
    const bool compares_embeddings =
        c.similarity == Similarity::Embedding && (on & (kControlDiversity | kControlFeedback));
    if (compares_embeddings) inverse_norms(space);
    prepare(space, history, history_count, c, on);
    select(space, c, on, k, picked_);

    r.controls.assign(picked_.size(), 0);
    position_.assign(pool_.size(), kNone);
    for (uint32_t b = 0; b < kControlCount; ++b) {
        const uint32_t bit = 1u << b;
        if (!(on & bit)) continue;
        select(space, c, on & ~bit, k, alternative_);
        for (size_t j = 0; j < alternative_.size(); ++j) position_[alternative_[j]] = static_cast<uint32_t>(j);
        for (size_t j = 0; j < picked_.size(); ++j)
            if (position_[picked_[j]] != j) r.controls[j] |= bit;
        for (uint32_t p : alternative_) position_[p] = kNone;
    }
    for (uint32_t p : picked_) {
        r.items.push_back(pool_[p]);
        r.model_rank.push_back(p);
    }
    return r;
}

}  // namespace hearth
