// The weighted ridge solve at the heart of matrix factorization. ALS training (both
// sides), on-device fold-in of a user and the exact explanations all go through this one
// function, so a user folded in on a device gets exactly the vector training would give.
//
//   A = G + sum_i (w_i - g) f_i f_i^T + reg I        (g = 1 when a Gram matrix G is given)
//   b = sum_i w_i t_i f_i
//   x = A^-1 b
//
// Implicit ALS (Hu, Koren, Volinsky 2008): G = Y^T Y over all items, w_i = confidence
// 1 + alpha * value_i, t_i = 1. Explicit biased MF: no G, w_i = 1, t_i = rating residual,
// and f_i = [q_i; 1] so the last unknown is the user bias.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hearth {

// Rows of features of the fixed side; with append_one, row i is [rows[i*dim..]; 1].
struct FactorRows {
    const float* rows = nullptr;
    uint32_t count = 0;
    uint32_t dim = 0;
    bool append_one = false;
    uint32_t solve_dim() const { return dim + (append_one ? 1u : 0u); }
};

struct RidgeTerm {
    uint32_t index;  // row of FactorRows
    float weight;    // w_i
    float target;    // t_i
};

class RidgeSolver {
public:
    // Solves for x (solve_dim() floats). `gram` is solve_dim() x solve_dim() or null.
    // Keeps the Cholesky factor of A so that apply_inverse can follow.
    void solve(const FactorRows& f, const float* gram, const RidgeTerm* terms, size_t n,
               double reg, float* x);

    // z = A^-1 v for the A of the last solve (v and z have solve_dim() entries).
    void apply_inverse(const double* v, double* z) const;

    // Feature row i as doubles ([row; 1] with append_one) into out.
    static void features(const FactorRows& f, uint32_t i, double* out);

private:
    uint32_t dim_ = 0;
    std::vector<double> a_;  // A, then its lower Cholesky factor, row-major
    std::vector<double> b_, f_, y_;
};

}  // namespace hearth
