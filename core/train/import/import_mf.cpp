#include "core/train/import/import_mf.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/common/error.h"
#include "core/data/json_parse.h"
#include "core/train/import/npy.h"
#include "core/train/import/safetensors.h"

namespace hearth {

namespace {

struct Matrix {
    std::vector<uint64_t> shape;
    std::vector<float> values;
};

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A .npy file, or the tensor `tensor` of a safetensors file.
Matrix load_matrix(const std::string& path, const std::string& tensor) {
    if (ends_with(path, ".npy")) {
        NpyArray a = read_npy(path);
        return {a.shape, std::move(a.values)};
    }
    if (ends_with(path, ".safetensors")) {
        const SafetensorsFile f = SafetensorsFile::read(path);
        const SafetensorsTensor* t = f.find(tensor);
        if (!t) throw Error("import", path + ": no tensor '" + tensor + "' (name it with the config's \"tensor\")");
        return {t->shape, f.to_float(*t)};
    }
    throw Error("import", path + ": give the factors as a .npy or a .safetensors file");
}

std::string resolve(const std::string& config_path, const std::string& file) {
    const std::filesystem::path p(file);
    return p.is_absolute() ? file : (std::filesystem::path(config_path).parent_path() / p).string();
}

double number_or(const JsonValue& config, const char* key, double fallback, const std::string& name) {
    const JsonValue* v = config.find(key);
    if (!v) return fallback;
    const double x = v->as_number(name + ": '" + key + "'");
    if (!std::isfinite(x)) throw Error("import", name + ": '" + std::string(key) + "' must be a finite number");
    return x;
}

}  // namespace

ImportedMf import_mf(const std::string& factors_path, const std::string& config_path) {
    std::ifstream in(config_path, std::ios::binary);
    if (!in) throw Error("io", "cannot read " + config_path);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    JsonValue config;
    try {
        config = parse_json(text);
    } catch (const Error& e) {
        throw Error("import", config_path + ": " + e.what());
    }
    if (!config.is_object()) throw Error("import", config_path + ": the config must be a JSON object");
    const std::string& name = config_path;
    for (const auto& [key, value] : config.as_object(name))
        if (key != "kind" && key != "reg" && key != "alpha" && key != "reg_scales_with_count" && key != "global_mean" &&
            key != "item_ids" && key != "tensor" && key != "biases" && key != "gram")
            throw Error("import", name + ": unknown key '" + key +
                                      "' (kind, reg, alpha, reg_scales_with_count, global_mean, item_ids, tensor, "
                                      "biases, gram)");

    ImportedMf out;
    MfModel& m = out.model;
    const std::string kind = config.find("kind") ? config.find("kind")->as_string(name + ": 'kind'") : "implicit";
    if (kind != "implicit" && kind != "explicit")
        throw Error("import", name + ": 'kind' must be \"implicit\" (ALS on interactions) or \"explicit\" (ratings)");
    m.params.kind = kind == "implicit" ? MfKind::Implicit : MfKind::Explicit;
    m.params.reg = static_cast<float>(number_or(config, "reg", 0.1, name));
    if (!(m.params.reg > 0.0f)) throw Error("import", name + ": 'reg' must be positive: it is the fold-in's ridge");
    m.params.alpha = static_cast<float>(number_or(config, "alpha", 1.0, name));
    if (!(m.params.alpha >= 0.0f)) throw Error("import", name + ": 'alpha' must be at least 0");
    if (const JsonValue* v = config.find("reg_scales_with_count"))
        m.params.reg_scales_with_count = v->as_bool(name + ": 'reg_scales_with_count'");
    const std::string tensor = config.find("tensor") ? config.find("tensor")->as_string(name + ": 'tensor'") : "item_factors";

    Matrix factors = load_matrix(factors_path, tensor);
    if (factors.shape.size() != 2 || factors.shape[0] == 0 || factors.shape[1] == 0 || factors.shape[1] > 1024)
        throw Error("import", factors_path + ": the factors must be a [items, dim] matrix with 1..1024 columns");
    for (float v : factors.values)
        if (!std::isfinite(v)) throw Error("import", factors_path + ": the factors hold a NaN or an infinity");
    const uint32_t items = static_cast<uint32_t>(factors.shape[0]);
    m.dim = static_cast<uint32_t>(factors.shape[1]);
    m.item_factors = std::move(factors.values);

    if (m.params.kind == MfKind::Explicit) {
        if (!config.find("global_mean")) throw Error("import", name + ": an explicit model needs 'global_mean'");
        m.params.global_mean = static_cast<float>(number_or(config, "global_mean", 0.0, name));
        if (!config.find("biases")) throw Error("import", name + ": an explicit model needs 'biases' (a file of one bias per item)");
        Matrix b = load_matrix(resolve(config_path, config.find("biases")->as_string(name + ": 'biases'")), "item_bias");
        if (b.values.size() != items)
            throw Error("import", name + ": 'biases' holds " + std::to_string(b.values.size()) + " values for " +
                                      std::to_string(items) + " items");
        m.item_bias = std::move(b.values);
    } else {
        m.gram = gram_matrix(m.item_factors.data(), items, m.dim);
        if (const JsonValue* g = config.find("gram")) {
            const std::string path = resolve(config_path, g->as_string(name + ": 'gram'"));
            const Matrix given = load_matrix(path, "gram");
            if (given.values.size() != m.gram.size())
                throw Error("import", path + ": the Gram matrix must be " + std::to_string(m.dim) + " x " + std::to_string(m.dim));
            double scale = 0, worst = 0;
            for (size_t k = 0; k < m.gram.size(); ++k) {
                scale = std::max(scale, std::fabs(double(m.gram[k])));
                worst = std::max(worst, std::fabs(double(m.gram[k]) - given.values[k]));
            }
            if (worst > 1e-3 * std::max(1.0, scale))
                throw Error("import", path + ": the Gram matrix is not Y^T Y of the factors (off by " + std::to_string(worst) +
                                          "): were they saved from the same model?");
        }
    }

    if (const JsonValue* ids = config.find("item_ids")) {
        const std::vector<std::string>* listed = nullptr;
        std::vector<std::string> from_file;
        if (ids->is_string()) {  // a text file, one id per line
            const std::string path = resolve(config_path, ids->as_string(name + ": 'item_ids'"));
            std::ifstream f(path);
            if (!f) throw Error("io", "cannot read " + path);
            for (std::string line; std::getline(f, line);) {
                if (!line.empty() && line.back() == '\r') line.pop_back();
                from_file.push_back(line);
            }
            while (!from_file.empty() && from_file.back().empty()) from_file.pop_back();
            listed = &from_file;
        }
        if (listed) {
            out.item_ids = *listed;
        } else {
            for (const JsonValue& v : ids->as_array(name + ": 'item_ids'"))
                out.item_ids.push_back(v.is_string() ? v.as_string("id") : v.number_text());
        }
        if (out.item_ids.size() != items)
            throw Error("import", name + ": 'item_ids' has " + std::to_string(out.item_ids.size()) + " ids, but the factors hold " +
                                      std::to_string(items) + " items");
    } else {
        for (uint32_t i = 0; i < items; ++i) out.item_ids.push_back(std::to_string(i));
    }
    return out;
}

}  // namespace hearth
