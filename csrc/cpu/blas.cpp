#include "i2dl/blas.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <climits>

namespace i2dl {

// GEMMs smaller than this run on the calling thread: waking a team costs a few microseconds.
constexpr double kParallelFlops = 1 << 20;
constexpr index_t kSplitAlign = 16;  // column / row slices in whole vectors

// OpenBLAS itself stays single-threaded (see threads.cpp); a GEMM called outside our parallel
// regions is split here over OpenMP's threads into slices of C's rows or columns, each thread
// computing its own slice with a single-threaded call.
template <typename T, typename Gemm>
static void split_gemm(bool ta, bool tb, index_t m, index_t n, index_t k, const T* a, index_t lda, const T* b,
                       index_t ldb, T* c, index_t ldc, Gemm&& call) {
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (threads == 1 || 2.0 * m * n * k < kParallelFlops) return call(m, n, a, b, c);
  // Rows when there are enough of them: splitting a weight gradient's columns (256 x 784 from an
  // inner dimension of 64) scaled to 1.1x on 2 threads, its rows to 1.9x.
  const bool by_columns = m < 128 || n >= 4 * m;
  const index_t extent = by_columns ? n : m;
  // at least one aligned slice: a dimension narrower than the thread count is one part, not zero-wide ones
  const index_t slice = std::max(kSplitAlign, (extent / threads + kSplitAlign - 1) / kSplitAlign * kSplitAlign);
  const index_t parts = (extent + slice - 1) / slice;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (index_t part = 0; part < parts; ++part) {
    const index_t lo = part * slice, len = std::min(slice, extent - lo);
    if (by_columns)  // B's columns lo..lo+len and the same columns of C
      call(m, len, a, tb ? b + lo * ldb : b + lo, c + lo);
    else             // A's rows lo..lo+len and the same rows of C
      call(len, n, ta ? a + lo : a + lo * lda, b, c + lo * ldc);
  }
}

static CBLAS_TRANSPOSE op(bool t) { return t ? CblasTrans : CblasNoTrans; }

// scipy-openblas32 takes 32-bit sizes: a dimension or leading dimension beyond INT_MAX would be
// truncated (OpenBLAS rejects it and leaves C unwritten). Such products run as plain loops with
// 64-bit indices instead: slow, but they only occur for arrays of more than 2^31 elements a row.
static bool fits_blas(index_t m, index_t n, index_t k, index_t lda, index_t ldb, index_t ldc) {
  return std::max({m, n, k, lda, ldb, ldc}) <= INT_MAX;
}

template <typename T>
static void loop_gemm(bool ta, bool tb, index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda,
                      const T* b, index_t ldb, T beta, T* c, index_t ldc) {
#pragma omp parallel for collapse(2) schedule(static) if (!omp_in_parallel() && m * n > 1)
  for (index_t i = 0; i < m; ++i)
    for (index_t j = 0; j < n; ++j) {
      T acc = T(0);
      for (index_t p = 0; p < k; ++p) acc += (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
      T& out = c[i * ldc + j];
      out = beta == T(0) ? alpha * acc : alpha * acc + beta * out;  // beta = 0 ignores C, as BLAS does
    }
}

// An empty inner dimension: C = beta * C, spelled out because BLAS may leave C untouched.
template <typename T>
static void scale_only(index_t m, index_t n, T beta, T* c, index_t ldc) {
  for (index_t i = 0; i < m; ++i)
    for (index_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
}

void gemm(bool ta, bool tb, index_t m, index_t n, index_t k, float alpha, const float* a, index_t lda,
          const float* b, index_t ldb, float beta, float* c, index_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) return scale_only(m, n, beta, c, ldc);
  if (!fits_blas(m, n, k, lda, ldb, ldc)) return loop_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  split_gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc,
             [&](index_t mm, index_t nn, const float* aa, const float* bb, float* cc) {
               scipy_cblas_sgemm(CblasRowMajor, op(ta), op(tb), (blasint)mm, (blasint)nn, (blasint)k, alpha, aa,
                                 (blasint)lda, bb, (blasint)ldb, beta, cc, (blasint)ldc);
             });
}

void gemm(bool ta, bool tb, index_t m, index_t n, index_t k, double alpha, const double* a,
          index_t lda, const double* b, index_t ldb, double beta, double* c, index_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) return scale_only(m, n, beta, c, ldc);
  if (!fits_blas(m, n, k, lda, ldb, ldc)) return loop_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  split_gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc,
             [&](index_t mm, index_t nn, const double* aa, const double* bb, double* cc) {
               scipy_cblas_dgemm(CblasRowMajor, op(ta), op(tb), (blasint)mm, (blasint)nn, (blasint)k, alpha, aa,
                                 (blasint)lda, bb, (blasint)ldb, beta, cc, (blasint)ldc);
             });
}

}  // namespace i2dl
