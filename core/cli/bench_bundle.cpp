// `hearth bench-bundle` (timing-only bundles of any size) and `hearth bench-native` (the
// native half of scripts/bench: latency percentiles of recommend() and explain(), heap
// allocations per warm call, cold start, and the streaming-read probe the scoring kernel
// is measured against). Neither is part of the test suite.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/cli/args.h"
#include "core/cli/bench.h"
#include "core/cli/bench_bundle.h"
#include "core/cli/common.h"
#include "core/cli/options.h"
#include "core/cli/timing.h"
#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/data/json.h"
#include "core/device/engine/engine.h"
#include "core/device/kernels/kernels.h"

// Every operator new of this program is counted (one relaxed atomic increment, otherwise
// the default malloc/free behaviour), so that bench-native can report how many heap
// allocations a warm recommend() or explain() makes: the target is none.
namespace {
std::atomic<uint64_t> g_allocations{0};

void* counted_alloc(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (n == 0) n = 1;
    for (;;) {
        if (void* p = std::malloc(n)) return p;
        const std::new_handler handler = std::get_new_handler();
        if (!handler) throw std::bad_alloc();
        handler();
    }
}

void* counted_aligned_alloc(std::size_t n, std::align_val_t align) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    std::size_t a = static_cast<std::size_t>(align);
    if (a < sizeof(void*)) a = sizeof(void*);
    void* p = nullptr;
    if (posix_memalign(&p, a, n ? n : 1) != 0) throw std::bad_alloc();
    return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_aligned_alloc(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_aligned_alloc(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace hearth::cli {

namespace {

// Nearest rank: the smallest sample with at least q of the samples at or below it.
double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
    rank = std::min(std::max<size_t>(rank, 1), v.size());
    return v[rank - 1];
}

uint64_t peak_rss_bytes() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<uint64_t>(u.ru_maxrss) * 1024;  // Linux reports KiB
}

// Histories of `length` distinct items (values 1-5, like views to purchases), one per
// request slot, so that successive requests do not see the same input.
std::vector<std::vector<HistoryEntry>> make_histories(uint32_t items, uint32_t length,
                                                      size_t count, uint64_t seed) {
    if (length > items) throw Error("argument", "--history longer than the catalog");
    SplitMix64 rng(mix_seed(seed, length));
    std::vector<std::vector<HistoryEntry>> out(count);
    for (auto& h : out) {
        std::vector<uint32_t> seen;
        while (h.size() < length) {
            const uint32_t item = rng.below(items);
            if (std::find(seen.begin(), seen.end(), item) != seen.end()) continue;
            seen.push_back(item);
            h.push_back({item, static_cast<float>(1 + rng.below(5))});
        }
    }
    return out;
}

struct Timing {
    std::vector<double> ms;
    size_t warmup = 0;
    double allocations_per_call = 0.0;
};

// Warm-up in windows of 10 calls until a window's median is within 5% of the previous
// one (at least 3 windows; at most 30, or 3 s once there are 3), then `requests` timed calls.
template <typename Call>
Timing measure(size_t requests, Call call) {
    Timing t;
    double previous = -1.0;
    const auto started = Clock::now();
    for (size_t window = 0; window < 30; ++window) {
        std::vector<double> w;
        for (int i = 0; i < 10; ++i) {
            const auto start = Clock::now();
            call(t.warmup++);
            w.push_back(ms_since(start));
        }
        const double m = median(w);
        if (window >= 2 && previous > 0.0 && std::fabs(m - previous) <= 0.05 * previous) break;
        if (window >= 2 && ms_since(started) > 3000.0) break;
        previous = m;
    }
    t.ms.reserve(requests);  // so that the timed loop's own bookkeeping allocates nothing
    const uint64_t before = g_allocations.load();
    for (size_t r = 0; r < requests; ++r) {
        const auto start = Clock::now();
        call(t.warmup + r);
        t.ms.push_back(ms_since(start));
    }
    t.allocations_per_call =
        static_cast<double>(g_allocations.load() - before) / static_cast<double>(requests);
    return t;
}

void timing_json(Json& j, const Timing& t) {
    j.begin_object();
    j.field("p50_ms", percentile(t.ms, 0.50)).field("p95_ms", percentile(t.ms, 0.95));
    j.field("p99_ms", percentile(t.ms, 0.99)).field("requests", static_cast<uint64_t>(t.ms.size()));
    j.field("warmup", static_cast<uint64_t>(t.warmup));
    j.field("allocations_per_call", t.allocations_per_call);
    j.end_object();
}

// Median times of `a` and `b` called in alternation, so that both see the same load.
template <typename A, typename B>
std::pair<double, double> median_ms_pair(double min_ms, A a, B b) {
    std::vector<double> va, vb;
    double total = 0.0;
    while (va.size() < 5 || total < min_ms) {
        auto start = Clock::now();
        a();
        va.push_back(ms_since(start));
        start = Clock::now();
        b();
        vb.push_back(ms_since(start));
        total += va.back() + vb.back();
        if (va.size() >= 10000) break;
    }
    return {median(va), median(vb)};
}

template <typename Variants, typename Fn>
const char* chosen_name(const Variants& variants, Fn fn) {
    for (const auto& v : variants)
        if (v.available && v.fn == fn) return v.name;
    return "?";
}

}  // namespace

int run_bench_bundle(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("bench-bundle"))) return 0;
    const Args a(argv, command("bench-bundle"));
    check_output_path(a.require("out"), "out");
    BenchBundleSpec spec;
    spec.items = a.get_u32("items", 0);
    if (!a.has("items")) throw Error("argument", "--items is required");
    spec.dim = a.get_u32("dim", spec.dim);
    spec.model = a.get("model", spec.model);
    spec.seed = a.get_u64("seed", spec.seed);
    spec.max_len = a.get_u32("max-len", spec.max_len);
    spec.blocks = a.get_u32("blocks", spec.blocks);
    spec.heads = a.get_u32("heads", spec.heads);
    const std::string out = a.require("out");
    const auto started = Clock::now();
    bench_bundle_writer(spec).write_file(out);
    const double write_ms = ms_since(started);

