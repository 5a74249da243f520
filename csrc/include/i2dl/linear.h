// Fully connected layer as one GEMM: y = x w^T + b, w (out, in) as in PyTorch.
#pragma once
#include "i2dl/common.h"

namespace i2dl {

// x (M, K), w (N, K), b (N) or null -> y (M, N).
template <typename T>
void linear_forward(index_t M, index_t K, index_t N, const T* x, const T* w, const T* b, T* y);
// dx = dy w (M, K); dw = dy^T x (N, K); db = sum over rows of dy (N). dx or db null: skipped.
template <typename T>
void linear_backward(index_t M, index_t K, index_t N, const T* dy, const T* x, const T* w,
                     T* dx, T* dw, T* db);

// Sum over rows, parallel over columns: out[j] = sum_i a[i, j], a (rows, cols) row-major.
template <typename T>
void sum_rows(index_t rows, index_t cols, const T* a, T* out);

}  // namespace i2dl
