#include "core/device/sasrec/sasrec_bundle.h"

#include <cmath>

#include "core/common/error.h"

namespace hearth {

void write_sasrec(BundleWriter& w, const SasrecWeights& weights) {
    const SasrecConfig& c = weights.config;
    c.validate();
    const uint32_t config[8] = {c.items,   c.dim,     c.heads,
                                c.blocks,  c.max_len, c.ffn_dim,
                                static_cast<uint32_t>(c.variant),
                                static_cast<uint32_t>(c.activation)};
    w.add_u32("sasrec.config", config, 1, 8);
    const float params[2] = {c.emb_scale, c.ln_eps};
    w.add_f32("sasrec.params", params, 1, 2);
    const auto specs = sasrec_tensor_specs(c);
    for (size_t i = 0; i < specs.size(); ++i) {
        const std::vector<float>& t = weights.tensors[i];
        for (size_t j = 0; j < t.size(); ++j)
            if (!(std::fabs(t[j]) <= kMaxSasrecValue))
                throw Error("model", "SASRec tensor " + specs[i].name + " holds " +
                                         (std::isfinite(t[j]) ? "a value outside [-100, 100]" : "a non-finite value") +
                                         " at index " + std::to_string(j));
        w.add_f32(specs[i].name, weights.tensors[i].data(), specs[i].rows, specs[i].cols);
    }
}

namespace {

void check_scales(const float* scales, uint32_t n, const char* section) {
    // A row is scale * codes (|codes| <= 127): its values stay within the bound too.
    check_values(section, scales, n, kMaxSasrecValue / 127.0f);
    for (uint32_t i = 0; i < n; ++i)
        if (!(scales[i] >= 0.0f))
            throw Error("bundle", std::string("section '") + section + "': row " + std::to_string(i) +
                                      " has an invalid scale");
}

}  // namespace

SasrecView read_sasrec(const BundleReader& bundle) {
    const Span<uint32_t> cfg = bundle.u32("sasrec.config", 1, 8);
    const Span<float> params = bundle.f32("sasrec.params", 1, 2);
    check_values("sasrec.params", params, kMaxSasrecValue);
    SasrecConfig c;
    c.items = cfg[0];
    c.dim = cfg[1];
    c.heads = cfg[2];
    c.blocks = cfg[3];
    c.max_len = cfg[4];
    c.ffn_dim = cfg[5];
    c.variant = static_cast<SasrecVariant>(cfg[6]);
    c.activation = static_cast<Activation>(cfg[7]);
    c.emb_scale = params[0];
    c.ln_eps = params[1];
    try {
        c.validate();
    } catch (const Error& e) {
        throw Error("bundle", std::string("section 'sasrec.config': ") + e.what());
    }
    // An int8 bundle (hearth export --int8) holds the item table as codes and row scales.
    const bool quantized = !bundle.has("sasrec.item_emb") && bundle.has("sasrec.item_emb_i8");
    std::vector<const float*> tensors;
    for (const TensorSpec& t : sasrec_tensor_specs(c)) {
        if (quantized && t.name == "sasrec.item_emb") {
            tensors.push_back(nullptr);
            continue;
        }
        const Span<float> v = bundle.f32(t.name, t.rows, t.cols);
        check_values(t.name, v, kMaxSasrecValue);
        tensors.push_back(v.data);
    }
    SasrecView view = sasrec_view(c, tensors);
    if (quantized) {
        view.item_codes = bundle.i8("sasrec.item_emb_i8", c.items, c.dim).data;
        view.item_scales = bundle.f32("sasrec.item_scales", c.items, 1).data;
        check_scales(view.item_scales, c.items, "sasrec.item_scales");
    }
    return view;
}

}  // namespace hearth
