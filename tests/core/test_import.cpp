// Importing a PyTorch SASRec: random weights written under the port's names and shapes,
// imported, and compared with a model view built independently from the raw arrays (the
// mapping of IMPORT.md restated here by hand); then each class of broken input.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/device/kernels/kernels.h"
#include "core/device/sasrec/encoder.h"
#include "core/train/import/import.h"
#include "core/train/import/safetensors.h"

using Catch::Matchers::Contains;
using namespace hearth;

namespace {

struct PortModel {
    uint32_t items = 30, dim = 16, heads = 2, blocks = 2, max_len = 6, ffn = 24;
    bool padded_positions = true;   // pos_emb has max_len + 1 rows, row 0 padding
    uint32_t unused_positions = 0;  // rows past max_len + 1 (the newer port sizes for 200)
    std::string dtype = "F32";
    std::vector<std::string> order;  // tensor names in file order
    std::map<std::string, std::vector<float>> arrays;
    std::map<std::string, std::vector<uint64_t>> shapes;

    void add(const std::string& name, std::vector<uint64_t> shape, float center, float range,
             std::mt19937& rng) {
        uint64_t n = 1;
        for (uint64_t s : shape) n *= s;
        std::uniform_real_distribution<float> u(-range, range);
        std::vector<float> v(n);
        for (float& x : v) {
            x = center + u(rng);
            // The file stores the rounded value; the independent view must see the same.
            if (dtype == "BF16") x = bf16_to_float(float_to_bf16(x));
            if (dtype == "F16") x = f16_to_float(float_to_f16(x));
        }
        order.push_back(name);
        arrays[name] = std::move(v);
        shapes[name] = std::move(shape);
    }

    void generate(uint32_t seed) {
        std::mt19937 rng(seed);
        const uint64_t d = dim, f = ffn;
        const float wr = 1.0f / std::sqrt(float(dim));
        add("item_emb.weight", {items + 1, d}, 0.0f, 0.3f, rng);
        add("pos_emb.weight", {(padded_positions ? max_len + 1 + unused_positions : max_len), d},
            0.0f, 0.3f, rng);
        for (uint32_t b = 0; b < blocks; ++b) {
            const std::string s = std::to_string(b);
            add("attention_layernorms." + s + ".weight", {d}, 1.0f, 0.2f, rng);
            add("attention_layernorms." + s + ".bias", {d}, 0.0f, 0.2f, rng);
            add("attention_layers." + s + ".in_proj_weight", {3 * d, d}, 0.0f, wr, rng);
            add("attention_layers." + s + ".in_proj_bias", {3 * d}, 0.0f, 0.2f, rng);
            add("attention_layers." + s + ".out_proj.weight", {d, d}, 0.0f, wr, rng);
            add("attention_layers." + s + ".out_proj.bias", {d}, 0.0f, 0.2f, rng);
            add("forward_layernorms." + s + ".weight", {d}, 1.0f, 0.2f, rng);
            add("forward_layernorms." + s + ".bias", {d}, 0.0f, 0.2f, rng);
            add("forward_layers." + s + ".conv1.weight", {f, d, 1}, 0.0f, wr, rng);
            add("forward_layers." + s + ".conv1.bias", {f}, 0.0f, 0.2f, rng);
            add("forward_layers." + s + ".conv2.weight", {d, f, 1}, 0.0f,
                1.0f / std::sqrt(float(ffn)), rng);
            add("forward_layers." + s + ".conv2.bias", {d}, 0.0f, 0.2f, rng);
        }
        add("last_layernorm.weight", {d}, 1.0f, 0.2f, rng);
        add("last_layernorm.bias", {d}, 0.0f, 0.2f, rng);
    }

    std::vector<SafetensorsOutput> outputs() const {
        std::vector<SafetensorsOutput> out;
        for (const std::string& n : order) out.push_back({n, dtype, shapes.at(n), arrays.at(n)});
        return out;
    }

    const float* at(const std::string& name, size_t offset = 0) const {
        return arrays.at(name).data() + offset;
    }

