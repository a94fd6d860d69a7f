#include "core/eval/sequences.h"

#include <algorithm>

namespace hearth {

std::vector<std::vector<uint32_t>> user_sequences(const Interactions& data) {
    const std::vector<uint32_t> order = events_by_user_in_time(data);
    std::vector<std::vector<uint32_t>> seqs(data.user_ids.size());
    for (uint32_t k : order) seqs[data.events[k].user].push_back(data.events[k].item);
    return seqs;
}

SequenceSplit split_sequences(const std::vector<std::vector<uint32_t>>& sequences) {
    SequenceSplit s;
    s.train.resize(sequences.size());
    for (uint32_t u = 0; u < sequences.size(); ++u) {
        const auto& seq = sequences[u];
        if (seq.size() < 3) {
            s.train[u] = seq;
            continue;
        }
        s.train[u].assign(seq.begin(), seq.end() - 2);
        s.validation.push_back({u, seq[seq.size() - 2], 1.0f});
        s.test.push_back({u, seq.back(), 1.0f});
    }
    return s;
}

SparseRows history_rows(const std::vector<std::vector<uint32_t>>& sequences) {
    SparseRows rows;
    rows.start.assign(1, 0);
    for (const auto& seq : sequences) {
        std::vector<uint32_t> sorted(seq);
        std::sort(sorted.begin(), sorted.end());
        sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
        rows.index.insert(rows.index.end(), sorted.begin(), sorted.end());
        rows.value.insert(rows.value.end(), sorted.size(), 1.0f);
        rows.start.push_back(static_cast<uint32_t>(rows.index.size()));
    }
    return rows;
}

}  // namespace hearth