    const std::unique_ptr<Engine> engine = Engine::from_file(out);
    const auto histories = make_histories(spec.items, std::min<uint32_t>(spec.items, 5), 1, spec.seed);
    RecommendOptions options;
    options.k = std::min<uint32_t>(10, spec.items);
    Workspace ws(*engine);
    Recommendations recs;
    engine->recommend(histories[0].data(), histories[0].size(), options, ws, recs);
    Explanation why;
    if (!recs.items.empty()) engine->explain(histories[0].data(), histories[0].size(), recs.items[0].index, ws, why);
    std::printf("wrote %s (%llu bytes; %s, %u items, dim %u, seed %llu; timing only) in %.1f s; "
                "loads and recommends\n",
                out.c_str(), static_cast<unsigned long long>(std::filesystem::file_size(out)),
                spec.model.c_str(), spec.items, spec.dim, static_cast<unsigned long long>(spec.seed),
                write_ms / 1000.0);
    return 0;
}

int run_bench_native(const std::vector<std::string>& argv) {
    if (wants_help(argv, command("bench-native"))) return 0;
    const Args a(argv, command("bench-native"));
    const std::string path = a.require("bundle");
    const std::vector<uint32_t> lengths = parse_u32_list(a.get("history", "50,200"), "--history", 100000);
    const size_t requests = a.get_u32("requests", 200);
    const uint32_t k = a.get_u32("k", 20);
    const uint64_t seed = a.get_u64("seed", 1);
    const uint32_t cold_samples = std::max<uint32_t>(1, a.get_u32("cold", 5));
    const uint64_t probe_bytes = static_cast<uint64_t>(a.get_u32("probe-mb", 256)) << 20;
    if (requests == 0) throw Error("argument", "--requests must be at least 1");

    if (a.has("cold-once")) {
        // One cold start in this fresh process: read the file, parse and check the bundle,
        // the first recommendation. scripts/bench starts one process per sample.
        RecommendOptions options;
        options.k = k;
        options.model = parse_model_choice(a.get("model", "auto"));
        const auto start = Clock::now();
        std::unique_ptr<Engine> e = Engine::from_file(path);
        const double open_ms = ms_since(start);
        const auto history = make_histories(e->catalog().size(), std::min<uint32_t>(e->catalog().size(), 50), 1, seed)[0];
        const auto workspace_start = Clock::now();
        Workspace ws(*e);
        const double workspace_ms = ms_since(workspace_start);
        const auto first_start = Clock::now();
        Recommendations first;
        e->recommend(history.data(), history.size(), options, ws, first);
        const double first_ms = ms_since(first_start);
        const double ms = ms_since(start);
        Json j;
        j.begin_object().field("cold_start_ms", ms).field("open_ms", open_ms).field("workspace_ms", workspace_ms);
        j.field("first_recommend_ms", first_ms).field("peak_rss_bytes", peak_rss_bytes()).end_object();
        std::printf("%s\n", j.str().c_str());
        return 0;
    }

    Json j;
    j.begin_object().field("bundle", path);
    j.field("bundle_bytes", static_cast<uint64_t>(std::filesystem::file_size(path)));
    std::unique_ptr<Engine> engine = Engine::from_file(path);
    RecommendOptions options;
    options.k = k;
    options.model = parse_model_choice(a.get("model", "auto"));
    const uint32_t items = engine->catalog().size();
    const bool seq = options.model == ModelChoice::Sasrec ||
                     (options.model == ModelChoice::Auto && !engine->has_mf());
    const float* table = seq ? engine->sasrec_model().item_emb : engine->mf_model().items.rows;
    const uint32_t dim = seq ? engine->sasrec_model().config.dim : engine->mf_model().items.dim;
    // fp32 embeddings; an int8 bundle (no fp32 rows) reads one byte per value and a scale per row.
    const uint64_t table_bytes = table ? static_cast<uint64_t>(items) * dim * sizeof(float)
                                       : static_cast<uint64_t>(items) * (dim + sizeof(float));
    j.field("items", items).field("dim", dim).field("embedding_bytes", table_bytes);

    j.key("runs").begin_array();
    {  // the workspace and results go before the engine they belong to
        Workspace ws(*engine);
        Recommendations recs;
        Explanation explanation;
        for (uint32_t length : lengths) {
            const auto histories = make_histories(items, length, 64, seed);
            SplitMix64 pick(mix_seed(seed, 0x6578706cull + length));
            std::vector<uint32_t> targets;
            for (size_t i = 0; i < histories.size(); ++i) targets.push_back(pick.below(items));
            const Timing rec = measure(requests, [&](size_t r) {
                const auto& h = histories[r % histories.size()];
                engine->recommend(h.data(), h.size(), options, ws, recs);
            });
            RecommendOptions bare = options;
            bare.reasons = 0;  // no MF contributions, no SASRec leave-one-out: what reasons cost
            const Timing plain = measure(requests, [&](size_t r) {
                const auto& h = histories[r % histories.size()];
                engine->recommend(h.data(), h.size(), bare, ws, recs);
            });
            const Timing why = measure(requests, [&](size_t r) {
                const auto& h = histories[r % histories.size()];
                engine->explain(h.data(), h.size(), targets[r % targets.size()], ws, explanation, options.model);
            });
            j.begin_object().field("history", length);
            engine->recommend(histories[0].data(), length, options, ws, recs);
            j.field("model", model_choice_name(recs.model));
            j.key("recommend");
            timing_json(j, rec);
            j.key("recommend_no_reasons");
            timing_json(j, plain);
            j.key("explain");
            timing_json(j, why);
            j.end_object();
        }
    }
    j.end_array();
    j.field("peak_rss_bytes", peak_rss_bytes());
    engine.reset();

    // Cold start in this warm process (the allocator and the page cache already used):
    // read the file, parse and check the bundle, the first recommendation. --cold-once
    // measures it in a fresh process.
    std::vector<double> cold;
    const auto history = make_histories(items, std::min<uint32_t>(items, 50), 1, seed)[0];
    for (uint32_t s = 0; s < cold_samples; ++s) {
        const auto start = Clock::now();
        std::unique_ptr<Engine> e = Engine::from_file(path);
        Workspace cold_ws(*e);
        Recommendations first;
        e->recommend(history.data(), history.size(), options, cold_ws, first);
        cold.push_back(ms_since(start));
    }
    j.key("cold_start_ms").begin_object().field("median", median(cold));
    j.key("samples").begin_array();
    for (double c : cold) j.value(c);
    j.end_array().end_object();

    // The floor: a streaming read of a buffer far larger than the caches, and of one the
    // size of the embeddings (what scoring reads, cached when it fits), then the scoring
    // kernel alone over the bundle's own embeddings.
    engine = Engine::from_file(path);
    const float* rows = seq ? engine->sasrec_model().item_emb : engine->mf_model().items.rows;
    const SumF32Fn sum = sum_f32();
    volatile float sink = 0.0f;
    std::vector<float> big(probe_bytes / sizeof(float), 1.0f);
    const double big_ms = median_ms(1000.0, [&] { sink = sink + sum(big.data(), big.size()); });
    big.clear();
    big.shrink_to_fit();
    // The probe reads the very bytes gemv reads (the embeddings), in alternation with it.
    std::vector<float> copy(rows ? 0 : table_bytes / sizeof(float), 1.0f);
    const float* matched = rows ? rows : copy.data();
    const size_t matched_floats = table_bytes / sizeof(float);
    std::vector<float> q(dim, 0.01f), out(items);
    const GemvF32Fn gemv = gemv_f32();
    double matched_ms = 0.0, gemv_ms = 0.0;
    if (rows) {
        std::tie(matched_ms, gemv_ms) = median_ms_pair(
            600.0, [&] { sink = sink + sum(matched, matched_floats); },
            [&] { gemv(rows, items, dim, q.data(), out.data()); });
    } else {
        matched_ms = median_ms(300.0, [&] { sink = sink + sum(matched, matched_floats); });
    }
    const auto gbps = [](uint64_t bytes, double ms) { return static_cast<double>(bytes) / (ms * 1e6); };
    j.key("probe").begin_object().field("kernel", chosen_name(sum_f32_variants(), sum));
    j.field("dram_bytes", probe_bytes).field("dram_gbps", gbps(probe_bytes, big_ms));
    j.field("matched_bytes", table_bytes).field("matched_gbps", gbps(table_bytes, matched_ms));
    j.end_object();
    j.key("scoring").begin_object().field("kernel", chosen_name(gemv_f32_variants(), gemv));
    if (rows) j.field("bytes", table_bytes).field("ms", gemv_ms).field("gbps", gbps(table_bytes, gemv_ms));
    j.end_object();
    j.end_object();
    std::printf("%s\n", j.str().c_str());
    return 0;
}

}  // namespace hearth::cli
