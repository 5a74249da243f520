// Direct convolution for one input channel per group: depthwise (any channel multiplier) and a
// first layer on one-channel images (LeNet's conv1). There the im2col GEMM would have a single
// input channel, no reuse to exploit and a GEMM too thin for BLAS, so a plain loop over each
// plane is both simpler and several times faster.
#pragma once
#include "i2dl/conv2d.h"

namespace i2dl {

inline bool is_depthwise(const Conv2dShape& s) { return s.Cg() == 1; }

// A one-channel input (C = 1, groups = 1) takes the direct planes only for few filters on rows of at
// least a vector; otherwise the im2col GEMM reuses each column for all O filters and wins. Measured,
// 2 threads, float32, forward+backward (dW) ms, direct vs im2col: 64x1x8x8 -> 32 3x3 0.28 vs 0.10 (the
// digits CNN's conv1), 256x1x8x8 -> 32 1.04 vs 0.38, 64x1x28x28 -> 32 3x3 1.55 vs 1.34, 1x1x224x224 -> 64
// 7x7 13.7 vs 8.8, 64x1x16x16 -> 64 0.87 vs 0.73; but 64x1x28x28 -> 6 5x5 (LeNet's conv1) 0.47 vs 0.60
// and 16x1x64x64 -> 16 3x3 0.65 vs 1.99.
constexpr index_t kDirectSingleChannelMaxFilters = 16;
inline bool uses_depthwise(const Conv2dShape& s) {
  if (!is_depthwise(s)) return false;
  if (s.groups > 1) return true;
  return s.O <= kDirectSingleChannelMaxFilters && s.OW >= 16;
}

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
// dx and dw (the bias gradient is conv2d_backward's, as for every path); dx may be null (skipped).
// Returns false where dw may hold a NaN that the formula does not (an inf or NaN in x multiplied by
// dy's zero padding): dw is then to be computed by im2col.
template <typename T>
bool conv2d_depthwise_backward(const Conv2dShape& s, const T* dy, const T* x, const T* w, T* dx, T* dw);

}  // namespace i2dl
