// What the bundle fuzzer does with one input, shared by the libFuzzer target
// (tests/fuzz/fuzz_bundle.cpp) and the Catch2 test that replays the kept cases
// (tests/core/test_fuzz_regressions.cpp): open the bytes as a bundle and, when that works,
// use it the way a page does. A damaged input may only end in hearth::Error; any other
// exception, a crash or a sanitizer report is a bug.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/device/bundle/bundle.h"
#include "core/device/engine/engine.h"

namespace hearth::fuzz {

// Returns the error's code when the input was refused, "" when it opened and answered.
inline std::string open_and_use(const uint8_t* data, size_t size) {
    // The reader needs 4-byte alignment; the engine owns (and frees) this copy.
    Engine::Bytes bytes(static_cast<uint8_t*>(std::aligned_alloc(64, (size + 64) & ~size_t(63))),
                        &std::free);
    if (size) std::memcpy(bytes.get(), data, size);
    try {
        Engine engine(std::move(bytes), size);
        engine.meta_json();
        const uint32_t n = engine.catalog().size();
        std::vector<HistoryEntry> history;
        for (uint32_t i = 0; i < n && i < 4; ++i) history.push_back({i, 1.0f + static_cast<float>(i)});
        RecommendOptions options;
        options.k = 5;
        Workspace ws(engine);
        Recommendations recs;
        engine.recommend(history.data(), history.size(), options, ws, recs);
        options.controls.diversity = 0.5f;
        options.controls.novelty = 0.3f;
        engine.recommend(history.data(), history.size(), options, ws, recs);
        engine.recommend(nullptr, 0, options, ws, recs);  // a new visitor's onboarding list
        if (n > 0) {
            Explanation why;
            engine.explain(history.data(), history.size(), n - 1, ws, why, ModelChoice::Auto, -1.0f);
            std::vector<Scored> near;
            engine.similar(0, 5, ws, near);
        }
        return "";
    } catch (const Error& e) {
        return e.code().empty() ? "?" : e.code();
    }
}

// The input with every checksum the header and section table call for recomputed, where the
// table lies inside the input (FORMAT.md). Random bytes almost never carry valid XXH64
// checksums, so without this a fuzzer would test little past the checksum checks; with it,
// mutations reach the checks of sizes, shapes and values behind them.
inline std::vector<uint8_t> with_checksums(const uint8_t* data, size_t size) {
    std::vector<uint8_t> out(data, data + size);
    auto u32 = [&](size_t at) { uint32_t v; std::memcpy(&v, out.data() + at, 4); return v; };
    auto u64 = [&](size_t at) { uint64_t v; std::memcpy(&v, out.data() + at, 8); return v; };
    auto put64 = [&](size_t at, uint64_t v) { std::memcpy(out.data() + at, &v, 8); };
    if (size < 64) return out;
    const uint64_t count = u32(16);
    const uint64_t table = u64(32);
    if (table < 64 || table > size || count > (size - table) / 64) return out;
    for (uint64_t s = 0; s < count; ++s) {
        const size_t entry = static_cast<size_t>(table + 64 * s);
        const uint64_t offset = u64(entry + 40), length = u64(entry + 48);
        if (offset <= size && length <= size - offset)
            put64(entry + 56, xxh64(out.data() + offset, static_cast<size_t>(length), 0));
    }
    put64(40, 0);
    const uint64_t h0 = xxh64(out.data(), 64, 0);
    put64(40, xxh64(out.data() + 64, static_cast<size_t>(table - 64 + 64 * count), h0));
    return out;
}

// Both ways: the bytes as they are, and with their checksums made valid.
inline void fuzz_one(const uint8_t* data, size_t size) {
    open_and_use(data, size);
    const std::vector<uint8_t> fixed = with_checksums(data, size);
    open_and_use(fixed.data(), fixed.size());
}

}  // namespace hearth::fuzz