    // The model as Hearth should see it, pointing straight into the raw arrays.
    SasrecView view(SasrecVariant variant, Activation act) const {
        SasrecView v;
        v.config.items = items;
        v.config.dim = dim;
        v.config.heads = heads;
        v.config.blocks = blocks;
        v.config.max_len = max_len;
        v.config.ffn_dim = ffn;
        v.config.variant = variant;
        v.config.activation = act;
        v.config.emb_scale = std::sqrt(float(dim));
        v.config.ln_eps = 1e-8f;
        const size_t d = dim;
        v.item_emb = at("item_emb.weight", d);  // row 0 is padding
        v.pos_emb = at("pos_emb.weight", padded_positions ? d : 0);
        for (uint32_t b = 0; b < blocks; ++b) {
            const std::string s = std::to_string(b);
            const std::string attn = "attention_layers." + s + ".";
            const std::string ffl = "forward_layers." + s + ".";
            SasrecBlockView bl;
            bl.ln1_g = at("attention_layernorms." + s + ".weight");
            bl.ln1_b = at("attention_layernorms." + s + ".bias");
            bl.wq = at(attn + "in_proj_weight");
            bl.wk = at(attn + "in_proj_weight", d * d);
            bl.wv = at(attn + "in_proj_weight", 2 * d * d);
            bl.bq = at(attn + "in_proj_bias");
            bl.bk = at(attn + "in_proj_bias", d);
            bl.bv = at(attn + "in_proj_bias", 2 * d);
            bl.wo = at(attn + "out_proj.weight");
            bl.bo = at(attn + "out_proj.bias");
            bl.ln2_g = at("forward_layernorms." + s + ".weight");
            bl.ln2_b = at("forward_layernorms." + s + ".bias");
            bl.w1 = at(ffl + "conv1.weight");
            bl.b1 = at(ffl + "conv1.bias");
            bl.w2 = at(ffl + "conv2.weight");
            bl.b2 = at(ffl + "conv2.bias");
            v.blocks.push_back(bl);
        }
        v.lnf_g = at("last_layernorm.weight");
        v.lnf_b = at("last_layernorm.bias");
        return v;
    }
};

std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() /
            ("hearth_test_import_" + std::to_string(::getpid()) + "_" + name))
        .string();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

std::string config_json(const PortModel& m, const std::string& variant, const std::string& act,
                        const std::string& extra = "") {
    std::string ids = "[";
    for (uint32_t i = 0; i < m.items; ++i)
        ids += (i ? ", \"item-" : "\"item-") + std::to_string(i) + "\"";
    ids += "]";
    return "{\"dim\": " + std::to_string(m.dim) + ", \"heads\": " + std::to_string(m.heads) +
           ", \"blocks\": " + std::to_string(m.blocks) +
           ", \"max_len\": " + std::to_string(m.max_len) +
           ", \"ffn_dim\": " + std::to_string(m.ffn) + ", \"variant\": \"" + variant +
           "\", \"activation\": \"" + act + "\", \"item_ids\": " + ids + extra + "}";
}

ImportedSasrec import_from(const PortModel& m, const std::string& config) {
    return import_pytorch_sasrec(
        SafetensorsFile(safetensors_bytes(m.outputs()), "model.safetensors"), parse_json(config),
        "config.json");
}

std::vector<uint32_t> history(size_t n, uint32_t items, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint32_t> h(n);
    for (auto& v : h) v = static_cast<uint32_t>(rng() % items);
    return h;
}

// The imported model must be the raw arrays' model: the same reference encoding to the
// last bit (same floats, same double arithmetic), and the SIMD encoder's scores within the
// encoder's tolerance.
void check_same_model(const ImportedSasrec& imp, const SasrecView& direct) {
    const SasrecView got = imp.weights.view();
    const SasrecConfig& c = direct.config;
    CHECK(got.config.items == c.items);
    CHECK(got.config.dim == c.dim);
    CHECK(got.config.ffn_dim == c.ffn_dim);
    CHECK(got.config.variant == c.variant);
    CHECK(got.config.activation == c.activation);
    CHECK(got.config.emb_scale == c.emb_scale);
    CHECK(got.config.ln_eps == c.ln_eps);
    SasrecEncoder enc(got);
    std::vector<float> scores(c.items);
    for (size_t n : {size_t(1), size_t(3), size_t(c.max_len), size_t(c.max_len + 4)}) {
        INFO("history length " << n);
        const auto items = history(n, c.items, static_cast<uint32_t>(n));
        const std::vector<double> want = sasrec_reference_encode(direct, items.data(), n);
        CHECK(sasrec_reference_encode(got, items.data(), n) == want);
        const float* z = enc.encode(items.data(), n);
        gemv_f32()(got.item_emb, c.items, c.dim, z, scores.data());
        double scale = 1.0;
        for (uint32_t i = 0; i < c.items; ++i) {
            double s = 0;
            for (uint32_t k = 0; k < c.dim; ++k)
                s += want[k] * direct.item_emb[size_t(i) * c.dim + k];
            scale = std::max(scale, std::fabs(s));
            CHECK(std::fabs(scores[i] - s) <= 1e-4 * scale);
        }
    }
}

