// Pooling: one OpenMP task per (n, c) plane; the per-plane loops are compiled once per ISA.
#include "i2dl/pool2d.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "i2dl/parallel.h"

namespace i2dl {
namespace detail {

// Strictly greater, or a NaN over a number (the first NaN stays: PyTorch's rule). Spelled so
// that GCC if-converts and vectorises the loops below; `(v > best) | (v != v ...)` it did not.
template <typename T>
I2DL_INLINE bool takes_over(T v, T best) {
  return !(v <= best) && (best == best);
}

// The output columns [lo, hi) whose windows lie whole inside the plane's columns (no padding, no
// overhang): where the interior loops below run; the columns outside them take PoolWindow's loop.
struct InteriorColumns {
  index_t lo, hi;
  explicit InteriorColumns(const Pool2dShape& s) {
    const index_t span = (s.KW - 1) * s.DW;  // left = ow SW - PW >= 0 and left + span < W
    lo = std::min(s.OW, (s.PW + s.SW - 1) / s.SW);
    hi = s.W - 1 - span + s.PW >= 0 ? std::min(s.OW, (s.W - 1 - span + s.PW) / s.SW + 1) : 0;
    hi = std::max(hi, lo);
  }
};

// One vector of L outputs of a row's interior columns, all taps with the running maximum in
// registers (the taps innermost: a pass per tap over the row stored and reloaded the maxima and
// their indices every tap). Taps in the scalar loop's order (kh, then kw), so the first maximum
// and the NaN rule are the same. Measured (2 threads, 3x3 stride 2 padding 1, against the
// per-window loop in the same run): (1, 64, 112, 112), ResNet's stem at 224 px, 6.7 -> 2.4 ms;
// (16, 64, 32, 32) 8.8 -> 3.9 ms.
template <index_t kStride, typename T>
I2DL_INLINE void max_vector(const Pool2dShape& s, const T* __restrict__ x, index_t top, index_t kh0, index_t kh1,
                            index_t ow0, T* __restrict__ y, std::int64_t* __restrict__ idx, index_t count) {
  constexpr index_t L = 64 / sizeof(T);
  const index_t sw = kStride ? kStride : s.SW, col0 = ow0 * sw - s.PW;
  T best[L];
  std::int64_t at[L];
  const index_t first = (top + kh0 * s.DH) * s.W + col0;
#pragma omp simd
  for (index_t j = 0; j < L; ++j) {
    best[j] = -std::numeric_limits<T>::infinity();
    at[j] = first + j * sw;
  }
  for (index_t kh = kh0; kh < kh1; ++kh) {
    for (index_t kw = 0; kw < s.KW; ++kw) {
      const index_t base = (top + kh * s.DH) * s.W + col0 + kw * s.DW;
      const T* __restrict__ xr = x + base;
#pragma omp simd
      for (index_t j = 0; j < L; ++j) {
        const T v = xr[j * sw];
        const bool take = takes_over(v, best[j]);
        best[j] = take ? v : best[j];
        at[j] = take ? base + j * sw : at[j];
      }
    }
  }
  for (index_t j = 0; j < count; ++j) {
    y[ow0 + j] = best[j];
    idx[ow0 + j] = at[j];
  }
}

// The interior columns [c0, c1) of output row `oh` by whole vectors; a last partial vector reads
// on into the next row (its extra outputs dropped) where that stays inside the plane, else it is
// left to the caller's per-window loop. Returns the end of the columns done.
template <typename T>
I2DL_INLINE index_t max_pool_row_interior(const Pool2dShape& s, const T* x, index_t top, index_t kh0, index_t kh1,
                                          index_t c0, index_t c1, T* y, std::int64_t* idx) {
  constexpr index_t L = 64 / sizeof(T);
  index_t ow = c0;
  for (; ow < c1; ow += L) {
    const index_t count = std::min(L, c1 - ow);
    const index_t reach = (top + (kh1 - 1) * s.DH) * s.W + (ow + L - 1) * s.SW - s.PW + (s.KW - 1) * s.DW;
    if (count < L && reach >= s.H * s.W) break;
    if (s.SW == 1)
      max_vector<1>(s, x, top, kh0, kh1, ow, y, idx, count);
    else if (s.SW == 2)
      max_vector<2>(s, x, top, kh0, kh1, ow, y, idx, count);
    else
      max_vector<0>(s, x, top, kh0, kh1, ow, y, idx, count);
  }
  return std::min(ow, c1);
}

template <typename T>
I2DL_INLINE void max_pool_plane_impl(const Pool2dShape& s, const T* x, T* y, std::int64_t* idx) {
  const InteriorColumns in(s);
  for (index_t oh = 0; oh < s.OH; ++oh) {
    const PoolWindow rows(s, oh, in.lo < in.hi ? in.lo : 0);
    const index_t done = in.lo < in.hi && rows.kh0 < rows.kh1
        ? max_pool_row_interior(s, x, rows.top, rows.kh0, rows.kh1, in.lo, in.hi, y + oh * s.OW, idx + oh * s.OW)
        : in.lo;
    for (index_t ow = 0; ow < s.OW; ++ow) {
      if (ow == in.lo && done > in.lo) {  // done above
        ow = done - 1;
        continue;
      }
      const PoolWindow win(s, oh, ow);
      T best = -std::numeric_limits<T>::infinity();
      index_t best_i = (win.top + win.kh0 * s.DH) * s.W + win.left + win.kw0 * s.DW;
      for (index_t kh = win.kh0; kh < win.kh1; ++kh) {
        const index_t h = win.top + kh * s.DH;
        for (index_t kw = win.kw0; kw < win.kw1; ++kw) {
          const index_t w = win.left + kw * s.DW;
          const T v = x[h * s.W + w];
          // strictly greater keeps the first maximum; a NaN wins and stays (PyTorch's rule)
          if (takes_over(v, best)) {
            best = v;
            best_i = h * s.W + w;
          }
        }
      }
      y[oh * s.OW + ow] = best;
      idx[oh * s.OW + ow] = best_i;
    }
  }
}

// 2x2 windows, stride 2, no padding: the lecture's (and every CNN's) pooling. The four corners
// of a chunk of windows are first gathered into contiguous arrays, then compared branch-free
// (data-dependent branches mispredict half the time on real data): ~10x the simple loop.
template <typename T>
I2DL_INLINE void max_pool_plane_2x2_wide(const Pool2dShape& s, const T* __restrict__ x, T* __restrict__ y,
                                         std::int64_t* __restrict__ idx) {
  constexpr index_t kChunk = 64;
  T a[kChunk], b[kChunk], c[kChunk], d[kChunk];
  const std::int64_t W = s.W;
  for (index_t oh = 0; oh < s.OH; ++oh) {
    const T* r0 = x + (2 * oh) * s.W;
    const T* r1 = r0 + s.W;
    const std::int64_t base = 2 * oh * s.W;
    for (index_t j0 = 0; j0 < s.OW; j0 += kChunk) {
      const index_t n = std::min(kChunk, s.OW - j0);
      for (index_t j = 0; j < n; ++j) {
        a[j] = r0[2 * (j0 + j)];
        b[j] = r0[2 * (j0 + j) + 1];
        c[j] = r1[2 * (j0 + j)];
        d[j] = r1[2 * (j0 + j) + 1];
      }
      T* yr = y + oh * s.OW + j0;
      std::int64_t* ir = idx + oh * s.OW + j0;
      for (index_t j = 0; j < n; ++j) {
        T best = a[j];
        std::int64_t off = 0;
        bool t = takes_over(b[j], best);
        best = t ? b[j] : best;
        off = t ? 1 : off;
        t = takes_over(c[j], best);
        best = t ? c[j] : best;
        off = t ? W : off;
        t = takes_over(d[j], best);
        best = t ? d[j] : best;
        off = t ? W + 1 : off;
        yr[j] = best;
        ir[j] = base + 2 * (j0 + j) + off;
      }
    }
  }
}

// Rows narrower than a vector: one window at a time, still branch-free (selects, no jumps).
template <typename T>
I2DL_INLINE void max_pool_plane_2x2_narrow(const Pool2dShape& s, const T* __restrict__ x, T* __restrict__ y,
                                           std::int64_t* __restrict__ idx) {
  const std::int64_t W = s.W;
  for (index_t oh = 0; oh < s.OH; ++oh) {
    const T* r0 = x + (2 * oh) * s.W;
    const T* r1 = r0 + s.W;
    const std::int64_t base = 2 * oh * s.W;
    for (index_t ow = 0; ow < s.OW; ++ow) {
      const T a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
      // pairwise: the first maximum of each row pair, then of the two
      const bool tb = takes_over(b, a), td = takes_over(d, c);
      const T top = tb ? b : a, bottom = td ? d : c;
      const std::int64_t top_i = tb ? 1 : 0, bottom_i = td ? W + 1 : W;
      const bool tv = takes_over(bottom, top);
      y[oh * s.OW + ow] = tv ? bottom : top;
      idx[oh * s.OW + ow] = base + 2 * ow + (tv ? bottom_i : top_i);
    }
  }
}

template <typename T>
I2DL_INLINE void max_pool_plane_2x2_impl(const Pool2dShape& s, const T* x, T* y, std::int64_t* idx) {
  if (s.OW >= 16)
    max_pool_plane_2x2_wide(s, x, y, idx);
  else
    max_pool_plane_2x2_narrow(s, x, y, idx);
}

template <typename T>
I2DL_INLINE void avg_pool_plane_2x2_impl(const Pool2dShape& s, const T* __restrict__ x, T* __restrict__ y) {
  for (index_t oh = 0; oh < s.OH; ++oh) {
    const T* r0 = x + (2 * oh) * s.W;
    const T* r1 = r0 + s.W;
    T* yr = y + oh * s.OW;
#pragma omp simd
    for (index_t ow = 0; ow < s.OW; ++ow) yr[ow] = T(0.25) * ((r0[2 * ow] + r0[2 * ow + 1]) + (r1[2 * ow] + r1[2 * ow + 1]));
  }
}

// Non-overlapping windows: every input element gets its share once (no zeroing pass needed,
// except for the rows and columns the floor mode leaves uncovered).
template <typename T>
I2DL_INLINE void avg_pool_plane_backward_2x2_impl(const Pool2dShape& s, const T* __restrict__ dy, T* __restrict__ dx) {
  for (index_t oh = 0; oh < s.OH; ++oh) {
    T* r0 = dx + (2 * oh) * s.W;
    T* r1 = r0 + s.W;
    const T* g = dy + oh * s.OW;
#pragma omp simd
    for (index_t ow = 0; ow < s.OW; ++ow) {
      const T v = T(0.25) * g[ow];
      r0[2 * ow] = v;
      r0[2 * ow + 1] = v;
      r1[2 * ow] = v;
      r1[2 * ow + 1] = v;
    }
    for (index_t w = 2 * s.OW; w < s.W; ++w) r0[w] = r1[w] = T(0);
  }
  for (index_t h = 2 * s.OH; h < s.H; ++h)
    for (index_t w = 0; w < s.W; ++w) dx[h * s.W + w] = T(0);
}

template <typename T>
I2DL_INLINE bool max_pool_plane_backward_impl(const Pool2dShape& s, const T* dy, const std::int64_t* idx, T* dx) {
  std::memset(dx, 0, sizeof(T) * s.H * s.W);  // the plane is small: zeroed and scattered while in cache
  const index_t n = s.OH * s.OW, plane = s.H * s.W;
  bool valid = true;
  for (index_t j = 0; j < n; ++j) {
    const std::int64_t i = idx[j];
    if (i < 0 || i >= plane) {
      valid = false;
      continue;
    }
    dx[i] += dy[j];
  }
  return valid;
}

// The sums over one output row's interior windows, a vector of outputs at a time with the taps
// innermost, as max_vector; the divisor is the same for all of them (their columns are whole, the
// rows the row's). Returns the end of the columns done.
template <index_t kStride, typename T>
I2DL_INLINE void avg_vector(const Pool2dShape& s, const T* __restrict__ x, const PoolWindow& rows, index_t ow0,
                            T div, T* __restrict__ y, index_t count) {
  constexpr index_t L = 64 / sizeof(T);
  const index_t sw = kStride ? kStride : s.SW, col0 = ow0 * sw - s.PW;
  T acc[L] = {};
  for (index_t h = rows.top + rows.kh0; h < rows.top + rows.kh1; ++h) {
    for (index_t kw = 0; kw < s.KW; ++kw) {
      const T* __restrict__ xr = x + h * s.W + col0 + kw;
#pragma omp simd
      for (index_t j = 0; j < L; ++j) acc[j] += xr[j * sw];
    }
  }
  for (index_t j = 0; j < count; ++j) y[ow0 + j] = acc[j] / div;
}

template <typename T>
I2DL_INLINE index_t avg_pool_row_interior(const Pool2dShape& s, const T* x, const PoolWindow& rows, index_t c0,
                                          index_t c1, T* y) {
  constexpr index_t L = 64 / sizeof(T);
  const T div = T(rows.divisor(s));
  index_t ow = c0;
  for (; ow < c1; ow += L) {
    const index_t count = std::min(L, c1 - ow);
    const index_t reach = (rows.top + rows.kh1 - 1) * s.W + (ow + L - 1) * s.SW - s.PW + s.KW - 1;
    if (count < L && reach >= s.H * s.W) break;
    if (s.SW == 1)
      avg_vector<1>(s, x, rows, ow, div, y, count);
    else if (s.SW == 2)
      avg_vector<2>(s, x, rows, ow, div, y, count);
    else
      avg_vector<0>(s, x, rows, ow, div, y, count);
  }
  return std::min(ow, c1);
}

template <typename T>
I2DL_INLINE void avg_pool_plane_impl(const Pool2dShape& s, const T* x, T* y) {
  const InteriorColumns in(s);  // avg pooling has no dilation (DW = 1)
  for (index_t oh = 0; oh < s.OH; ++oh) {
    const PoolWindow rows(s, oh, in.lo < in.hi ? in.lo : 0);
    const index_t done = in.lo < in.hi ? avg_pool_row_interior(s, x, rows, in.lo, in.hi, y + oh * s.OW) : in.lo;
    for (index_t ow = 0; ow < s.OW; ++ow) {
      if (ow == in.lo && done > in.lo) {  // done above
        ow = done - 1;
        continue;
      }
      const PoolWindow win(s, oh, ow);
      T acc = T(0);
      for (index_t h = win.top + win.kh0; h < win.top + win.kh1; ++h)
        for (index_t w = win.left + win.kw0; w < win.left + win.kw1; ++w) acc += x[h * s.W + w];
      y[oh * s.OW + ow] = acc / T(win.divisor(s));
    }
  }
}

template <typename T>
I2DL_INLINE void avg_pool_plane_backward_impl(const Pool2dShape& s, const T* dy, T* dx) {
  std::memset(dx, 0, sizeof(T) * s.H * s.W);
  for (index_t oh = 0; oh < s.OH; ++oh) {
    for (index_t ow = 0; ow < s.OW; ++ow) {
      const PoolWindow win(s, oh, ow);
      const T g = dy[oh * s.OW + ow] / T(win.divisor(s));
      for (index_t h = win.top + win.kh0; h < win.top + win.kh1; ++h)
        for (index_t w = win.left + win.kw0; w < win.left + win.kw1; ++w) dx[h * s.W + w] += g;
    }
  }
}

// The fast 2x2 paths: every window whole inside the plane (no padding, no ceil-mode overhang), a
// divisor of 4.
inline bool is_2x2_stride_2(const Pool2dShape& s) {
  return s.KH == 2 && s.KW == 2 && s.SH == 2 && s.SW == 2 && s.PH == 0 && s.PW == 0 && s.DH == 1 && s.DW == 1 &&
         2 * s.OH <= s.H && 2 * s.OW <= s.W && (s.divisor == 0 || s.divisor == 4);
}

#define I2DL_POOL_CLONES(T)                                                                                  \
  I2DL_CLONES void max_pool_plane(const Pool2dShape& s, const T* x, T* y, std::int64_t* i) {                \
    if (is_2x2_stride_2(s))                                                                                  \
      max_pool_plane_2x2_impl(s, x, y, i);                                                                   \
    else                                                                                                     \
      max_pool_plane_impl(s, x, y, i);                                                                       \
  }                                                                                                          \
  I2DL_CLONES bool max_pool_plane_backward(const Pool2dShape& s, const T* dy, const std::int64_t* i, T* dx) { \
    return max_pool_plane_backward_impl(s, dy, i, dx);                                                       \
  }                                                                                                          \
  I2DL_CLONES void avg_pool_plane(const Pool2dShape& s, const T* x, T* y) {                                 \
    if (is_2x2_stride_2(s))                                                                                  \
      avg_pool_plane_2x2_impl(s, x, y);                                                                      \
    else                                                                                                     \
      avg_pool_plane_impl(s, x, y);                                                                          \
  }                                                                                                          \
  I2DL_CLONES void avg_pool_plane_backward(const Pool2dShape& s, const T* dy, T* dx) {                      \
    if (is_2x2_stride_2(s))                                                                                  \
      avg_pool_plane_backward_2x2_impl(s, dy, dx);                                                           \
    else                                                                                                     \
      avg_pool_plane_backward_impl(s, dy, dx);                                                               \
  }
I2DL_FOR_FLOATS(I2DL_POOL_CLONES)
#undef I2DL_POOL_CLONES

}  // namespace detail

template <typename T>
void max_pool2d_forward(const Pool2dShape& s, const T* x, T* y, std::int64_t* idx) {
  const index_t in = s.H * s.W, out = s.OH * s.OW;
#pragma omp parallel for schedule(static)
  for (index_t p = 0; p < s.planes(); ++p) detail::max_pool_plane(s, x + p * in, y + p * out, idx + p * out);
}

template <typename T>
bool max_pool2d_backward(const Pool2dShape& s, const T* dy, const std::int64_t* idx, T* dx) {
  const index_t in = s.H * s.W, out = s.OH * s.OW;
  bool valid = true;
#pragma omp parallel for schedule(static) reduction(&& : valid)
  for (index_t p = 0; p < s.planes(); ++p)
    valid = detail::max_pool_plane_backward(s, dy + p * out, idx + p * out, dx + p * in) && valid;
  return valid;
}

template <typename T>
void avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y) {
  const index_t in = s.H * s.W, out = s.OH * s.OW;
#pragma omp parallel for schedule(static)
  for (index_t p = 0; p < s.planes(); ++p) detail::avg_pool_plane(s, x + p * in, y + p * out);
}

