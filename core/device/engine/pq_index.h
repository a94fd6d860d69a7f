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

    // Builds the lookup tables for `query` (dim floats), quantizes them to u8 and scans
    // every item: raw[i] for i < scan_size(). The approximate score of item i is then
    // offset() + step() * raw[i], the dot of the query with item i's reconstruction
    // (codebook centroids) up to the tables' rounding (at most subspaces * step / 2).
    void scan(const float* query, uint16_t* raw);
    // The same in steps, so that two indexes can share one quantization (the hybrid sums
    // two models' tables): prepare() builds the float tables of `scale` * query,
    // lut_range() is their largest per-subspace range, quantize() rounds them to u8 with
    // the given step (at most 255 steps per range), scan_prepared() scans.
    void prepare(const float* query, float scale);
    float lut_range() const;
    void quantize(float step);
    void scan_prepared(uint16_t* raw) const;
    float step() const { return step_; }
    float offset() const { return offset_; }
    const std::vector<float>& lut() const { return lut_; }  // the last query's float tables

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
    std::vector<float> lut_;
    std::vector<uint8_t> lut8_;
    float step_ = 0.0f, offset_ = 0.0f;
};

}  // namespace hearth
