// Affine warps on the GPU: the forward one thread per output pixel (all channels), the backward one
// thread per image plane (n, c) scattering its outputs' gradients, so no two threads add to the same
// input pixel (no atomics: the sums are the same run to run).
#include <cstdint>

#include "i2dl/warp.h"
#include "i2dl/warp_taps.h"
#include "launch.cuh"

namespace i2dl::cuda {

template <typename T>
__global__ void affine_warp2d_forward_kernel(index_t N, int64_t C, int64_t H, int64_t W, const T* __restrict__ x,
                                             const T* __restrict__ theta, double fill, T* __restrict__ y) {
  const int64_t P = H * W;
  I2DL_GRID_STRIDE(e, N * P) {
    const int64_t n = e / P, p = e % P;
    const WarpTaps t = warp_taps(theta + n * 6, p / W, p % W, H, W);
    const double rest = fill * (1.0 - t.weight[0] - t.weight[1] - t.weight[2] - t.weight[3]);
    for (int64_t c = 0; c < C; ++c) {
      const T* xc = x + (n * C + c) * P;
      double v = rest;
      for (int k = 0; k < 4; ++k)
        if (t.weight[k] > 0) v += t.weight[k] * xc[t.index[k]];
      y[(n * C + c) * P + p] = T(v);
    }
  }
}

template <typename T>
__global__ void affine_warp2d_backward_kernel(index_t planes, int64_t C, int64_t H, int64_t W, const T* __restrict__ dy,
                                              const T* __restrict__ theta, T* __restrict__ dx) {
  const int64_t P = H * W;
  I2DL_GRID_STRIDE(q, planes) {
    const int64_t n = q / C;
    T* d = dx + q * P;
    for (int64_t p = 0; p < P; ++p) d[p] = T(0);
    for (int64_t p = 0; p < P; ++p) {
      const WarpTaps t = warp_taps(theta + n * 6, p / W, p % W, H, W);
      const double g = dy[q * P + p];
      for (int k = 0; k < 4; ++k)
        if (t.weight[k] > 0) d[t.index[k]] += T(t.weight[k] * g);
    }
  }
}

template <typename T>
std::string affine_warp2d_forward(int64_t N, int64_t C, int64_t H, int64_t W, const T* x, const T* theta, double fill,
                                  T* y, void* stream) {
  return launch("affine_warp2d_forward", N * H * W, affine_warp2d_forward_kernel<T>, stream, N, C,
                H, W, x, theta, fill, y);
}

template <typename T>
std::string affine_warp2d_backward(int64_t N, int64_t C, int64_t H, int64_t W, const T* dy, const T* theta, T* dx,
                                   void* stream) {
  return launch("affine_warp2d_backward", N * C, affine_warp2d_backward_kernel<T>, stream, N * C, C, H, W, dy, theta,
                dx);
}

#define I2DL_INSTANTIATE(T)                                                                                        \
  template std::string affine_warp2d_forward<T>(int64_t, int64_t, int64_t, int64_t, const T*, const T*, double, T*, \
                                                void*);                                                            \
  template std::string affine_warp2d_backward<T>(int64_t, int64_t, int64_t, int64_t, const T*, const T*, T*, void*);
I2DL_FOR_FLOATS(I2DL_INSTANTIATE)
#undef I2DL_INSTANTIATE

}  // namespace i2dl::cuda
