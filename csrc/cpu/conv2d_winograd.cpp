// Winograd F(4x4, 3x3) convolution (see conv2d_winograd.h for the formulas).
//
// Transform matrices (Lavin & Gray; interpolation points 0, 1, -1, 2, -2 and infinity):
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
// A 4x4 output tile reads a 6x6 input patch: 36 multiplications per (input, output) channel pair
// instead of 144. In float32 the result differs from the direct sum by about 1e-6 (relative norm).
//
// Work is cut into blocks of whole tile rows (a tile row: the 4 output rows 4*th .. 4*th + 3 of
// one image); each thread transforms its block's inputs into V (36 x C x tiles, in its cache),
// runs the 36 GEMMs single-threaded and transforms back. Every transform is vectorised along the
// tile row: the 6 columns of a patch are the input row's 4 phases (columns 4k + j), split once
// per row; a whole run of rows is split before any is transformed, so that no load waits on the
// stores that just wrote it (store forwarding).
#include "i2dl/finite.h"
#include "i2dl/parallel.h"
#include "i2dl/conv2d_winograd.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "i2dl/blas.h"
#include "i2dl/stride_phases.h"
#include "i2dl/workspace.h"

namespace i2dl {

namespace {

constexpr index_t kM = 4;                           // outputs per tile side
constexpr index_t kA = kM + 2;                      // patch side (alpha)
constexpr index_t kXi = kA * kA;                    // positions of the transform domain
constexpr index_t kBlockElements = 1 << 19;         // V and M of one block: about 2 MiB in float32

struct TilePlan {
  index_t TH, TW, tile_rows, rows_per_block, blocks;
};

// in_ch / out_ch: channels of the convolution the plan is for (C and O, or O and C for dx).
TilePlan plan_tiles(const Conv2dShape& s, index_t in_ch, index_t out_ch) {
  TilePlan p;
  p.TH = (s.OH + kM - 1) / kM;
  p.TW = (s.OW + kM - 1) / kM;
  p.tile_rows = s.N * p.TH;
  const index_t tiles = std::max<index_t>(1, kBlockElements / (kXi * (in_ch + out_ch)));
  p.rows_per_block = std::max<index_t>(1, tiles / p.TW);
  const index_t threads = omp_get_max_threads();
  // enough blocks for every thread, twice over, when there are enough tile rows
  p.rows_per_block = std::min(p.rows_per_block, std::max<index_t>(1, p.tile_rows / (2 * threads)));
  p.blocks = (p.tile_rows + p.rows_per_block - 1) / p.rows_per_block;
  return p;
}

// Per-thread scratch of the transforms; the input's (phases and row transforms of a block's
// input rows) is the largest.
index_t scratch_size(const TilePlan& p) {
  const index_t rows = kM * p.rows_per_block + 2;
  const index_t nt = p.rows_per_block * p.TW;
  return std::max(rows * kM * (p.TW + 1) + kA * kA * nt + kA * p.TW + 64 * p.TW, 40 * nt) + 64;
}

// g = G^T u for a 6-vector u: the adjoint of the filter transform (G below).
template <typename T>
I2DL_INLINE void filter_grad_1d(const T* u, T* g) {
  g[0] = u[0] / T(4) - (u[1] + u[2]) / T(6) + (u[3] + u[4]) / T(24);
  g[1] = (u[2] - u[1]) / T(6) + (u[3] - u[4]) / T(12);
  g[2] = (u[3] + u[4] - u[1] - u[2]) / T(6) + u[5];
}

// G's rows (interpolation points 0, 1, -1, 2, -2, infinity), as factors.
template <typename T>
struct FilterMatrix {
  static constexpr T g[kA][3] = {{T(1) / 4, 0, 0},
                                 {-T(1) / 6, -T(1) / 6, -T(1) / 6},
                                 {-T(1) / 6, T(1) / 6, -T(1) / 6},
                                 {T(1) / 24, T(1) / 12, T(1) / 6},
                                 {T(1) / 24, -T(1) / 12, T(1) / 6},
                                 {0, 0, 1}};
};

// r = k0 a + k1 b + k2 c over n elements, the zero factors of G's first and last rows left out
// (0 * inf would make a NaN of a filter the formula keeps finite there).
template <typename T>
I2DL_INLINE void combine(const T (&k)[3], const T* __restrict__ a, const T* __restrict__ b, const T* __restrict__ c,
                         index_t n, T* __restrict__ r) {
  const T k0 = k[0], k1 = k[1], k2 = k[2];
  if (k1 == T(0) && k2 == T(0)) {
#pragma omp simd
    for (index_t e = 0; e < n; ++e) r[e] = k0 * a[e];
  } else if (k0 == T(0) && k1 == T(0)) {
#pragma omp simd
    for (index_t e = 0; e < n; ++e) r[e] = k2 * c[e];
  } else {
#pragma omp simd
    for (index_t e = 0; e < n; ++e) r[e] = k0 * a[e] + k1 * b[e] + k2 * c[e];
  }
}

// U[xi][r][c] = (G g G^T)[xi] for g = w[o][c] (see transform_filters) and every c, vectorised along
// c, U's contiguous axis: row r of U's `rows` (O for all the filters, fewer for a block of them);
// g and t: 9 C and 18 C of scratch.
template <typename T>
I2DL_INLINE void transform_filter_row_impl(const T* __restrict__ w, index_t O, index_t C, bool flip_transpose,
                                           index_t o, T* __restrict__ g, T* __restrict__ t, T* __restrict__ U,
                                           index_t rows, index_t r) {
  constexpr auto& G = FilterMatrix<T>::g;
  for (index_t c = 0; c < C; ++c)  // g[a][b][c]
    for (index_t a = 0; a < 3; ++a)
      for (index_t b = 0; b < 3; ++b)
        g[(a * 3 + b) * C + c] =
            flip_transpose ? w[((c * O + o) * 3 + 2 - a) * 3 + 2 - b] : w[((o * C + c) * 3 + a) * 3 + b];
  for (index_t a = 0; a < 3; ++a)  // t[a][j][c] = (g G^T)[a][j]
    for (index_t j = 0; j < kA; ++j) combine(G[j], g + 3 * a * C, g + (3 * a + 1) * C, g + (3 * a + 2) * C, C,
                                             t + (a * kA + j) * C);
  for (index_t i = 0; i < kA; ++i)  // U[i][j] = (G t)[i][j]
    for (index_t j = 0; j < kA; ++j)
      combine(G[i], t + j * C, t + (kA + j) * C, t + (2 * kA + j) * C, C, U + ((i * kA + j) * rows + r) * C);
}

#define I2DL_FILTER_ROW(T)                                                                                  \
  I2DL_CLONES void transform_filter_row(const T* w, index_t O, index_t C, bool flip_transpose, index_t o, T* g, \
                                        T* t, T* U, index_t rows, index_t r) {                              \
    transform_filter_row_impl(w, O, C, flip_transpose, o, g, t, U, rows, r);                                \
  }
I2DL_FOR_FLOATS(I2DL_FILTER_ROW)
#undef I2DL_FILTER_ROW

// U[xi][o][c] = (G g G^T)[xi] for g = w[o][c] (O x C x 3 x 3); with `flip_transpose`, g is
// w[c][o] rotated by 180 degrees (the filter of the input gradient; then w is C x O x 3 x 3).
// One output channel at a time, vectorised along c: per filter, 36 stores O x C apart took half of
// a (1, 256, 14, 14) forward (1 in 16 tiles' worth of GEMM per filter).
template <typename T>
void transform_filters(const T* w, index_t O, index_t C, bool flip_transpose, T* U) {
#pragma omp parallel
  {
    std::vector<T> buf(27 * C);
#pragma omp for schedule(static)
    for (index_t o = 0; o < O; ++o)
      transform_filter_row(w, O, C, flip_transpose, o, buf.data(), buf.data() + 9 * C, U, O, o);
  }
}

// g_a = (G^T u)_a for six arrays u_0..u_5 of n elements (filter_grad_1d along the arrays).
template <typename T>
I2DL_INLINE void filter_grad_arrays(const T* __restrict__ u0, const T* __restrict__ u1, const T* __restrict__ u2,
                                    const T* __restrict__ u3, const T* __restrict__ u4, const T* __restrict__ u5,
                                    index_t n, T* __restrict__ g0, T* __restrict__ g1, T* __restrict__ g2) {
#pragma omp simd
  for (index_t e = 0; e < n; ++e) {
    const T u[kA] = {u0[e], u1[e], u2[e], u3[e], u4[e], u5[e]};
    T g[3];
    filter_grad_1d(u, g);
    g0[e] = g[0];
    g1[e] = g[1];
    g2[e] = g[2];
  }
}

// dW[o][c] for one output channel o and every c (see filters_from_transform), vectorised along c,
// dU's contiguous axis: dU[xi][r][c] row r of dU's `rows` (O for all the filters, fewer for a block);
// t and g: 18 C and 9 C of scratch.
template <typename T>
I2DL_INLINE void filter_grad_row_impl(const T* __restrict__ dU, index_t rows, index_t r, index_t C, index_t o,
                                      T* __restrict__ t, T* __restrict__ g, T* __restrict__ dw) {
  for (index_t i = 0; i < kA; ++i) {  // t[i][b] = (dU G)[i][b], row by row
    const T* u = dU + (i * kA * rows + r) * C;  // dU[i][j][r]: u + j * rows * C
    const index_t ld = rows * C;
    filter_grad_arrays(u, u + ld, u + 2 * ld, u + 3 * ld, u + 4 * ld, u + 5 * ld, C, t + (i * 3) * C,
                       t + (i * 3 + 1) * C, t + (i * 3 + 2) * C);
  }
  for (index_t b = 0; b < 3; ++b) {  // g[a][b] = (G^T t)[a][b], column by column
    const T* u = t + b * C;  // t[i][b]: u + 3 i C
    filter_grad_arrays(u, u + 3 * C, u + 6 * C, u + 9 * C, u + 12 * C, u + 15 * C, C, g + b * C, g + (3 + b) * C,
                       g + (6 + b) * C);
  }
  for (index_t c = 0; c < C; ++c)
    for (index_t ab = 0; ab < 9; ++ab) dw[(o * C + c) * 9 + ab] = g[ab * C + c];
}

#define I2DL_FILTER_GRAD_ROW(T)                                                                           \
  I2DL_CLONES void filter_grad_row(const T* dU, index_t rows, index_t r, index_t C, index_t o, T* t, T* g, \
                                   T* dw) {                                                               \
    filter_grad_row_impl(dU, rows, r, C, o, t, g, dw);                                                    \
  }
I2DL_FOR_FLOATS(I2DL_FILTER_GRAD_ROW)
#undef I2DL_FILTER_GRAD_ROW

// dW[o][c] = G^T dU[.][o][c] G for every filter, one output channel at a time (as transform_filters).
template <typename T>
void filters_from_transform(const T* dU, index_t O, index_t C, T* dw) {
#pragma omp parallel
  {
    std::vector<T> buf(27 * C);
#pragma omp for schedule(static)
    for (index_t o = 0; o < O; ++o) filter_grad_row(dU, O, o, C, o, buf.data(), buf.data() + 18 * C, dw);
  }
}

namespace detail {

// ph[j][k] = row[4k + j + shift] for k in [0, n), zero outside [0, W) (row null: a padding row);
// bounds are checked only at the two ends, the interior is the 4-phase split (stride_phases.h).
template <typename T>
I2DL_INLINE void split_padded_phases(const T* __restrict__ row, index_t W, index_t shift, index_t n,
                                     T* __restrict__ ph0, T* __restrict__ ph1, T* __restrict__ ph2,
                                     T* __restrict__ ph3) {
  T* ph[4] = {ph0, ph1, ph2, ph3};
  if (!row) {
    for (index_t j = 0; j < 4; ++j)
      for (index_t k = 0; k < n; ++k) ph[j][k] = T(0);
    return;
  }
  // interior: 0 <= 4k + shift and 4k + 3 + shift < W
  const index_t lo = std::min(n, std::max<index_t>(0, (-shift + 3) / 4));
  const index_t hi = std::max(lo, std::min(n, W - 3 - shift > 0 ? (W - 4 - shift) / 4 + 1 : 0));
  auto edge = [&](index_t k) {
    for (index_t j = 0; j < 4; ++j) {
      const index_t iw = 4 * k + j + shift;
      ph[j][k] = iw >= 0 && iw < W ? row[iw] : T(0);
    }
  };
  for (index_t k = 0; k < lo; ++k) edge(k);
  split_phases(row + shift + 4 * lo, hi - lo, ph0 + lo, ph1 + lo, ph2 + lo, ph3 + lo);
  for (index_t k = hi; k < n; ++k) edge(k);
}

// r_i = (B^T d)_i for six arrays d_0..d_5 of n elements (vectorised along the arrays).
template <typename T>
I2DL_INLINE void input_1d(const T* __restrict__ d0, const T* __restrict__ d1, const T* __restrict__ d2,
                          const T* __restrict__ d3, const T* __restrict__ d4, const T* __restrict__ d5, index_t n,
                          T* __restrict__ r0, T* __restrict__ r1, T* __restrict__ r2, T* __restrict__ r3,
                          T* __restrict__ r4, T* __restrict__ r5) {
#pragma GCC ivdep
  for (index_t t = 0; t < n; ++t) {
    const T a = d0[t], b = d1[t], c = d2[t], d = d3[t], e = d4[t], f = d5[t];
    r0[t] = T(4) * a - T(5) * c + e;
    r1[t] = -T(4) * (b + c) + d + e;
    r2[t] = T(4) * (b - c) - d + e;
    r3[t] = T(2) * (d - b) - c + e;
    r4[t] = T(2) * (b - d) - c + e;
    r5[t] = T(4) * b - T(5) * d + f;
  }
}

// y_a = (A^T m)_a for six arrays m_0..m_5 (a = 0..3), plus `bias`.
template <typename T>
I2DL_INLINE void output_1d(const T* __restrict__ m0, const T* __restrict__ m1, const T* __restrict__ m2,
                           const T* __restrict__ m3, const T* __restrict__ m4, const T* __restrict__ m5, index_t n,
                           T bias, T* __restrict__ y0, T* __restrict__ y1, T* __restrict__ y2, T* __restrict__ y3) {
#pragma GCC ivdep
  for (index_t t = 0; t < n; ++t) {
    const T p = m1[t] + m2[t], q = m1[t] - m2[t], u = m3[t] + m4[t], v = m3[t] - m4[t];
    y0[t] = m0[t] + p + u + bias;
    y1[t] = q + T(2) * v + bias;
    y2[t] = p + T(4) * u + bias;
    y3[t] = q + T(8) * v + m5[t] + bias;
  }
}

// m_i = (A y)_i for four arrays y_0..y_3 (i = 0..5): the adjoint of output_1d.
template <typename T>
I2DL_INLINE void grad_1d(const T* __restrict__ y0, const T* __restrict__ y1, const T* __restrict__ y2,
                         const T* __restrict__ y3, index_t n, T* __restrict__ m0, T* __restrict__ m1,
                         T* __restrict__ m2, T* __restrict__ m3, T* __restrict__ m4, T* __restrict__ m5) {
#pragma GCC ivdep
  for (index_t t = 0; t < n; ++t) {
    const T a = y0[t], b = y1[t], c = y2[t], d = y3[t];
    m0[t] = a;
    m1[t] = a + b + c + d;
    m2[t] = a - b + c - d;
    m3[t] = a + T(2) * b + T(4) * c + T(8) * d;
    m4[t] = a - T(2) * b + T(4) * c - T(8) * d;
    m5[t] = d;
  }
}

// V[xi][tile] (stride ldv between positions; tile rows TW apart) for tile rows [th0, th1) of
// one channel plane (H x W). Every input row the run reads is split into its 4 phases and
// transformed along the row (B^T on columns 4*tw .. 4*tw + 5); the result is filed under the
// patch row it is for, R[i][j][tile] (input row 4*th - PH + i serves tile row th as patch row i,
// and rows 4k, 4k + 1 serve two tile rows), so that B^T down the columns runs over all the
// run's tiles at once.
template <typename T>
I2DL_INLINE void input_plane_impl(const T* plane, index_t H, index_t W, index_t PH, index_t PW, index_t TW,
                                  index_t th0, index_t th1, T* scratch, T* V, index_t ldv) {
  const index_t ih_first = kM * th0 - PH, rows = kM * (th1 - th0) + 2, n = TW + 1, nt = (th1 - th0) * TW;
  T* P = scratch;                     // rows x 4 phases x n
  T* R = scratch + rows * kM * n;     // 6 patch rows x 6 x nt
  T* tmp = R + kA * kA * nt;          // 6 x TW: the row transform of a row serving two tile rows
  for (index_t i = 0; i < rows; ++i) {
    const index_t ih = ih_first + i;
    T* ph = P + i * kM * n;
    split_padded_phases(ih >= 0 && ih < H ? plane + ih * W : static_cast<const T*>(nullptr), W, -PW, n, ph, ph + n,
                 ph + 2 * n, ph + 3 * n);
  }
  for (index_t row = 0; row < rows; ++row) {  // columns 4t + j: phase j for j < 4, phases 0, 1 one tile on
    const T* ph = P + row * kM * n;
    // as patch row i = row % 4 of tile row row / 4 (when that tile row is in the run) ...
    const index_t i = row % kM, th = row / kM;
    const bool first = th < th1 - th0;
    T* r = first ? R + i * kA * nt + th * TW : tmp;
    const index_t ld = first ? nt : TW;
    input_1d(ph, ph + n, ph + 2 * n, ph + 3 * n, ph + 1, ph + n + 1, TW, r, r + ld, r + 2 * ld, r + 3 * ld,
             r + 4 * ld, r + 5 * ld);
    // ... and as patch row i + 4 of the tile row before
    if (i < 2 && th >= 1) {
      T* r2 = R + (i + kM) * kA * nt + (th - 1) * TW;
      for (index_t j = 0; j < kA; ++j) std::copy(r + j * ld, r + j * ld + TW, r2 + j * nt);
    }
  }
  for (index_t j = 0; j < kA; ++j) {
    const T* d = R + j * nt;  // patch row i, position j: d + i * 6 * nt
    input_1d(d, d + kA * nt, d + 2 * kA * nt, d + 3 * kA * nt, d + 4 * kA * nt, d + 5 * kA * nt, nt, V + j * ldv,
             V + (kA + j) * ldv, V + (2 * kA + j) * ldv, V + (3 * kA + j) * ldv, V + (4 * kA + j) * ldv,
             V + (5 * kA + j) * ldv);
  }
}

// Y = A^T m A (+ bias) for the nt tiles of a block and one output channel, m from M[xi][t]
// (stride ldm): Y[a][b][t] into `out` (16 arrays of nt), vectorised over all the block's tiles.
template <typename T>
I2DL_INLINE void output_tiles_impl(const T* M, index_t ldm, index_t nt, T bias, T* scratch, T* out) {
  T* s = scratch;  // 4 x 6 x nt: s[a][j] = (A^T m)[a][j]
  for (index_t j = 0; j < kA; ++j) {
    const T* m = M + j * ldm;  // position (i, j): m + i * 6 * ldm
    output_1d(m, m + kA * ldm, m + 2 * kA * ldm, m + 3 * kA * ldm, m + 4 * kA * ldm, m + 5 * kA * ldm, nt, T(0),
              s + j * nt, s + (kA + j) * nt, s + (2 * kA + j) * nt, s + (3 * kA + j) * nt);
  }
  for (index_t a = 0; a < kM; ++a) {
    const T* sa = s + a * kA * nt;
    T* ya = out + a * kM * nt;
    output_1d(sa, sa + nt, sa + 2 * nt, sa + 3 * nt, sa + 4 * nt, sa + 5 * nt, nt, bias, ya, ya + nt, ya + 2 * nt,
              ya + 3 * nt);
  }
}

// Output rows 4*th .. 4*th + rows - 1 of one plane (y0 the first, rows of OW) from the tiles
// q[a][b][t] (stride nt between the 16 arrays), t in [0, ceil(OW/4)): the four column phases
// interleaved.
template <typename T>
I2DL_INLINE void store_tile_row_impl(const T* q, index_t nt, index_t rows, index_t OW, T* y0) {
  const index_t full = OW / kM;
  for (index_t a = 0; a < rows; ++a) {
    T* __restrict__ y = y0 + a * OW;
    const T *__restrict__ q0 = q + a * kM * nt, *__restrict__ q1 = q0 + nt, *__restrict__ q2 = q1 + nt,
            *__restrict__ q3 = q2 + nt;
#pragma GCC ivdep
    for (index_t t = 0; t < full; ++t) {
      y[4 * t] = q0[t];
      y[4 * t + 1] = q1[t];
      y[4 * t + 2] = q2[t];
      y[4 * t + 3] = q3[t];
    }
    const T* qb[4] = {q0, q1, q2, q3};
    for (index_t b = 0; b < OW - kM * full; ++b) y[kM * full + b] = qb[b][full];
  }
}

// The four column phases of one tile row of one dy plane into Y[a][b][t] (16 arrays of stride
// nt, this tile row's TW tiles): dY zero beyond its `rows` rows (of OW; g0 the first) and OW.
template <typename T>
I2DL_INLINE void grad_split_impl(const T* g0, index_t rows, index_t OW, index_t TW, index_t nt, T* Y) {
  for (index_t a = 0; a < kM; ++a) {
    T* ya = Y + a * kM * nt;
    split_padded_phases(a < rows ? g0 + a * OW : static_cast<const T*>(nullptr), OW, 0, TW, ya, ya + nt, ya + 2 * nt,
                 ya + 3 * nt);
  }
}

// dM[xi][t] (stride ldm) = A dY A^T for the nt tiles of a block and one output channel, from the
// split Y[a][b][t]; vectorised over all the block's tiles.
template <typename T>
I2DL_INLINE void grad_tiles_impl(const T* Y, index_t nt, T* scratch, T* dM, index_t ldm) {
  T* r = scratch;  // 4 x 6 x nt: r[a][j]
  for (index_t a = 0; a < kM; ++a) {  // along the row
    const T* ya = Y + a * kM * nt;
    T* ra = r + a * kA * nt;
    grad_1d(ya, ya + nt, ya + 2 * nt, ya + 3 * nt, nt, ra, ra + nt, ra + 2 * nt, ra + 3 * nt, ra + 4 * nt,
            ra + 5 * nt);
  }
  for (index_t j = 0; j < kA; ++j) {  // along the column
    const T* rj = r + j * nt;         // row a: rj + a * 6 * nt
    grad_1d(rj, rj + kA * nt, rj + 2 * kA * nt, rj + 3 * kA * nt, nt, dM + j * ldm, dM + (kA + j) * ldm,
            dM + (2 * kA + j) * ldm, dM + (3 * kA + j) * ldm, dM + (4 * kA + j) * ldm, dM + (5 * kA + j) * ldm);
  }
}

#define I2DL_WINOGRAD_CLONES(T)                                                                                    \
  I2DL_CLONES void input_plane(const T* plane, index_t H, index_t W, index_t PH, index_t PW, index_t TW,          \
                               index_t th0, index_t th1, T* scratch, T* V, index_t ldv) {                          \
    input_plane_impl(plane, H, W, PH, PW, TW, th0, th1, scratch, V, ldv);                                          \
  }                                                                                                                \
  I2DL_CLONES void output_tiles(const T* M, index_t ldm, index_t nt, T bias, T* scratch, T* out) {              \
    output_tiles_impl(M, ldm, nt, bias, scratch, out);                                                             \
  }                                                                                                                \
  I2DL_CLONES void store_tile_row(const T* q, index_t nt, index_t rows, index_t OW, T* y0) {                       \
    store_tile_row_impl(q, nt, rows, OW, y0);                                                                      \
  }                                                                                                                \
  I2DL_CLONES void grad_split(const T* g0, index_t rows, index_t OW, index_t TW, index_t nt, T* Y) {             \
    grad_split_impl(g0, rows, OW, TW, nt, Y);                                                                      \
  }                                                                                                                \
  I2DL_CLONES void grad_tiles(const T* Y, index_t nt, T* scratch, T* dM, index_t ldm) {                            \
    grad_tiles_impl(Y, nt, scratch, dM, ldm);                                                                      \
  }
I2DL_FOR_FLOATS(I2DL_WINOGRAD_CLONES)
#undef I2DL_WINOGRAD_CLONES

}  // namespace detail

// V (36 x C x ld) for the tile rows [r0, r1) of x (N x C x H x W); tile t = (r - r0) * TW + tw.
template <typename T>
void transform_inputs(const Conv2dShape& s, const TilePlan& p, const T* x, index_t C, index_t r0, index_t r1, T* V,
                      index_t ld, T* scratch) {
  for (index_t r = r0; r < r1;) {  // runs of tile rows within one image
    const index_t n = r / p.TH, th0 = r % p.TH, th1 = std::min(p.TH, th0 + (r1 - r)), t0 = (r - r0) * p.TW;
    for (index_t c = 0; c < C; ++c)
      detail::input_plane(x + (n * C + c) * s.H * s.W, s.H, s.W, s.PH, s.PW, p.TW, th0, th1, scratch,
                          V + c * ld + t0, C * ld);
    r += th1 - th0;
  }
}

// The forward pass of `s` on x with filters already transformed into U (36 x O x C).
// Returns whether y is all finite, each thread checking the rows it stored while they are in cache.
template <typename T>
bool winograd_forward_transformed(const Conv2dShape& s, const T* x, const T* U, const T* b, T* y) {
  const index_t C = s.C, O = s.O;
  const TilePlan p = plan_tiles(s, C, O);
  const index_t ld = p.rows_per_block * p.TW;
  RegionGuard guard;
  bool finite = true;
#pragma omp parallel reduction(&& : finite)
  {
    T *V = nullptr, *M = nullptr;
    std::vector<T> scratch;
    guard.run([&] {
      V = workspace<T>(Slot::kColumns, kXi * C * ld);
      M = workspace<T>(Slot::kGemmOut, kXi * O * ld);
      scratch.resize(scratch_size(p));
    });
#pragma omp for schedule(static)
    for (index_t blk = 0; blk < p.blocks; ++blk) {
      if (guard.failed()) continue;
      const index_t r0 = blk * p.rows_per_block, r1 = std::min(p.tile_rows, r0 + p.rows_per_block);
      const index_t nt = (r1 - r0) * p.TW;
      transform_inputs(s, p, x, C, r0, r1, V, ld, scratch.data());
      for (index_t xi = 0; xi < kXi; ++xi)
        gemm(false, false, O, nt, C, T(1), U + xi * O * C, C, V + xi * C * ld, ld, T(0), M + xi * O * ld, ld);
      T* out = scratch.data() + 24 * nt;  // after output_tiles' own 24 x nt
      for (index_t o = 0; o < O; ++o) {
        detail::output_tiles(M + o * ld, O * ld, nt, b ? b[o] : T(0), scratch.data(), out);
        for (index_t r = r0; r < r1; ++r) {
          const index_t n = r / p.TH, th = r % p.TH, t0 = (r - r0) * p.TW, rows = std::min(kM, s.OH - kM * th);
          T* dst = y + ((n * O + o) * s.OH + kM * th) * s.OW;
          detail::store_tile_row(out + t0, nt, rows, s.OW, dst);
          finite = finite && all_finite(dst, rows * s.OW);
        }
      }
    }
  }
  guard.rethrow();
  return finite;
}

// The plan of the shared paths: every tile in one block (scratch_size then covers an image's run of
// tile rows and all the tiles).
TilePlan shared_plan(const Conv2dShape& s) {
  TilePlan p = plan_tiles(s, s.C, s.O);
  p.rows_per_block = p.tile_rows;
  p.blocks = 1;
  return p;
}

// V (36 x C x every tile) of x, the input planes split between the threads of the enclosing
// parallel region (a worksharing loop: every thread of the region calls it).
template <typename T>
void transform_all_inputs(const Conv2dShape& s, const TilePlan& p, const T* x, T* V, T* scratch,
                          const RegionGuard& guard) {
  const index_t C = s.C, nt = p.tile_rows * p.TW, per_image = p.TH * p.TW;
#pragma omp for collapse(2) schedule(static)
  for (index_t c = 0; c < C; ++c)
    for (index_t n = 0; n < s.N; ++n)
      if (!guard.failed())
        detail::input_plane(x + (n * C + c) * s.H * s.W, s.H, s.W, s.PH, s.PW, p.TW, 0, p.TH, scratch,
                            V + c * nt + n * per_image, C * nt);
}

// Output channels whose transformed filters (36 C values each) one thread makes and multiplies while
// they are in its cache: about kFilterBlockBytes of them, and at least one block per thread.
constexpr index_t kFilterBlockBytes = index_t(5) << 19;  // 2.5 MiB

template <typename T>
index_t filter_block_rows(index_t O, index_t C, index_t threads) {
  const index_t fit = std::max<index_t>(8, kFilterBlockBytes / (kXi * C * index_t(sizeof(T))) / 8 * 8);
  const index_t even = ((O + threads - 1) / threads + 7) / 8 * 8;
  return std::max<index_t>(1, std::min({O, fit, even}));
}

// The forward of `s` for few tiles (batch 1 on small planes) with filters w (O x C x 3 x 3; with
// `flip_transpose`, C x O: the input gradient's, see transform_filters): plan_tiles' blocks would be
// a tile row or less, each of the 36 GEMMs O x C by that handful of columns (and U read once a
// block). Here every tile shares one V and one M: the threads split the input channels' transforms,
// then blocks of output channels, each transformed into U (36 x rows x C, in the thread's cache) and
// multiplied by every tile at once (36 GEMMs rows x C by all the tiles), then the output channels'
// transforms. U whole (36 O C values, 9 MiB at 256 channels) left the cache: (16, 256, 4, 4) forward
// 1.35-2.94 ms against im2col's 1.77-2.74 from run to run, with blocks of 64 channels 1.31-1.61 against
// 1.86-2.72.
template <typename T>
bool winograd_forward_shared(const Conv2dShape& s, const T* x, const T* w, bool flip_transpose, const T* b, T* y) {
  const index_t C = s.C, O = s.O;
  const TilePlan p = shared_plan(s);
  const index_t nt = p.tile_rows * p.TW;
  T* V = workspace<T>(Slot::kColumns, kXi * C * nt);
  T* M = workspace<T>(Slot::kGemmOut, kXi * O * nt);
  const index_t rows = filter_block_rows<T>(O, C, omp_get_max_threads()), blocks = (O + rows - 1) / rows;
  RegionGuard guard;
  bool finite = true;
#pragma omp parallel reduction(&& : finite)
  {
    std::vector<T> scratch;
    T* U = nullptr;
    guard.run([&] {
      scratch.resize(std::max(scratch_size(p), 27 * C));
      U = workspace<T>(Slot::kFilters, kXi * rows * C);
    });
    transform_all_inputs(s, p, x, V, scratch.data(), guard);
#pragma omp for schedule(static)
    for (index_t blk = 0; blk < blocks; ++blk) {
      if (guard.failed()) continue;
      const index_t o0 = blk * rows, m = std::min(O, o0 + rows) - o0;
      for (index_t r = 0; r < m; ++r)
        transform_filter_row(w, O, C, flip_transpose, o0 + r, scratch.data(), scratch.data() + 9 * C, U, m, r);
      for (index_t xi = 0; xi < kXi; ++xi)
        gemm(false, false, m, nt, C, T(1), U + xi * m * C, C, V + xi * C * nt, nt, T(0), M + (xi * O + o0) * nt, nt);
    }
    T* out = scratch.data() + 24 * nt;  // after output_tiles' own 24 x nt
#pragma omp for schedule(static)
    for (index_t o = 0; o < O; ++o) {
      if (guard.failed()) continue;
      detail::output_tiles(M + o * nt, O * nt, nt, b ? b[o] : T(0), scratch.data(), out);
      for (index_t r = 0; r < p.tile_rows; ++r) {
        const index_t n = r / p.TH, th = r % p.TH, rows_out = std::min(kM, s.OH - kM * th);
        T* dst = y + ((n * O + o) * s.OH + kM * th) * s.OW;
        detail::store_tile_row(out + r * p.TW, nt, rows_out, s.OW, dst);
        finite = finite && all_finite(dst, rows_out * s.OW);
      }
    }
  }
  guard.rethrow();
  return finite;
}

// The weight gradient of `s` for few tiles, the forward's sharing (winograd_forward_shared): V of
// every tile and dM = A dY A^T of every tile and output channel, split between the threads, then
// blocks of output channels, each block's dU[xi] = dM[xi] V[xi]^T (36 products whole in one thread:
// no partial sums to add) turned into dW while in the thread's cache.
template <typename T>
bool winograd_weight_grad_shared(const Conv2dShape& s, const T* dy, const T* x, T* dw) {
  const index_t C = s.C, O = s.O;
  const TilePlan p = shared_plan(s);
  const index_t nt = p.tile_rows * p.TW;
  T* V = workspace<T>(Slot::kColumns, kXi * C * nt);
  T* dM = workspace<T>(Slot::kGemmOut, kXi * O * nt);
  const index_t rows = filter_block_rows<T>(O, C, omp_get_max_threads()), blocks = (O + rows - 1) / rows;
  RegionGuard guard;
#pragma omp parallel
  {
    std::vector<T> scratch;
    T* dU = nullptr;
    guard.run([&] {
      scratch.resize(std::max(scratch_size(p), 27 * C));
      dU = workspace<T>(Slot::kWeights, kXi * rows * C);
    });
    transform_all_inputs(s, p, x, V, scratch.data(), guard);
    T* Y = scratch.data() + 24 * nt;  // after grad_tiles' own 24 x nt
#pragma omp for schedule(static)
    for (index_t o = 0; o < O; ++o) {
      if (guard.failed()) continue;
      for (index_t r = 0; r < p.tile_rows; ++r) {
        const index_t n = r / p.TH, th = r % p.TH;
        detail::grad_split(dy + ((n * O + o) * s.OH + kM * th) * s.OW, std::min(kM, s.OH - kM * th), s.OW, p.TW,
                           nt, Y + r * p.TW);
      }
      detail::grad_tiles(Y, nt, scratch.data(), dM + o * nt, O * nt);
    }
#pragma omp for schedule(static)
    for (index_t blk = 0; blk < blocks; ++blk) {
      if (guard.failed()) continue;
      const index_t o0 = blk * rows, m = std::min(O, o0 + rows) - o0;
      for (index_t xi = 0; xi < kXi; ++xi)
        gemm(false, true, m, C, nt, T(1), dM + (xi * O + o0) * nt, nt, V + xi * C * nt, nt, T(0), dU + xi * m * C, C);
      for (index_t r = 0; r < m; ++r)
        filter_grad_row(dU, m, r, C, o0 + r, scratch.data(), scratch.data() + 18 * C, dw);
    }
  }
  guard.rethrow();
  return all_finite(dw, O * C * 9);
}

index_t output_tiles_of(const Conv2dShape& s) { return s.N * ((s.OH + kM - 1) / kM) * ((s.OW + kM - 1) / kM); }

// The blocked path wants at least half as many tiles as channels (see kWinogradMinOutput below).
bool blocks_pay(const Conv2dShape& s) { return 2 * output_tiles_of(s) >= std::max(s.C, s.O); }

}  // namespace

// Small outputs leave the blocked path (to the shared one or im2col): its tile rows are too short there.
// Measured (2 threads, float32, forward / backward ms, im2col vs blocked Winograd, before the shared
// path existed): 64x32x4x4 -> 64 0.33/0.70 vs 0.80/1.78; 32x256x7x7 -> 256 13.7/25.4 vs 21.6/38.3;
// 32x64x8x8 -> 64 1.28/2.59 vs 1.68/2.88; but 32x128x14x14 -> 128 12.2/24.1 vs 9.9/18.9 and
// 32x64x16x16 -> 64 7.0/14.7 vs 3.3/6.5.
constexpr index_t kWinogradMinOutput = 12;

// The filters are transformed on every call (36 values for each 3x3 filter) and each transformed value
// then multiplies one column per 4x4 output tile: with fewer tiles than about half the channels the
// blocked path's 36 GEMMs are too thin to pay for it. Measured at batch 1 (ResNet-18's stages at
// 224 px, 2 threads): 128 channels on 28x28 (49 tiles) ran it at 55 GFLOP/s and 256 on 14x14 (16
// tiles) at 17, where im2col runs at about 150; 64 channels on 56x56 (196 tiles) kept its 171.
//
// Such convolutions share their tiles between the threads instead (winograd_forward_shared,
// winograd_weight_grad_shared), each thread transforming a block of filters and multiplying it by
// every tile while it is in cache. Measured, 2 threads, against im2col in the same run (forward,
// backward ms): (1, 128, 28, 28) (49 tiles) 0.46 vs 1.28, 1.29 vs 2.60; (16, 128, 8, 8) (64 tiles)
// 1.01 vs 1.70, 2.55 vs 3.51; (16, 256, 4, 4) (16 tiles) 1.61 vs 2.72, 4.45 vs 4.87; (1, 256, 14, 14)
// 1.06 vs 1.82, 2.20 vs 2.55; (1, 128, 14, 14) 0.24 vs 0.37; but (16, 64, 4, 4) 0.18 vs 0.17 and 8
// tiles of 512 channels 3.43 vs 3.54. With fewer than 48 tiles the weight gradient's 36 products
// (their inner dimension the tiles) lost to im2col's ((16, 256, 4, 4) 5.1 vs 4.5 ms, (1, 64, 24, 24)
// with 36 tiles 0.78 vs 0.60): there dW goes to im2col and dx stays here.
constexpr index_t kWinogradSharedMinTiles = 16;
constexpr index_t kWinogradSharedWeightGradMinTiles = 48;

// 3x3, stride 1, no dilation, one group, 16 channels or more each side.
bool winograd_kernel(const Conv2dShape& s) {
  return s.KH == 3 && s.KW == 3 && s.SH == 1 && s.SW == 1 && s.DH == 1 && s.DW == 1 && s.groups == 1 &&
         s.C >= 16 && s.O >= 16;
}

// Below 20 tiles only wide convolutions pay for the per-call transforms (see above).
bool shared_tiles_pay(const Conv2dShape& s) {
  const index_t tiles = output_tiles_of(s);
  return tiles >= kWinogradSharedMinTiles && (tiles >= 20 || std::min(s.C, s.O) >= 128) &&
         2 * s.N * s.OH * s.OW >= kM * kM * tiles;  // at least half of the tiles' outputs are the conv's
}

// The blocked path where it pays and its tile rows are long enough, else the shared one where that pays.
bool blocked_path(const Conv2dShape& s) {
  return blocks_pay(s) && s.OH >= kWinogradMinOutput && s.OW >= kWinogradMinOutput;
}

template <typename T>
bool uses_winograd(const Conv2dShape& s) {
  return winograd_kernel(s) && (blocked_path(s) || shared_tiles_pay(s));
}

bool winograd_shares_tiles(const Conv2dShape& s) { return !blocked_path(s); }

template <typename T>
bool uses_winograd_weight_grad(const Conv2dShape& s) {
  return uses_winograd<T>(s) && (blocked_path(s) || output_tiles_of(s) >= kWinogradSharedWeightGradMinTiles);
}

template <typename T>
bool uses_winograd_input_grad(const Conv2dShape& s) {
  return uses_winograd<T>(s) && s.PH <= 2 && s.PW <= 2;
}

template bool uses_winograd<float>(const Conv2dShape&);
template bool uses_winograd<double>(const Conv2dShape&);
template bool uses_winograd_weight_grad<float>(const Conv2dShape&);
template bool uses_winograd_weight_grad<double>(const Conv2dShape&);
template bool uses_winograd_input_grad<float>(const Conv2dShape&);
template bool uses_winograd_input_grad<double>(const Conv2dShape&);

template <typename T>
bool conv2d_winograd_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y) {
  if (winograd_shares_tiles(s)) return winograd_forward_shared(s, x, w, false, b, y);
  T* U = workspace<T>(Slot::kFilters, kXi * s.O * s.C);
  transform_filters(w, s.O, s.C, false, U);
  return winograd_forward_transformed(s, x, U, b, y);
}