template <typename T>
void avg_pool2d_backward(const Pool2dShape& s, const T* dy, T* dx) {
  const index_t in = s.H * s.W, out = s.OH * s.OW;
#pragma omp parallel for schedule(static)
  for (index_t p = 0; p < s.planes(); ++p) detail::avg_pool_plane_backward(s, dy + p * out, dx + p * in);
}

template <typename T>
void global_avg_pool2d_forward(index_t planes, index_t plane_size, const T* x, T* y) {
  const T scale = T(1) / T(plane_size);
#pragma omp parallel for schedule(static)
  for (index_t p = 0; p < planes; ++p) {
    T acc = T(0);
    const T* xp = x + p * plane_size;
#pragma omp simd reduction(+ : acc)
    for (index_t i = 0; i < plane_size; ++i) acc += xp[i];
    y[p] = acc * scale;
  }
}

template <typename T>
void global_avg_pool2d_backward(index_t planes, index_t plane_size, const T* dy, T* dx) {
  const T scale = T(1) / T(plane_size);
#pragma omp parallel for schedule(static)
  for (index_t p = 0; p < planes; ++p) {
    const T g = dy[p] * scale;
    T* dp = dx + p * plane_size;
    for (index_t i = 0; i < plane_size; ++i) dp[i] = g;
  }
}

