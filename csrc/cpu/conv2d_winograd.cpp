// Winograd F(2x2, 3x3) convolution (see conv2d_winograd.h for the formulas).
//
// Transform matrices (Lavin & Gray):
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]    input patch d (4x4):  V = B^T d B
//   G   = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]        filter g (3x3):       U = G g G^T
//   A^T = [1 1 1 0; 0 1 -1 -1]                       product m (4x4):      Y = A^T m A
//
// Work is cut into blocks of whole tile rows (a tile row: the 2 output rows 2*th, 2*th + 1 of one
// image); each thread transforms its block's inputs into V (16 x C x tiles, in its cache), runs
// the 16 GEMMs single-threaded and transforms back. Every transform is vectorised along the tile
// row: the columns of a patch are the even and odd input columns, split once per input row.
#include "i2dl/conv2d_winograd.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "i2dl/blas.h"
#include "i2dl/threads.h"
#include "i2dl/workspace.h"

namespace i2dl {

namespace {

constexpr index_t kXi = 16;                        // positions of the 4x4 transform domain
constexpr index_t kBlockElements = 1 << 18;        // V and M of one block: about 1 MiB in float32

struct TilePlan {
  index_t TH, TW, tile_rows, rows_per_block, blocks;
};

// Per-thread scratch of the transforms: the input's row transforms of a block's tile rows (the largest).
index_t scratch_size(const TilePlan& p) {
  return (2 * p.rows_per_block + 2) * ((2 * p.TW + 2) + 4 * p.TW) + 16 * p.TW + 64;
}

// in_ch / out_ch: channels of the convolution the plan is for (C and O, or O and C for dx).
TilePlan plan_tiles(const Conv2dShape& s, index_t in_ch, index_t out_ch) {
  TilePlan p;
  p.TH = (s.OH + 1) / 2;
  p.TW = (s.OW + 1) / 2;
  p.tile_rows = s.N * p.TH;
  const index_t tiles = std::max<index_t>(1, kBlockElements / (kXi * (in_ch + out_ch)));
  p.rows_per_block = std::max<index_t>(1, tiles / p.TW);
  const index_t threads = omp_get_max_threads();
  // enough blocks for every thread, twice over, when there are enough tile rows
  p.rows_per_block = std::min(p.rows_per_block, std::max<index_t>(1, p.tile_rows / (2 * threads)));
  p.blocks = (p.tile_rows + p.rows_per_block - 1) / p.rows_per_block;
  return p;
}

// U[xi][o][c] = (G g G^T)[xi] for g = w[o][c] (O x C x 3 x 3); with `flip_transpose`, g is
// w[c][o] rotated by 180 degrees (the filter of the input gradient; then w is C x O x 3 x 3).
template <typename T>
void transform_filters(const T* w, index_t O, index_t C, bool flip_transpose, T* U) {
#pragma omp parallel for collapse(2) schedule(static)
  for (index_t o = 0; o < O; ++o) {
    for (index_t c = 0; c < C; ++c) {
      T g[3][3];
      for (index_t a = 0; a < 3; ++a)
        for (index_t b = 0; b < 3; ++b)
          g[a][b] = flip_transpose ? w[((c * O + o) * 3 + 2 - a) * 3 + 2 - b] : w[((o * C + c) * 3 + a) * 3 + b];
      T t[4][3];  // G g
      for (index_t b = 0; b < 3; ++b) {
        t[0][b] = g[0][b];
        t[1][b] = T(0.5) * (g[0][b] + g[1][b] + g[2][b]);
        t[2][b] = T(0.5) * (g[0][b] - g[1][b] + g[2][b]);
        t[3][b] = g[2][b];
      }
      for (index_t i = 0; i < 4; ++i) {  // (G g) G^T
        const T u[4] = {t[i][0], T(0.5) * (t[i][0] + t[i][1] + t[i][2]), T(0.5) * (t[i][0] - t[i][1] + t[i][2]),
                        t[i][2]};
        for (index_t j = 0; j < 4; ++j) U[((i * 4 + j) * O + o) * C + c] = u[j];
      }
    }
  }
}

// dW[o][c] = G^T dU[.][o][c] G for every filter.
template <typename T>
void filters_from_transform(const T* dU, index_t O, index_t C, T* dw) {
#pragma omp parallel for collapse(2) schedule(static)
  for (index_t o = 0; o < O; ++o) {
    for (index_t c = 0; c < C; ++c) {
      T u[4][4];
      for (index_t xi = 0; xi < kXi; ++xi) u[xi / 4][xi % 4] = dU[(xi * O + o) * C + c];
      T t[3][4];  // G^T dU
      for (index_t j = 0; j < 4; ++j) {
        t[0][j] = u[0][j] + T(0.5) * (u[1][j] + u[2][j]);
        t[1][j] = T(0.5) * (u[1][j] - u[2][j]);
        t[2][j] = T(0.5) * (u[1][j] + u[2][j]) + u[3][j];
      }
      for (index_t k = 0; k < 3; ++k) {  // (G^T dU) G
        T* out = dw + ((o * C + c) * 3 + k) * 3;
        out[0] = t[k][0] + T(0.5) * (t[k][1] + t[k][2]);
        out[1] = T(0.5) * (t[k][1] - t[k][2]);
        out[2] = T(0.5) * (t[k][1] + t[k][2]) + t[k][3];
      }
    }
  }
}

namespace detail {

// E[k] = row[2k + shift], O[k] = row[2k + 1 + shift] for k in [0, n), zero outside [0, W)
// (row null: an input row in the padding). Bounds are checked only at the two ends.
template <typename T>
I2DL_INLINE void split_even_odd(const T* __restrict__ row, index_t W, index_t shift, index_t n, T* __restrict__ E,
                                T* __restrict__ O) {
  if (!row) {
    for (index_t k = 0; k < n; ++k) E[k] = O[k] = T(0);
    return;
  }
  // interior: 0 <= 2k + shift and 2k + 1 + shift < W
  const index_t lo = std::min(n, std::max<index_t>(0, (-shift + 1) / 2));
  const index_t hi = std::max(lo, std::min(n, (W - shift) / 2));
  auto edge = [&](index_t k) {
    const index_t e = 2 * k + shift, o = e + 1;
    E[k] = e >= 0 && e < W ? row[e] : T(0);
    O[k] = o >= 0 && o < W ? row[o] : T(0);
  };
  for (index_t k = 0; k < lo; ++k) edge(k);
  const T* __restrict__ src = row + shift;
  #pragma GCC ivdep
  for (index_t k = lo; k < hi; ++k) {
    E[k] = src[2 * k];
    O[k] = src[2 * k + 1];
  }
  for (index_t k = hi; k < n; ++k) edge(k);
}

// d B along one zero-padded input row, for every tile column: R[j][tw] = (a - c, b + c, c - b,
// b - d)[j] with (a, b, c, d) = row[2*tw .. 2*tw + 3].
template <typename T>
I2DL_INLINE void input_row_transform(const T* __restrict__ row, index_t TW, T* __restrict__ R) {
  T *__restrict__ r0 = R, *__restrict__ r1 = R + TW, *__restrict__ r2 = R + 2 * TW, *__restrict__ r3 = R + 3 * TW;
#pragma GCC ivdep
  for (index_t t = 0; t < TW; ++t) {
    const T a = row[2 * t], b = row[2 * t + 1], c = row[2 * t + 2], d = row[2 * t + 3];
    r0[t] = a - c;
    r1[t] = b + c;
    r2[t] = c - b;
    r3[t] = b - d;
  }
}

// V[xi][tile] (stride ldv between positions; tile rows TW apart) for tile rows [th0, th1) of
// one channel plane (H x W): each input row is transformed along the row once (it serves two
// tile rows), then B^T combines four transformed rows.
template <typename T>
I2DL_INLINE void input_plane_impl(const T* plane, index_t H, index_t W, index_t PH, index_t PW, index_t TW,
                                  index_t th0, index_t th1, T* scratch, T* V, index_t ldv) {
  const index_t ih_first = 2 * th0 - PH, rows = 2 * (th1 - th0) + 2, cols = 2 * TW + 2;
  // the rows this run of tiles reads, zero-padded, so that every tile is read without bounds
  // checks; copied whole before any is read (a row read right after its stores, at shifted
  // offsets, stalled on store forwarding)
  T* P = scratch;
  T* R = scratch + rows * cols;  // rows x 4 x TW
  const index_t n = std::min(W, cols - PW);
  for (index_t i = 0; i < rows; ++i) {
    const index_t ih = ih_first + i;
    T* dst = P + i * cols;
    std::memset(dst, 0, sizeof(T) * cols);
    if (ih >= 0 && ih < H) std::memcpy(dst + PW, plane + ih * W, sizeof(T) * n);
  }
  for (index_t i = 0; i < rows; ++i) input_row_transform(P + i * cols, TW, R + i * 4 * TW);
  for (index_t th = th0; th < th1; ++th) {
    const T* r = R + 2 * (th - th0) * 4 * TW;  // rows 2*th - PH .. +3
    T* v = V + (th - th0) * TW;
    for (index_t j = 0; j < 4; ++j) {
      const T *__restrict__ a = r + j * TW, *__restrict__ b = r + (4 + j) * TW, *__restrict__ c = r + (8 + j) * TW,
              *__restrict__ d = r + (12 + j) * TW;
      T *__restrict__ v0 = v + j * ldv, *__restrict__ v1 = v + (4 + j) * ldv, *__restrict__ v2 = v + (8 + j) * ldv,
        *__restrict__ v3 = v + (12 + j) * ldv;
      #pragma GCC ivdep
      for (index_t t = 0; t < TW; ++t) {
        v0[t] = a[t] - c[t];
        v1[t] = b[t] + c[t];
        v2[t] = c[t] - b[t];
        v3[t] = b[t] - d[t];
      }
    }
  }
}

// Output rows 2*th, 2*th+1 of one plane from M[xi][tw] (stride ldm): Y = A^T m A (+ bias).
template <typename T>
I2DL_INLINE void output_tile_row_impl(const T* M, index_t ldm, index_t TW, T bias, index_t rows, index_t OW,
                                      T* scratch, T* y0, T* y1) {
  T* s = scratch;            // 8 x TW: s[a][j], a = 0, 1
  T* out = scratch + 8 * TW;  // 4 x TW: y[a][b]
  for (index_t j = 0; j < 4; ++j) {
    const T *__restrict__ m0 = M + j * ldm, *__restrict__ m1 = M + (4 + j) * ldm, *__restrict__ m2 = M + (8 + j) * ldm,
            *__restrict__ m3 = M + (12 + j) * ldm;
    T *__restrict__ s0 = s + j * TW, *__restrict__ s1 = s + (4 + j) * TW;
    #pragma GCC ivdep
    for (index_t t = 0; t < TW; ++t) {
      s0[t] = m0[t] + m1[t] + m2[t];
      s1[t] = m1[t] - m2[t] - m3[t];
    }
  }
  for (index_t a = 0; a < 2; ++a) {
    const T *__restrict__ s0 = s + (a * 4 + 0) * TW, *__restrict__ s1 = s + (a * 4 + 1) * TW,
            *__restrict__ s2 = s + (a * 4 + 2) * TW, *__restrict__ s3 = s + (a * 4 + 3) * TW;
    T *__restrict__ ya = out + (a * 2) * TW, *__restrict__ yb = out + (a * 2 + 1) * TW;
    #pragma GCC ivdep
    for (index_t t = 0; t < TW; ++t) {
      ya[t] = s0[t] + s1[t] + s2[t] + bias;
      yb[t] = s1[t] - s2[t] - s3[t] + bias;
    }
  }
  for (index_t a = 0; a < rows; ++a) {  // interleave the even and odd output columns
    T* __restrict__ y = a == 0 ? y0 : y1;
    const T *__restrict__ ya = out + (a * 2) * TW, *__restrict__ yb = out + (a * 2 + 1) * TW;
    #pragma GCC ivdep
    for (index_t t = 0; t < OW / 2; ++t) {
      y[2 * t] = ya[t];
      y[2 * t + 1] = yb[t];
    }
    if (OW % 2) y[OW - 1] = ya[TW - 1];
  }
}

// dM[xi][tw] (stride ldm) of one tile row of one dy plane: dM = A dY A^T, dY zero beyond OH, OW.
template <typename T>
I2DL_INLINE void grad_tile_row_impl(const T* dy0, const T* dy1, index_t OW, index_t TW, T* scratch, T* dM,
                                    index_t ldm) {
  T* E = scratch;             // 2 x TW
  T* O = scratch + 2 * TW;    // 2 x TW
  T* r = scratch + 4 * TW;    // 8 x TW: r[a][j]
  split_even_odd(dy0, OW, 0, TW, E, O);
  split_even_odd(dy1, OW, 0, TW, E + TW, O + TW);
  for (index_t a = 0; a < 2; ++a) {  // along the row: (y0, y0 + y1, y0 - y1, -y1)
    const T *e = E + a * TW, *o = O + a * TW;
    T *r0 = r + (a * 4) * TW, *r1 = r0 + TW, *r2 = r1 + TW, *r3 = r2 + TW;
    #pragma GCC ivdep
    for (index_t t = 0; t < TW; ++t) {
      r0[t] = e[t];
      r1[t] = e[t] + o[t];
      r2[t] = e[t] - o[t];
      r3[t] = -o[t];
    }
  }
  for (index_t j = 0; j < 4; ++j) {  // along the column
    const T *p = r + j * TW, *q = r + (4 + j) * TW;
    T *m0 = dM + j * ldm, *m1 = dM + (4 + j) * ldm, *m2 = dM + (8 + j) * ldm, *m3 = dM + (12 + j) * ldm;
    #pragma GCC ivdep
    for (index_t t = 0; t < TW; ++t) {
      m0[t] = p[t];
      m1[t] = p[t] + q[t];
      m2[t] = p[t] - q[t];
      m3[t] = -q[t];
    }
  }
}

#define I2DL_WINOGRAD_CLONES(T)                                                                                    \
  I2DL_CLONES void input_plane(const T* plane, index_t H, index_t W, index_t PH, index_t PW, index_t TW,          \
                               index_t th0, index_t th1, T* scratch, T* V, index_t ldv) {                          \
    input_plane_impl(plane, H, W, PH, PW, TW, th0, th1, scratch, V, ldv);                                          \
  }                                                                                                                \
  I2DL_CLONES void output_tile_row(const T* M, index_t ldm, index_t TW, T bias, index_t rows, index_t OW,          \
                                   T* scratch, T* y0, T* y1) {                                                     \
    output_tile_row_impl(M, ldm, TW, bias, rows, OW, scratch, y0, y1);                                             \
  }                                                                                                                \
  I2DL_CLONES void grad_tile_row(const T* dy0, const T* dy1, index_t OW, index_t TW, T* scratch, T* dM,            \
                                 index_t ldm) {                                                                    \
    grad_tile_row_impl(dy0, dy1, OW, TW, scratch, dM, ldm);                                                        \
  }
I2DL_WINOGRAD_CLONES(float)
I2DL_WINOGRAD_CLONES(double)
#undef I2DL_WINOGRAD_CLONES

}  // namespace detail

// V (16 x C x ld) for the tile rows [r0, r1) of x (N x C x H x W); tile t = (r - r0) * TW + tw.
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

// The forward pass of `s` on x with filters already transformed into U (16 x O x C).
template <typename T>
void winograd_forward_transformed(const Conv2dShape& s, const T* x, const T* U, const T* b, T* y) {
  const index_t C = s.C, O = s.O;
  const TilePlan p = plan_tiles(s, C, O);
  const index_t ld = p.rows_per_block * p.TW;
#pragma omp parallel
  {
    T* V = workspace<T>(Slot::kColumns, kXi * C * ld);
    T* M = workspace<T>(Slot::kGemmOut, kXi * O * ld);
    std::vector<T> scratch(scratch_size(p));
#pragma omp for schedule(static)
    for (index_t blk = 0; blk < p.blocks; ++blk) {
      const index_t r0 = blk * p.rows_per_block, r1 = std::min(p.tile_rows, r0 + p.rows_per_block);
      const index_t nt = (r1 - r0) * p.TW;
      transform_inputs(s, p, x, C, r0, r1, V, ld, scratch.data());
      for (index_t xi = 0; xi < kXi; ++xi)
        gemm(false, false, O, nt, C, T(1), U + xi * O * C, C, V + xi * C * ld, ld, T(0), M + xi * O * ld, ld);
      for (index_t r = r0; r < r1; ++r) {
        const index_t n = r / p.TH, th = r % p.TH, t0 = (r - r0) * p.TW;
        const index_t rows = std::min<index_t>(2, s.OH - 2 * th);
        for (index_t o = 0; o < O; ++o) {
          T* yp = y + ((n * O + o) * s.OH + 2 * th) * s.OW;
          detail::output_tile_row(M + o * ld + t0, O * ld, p.TW, b ? b[o] : T(0), rows, s.OW, scratch.data(), yp,
                                  yp + s.OW);
        }
      }
    }
  }
}

}  // namespace

bool uses_winograd(const Conv2dShape& s) {
  return s.KH == 3 && s.KW == 3 && s.SH == 1 && s.SW == 1 && s.DH == 1 && s.DW == 1 && s.groups == 1 &&
         s.C >= 16 && s.O >= 16 && s.OH >= 2 && s.OW >= 2;
}

bool uses_winograd_input_grad(const Conv2dShape& s) { return uses_winograd(s) && s.PH <= 2 && s.PW <= 2; }

template <typename T>
void conv2d_winograd_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y) {
  std::vector<T> U(kXi * s.O * s.C);
  transform_filters(w, s.O, s.C, false, U.data());
  winograd_forward_transformed(s, x, U.data(), b, y);
}

