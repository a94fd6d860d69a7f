// UTF-8 well-formedness: bundles hold only well-formed UTF-8, so text from data files is
// checked (and, where it is only shown to people, repaired) before it goes into one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hearth {

// Index of the first byte that does not start a well-formed UTF-8 character (overlongs,
// surrogates and code points past U+10FFFF are not well-formed), or n if all are fine.
size_t utf8_error(const uint8_t* s, size_t n);

inline bool is_valid_utf8(std::string_view s) {
    return utf8_error(reinterpret_cast<const uint8_t*>(s.data()), s.size()) == s.size();
}

// `s` with every byte that is not part of a well-formed character replaced by U+FFFD
// (text from a Latin-1 file, say, becomes readable instead of rejected).
std::string repair_utf8(std::string_view s);

}  // namespace hearth
