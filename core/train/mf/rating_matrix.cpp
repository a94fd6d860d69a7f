#include "core/train/mf/rating_matrix.h"

#include <algorithm>
#include <numeric>

#include "core/device/mf/mf_model.h"

namespace hearth {

namespace {

struct Cell {
    uint32_t row, col;
    float value;
};

SparseRows compress(uint32_t rows, std::vector<Cell>& cells) {
    std::sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
        return a.row < b.row || (a.row == b.row && a.col < b.col);
    });
    SparseRows out;
    out.start.assign(rows + 1, 0);
    out.index.reserve(cells.size());
    out.value.reserve(cells.size());
    for (const Cell& c : cells) {
        ++out.start[c.row + 1];
        out.index.push_back(c.col);
        out.value.push_back(c.value);
    }
    std::partial_sum(out.start.begin(), out.start.end(), out.start.begin());
    return out;
}

}  // namespace

RatingMatrix RatingMatrix::build(uint32_t users, uint32_t items,
                                 const std::vector<Interaction>& events, MfKind kind) {
    // Order events by (user, item, time, source order) so merging is deterministic.
    std::vector<uint32_t> order(events.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        const Interaction& x = events[a];
        const Interaction& y = events[b];
        if (x.user != y.user) return x.user < y.user;
        if (x.item != y.item) return x.item < y.item;
        return x.timestamp < y.timestamp;
    });
    std::vector<Cell> cells;
    cells.reserve(events.size());
    for (uint32_t k : order) {
        const Interaction& e = events[k];
        if (!cells.empty() && cells.back().row == e.user && cells.back().col == e.item) {
            if (kind == MfKind::Implicit)
                cells.back().value += e.rating;
            else
                cells.back().value = e.rating;
        } else {
            cells.push_back({e.user, e.item, e.rating});
        }
    }
    RatingMatrix m;
    m.users = users;
    m.items = items;
    std::vector<Cell> transposed;
    transposed.reserve(cells.size());
    for (const Cell& c : cells) transposed.push_back({c.col, c.row, c.value});
    m.by_user = compress(users, cells);
    m.by_item = compress(items, transposed);
    return m;
}

}  // namespace hearth