template <typename T>
void conv2d_winograd_backward(const Conv2dShape& s, const T* dy, const T* x, const T* w, T* dx, T* dw) {
  const index_t C = s.C, O = s.O;
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
    std::vector<T> U(kXi * C * O);
    transform_filters(w, C, O, true, U.data());
    winograd_forward_transformed(t, dy, U.data(), static_cast<const T*>(nullptr), dx);
  }
  // dU[xi] = sum over tiles dM[xi] V[xi]^T, per thread, added in thread order (reproducible)
  const TilePlan p = plan_tiles(s, C, O);
  const index_t ld = p.rows_per_block * p.TW;
  const int threads = omp_get_max_threads();
  std::vector<T*> partial(threads, nullptr);
  {
#pragma omp parallel num_threads(threads)
    {
      T* V = workspace<T>(Slot::kColumns, kXi * C * ld);
      T* dM = workspace<T>(Slot::kGemmOut, kXi * O * ld);
      T* dU = workspace<T>(Slot::kWeights, kXi * O * C);
      std::vector<T> scratch(scratch_size(p));
      bool first = true;
#pragma omp for schedule(static)
      for (index_t blk = 0; blk < p.blocks; ++blk) {
        const index_t r0 = blk * p.rows_per_block, r1 = std::min(p.tile_rows, r0 + p.rows_per_block);
        const index_t nt = (r1 - r0) * p.TW;
        transform_inputs(s, p, x, C, r0, r1, V, ld, scratch.data());
        for (index_t r = r0; r < r1; ++r) {
          const index_t n = r / p.TH, th = r % p.TH, t0 = (r - r0) * p.TW;
          for (index_t o = 0; o < O; ++o) {
            const T* g0 = dy + ((n * O + o) * s.OH + 2 * th) * s.OW;
            const T* g1 = 2 * th + 1 < s.OH ? g0 + s.OW : nullptr;
            detail::grad_tile_row(g0, g1, s.OW, p.TW, scratch.data(), dM + o * ld + t0, O * ld);
          }
        }
        for (index_t xi = 0; xi < kXi; ++xi)
          gemm(false, true, O, C, nt, T(1), dM + xi * O * ld, ld, V + xi * C * ld, ld, first ? T(0) : T(1),
               dU + xi * O * C, C);
        first = false;
      }
      if (!first) partial[omp_get_thread_num()] = dU;
    }
  }
  std::vector<T> total(kXi * O * C, T(0));
  for (T* part : partial) {
    if (!part) continue;
#pragma omp parallel for schedule(static)
    for (index_t i = 0; i < kXi * O * C; ++i) total[i] += part[i];
  }
  filters_from_transform(total.data(), O, C, dw);
}

template void conv2d_winograd_forward<float>(const Conv2dShape&, const float*, const float*, const float*, float*);
template void conv2d_winograd_forward<double>(const Conv2dShape&, const double*, const double*, const double*, double*);
template void conv2d_winograd_backward<float>(const Conv2dShape&, const float*, const float*, const float*, float*, float*);
template void conv2d_winograd_backward<double>(const Conv2dShape&, const double*, const double*, const double*, double*, double*);

}  // namespace i2dl
