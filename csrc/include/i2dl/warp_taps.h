// The four bilinear taps of one sampling position, shared by the CPU and CUDA warps (host and
// device): flat input indices and weights, a weight 0 (index 0) for a corner outside the image.
#pragma once
#include <cmath>
#include <cstdint>

#include "i2dl/common.h"


namespace i2dl {

struct WarpTaps {
  int64_t index[4];
  double weight[4];
};

// theta: the image's 2 x 3 matrix, row-major; (i, j) the output pixel
template <typename T>
I2DL_HD inline WarpTaps warp_taps(const T* theta, int64_t i, int64_t j, int64_t H, int64_t W) {
  double sy = double(theta[0]) * i + double(theta[1]) * j + double(theta[2]);
  double sx = double(theta[3]) * i + double(theta[4]) * j + double(theta[5]);
  WarpTaps t{};
  if (!(std::isfinite(sy) && std::isfinite(sx))) return t;   // weights 0: all fill
  // far outside stays outside, and the floor below converts to an integer without overflow
  sy = sy < -2.0 ? -2.0 : (sy > H + 1.0 ? H + 1.0 : sy);
  sx = sx < -2.0 ? -2.0 : (sx > W + 1.0 ? W + 1.0 : sx);
  // floor by truncation of a non-negative number (the clamp above makes s + 2 >= 0): the baseline
  // x86-64 build has no rounding instruction, and a call to floor() per tap made the warp 10x slower
  const int64_t y0 = int64_t(sy + 2.0) - 2, x0 = int64_t(sx + 2.0) - 2;
  const double a = sy - double(y0), b = sx - double(x0);
  for (int u = 0; u < 2; ++u)
    for (int v = 0; v < 2; ++v) {
      const int64_t yy = y0 + u, xx = x0 + v, k = u * 2 + v;
      const bool inside = yy >= 0 && yy < H && xx >= 0 && xx < W;
      t.index[k] = inside ? yy * W + xx : 0;
      t.weight[k] = inside ? (u ? a : 1 - a) * (v ? b : 1 - b) : 0.0;
    }
  return t;
}

}  // namespace i2dl
