#include "i2dl/blas.h"

#include <cblas.h>
#include <omp.h>

#include <dlfcn.h>

#include <algorithm>
#include <climits>
#include <string>

namespace i2dl {

// ------------------------------------------------------------------------------- the GEMM library
// OpenBLAS (linked) by default; MKL when use_mkl() loads it (i2dl/blas.py decides which, at import).
// Both are called single-threaded through the same CBLAS interface (the enum values of
// CBLAS_ORDER/CBLAS_TRANSPOSE are the standard's in both), so the split below is the same for both.
using SgemmFn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*,
                         int);
using DgemmFn = void (*)(int, int, int, int, int, int, double, const double*, int, const double*, int, double,
                         double*, int);

static void openblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda,
                           const float* b, int ldb, float beta, float* c, int ldc) {
  scipy_cblas_sgemm(static_cast<CBLAS_ORDER>(order), static_cast<CBLAS_TRANSPOSE>(ta),
                    static_cast<CBLAS_TRANSPOSE>(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
static void openblas_dgemm(int order, int ta, int tb, int m, int n, int k, double alpha, const double* a, int lda,
                           const double* b, int ldb, double beta, double* c, int ldc) {
  scipy_cblas_dgemm(static_cast<CBLAS_ORDER>(order), static_cast<CBLAS_TRANSPOSE>(ta),
                    static_cast<CBLAS_TRANSPOSE>(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static SgemmFn g_sgemm = openblas_sgemm;
static DgemmFn g_dgemm = openblas_dgemm;
static std::string g_library = "OpenBLAS";

std::string use_mkl(const std::string& path) {
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) return std::string("dlopen failed: ") + dlerror();
  const auto fail = [lib](const char* why) {  // a library not taken is not kept loaded
    dlclose(lib);
    return std::string(why);
  };
  using SetFn = int (*)(int);
  auto threading = reinterpret_cast<SetFn>(dlsym(lib, "MKL_Set_Threading_Layer"));
  auto interface = reinterpret_cast<SetFn>(dlsym(lib, "MKL_Set_Interface_Layer"));
  auto s = reinterpret_cast<SgemmFn>(dlsym(lib, "cblas_sgemm"));
  auto d = reinterpret_cast<DgemmFn>(dlsym(lib, "cblas_dgemm"));
  if (!threading || !interface || !s || !d)
    return fail("not MKL's runtime library (MKL_Set_Threading_Layer, cblas_sgemm missing)");
  // Sequential, as OpenBLAS runs here: the split below owns the threads (MKL's own would be a
  // second pool competing for the cores); LP64: 32-bit sizes, as the calls below pass them.
  constexpr int kSequential = 1, kLp64 = 0;
  if (threading(kSequential) != kSequential) return fail("MKL refused its sequential threading layer");
  if (interface(kLp64) != kLp64) return fail("MKL refused its LP64 interface layer");
  // One product of each type now: MKL loads its CPU's kernel library (libmkl_avx512 and the like,
  // ~100 MB of address space) at its first call, which would otherwise land in the first timed
  // step, or past an address-space limit set after import.
  float fa = 1, fb = 1, fc = 0;
  double da = 1, db = 1, dc = 0;
  s(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1.0f, &fa, 1, &fb, 1, 0.0f, &fc, 1);
  d(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1.0, &da, 1, &db, 1, 0.0, &dc, 1);
  if (fc != 1.0f || dc != 1.0) return fail("MKL's cblas_sgemm/cblas_dgemm gave a wrong 1 x 1 product");
  g_sgemm = s;
  g_dgemm = d;
  using VersionFn = void (*)(char*, int);
  auto version = reinterpret_cast<VersionFn>(dlsym(lib, "MKL_Get_Version_String"));
  char buf[256] = {};
  if (version) version(buf, sizeof(buf) - 1);
  g_library = buf[0] ? std::string(buf) : std::string("MKL");
  return "";
}

void use_openblas() {
  g_sgemm = openblas_sgemm;
  g_dgemm = openblas_dgemm;
  g_library = "OpenBLAS";
}

std::string blas_library() { return g_library; }

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

static int op(bool t) { return t ? CblasTrans : CblasNoTrans; }

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
               g_sgemm(CblasRowMajor, op(ta), op(tb), (blasint)mm, (blasint)nn, (blasint)k, alpha, aa,
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
               g_dgemm(CblasRowMajor, op(ta), op(tb), (blasint)mm, (blasint)nn, (blasint)k, alpha, aa,
                                 (blasint)lda, bb, (blasint)ldb, beta, cc, (blasint)ldc);
             });
}

}  // namespace i2dl
