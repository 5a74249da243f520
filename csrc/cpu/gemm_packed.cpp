#include "i2dl/gemm_packed.h"

#include <algorithm>
#include <cstring>

#include "i2dl/blas.h"
#include "i2dl/lanes.h"

namespace i2dl {
namespace {

// One tile: rows r < R of A against one panel, C[r][j] (+)= sum_k A[r][k] P[k][j] for the first
// `width` columns (the panel's others are padding). The accumulators stay in registers over all of K.
// The panel's row k starts at p + k * ps: ps = NV lanes for packed panels, B's leading dimension for
// columns of B read in place (gemm_direct).
template <typename T, int R, int NV>
I2DL_INLINE void tile(index_t K, const T* __restrict__ a, index_t lda, const T* __restrict__ p, index_t ps,
                      bool accumulate, T* __restrict__ c, index_t ldc, index_t width) {
  using V = typename Lanes<T>::type;
  constexpr index_t L = lanes<T>(), NR = NV * L;
  V acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = V{};
  for (index_t k = 0; k < K; ++k) {
    V b[NV];
    for (int v = 0; v < NV; ++v) std::memcpy(&b[v], p + k * ps + v * L, sizeof(V));
    for (int r = 0; r < R; ++r) {
      const T ar = a[r * lda + k];
      for (int v = 0; v < NV; ++v) acc[r][v] += ar * b[v];
    }
  }
  for (int r = 0; r < R; ++r) {
    T* cr = c + r * ldc;
    if (width == NR) {
      for (int v = 0; v < NV; ++v) {
        V out = acc[r][v];
        if (accumulate) {
          V old;
          std::memcpy(&old, cr + v * L, sizeof(V));
          out += old;
        }
        std::memcpy(cr + v * L, &out, sizeof(V));
      }
    } else {  // the last panel: only its real columns
      T row[NR];
      std::memcpy(row, acc[r], sizeof(row));
      for (index_t j = 0; j < width; ++j) cr[j] = accumulate ? cr[j] + row[j] : row[j];
    }
  }
}

// The rows left below the last whole tile, 1 <= rows < R.
template <typename T, int R, int NV>
I2DL_INLINE void tail_tile(int rows, index_t K, const T* a, index_t lda, const T* p, index_t ps, bool accumulate,
                           T* c, index_t ldc, index_t width) {
  if constexpr (R > 1) {
    if (rows == R - 1) return tile<T, R - 1, NV>(K, a, lda, p, ps, accumulate, c, ldc, width);
    return tail_tile<T, R - 1, NV>(rows, K, a, lda, p, ps, accumulate, c, ldc, width);
  }
}

// Panel by panel (the panel stays in L1/L2 while every row block of A passes it; measured 205 GFLOP/s
// against 196 with the row blocks outside), row blocks of R inside.
template <typename T, int R, int NV>
I2DL_INLINE void gemm_tiles(index_t m, index_t n, index_t K, const T* a, index_t lda, const T* panels, bool accumulate,
                            T* c, index_t ldc) {
  constexpr index_t NR = NV * lanes<T>();
  for (index_t j0 = 0; j0 < n; j0 += NR) {
    const T* p = panels + j0 * K;
    const index_t width = std::min(NR, n - j0);
    index_t i = 0;
    for (; i + R <= m; i += R) tile<T, R, NV>(K, a + i * lda, lda, p, NR, accumulate, c + i * ldc + j0, ldc, width);
    if (i < m) tail_tile<T, R, NV>(int(m - i), K, a + i * lda, lda, p, NR, accumulate, c + i * ldc + j0, ldc, width);
  }
}

// The whole panels of NV vectors of B read in place: columns j0 < n - n % NR.
template <typename T, int R, int NV>
I2DL_INLINE void direct_tiles(index_t m, index_t n, index_t K, const T* a, index_t lda, const T* b, index_t ldb,
                              T* c, index_t ldc) {
  constexpr index_t NR = NV * lanes<T>();
  for (index_t j0 = 0; j0 + NR <= n; j0 += NR) {
    index_t i = 0;
    for (; i + R <= m; i += R) tile<T, R, NV>(K, a + i * lda, lda, b + j0, ldb, false, c + i * ldc + j0, ldc, NR);
    if (i < m) tail_tile<T, R, NV>(int(m - i), K, a + i * lda, lda, b + j0, ldb, false, c + i * ldc + j0, ldc, NR);
  }
}

// Four vectors a panel (AVX-512): 6 x 4 accumulators and 4 B vectors, 28 of the 32 registers; on
// (64 x 256) . (256 x 256), a 1x1 conv's image, 6 x 4 ran at 185-193 GFLOP/s on 2 threads, 4 x 4 at
// 165-175, 8 x 2 at 145 (AMD EPYC). One vector (AVX2, two of its 16 registers each): as the packed path.
template <typename T>
I2DL_CLONES void gemm_direct_impl(index_t m, index_t n, index_t K, const T* a, index_t lda, const T* b, index_t ldb,
                                  T* c, index_t ldc, int vectors) {
  if (vectors == 2) direct_tiles<T, 6, 4>(m, n, K, a, lda, b, ldb, c, ldc);
  else direct_tiles<T, 6, 1>(m, n, K, a, lda, b, ldb, c, ldc);
}

// Two vectors a panel: 2 R accumulators and the two B vectors, 18 of AVX-512's 32 registers with R = 8.
// One vector (AVX2: two of its 16 registers each): 12 accumulators in 6 rows, 2 for B, one broadcast.
template <typename T>
I2DL_CLONES void gemm_packed_impl(index_t m, index_t n, index_t K, const T* a, index_t lda, const T* panels,
                                  bool accumulate, T* c, index_t ldc, int vectors) {
  if (vectors == 2) gemm_tiles<T, 8, 2>(m, n, K, a, lda, panels, accumulate, c, ldc);
  else gemm_tiles<T, 6, 1>(m, n, K, a, lda, panels, accumulate, c, ldc);
}

}  // namespace

int panel_vectors() {
#if defined(__x86_64__)
  static const int vectors = __builtin_cpu_supports("avx512f") ? 2 : 1;
  return vectors;
#else
  return 1;
#endif
}

template <typename T>
index_t packed_panel(int vectors) {
  return vectors * lanes<T>();
}

template <typename T>
index_t packed_size(index_t K, index_t n, int vectors) {
  const index_t NR = packed_panel<T>(vectors);
  return (n + NR - 1) / NR * NR * K;
}

template <typename T>
void pack_panels(bool trans, index_t K, index_t n, const T* b, index_t ldb, T* panels, int vectors) {
  const index_t NR = packed_panel<T>(vectors);
  for (index_t j0 = 0; j0 < n; j0 += NR) {
    T* p = panels + j0 * K;
    const index_t width = std::min(NR, n - j0);
    if (trans) {  // column j of B is row j0 + j of W: read along it
      for (index_t j = 0; j < width; ++j)
        for (index_t k = 0; k < K; ++k) p[k * NR + j] = b[(j0 + j) * ldb + k];
    } else {
      for (index_t k = 0; k < K; ++k) std::memcpy(p + k * NR, b + k * ldb + j0, sizeof(T) * width);
    }
    for (index_t k = 0; k < K && width < NR; ++k) std::fill(p + k * NR + width, p + (k + 1) * NR, T(0));
  }
}

template <typename T>
void gemm_packed(index_t m, index_t n, index_t K, const T* a, index_t lda, const T* panels, bool accumulate, T* c,
                 index_t ldc, int vectors) {
  if (m <= 0 || n <= 0) return;
  if (K == 0) {  // an empty sum
    if (!accumulate)
      for (index_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, T(0));
    return;
  }
  gemm_packed_impl(m, n, K, a, lda, panels, accumulate, c, ldc, vectors);
}

template <typename T>
index_t direct_panel(int vectors) {
  return (vectors == 2 ? 4 : 1) * lanes<T>();
}

template <typename T>
void gemm_direct(index_t m, index_t n, index_t K, const T* a, index_t lda, const T* b, index_t ldb, T* c, index_t ldc,
                 int vectors) {
  if (m <= 0 || n <= 0) return;
  const index_t NR = direct_panel<T>(vectors), whole = K > 0 ? n / NR * NR : 0;
  if (whole > 0) gemm_direct_impl(m, whole, K, a, lda, b, ldb, c, ldc, vectors);
  // the columns past the last whole panel (and an empty K): a panel read in place would run past B's rows
  if (whole < n) gemm(false, false, m, n - whole, K, T(1), a, lda, b + whole, ldb, T(0), c + whole, ldc);
}

#define I2DL_GEMM_PACKED_INSTANTIATE(T)                                                                          \
  template index_t packed_panel<T>(int);                                                                        \
  template index_t packed_size<T>(index_t, index_t, int);                                                       \
  template void pack_panels<T>(bool, index_t, index_t, const T*, index_t, T*, int);                             \
  template void gemm_packed<T>(index_t, index_t, index_t, const T*, index_t, const T*, bool, T*, index_t, int); \
  template index_t direct_panel<T>(int);                                                                        \
  template void gemm_direct<T>(index_t, index_t, index_t, const T*, index_t, const T*, index_t, T*, index_t, int);
I2DL_FOR_FLOATS(I2DL_GEMM_PACKED_INSTANTIATE)

}  // namespace i2dl
