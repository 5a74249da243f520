// Pooling: one OpenMP task per (n, c) plane; the per-plane loops are compiled once per ISA.
#include "i2dl/pool2d.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace i2dl {
namespace detail {

template <typename T>
I2DL_INLINE void max_pool_plane_impl(const Pool2dShape& s, const T* x, T* y, std::int64_t* idx) {
  for (index_t oh = 0; oh < s.OH; ++oh) {
    const index_t h0 = oh * s.SH - s.PH;
    const index_t hs = std::max<index_t>(h0, 0), he = std::min<index_t>(h0 + s.KH, s.H);
    for (index_t ow = 0; ow < s.OW; ++ow) {
      const index_t w0 = ow * s.SW - s.PW;
      const index_t ws = std::max<index_t>(w0, 0), we = std::min<index_t>(w0 + s.KW, s.W);
      T best = -std::numeric_limits<T>::infinity();
      index_t best_i = hs * s.W + ws;
      for (index_t h = hs; h < he; ++h) {
        for (index_t w = ws; w < we; ++w) {
          const T v = x[h * s.W + w];
          // strictly greater keeps the first maximum; a NaN wins and stays (PyTorch's rule)
          if (v > best || (v != v && best == best)) {
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

// 2x2 windows, stride 2, no padding: the lecture's (and every CNN's) pooling gets a straight loop.
template <typename T>
I2DL_INLINE void max_pool_plane_2x2_impl(const Pool2dShape& s, const T* x, T* y, std::int64_t* idx) {
  for (index_t oh = 0; oh < s.OH; ++oh) {
    const T* r0 = x + (2 * oh) * s.W;
    const T* r1 = r0 + s.W;
    const index_t base = 2 * oh * s.W;
    for (index_t ow = 0; ow < s.OW; ++ow) {
      const T a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
      T best = a;
      index_t bi = base + 2 * ow;
      if (b > best || (b != b && best == best)) { best = b; bi = base + 2 * ow + 1; }
      if (c > best || (c != c && best == best)) { best = c; bi = base + s.W + 2 * ow; }
      if (d > best || (d != d && best == best)) { best = d; bi = base + s.W + 2 * ow + 1; }
      y[oh * s.OW + ow] = best;
      idx[oh * s.OW + ow] = bi;
    }
  }
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

template <typename T>
I2DL_INLINE void avg_pool_plane_impl(const Pool2dShape& s, const T* x, T* y) {
  const T scale = T(1) / T(s.KH * s.KW);
  for (index_t oh = 0; oh < s.OH; ++oh) {
    const index_t h0 = oh * s.SH - s.PH;
    const index_t hs = std::max<index_t>(h0, 0), he = std::min<index_t>(h0 + s.KH, s.H);
    for (index_t ow = 0; ow < s.OW; ++ow) {
      const index_t w0 = ow * s.SW - s.PW;
      const index_t ws = std::max<index_t>(w0, 0), we = std::min<index_t>(w0 + s.KW, s.W);
      T acc = T(0);
      for (index_t h = hs; h < he; ++h)
        for (index_t w = ws; w < we; ++w) acc += x[h * s.W + w];
      y[oh * s.OW + ow] = acc * scale;
    }
  }
}

template <typename T>
I2DL_INLINE void avg_pool_plane_backward_impl(const Pool2dShape& s, const T* dy, T* dx) {
  std::memset(dx, 0, sizeof(T) * s.H * s.W);
  const T scale = T(1) / T(s.KH * s.KW);
  for (index_t oh = 0; oh < s.OH; ++oh) {
    const index_t h0 = oh * s.SH - s.PH;
    const index_t hs = std::max<index_t>(h0, 0), he = std::min<index_t>(h0 + s.KH, s.H);
    for (index_t ow = 0; ow < s.OW; ++ow) {
      const index_t w0 = ow * s.SW - s.PW;
      const index_t ws = std::max<index_t>(w0, 0), we = std::min<index_t>(w0 + s.KW, s.W);
      const T g = dy[oh * s.OW + ow] * scale;
      for (index_t h = hs; h < he; ++h)
        for (index_t w = ws; w < we; ++w) dx[h * s.W + w] += g;
    }
  }
}

#define I2DL_POOL_CLONES(T)                                                                                  \
  I2DL_CLONES void max_pool_plane(const Pool2dShape& s, const T* x, T* y, std::int64_t* i) {                \
    if (s.KH == 2 && s.KW == 2 && s.SH == 2 && s.SW == 2 && s.PH == 0 && s.PW == 0)                          \
      max_pool_plane_2x2_impl(s, x, y, i);                                                                   \
    else                                                                                                     \
      max_pool_plane_impl(s, x, y, i);                                                                       \
  }                                                                                                          \
  I2DL_CLONES bool max_pool_plane_backward(const Pool2dShape& s, const T* dy, const std::int64_t* i, T* dx) { \
    return max_pool_plane_backward_impl(s, dy, i, dx);                                                       \
  }                                                                                                          \
  I2DL_CLONES void avg_pool_plane(const Pool2dShape& s, const T* x, T* y) { avg_pool_plane_impl(s, x, y); } \
  I2DL_CLONES void avg_pool_plane_backward(const Pool2dShape& s, const T* dy, T* dx) {                      \
    avg_pool_plane_backward_impl(s, dy, dx);                                                                 \
  }
I2DL_POOL_CLONES(float)
I2DL_POOL_CLONES(double)
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

#define I2DL_POOL_INSTANTIATE(T)                                                                        \
  template void max_pool2d_forward<T>(const Pool2dShape&, const T*, T*, std::int64_t*);                 \
  template bool max_pool2d_backward<T>(const Pool2dShape&, const T*, const std::int64_t*, T*);          \
  template void avg_pool2d_forward<T>(const Pool2dShape&, const T*, T*);                                \
  template void avg_pool2d_backward<T>(const Pool2dShape&, const T*, T*);                               \
  template void global_avg_pool2d_forward<T>(index_t, index_t, const T*, T*);                           \
  template void global_avg_pool2d_backward<T>(index_t, index_t, const T*, T*);
I2DL_POOL_INSTANTIATE(float)
I2DL_POOL_INSTANTIATE(double)

}  // namespace i2dl
