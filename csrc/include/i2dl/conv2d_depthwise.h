// Direct convolution for one input channel per group (depthwise, with any channel multiplier):
// there the im2col GEMM would have a single input channel and no reuse to exploit, so a plain
// loop over each plane is both simpler and many times faster.
#pragma once
#include "i2dl/conv2d.h"

namespace i2dl {

inline bool is_depthwise(const Conv2dShape& s) { return s.groups > 1 && s.Cg() == 1; }

template <typename T>
void conv2d_depthwise_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y);
// db and dx may be null (skipped).
template <typename T>
void conv2d_depthwise_backward(const Conv2dShape& s, const T* dy, const T* x, const T* w, T* dx, T* dw, T* db);

}  // namespace i2dl
