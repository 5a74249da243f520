// Direct convolution for one input channel per group: depthwise (any channel multiplier) and a
// first layer on one-channel images (LeNet's conv1). There the im2col GEMM would have a single
// input channel, no reuse to exploit and a GEMM too thin for BLAS, so a plain loop over each
// plane is both simpler and several times faster.
#pragma once
#include "i2dl/conv2d.h"

namespace i2dl {

inline bool is_depthwise(const Conv2dShape& s) { return s.Cg() == 1; }

template <typename T>
void conv2d_depthwise_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y);
// db and dx may be null (skipped).
template <typename T>
void conv2d_depthwise_backward(const Conv2dShape& s, const T* dy, const T* x, const T* w, T* dx, T* dw, T* db);

}  // namespace i2dl
