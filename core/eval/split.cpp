#include "core/eval/split.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "core/common/error.h"
#include "core/common/rng.h"

namespace hearth {

std::vector<uint32_t> events_by_user_in_time(const Interactions& data) {
    std::vector<uint32_t> order(data.events.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        const Interaction& x = data.events[a];
        const Interaction& y = data.events[b];
        return x.user < y.user || (x.user == y.user && x.timestamp < y.timestamp);
    });
    return order;
}

Split leave_last_out(const Interactions& data, bool with_validation) {
    const std::vector<uint32_t> order = events_by_user_in_time(data);
    Split split;
    split.train.reserve(data.events.size());
    size_t begin = 0;
    while (begin < order.size()) {
        const uint32_t user = data.events[order[begin]].user;
        size_t end = begin;
        while (end < order.size() && data.events[order[end]].user == user) ++end;

        size_t train_end = end;
        auto hold_out = [&](std::vector<HeldOut>& into) {
            const Interaction& last = data.events[order[train_end - 1]];
            for (size_t k = begin; k + 1 < train_end; ++k)
                if (data.events[order[k]].item == last.item) return false;
            into.push_back({user, last.item, last.rating});
            --train_end;
            return true;
        };
        std::vector<uint32_t> distinct;
        for (size_t k = begin; k < end; ++k) distinct.push_back(data.events[order[k]].item);
        std::sort(distinct.begin(), distinct.end());
        const size_t n_distinct =
            static_cast<size_t>(std::unique(distinct.begin(), distinct.end()) - distinct.begin());
        if (n_distinct >= (with_validation ? 3u : 2u)) {
            if (hold_out(split.test) && with_validation) hold_out(split.validation);
        }
        for (size_t k = begin; k < train_end; ++k) split.train.push_back(data.events[order[k]]);
        begin = end;
    }
    return split;
}

std::vector<uint32_t> random_folds(size_t events, uint32_t folds, uint64_t seed) {
    if (folds < 2 || folds > events)
        throw Error("argument", "folds must be in 2.." + std::to_string(events) + " (the number of "
                                "events), got " + std::to_string(folds));
    if (events > UINT32_MAX) throw Error("argument", "too many events for a K-fold split");
    std::vector<uint32_t> order(events);
    std::iota(order.begin(), order.end(), 0u);
    SplitMix64 rng(seed);
    for (size_t i = events - 1; i > 0; --i)
        std::swap(order[i], order[rng.below(static_cast<uint32_t>(i + 1))]);
    std::vector<uint32_t> fold_of(events);
    for (uint32_t f = 0; f < folds; ++f) {
        const size_t begin = events * f / folds, end = events * (f + 1) / folds;
        for (size_t k = begin; k < end; ++k) fold_of[order[k]] = f;
    }
    return fold_of;
}

Split fold_split(const Interactions& data, const std::vector<uint32_t>& fold_of, uint32_t fold) {
    if (fold_of.size() != data.events.size())
        throw Error("argument", "the fold assignment does not match the events");
    Split split;
    for (size_t e = 0; e < data.events.size(); ++e) {
        const Interaction& x = data.events[e];
        if (fold_of[e] == fold)
            split.test.push_back({x.user, x.item, x.rating});
        else
            split.train.push_back(x);
    }
    return split;
}

}  // namespace hearth
