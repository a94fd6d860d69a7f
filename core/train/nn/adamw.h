// AdamW (Loshchilov & Hutter 2019): Adam with weight decay applied to the weights
// directly rather than through the gradient, so the decay does not get rescaled by the
// adaptive step. Which tensors decay is the caller's choice (per tensor).
#pragma once
#include <cstdint>
#include <vector>

#include "core/train/nn/layers.h"

namespace hearth::train {

struct AdamWConfig {
    float lr = 1e-3f;
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float eps = 1e-8f;
    float weight_decay = 0.0f;
};

struct AdamWState {
    uint64_t step = 0;
    std::vector<AlignedVector<float>> m, v;  // same shapes as the parameters

    explicit AdamWState(const std::vector<AlignedVector<float>>& params = {}) {
        for (const auto& p : params) {
            m.emplace_back(p.size(), 0.0f);
            v.emplace_back(p.size(), 0.0f);
        }
    }
};

// One step on every tensor; decay[i] says whether tensor i is weight-decayed.
void adamw_step(const AdamWConfig& c, const std::vector<bool>& decay,
                std::vector<AlignedVector<float>>& params,
                const std::vector<AlignedVector<float>>& grads, AdamWState& s);

}  // namespace hearth::train