void check_import_error(const PortModel& m, const std::string& config, const std::string& what) {
    try {
        import_from(m, config);
        FAIL("imported without error; expected: " << what);
    } catch (const Error& e) {
        CHECK(e.code() == "import");
        CHECK_THAT(e.what(), Contains(what));
    }
}

}  // namespace

TEST_CASE("import: the port's tensors become the same model", "[import]") {
    const std::string variant = GENERATE("original", "prenorm");
    const std::string act = GENERATE("relu", "gelu");
    const std::string dtype = GENERATE("F32", "BF16", "F16");
    INFO(variant << " " << act << " " << dtype);
    PortModel m;
    m.dtype = dtype;
    m.generate(42);
    const ImportedSasrec imp = import_from(m, config_json(m, variant, act));
    check_same_model(
        imp, m.view(variant == "original" ? SasrecVariant::Original : SasrecVariant::PreNorm,
                    act == "relu" ? Activation::Relu : Activation::Gelu));
    REQUIRE(imp.item_ids.size() == m.items);
    CHECK(imp.item_ids[0] == "item-0");
    CHECK(imp.item_ids[29] == "item-29");
    CHECK(imp.ignored_tensors.empty());
}

TEST_CASE("import: through files on disk", "[import]") {
    PortModel m;
    m.generate(3);
    auto outputs = m.outputs();
    outputs.push_back({"optimizer.lr", "F32", {1}, {0.001f}});  // not part of the model
    const std::string weights = temp_path("model.safetensors"), config = temp_path("config.json");
    write_safetensors(weights, outputs, {{"format", "pt"}});
    write_text(config, config_json(m, "original", "relu"));
    const ImportedSasrec imp = import_pytorch_sasrec(weights, config);
    check_same_model(imp, m.view(SasrecVariant::Original, Activation::Relu));
    CHECK(imp.ignored_tensors == std::vector<std::string>{"optimizer.lr"});

    write_text(config, "{\"dim\": 16,, }");
    CHECK_THROWS_WITH(import_pytorch_sasrec(weights, config),
                      Contains(config + ": JSON at byte 11: expected a string key"));
    CHECK_THROWS_WITH(import_pytorch_sasrec(weights, temp_path("missing.json")),
                      Contains("cannot open"));
    std::remove(weights.c_str());
    std::remove(config.c_str());
}

TEST_CASE("import: the old port's positions, no padding row, default ids", "[import]") {
    PortModel m;
    m.padded_positions = false;  // pos_emb [max_len, dim]: used as is
    m.generate(8);
    std::string cfg = "{\"dim\": 16, \"heads\": 2, \"blocks\": 2, \"max_len\": 6, \"ffn_dim\": 24}";
    ImportedSasrec imp = import_from(m, cfg);
    check_same_model(imp, m.view(SasrecVariant::Original, Activation::Relu));
    // Without item_ids, an item's id is its embedding row (the port numbers items from 1).
    REQUIRE(imp.item_ids.size() == 30);
    CHECK(imp.item_ids[0] == "1");
    CHECK(imp.item_ids[29] == "30");

    // padding_row null: every embedding row is an item.
    cfg =
        "{\"dim\": 16, \"heads\": 2, \"blocks\": 2, \"max_len\": 6, \"ffn_dim\": 24, "
        "\"padding_row\": null}";
    imp = import_from(m, cfg);
    CHECK(imp.weights.config.items == 31);
    CHECK(imp.item_ids[0] == "0");
    const float* row0 = imp.weights.view().item_emb;
    CHECK(std::vector<float>(row0, row0 + 16) ==
          std::vector<float>(m.at("item_emb.weight"), m.at("item_emb.weight") + 16));
}

