#include "core/train/export/quantize.h"

#include <string>

#include "core/common/error.h"
#include "core/device/kernels/quant.h"

namespace hearth {

namespace {

struct Quantized {
    std::vector<int8_t> codes;
    std::vector<float> scales;
};

Quantized quantize_table(const Span<float>& table, uint32_t rows, uint32_t dim) {
    Quantized q;
    q.codes.resize(static_cast<size_t>(rows) * dim);
    q.scales.resize(rows);
    for (uint32_t i = 0; i < rows; ++i)
        q.scales[i] = quantize_row_i8(table.data + static_cast<size_t>(i) * dim, dim,
                                      q.codes.data() + static_cast<size_t>(i) * dim);
    return q;
}

// Y^T Y over the dequantized rows of the items the trained Gram matrix covered (all but
// the content-placed ones, which no one has seen).
std::vector<float> dequantized_gram(const Quantized& q, uint32_t rows, uint32_t dim,
                                    const std::vector<uint8_t>& skip) {
    std::vector<double> gram(static_cast<size_t>(dim) * dim, 0.0);
    std::vector<float> row(dim);
    for (uint32_t i = 0; i < rows; ++i) {
        if (skip[i]) continue;
        dequantize_row_i8(q.codes.data() + static_cast<size_t>(i) * dim, q.scales[i], dim, row.data());
        for (uint32_t a = 0; a < dim; ++a)
            for (uint32_t b = 0; b < dim; ++b) gram[a * dim + b] += double(row[a]) * row[b];
    }
    return {gram.begin(), gram.end()};
}

std::string with_dtype(std::string_view meta) {
    std::string out(meta);
    const size_t close = out.rfind('}');
    if (close == std::string::npos) return out;
    const bool empty = out.find_first_not_of(" \t\r\n", out.find('{') + 1) == close;
    out.insert(close, std::string(empty ? "" : ",") + "\"catalog_dtype\":\"int8\"");
    return out;
}

}  // namespace

std::vector<uint8_t> quantize_bundle(const BundleReader& bundle) {
    if (bundle.has("mf.factors_i8") || bundle.has("sasrec.item_emb_i8"))
        throw Error("argument", "the bundle's catalog is already int8");
    if (!bundle.has("mf.factors") && !bundle.has("sasrec.item_emb"))
        throw Error("argument", "the bundle holds no item table to quantize");
    BundleWriter out;
    for (const SectionInfo& s : bundle.sections()) {
        if (s.name == "mf.factors") {
            const Quantized q = quantize_table(bundle.f32(s.name), s.rows, s.cols);
            out.add_i8("mf.factors_i8", q.codes.data(), s.rows, s.cols);
            out.add_f32("mf.factor_scales", q.scales.data(), s.rows, 1);
            if (bundle.has("mf.gram")) {
                std::vector<uint8_t> skip(s.rows, 0);
                if (bundle.has("content.items"))
                    for (uint32_t item : bundle.u32("content.items"))
                        if (item < s.rows) skip[item] = 1;
                const std::vector<float> gram = dequantized_gram(q, s.rows, s.cols, skip);
                out.add_f32("mf.gram", gram.data(), s.cols, s.cols);
            }
        } else if (s.name == "mf.gram") {
            continue;  // written with mf.factors
        } else if (s.name == "sasrec.item_emb") {
            const Quantized q = quantize_table(bundle.f32(s.name), s.rows, s.cols);
            out.add_i8("sasrec.item_emb_i8", q.codes.data(), s.rows, s.cols);
            out.add_f32("sasrec.item_scales", q.scales.data(), s.rows, 1);
        } else if (s.name == "meta") {
            out.add_json("meta", with_dtype(bundle.json("meta")));
        } else {
            out.add_copy(bundle, s.name);
        }
    }
    return out.finish();
}

}  // namespace hearth
