#include "core/cli/args.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "core/cli/options.h"
#include "core/common/error.h"

namespace hearth::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& options,
           const std::set<std::string>& flags) {
    parse(argv, options, flags, "");
}

Args::Args(const std::vector<std::string>& argv, const Command& command) {
    parse(argv, command.valued(), command.flags(), command.name);
}

void Args::parse(const std::vector<std::string>& argv, const std::set<std::string>& options,
                 const std::set<std::string>& flags, const std::string& command) {
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.rfind("--", 0) != 0) {
            positional_.push_back(a);
            continue;
        }
        std::string name = a.substr(2), value;
        const size_t eq = name.find('=');
        if (eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (flags.count(name)) {
            if (eq != std::string::npos)
                throw Error("argument", "--" + name + " takes no value");
            values_[name] = "1";
        } else if (options.count(name)) {
            if (eq == std::string::npos) {
                if (i + 1 >= argv.size()) throw Error("argument", "--" + name + " needs a value");
                value = argv[++i];
            }
            values_[name] = value;
        } else {
            std::vector<std::string> known(options.begin(), options.end());
            known.insert(known.end(), flags.begin(), flags.end());
            const std::string near = nearest(name, known);
            throw Error("argument", "unknown flag --" + name +
                                        (command.empty() ? "" : " for hearth " + command) +
                                        (near.empty() ? "" : "; did you mean --" + near + "?"));
        }
    }
}

bool Args::has(const std::string& name) const { return values_.count(name) > 0; }

std::string Args::get(const std::string& name, const std::string& fallback) const {
    const auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
}

std::string Args::require(const std::string& name) const {
    if (!has(name)) throw Error("argument", "--" + name + " is required");
    return get(name);
}

uint64_t Args::get_u64(const std::string& name, uint64_t fallback) const {
    if (!has(name)) return fallback;
    const std::string v = get(name);
    char* end = nullptr;
    errno = 0;
    const unsigned long long x = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno != 0 || v[0] == '-')
        throw Error("argument", "--" + name + " must be a non-negative integer, got '" + v + "'");
    return x;
}

uint32_t Args::get_u32(const std::string& name, uint32_t fallback) const {
    const uint64_t x = get_u64(name, fallback);
    if (x > 0xffffffffull) throw Error("argument", "--" + name + " is too large");
    return static_cast<uint32_t>(x);
}

float Args::get_float(const std::string& name, float fallback) const {
    if (!has(name)) return fallback;
    const std::string v = get(name);
    char* end = nullptr;
    const float x = std::strtof(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !std::isfinite(x))
        throw Error("argument", "--" + name + " must be a number, got '" + v + "'");
    return x;
}

}  // namespace hearth::cli
