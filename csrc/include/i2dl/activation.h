// Activations worth a kernel: memory-bound loops that NumPy runs on one thread in two passes.
#pragma once
#include <string>

#include "i2dl/common.h"

namespace i2dl {

// y = max(x, 0) (NaN propagates, as in PyTorch)
template <typename T>
void relu_forward(index_t n, const T* x, T* y);
// dx = dy where y > 0, else 0
template <typename T>
void relu_backward(index_t n, const T* dy, const T* y, T* dx);

}  // namespace i2dl

// The CUDA launchers (csrc/cuda/): device pointers (CuPy's arr.data.ptr), `stream` a cudaStream_t
// (CuPy's current stream). Each enqueues its kernel, checks the launch and returns "" or the CUDA
// error text; declaring them needs no CUDA header.
namespace i2dl::cuda {

template <typename T>
std::string relu_forward(index_t n, const T* x, T* y, void* stream);
template <typename T>
std::string relu_backward(index_t n, const T* dy, const T* y, T* dx, void* stream);

}  // namespace i2dl::cuda
