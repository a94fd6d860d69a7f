// Replays the inputs kept in tests/fuzz/regressions/ through the fuzz target's body: cases
// the fuzzer found (crash-*, leak-*, timeout-*: they must now open or be refused, nothing
// else) and hand-made hostile bundles named `<expected error code>--<what>.case`.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_body.h"

namespace fs = std::filesystem;

TEST_CASE("every kept fuzz case opens or is refused with a hearth::Error", "[fuzz]") {
    const fs::path dir = fs::path(HEARTH_SOURCE_DIR) / "tests/fuzz/regressions";
    size_t cases = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_regular_file() || name == "README.md") continue;
        std::ifstream in(entry.path(), std::ios::binary);
        const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        INFO(name);
        const std::string code = hearth::fuzz::open_and_use(bytes.data(), bytes.size());
        const size_t sep = name.find("--");
        if (sep != std::string::npos) {
            CHECK(code == name.substr(0, sep));
            // Hand-made cases are sound containers: repairing checksums changes nothing.
            CHECK(hearth::fuzz::with_checksums(bytes.data(), bytes.size()) == bytes);
        }
        // The checksum-repairing path of the fuzzer, too.
        const std::vector<uint8_t> fixed = hearth::fuzz::with_checksums(bytes.data(), bytes.size());
        hearth::fuzz::open_and_use(fixed.data(), fixed.size());
        ++cases;
    }
    CHECK(cases >= 4);
}
