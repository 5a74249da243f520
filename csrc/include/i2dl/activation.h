// Activations worth a kernel: memory-bound loops that NumPy runs on one thread in two passes.
#pragma once
#include "i2dl/common.h"

namespace i2dl {

// y = max(x, 0) (NaN propagates, as in PyTorch)
template <typename T>
void relu_forward(index_t n, const T* x, T* y);
// dx = dy where y > 0, else 0
template <typename T>
void relu_backward(index_t n, const T* dy, const T* y, T* dx);

}  // namespace i2dl
