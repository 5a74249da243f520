// im2col / col2im on the GPU: one thread per column element (im2col) or per input element
// (col2im, which gathers its taps so that no atomics are needed and the result is deterministic).
#include "i2dl/conv2d.h"
#include "launch.cuh"

namespace i2dl::cuda {

template <typename T>
__global__ void im2col_kernel(Conv2dShape s, const T* __restrict__ x, index_t group, index_t n0, index_t count,
                              T* __restrict__ col) {
  const index_t P = s.OH * s.OW, taps = s.KH * s.KW, rows = (s.C / s.groups) * taps;
  const index_t total = count * rows * P;
  I2DL_GRID_STRIDE(i, total) {
    const index_t p = i % P, r = (i / P) % rows, img = i / (P * rows);
    const index_t c = r / taps, kh = (r % taps) / s.KW, kw = r % s.KW;
    const index_t oh = p / s.OW, ow = p % s.OW;
    const index_t ih = oh * s.SH - s.PH + kh * s.DH, iw = ow * s.SW - s.PW + kw * s.DW;
    T v = T(0);
    if (ih >= 0 && ih < s.H && iw >= 0 && iw < s.W)
      v = x[(((n0 + img) * s.C + group * (s.C / s.groups) + c) * s.H + ih) * s.W + iw];
    col[i] = v;
  }
}

template <typename T>
__global__ void col2im_kernel(Conv2dShape s, const T* __restrict__ col, index_t group, index_t n0, index_t count,
                              T* __restrict__ dx) {
  const index_t Cg = s.C / s.groups, P = s.OH * s.OW, taps = s.KH * s.KW, rows = Cg * taps;
  const index_t total = count * Cg * s.H * s.W;
  I2DL_GRID_STRIDE(i, total) {
    const index_t iw = i % s.W, ih = (i / s.W) % s.H, c = (i / (s.W * s.H)) % Cg, img = i / (s.W * s.H * Cg);
    T acc = T(0);
    for (index_t kh = 0; kh < s.KH; ++kh) {
      const index_t oh = tap_source(ih, kh, s.SH, s.PH, s.DH, s.OH);
      if (oh < 0) continue;
      for (index_t kw = 0; kw < s.KW; ++kw) {
        const index_t ow = tap_source(iw, kw, s.SW, s.PW, s.DW, s.OW);
        if (ow >= 0) acc += col[(img * rows + c * taps + kh * s.KW + kw) * P + oh * s.OW + ow];
      }
    }
    dx[(((n0 + img) * s.C + group * Cg + c) * s.H + ih) * s.W + iw] = acc;
  }
}

template <typename T>
__global__ void add_channel_bias_kernel(index_t N, index_t O, index_t P, const T* __restrict__ b, T* __restrict__ y) {
  I2DL_GRID_STRIDE(i, N * O * P) { y[i] += b[(i / P) % O]; }
}

template <typename T>
std::string im2col(const Conv2dShape& s, const T* x, index_t group, index_t n0, index_t count, T* col, void* stream) {
  const index_t total = count * (s.C / s.groups) * s.KH * s.KW * s.OH * s.OW;
  return launch("im2col", total, im2col_kernel<T>, stream, s, x, group, n0, count, col);
}

template <typename T>
std::string col2im(const Conv2dShape& s, const T* col, index_t group, index_t n0, index_t count, T* dx, void* stream) {
  const index_t total = count * (s.C / s.groups) * s.H * s.W;
  return launch("col2im", total, col2im_kernel<T>, stream, s, col, group, n0, count, dx);
}

template <typename T>
std::string add_channel_bias(index_t N, index_t O, index_t P, const T* b, T* y, void* stream) {
  return launch("add_channel_bias", N * O * P, add_channel_bias_kernel<T>, stream, N, O, P, b, y);
}

#define I2DL_INSTANTIATE(T)                                                                                        \
  template std::string im2col<T>(const Conv2dShape&, const T*, index_t, index_t, index_t, T*, void*);            \
  template std::string col2im<T>(const Conv2dShape&, const T*, index_t, index_t, index_t, T*, void*);            \
  template std::string add_channel_bias<T>(index_t, index_t, index_t, const T*, T*, void*);
I2DL_FOR_FLOATS(I2DL_INSTANTIATE)
#undef I2DL_INSTANTIATE

}  // namespace i2dl::cuda