template <typename T>
void adaptive_avg_pool2d_forward(const AdaptiveBins& b, const T* x, T* y) {
#pragma omp parallel for schedule(static) if (b.planes * b.H * b.W >= kParallelFrom)
  for (index_t p = 0; p < b.planes; ++p) {
    const T* plane = x + p * b.H * b.W;
    T* out = y + p * b.OH * b.OW;
    for (index_t i = 0; i < b.OH; ++i)
      for (index_t j = 0; j < b.OW; ++j) {
        T acc = T(0);
        for (index_t h = b.h_start[i]; h < b.h_end[i]; ++h)
          for (index_t w = b.w_start[j]; w < b.w_end[j]; ++w) acc += plane[h * b.W + w];
        out[i * b.OW + j] = acc / T((b.h_end[i] - b.h_start[i]) * (b.w_end[j] - b.w_start[j]));
      }
  }
}

template <typename T>
void adaptive_avg_pool2d_backward(const AdaptiveBins& b, const T* dy, T* dx) {
#pragma omp parallel for schedule(static) if (b.planes * b.H * b.W >= kParallelFrom)
  for (index_t p = 0; p < b.planes; ++p) {
    T* plane = dx + p * b.H * b.W;
    const T* g = dy + p * b.OH * b.OW;
    std::fill(plane, plane + b.H * b.W, T(0));
    for (index_t i = 0; i < b.OH; ++i)
      for (index_t j = 0; j < b.OW; ++j) {
        const T share = g[i * b.OW + j] / T((b.h_end[i] - b.h_start[i]) * (b.w_end[j] - b.w_start[j]));
        for (index_t h = b.h_start[i]; h < b.h_end[i]; ++h)
          for (index_t w = b.w_start[j]; w < b.w_end[j]; ++w) plane[h * b.W + w] += share;
      }
  }
}

