// Direct convolution for one input channel per group: depthwise (any channel multiplier) and a
// first layer on one-channel images (LeNet's conv1). There the im2col GEMM would have a single
// input channel, no reuse to exploit and a GEMM too thin for BLAS, so a plain loop over each
// plane is both simpler and several times faster.
#pragma once
#include "i2dl/conv2d.h"

namespace i2dl {

inline bool is_depthwise(const Conv2dShape& s) { return s.Cg() == 1; }

// Few filter planes per group on rows of at least a vector: the forward is cheaper as Cg
// correlations per output plane than as a GEMM with a handful of rows (measured: 1x3x32x32 -> 16
// at 0.013 vs 0.025 ms). On narrower rows (LeNet's 8x8 conv2 outputs) half of each vector idles
// and the GEMM wins (0.3 vs 0.75 ms).
constexpr index_t kSmallConvMaxFilterPlanes = 128;
inline bool uses_small_forward(const Conv2dShape& s) {
  return s.Cg() * s.Og() <= kSmallConvMaxFilterPlanes && s.OW >= 16;
}

// y[n, o] = b[o] + sum_{c in group} correlate(x_pad[n, c], w[o, c]), one output plane per task.
template <typename T>
void conv2d_small_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y);

template <typename T>
void conv2d_depthwise_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y);
// db and dx may be null (skipped).
template <typename T>
void conv2d_depthwise_backward(const Conv2dShape& s, const T* dy, const T* x, const T* w, T* dx, T* dw, T* db);

}  // namespace i2dl
