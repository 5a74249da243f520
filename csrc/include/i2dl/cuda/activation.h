// Host launchers of the CUDA kernels of one family (csrc/cuda/activation.cu). Pointers are device pointers
// (CuPy's arr.data.ptr), `stream` is a cudaStream_t (CuPy's current stream). Each launcher enqueues
// its kernel, checks the launch and returns "" or the CUDA error text. No CUDA header is needed.
#pragma once
#include <cstdint>
#include <string>

#include "i2dl/common.h"

namespace i2dl::cuda {

template <typename T>
std::string relu_forward(index_t n, const T* x, T* y, void* stream);
template <typename T>
std::string relu_backward(index_t n, const T* dy, const T* y, T* dx, void* stream);

}  // namespace i2dl::cuda
