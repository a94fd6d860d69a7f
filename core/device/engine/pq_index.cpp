#include "core/device/engine/pq_index.h"

#include <algorithm>
#include <cmath>

#include "core/common/error.h"
#include "core/common/parallel.h"
#include "core/device/kernels/pq.h"

namespace hearth {

namespace {

const char* const kParts[] = {"pq_bounds", "pq_codebook", "pq_codes", "pq_mean", "pq_cov"};

[[noreturn]] void bad(const std::string& section, const std::string& what) {
    throw Error("bundle", "section '" + section + "': " + what);
}


}  // namespace

bool PqIndex::present(const BundleReader& bundle, const std::string& prefix) {
    for (const char* part : kParts)
        if (bundle.has(prefix + "." + part)) return true;
    return false;
}

PqIndex::PqIndex(const BundleReader& b, const std::string& prefix, uint32_t items, uint32_t dim)
    : items_(items), dim_(dim) {
    const std::string bounds_name = prefix + ".pq_bounds", book_name = prefix + ".pq_codebook",
                      codes_name = prefix + ".pq_codes", mean_name = prefix + ".pq_mean",
                      cov_name = prefix + ".pq_cov";
    const Span<uint32_t> bounds = b.u32(bounds_name, 1);
    if (bounds.size < 3 || (bounds.size - 1) % 2 != 0 || bounds.size - 1 > kPqMaxSubspaces)
        bad(bounds_name, std::to_string(bounds.size - 1) + " subspaces; expected an even number in 2.." +
                             std::to_string(kPqMaxSubspaces));
    subspaces_ = static_cast<uint32_t>(bounds.size - 1);
    if (bounds[0] != 0 || bounds[subspaces_] != dim)
        bad(bounds_name, "bounds must run from 0 to the table's " + std::to_string(dim) + " dims");
    for (uint32_t m = 0; m < subspaces_; ++m)
        if (bounds[m + 1] <= bounds[m]) bad(bounds_name, "bounds must increase (subspace " + std::to_string(m) + ")");
    bounds_ = bounds.data;

    // Centroids and the mean are averages of the table's rows, the covariance a mean of
    // their products: bounded as the rows are (FORMAT.md, "Values").
    const float limit = prefix == "sasrec" ? kMaxSasrecValue : kMaxValue;
    const float cov_limit = prefix == "sasrec" ? kMaxSasrecValue * kMaxSasrecValue : kMaxValue;
    const Span<float> book = b.f32(book_name, kPqCentroids, dim);
    check_values(book_name, book, limit);
    codebook_ = book.data;

    const Span<int8_t> codes = b.i8(codes_name, static_cast<uint32_t>(pq_blocks(items)),
                                    static_cast<uint32_t>(pq_block_bytes(subspaces_)));
    codes_ = reinterpret_cast<const uint8_t*>(codes.data);
    // The padding items of the last block have zero codes, as written.
    for (size_t i = items; i < pq_blocks(items) * kPqBlock; ++i)
        for (uint32_t m = 0; m < subspaces_; ++m)
            if (pq_code(codes_, subspaces_, i, m) != 0)
                bad(codes_name, "padding after the last item must be zero");

    const Span<float> mean = b.f32(mean_name, 1, dim);
    check_values(mean_name, mean, limit);
    mean_ = mean.data;
    const Span<float> cov = b.f32(cov_name, dim, dim);
    check_values(cov_name, cov, cov_limit);
    cov_ = cov.data;
}

PqIndex::Tables PqIndex::tables() const {
    Tables t;
    t.lut.assign(size_t(subspaces_) * kPqCentroids, 0.0f);
    t.lut8.assign(size_t(subspaces_) * kPqCentroids, 0);
    return t;
}

size_t PqIndex::scan_size() const { return pq_blocks(items_) * kPqBlock; }

void PqIndex::scan(const float* query, Tables& t, uint16_t* raw) const {
    pq_build_lut(codebook_, bounds_, subspaces_, dim_, query, t.lut.data());
    t.step = pq_quantize_lut(t.lut.data(), subspaces_, t.lut8.data(), t.offset);
    scan_prepared(t, raw);
}

void PqIndex::prepare(const float* query, float scale, Tables& t) const {
    pq_build_lut(codebook_, bounds_, subspaces_, dim_, query, t.lut.data());
    for (float& v : t.lut) v *= scale;
}

float PqIndex::lut_range(const Tables& tables) const {
    float range = 0.0f;
    for (uint32_t m = 0; m < subspaces_; ++m) {
        const float* t = &tables.lut[size_t(m) * kPqCentroids];
        range = std::max(range, *std::max_element(t, t + kPqCentroids) - *std::min_element(t, t + kPqCentroids));
    }
    return range;
}

void PqIndex::quantize(float step, Tables& tables) const {
    tables.step = step;
    tables.offset = 0.0f;
    for (uint32_t m = 0; m < subspaces_; ++m) {
        const float* t = &tables.lut[size_t(m) * kPqCentroids];
        const float lo = *std::min_element(t, t + kPqCentroids);
        tables.offset += lo;
        for (uint32_t c = 0; c < kPqCentroids; ++c) {
            const long v = step > 0.0f ? std::lrint((t[c] - lo) / step) : 0L;
            tables.lut8[size_t(m) * kPqCentroids + c] = static_cast<uint8_t>(std::clamp(v, 0L, 255L));
        }
    }
}

void PqIndex::scan_prepared(const Tables& t, uint16_t* raw) const {
    // Blocks of 32 items are independent: split across the scoring threads (one range when
    // there are none).
    const size_t pairs = subspaces_ / 2;
    parallel_rows(pq_blocks(items_), 1, [&](size_t begin, size_t end) {
        pq_scan()(codes_ + begin * pairs * kPqBlock, end - begin, pairs, t.lut8.data(), raw + begin * kPqBlock);
    });
}

double PqIndex::score_mean(const float* q) const {
    double s = 0.0;
    for (uint32_t j = 0; j < dim_; ++j) s += double(q[j]) * mean_[j];
    return s;
}

double PqIndex::score_variance(const float* q) const {
    double s = 0.0;
    for (uint32_t a = 0; a < dim_; ++a) {
        double row = 0.0;
        for (uint32_t c = 0; c < dim_; ++c) row += double(cov_[size_t(a) * dim_ + c]) * q[c];
        s += double(q[a]) * row;
    }
    return s > 0.0 ? s : 0.0;
}

void PqIndex::reconstruct(uint32_t item, float* out) const {
    for (uint32_t m = 0; m < subspaces_; ++m) {
        const uint32_t c = pq_code(codes_, subspaces_, item, m);
        for (uint32_t j = bounds_[m]; j < bounds_[m + 1]; ++j) out[j] = codebook_[size_t(c) * dim_ + j];
    }
}

}  // namespace hearth
