// Catch2 helpers: an error's code and message, and the shared real datasets.
#pragma once
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/common/error.h"

namespace hearth::test {

// The message of the hearth::Error that `fn` throws (its code checked too).
template <typename Fn>
std::string error_of(Fn fn, const std::string& code = "data") {
    try {
        fn();
    } catch (const hearth::Error& e) {
        CHECK(e.code() == code);
        return e.what();
    }
    FAIL("expected a hearth::Error");
    return {};
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A file of the real datasets, read in place from HEARTH_DATA_DIR (never copied into the
// repository), or "" with a warning that makes the test count as skipped.
inline std::string real_data_file(const std::string& relative) {
    const char* dir = std::getenv("HEARTH_DATA_DIR");
    if (dir == nullptr || *dir == '\0') {
        WARN("HEARTH_DATA_DIR is not set: skipping real-data checks");
        return {};
    }
    const std::filesystem::path path = std::filesystem::path(dir) / relative;
    if (!std::filesystem::exists(path)) {
        WARN(path.string() + " is missing: skipping");
        return {};
    }
    return path.string();
}

}  // namespace hearth::test
