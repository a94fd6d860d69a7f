// hearth export: rewrite a bundle for devices: an int8 catalog, a product-quantized one, or
// both (PQ codes to scan, int8 rows to re-score the candidates).
#include <cstdio>

#include "core/cli/args.h"
#include "core/cli/commands.h"
#include "core/cli/common.h"
#include "core/cli/options.h"
#include "core/common/error.h"
#include "core/train/export/pq.h"
#include "core/train/export/quantize.h"

namespace hearth::cli {

int run_export(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("export"))) return 0;
    const Args a(argv, command("export"));
    if (!a.has("int8") && !a.has("pq")) throw Error("argument", "say what to export: --int8 and/or --pq M");
    const std::string in = a.require("bundle"), out = a.require("out");
    check_output_path(out, "out");
    PqExportOptions pq;
    if (a.has("pq")) {
        pq.bytes = a.get_u32("pq", 0);
        pq.train.iterations = a.get_u32("pq-iterations", pq.train.iterations);
        pq.train.max_samples = a.get_u32("pq-samples", pq.train.max_samples);
        pq.train.seed = a.get_u64("pq-seed", pq.train.seed);
        if (pq.train.max_samples == 0) throw Error("argument", "--pq-samples must be at least 1");
    }
    std::vector<uint8_t> bytes = read_file_bytes(in);
    const size_t original = bytes.size();
    if (a.has("int8")) {
        const BundleReader reader(bytes.data(), bytes.size());
        bytes = quantize_bundle(reader);
    }
    if (a.has("pq")) {
        const BundleReader reader(bytes.data(), bytes.size());
        bytes = pq_bundle(reader, pq);
    }
    FILE* f = std::fopen(out.c_str(), "wb");
    if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f) != 0)
        throw Error("io", "cannot write " + out);
    std::printf("wrote %s: %zu bytes (from %zu)\n", out.c_str(), bytes.size(), original);
    return 0;
}

}  // namespace hearth::cli