TEST_CASE("import: a position table longer than max_len", "[import]") {
    PortModel m;
    m.unused_positions = 194;  // 201 rows for max_len 6, as the newer port saves them
    m.generate(12);
    const ImportedSasrec imp = import_from(m, config_json(m, "prenorm", "relu"));
    check_same_model(imp, m.view(SasrecVariant::PreNorm, Activation::Relu));
}

TEST_CASE("import: tensor names can be overridden", "[import]") {
    PortModel m;
    m.generate(5);
    // Rename as a wrapped module would save them.
    std::vector<SafetensorsOutput> outputs = m.outputs();
    for (auto& t : outputs) {
        if (t.name == "item_emb.weight") t.name = "model.item_emb.weight";
        const auto at = t.name.find(".in_proj_weight");
        if (at != std::string::npos) t.name = "enc." + t.name.substr(17, at - 17) + ".qkv";
    }
    const std::string cfg =
        config_json(m, "prenorm", "gelu",
                    ", \"tensor_names\": {\"item_emb.weight\": \"model.item_emb.weight\","
                    " \"attention_layers.{b}.in_proj_weight\": \"enc.{b}.qkv\"}, \"emb_scale\": "
                    "4.0, \"ln_eps\": 1e-8");
    const ImportedSasrec imp = import_pytorch_sasrec(
        SafetensorsFile(safetensors_bytes(outputs), "m"), parse_json(cfg), "c");
    check_same_model(imp, m.view(SasrecVariant::PreNorm, Activation::Gelu));
}

TEST_CASE("import: missing and mis-shaped tensors are named", "[import]") {
    PortModel m;
    m.generate(9);
    const std::string cfg = config_json(m, "original", "relu");

    PortModel missing = m;
    missing.order.erase(
        std::find(missing.order.begin(), missing.order.end(), "forward_layers.1.conv2.bias"));
    check_import_error(missing, cfg,
                       "model.safetensors: tensor 'forward_layers.1.conv2.bias': missing (block 1 "
                       "second feed-forward bias, expected shape [dim] = [16])");

    PortModel wrong = m;
    wrong.shapes["attention_layers.0.in_proj_weight"] = {32, 16};
    wrong.arrays["attention_layers.0.in_proj_weight"].resize(32 * 16);
    check_import_error(wrong, cfg,
                       "tensor 'attention_layers.0.in_proj_weight': shape [32, 16], expected "
                       "[3 * dim, dim] = [48, 16] (block 0 q, k, v projections)");

    wrong = m;
    wrong.shapes["pos_emb.weight"] = {5, 16};
    wrong.arrays["pos_emb.weight"].resize(5 * 16);
    check_import_error(
        wrong, cfg,
        "tensor 'pos_emb.weight': shape [5, 16], expected [max_len, dim] = [6, 16] or "
        "[max_len + 1 or more, dim] = [7, 16]");

    wrong = m;
    wrong.shapes["item_emb.weight"] = {31, 8};
    wrong.arrays["item_emb.weight"].resize(31 * 8);
    check_import_error(
        wrong, cfg, "tensor 'item_emb.weight': shape [31, 8], expected [items + 1, dim] = [?, 16]");

    wrong = m;
    wrong.arrays["last_layernorm.bias"][3] = std::numeric_limits<float>::quiet_NaN();
    check_import_error(wrong, cfg, "tensor 'last_layernorm.bias': element 3 is not finite");
    // Issue 12: values past the engine's bound (FORMAT.md, "Values") imported, and the
    // bundle then scored NaN.
    wrong = m;
    wrong.arrays["pos_emb.weight"][7] = 3e38f;
    check_import_error(wrong, cfg, "tensor 'pos_emb.weight': element 7 is outside [-100, 100] (3e+38)");
    wrong = m;
    wrong.arrays["forward_layers.1.conv1.weight"][20] = -std::numeric_limits<float>::infinity();
    check_import_error(wrong, cfg, "tensor 'forward_layers.1.conv1.weight': element 20 is not finite (-inf)");

    // A third block in the file while the config says two.
    PortModel three;
    three.blocks = 3;
    three.generate(9);
    check_import_error(three, cfg,
                       "config.json: 'blocks' is 2, but model.safetensors has tensor "
                       "'attention_layernorms.2.weight' of a further block");
}

