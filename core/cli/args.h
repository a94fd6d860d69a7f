// Command-line options of the form `--name value` and `--flag`, checked against what a
// command accepts so that a typo is an error rather than a silent default.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace hearth::cli {

struct Command;

class Args {
public:
    // `flags` take no value; `options` take one.
    Args(const std::vector<std::string>& argv, const std::set<std::string>& options,
         const std::set<std::string>& flags);
    // The options and flags of `command`'s table (core/cli/options.h). An unknown one is an
    // "argument" Error naming the command and the nearest known option.
    Args(const std::vector<std::string>& argv, const Command& command);

    bool has(const std::string& name) const;
    std::string get(const std::string& name, const std::string& fallback = "") const;
    std::string require(const std::string& name) const;
    uint32_t get_u32(const std::string& name, uint32_t fallback) const;
    uint64_t get_u64(const std::string& name, uint64_t fallback) const;
    float get_float(const std::string& name, float fallback) const;
    const std::vector<std::string>& positional() const { return positional_; }

private:
    void parse(const std::vector<std::string>& argv, const std::set<std::string>& options,
               const std::set<std::string>& flags, const std::string& command);
    std::map<std::string, std::string> values_;
    std::vector<std::string> positional_;
};

}  // namespace hearth::cli
