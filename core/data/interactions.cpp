#include "core/data/interactions.h"

#include "core/common/error.h"

namespace hearth {

namespace {

uint32_t intern(std::unordered_map<std::string, uint32_t>& index, std::vector<std::string>& ids,
                const std::string& id) {
    auto found = index.find(id);
    if (found != index.end()) return found->second;
    // Dense indices are uint32_t everywhere downstream (bundle, kernels).
    if (ids.size() >= UINT32_MAX) throw Error("data", "too many distinct ids (more than 2^32 - 1)");
    const auto dense = static_cast<uint32_t>(ids.size());
    index.emplace(id, dense);
    ids.push_back(id);
    return dense;
}

}  // namespace

uint32_t Interactions::intern_user(const std::string& id) {
    return intern(user_index_, user_ids, id);
}

uint32_t Interactions::intern_item(const std::string& id) {
    return intern(item_index_, item_ids, id);
}

void ParseReport::add_problem(size_t line, const std::string& message) {
    ++skipped;
    if (problems.size() < max_problems) {
        problems.push_back(file + ":" + std::to_string(line) + ": " + message);
    }
}

std::string ParseReport::summary() const {
    std::string text = file + ": " + std::to_string(lines) + " rows, " + std::to_string(accepted) +
                       " accepted, " + std::to_string(skipped) + " skipped";
    // Keep it to one line: the first few problems say what kind of damage there is.
    constexpr size_t kShown = 3;
    for (size_t i = 0; i < problems.size() && i < kShown; ++i) {
        text += i == 0 ? " (" : "; ";
        text += problems[i];
    }
    if (!problems.empty()) text += skipped > kShown ? "; ...)" : ")";
    return text;
}

}  // namespace hearth