template <typename T>
void adaptive_max_pool2d_forward(const AdaptiveBins& b, const T* x, T* y, std::int64_t* idx) {
#pragma omp parallel for schedule(static) if (b.planes * b.H * b.W >= kParallelFrom)
  for (index_t p = 0; p < b.planes; ++p) {
    const T* plane = x + p * b.H * b.W;
    for (index_t i = 0; i < b.OH; ++i)
      for (index_t j = 0; j < b.OW; ++j) {
        T best = -std::numeric_limits<T>::infinity();
        index_t best_i = b.h_start[i] * b.W + b.w_start[j];
        for (index_t h = b.h_start[i]; h < b.h_end[i]; ++h)
          for (index_t w = b.w_start[j]; w < b.w_end[j]; ++w)
            if (detail::takes_over(plane[h * b.W + w], best)) {
              best = plane[h * b.W + w];
              best_i = h * b.W + w;
            }
        y[p * b.OH * b.OW + i * b.OW + j] = best;
        idx[p * b.OH * b.OW + i * b.OW + j] = best_i;
      }
  }
}

template <typename T>
bool max_unpool2d_forward(index_t planes, index_t in, index_t out, const T* x, const std::int64_t* idx, T* y) {
  bool valid = true;
#pragma omp parallel for schedule(static) reduction(&& : valid) if (planes * (in + out) >= kParallelFrom)
  for (index_t p = 0; p < planes; ++p) {
    T* yp = y + p * out;
    std::fill(yp, yp + out, T(0));
    for (index_t j = 0; j < in; ++j) {  // in order: a repeated index keeps the last value (the reference's rule)
      const std::int64_t i = idx[p * in + j];
      if (i < 0 || i >= out) {
        valid = false;
        continue;
      }
      yp[i] = x[p * in + j];
    }
  }
  return valid;
}

