#include "core/device/sasrec/model.h"

#include <cmath>

#include "core/common/error.h"

namespace hearth {

void SasrecConfig::validate() const {
    auto fail = [](const std::string& what) { throw Error("argument", "SASRec config: " + what); };
    if (items == 0) fail("items must be at least 1");
    if (dim == 0 || dim > 1024) fail("dim must be in 1..1024, got " + std::to_string(dim));
    if (heads == 0 || dim % heads != 0)
        fail("heads (" + std::to_string(heads) + ") must divide dim (" + std::to_string(dim) + ")");
    if (blocks == 0 || blocks > 16) fail("blocks must be in 1..16");
    if (max_len == 0 || max_len > 4096) fail("max_len must be in 1..4096");
    if (ffn_dim == 0 || ffn_dim > 8192) fail("ffn_dim must be in 1..8192");
    if (static_cast<uint32_t>(variant) > 1) fail("unknown variant");
    if (static_cast<uint32_t>(activation) > 1) fail("unknown activation");
    if (!std::isfinite(emb_scale) || !(ln_eps > 0.0f) || !std::isfinite(ln_eps))
        fail("emb_scale must be finite and ln_eps positive");
}

std::vector<TensorSpec> sasrec_tensor_specs(const SasrecConfig& c) {
    std::vector<TensorSpec> s = {{"sasrec.item_emb", c.items, c.dim},
                                 {"sasrec.pos_emb", c.max_len, c.dim}};
    for (uint32_t b = 0; b < c.blocks; ++b) {
        const std::string p = "sasrec.b" + std::to_string(b) + ".";
        s.push_back({p + "ln1.g", 1, c.dim});
        s.push_back({p + "ln1.b", 1, c.dim});
        for (const char* w : {"wq", "wk", "wv", "wo"}) {
            s.push_back({p + "attn." + w, c.dim, c.dim});
            s.push_back({p + "attn.b" + std::string(w + 1), 1, c.dim});
        }
        s.push_back({p + "ln2.g", 1, c.dim});
        s.push_back({p + "ln2.b", 1, c.dim});
        s.push_back({p + "ffn.w1", c.ffn_dim, c.dim});
        s.push_back({p + "ffn.b1", 1, c.ffn_dim});
        s.push_back({p + "ffn.w2", c.dim, c.ffn_dim});
        s.push_back({p + "ffn.b2", 1, c.dim});
    }
    s.push_back({"sasrec.lnf.g", 1, c.dim});
    s.push_back({"sasrec.lnf.b", 1, c.dim});
    return s;
}

SasrecWeights::SasrecWeights(const SasrecConfig& c) : config(c) {
    for (const TensorSpec& t : sasrec_tensor_specs(c))
        tensors.emplace_back(static_cast<size_t>(t.rows) * t.cols, 0.0f);
}

float* SasrecWeights::tensor(const std::string& name) {
    const auto specs = sasrec_tensor_specs(config);
    for (size_t i = 0; i < specs.size(); ++i)
        if (specs[i].name == name) return tensors[i].data();
    throw Error("argument", "SASRec has no tensor named '" + name + "'");
}

SasrecView SasrecWeights::view() const {
    std::vector<const float*> ptrs;
    for (const auto& t : tensors) ptrs.push_back(t.data());
    return sasrec_view(config, ptrs);
}

SasrecView sasrec_view(const SasrecConfig& config, const std::vector<const float*>& t) {
    SasrecView v;
    v.config = config;
    size_t k = 0;
    v.item_emb = t[k++];
    v.pos_emb = t[k++];
    for (uint32_t b = 0; b < config.blocks; ++b) {
        SasrecBlockView bl;
        bl.ln1_g = t[k++]; bl.ln1_b = t[k++];
        bl.wq = t[k++]; bl.bq = t[k++];
        bl.wk = t[k++]; bl.bk = t[k++];
        bl.wv = t[k++]; bl.bv = t[k++];
        bl.wo = t[k++]; bl.bo = t[k++];
        bl.ln2_g = t[k++]; bl.ln2_b = t[k++];
        bl.w1 = t[k++]; bl.b1 = t[k++];
        bl.w2 = t[k++]; bl.b2 = t[k++];
        v.blocks.push_back(bl);
    }
    v.lnf_g = t[k++];
    v.lnf_b = t[k++];
    return v;
}

namespace {

using Rows = std::vector<std::vector<double>>;

Rows layer_norm(const Rows& x, const float* g, const float* b, double eps) {
    Rows y = x;
    for (auto& row : y) {
        double mean = 0, var = 0;
        for (double v : row) mean += v;
        mean /= static_cast<double>(row.size());
        for (double v : row) var += (v - mean) * (v - mean);
        var /= static_cast<double>(row.size());
        const double inv = 1.0 / std::sqrt(var + eps);
        for (size_t i = 0; i < row.size(); ++i) row[i] = (row[i] - mean) * inv * g[i] + b[i];
    }
    return y;
}

// y = W x + b for every row; W is [out, in].
Rows linear(const Rows& x, const float* w, const float* b, size_t out) {
    Rows y(x.size(), std::vector<double>(out));
    for (size_t t = 0; t < x.size(); ++t)
        for (size_t o = 0; o < out; ++o) {
            double s = b[o];
            for (size_t i = 0; i < x[t].size(); ++i) s += double(w[o * x[t].size() + i]) * x[t][i];
            y[t][o] = s;
        }
    return y;
}

double activate(double v, Activation a) {
    if (a == Activation::Relu) return v > 0 ? v : 0;
    const double c = std::sqrt(2.0 / 3.14159265358979323846);
    return 0.5 * v * (1.0 + std::tanh(c * (v + 0.044715 * v * v * v)));
}

Rows attention(const Rows& q_in, const Rows& kv_in, const SasrecBlockView& bl, const SasrecConfig& c) {
    const Rows q = linear(q_in, bl.wq, bl.bq, c.dim);
    const Rows k = linear(kv_in, bl.wk, bl.bk, c.dim);
    const Rows v = linear(kv_in, bl.wv, bl.bv, c.dim);
    const size_t n = q.size(), dh = c.head_dim();
    Rows out(n, std::vector<double>(c.dim, 0.0));
    for (uint32_t h = 0; h < c.heads; ++h) {
        const size_t o = h * dh;
        for (size_t t = 0; t < n; ++t) {
            std::vector<double> w(t + 1);
            double mx = -1e300;
            for (size_t s = 0; s <= t; ++s) {  // causal: keys up to and including t
                double dot = 0;
                for (size_t j = 0; j < dh; ++j) dot += q[t][o + j] * k[s][o + j];
                w[s] = dot / std::sqrt(static_cast<double>(dh));
                mx = std::max(mx, w[s]);
            }
            double z = 0;
            for (double& x : w) z += (x = std::exp(x - mx));
            for (size_t s = 0; s <= t; ++s)
                for (size_t j = 0; j < dh; ++j) out[t][o + j] += w[s] / z * v[s][o + j];
        }
    }
    return linear(out, bl.wo, bl.bo, c.dim);
}

}  // namespace

std::vector<double> sasrec_reference_encode(const SasrecView& m, const uint32_t* items, size_t n) {
    const SasrecConfig& c = m.config;
    const size_t len = std::min<size_t>(n, c.max_len);
    const uint32_t* window = items + (n - len);
    Rows h(len, std::vector<double>(c.dim));
    for (size_t j = 0; j < len; ++j) {
        if (window[j] >= c.items) throw Error("argument", "item index outside the catalog");
        const size_t pos = c.max_len - len + j;
        for (uint32_t i = 0; i < c.dim; ++i)
            h[j][i] = double(m.item_emb[size_t(window[j]) * c.dim + i]) * c.emb_scale +
                      m.pos_emb[pos * c.dim + i];
    }
    if (len == 0) return std::vector<double>(c.dim, 0.0);
    // h += FFN(x): both variants end a block so. x may be h itself; the FFN is finished
    // before h changes.
    const auto add_feed_forward = [&](const Rows& x, const SasrecBlockView& bl) {
        Rows mid = linear(x, bl.w1, bl.b1, c.ffn_dim);
        for (auto& row : mid)
            for (double& v : row) v = activate(v, c.activation);
        const Rows ff = linear(mid, bl.w2, bl.b2, c.dim);
        for (size_t t = 0; t < len; ++t)
            for (uint32_t i = 0; i < c.dim; ++i) h[t][i] += ff[t][i];
    };
    for (const SasrecBlockView& bl : m.blocks) {
        if (c.variant == SasrecVariant::PreNorm) {
            const Rows a = layer_norm(h, bl.ln1_g, bl.ln1_b, c.ln_eps);
            const Rows att = attention(a, a, bl, c);
            for (size_t t = 0; t < len; ++t)
                for (uint32_t i = 0; i < c.dim; ++i) h[t][i] += att[t][i];
            add_feed_forward(layer_norm(h, bl.ln2_g, bl.ln2_b, c.ln_eps), bl);
        } else {
            const Rows q = layer_norm(h, bl.ln1_g, bl.ln1_b, c.ln_eps);
            const Rows att = attention(q, h, bl, c);
            for (size_t t = 0; t < len; ++t)
                for (uint32_t i = 0; i < c.dim; ++i) h[t][i] = q[t][i] + att[t][i];
            h = layer_norm(h, bl.ln2_g, bl.ln2_b, c.ln_eps);
            add_feed_forward(h, bl);
        }
    }
    const Rows last = layer_norm(Rows{h[len - 1]}, m.lnf_g, m.lnf_b, c.ln_eps);
    return last[0];
}

}  // namespace hearth
