// New items, with tags but no interactions, placed in a model's embedding space: a ridge
// regression from an item's tags to its embedding, fitted on the items that have
// interactions. Without it such items would get an arbitrary vector (zero for ALS, a
// negatives-only one for SASRec) and could never be recommended for the right reasons.
//
// An item's features are its tags' multi-hot vector scaled to unit length (so an item with
// five tags does not weigh five times one with one tag) and an intercept 1:
//   W = argmin sum_i ||x_i W - v_i||^2 + reg ||W_tags||^2
// solved in closed form from the normal equations. The intercept row is not penalised: an
// item whose tags say little then lands on the mean embedding, not on the origin.
#pragma once
#include <cstdint>
#include <vector>

#include "core/device/bundle/bundle.h"
#include "core/device/sasrec/model.h"
#include "core/train/export/export.h"
#include "core/train/mf/trainer.h"

namespace hearth {

struct ContentModelConfig {
    double reg = 1.0;  // ridge strength on the tag weights
    // Normal equations are (features + 1)^2 doubles: past this many distinct tags only the
    // most frequent are used (the rest are too rare to have learnt much from anyway).
    uint32_t max_tags = 4096;
};

class ContentModel {
public:
    // Fits on the rows `fit_items` of `embeddings` (row-major, `dim` floats per item,
    // indexed like `item_tags`). Throws Error("argument", ...) when there is no item to
    // fit on or a tag index is >= tag_count.
    static ContentModel fit(const std::vector<std::vector<uint32_t>>& item_tags,
                            uint32_t tag_count, const float* embeddings, uint32_t dim,
                            const std::vector<uint32_t>& fit_items,
                            const ContentModelConfig& config = {});

    uint32_t dim() const { return dim_; }
    // The predicted embedding (dim() floats) of an item with these tags. Tags the fit never
    // saw contribute nothing.
    void predict(const std::vector<uint32_t>& tags, float* out) const;

private:
    uint32_t dim_ = 0;
    uint32_t features_ = 0;        // tag columns; the intercept is row `features_`
    std::vector<int32_t> column_;  // tag -> feature column, -1 when not a feature
    std::vector<double> coef_;     // (features_ + 1) x dim_, row-major
};

// The catalog items the content model places, ascending: at least one tag and no training
// events (popularity 0).
std::vector<uint32_t> content_placed_items(const CatalogData& catalog);

// Grow a model trained on the catalog's first model.items() (resp. config.items) items to
// the whole catalog, and set the rows of `placed` to the content model's prediction, fitted
// on the items with training events. MF: factors and, for explicit models, item biases (one
// regression with the bias as an extra output). The implicit Gram matrix stays that of the
// trained items: no one has seen a new item, so it is no negative evidence for anyone, and
// the users' vectors stay exactly what training gave. SASRec: rows of the item embedding.
// Throws Error("argument", ...) when the catalog is smaller than the model or `placed`
// is non-empty and no item has training events.
void place_mf_items(MfModel& model, const CatalogData& catalog,
                    const std::vector<uint32_t>& placed, const ContentModelConfig& config = {});
void place_sasrec_items(SasrecWeights& weights, const CatalogData& catalog,
                        const std::vector<uint32_t>& placed,
                        const ContentModelConfig& config = {});

// The content.items section (u32, placed.size() x 1; FORMAT.md).
void write_content_items(BundleWriter& writer, const std::vector<uint32_t>& placed);

}  // namespace hearth