template <typename T>
bool conv2d_winograd_backward(const Conv2dShape& s, const T* dy, const T* x, const T* w, T* dx, T* dw) {
  const index_t C = s.C, O = s.O;
  bool finite = true;
  if (dx) {
    // dx = dy (N, O, OH, OW) correlated with w flipped and transposed, padding 2 - P: size H x W
    Conv2dShape t = s;
    t.C = O;
    t.H = s.OH;
    t.W = s.OW;
    t.O = C;
    t.PH = 2 - s.PH;
    t.PW = 2 - s.PW;
    t.OH = s.H;
    t.OW = s.W;
    if (winograd_shares_tiles(t)) {
      finite = winograd_forward_shared(t, dy, w, true, static_cast<const T*>(nullptr), dx);
    } else {
      T* U = workspace<T>(Slot::kFilters, kXi * C * O);
      transform_filters(w, C, O, true, U);
      finite = winograd_forward_transformed(t, dy, U, static_cast<const T*>(nullptr), dx);
    }
  }
  if (!dw) return finite;
  if (winograd_shares_tiles(s)) return winograd_weight_grad_shared(s, dy, x, dw) && finite;
  // dU[xi] = sum over tiles dM[xi] V[xi]^T, per thread, added in thread order (reproducible)
  const TilePlan p = plan_tiles(s, C, O);
  const index_t ld = p.rows_per_block * p.TW;
  const int threads = omp_get_max_threads();
  std::vector<T*> partial(threads, nullptr);
  RegionGuard guard;
#pragma omp parallel num_threads(threads)
  {
    T *V = nullptr, *dM = nullptr, *dU = nullptr;
    std::vector<T> scratch;
    guard.run([&] {
      V = workspace<T>(Slot::kColumns, kXi * C * ld);
      dM = workspace<T>(Slot::kGemmOut, kXi * O * ld);
      dU = workspace<T>(Slot::kWeights, kXi * O * C);
      scratch.resize(scratch_size(p));
    });
    bool first = true;
#pragma omp for schedule(static)
    for (index_t blk = 0; blk < p.blocks; ++blk) {
      if (guard.failed()) continue;
      const index_t r0 = blk * p.rows_per_block, r1 = std::min(p.tile_rows, r0 + p.rows_per_block);
      const index_t nt = (r1 - r0) * p.TW;
      transform_inputs(s, p, x, C, r0, r1, V, ld, scratch.data());
      T* Y = scratch.data() + 24 * nt;  // after grad_tiles' own 24 x nt
      for (index_t o = 0; o < O; ++o) {
        for (index_t r = r0; r < r1; ++r) {
          const index_t n = r / p.TH, th = r % p.TH, t0 = (r - r0) * p.TW;
          detail::grad_split(dy + ((n * O + o) * s.OH + kM * th) * s.OW, std::min(kM, s.OH - kM * th), s.OW, p.TW,
                             nt, Y + t0);
        }
        detail::grad_tiles(Y, nt, scratch.data(), dM + o * ld, O * ld);
      }
      for (index_t xi = 0; xi < kXi; ++xi)
        gemm(false, true, O, C, nt, T(1), dM + xi * O * ld, ld, V + xi * C * ld, ld, first ? T(0) : T(1),
             dU + xi * O * C, C);
      first = false;
    }
    if (!first) partial[omp_get_thread_num()] = dU;
  }
  guard.rethrow();
  std::vector<T> total(kXi * O * C, T(0));
  for (T* part : partial) {
    if (!part) continue;
#pragma omp parallel for schedule(static)
    for (index_t i = 0; i < kXi * O * C; ++i) total[i] += part[i];
  }
  filters_from_transform(total.data(), O, C, dw);
  return finite && all_finite(dw, O * C * 9);
}

#define I2DL_CONV2D_WINOGRAD_INSTANTIATE(T) \
  template bool conv2d_winograd_forward<T>(const Conv2dShape&, const T*, const T*, const T*, T*); \
  template bool conv2d_winograd_backward<T>(const Conv2dShape&, const T*, const T*, const T*, T*, T*);
I2DL_FOR_FLOATS(I2DL_CONV2D_WINOGRAD_INSTANTIATE)
#undef I2DL_CONV2D_WINOGRAD_INSTANTIATE

}  // namespace i2dl
