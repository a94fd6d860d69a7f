#include "core/device/sasrec/encoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "core/common/error.h"

namespace hearth {

namespace {

// Leave-one-out stacks max_len (max_len - 1) / 2 rows (1225 for max_len 50). Past this many
// floats of stacked workspace the variants go through the layers in several batches
// instead, so a long max_len or a wide model cannot ask for an unbounded buffer.
constexpr size_t kStackBudgetFloats = size_t(1) << 21;  // 8 MiB

void copy_rows(float* dst, const float* src, size_t rows, size_t d) {
    std::memcpy(dst, src, rows * d * sizeof(float));
}

}  // namespace

SasrecEncoder::SasrecEncoder(const SasrecView& model) : model_(model) {
    const SasrecConfig& c = model_.config;
    c.validate();
    bool complete = (model_.item_emb || (model_.item_codes && model_.item_scales)) && model_.pos_emb && model_.lnf_g && model_.lnf_b &&
                    model_.blocks.size() == c.blocks;
    for (const SasrecBlockView& bl : model_.blocks)
        for (const float* t : {bl.ln1_g, bl.ln1_b, bl.wq, bl.bq, bl.wk, bl.bk, bl.wv, bl.bv, bl.wo,
                               bl.bo, bl.ln2_g, bl.ln2_b, bl.w1, bl.b1, bl.w2, bl.b2})
            complete = complete && t;
    if (!complete) throw Error("argument", "SASRec view is missing tensors for its config");

    d_ = c.dim;
    ffn_ = c.ffn_dim;
    max_len_ = c.max_len;
    heads_ = c.heads;
    dh_ = c.head_dim();
    scale_ = 1.0f / std::sqrt(static_cast<float>(dh_));
    const size_t per_row = 6 * d_ + ffn_;
    const size_t all_variants = max_len_ * (max_len_ - 1) / 2;
    stack_rows_ = std::max(max_len_, std::min(all_variants, kStackBudgetFloats / per_row));

    layernorm_ = layernorm_f32();
    softmax_ = softmax_f32();
    linear_ = linear_f32();
    scores_ = attn_scores_f32();
    wsum_ = attn_weighted_sum_f32();
    act_ = c.activation == Activation::Relu ? relu_f32() : gelu_f32();

    for (auto* buf : {&h_, &x_, &q_, &k_, &v_, &att_}) buf->allocate(stack_rows_ * d_);
    mid_.allocate(stack_rows_ * ffn_);
    for (auto* buf : {&hc_, &xc_, &qc_, &ac_, &fh_, &fx_, &fq_, &fk_, &fv_, &loo_})
        buf->assign(max_len_ * d_, 0.0f);
    midc_.assign(max_len_ * ffn_, 0.0f);
    kcache_.assign(size_t(c.blocks) * max_len_ * d_, 0.0f);
    vcache_.assign(size_t(c.blocks) * max_len_ * d_, 0.0f);
    probs_.assign(max_len_, 0.0f);
    z_.assign(d_, 0.0f);
    zeros_.assign(d_, 0.0f);
    attention_.assign(heads_ * max_len_, 0.0f);
    seqs_.resize(max_len_);
    pz_.assign(d_, 0.0f);
    all_positions_.resize(max_len_);
    for (size_t j = 0; j < max_len_; ++j) all_positions_[j] = static_cast<uint32_t>(j);
}

void SasrecEncoder::check_items(const uint32_t* items, size_t n) const {
    // The whole history, not just the window: an id past the catalog is a caller bug
    // wherever it sits.
    const uint32_t count = model_.config.items;
    for (size_t i = 0; i < n; ++i)
        if (items[i] >= count)
            throw Error("argument", "SASRec history item " + std::to_string(items[i]) +
                                        " (position " + std::to_string(i) +
                                        ") is outside the catalog of " + std::to_string(count) +
                                        " items");
}

// Positions count back from the newest item, which always sits at max_len - 1.
void SasrecEncoder::embed(const uint32_t* items, size_t n, float* h) const {
    const float scale = model_.config.emb_scale;
    const size_t first_pos = max_len_ - n;
    for (size_t j = 0; j < n; ++j) {
        const float* p = model_.pos_emb + (first_pos + j) * d_;
        float* row = h + j * d_;
        if (model_.item_emb) {
            const float* e = model_.item_emb + size_t(items[j]) * d_;
            for (size_t i = 0; i < d_; ++i) row[i] = e[i] * scale + p[i];
        } else {
            const int8_t* codes = model_.item_codes + size_t(items[j]) * d_;
            const float s = model_.item_scales[items[j]];
            for (size_t i = 0; i < d_; ++i) row[i] = (s * static_cast<float>(codes[i])) * scale + p[i];
        }
    }
}

const float* SasrecEncoder::encode(const uint32_t* items, size_t n) {
    check_items(items, n);
    const size_t len = std::min(n, max_len_);
    if (len == 0) {
        attention_len_ = 0;
        return zeros_.data();
    }
    embed(items + (n - len), len, h_.data());
    const Seq seq{0, len, 0};
    run(&seq, 1, len, false, false, true, z_.data());
    return z_.data();
}

// Removing window item j leaves, in this order: the older items, each one position later
// than before, and items j+1.. at their old positions. Causal attention makes the first
// part a prefix of one shared sequence, the history without its newest item (P); so P is
// encoded once, its keys and values kept per block, and each variant only computes its
// own rows after item j, attending to P's cached prefix first. And in block 0 those own
// rows are the full window's rows (same items, same positions), so block 0's layer norm
// and projections come from one pass over the window.
const float* SasrecEncoder::encode_leave_one_out(const uint32_t* items, size_t n, size_t& rows) {
    rows = std::min(n, max_len_);
    return encode_leave_one_out_at(items, n, all_positions_.data(), rows);
}

const float* SasrecEncoder::encode_leave_one_out_at(const uint32_t* items, size_t n, const uint32_t* positions,
                                                     size_t count) {
    check_items(items, n);
    const size_t m = std::min(n, max_len_);
    for (size_t r = 0; r < count; ++r)
        if (positions[r] >= m || (r > 0 && positions[r] <= positions[r - 1]))
            throw Error("argument", "leave-one-out positions must ascend within the window of " +
                                        std::to_string(m) + " items (position " + std::to_string(positions[r]) +
                                        " at " + std::to_string(r) + ")");
    if (count == 0) return loo_.data();
    const uint32_t* window = items + (n - m);
    const size_t p = std::min(n - 1, max_len_);
    const size_t p0 = p - (m - 1);  // 1 when an item from before the window shifts in

    // The variant without the newest item is P itself; P is encoded whether or not that
    // variant is asked for, since every other variant attends to its cached keys and values.
    const bool newest_asked = positions[count - 1] == m - 1;
    const size_t older = newest_asked ? count - 1 : count;
    float* newest_removed = newest_asked ? loo_.data() + older * d_ : pz_.data();
    if (p == 0) {
        std::fill(newest_removed, newest_removed + d_, 0.0f);
    } else {
        embed(items + (n - 1 - p), p, h_.data());
        const Seq seq{0, p, 0};
        run(&seq, 1, p, false, true, false, newest_removed);
    }
    if (older == 0) return loo_.data();

    const SasrecConfig& c = model_.config;
    const bool prenorm = c.variant == SasrecVariant::PreNorm;
    const SasrecBlockView& b0 = model_.blocks[0];
    embed(window, m, fh_.data());
    layernorm_(fh_.data(), m, d_, b0.ln1_g, b0.ln1_b, c.ln_eps, fx_.data());
    const float* kv_in = prenorm ? fx_.data() : fh_.data();
    linear_(fx_.data(), m, d_, b0.wq, b0.bq, d_, nullptr, fq_.data());
    linear_(kv_in, m, d_, b0.wk, b0.bk, d_, nullptr, fk_.data());
    linear_(kv_in, m, d_, b0.wv, b0.bv, d_, nullptr, fv_.data());
    // Block 0's residual base: the input itself (PreNorm) or its layer norm (Original).
    float* base = prenorm ? h_.data() : x_.data();
    const float* front_base = prenorm ? fh_.data() : fx_.data();

    size_t r = 0;
    while (r < older) {
        const size_t first = r;
        size_t batch = 0, stacked = 0;
        while (r < older) {
            const size_t j = positions[r];
            const size_t len = m - 1 - j;
            if (batch > 0 && stacked + len > stack_rows_) break;
            seqs_[batch++] = Seq{stacked, len, p0 + j};
            const size_t from = (j + 1) * d_, to = stacked * d_;
            copy_rows(base + to, front_base + from, len, d_);
            copy_rows(q_.data() + to, fq_.data() + from, len, d_);
            copy_rows(k_.data() + to, fk_.data() + from, len, d_);
            copy_rows(v_.data() + to, fv_.data() + from, len, d_);
            stacked += len;
            ++r;
        }
        run(seqs_.data(), batch, stacked, true, false, false, loo_.data() + first * d_);
    }
    return loo_.data();
}

const float* SasrecEncoder::last_attention(size_t& heads, size_t& len) const {
    heads = heads_;
    len = attention_len_;
    return attention_.data();
}

// Runs the blocks over `count` stacked sequences (`rows` rows in all, embedded in h_) and
// writes LNf of each sequence's last row to out[i * d]. front_ready: block 0's residual
// base, q, k and v are already in place. keep_kv: keys and values go to the prefix cache
// (one sequence). keep_attention: the last query's weights go to attention_.
void SasrecEncoder::run(const Seq* seqs, size_t count, size_t rows, bool front_ready, bool keep_kv,
                        bool keep_attention, float* out) {
    const SasrecConfig& c = model_.config;
    const bool prenorm = c.variant == SasrecVariant::PreNorm;
    for (size_t b = 0; b < c.blocks; ++b) {
        const SasrecBlockView& bl = model_.blocks[b];
        const bool last = b + 1 == c.blocks;
        const bool given = front_ready && b == 0;
        const size_t cache_at = b * max_len_ * d_;
        const float* pk = kcache_.data() + cache_at;
        const float* pv = vcache_.data() + cache_at;
        float* k = keep_kv ? kcache_.data() + cache_at : k_.data();
        float* v = keep_kv ? vcache_.data() + cache_at : v_.data();
        if (!given) {
            layernorm_(h_.data(), rows, d_, bl.ln1_g, bl.ln1_b, c.ln_eps, x_.data());
            const float* kv_in = prenorm ? x_.data() : h_.data();
            linear_(kv_in, rows, d_, bl.wk, bl.bk, d_, nullptr, k);
            linear_(kv_in, rows, d_, bl.wv, bl.bv, d_, nullptr, v);
        }
        if (!last) {
            if (!given) linear_(x_.data(), rows, d_, bl.wq, bl.bq, d_, nullptr, q_.data());
            for (size_t i = 0; i < count; ++i)
                for (size_t t = 0; t < seqs[i].len; ++t) {
                    const size_t r = (seqs[i].off + t) * d_;
                    attend(q_.data() + r, seqs[i], t, k, v, pk, pv, att_.data() + r, nullptr);
                }
            linear_(att_.data(), rows, d_, bl.wo, bl.bo, d_, prenorm ? h_.data() : x_.data(),
                    h_.data());
            feed_forward(bl, h_.data(), x_.data(), mid_.data(), rows);
            continue;
        }
        // The last block: every row's keys and values are in, and from here on only each
        // sequence's last position matters.
        for (size_t i = 0; i < count; ++i) {
            const size_t r = (seqs[i].off + seqs[i].len - 1) * d_;
            copy_rows(hc_.data() + i * d_, h_.data() + r, 1, d_);
            copy_rows(xc_.data() + i * d_, x_.data() + r, 1, d_);
            if (given) copy_rows(qc_.data() + i * d_, q_.data() + r, 1, d_);
        }
        if (!given) linear_(xc_.data(), count, d_, bl.wq, bl.bq, d_, nullptr, qc_.data());
        for (size_t i = 0; i < count; ++i)
            attend(qc_.data() + i * d_, seqs[i], seqs[i].len - 1, k, v, pk, pv, ac_.data() + i * d_,
                   keep_attention ? attention_.data() : nullptr);
        linear_(ac_.data(), count, d_, bl.wo, bl.bo, d_, prenorm ? hc_.data() : xc_.data(),
                hc_.data());
        feed_forward(bl, hc_.data(), xc_.data(), midc_.data(), count);
        layernorm_(hc_.data(), count, d_, model_.lnf_g, model_.lnf_b, c.ln_eps, out);
    }
}

// Row t of `seq` attends to the shared prefix's keys, then to its own rows 0..t.
void SasrecEncoder::attend(const float* q, const Seq& seq, size_t t, const float* k, const float* v,
                           const float* pk, const float* pv, float* out, float* keep) {
    const size_t own = t + 1, n = seq.prefix + own;
    const float* ks = k + seq.off * d_;
    const float* vs = v + seq.off * d_;
    float* p = probs_.data();
    std::fill(out, out + d_, 0.0f);
    for (size_t h = 0; h < heads_; ++h) {
        const size_t o = h * dh_;
        scores_(q + o, pk + o, seq.prefix, dh_, d_, scale_, p);
        scores_(q + o, ks + o, own, dh_, d_, scale_, p + seq.prefix);
        softmax_(p, n);
        if (keep) std::copy(p, p + n, keep + h * n);
        wsum_(p, pv + o, seq.prefix, dh_, d_, out + o);
        wsum_(p + seq.prefix, vs + o, own, dh_, d_, out + o);
    }
    if (keep) attention_len_ = n;
}

void SasrecEncoder::feed_forward(const SasrecBlockView& bl, float* h, float* x, float* mid,
                                 size_t rows) {
    const SasrecConfig& c = model_.config;
    // PreNorm: h + FFN(LN2(h)). Original: the layer norm replaces h, and the FFN's residual
    // adds to the normalized value.
    float* in = h;
    if (c.variant == SasrecVariant::PreNorm) in = x;
    layernorm_(h, rows, d_, bl.ln2_g, bl.ln2_b, c.ln_eps, in);
    linear_(in, rows, d_, bl.w1, bl.b1, ffn_, nullptr, mid);
    act_(mid, rows * ffn_);
    linear_(mid, rows, ffn_, bl.w2, bl.b2, d_, h, h);
}

}  // namespace hearth