TEST_CASE("import: broken files are reported", "[import]") {
    PortModel m;
    m.generate(4);
    const std::string cfg = config_json(m, "original", "relu");
    auto bytes = safetensors_bytes(m.outputs());
    auto truncated = bytes;
    truncated.resize(bytes.size() - 100);
    CHECK_THROWS_WITH(import_pytorch_sasrec(SafetensorsFile(truncated, "model.safetensors"),
                                            parse_json(cfg), "c"),
                      Contains("model.safetensors: tensor 'last_layernorm.") &&
                          Contains("run past the end of the data"));
    auto long_header = bytes;
    long_header[2] = 0x10;  // header length + 2^20
    CHECK_THROWS_WITH(
        SafetensorsFile(long_header, "model.safetensors"),
        Contains("model.safetensors: header length") && Contains("exceeds the file size"));
    auto bad_json = bytes;
    bad_json[8] = '[';  // the header's opening brace
    CHECK_THROWS_WITH(SafetensorsFile(bad_json, "model.safetensors"),
                      Contains("model.safetensors: header is not valid JSON: JSON at byte"));
}

TEST_CASE("import: config errors name the key", "[import]") {
    PortModel m;
    m.generate(6);
    const std::string ids = config_json(m, "original", "relu");
    auto with = [&](const std::string& body) { return "{" + body + "}"; };
    const std::string base =
        "\"dim\": 16, \"heads\": 2, \"blocks\": 2, \"max_len\": 6, \"ffn_dim\": 24";
    check_import_error(m, with("\"heads\": 2, \"blocks\": 2, \"max_len\": 6"),
                       "config.json: missing 'dim'");
    check_import_error(m, with(base + ", \"dropout\": 0.2"),
                       "config.json: unknown key 'dropout' (known: dim, heads");
    check_import_error(m, with("\"dim\": 16.5, \"heads\": 2, \"blocks\": 2, \"max_len\": 6"),
                       "'dim': expected a non-negative integer, got 16.5");
    check_import_error(
        m, with("\"dim\": 16, \"heads\": 3, \"blocks\": 2, \"max_len\": 6, \"ffn_dim\": 24"),
        "config.json: SASRec config: heads (3) must divide dim (16)");
    check_import_error(m, with(base + ", \"variant\": \"post\""),
                       "'variant' must be \"original\" or \"prenorm\"");
    check_import_error(m, with(base + ", \"activation\": \"swish\""),
                       "'activation' must be \"relu\" or \"gelu\"");
    check_import_error(m, with(base + ", \"emb_scale\": \"8\""), "'emb_scale' must be a number");
    check_import_error(m, with(base + ", \"ln_eps\": 0"), "ln_eps positive");
    check_import_error(m, with(base + ", \"padding_row\": 31"),
                       "'padding_row' 31 is outside item_emb.weight's 31 rows");
    check_import_error(m, with(base + ", \"padding_row\": \"0\""),
                       "'padding_row' must be a row index (a non-negative integer) or null");
    check_import_error(m, with(base + ", \"tensor_names\": {\"item_emb\": \"x\"}"),
                       "'tensor_names' has unknown key 'item_emb'");
    check_import_error(
        m, with(base + ", \"item_ids\": [\"a\", \"b\"]"),
        "'item_ids' has 2 ids, but item_emb.weight holds 30 items (31 rows, less the padding row)");
    std::string dup = "[";
    for (int i = 0; i < 30; ++i) dup += (i ? ", " : "") + std::to_string(i == 7 ? 3 : i);
    check_import_error(m, with(base + ", \"item_ids\": " + dup + "]"),
                       "'item_ids'[7] repeats id '3' of 'item_ids'[3]");
    std::string reals = "[";
    for (int i = 0; i < 30; ++i)
        reals += (i ? ", " : "") + std::string(i == 4 ? "1.5" : "\"x" + std::to_string(i) + "\"");
    check_import_error(m, with(base + ", \"item_ids\": " + reals + "]"),
                       "'item_ids'[4] must be a string or an integer");
    check_import_error(m, "[1]", "config.json: expected a JSON object, got an array");
    CHECK_NOTHROW(import_from(m, ids));
}
