// Batch norm and group norm (and through them instance and layer norm), fused: the statistics,
// the normalisation and the running-statistics update in one visit of each channel (batch norm)
// or each (image, group) set (group norm), whose data stays in L2 between the passes, so that
// DRAM sees x read once and y written once; the backward reads dy and x once for both sums
// (sum dy, sum dy (x - mean)) and once more, from cache, for dx.
//
// Threads split channels (batch norm, x with spatial dims), column tiles (batch norm on (N, C)) or
// fixed chunks of sets (group norm); every sum runs in an order fixed by the sizes alone.
#include "i2dl/norm.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "i2dl/lanes.h"
#include "i2dl/parallel.h"

namespace i2dl {
namespace {

constexpr index_t kChunk = 256;           // elements summed in T before the sum moves to double
constexpr index_t kColumns = 64;          // the narrowest tile of batch norm's (N, C) path

// ----------------------------------------------------------------------------- contiguous runs

// The runs' sums keep their accumulators in vector registers (GCC's vector extension, one 64-byte
// vector of T: i2dl/lanes.h).
template <typename T>
using Vec = typename Lanes<T>::type;

// (by reference: a 64-byte vector returned by value would change the ABI of the default clone)
template <typename T>
I2DL_INLINE void load_vec(const T* p, Vec<T>& v) {
  __builtin_memcpy(&v, p, sizeof(v));
}

// The sum of a vector's lanes as a tree of halves (two vector adds, then three scalar ones): a loop
// over the lanes chained 15 dependent scalar adds, ~60 cycles, six times a row of layer norm's
// forward (two sums a chunk of 256) - more than the row's passes over its data. Measured, 2 threads:
// LayerNorm (512, 512) forward 0.245 -> 0.193 ns an element, GroupNorm (32, 256, 16, 16) forward
// 0.24 -> 0.20 ms.
typedef float float8 __attribute__((vector_size(32)));
typedef float float4 __attribute__((vector_size(16)));
typedef double double4 __attribute__((vector_size(32)));
typedef double double2 __attribute__((vector_size(16)));
I2DL_INLINE float hsum(const float_lanes& v) {
  const float8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                   __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  const float4 b = __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
  return (b[0] + b[2]) + (b[1] + b[3]);
}
I2DL_INLINE double hsum(const double_lanes& v) {
  const double4 a = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
  const double2 b = __builtin_shufflevector(a, a, 0, 1) + __builtin_shufflevector(a, a, 2, 3);
  return b[0] + b[1];
}

// The reductions below keep two vector accumulators per sum: one would chain every add through
// the adder's latency (4 cycles a vector), a quarter of what the loads allow.

// sum (x - k) over n elements.
template <typename T>
I2DL_INLINE double sum_shifted_impl(const T* __restrict__ x, index_t n, T k) {
  constexpr index_t L = lanes<T>();
  double s = 0;
  for (index_t i0 = 0; i0 < n; i0 += kChunk) {
    const index_t i1 = std::min(n, i0 + kChunk);
    Vec<T> a0 = {}, a1 = {};
    index_t i = i0;
    for (; i + 2 * L <= i1; i += 2 * L) {
      Vec<T> d0, d1;
      load_vec(x + i, d0);
      load_vec(x + i + L, d1);
      a0 += d0 - k;
      a1 += d1 - k;
    }
    T a = hsum(a0 + a1);
    for (; i < i1; ++i) a += x[i] - k;
    s += a;
  }
  return s;
}

// s1 += sum d, s2 += sum d^2 for d = x - m.
template <typename T>
I2DL_INLINE void sum_centered_impl(const T* __restrict__ x, index_t n, T m, double& s1, double& s2) {
  constexpr index_t L = lanes<T>();
  for (index_t i0 = 0; i0 < n; i0 += kChunk) {
    const index_t i1 = std::min(n, i0 + kChunk);
    Vec<T> a0 = {}, a1 = {}, b0 = {}, b1 = {};
    index_t i = i0;
    for (; i + 2 * L <= i1; i += 2 * L) {
      Vec<T> d0, d1;
      load_vec(x + i, d0);
      load_vec(x + i + L, d1);
      d0 -= m;
      d1 -= m;
      a0 += d0;
      a1 += d1;
      b0 += d0 * d0;
      b1 += d1 * d1;
    }
    T a = hsum(a0 + a1), b = hsum(b0 + b1);
    for (; i < i1; ++i) {
      const T d = x[i] - m;
      a += d;
      b += d * d;
    }
    s1 += a;
    s2 += b;
  }
}

// y = ((x - mh) - ml) a + b: the mean as a sum of two T, mh + ml (its rounding to T alone would
// shift x = 1e4 + N(0, 1) by up to half an ulp of 1e4, 5e-4 of sigma in float32; x - mh is exact).
template <typename T>
I2DL_INLINE void affine_impl(const T* __restrict__ x, index_t n, T mh, T ml, T a, T b, T* __restrict__ y) {
#pragma omp simd
  for (index_t i = 0; i < n; ++i) y[i] = ((x[i] - mh) - ml) * a + b;
}

// sa += sum dy, sb += sum dy (x - m).
template <typename T>
I2DL_INLINE void sum_grad_impl(const T* __restrict__ dy, const T* __restrict__ x, index_t n, T m, double& sa,
                               double& sb) {
  constexpr index_t L = lanes<T>();
  for (index_t i0 = 0; i0 < n; i0 += kChunk) {
    const index_t i1 = std::min(n, i0 + kChunk);
    Vec<T> a0 = {}, a1 = {}, b0 = {}, b1 = {};
    index_t i = i0;
    for (; i + 2 * L <= i1; i += 2 * L) {
      Vec<T> g0, g1, x0, x1;
      load_vec(dy + i, g0);
      load_vec(dy + i + L, g1);
      load_vec(x + i, x0);
      load_vec(x + i + L, x1);
      a0 += g0;
      a1 += g1;
      b0 += g0 * (x0 - m);
      b1 += g1 * (x1 - m);
    }
    T a = hsum(a0 + a1), b = hsum(b0 + b1);
    for (; i < i1; ++i) {
      a += dy[i];
      b += dy[i] * (x[i] - m);
    }
    sa += a;
    sb += b;
  }
}

// dx = k1 ((g dy + k2 (x - m)) + k3): the reference's grouping, so that an inf or NaN lands where
// the formula puts it (k1 = w invstd outside the bracket, as gamma * invstd * (...)).
template <typename T>
I2DL_INLINE void grad_apply_impl(const T* __restrict__ dy, const T* __restrict__ x, index_t n, T m, T k1, T g, T k2,
                                 T k3, T* __restrict__ dx) {
#pragma omp simd
  for (index_t i = 0; i < n; ++i) dx[i] = k1 * ((g * dy[i] + k2 * (x[i] - m)) + k3);
}

// dx = k dy (batch norm in eval: the statistics are constants).
template <typename T>
I2DL_INLINE void scale_impl(const T* __restrict__ dy, index_t n, T k, T* __restrict__ dx) {
#pragma omp simd
  for (index_t i = 0; i < n; ++i) dx[i] = k * dy[i];
}

// ------------------------------------------------- rows of D channels of one element (layer norm)

// y[c] = ((x[c] - mh) - ml) inv w[c] + b[c]  (w, b may be null).
template <typename T>
I2DL_INLINE void affine_row_impl(const T* __restrict__ x, index_t D, T mh, T ml, T inv, const T* __restrict__ w,
                                 const T* __restrict__ b, T* __restrict__ y) {
  if (w && b) {
#pragma omp simd
    for (index_t c = 0; c < D; ++c) y[c] = ((x[c] - mh) - ml) * inv * w[c] + b[c];
  } else if (w) {
#pragma omp simd
    for (index_t c = 0; c < D; ++c) y[c] = ((x[c] - mh) - ml) * inv * w[c];
  } else if (b) {
#pragma omp simd
    for (index_t c = 0; c < D; ++c) y[c] = ((x[c] - mh) - ml) * inv + b[c];
  } else {
#pragma omp simd
    for (index_t c = 0; c < D; ++c) y[c] = ((x[c] - mh) - ml) * inv;
  }
}

// One row's backward sums: pdb[c] += dy, pdw[c] += dy (x - m) inv (the parameter gradients'
// partials, in T over at most kFlushRows rows, then moved to double by the caller), and
// A = sum w dy, B = sum w dy (x - m) over the row.
template <typename T>
I2DL_INLINE void sum_grad_row_impl(const T* __restrict__ dy, const T* __restrict__ x, index_t D, T m, T inv,
                                   const T* __restrict__ w, T* __restrict__ pdw, T* __restrict__ pdb,
                                   double& A, double& B) {
  for (index_t c0 = 0; c0 < D; c0 += kChunk) {
    const index_t c1 = std::min(D, c0 + kChunk);
    T a = 0, b = 0;
    if (w) {
#pragma omp simd reduction(+ : a, b)
      for (index_t c = c0; c < c1; ++c) {
        const T g = dy[c], d = x[c] - m, wg = w[c] * g;
        pdb[c] += g;
        pdw[c] += g * d * inv;
        a += wg;
        b += wg * d;
      }
    } else {  // a loop of its own: with the choice inside, the loop without a weight ran at half speed
#pragma omp simd reduction(+ : a, b)
      for (index_t c = c0; c < c1; ++c) {
        const T g = dy[c], d = x[c] - m;
        pdb[c] += g;
        pdw[c] += g * d * inv;
        a += g;
        b += g * d;
      }
    }
    A += a;
    B += b;
  }
}

// dx[c] = k1 ((w[c] dy[c] + k2 (x[c] - m)) + k3).
template <typename T>
I2DL_INLINE void grad_apply_row_impl(const T* __restrict__ dy, const T* __restrict__ x, index_t D, T m, T k1, T k2,
                                     T k3, const T* __restrict__ w, T* __restrict__ dx) {
  if (w) {
#pragma omp simd
    for (index_t c = 0; c < D; ++c) dx[c] = k1 * ((w[c] * dy[c] + k2 * (x[c] - m)) + k3);
  } else {
    grad_apply_impl(dy, x, D, m, k1, T(1), k2, k3, dx);
  }
}

// ------------------------------------------ column tiles of (N, C) (batch norm 1d), walked row by row

// The column sums keep their partials in T in an array of the tile's width (L1-resident), zeroed
// and moved to double every kChunk rows, and walk the rows in memory order: each row's run of the
// tile is contiguous, so the prefetcher streams it. Four rows go through each loop together, so
// that the per-column operands (shift, partials, coefficients) are loaded once for four rows: with
// one row per loop a vector of output took five loads, and the loop ran at half the speed of a copy.

// s1[j] += sum_n d, s2[j] += sum_n d^2 (want_s2) for d = x[n, j] - k[j], j < w.
template <bool want_s2, typename T>
I2DL_INLINE void col_sums_impl(const T* __restrict__ x, index_t N, index_t C, index_t w, const T* __restrict__ k,
                               T* __restrict__ fa, T* __restrict__ fb, double* __restrict__ s1,
                               double* __restrict__ s2) {
  for (index_t n0 = 0; n0 < N; n0 += kChunk) {
    const index_t n1 = std::min(N, n0 + kChunk);
    std::fill(fa, fa + w, T(0));
    if (want_s2) std::fill(fb, fb + w, T(0));
    index_t n = n0;
    for (; n + 4 <= n1; n += 4) {
      const T *__restrict__ r0 = x + n * C, *__restrict__ r1 = r0 + C, *__restrict__ r2 = r1 + C,
                            *__restrict__ r3 = r2 + C;
#pragma omp simd
      for (index_t j = 0; j < w; ++j) {
        const T d0 = r0[j] - k[j], d1 = r1[j] - k[j], d2 = r2[j] - k[j], d3 = r3[j] - k[j];
        fa[j] += (d0 + d1) + (d2 + d3);
        if (want_s2) fb[j] += (d0 * d0 + d1 * d1) + (d2 * d2 + d3 * d3);
      }
    }
    for (; n < n1; ++n) {
      const T* __restrict__ row = x + n * C;
#pragma omp simd
      for (index_t j = 0; j < w; ++j) {
        const T d = row[j] - k[j];
        fa[j] += d;
        if (want_s2) fb[j] += d * d;
      }
    }
    for (index_t j = 0; j < w; ++j) {
      s1[j] += fa[j];
      if (want_s2) s2[j] += fb[j];
    }
  }
}

template <typename T>
I2DL_INLINE void col_sum_shifted_impl(const T* __restrict__ x, index_t N, index_t C, index_t w,
                                      const T* __restrict__ k, T* __restrict__ fa, double* __restrict__ s) {
  col_sums_impl<false, T>(x, N, C, w, k, fa, nullptr, s, nullptr);
}

template <typename T>
I2DL_INLINE void col_sum_centered_impl(const T* __restrict__ x, index_t N, index_t C, index_t w,
                                       const T* __restrict__ m, T* __restrict__ fa, T* __restrict__ fb,
                                       double* __restrict__ s1, double* __restrict__ s2) {
  col_sums_impl<true>(x, N, C, w, m, fa, fb, s1, s2);
}

// y[n, j] = ((x[n, j] - mh[j]) - ml[j]) a[j] + b[j].
template <typename T>
I2DL_INLINE void col_affine_impl(const T* __restrict__ x, index_t N, index_t C, index_t w, const T* __restrict__ mh,
                                 const T* __restrict__ ml, const T* __restrict__ a, const T* __restrict__ b,
                                 T* __restrict__ y) {
  index_t n = 0;
  for (; n + 4 <= N; n += 4) {
    const T *__restrict__ r0 = x + n * C, *__restrict__ r1 = r0 + C, *__restrict__ r2 = r1 + C,
                          *__restrict__ r3 = r2 + C;
    T *__restrict__ o0 = y + n * C, *__restrict__ o1 = o0 + C, *__restrict__ o2 = o1 + C, *__restrict__ o3 = o2 + C;
#pragma omp simd
    for (index_t j = 0; j < w; ++j) {
      const T m = mh[j], l = ml[j], s = a[j], t = b[j];
      o0[j] = ((r0[j] - m) - l) * s + t;
      o1[j] = ((r1[j] - m) - l) * s + t;
      o2[j] = ((r2[j] - m) - l) * s + t;
      o3[j] = ((r3[j] - m) - l) * s + t;
    }
  }
  for (; n < N; ++n) {
    const T* __restrict__ row = x + n * C;
    T* __restrict__ out = y + n * C;
#pragma omp simd
    for (index_t j = 0; j < w; ++j) out[j] = ((row[j] - mh[j]) - ml[j]) * a[j] + b[j];
  }
}

// sa[j] += sum_n dy, sb[j] += sum_n dy (x - m[j]), j < w.
template <typename T>
I2DL_INLINE void col_sum_grad_impl(const T* __restrict__ dy, const T* __restrict__ x, index_t N, index_t C, index_t w,
                                   const T* __restrict__ m, T* __restrict__ fa, T* __restrict__ fb,
                                   double* __restrict__ sa, double* __restrict__ sb) {
  for (index_t n0 = 0; n0 < N; n0 += kChunk) {
    const index_t n1 = std::min(N, n0 + kChunk);
    std::fill(fa, fa + w, T(0));
    std::fill(fb, fb + w, T(0));
    index_t n = n0;
    for (; n + 4 <= n1; n += 4) {
      const T *__restrict__ g0 = dy + n * C, *__restrict__ g1 = g0 + C, *__restrict__ g2 = g1 + C,
                            *__restrict__ g3 = g2 + C;
      const T *__restrict__ r0 = x + n * C, *__restrict__ r1 = r0 + C, *__restrict__ r2 = r1 + C,
                            *__restrict__ r3 = r2 + C;
#pragma omp simd
      for (index_t j = 0; j < w; ++j) {
        const T mj = m[j];
        fa[j] += (g0[j] + g1[j]) + (g2[j] + g3[j]);
        fb[j] += (g0[j] * (r0[j] - mj) + g1[j] * (r1[j] - mj)) + (g2[j] * (r2[j] - mj) + g3[j] * (r3[j] - mj));
      }
    }
    for (; n < n1; ++n) {
      const T *__restrict__ g = dy + n * C, *__restrict__ row = x + n * C;
#pragma omp simd
      for (index_t j = 0; j < w; ++j) {
        fa[j] += g[j];
        fb[j] += g[j] * (row[j] - m[j]);
      }
    }
    for (index_t j = 0; j < w; ++j) {
      sa[j] += fa[j];
      sb[j] += fb[j];
    }
  }
}

// dx[n, j] = k1[j] ((dy[n, j] + k2[j] (x[n, j] - m[j])) + k3[j]).
template <typename T>
I2DL_INLINE void col_grad_apply_impl(const T* __restrict__ dy, const T* __restrict__ x, index_t N, index_t C,
                                     index_t w, const T* __restrict__ m, const T* __restrict__ k1,
                                     const T* __restrict__ k2, const T* __restrict__ k3, T* __restrict__ dx) {
  index_t n = 0;
  for (; n + 4 <= N; n += 4) {
    const T *__restrict__ g0 = dy + n * C, *__restrict__ g1 = g0 + C, *__restrict__ g2 = g1 + C,
                          *__restrict__ g3 = g2 + C;
    const T *__restrict__ r0 = x + n * C, *__restrict__ r1 = r0 + C, *__restrict__ r2 = r1 + C,
                          *__restrict__ r3 = r2 + C;
    T *__restrict__ o0 = dx + n * C, *__restrict__ o1 = o0 + C, *__restrict__ o2 = o1 + C, *__restrict__ o3 = o2 + C;
#pragma omp simd
    for (index_t j = 0; j < w; ++j) {
      const T mj = m[j], a = k1[j], b = k2[j], c = k3[j];
      o0[j] = a * ((g0[j] + b * (r0[j] - mj)) + c);
      o1[j] = a * ((g1[j] + b * (r1[j] - mj)) + c);
      o2[j] = a * ((g2[j] + b * (r2[j] - mj)) + c);
      o3[j] = a * ((g3[j] + b * (r3[j] - mj)) + c);
    }
  }
  for (; n < N; ++n) {
    const T *__restrict__ g = dy + n * C, *__restrict__ row = x + n * C;
    T* __restrict__ out = dx + n * C;
#pragma omp simd
    for (index_t j = 0; j < w; ++j) out[j] = k1[j] * ((g[j] + k2[j] * (row[j] - m[j])) + k3[j]);
  }
}

// dx = k1 dy (batch norm in eval).
template <typename T>
I2DL_INLINE void col_scale_impl(const T* __restrict__ dy, index_t N, index_t C, index_t w, const T* __restrict__ k1,
                                T* __restrict__ dx) {
  for (index_t n = 0; n < N; ++n) {
    const T* __restrict__ g = dy + n * C;
    T* __restrict__ out = dx + n * C;
#pragma omp simd
    for (index_t j = 0; j < w; ++j) out[j] = k1[j] * g[j];
  }
}

// The per-column statistics and coefficients of the (N, C) forward over a tile's w columns, in
// loops that vectorise: one scalar loop, with a square root and divisions in double per column, took
// longer than the passes over x once C passed a few thousand (16 rows of 16384 columns: 265 us for
// 1 MiB that copies in 23). Training: the mean m0 + s1/N and biased variance s2/N - (s1/N)^2 from the
// centred sums (+-inf or NaN in m0: mean m0, variance NaN), the running statistics updated; eval: the
// running statistics. Then mean = mh + ml, invstd, a = invstd weight, b = bias.
template <typename T>
I2DL_INLINE bool is_finite(T v) { return v - v == T(0); }  // false for +-inf and NaN, vectorises

template <typename T>
I2DL_INLINE void col_coefficients_impl(index_t w, index_t N, bool training, const T* __restrict__ m0,
                                       const double* __restrict__ s1, const double* __restrict__ s2,
                                       T* __restrict__ rm, T* __restrict__ rv, double momentum, double eps,
                                       const T* __restrict__ weight, const T* __restrict__ bias,
                                       T* __restrict__ mean, T* __restrict__ invstd, T* __restrict__ ml,
                                       T* __restrict__ a, T* __restrict__ b, double* __restrict__ var) {
  if (!training) {
#pragma omp simd
    for (index_t j = 0; j < w; ++j) {
      mean[j] = rm[j];
      var[j] = static_cast<double>(rv[j]);
      ml[j] = T(0);
    }
  } else if (N > 0) {
    const double dn = static_cast<double>(N), unbias = N > 1 ? dn / (dn - 1) : std::nan("");
#pragma omp simd
    for (index_t j = 0; j < w; ++j) {
      const double m = static_cast<double>(m0[j]), e1 = s1[j] / dn;
      const bool finite = is_finite(m);
      const double mu = finite ? m + e1 : m, v = finite ? std::max(s2[j] / dn - e1 * e1, 0.0) : std::nan("");
      const T mt = static_cast<T>(mu);
      mean[j] = mt;
      ml[j] = is_finite(mu) ? static_cast<T>(mu - static_cast<double>(mt)) : T(0);
      var[j] = v;
    }
    if (rm) {
#pragma omp simd
      for (index_t j = 0; j < w; ++j) {
        const double m = static_cast<double>(m0[j]), e1 = s1[j] / dn;
        const double mu = is_finite(m) ? m + e1 : m;
        rm[j] = static_cast<T>((1.0 - momentum) * static_cast<double>(rm[j]) + momentum * mu);
        rv[j] = static_cast<T>((1.0 - momentum) * static_cast<double>(rv[j]) + momentum * (var[j] * unbias));
      }
    }
  } else {
    std::fill(mean, mean + w, T(0));
    std::fill(ml, ml + w, T(0));
    std::fill(var, var + w, 0.0);
  }
#pragma omp simd
  for (index_t j = 0; j < w; ++j) {
    const double inv = 1.0 / std::sqrt(var[j] + eps);
    invstd[j] = static_cast<T>(inv);
    a[j] = static_cast<T>(inv * (weight ? static_cast<double>(weight[j]) : 1.0));
    b[j] = bias ? bias[j] : T(0);
  }
}

// The backward's per-column results and coefficients over a tile's w columns (vectorised as above):
// dbias = sa, dweight = sb invstd, and dx = k1 ((dy + k2 (x - mean)) + k3) with k1 = weight invstd,
// k2 = -invstd^2 sb / N, k3 = -sa / N in training (grad_coefficients), k2 = k3 = 0 in eval.
template <typename T>
I2DL_INLINE void col_grad_coefficients_impl(index_t w, index_t N, bool training, const double* __restrict__ sa,
                                            const double* __restrict__ sb, const T* __restrict__ invstd,
                                            const T* __restrict__ weight, T* __restrict__ dweight,
                                            T* __restrict__ dbias, T* __restrict__ k1, T* __restrict__ k2,
                                            T* __restrict__ k3) {
  const double dn = static_cast<double>(N);
  const bool through_stats = training && N > 0;
#pragma omp simd
  for (index_t j = 0; j < w; ++j) {
    const double inv = static_cast<double>(invstd[j]), g = weight ? static_cast<double>(weight[j]) : 1.0;
    dbias[j] = static_cast<T>(sa[j]);
    dweight[j] = static_cast<T>(sb[j] * inv);
    k1[j] = static_cast<T>(g * inv);
    k2[j] = through_stats ? static_cast<T>(-inv * inv * sb[j] / dn) : T(0);
    k3[j] = through_stats ? static_cast<T>(-sa[j] / dn) : T(0);
  }
}

// ----------------------------------------------------------------------------- streaming stores

// Outputs from this size on (half the 32 MiB L3 of the machines measured) are written with
// non-temporal stores: they cannot stay in cache next to their input anyway, and a normal store
// first reads each line it writes (the read-for-ownership), a third more DRAM traffic. Measured,
// 2 threads: BatchNorm2d (64, 64, 32, 32) forward + backward 3.9 -> 2.7 ms; but at 4 MiB the
// GroupNorm (32, 256, 16, 16) forward went from 0.40 to 0.51 ms, its 8 MiB output no longer in L3.
constexpr index_t kStreamBytes = index_t(16) << 20;

I2DL_INLINE void stream_store(float* p, const float* v) { _mm_stream_ps(p, _mm_loadu_ps(v)); }
I2DL_INLINE void stream_store(double* p, const double* v) { _mm_stream_pd(p, _mm_loadu_pd(v)); }

// dst[0, n) = src[0, n), the 16-byte-aligned middle with non-temporal stores.
template <typename T>
void stream_copy(T* dst, const T* src, index_t n) {
  constexpr index_t step = 16 / sizeof(T);
  index_t i = 0;
  for (; i < n && (reinterpret_cast<std::uintptr_t>(dst + i) & 15); ++i) dst[i] = src[i];
  for (; i + step <= n; i += step) stream_store(dst + i, src + i);
  for (; i < n; ++i) dst[i] = src[i];
}

// Per-ISA clones of the loops above, for float and double.
#define I2DL_NORM_LOOPS(T)                                                                                          \
  I2DL_CLONES double sum_shifted(const T* x, index_t n, T k) { return sum_shifted_impl(x, n, k); }                \
  I2DL_CLONES void sum_centered(const T* x, index_t n, T m, double& s1, double& s2) {                           \
    sum_centered_impl(x, n, m, s1, s2);                                                                          \
  }                                                                                                              \
  I2DL_CLONES void affine(const T* x, index_t n, T mh, T ml, T a, T b, T* y) { affine_impl(x, n, mh, ml, a, b, y); } \
  I2DL_CLONES void sum_grad(const T* dy, const T* x, index_t n, T m, double& a, double& b) {                    \
    sum_grad_impl(dy, x, n, m, a, b);                                                                            \
  }                                                                                                              \
  I2DL_CLONES void grad_apply(const T* dy, const T* x, index_t n, T m, T k1, T g, T k2, T k3, T* dx) {         \
    grad_apply_impl(dy, x, n, m, k1, g, k2, k3, dx);                                                             \
  }                                                                                                              \
  I2DL_CLONES void scale(const T* dy, index_t n, T k, T* dx) { scale_impl(dy, n, k, dx); }                      \
  I2DL_CLONES void col_sum_shifted(const T* x, index_t N, index_t C, index_t w, const T* k, T* fa, double* s) {  \
    col_sum_shifted_impl(x, N, C, w, k, fa, s);                                                                  \
  }                                                                                                              \
  I2DL_CLONES void col_sum_centered(const T* x, index_t N, index_t C, index_t w, const T* m, T* fa, T* fb,       \
                                    double* s1, double* s2) {                                                    \
    col_sum_centered_impl(x, N, C, w, m, fa, fb, s1, s2);                                                        \
  }                                                                                                              \
  I2DL_CLONES void col_affine(const T* x, index_t N, index_t C, index_t w, const T* mh, const T* ml, const T* a, \
                              const T* b, T* y) {                                                                \
    col_affine_impl(x, N, C, w, mh, ml, a, b, y);                                                                \
  }                                                                                                              \
  I2DL_CLONES void col_sum_grad(const T* dy, const T* x, index_t N, index_t C, index_t w, const T* m, T* fa,     \
                                T* fb, double* sa, double* sb) {                                                 \
    col_sum_grad_impl(dy, x, N, C, w, m, fa, fb, sa, sb);                                                        \
  }                                                                                                              \
  I2DL_CLONES void col_grad_apply(const T* dy, const T* x, index_t N, index_t C, index_t w, const T* m,          \
                                  const T* k1, const T* k2, const T* k3, T* dx) {                                \
    col_grad_apply_impl(dy, x, N, C, w, m, k1, k2, k3, dx);                                                      \
  }                                                                                                              \
  I2DL_CLONES void col_scale(const T* dy, index_t N, index_t C, index_t w, const T* k1, T* dx) {                 \
    col_scale_impl(dy, N, C, w, k1, dx);                                                                         \
  }                                                                                                              \
  I2DL_CLONES void col_coefficients(index_t w, index_t N, bool training, const T* m0, const double* s1,          \
                                    const double* s2, T* rm, T* rv, double momentum, double eps, const T* weight, \
                                    const T* bias, T* mean, T* invstd, T* ml, T* a, T* b, double* var) {         \
    col_coefficients_impl(w, N, training, m0, s1, s2, rm, rv, momentum, eps, weight, bias, mean, invstd, ml, a, b, \
                          var);                                                                                  \
  }                                                                                                              \
  I2DL_CLONES void col_grad_coefficients(index_t w, index_t N, bool training, const double* sa, const double* sb, \
                                         const T* invstd, const T* weight, T* dweight, T* dbias, T* k1, T* k2,   \
                                         T* k3) {                                                                \
    col_grad_coefficients_impl(w, N, training, sa, sb, invstd, weight, dweight, dbias, k1, k2, k3);              \
  }
I2DL_FOR_FLOATS(I2DL_NORM_LOOPS)
#undef I2DL_NORM_LOOPS

// The same loops writing through an L1-resident buffer and non-temporal stores (`stream`), for
// outputs of kStreamBytes or more; callers end each unit of work with a store fence.
template <typename T>
void affine_out(const T* x, index_t n, T mh, T ml, T a, T b, T* y, bool stream) {
  if (!stream) return affine(x, n, mh, ml, a, b, y);
  alignas(64) T buf[kChunk];
  for (index_t i = 0; i < n; i += kChunk) {
    const index_t len = std::min(kChunk, n - i);
    affine(x + i, len, mh, ml, a, b, buf);
    stream_copy(y + i, buf, len);
  }
}

template <typename T>
void grad_apply_out(const T* dy, const T* x, index_t n, T m, T k1, T g, T k2, T k3, T* dx, bool stream) {
  if (!stream) return grad_apply(dy, x, n, m, k1, g, k2, k3, dx);
  alignas(64) T buf[kChunk];
  for (index_t i = 0; i < n; i += kChunk) {
    const index_t len = std::min(kChunk, n - i);
    grad_apply(dy + i, x + i, len, m, k1, g, k2, k3, buf);
    stream_copy(dx + i, buf, len);
  }
}

template <typename T>
void scale_out(const T* dy, index_t n, T k, T* dx, bool stream) {
  if (!stream) return scale(dy, n, k, dx);
  alignas(64) T buf[kChunk];
  for (index_t i = 0; i < n; i += kChunk) {
    const index_t len = std::min(kChunk, n - i);
    scale(dy + i, len, k, buf);
    stream_copy(dx + i, buf, len);
  }
}

// Asks for the next run of a channel while the current one is summed: a channel of batch norm is N
// runs of S elements, each in another page, where the hardware prefetcher starts cold at every
// run (measured: the first pass read 16 MiB at ~7 GB/s without this).
template <typename T>
I2DL_INLINE void prefetch_run(const T* p, index_t n) {
  const char* b = reinterpret_cast<const char*>(p);
  const index_t bytes = std::min<index_t>(n * index_t(sizeof(T)), 8192);
  for (index_t o = 0; o < bytes; o += 64) __builtin_prefetch(b + o);
}

// Asks, into L2 only, for a run of the channel this thread normalises next, while the current
// channel's passes from cache leave DRAM idle, so that the next channel's first pass reads from L2
// (channels split statically, so a thread's next channel is the one beside it). Measured, 2
// threads, BatchNorm2d (64, 64, 32, 32): forward 1.7 -> 1.35 ms, backward 3.1 -> 1.9 ms.
template <typename T>
I2DL_INLINE void prefetch_run_l2(const T* p, index_t n) {
  const char* b = reinterpret_cast<const char*>(p);
  const index_t bytes = std::min<index_t>(n * index_t(sizeof(T)), 8192);
  for (index_t o = 0; o < bytes; o += 64) __builtin_prefetch(b + o, 0, 2);
}

template <typename T>
bool streams(index_t elements) { return elements * index_t(sizeof(T)) >= kStreamBytes; }

// The (mean, biased variance) of a set from its two passes: the mean m0 = k + sum(x - k)/M, then
// var = E[d^2] - E[d]^2 for d = x - m0 (E[d] ~ rounding of m0: nothing cancels). Empty: (0, 0).
struct Moments {
  double mean, var;
};
inline Moments finish(double m0, double s1, double s2, index_t M) {
  if (M == 0) return {0.0, 0.0};
  if (!std::isfinite(m0)) return {m0, std::nan("")};  // an inf in the set: mean +-inf (or NaN), var NaN
  const double e1 = s1 / M;
  return {m0 + e1, std::max(s2 / M - e1 * e1, 0.0)};
}

// The shift of the first pass: the set's first element, or 0 where that is inf or NaN (so that an
// inf elsewhere still makes the mean inf, as the formula's sum does).
template <typename T>
T shift_of(T first) { return std::isfinite(first) ? first : T(0); }

// The low part of the mean v = hi + lo (0 where v is inf or NaN: hi carries it).
template <typename T>
T low_part(double v, T hi) { return std::isfinite(v) ? static_cast<T>(v - static_cast<double>(hi)) : T(0); }

inline double inv_std(double var, double eps) { return 1.0 / std::sqrt(var + eps); }

template <typename T>
void update_running(T* r, double stat, double momentum) {
  *r = static_cast<T>((1.0 - momentum) * static_cast<double>(*r) + momentum * stat);
}

// ------------------------------------------------------------------------------------------ batch norm

// x (N, C, S) with S > 1: each channel is N runs of S elements.
template <typename T>
void batch_norm_forward_planes(const BatchNormShape& s, const T* x, T* rm, T* rv, const T* weight, const T* bias,
                               bool training, double momentum, double eps, T* y, T* mean, T* invstd) {
  const index_t N = s.N, C = s.C, S = s.S, M = N * S;
  const bool stream = streams<T>(N * C * S);
  if (!training) {
    // Eval: the statistics are known, so x is read once, in memory order (a channel's planes are N
    // pages apart, each a cold start for the prefetcher), and y written with normal stores: y then
    // stays in cache for the next layer, and in order it no longer costs what a non-temporal store
    // saved. Measured, 2 threads, (64, 64, 32, 32): 1.2 -> 0.55-0.6 ms (PyTorch 0.63-0.70 in the same runs).
    std::vector<T> a(C), b(C), mh(C), ml(C);
    for (index_t c = 0; c < C; ++c) {
      const double m = static_cast<double>(rm[c]), inv = inv_std(static_cast<double>(rv[c]), eps);
      mean[c] = static_cast<T>(m);
      invstd[c] = static_cast<T>(inv);
      a[c] = static_cast<T>(inv * (weight ? static_cast<double>(weight[c]) : 1.0));
      b[c] = bias ? bias[c] : T(0);
      mh[c] = mean[c];
      ml[c] = low_part(m, mh[c]);
    }
#pragma omp parallel for schedule(static) if (N * C * S >= kParallelFrom)
    for (index_t q = 0; q < N * C; ++q) {
      const index_t c = q % C;
      affine(x + q * S, S, mh[c], ml[c], a[c], b[c], y + q * S);
    }
    return;
  }
#pragma omp parallel for schedule(static) if (N * C * S >= kParallelFrom)
  for (index_t c = 0; c < C; ++c) {
    Moments mv{0.0, 0.0};
    if (!training) {
      mv = {static_cast<double>(rm[c]), static_cast<double>(rv[c])};
    } else if (M > 0) {
      const T k = shift_of(x[c * S]);
      double s0 = 0;
      for (index_t n = 0; n < N; ++n) {
        if (n + 2 < N) prefetch_run(x + ((n + 2) * C + c) * S, S);
        s0 += sum_shifted(x + (n * C + c) * S, S, k);
      }
      const T m0 = static_cast<T>(k + s0 / M);
      double s1 = 0, s2 = 0;
      for (index_t n = 0; n < N; ++n) {
        if (c + 1 < C) prefetch_run_l2(x + (n * C + c + 1) * S, S);
        sum_centered(x + (n * C + c) * S, S, m0, s1, s2);
      }
      mv = finish(m0, s1, s2, M);
      if (rm) {
        update_running(rm + c, mv.mean, momentum);
        update_running(rv + c, mv.var * M / (M - 1), momentum);
      }
    }
    const double inv = inv_std(mv.var, eps);
    mean[c] = static_cast<T>(mv.mean);
    invstd[c] = static_cast<T>(inv);
    const T a = static_cast<T>(inv * (weight ? static_cast<double>(weight[c]) : 1.0));
    const T b = bias ? bias[c] : T(0);
    const T mh = mean[c], ml = low_part(mv.mean, mh);
    for (index_t n = 0; n < N; ++n) {
      if (!training && n + 2 < N) prefetch_run(x + ((n + 2) * C + c) * S, S);  // eval: this is x's first pass
      affine_out(x + (n * C + c) * S, S, mh, ml, a, b, y + (n * C + c) * S, stream);
    }
    if (stream) _mm_sfence();
  }
}

// Columns per tile of the (N, C) path: one tile per thread where its N rows fill at most 512 KiB (so
// that the passes after the first read from L2), narrower tiles for taller x, never under kColumns
// nor over kMaxTile (the per-column operands of a tile live on the stack: zeroed vectors of C of them
// cost a memset as large as x at C = 16384). A column's sums run down its rows in the same order at
// any tile width.
constexpr index_t kMaxTile = 512;
constexpr index_t kShiftRows = 8;     // rows averaged for the one-pass shift
constexpr double kMaxShift2 = 4.0;    // (mean - shift)^2 / var below which one pass is exact enough
inline index_t column_tile(index_t N, index_t C, index_t elem) {
  const index_t threads = std::max(1, omp_get_max_threads());
  const index_t fit = (index_t(512) << 10) / std::max<index_t>(1, N * elem);
  const index_t w = std::min((C + threads - 1) / threads, std::max(fit, kColumns));
  return std::min(kMaxTile, std::max<index_t>(16, (w + 15) / 16 * 16));
}

// x (N, C): tiles of columns, each read row by row (vectorised across the columns).
template <typename T>
void batch_norm_forward_columns(const BatchNormShape& s, const T* x, T* rm, T* rv, const T* weight, const T* bias,
                                bool training, double momentum, double eps, T* y, T* mean, T* invstd) {
  const index_t N = s.N, C = s.C, tile = column_tile(N, C, sizeof(T)), tiles = (C + tile - 1) / tile;
#pragma omp parallel for schedule(static) if (N * C >= kParallelFrom)
  for (index_t t = 0; t < tiles; ++t) {
    const index_t c0 = t * tile, w = std::min(tile, C - c0);
    // per column: the shift, the first pass's mean, the mean's low part, the affine map, the partials
    // in T, their double sums and the variance
    alignas(64) T k[kMaxTile], m0[kMaxTile], ml[kMaxTile], a[kMaxTile], b[kMaxTile], fa[kMaxTile], fb[kMaxTile];
    alignas(64) double s0[kMaxTile], s1[kMaxTile], s2[kMaxTile], var[kMaxTile];
    if (training && N > 0) {
      // One pass: the sums of x - k and (x - k)^2 about k, the mean of the first rows. Where that
      // shift lies within 2 sigma of the mean for every column, var = E[(x-k)^2] - E[x-k]^2 cancels at
      // most a factor 5; elsewhere (outliers in the first rows, inf or NaN) the two passes below, a
      // shifted mean and then centred sums. Measured, (256, 1024) forward, 1 thread: 71 -> 64 us.
      const index_t head = std::min<index_t>(N, kShiftRows);
      for (index_t j = 0; j < w; ++j) s0[j] = 0.0;
      for (index_t n = 0; n < head; ++n)
        for (index_t j = 0; j < w; ++j) s0[j] += static_cast<double>(x[n * C + c0 + j]);
      for (index_t j = 0; j < w; ++j) k[j] = shift_of(static_cast<T>(s0[j] / head));
      std::fill(s1, s1 + w, 0.0);
      std::fill(s2, s2 + w, 0.0);
      col_sum_centered(x + c0, N, C, w, k, fa, fb, s1, s2);
      bool near = true;
      for (index_t j = 0; j < w; ++j) {
        const double e1 = s1[j] / N, v = s2[j] / N - e1 * e1;
        near &= e1 * e1 <= kMaxShift2 * v;  // false for inf and NaN
      }
      if (near) {
        std::copy(k, k + w, m0);
      } else {
        std::fill(s0, s0 + w, 0.0);
        std::fill(s1, s1 + w, 0.0);
        std::fill(s2, s2 + w, 0.0);
        for (index_t j = 0; j < w; ++j) k[j] = shift_of(x[c0 + j]);
        col_sum_shifted(x + c0, N, C, w, k, fa, s0);
        for (index_t j = 0; j < w; ++j) m0[j] = static_cast<T>(k[j] + s0[j] / N);
        col_sum_centered(x + c0, N, C, w, m0, fa, fb, s1, s2);
      }
    }
    col_coefficients(w, N, training, m0, s1, s2, rm ? rm + c0 : nullptr, rv ? rv + c0 : nullptr, momentum, eps,
                     weight ? weight + c0 : nullptr, bias ? bias + c0 : nullptr, mean + c0, invstd + c0, ml, a, b,
                     var);
    col_affine(x + c0, N, C, w, mean + c0, ml, a, b, y + c0);
  }
}

// The coefficients of dx = k1 ((g dy + k2 (x - mean)) + k3) for one channel (or set) of M elements,
// from sa = sum g dy and sb = sum g dy (x - mean): k1 = (the outer factor) inv, k2 = -inv^2 sb / M,
// k3 = -sa / M, i.e. inv (g dy - mean(g dy) - x_hat mean(g dy x_hat)).
struct GradCoefficients {
  double k1, k2, k3;
};
inline GradCoefficients grad_coefficients(double outer, double inv, double sa, double sb, index_t M) {
  if (M == 0) return {outer * inv, 0.0, 0.0};
  return {outer * inv, -inv * inv * sb / M, -sa / M};
}

template <typename T>
void batch_norm_backward_planes(const BatchNormShape& s, const T* dy, const T* x, const T* mean, const T* invstd,
                                const T* weight, bool training, T* dx, T* dweight, T* dbias) {
  const index_t N = s.N, C = s.C, S = s.S, M = N * S;
  const bool stream = streams<T>(N * C * S);
  // Channels in the reverse order of the forward's: when the backward follows its forward, the
  // forward's last channels of x are still in cache (as autograd runs the layers in reverse).
#pragma omp parallel for schedule(static) if (N * C * S >= kParallelFrom)
  for (index_t rc = 0; rc < C; ++rc) {
    const index_t c = C - 1 - rc;
    double sa = 0, sb = 0;
    for (index_t n = 0; n < N; ++n) {
      if (n + 2 < N) {
        prefetch_run(dy + ((n + 2) * C + c) * S, S);
        prefetch_run(x + ((n + 2) * C + c) * S, S);
      }
      sum_grad(dy + (n * C + c) * S, x + (n * C + c) * S, S, mean[c], sa, sb);
    }
    const double inv = invstd[c], w = weight ? static_cast<double>(weight[c]) : 1.0;
    dbias[c] = static_cast<T>(sa);
    dweight[c] = static_cast<T>(sb * inv);
    const GradCoefficients k = grad_coefficients(w, inv, sa, sb, M);
    for (index_t n = 0; n < N; ++n) {
      const index_t at = (n * C + c) * S;
      if (c > 0) {
        prefetch_run_l2(dy + at - S, S);
        prefetch_run_l2(x + at - S, S);
      }
      if (training)
        grad_apply_out(dy + at, x + at, S, mean[c], static_cast<T>(k.k1), T(1), static_cast<T>(k.k2),
                       static_cast<T>(k.k3), dx + at, stream);
      else
        scale_out(dy + at, S, static_cast<T>(k.k1), dx + at, stream);
    }
    if (stream) _mm_sfence();
  }
}

template <typename T>
void batch_norm_backward_columns(const BatchNormShape& s, const T* dy, const T* x, const T* mean, const T* invstd,
                                 const T* weight, bool training, T* dx, T* dweight, T* dbias) {
  const index_t N = s.N, C = s.C, tile = column_tile(N, C, sizeof(T)), tiles = (C + tile - 1) / tile;
#pragma omp parallel for schedule(static) if (N * C >= kParallelFrom)
  for (index_t t = 0; t < tiles; ++t) {
    const index_t c0 = t * tile, w = std::min(tile, C - c0);
    alignas(64) T k1[kMaxTile], k2[kMaxTile], k3[kMaxTile], fa[kMaxTile], fb[kMaxTile];
    alignas(64) double sa[kMaxTile], sb[kMaxTile];
    std::fill(sa, sa + w, 0.0);
    std::fill(sb, sb + w, 0.0);
    col_sum_grad(dy + c0, x + c0, N, C, w, mean + c0, fa, fb, sa, sb);
    col_grad_coefficients(w, N, training, sa, sb, invstd + c0, weight ? weight + c0 : nullptr, dweight + c0,
                          dbias + c0, k1, k2, k3);
    if (training)
      col_grad_apply(dy + c0, x + c0, N, C, w, mean + c0, k1, k2, k3, dx + c0);
    else
      col_scale(dy + c0, N, C, w, k1, dx + c0);
  }
}

// ------------------------------------------------------------------------------------------ group norm

// Sets per chunk of the backward: enough elements to amortise a chunk's partial sums, and at most
// kMaxChunks chunks, so that the partials (kMaxChunks x 2C doubles) stay small.
constexpr index_t kMaxChunks = 128;
inline index_t sets_per_chunk(index_t sets, index_t set_size) {
  const index_t by_size = std::max<index_t>(1, (index_t(1) << 16) / std::max<index_t>(set_size, 1));
  return std::max(by_size, (sets + kMaxChunks - 1) / kMaxChunks);
}

constexpr index_t kFlushRows = 64;


// ---------------------------------------------- batch norm with small planes (1 < S < kRowsBelow)

// Below this plane size a channel's N runs are too short for a call each (4096 runs of 16 elements
// took 116 us for a (64, 64, 4, 4) forward, 8x the time of its data): the rows path walks whole
// images (C runs of S, contiguous) with per-chunk partial sums of every channel instead.
constexpr index_t kRowsBelow = 128;

// Images per chunk: the partial sums of a chunk cover ~32K elements, and there are at most 256 chunks.
inline index_t images_per_chunk(index_t N, index_t image) {
  return std::max(std::max<index_t>(1, (index_t(1) << 15) / std::max<index_t>(image, 1)), (N + 255) / 256);
}

// Runs of whole vectors (S a multiple of the lane count, as the 4x4 and 8x8 planes of the digits
// CNN) keep one vector accumulator per channel across images, for kRowsBlock channels at a time,
// and take the sum of its lanes once every kChunk / S images: summing each run's lanes apart cost
// two lane sums (~20 cycles each) per 16-element run, more than the run's loads.
constexpr index_t kRowsBlock = 32;

// The vector-accumulator walk of the two sums below: run(at, c, a, b) adds the run of channel c that
// starts at element `at` into the vectors a and b; out_a[c] (and out_b[c] when not null) receive
// their lane sums.
template <typename T, typename Run>
I2DL_INLINE void rows_lane_sums(index_t n0, index_t n1, index_t C, index_t S, Run&& run, double* __restrict__ out_a,
                                double* __restrict__ out_b) {
  const index_t flush = std::max<index_t>(1, kChunk / S);
  Vec<T> a[kRowsBlock], b[kRowsBlock];
  for (index_t c0 = 0; c0 < C; c0 += kRowsBlock) {
    const index_t cb = std::min(kRowsBlock, C - c0);
    for (index_t f0 = n0; f0 < n1; f0 += flush) {
      const index_t f1 = std::min(n1, f0 + flush);
      for (index_t j = 0; j < cb; ++j) a[j] = b[j] = Vec<T>{};
      for (index_t n = f0; n < f1; ++n)
        for (index_t j = 0; j < cb; ++j) run((n * C + c0 + j) * S, c0 + j, a[j], b[j]);
      for (index_t j = 0; j < cb; ++j) {
        out_a[c0 + j] += hsum(a[j]);
        if (out_b) out_b[c0 + j] += hsum(b[j]);
      }
    }
  }
}

// out[c] += sum over images [n0, n1) of (x - k[c]) (and out2[c] += its squares when out2).
template <typename T>
I2DL_INLINE void rows_sums_impl(const T* __restrict__ x, index_t n0, index_t n1, index_t C, index_t S,
                                const T* __restrict__ k, double* __restrict__ out, double* __restrict__ out2) {
  constexpr index_t L = lanes<T>();
  if (S % L == 0) {
    const bool squares = out2 != nullptr;
    rows_lane_sums<T>(n0, n1, C, S, [&](index_t at, index_t c, Vec<T>& a, Vec<T>& b) {
      const T kc = k[c];
      Vec<T> aj = a, bj = b;
      for (index_t i = 0; i < S; i += L) {
        Vec<T> d;
        load_vec(x + at + i, d);
        d -= kc;
        aj += d;
        if (squares) bj += d * d;
      }
      a = aj;
      b = bj;
    }, out, out2);
    return;
  }
  for (index_t n = n0; n < n1; ++n)
    for (index_t c = 0; c < C; ++c) {
      const T* p = x + (n * C + c) * S;
      const T kc = k[c];
      T a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
      for (index_t i = 0; i < S; ++i) {
        const T d = p[i] - kc;
        a += d;
        b += d * d;
      }
      out[c] += a;
      if (out2) out2[c] += b;
    }
}

// sa[c] += sum dy, sb[c] += sum dy (x - m[c]) over images [n0, n1).
template <typename T>
I2DL_INLINE void rows_grad_sums_impl(const T* __restrict__ dy, const T* __restrict__ x, index_t n0, index_t n1,
                                     index_t C, index_t S, const T* __restrict__ m, double* __restrict__ sa,
                                     double* __restrict__ sb) {
  constexpr index_t L = lanes<T>();
  if (S % L == 0) {
    rows_lane_sums<T>(n0, n1, C, S, [&](index_t at, index_t c, Vec<T>& a, Vec<T>& b) {
      const T mc = m[c];
      Vec<T> aj = a, bj = b;
      for (index_t i = 0; i < S; i += L) {
        Vec<T> g, v;
        load_vec(dy + at + i, g);
        load_vec(x + at + i, v);
        aj += g;
        bj += g * (v - mc);
      }
      a = aj;
      b = bj;
    }, sa, sb);
    return;
  }
  for (index_t n = n0; n < n1; ++n)
    for (index_t c = 0; c < C; ++c) {
      const T *g = dy + (n * C + c) * S, *p = x + (n * C + c) * S;
      const T mc = m[c];
      T a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
      for (index_t i = 0; i < S; ++i) {
        a += g[i];
        b += g[i] * (p[i] - mc);
      }
      sa[c] += a;
      sb[c] += b;
    }
}

// y = ((x - mh[c]) - ml[c]) a[c] + b[c] over images [n0, n1).
template <typename T>
I2DL_INLINE void rows_affine_impl(const T* __restrict__ x, index_t n0, index_t n1, index_t C, index_t S,
                                  const T* __restrict__ mh, const T* __restrict__ ml, const T* __restrict__ a,
                                  const T* __restrict__ b, T* __restrict__ y) {
  for (index_t n = n0; n < n1; ++n)
    for (index_t c = 0; c < C; ++c) {
      const index_t at = (n * C + c) * S;
      const T h = mh[c], l = ml[c], ac = a[c], bc = b[c];
#pragma omp simd
      for (index_t i = 0; i < S; ++i) y[at + i] = ((x[at + i] - h) - l) * ac + bc;
    }
}

// dx = k1[c] ((dy + k2[c] (x - m[c])) + k3[c]) over images [n0, n1).
template <typename T>
I2DL_INLINE void rows_grad_apply_impl(const T* __restrict__ dy, const T* __restrict__ x, index_t n0, index_t n1,
                                      index_t C, index_t S, const T* __restrict__ m, const T* __restrict__ k1,
                                      const T* __restrict__ k2, const T* __restrict__ k3, T* __restrict__ dx) {
  for (index_t n = n0; n < n1; ++n)
    for (index_t c = 0; c < C; ++c) {
      const index_t at = (n * C + c) * S;
      const T mc = m[c], a = k1[c], b = k2[c], d = k3[c];
#pragma omp simd
      for (index_t i = 0; i < S; ++i) dx[at + i] = a * ((dy[at + i] + b * (x[at + i] - mc)) + d);
    }
}

#define I2DL_ROWS_LOOPS(T)                                                                                          \
  I2DL_CLONES void rows_sums(const T* x, index_t n0, index_t n1, index_t C, index_t S, const T* k, double* out,     \
                             double* out2) {                                                                       \
    rows_sums_impl(x, n0, n1, C, S, k, out, out2);                                                                 \
  }                                                                                                                \
  I2DL_CLONES void rows_grad_sums(const T* dy, const T* x, index_t n0, index_t n1, index_t C, index_t S, const T* m, \
                                  double* sa, double* sb) {                                                        \
    rows_grad_sums_impl(dy, x, n0, n1, C, S, m, sa, sb);                                                           \
  }                                                                                                                \
  I2DL_CLONES void rows_affine(const T* x, index_t n0, index_t n1, index_t C, index_t S, const T* mh, const T* ml, \
                               const T* a, const T* b, T* y) {                                                     \
    rows_affine_impl(x, n0, n1, C, S, mh, ml, a, b, y);                                                            \
  }                                                                                                                \
  I2DL_CLONES void rows_grad_apply(const T* dy, const T* x, index_t n0, index_t n1, index_t C, index_t S,          \
                                   const T* m, const T* k1, const T* k2, const T* k3, T* dx) {                     \
    rows_grad_apply_impl(dy, x, n0, n1, C, S, m, k1, k2, k3, dx);                                                  \
  }
I2DL_FOR_FLOATS(I2DL_ROWS_LOOPS)
#undef I2DL_ROWS_LOOPS

// The chunks' partials (chunks x width, in chunk order) summed into out[width]: the same order at
// any thread count.
inline void sum_chunks(const std::vector<double>& part, index_t chunks, index_t width, double* out) {
  for (index_t c = 0; c < width; ++c) {
    double v = 0;
    for (index_t k = 0; k < chunks; ++k) v += part[k * width + c];
    out[c] = v;
  }
}

template <typename T>
void batch_norm_forward_rows(const BatchNormShape& s, const T* x, T* rm, T* rv, const T* weight, const T* bias,
                             bool training, double momentum, double eps, T* y, T* mean, T* invstd) {
  const index_t N = s.N, C = s.C, S = s.S, M = N * S, per = images_per_chunk(N, C * S);
  const index_t chunks = (N + per - 1) / per;
  const bool parallel = N * C * S >= kParallelFrom;
  std::vector<T> mh(C), ml(C), a(C), b(C);
  std::vector<double> mu(C, 0.0), var(C, 0.0);
  if (training && M > 0) {
    std::vector<T> k(C);
    for (index_t c = 0; c < C; ++c) k[c] = shift_of(x[c * S]);
    std::vector<double> part(chunks * 2 * C, 0.0), s1(C), s2(C);
#pragma omp parallel for schedule(static) if (parallel)
    for (index_t q = 0; q < chunks; ++q)
      rows_sums(x, q * per, std::min(N, (q + 1) * per), C, S, k.data(), part.data() + q * C, nullptr);
    sum_chunks(part, chunks, C, s1.data());
    for (index_t c = 0; c < C; ++c) mh[c] = static_cast<T>(k[c] + s1[c] / M);  // the first pass's mean
    std::fill(part.begin(), part.end(), 0.0);
#pragma omp parallel for schedule(static) if (parallel)
    for (index_t q = 0; q < chunks; ++q)
      rows_sums(x, q * per, std::min(N, (q + 1) * per), C, S, mh.data(), part.data() + q * 2 * C,
                part.data() + q * 2 * C + C);
    for (index_t c = 0; c < C; ++c) {
      double t1 = 0, t2 = 0;
      for (index_t q = 0; q < chunks; ++q) {
        t1 += part[q * 2 * C + c];
        t2 += part[q * 2 * C + C + c];
      }
      const Moments mv = finish(mh[c], t1, t2, M);
      mu[c] = mv.mean;
      var[c] = mv.var;
      if (rm) {
        update_running(rm + c, mv.mean, momentum);
        update_running(rv + c, mv.var * M / (M - 1), momentum);
      }
    }
  } else if (!training) {
    for (index_t c = 0; c < C; ++c) {
      mu[c] = rm[c];
      var[c] = rv[c];
    }
  }
  for (index_t c = 0; c < C; ++c) {
    const double inv = inv_std(var[c], eps);
    mean[c] = mh[c] = static_cast<T>(mu[c]);
    ml[c] = low_part(mu[c], mh[c]);
    invstd[c] = static_cast<T>(inv);
    a[c] = static_cast<T>(inv * (weight ? static_cast<double>(weight[c]) : 1.0));
    b[c] = bias ? bias[c] : T(0);
  }
#pragma omp parallel for schedule(static) if (parallel)
  for (index_t q = 0; q < chunks; ++q)
    rows_affine(x, q * per, std::min(N, (q + 1) * per), C, S, mh.data(), ml.data(), a.data(), b.data(), y);
}

template <typename T>
void batch_norm_backward_rows(const BatchNormShape& s, const T* dy, const T* x, const T* mean, const T* invstd,
                              const T* weight, bool training, T* dx, T* dweight, T* dbias) {
  const index_t N = s.N, C = s.C, S = s.S, M = N * S, per = images_per_chunk(N, C * S);
  const index_t chunks = (N + per - 1) / per;
  const bool parallel = N * C * S >= kParallelFrom;
  std::vector<double> part(chunks * 2 * C, 0.0);
#pragma omp parallel for schedule(static) if (parallel)
  for (index_t q = 0; q < chunks; ++q)
    rows_grad_sums(dy, x, q * per, std::min(N, (q + 1) * per), C, S, mean, part.data() + q * 2 * C,
                   part.data() + q * 2 * C + C);
  std::vector<T> k1(C), k2(C), k3(C);
  for (index_t c = 0; c < C; ++c) {
    double sa = 0, sb = 0;
    for (index_t q = 0; q < chunks; ++q) {
      sa += part[q * 2 * C + c];
      sb += part[q * 2 * C + C + c];
    }
    const double inv = invstd[c], w = weight ? static_cast<double>(weight[c]) : 1.0;
    dbias[c] = static_cast<T>(sa);
    dweight[c] = static_cast<T>(sb * inv);
    const GradCoefficients k = grad_coefficients(w, inv, sa, sb, M);
    k1[c] = static_cast<T>(k.k1);
    k2[c] = static_cast<T>(training ? k.k2 : 0.0);
    k3[c] = static_cast<T>(training ? k.k3 : 0.0);
  }
  if (!training) {  // dx = w invstd dy: x takes no part (an inf in x must not reach dx)
    for (index_t n = 0; n < N; ++n)
      for (index_t c = 0; c < C; ++c) scale(dy + (n * C + c) * S, S, k1[c], dx + (n * C + c) * S);
    return;
  }
#pragma omp parallel for schedule(static) if (parallel)
  for (index_t q = 0; q < chunks; ++q)
    rows_grad_apply(dy, x, q * per, std::min(N, (q + 1) * per), C, S, mean, k1.data(), k2.data(), k3.data(), dx);
}

// One set's statistics as the forward stores and uses them: the two-pass moments of m contiguous
// elements, 1/sqrt(var + eps), and the mean as hi + lo in T (see affine_impl).
template <typename T>
struct SetStats {
  Moments mv;
  double inv;
  T mu, ml;
};

template <typename T>
I2DL_INLINE SetStats<T> set_stats_impl(const T* __restrict__ xs, index_t m, double eps) {
  Moments mv{0.0, 0.0};
  if (m > 0) {
    const T k = std::isfinite(xs[0]) ? xs[0] : T(0);
    const T m0 = static_cast<T>(k + sum_shifted_impl(xs, m, k) / m);
    double s1 = 0, s2 = 0;
    sum_centered_impl(xs, m, m0, s1, s2);
    mv = finish(m0, s1, s2, m);
  }
  const T mu = static_cast<T>(mv.mean);
  const T ml = std::isfinite(mv.mean) ? static_cast<T>(mv.mean - static_cast<double>(mu)) : T(0);
  return {mv, 1.0 / std::sqrt(mv.var + eps), mu, ml};
}

// ------------------------------------------- group norm with planes (S > 1): ranges of sets

// y over one channel's run, through the non-temporal path when `stream`.
template <typename T>
I2DL_INLINE void affine_run(const T* x, index_t n, T mh, T ml, T a, T b, T* y, bool stream) {
  if (!stream) return affine_impl(x, n, mh, ml, a, b, y);
  alignas(64) T buf[kChunk];
  for (index_t i = 0; i < n; i += kChunk) {
    const index_t len = std::min(kChunk, n - i);
    affine_impl(x + i, len, mh, ml, a, b, buf);
    stream_copy(y + i, buf, len);
  }
}

template <typename T>
I2DL_INLINE void grad_apply_run(const T* dy, const T* x, index_t n, T m, T k1, T g, T k2, T k3, T* dx, bool stream) {
  if (!stream) return grad_apply_impl(dy, x, n, m, k1, g, k2, k3, dx);
  alignas(64) T buf[kChunk];
  for (index_t i = 0; i < n; i += kChunk) {
    const index_t len = std::min(kChunk, n - i);
    grad_apply_impl(dy + i, x + i, len, m, k1, g, k2, k3, buf);
    stream_copy(dx + i, buf, len);
  }
}

// The forward of the sets [i0, i1), each Cg channels of S elements: both passes of the moments
// and y per channel, inlined into one call per range (a call per pass and channel cost ~10 ns
// each, 16K of them in a (32, 256, 16, 16) forward and backward).
template <typename T>
I2DL_INLINE void sets_forward_impl(const T* __restrict__ x, index_t i0, index_t i1, index_t Cg, index_t S, index_t G,
                                   const T* __restrict__ w, const T* __restrict__ b, double eps, T* __restrict__ y,
                                   T* __restrict__ mean, T* __restrict__ invstd, double* __restrict__ stats,
                                   bool stream) {
  const index_t m = Cg * S;
  for (index_t i = i0; i < i1; ++i) {
    const T* xs = x + i * m;
    const SetStats<T> st = set_stats_impl(xs, m, eps);
    const Moments mv = st.mv;
    const double inv = st.inv;
    const T mu = st.mu, ml = st.ml;
    mean[i] = mu;
    invstd[i] = static_cast<T>(inv);
    if (stats) {
      stats[2 * i] = mv.mean;
      stats[2 * i + 1] = m > 1 ? mv.var * m / (m - 1) : 0.0;
    }
    const index_t c0 = (i % G) * Cg;
    if (i + 1 < i1) prefetch_run_l2(xs + m, m);
    for (index_t j = 0; j < Cg; ++j) {
      const index_t c = c0 + j;
      const T a = static_cast<T>(inv * (w ? static_cast<double>(w[c]) : 1.0));
      affine_run(xs + j * S, S, mu, ml, a, b ? b[c] : T(0), y + i * m + j * S, stream);
    }
    if (stream) _mm_sfence();
  }
}

// The backward of the sets [i0, i1): per channel sum dy and sum dy (x - mean) (the parameter
// partials pdw, pdb in double), the set's A = sum w dy, B = sum w dy (x - mean), then
// dx = inv ((w dy - A/m) - inv^2 B/m (x - mean)).
template <typename T>
I2DL_INLINE void sets_backward_impl(const T* __restrict__ dy, const T* __restrict__ x, index_t i0, index_t i1,
                                    index_t Cg, index_t S, index_t G, const T* __restrict__ mean,
                                    const T* __restrict__ invstd, const T* __restrict__ weight,
                                    double* __restrict__ pdw, double* __restrict__ pdb, T* __restrict__ dx,
                                    bool stream) {
  const index_t m = Cg * S;
  for (index_t i = i0; i < i1; ++i) {
    const T *dys = dy + i * m, *xs = x + i * m;
    const index_t c0 = (i % G) * Cg;
    const T mu = mean[i];
    const double inv = invstd[i];
    double A = 0, B = 0;
    for (index_t j = 0; j < Cg; ++j) {
      double sa = 0, sb = 0;
      sum_grad_impl(dys + j * S, xs + j * S, S, mu, sa, sb);
      const double w = weight ? static_cast<double>(weight[c0 + j]) : 1.0;
      pdb[c0 + j] += sa;
      pdw[c0 + j] += sb * inv;
      if (std::isfinite(w)) {
        A += w * sa;
        B += w * sb;
      } else {  // inf * sum dy is not sum (inf * dy) when dy changes sign: the formula's products
        for (index_t e = 0; e < S; ++e) {
          const T g = static_cast<T>(w) * dys[j * S + e];
          A += g;
          B += g * (xs[j * S + e] - mu);
        }
      }
    }
    const GradCoefficients k = grad_coefficients(1.0, inv, A, B, m);
    if (i + 1 < i1) {
      prefetch_run_l2(dys + m, m);
      prefetch_run_l2(xs + m, m);
    }
    for (index_t j = 0; j < Cg; ++j) {
      const T w = weight ? weight[c0 + j] : T(1);
      grad_apply_run(dys + j * S, xs + j * S, S, mu, static_cast<T>(k.k1), w, static_cast<T>(k.k2),
                     static_cast<T>(k.k3), dx + i * m + j * S, stream);
    }
    if (stream) _mm_sfence();
  }
}

#define I2DL_SET_RANGES(T)                                                                                          \
  I2DL_CLONES void sets_forward(const T* x, index_t i0, index_t i1, index_t Cg, index_t S, index_t G, const T* w,   \
                                const T* b, double eps, T* y, T* mean, T* invstd, double* stats, bool stream) {     \
    sets_forward_impl(x, i0, i1, Cg, S, G, w, b, eps, y, mean, invstd, stats, stream);                             \
  }                                                                                                                \
  I2DL_CLONES void sets_backward(const T* dy, const T* x, index_t i0, index_t i1, index_t Cg, index_t S, index_t G, \
                                 const T* mean, const T* invstd, const T* w, double* pdw, double* pdb, T* dx,       \
                                 bool stream) {                                                                     \
    sets_backward_impl(dy, x, i0, i1, Cg, S, G, mean, invstd, w, pdw, pdb, dx, stream);                             \
  }
I2DL_FOR_FLOATS(I2DL_SET_RANGES)
#undef I2DL_SET_RANGES

// ------------------------------------------------------ layer norm: ranges of rows in one call

// Layer norm (group norm with S = 1) over the sets [i0, i1), each a row of Cg elements whose
// channels start at (i % G) * Cg: both passes of the moments and y, inlined into one call per
// range (three calls per row cost ~50 ns a row, a quarter of a (4096, 512) forward).
template <typename T>
I2DL_INLINE void rows_forward_impl(const T* __restrict__ x, index_t i0, index_t i1, index_t Cg, index_t G,
                                   const T* __restrict__ w, const T* __restrict__ b, double eps, T* __restrict__ y,
                                   T* __restrict__ mean, T* __restrict__ invstd, double* __restrict__ stats) {
  for (index_t i = i0; i < i1; ++i) {
    const T* xs = x + i * Cg;
    const SetStats<T> st = set_stats_impl(xs, Cg, eps);
    const Moments mv = st.mv;
    const T mu = st.mu, ml = st.ml, iv = static_cast<T>(st.inv);
    mean[i] = mu;
    invstd[i] = iv;
    if (stats) {
      stats[2 * i] = mv.mean;
      stats[2 * i + 1] = Cg > 1 ? mv.var * Cg / (Cg - 1) : 0.0;
    }
    const index_t c0 = (i % G) * Cg;
    affine_row_impl(xs, Cg, mu, ml, iv, w ? w + c0 : nullptr, b ? b + c0 : nullptr, y + i * Cg);
  }
}

// The backward over the sets [i0, i1): the parameter partials in T (fdw, fdb) moved to double (pdw,
// pdb) every kFlushRows rows and at the end, and dx.
template <typename T>
I2DL_INLINE void rows_backward_impl(const T* __restrict__ dy, const T* __restrict__ x, index_t i0, index_t i1,
                                    index_t Cg, index_t G, const T* __restrict__ mean, const T* __restrict__ invstd,
                                    const T* __restrict__ w, T* __restrict__ fdw, T* __restrict__ fdb,
                                    double* __restrict__ pdw, double* __restrict__ pdb, index_t C,
                                    T* __restrict__ dx) {
  for (index_t i = i0; i < i1; ++i) {
    const T *dys = dy + i * Cg, *xs = x + i * Cg;
    const index_t c0 = (i % G) * Cg;
    const T* wc = w ? w + c0 : nullptr;
    const T mu = mean[i];
    const double inv = invstd[i];
    double A = 0, B = 0;
    sum_grad_row_impl(dys, xs, Cg, mu, static_cast<T>(inv), wc, fdw + c0, fdb + c0, A, B);
    const GradCoefficients k = grad_coefficients(1.0, inv, A, B, Cg);
    grad_apply_row_impl(dys, xs, Cg, mu, static_cast<T>(k.k1), static_cast<T>(k.k2), static_cast<T>(k.k3), wc,
                        dx + i * Cg);
    if ((i - i0 + 1) % kFlushRows == 0 || i + 1 == i1) {
      for (index_t c = 0; c < C; ++c) {
        pdw[c] += fdw[c];
        pdb[c] += fdb[c];
        fdw[c] = fdb[c] = T(0);
      }
    }
  }
}

#define I2DL_ROW_RANGES(T)                                                                                          \
  I2DL_CLONES void rows_forward(const T* x, index_t i0, index_t i1, index_t Cg, index_t G, const T* w, const T* b,  \
                                double eps, T* y, T* mean, T* invstd, double* stats) {                             \
    rows_forward_impl(x, i0, i1, Cg, G, w, b, eps, y, mean, invstd, stats);                                         \
  }                                                                                                                \
  I2DL_CLONES void rows_backward(const T* dy, const T* x, index_t i0, index_t i1, index_t Cg, index_t G,            \
                                 const T* mean, const T* invstd, const T* w, T* fdw, T* fdb, double* pdw,           \
                                 double* pdb, index_t C, T* dx) {                                                   \
    rows_backward_impl(dy, x, i0, i1, Cg, G, mean, invstd, w, fdw, fdb, pdw, pdb, C, dx);                           \
  }
I2DL_FOR_FLOATS(I2DL_ROW_RANGES)
#undef I2DL_ROW_RANGES

}  // namespace

template <typename T>
void batch_norm_forward(const BatchNormShape& s, const T* x, T* running_mean, T* running_var, const T* weight,
                        const T* bias, bool training, double momentum, double eps, T* y, T* mean, T* invstd) {
  if (s.S == 1)
    batch_norm_forward_columns(s, x, running_mean, running_var, weight, bias, training, momentum, eps, y, mean, invstd);
  else if (s.S < kRowsBelow)
    batch_norm_forward_rows(s, x, running_mean, running_var, weight, bias, training, momentum, eps, y, mean, invstd);
  else
    batch_norm_forward_planes(s, x, running_mean, running_var, weight, bias, training, momentum, eps, y, mean, invstd);
}

template <typename T>
void batch_norm_backward(const BatchNormShape& s, const T* dy, const T* x, const T* mean, const T* invstd,
                         const T* weight, bool training, T* dx, T* dweight, T* dbias) {
  if (s.S == 1)
    batch_norm_backward_columns(s, dy, x, mean, invstd, weight, training, dx, dweight, dbias);
  else if (s.S < kRowsBelow)
    batch_norm_backward_rows(s, dy, x, mean, invstd, weight, training, dx, dweight, dbias);
  else
    batch_norm_backward_planes(s, dy, x, mean, invstd, weight, training, dx, dweight, dbias);
}

template <typename T>
void group_norm_forward(const GroupNormShape& s, const T* x, const T* weight, const T* bias, double eps,
                        T* running_mean, T* running_var, double momentum, T* y, T* mean, T* invstd) {
  const index_t N = s.N, C = s.C, S = s.S, G = s.G, Cg = C / G, m = s.group_size(), sets = N * G;
  std::vector<double> stats(running_mean ? 2 * sets : 0);  // each set's mean and unbiased variance
  const bool stream = S > 1 && streams<T>(N * C * S);
  if (S == 1) {  // layer norm (and one-pixel group norm): ranges of rows, the affine elementwise along each
    constexpr index_t kRowsPerTask = 32;
    const index_t tasks = (sets + kRowsPerTask - 1) / kRowsPerTask;
#pragma omp parallel for schedule(static) if (sets * m >= kParallelFrom)
    for (index_t q = 0; q < tasks; ++q)
      rows_forward(x, q * kRowsPerTask, std::min(sets, (q + 1) * kRowsPerTask), Cg, G, weight, bias, eps, y, mean,
                   invstd, running_mean ? stats.data() : nullptr);
  } else {
    constexpr index_t kSetsPerTask = 4;
    const index_t tasks = (sets + kSetsPerTask - 1) / kSetsPerTask;
#pragma omp parallel for schedule(static) if (sets * m >= kParallelFrom)
    for (index_t q = 0; q < tasks; ++q)
      sets_forward(x, q * kSetsPerTask, std::min(sets, (q + 1) * kSetsPerTask), Cg, S, G, weight, bias, eps, y, mean,
                   invstd, running_mean ? stats.data() : nullptr, stream);
  }
  if (running_mean && N > 0) {
    for (index_t g = 0; g < G; ++g) {
      double sm = 0, sv = 0;
      for (index_t n = 0; n < N; ++n) {
        sm += stats[2 * (n * G + g)];
        sv += stats[2 * (n * G + g) + 1];
      }
      update_running(running_mean + g, sm / N, momentum);
      update_running(running_var + g, sv / N, momentum);
    }
  }
}

template <typename T>
void group_norm_backward(const GroupNormShape& s, const T* dy, const T* x, const T* mean, const T* invstd,
                         const T* weight, T* dx, T* dweight, T* dbias) {
  const index_t N = s.N, C = s.C, S = s.S, G = s.G, Cg = C / G, m = s.group_size(), sets = N * G;
  const index_t per_chunk = sets_per_chunk(sets, m), chunks = sets > 0 ? (sets + per_chunk - 1) / per_chunk : 0;
  // Each chunk's partial (dweight, dbias): summed in chunk order after the region, so the result
  // is the same at any thread count.
  std::vector<double> partial(static_cast<size_t>(chunks) * 2 * C, 0.0);
  // Layer norm's per-element partials go through T first (a double update per element halved the
  // vector width and cost a third of the backward), moved to double every kFlushRows rows.
  std::vector<T> row_partial(S == 1 ? static_cast<size_t>(chunks) * 2 * C : 0, T(0));
  const bool stream = S > 1 && streams<T>(N * C * S);
#pragma omp parallel for schedule(static) if (sets * m >= kParallelFrom)
  for (index_t chunk = 0; chunk < chunks; ++chunk) {
    double* pdw = partial.data() + chunk * 2 * C;
    double* pdb = pdw + C;
    T* fdw = S == 1 ? row_partial.data() + chunk * 2 * C : nullptr;
    T* fdb = S == 1 ? fdw + C : nullptr;
    const index_t begin = chunk * per_chunk, end = std::min(sets, (chunk + 1) * per_chunk);
    if (S == 1)
      rows_backward(dy, x, begin, end, Cg, G, mean, invstd, weight, fdw, fdb, pdw, pdb, C, dx);
    else
      sets_backward(dy, x, begin, end, Cg, S, G, mean, invstd, weight, pdw, pdb, dx, stream);
  }
  for (index_t c = 0; c < C; ++c) {
    double sw = 0, sb = 0;
    for (index_t chunk = 0; chunk < chunks; ++chunk) {
      sw += partial[chunk * 2 * C + c];
      sb += partial[chunk * 2 * C + C + c];
    }
    dweight[c] = static_cast<T>(sw);
    dbias[c] = static_cast<T>(sb);
  }
}

#define I2DL_NORM_INSTANTIATE(T)                                                                                    \
  template void batch_norm_forward<T>(const BatchNormShape&, const T*, T*, T*, const T*, const T*, bool, double,   \
                                      double, T*, T*, T*);                                                         \
  template void batch_norm_backward<T>(const BatchNormShape&, const T*, const T*, const T*, const T*, const T*,    \
                                       bool, T*, T*, T*);                                                          \
  template void group_norm_forward<T>(const GroupNormShape&, const T*, const T*, const T*, double, T*, T*, double, \
                                      T*, T*, T*);                                                                 \
  template void group_norm_backward<T>(const GroupNormShape&, const T*, const T*, const T*, const T*, const T*,    \
                                       T*, T*, T*);
I2DL_FOR_FLOATS(I2DL_NORM_INSTANTIATE)
#undef I2DL_NORM_INSTANTIATE

}  // namespace i2dl
