// Catch2 helpers for tests that check an error's code and message.
#pragma once
#include <catch2/catch.hpp>

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

}  // namespace hearth::test
