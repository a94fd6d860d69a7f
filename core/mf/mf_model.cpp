#include "core/mf/mf_model.h"

#include <cmath>
#include <string>

#include "core/bundle/bundle.h"
#include "core/common/error.h"

namespace hearth {

double effective_reg(const MfParams& params, size_t history_size) {
    const double n = static_cast<double>(history_size > 0 ? history_size : 1);
    return params.reg_scales_with_count ? params.reg * n : params.reg;
}

void history_terms(const MfModelView& model, const HistoryEntry* history, size_t n,
                   std::vector<RidgeTerm>& out) {
    out.clear();
    for (size_t i = 0; i < n; ++i) {
        const HistoryEntry& h = history[i];
        if (model.params.kind == MfKind::Implicit)
            out.push_back({h.item, 1.0f + model.params.alpha * h.value, 1.0f});
        else
            out.push_back({h.item, 1.0f, h.value - model.base_score(h.item)});
    }
}

MfModelView read_mf_model(const BundleReader& bundle) {
    MfModelView m;
    const Span<uint32_t> kind = bundle.u32("mf.kind", 1, 1);
    const Span<float> params = bundle.f32("mf.params", 1, 4);
    if (kind[0] != 1 && kind[0] != 2)
        throw Error("bundle", "section 'mf.kind': unknown model kind " + std::to_string(kind[0]));
    m.params.kind = static_cast<MfKind>(kind[0]);
    m.params.reg = params[0];
    m.params.alpha = params[1];
    m.params.global_mean = params[2];
    m.params.reg_scales_with_count = params[3] != 0.0f;
    for (size_t i = 0; i < 4; ++i)
        if (!std::isfinite(params[i]))
            throw Error("bundle", "section 'mf.params': value " + std::to_string(i) +
                                      " is not finite");
    if (!(m.params.reg > 0.0f))
        throw Error("bundle", "section 'mf.params': regularization must be positive");

    // An int8 bundle (hearth export --int8) holds the factors as codes and row scales.
    const bool quantized = !bundle.has("mf.factors") && bundle.has("mf.factors_i8");
    const char* table = quantized ? "mf.factors_i8" : "mf.factors";
    const SectionInfo& factors = bundle.section(table);
    if (factors.cols == 0 || factors.cols > 1024)
        throw Error("bundle", std::string("section '") + table + "': factor count " +
                                  std::to_string(factors.cols) + " is outside 1..1024");
    if (quantized) {
        m.item_codes = bundle.i8(table).data;
        m.item_scales = bundle.f32("mf.factor_scales", factors.rows, 1).data;
        for (uint32_t i = 0; i < factors.rows; ++i)
            if (!(m.item_scales[i] >= 0.0f) || !std::isfinite(m.item_scales[i]))
                throw Error("bundle", "section 'mf.factor_scales': row " + std::to_string(i) +
                                          " has an invalid scale");
    } else {
        m.items.rows = bundle.f32(table).data;
    }
    m.items.count = factors.rows;
    m.items.dim = factors.cols;
    if (m.params.kind == MfKind::Explicit) {
        m.items.append_one = true;
        m.item_bias = bundle.f32("mf.item_bias", factors.rows, 1).data;
    } else {
        m.gram = bundle.f32("mf.gram", factors.cols, factors.cols).data;
    }
    return m;
}

}  // namespace hearth
