#include "core/train/import/import.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <unordered_map>

#include "core/common/error.h"
#include "core/device/bundle/bundle.h"

namespace hearth {

namespace {

// The module names of the common PyTorch port (pmixer/SASRec.pytorch); "{b}" is the block
// index. They are also the keys a config's "tensor_names" may override.
const char* const kPortNames[] = {
    "item_emb.weight",
    "pos_emb.weight",
    "attention_layernorms.{b}.weight",
    "attention_layernorms.{b}.bias",
    "attention_layers.{b}.in_proj_weight",
    "attention_layers.{b}.in_proj_bias",
    "attention_layers.{b}.out_proj.weight",
    "attention_layers.{b}.out_proj.bias",
    "forward_layernorms.{b}.weight",
    "forward_layernorms.{b}.bias",
    "forward_layers.{b}.conv1.weight",
    "forward_layers.{b}.conv1.bias",
    "forward_layers.{b}.conv2.weight",
    "forward_layers.{b}.conv2.bias",
    "last_layernorm.weight",
    "last_layernorm.bias",
};

const char* const kConfigKeys[] = {"dim",     "heads",    "blocks",      "max_len",
                                   "ffn_dim", "variant",  "activation",  "emb_scale",
                                   "ln_eps",  "item_ids", "padding_row", "tensor_names"};

std::string join(const char* const* names, size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + std::string(names[i]);
    return s;
}

std::string shape_text(const std::vector<uint64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("io", "cannot open " + path + ": " + std::strerror(errno));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw Error("io", "cannot read " + path);
    return text;
}

// One accepted shape of a tensor, with the formula it comes from for messages
// ("[3 * dim, dim]").
struct Shape {
    std::vector<uint64_t> dims;
    std::string formula;
};

class Importer {
public:
    Importer(const SafetensorsFile& file, std::string config_name)
        : file_(file), config_name_(std::move(config_name)) {}

    [[noreturn]] void fail_config(const std::string& what) const {
        throw Error("import", config_name_ + ": " + what);
    }
    [[noreturn]] void fail_tensor(const std::string& name, const std::string& what) const {
        throw Error("import", file_.source() + ": tensor '" + name + "': " + what);
    }

    void set_override(const std::string& pattern, const std::string& name) {
        overrides_[pattern] = name;
    }

    // The file's name for a port tensor in block b.
    std::string name(const std::string& pattern, uint32_t b) const {
        const auto it = overrides_.find(pattern);
        std::string n = it == overrides_.end() ? pattern : it->second;
        for (size_t at = n.find("{b}"); at != std::string::npos; at = n.find("{b}", at))
            n.replace(at, 3, std::to_string(b));
        return n;
    }

    // The tensor's values as float, after checking that it exists, has one of the accepted
    // shapes and holds only finite numbers. `role` says what it is in the model.
    std::vector<float> take(const std::string& pattern, uint32_t b,
                            const std::vector<Shape>& shapes, const std::string& role,
                            const SafetensorsTensor** found = nullptr) {
        const std::string n = name(pattern, b);
        std::string expected;
        for (const Shape& s : shapes)
            expected += (expected.empty() ? "" : " or ") + s.formula + " = " + shape_text(s.dims);
        const SafetensorsTensor* t = file_.find(n);
        if (!t) fail_tensor(n, "missing (" + role + ", expected shape " + expected + ")");
        const bool fits = std::any_of(shapes.begin(), shapes.end(),
                                      [&](const Shape& s) { return s.dims == t->shape; });
        if (!fits)
            fail_tensor(n,
                        "shape " + t->shape_text() + ", expected " + expected + " (" + role + ")");
        std::vector<float> v = file_.to_float(*t);
        // The engine's bound on SASRec values (FORMAT.md, "Values"), so that an import never
        // writes a bundle the engine would refuse.
        for (size_t i = 0; i < v.size(); ++i)
            if (!(std::fabs(v[i]) <= kMaxSasrecValue)) {
                char value[32];
                std::snprintf(value, sizeof value, "%g", static_cast<double>(v[i]));
                fail_tensor(n, "element " + std::to_string(i) +
                                   (std::isfinite(v[i]) ? " is outside [-100, 100] (" : " is not finite (") +
                                   value + ")");
            }
        used_.insert(n);
        if (found) *found = t;
        return v;
    }

