#include "i2dl/linear.h"

#include <omp.h>

#include <algorithm>

#include "i2dl/blas.h"
#include "i2dl/gemm_packed.h"
#include "i2dl/parallel.h"
#include "i2dl/workspace.h"

namespace i2dl {
namespace {

// A small batch against a large weight on the register tiles: y^T (N x M) = w (N x K) x^T, the batch
// packed once into panels (pack_panels), w's rows read in place and split over the threads, y^T
// turned back with the bias added; BLAS would pack all of w on every call. Measured on 2 threads
// (forward, tiles against OpenBLAS as gemm() calls it, AMD EPYC): (M, K, N) = (32, 2048, 2048) 1.68
// against 3.03 ms, (64, 1024, 1024) 0.70 / 1.05, (64, 2048, 1024) 1.49 / 2.12, (128, 1024, 4096)
// 5.9 / 6.9, (64, 512, 2048) 0.74 / 0.81; but with w below 2^20 elements BLAS was ahead: (64, 784,
// 256) 0.20 / 0.17, (32, 256, 1024) 0.16 / 0.14. Up to four panels of the batch (each K x 32 floats),
// K up to 2048 (the panels stay in L2).
constexpr index_t kMinTiledWeights = index_t(1) << 20;
constexpr index_t kMaxTiledK = 2048;

template <typename T>
bool small_batch_forward(index_t M, index_t K, index_t N, const T* x, const T* w, const T* b, T* y) {
  const index_t panel = packed_panel<T>();
  if (M == 0 || M % panel != 0 || M > 4 * panel || K > kMaxTiledK || N * K < kMinTiledWeights || omp_in_parallel())
    return false;
  // the calling thread's workspaces, shared by the team below
  T* panels = workspace<T>(Slot::kColumns, packed_size<T>(K, M));
  T* yt = workspace<T>(Slot::kGemmOut, N * M);
#pragma omp parallel
  {
#pragma omp for schedule(static)
    for (index_t j0 = 0; j0 < M; j0 += panel) pack_panels(true, K, panel, x + j0 * K, K, panels + j0 * K);
    // this thread's rows of w, in whole register tiles where it can
    const index_t t = omp_get_thread_num(), n = omp_get_num_threads();
    const index_t slice = ((N + n - 1) / n + 7) / 8 * 8, r0 = std::min(N, t * slice), r1 = std::min(N, r0 + slice);
    if (r1 > r0) gemm_packed(r1 - r0, M, K, w + r0 * K, K, panels, false, yt + r0 * M, M);
#pragma omp barrier
#pragma omp for schedule(static)
    for (index_t i = 0; i < M; ++i)
      for (index_t j = 0; j < N; ++j) y[i * N + j] = yt[j * M + i] + (b ? b[j] : T(0));
  }
  return true;
}

}  // namespace

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
  if (small_batch_forward(M, K, N, x, w, b, y)) return;
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
