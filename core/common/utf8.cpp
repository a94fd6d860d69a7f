#include "core/common/utf8.h"

#include <cstring>

namespace hearth {

size_t utf8_error(const uint8_t* s, size_t n) {
    constexpr uint64_t kHighBits = 0x8080808080808080ull;
    size_t i = 0;
    while (i < n) {
        uint64_t word;
        if (n - i >= 8 && (std::memcpy(&word, s + i, 8), (word & kHighBits) == 0)) {
            i += 8;  // ASCII fast path: catalogs are mostly ASCII
            continue;
        }
        const uint8_t c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t len;
        uint32_t cp;
        uint32_t min;
        if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1fu, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0fu, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07u, min = 0x10000;
        } else {
            return i;
        }
        if (n - i < len) return i;
        for (size_t k = 1; k < len; ++k) {
            const uint8_t b = s[i + k];
            if ((b & 0xc0) != 0x80) return i;
            cp = (cp << 6) | (b & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
        i += len;
    }
    return n;
}

std::string repair_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    size_t i = 0;
    while (i < s.size()) {
        const size_t good = utf8_error(p + i, s.size() - i);
        out.append(s.data() + i, good);
        i += good;
        if (i < s.size()) {
            out += "\xEF\xBF\xBD";  // U+FFFD
            ++i;
        }
    }
    return out;
}

}  // namespace hearth