    bool used(const std::string& name) const { return used_.count(name) != 0; }

private:
    const SafetensorsFile& file_;
    std::string config_name_;
    std::map<std::string, std::string> overrides_;
    std::set<std::string> used_;
};

void copy_into(float* dst, const std::vector<float>& src, size_t from, size_t count) {
    std::copy(src.begin() + static_cast<std::ptrdiff_t>(from),
              src.begin() + static_cast<std::ptrdiff_t>(from + count), dst);
}

}  // namespace

ImportedSasrec import_pytorch_sasrec(const SafetensorsFile& file, const JsonValue& cfg,
                                     const std::string& config_name) {
    Importer im(file, config_name);
    if (!cfg.is_object())
        im.fail_config(std::string("expected a JSON object, got ") +
                       JsonValue::type_name(cfg.type()));
    const size_t known_count = sizeof kConfigKeys / sizeof kConfigKeys[0];
    for (const auto& [key, value] : cfg.as_object("config"))
        if (std::find_if(kConfigKeys, kConfigKeys + known_count,
                         [&](const char* k) { return key == k; }) == kConfigKeys + known_count)
            im.fail_config("unknown key '" + key + "' (known: " + join(kConfigKeys, known_count) +
                           ")");

    // Typed reads whose errors name the key.
    auto u32 = [&](const char* key, const uint32_t* fallback) -> uint32_t {
        const JsonValue* v = cfg.find(key);
        if (!v) {
            if (!fallback) im.fail_config(std::string("missing '") + key + "'");
            return *fallback;
        }
        uint64_t x = 0;
        try {
            x = v->as_u64(std::string("'") + key + "'");
        } catch (const Error& e) {
            im.fail_config(e.what());
        }
        if (x > 0xffffffffu) im.fail_config(std::string("'") + key + "' is too large");
        return static_cast<uint32_t>(x);
    };
    auto number = [&](const char* key, double fallback) -> double {
        const JsonValue* v = cfg.find(key);
        if (!v) return fallback;
        if (!v->is_number()) im.fail_config(std::string("'") + key + "' must be a number");
        return v->as_number(key);
    };
    auto choice = [&](const char* key, const char* a, const char* b, const char* fallback) {
        const JsonValue* v = cfg.find(key);
        if (!v) return std::string(fallback);
        if (!v->is_string() || (v->as_string(key) != a && v->as_string(key) != b))
            im.fail_config(std::string("'") + key + "' must be \"" + a + "\" or \"" + b + "\"");
        return v->as_string(key);
    };

    SasrecConfig c;
    c.dim = u32("dim", nullptr);
    c.heads = u32("heads", nullptr);
    c.blocks = u32("blocks", nullptr);
    c.max_len = u32("max_len", nullptr);
    c.ffn_dim = u32("ffn_dim", &c.dim);
    c.variant = choice("variant", "original", "prenorm", "original") == "original"
                    ? SasrecVariant::Original
                    : SasrecVariant::PreNorm;
    c.activation = choice("activation", "relu", "gelu", "relu") == "relu" ? Activation::Relu
                                                                          : Activation::Gelu;
    c.emb_scale = static_cast<float>(number("emb_scale", std::sqrt(static_cast<double>(c.dim))));
    c.ln_eps = static_cast<float>(number("ln_eps", 1e-8));

    if (const JsonValue* names = cfg.find("tensor_names")) {
        if (!names->is_object()) im.fail_config("'tensor_names' must be an object");
        const size_t n = sizeof kPortNames / sizeof kPortNames[0];
        for (const auto& [pattern, target] : names->as_object("tensor_names")) {
            if (std::find_if(kPortNames, kPortNames + n,
                             [&](const char* k) { return pattern == k; }) == kPortNames + n)
                im.fail_config("'tensor_names' has unknown key '" + pattern +
                               "' (known: " + join(kPortNames, n) + ")");
            if (!target.is_string() || target.as_string(pattern).empty())
                im.fail_config("'tensor_names' entry '" + pattern + "' must be a non-empty string");
            im.set_override(pattern, target.as_string(pattern));
        }
    }

    // The item embedding fixes the catalog: all its rows but the padding row.
    const std::string item_name = im.name("item_emb.weight", 0);
    const SafetensorsTensor* item_t = file.find(item_name);
    if (!item_t)
        im.fail_tensor(item_name,
                       "missing (the item embeddings, expected shape [items + 1, dim] = "
                       "[?, " +
                           std::to_string(c.dim) + "])");
    if (item_t->shape.size() != 2 || item_t->shape[1] != c.dim || item_t->shape[0] == 0)
        im.fail_tensor(item_name, "shape " + item_t->shape_text() +
                                      ", expected [items + 1, dim] = [?, " + std::to_string(c.dim) +
                                      "] (the item embeddings)");
    const uint64_t emb_rows = item_t->shape[0];
    bool has_padding = true;
    uint64_t padding_row = 0;
    if (const JsonValue* p = cfg.find("padding_row")) {
        if (p->is_null()) {
            has_padding = false;
        } else {
            try {
                padding_row = p->as_u64("'padding_row'");
            } catch (const Error&) {
                im.fail_config(
                    "'padding_row' must be a row index (a non-negative integer) or null");
            }
            if (padding_row >= emb_rows)
                im.fail_config("'padding_row' " + std::to_string(padding_row) + " is outside " +
                               item_name + "'s " + std::to_string(emb_rows) + " rows");
        }
    }
    const uint64_t items = emb_rows - (has_padding ? 1 : 0);
    if (items == 0) im.fail_tensor(item_name, "holds no item besides the padding row");
    if (items > 0xffffffffu) im.fail_tensor(item_name, "has too many rows");
    c.items = static_cast<uint32_t>(items);
    try {
        c.validate();
    } catch (const Error& e) {
        im.fail_config(e.what());
    }

    ImportedSasrec out{SasrecWeights(c), {}, {}};
    SasrecWeights& w = out.weights;
    const uint64_t d = c.dim, f = c.ffn_dim, L = c.max_len;
    const std::vector<Shape> vec_d = {{{d}, "[dim]"}};

    const auto emb =
        im.take("item_emb.weight", 0, {{{emb_rows, d}, "[items + 1, dim]"}}, "the item embeddings");
    // Hearth item i is embedding row i, or i + 1 past the padding row.
    std::vector<uint64_t> row_of(items);
    for (uint64_t i = 0, r = 0; r < emb_rows; ++r)
        if (!has_padding || r != padding_row) row_of[i++] = r;
    float* item_emb = w.tensor("sasrec.item_emb");
    for (uint64_t i = 0; i < items; ++i) copy_into(item_emb + i * d, emb, row_of[i] * d, d);

    // [max_len, dim]: positions 0..max_len-1 as they are (the classic port). More rows: row 0
    // is the padding position and port position p (1-based) is Hearth's p - 1; the newer
    // port sizes the table for 200 positions whatever its maxlen, so rows past max_len are
    // never used and dropped.
    const SafetensorsTensor* pos_t = file.find(im.name("pos_emb.weight", 0));
    const uint64_t padded_rows =
        pos_t && pos_t->shape.size() == 2 && pos_t->shape[0] > L ? pos_t->shape[0] : L + 1;
    const auto pos =
        im.take("pos_emb.weight", 0,
                {{{L, d}, "[max_len, dim]"}, {{padded_rows, d}, "[max_len + 1 or more, dim]"}},
                "the position embeddings");
    const bool padded = pos.size() > L * d;
    copy_into(w.tensor("sasrec.pos_emb"), pos, padded ? d : 0, L * d);

    for (uint32_t b = 0; b < c.blocks; ++b) {
        const std::string pre = "sasrec.b" + std::to_string(b) + ".";
        const std::string blk = "block " + std::to_string(b) + " ";
        auto put = [&](const char* tensor, const std::vector<float>& v, size_t from, size_t count) {
            copy_into(w.tensor(pre + tensor), v, from, count);
        };
        const auto ln1_g =
            im.take("attention_layernorms.{b}.weight", b, vec_d, blk + "attention layer norm gain");
        const auto ln1_b =
            im.take("attention_layernorms.{b}.bias", b, vec_d, blk + "attention layer norm bias");
        put("ln1.g", ln1_g, 0, d);
        put("ln1.b", ln1_b, 0, d);
        // torch's MultiheadAttention stacks the q, k and v projections in that order.
        const auto in_w = im.take("attention_layers.{b}.in_proj_weight", b,
                                  {{{3 * d, d}, "[3 * dim, dim]"}}, blk + "q, k, v projections");
        const auto in_b = im.take("attention_layers.{b}.in_proj_bias", b, {{{3 * d}, "[3 * dim]"}},
                                  blk + "q, k, v biases");
        put("attn.wq", in_w, 0, d * d);
        put("attn.wk", in_w, d * d, d * d);
        put("attn.wv", in_w, 2 * d * d, d * d);
        put("attn.bq", in_b, 0, d);
        put("attn.bk", in_b, d, d);
        put("attn.bv", in_b, 2 * d, d);
        put("attn.wo",
            im.take("attention_layers.{b}.out_proj.weight", b, {{{d, d}, "[dim, dim]"}},
                    blk + "attention output projection"),
            0, d * d);
        put("attn.bo",
            im.take("attention_layers.{b}.out_proj.bias", b, vec_d, blk + "attention output bias"),
            0, d);
        put("ln2.g",
            im.take("forward_layernorms.{b}.weight", b, vec_d,
                    blk + "feed-forward layer norm gain"),
            0, d);
        put("ln2.b",
            im.take("forward_layernorms.{b}.bias", b, vec_d, blk + "feed-forward layer norm bias"),
            0, d);
        // Conv1d with kernel size 1 is a linear layer; its trailing 1 is dropped (and a
        // port that uses nn.Linear, without it, is accepted too).
        put("ffn.w1",
            im.take("forward_layers.{b}.conv1.weight", b,
                    {{{f, d, 1}, "[ffn_dim, dim, 1]"}, {{f, d}, "[ffn_dim, dim]"}},
                    blk + "first feed-forward layer"),
            0, f * d);
        put("ffn.b1",
            im.take("forward_layers.{b}.conv1.bias", b, {{{f}, "[ffn_dim]"}},
                    blk + "first feed-forward bias"),
            0, f);
        put("ffn.w2",
            im.take("forward_layers.{b}.conv2.weight", b,
                    {{{d, f, 1}, "[dim, ffn_dim, 1]"}, {{d, f}, "[dim, ffn_dim]"}},
                    blk + "second feed-forward layer"),
            0, d * f);
        put("ffn.b2",
            im.take("forward_layers.{b}.conv2.bias", b, vec_d, blk + "second feed-forward bias"), 0,
            d);
    }
    copy_into(w.tensor("sasrec.lnf.g"),
              im.take("last_layernorm.weight", 0, vec_d, "final layer norm gain"), 0, d);
    copy_into(w.tensor("sasrec.lnf.b"),
              im.take("last_layernorm.bias", 0, vec_d, "final layer norm bias"), 0, d);

    // A file with more blocks than the config says would otherwise import silently cut.
    for (const char* pattern : kPortNames) {
        if (std::string(pattern).find("{b}") == std::string::npos) continue;
        const std::string extra = im.name(pattern, c.blocks);
        if (file.find(extra))
            im.fail_config("'blocks' is " + std::to_string(c.blocks) + ", but " + file.source() +
                           " has tensor '" + extra + "' of a further block");
    }
    for (const SafetensorsTensor& t : file.tensors())
        if (!im.used(t.name)) out.ignored_tensors.push_back(t.name);

    if (const JsonValue* ids = cfg.find("item_ids")) {
        if (!ids->is_array()) im.fail_config("'item_ids' must be an array");
        const auto& list = ids->as_array("item_ids");
        if (list.size() != items)
            im.fail_config("'item_ids' has " + std::to_string(list.size()) + " ids, but " +
                           item_name + " holds " + std::to_string(items) + " items (" +
                           std::to_string(emb_rows) + " rows" +
                           (has_padding ? ", less the padding row)" : ")"));
        std::unordered_map<std::string, size_t> seen;
        for (size_t i = 0; i < list.size(); ++i) {
            const std::string at = "'item_ids'[" + std::to_string(i) + "]";
            std::string id;
            if (list[i].is_string()) {
                id = list[i].as_string(at);
            } else if (list[i].is_number() &&
                       list[i].number_text().find_first_of(".eE") == std::string::npos) {
                id = list[i].number_text();
            } else {
                im.fail_config(at + " must be a string or an integer");
            }
            if (id.empty()) im.fail_config(at + " is empty");
            if (id.find('\0') != std::string::npos) im.fail_config(at + " holds a NUL character");
            const auto [it, fresh] = seen.emplace(id, i);
            if (!fresh)
                im.fail_config(at + " repeats id '" + id + "' of 'item_ids'[" +
                               std::to_string(it->second) + "]");
            out.item_ids.push_back(std::move(id));
        }
    } else {
        // The port's datasets number items 1..N by embedding row: that row is the id.
        for (uint64_t r : row_of) out.item_ids.push_back(std::to_string(r));
    }
    return out;
}

ImportedSasrec import_pytorch_sasrec(const std::string& safetensors_path,
                                     const std::string& config_path) {
    const std::string text = read_text(config_path);
    JsonValue config;
    try {
        config = parse_json(text);
    } catch (const Error& e) {
        throw Error("import", config_path + ": " + e.what());
    }
    return import_pytorch_sasrec(SafetensorsFile::read(safetensors_path), config, config_path);
}

}  // namespace hearth
