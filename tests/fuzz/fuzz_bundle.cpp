// libFuzzer target: arbitrary bytes as a bundle (scripts/fuzz builds and runs it with
// AddressSanitizer and UndefinedBehaviorSanitizer). Only hearth::Error may come out;
// anything else escapes and is reported as a crash.
#include "tests/fuzz/fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    hearth::fuzz::fuzz_one(data, size);
    return 0;
}