template <typename T>
bool max_unpool2d_backward(index_t planes, index_t in, index_t out, const T* dy, const std::int64_t* idx, T* dx) {
  bool valid = true;
#pragma omp parallel for schedule(static) reduction(&& : valid) if (planes * in >= kParallelFrom)
  for (index_t p = 0; p < planes; ++p)
    for (index_t j = 0; j < in; ++j) {
      const std::int64_t i = idx[p * in + j];
      const bool ok = i >= 0 && i < out;
      valid = valid && ok;
      dx[p * in + j] = ok ? dy[p * out + i] : T(0);
    }
  return valid;
}

#define I2DL_POOL_INSTANTIATE(T)                                                                        \
  template void max_pool2d_forward<T>(const Pool2dShape&, const T*, T*, std::int64_t*);                 \
  template bool max_pool2d_backward<T>(const Pool2dShape&, const T*, const std::int64_t*, T*);          \
  template void avg_pool2d_forward<T>(const Pool2dShape&, const T*, T*);                                \
  template void avg_pool2d_backward<T>(const Pool2dShape&, const T*, T*);                               \
  template bool max_unpool2d_forward<T>(index_t, index_t, index_t, const T*, const std::int64_t*, T*);  \
  template bool max_unpool2d_backward<T>(index_t, index_t, index_t, const T*, const std::int64_t*, T*); \
  template void global_avg_pool2d_forward<T>(index_t, index_t, const T*, T*);                           \
  template void global_avg_pool2d_backward<T>(index_t, index_t, const T*, T*);
I2DL_FOR_FLOATS(I2DL_POOL_INSTANTIATE)

#define I2DL_ADAPTIVE_INSTANTIATE(T)                                                        \
  template void adaptive_avg_pool2d_forward<T>(const AdaptiveBins&, const T*, T*);          \
  template void adaptive_avg_pool2d_backward<T>(const AdaptiveBins&, const T*, T*);        \
  template void adaptive_max_pool2d_forward<T>(const AdaptiveBins&, const T*, T*, std::int64_t*);
I2DL_FOR_FLOATS(I2DL_ADAPTIVE_INSTANTIATE)

}  // namespace i2dl
