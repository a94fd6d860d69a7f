#include "core/train/nn/adamw.h"

#include <cmath>

#include "core/train/nn/eigen.h"

namespace hearth::train {

void adamw_step(const AdamWConfig& c, const std::vector<bool>& decay,
                std::vector<AlignedVector<float>>& params,
                const std::vector<AlignedVector<float>>& grads, AdamWState& s) {
    using Array = Eigen::Map<Eigen::ArrayXf>;
    using ConstArray = Eigen::Map<const Eigen::ArrayXf>;
    ++s.step;
    const double t = static_cast<double>(s.step);
    const float bias1 = static_cast<float>(1.0 - std::pow(double(c.beta1), t));
    const float bias2 = static_cast<float>(1.0 - std::pow(double(c.beta2), t));
    const float step_size = c.lr / bias1, root2 = std::sqrt(bias2);
    for (size_t i = 0; i < params.size(); ++i) {
        const Eigen::Index n = idx(params[i].size());
        Array p(params[i].data(), n), m(s.m[i].data(), n), v(s.v[i].data(), n);
        const ConstArray g(grads[i].data(), n);
        if (decay[i] && c.weight_decay > 0.0f) p *= 1.0f - c.lr * c.weight_decay;
        m = c.beta1 * m + (1.0f - c.beta1) * g;
        v = c.beta2 * v + (1.0f - c.beta2) * g.square();
        p -= step_size * m / (v.sqrt() / root2 + c.eps);
    }
}

}  // namespace hearth::train
