#include "core/eval/split.h"

#include <algorithm>
#include <numeric>

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

}  // namespace hearth
