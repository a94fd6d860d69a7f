// `hearth bench-pq`: what a product-quantized catalog costs and loses, natively. The PQ
// scan kernel (every variant) against the fp32 and int8 scoring kernels over the same
// number of items, whole recommend() calls on the PQ bundle and on a reference bundle, and
// the recall of the reference's top k in the PQ bundle's top k for several candidate counts.
// Not part of the test suite.
#include "core/cli/bench_pq.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>

#include "core/cli/args.h"
#include "core/cli/common.h"
#include "core/cli/options.h"
#include "core/cli/timing.h"
#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/data/json.h"
#include "core/device/engine/engine.h"
#include "core/device/kernels/kernels.h"
#include "core/device/kernels/pq.h"
#include "core/device/kernels/quant.h"

namespace hearth::cli {

int run_bench_pq(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("bench-pq"))) return 0;
    const Args a(argv, command("bench-pq"));
    std::unique_ptr<Engine> pq = Engine::from_file(a.require("bundle"));
    std::unique_ptr<Engine> ref = a.has("reference") ? Engine::from_file(a.get("reference")) : nullptr;
    const uint32_t queries = a.get_u32("queries", 100), length = a.get_u32("history", 50), k = a.get_u32("k", 10);
    const std::vector<uint32_t> candidates = parse_u32_list(a.get("candidates", "100,250,500,1000,2000"), "--candidates", 100000000);
    RecommendOptions o;
    o.k = k;
    o.model = parse_model_choice(a.get("model", "auto"));
    o.reasons = 0;
    o.sequence_reasons = false;
    const PqIndex* index = pq->mf_pq() ? pq->mf_pq() : pq->sasrec_pq();
    if (!index) throw Error("argument", "the bundle has no PQ sections (hearth export --pq M)");
    const uint32_t n = pq->catalog().size();
    if (ref && ref->catalog().size() != n) throw Error("argument", "the reference bundle has another catalog");

    Json j;
    j.begin_object().field("bundle", a.require("bundle")).field("items", n);
    j.field("subspaces", index->subspaces()).field("dim", index->dim());

    // Kernels alone over n items: the PQ scan (codes: n * S / 2 bytes), fp32 and int8 gemv
    // (n * d * 4 and n * (d + 4) bytes) on buffers of the same shapes.
    const uint32_t d = index->dim(), S = index->subspaces();
    {
        SplitMix64 rng(7);
        std::vector<uint8_t> codes(pq_blocks(n) * pq_block_bytes(S)), lut(S * kPqCentroids);
        for (uint8_t& c : codes) c = static_cast<uint8_t>(rng.next());
        for (uint8_t& c : lut) c = static_cast<uint8_t>(rng.next());
        std::vector<uint16_t> raw(pq_blocks(n) * kPqBlock);
        j.key("scan").begin_array();
        for (const auto& v : pq_scan_variants()) {
            if (!v.available) continue;
            const double ms = median_ms(300.0, [&] { v.fn(codes.data(), pq_blocks(n), S / 2, lut.data(), raw.data()); }, 2000);
            j.begin_object().field("kernel", v.name).field("ms", ms).field("bytes", static_cast<uint64_t>(codes.size()));
            j.field("gbps", static_cast<double>(codes.size()) / (ms * 1e6)).end_object();
        }
        j.end_array();
        std::vector<uint64_t> heap;
        std::vector<uint32_t> top;
        j.field("select_ms", median_ms(300.0, [&] { pq_top_k_u16(raw.data(), n, 500, nullptr, heap, top); }, 2000));
        codes.clear();
        codes.shrink_to_fit();
        std::vector<float> rows(size_t(n) * d, 0.01f), q(d, 0.5f), out(n);
        const double f32 = median_ms(300.0, [&] { gemv_f32()(rows.data(), n, d, q.data(), out.data()); }, 2000);
        rows.clear();
        rows.shrink_to_fit();
        std::vector<int8_t> i8(size_t(n) * d, 3);
        std::vector<float> scales(n, 0.01f);
        std::vector<int16_t> qi(d, 100);
        const double i8ms = median_ms(300.0, [&] { gemv_i8()(i8.data(), scales.data(), n, d, qi.data(), 0.001f, out.data()); }, 2000);
        j.key("gemv").begin_object();
        j.field("f32_ms", f32).field("f32_bytes", uint64_t{n} * d * 4);
        j.field("i8_ms", i8ms).field("i8_bytes", uint64_t{n} * (d + 4));
        j.end_object();
    }

    // Random histories of distinct items, values 1-5.
    SplitMix64 rng(mix_seed(a.get_u64("seed", 1), length));
    std::vector<std::vector<HistoryEntry>> histories(queries);
    for (auto& h : histories) {
        std::set<uint32_t> seen;
        while (h.size() < std::min(length, n)) {
            const uint32_t item = rng.below(n);
            if (seen.insert(item).second) h.push_back({item, static_cast<float>(1 + rng.below(5))});
        }
    }
    Workspace pq_ws(*pq);
    std::optional<Workspace> ref_ws;
    if (ref) ref_ws.emplace(*ref);
    Recommendations recs;
    const auto p50 = [&](const Engine& e, Workspace& ws, uint32_t r) {
        o.pq_candidates = r;
        size_t q = 0;
        return median_ms(500.0, [&] {
            const auto& h = histories[q++ % histories.size()];
            e.recommend(h.data(), h.size(), o, ws, recs);
        }, 2000);
    };
    j.key("recommend").begin_object();
    j.field("pq_default_ms", p50(*pq, pq_ws, 0));
    if (ref) j.field("reference_ms", p50(*ref, *ref_ws, 0));
    j.end_object();

    if (ref) {
        std::vector<std::vector<uint32_t>> want(queries);
        o.pq_candidates = 0;
        for (uint32_t q = 0; q < queries; ++q) {
            ref->recommend(histories[q].data(), histories[q].size(), o, *ref_ws, recs);
            for (const Scored& s : recs.items) want[q].push_back(s.index);
        }
        j.key("recall").begin_array();
        for (uint32_t r : candidates) {
            o.pq_candidates = r;
            double hit = 0.0, total = 0.0;
            for (uint32_t q = 0; q < queries; ++q) {
                pq->recommend(histories[q].data(), histories[q].size(), o, pq_ws, recs);
                for (const Scored& s : recs.items)
                    hit += std::find(want[q].begin(), want[q].end(), s.index) != want[q].end();
                total += static_cast<double>(want[q].size());
            }
            j.begin_object().field("candidates", r).field("recall_at_k", total > 0 ? hit / total : 0.0);
            j.field("recommend_ms", p50(*pq, pq_ws, r)).end_object();
        }
        j.end_array();
    }
    j.end_object();
    std::printf("%s\n", j.str().c_str());
    return 0;
}

}  // namespace hearth::cli
