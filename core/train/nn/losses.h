// Next-item losses on the encoder output z (one row per position), scored against the
// item embeddings the input layer also uses (tied output layer: logits = z . item_emb^T).
//
// Each returns the sum of the per-row losses (for reporting) and writes gradients scaled
// by `weight` (1 / positions in the whole batch, so shards add up to the batch mean):
// dz is set, d_item_emb is added to.
#pragma once
#include <cstdint>
#include <vector>

#include "core/train/nn/layers.h"

namespace hearth::train {

// Cross-entropy over every item (Klenitskiy & Vasilev, "Turning Dross Into Gold Loss",
// RecSys 2023). The logits are computed `chunk` rows at a time, so memory stays at
// chunk x items whatever the batch.
template <typename T>
double full_softmax_loss(const Tensor<T>& z, const T* item_emb, uint32_t items,
                         const uint32_t* targets, T weight, Tensor<T>& dz, T* d_item_emb,
                         size_t chunk = 128);

// Sampled softmax with logQ correction (as TensorFlow's sampled_softmax_loss): the
// candidates of a row are its target plus `negatives` (drawn with replacement from q, shared
// by the batch); every candidate's logit is lowered by log q of its item, which makes the
// estimate of the full softmax consistent; a negative equal to the row's target (an
// accidental hit) is left out of that row.
template <typename T>
double sampled_softmax_loss(const Tensor<T>& z, const T* item_emb, uint32_t dim,
                            const uint32_t* targets, const std::vector<uint32_t>& negatives,
                            const std::vector<T>& log_q, T weight, Tensor<T>& dz,
                            T* d_item_emb);

// The SASRec paper's binary cross-entropy: the target against one negative per row.
template <typename T>
double bce_loss(const Tensor<T>& z, const T* item_emb, const uint32_t* targets,
                const uint32_t* negatives, T weight, Tensor<T>& dz, T* d_item_emb);

}  // namespace hearth::train
