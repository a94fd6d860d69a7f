#include "core/device/mf/mf_model.h"

#include <cmath>
#include <string>

#include "core/common/error.h"
#include "core/device/bundle/bundle.h"

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
    check_values("mf.params", params, kMaxValue);
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
        // A row is scale * codes (|codes| <= 127): its values stay within the bound too.
        const Span<float> scales = bundle.f32("mf.factor_scales", factors.rows, 1);
        check_values("mf.factor_scales", scales, kMaxValue / 127.0f);
        m.item_scales = scales.data;
        for (uint32_t i = 0; i < factors.rows; ++i)
            if (!(m.item_scales[i] >= 0.0f))
                throw Error("bundle", "section 'mf.factor_scales': row " + std::to_string(i) +
                                          " has an invalid scale");
    } else {
        const Span<float> rows = bundle.f32(table);
        check_values(table, rows, kMaxValue);
        m.items.rows = rows.data;
    }
    m.items.count = factors.rows;
    m.items.dim = factors.cols;
    if (m.params.kind == MfKind::Explicit) {
        m.items.append_one = true;
        const Span<float> bias = bundle.f32("mf.item_bias", factors.rows, 1);
        check_values("mf.item_bias", bias, kMaxValue);
        m.item_bias = bias.data;
    } else {
        const Span<float> gram = bundle.f32("mf.gram", factors.cols, factors.cols);
        check_values("mf.gram", gram, kMaxValue);
        m.gram = gram.data;
    }
    return m;
}

}  // namespace hearth
