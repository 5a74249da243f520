#include "i2dl/linear.h"

#include "i2dl/blas.h"
#include "i2dl/parallel.h"

namespace i2dl {

template <typename T>
void sum_rows(index_t rows, index_t cols, const T* a, T* out) {
  // rows outer, columns inner: contiguous and vectorised; bands of columns split across threads
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelFrom)
  for (index_t j0 = 0; j0 < cols; j0 += 64) {
    const index_t j1 = j0 + 64 < cols ? j0 + 64 : cols;
    for (index_t j = j0; j < j1; ++j) out[j] = T(0);
    for (index_t i = 0; i < rows; ++i) {
      const T* r = a + i * cols;
      for (index_t j = j0; j < j1; ++j) out[j] += r[j];
    }
  }
}

template <typename T>
void linear_forward(index_t M, index_t K, index_t N, const T* x, const T* w, const T* b, T* y) {
  if (b) {
    // y starts as the broadcast bias; the GEMM accumulates onto it (beta = 1)
#pragma omp parallel for schedule(static) if (M * N >= kParallelFrom)
    for (index_t i = 0; i < M; ++i)
      for (index_t j = 0; j < N; ++j) y[i * N + j] = b[j];
  }
  gemm(false, true, M, N, K, T(1), x, K, w, K, b ? T(1) : T(0), y, N);
}

template <typename T>
void linear_backward(index_t M, index_t K, index_t N, const T* dy, const T* x, const T* w, T* dx, T* dw, T* db) {
  if (dx) gemm(false, false, M, K, N, T(1), dy, N, w, K, T(0), dx, K);
  gemm(true, false, N, K, M, T(1), dy, N, x, K, T(0), dw, K);
  if (db) sum_rows(M, N, dy, db);
}

#define I2DL_LINEAR_INSTANTIATE(T)                                                                  \
  template void sum_rows<T>(index_t, index_t, const T*, T*);                                        \
  template void linear_forward<T>(index_t, index_t, index_t, const T*, const T*, const T*, T*);     \
  template void linear_backward<T>(index_t, index_t, index_t, const T*, const T*, const T*, T*, T*, T*);
I2DL_FOR_FLOATS(I2DL_LINEAR_INSTANTIATE)

}  // namespace i2dl
