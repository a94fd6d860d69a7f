// Eigen for the trainer's .cpp files only (see Tensor in layers.h for why no header that
// code outside hearth_train includes may pull it in). These files are compiled once per
// instruction-set variant (core/train/sasrec/sasrec_isa.h); in each x86-64 copy the
// namespace Eigen is renamed by a macro (e.g. Eigen=Eigen_x86_64_v3), so its symbols cannot
// be mistaken for another copy's either.
//
// GCC 12 warns (-Wmaybe-uninitialized) inside its own AVX-512 intrinsics
// (_mm512_undefined_*, self-initialised on purpose) when Eigen's GEMM kernels inline them
// under -march flags with AVX-512: a known false positive, silenced for Eigen alone.
#pragma once
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Core>
#pragma GCC diagnostic pop

#include "core/train/nn/layers.h"

namespace hearth::train {

template <typename T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using MatrixMap = Eigen::Map<Matrix<T>>;
template <typename T>
using ConstMatrixMap = Eigen::Map<const Matrix<T>>;
template <typename T>
using RowMap = Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>;
template <typename T>
using ConstRowMap = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>;

inline Eigen::Index idx(size_t n) { return static_cast<Eigen::Index>(n); }

// Eigen splits a GEMM's inner dimension into blocks sized from the CPU's cache sizes, which
// it reads at run time (CPUID), and adds the blocks' partial sums: left alone, the bits of a
// product with a long inner dimension (the weight gradients sum over every row of a batch)
// would depend on the L1 size of the machine. The trainer's entry points call this first,
// so a seed gives the same bits on every machine with the same instruction set. The sizes
// are typical ones (32 KiB L1, 512 KiB L2, 8 MiB L3); they only steer the blocking.
inline void fix_eigen_blocking() {
    static const bool fixed = [] {
        Eigen::setCpuCacheSizes(32 * 1024, 512 * 1024, 8 * 1024 * 1024);
        return true;
    }();
    (void)fixed;
}

template <typename T>
MatrixMap<T> mat(Tensor<T>& t) {
    return MatrixMap<T>(t.data(), idx(t.rows), idx(t.cols));
}
template <typename T>
ConstMatrixMap<T> mat(const Tensor<T>& t) {
    return ConstMatrixMap<T>(t.data(), idx(t.rows), idx(t.cols));
}
// A [rows, cols] weight matrix stored row-major at p.
template <typename T>
ConstMatrixMap<T> mat(const T* p, size_t rows, size_t cols) {
    return ConstMatrixMap<T>(p, idx(rows), idx(cols));
}
template <typename T>
MatrixMap<T> mat(T* p, size_t rows, size_t cols) {
    return MatrixMap<T>(p, idx(rows), idx(cols));
}

}  // namespace hearth::train
