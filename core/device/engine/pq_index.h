// A product-quantized item table on a device (hearth export --pq, core/train/export/pq.h): the
// per-query lookup tables, the fast-scan kernel over the packed codes (core/device/kernels/pq.h),
// and the catalog's score moments. The engine scans the catalog with it to find candidates
// and re-scores those with the exact (int8 or fp32) rows.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/device/bundle/bundle.h"

namespace hearth {

class PqIndex {
public:
    // True when the bundle has any `<prefix>.pq_*` section.
    static bool present(const BundleReader& bundle, const std::string& prefix);

    // Reads and checks `<prefix>.pq_bounds`, `.pq_codebook`, `.pq_codes`, `.pq_mean` and
    // `.pq_cov` for `items` rows of `dim` dims (an explicit MF model's dim counts its item
    // bias). Throws Error("bundle") naming the section that is missing or wrong.
    PqIndex(const BundleReader& bundle, const std::string& prefix, uint32_t items, uint32_t dim);

    uint32_t items() const { return items_; }
    uint32_t dim() const { return dim_; }
    uint32_t subspaces() const { return subspaces_; }
    // Entries of a scan's output: the catalog rounded up to whole blocks of 32.
    size_t scan_size() const;

    // A query's tables: float lookup tables, their u8 rounding, and the rounding's step and
    // offset. Made by tables(), filled by scan() or prepare()/quantize(); one per caller.
    struct Tables {
        std::vector<float> lut;
        std::vector<uint8_t> lut8;
        float step = 0.0f, offset = 0.0f;
    };
    Tables tables() const;

    // Builds the lookup tables for `query` (dim floats) in `t`, quantizes them to u8 and
    // scans every item: raw[i] for i < scan_size(). The approximate score of item i is then
    // t.offset + t.step * raw[i], the dot of the query with item i's reconstruction
    // (codebook centroids) up to the tables' rounding (at most subspaces * step / 2).
    void scan(const float* query, Tables& t, uint16_t* raw) const;
    // The same in steps, so that two indexes can share one quantization (the hybrid sums
    // two models' tables): prepare() builds the float tables of `scale` * query,
    // lut_range() is their largest per-subspace range, quantize() rounds them to u8 with
    // the given step (at most 255 steps per range), scan_prepared() scans.
    void prepare(const float* query, float scale, Tables& t) const;
    float lut_range(const Tables& t) const;
    void quantize(float step, Tables& t) const;
    void scan_prepared(const Tables& t, uint16_t* raw) const;

    // Moments of query . row over the catalog's exact rows (stored at export):
    // the mean query . mean and the population variance query^T cov query, in double.
    double score_mean(const float* query) const;
    double score_variance(const float* query) const;

    // Item i's reconstruction from its codes (dim floats).
    void reconstruct(uint32_t item, float* out) const;

private:
    uint32_t items_ = 0, dim_ = 0, subspaces_ = 0;
    const uint32_t* bounds_ = nullptr;
    const float* codebook_ = nullptr;
    const uint8_t* codes_ = nullptr;
    const float* mean_ = nullptr;
    const float* cov_ = nullptr;
};

}  // namespace hearth
