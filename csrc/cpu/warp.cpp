// Affine warps on the CPU: threads over images (and, for one image, over its channels' share of the
// work via the rows); per output pixel the four taps are computed once and applied to every channel.
// The backward scatters each output's gradient to its taps; one thread owns one image, so the adds
// never race.
#include <algorithm>

#include "i2dl/parallel.h"
#include "i2dl/warp.h"
#include "i2dl/warp_taps.h"

namespace i2dl {

template <typename T>
void affine_warp2d_forward(int64_t N, int64_t C, int64_t H, int64_t W, const T* x, const T* theta, double fill, T* y) {
  const int64_t P = H * W;
#pragma omp parallel for schedule(static) if (N * C * P >= kParallelFrom)
  for (int64_t n = 0; n < N; ++n) {
    const T* xn = x + n * C * P;
    T* yn = y + n * C * P;
    for (int64_t i = 0; i < H; ++i)
      for (int64_t j = 0; j < W; ++j) {
        const WarpTaps t = warp_taps(theta + n * 6, i, j, H, W);
        const double rest = fill * (1.0 - t.weight[0] - t.weight[1] - t.weight[2] - t.weight[3]);
        const int64_t p = i * W + j;
        for (int64_t c = 0; c < C; ++c) {
          const T* xc = xn + c * P;
          double v = rest;
          for (int k = 0; k < 4; ++k)
            if (t.weight[k] > 0) v += t.weight[k] * xc[t.index[k]];   // a corner of weight 0 is not read
          yn[c * P + p] = T(v);
        }
      }
  }
}

template <typename T>
void affine_warp2d_backward(int64_t N, int64_t C, int64_t H, int64_t W, const T* dy, const T* theta, T* dx) {
  const int64_t P = H * W;
#pragma omp parallel for schedule(static) if (N * C * P >= kParallelFrom)
  for (int64_t n = 0; n < N; ++n) {
    T* dxn = dx + n * C * P;
    std::fill(dxn, dxn + C * P, T(0));
    const T* dyn = dy + n * C * P;
    for (int64_t i = 0; i < H; ++i)
      for (int64_t j = 0; j < W; ++j) {
        const WarpTaps t = warp_taps(theta + n * 6, i, j, H, W);
        const int64_t p = i * W + j;
        for (int64_t c = 0; c < C; ++c) {
          const double g = dyn[c * P + p];
          for (int k = 0; k < 4; ++k)
            if (t.weight[k] > 0) dxn[c * P + t.index[k]] += T(t.weight[k] * g);
        }
      }
  }
}

#define I2DL_INSTANTIATE(T)                                                                                         \
  template void affine_warp2d_forward<T>(int64_t, int64_t, int64_t, int64_t, const T*, const T*, double, T*);       \
  template void affine_warp2d_backward<T>(int64_t, int64_t, int64_t, int64_t, const T*, const T*, T*);
I2DL_INSTANTIATE(float)
I2DL_INSTANTIATE(double)
#undef I2DL_INSTANTIATE

}  // namespace i2dl
