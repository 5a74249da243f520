// Host launchers of the CUDA kernels of one family (csrc/cuda/pool2d.cu). Pointers are device pointers
// (CuPy's arr.data.ptr), `stream` is a cudaStream_t (CuPy's current stream). Each launcher enqueues
// its kernel, checks the launch and returns "" or the CUDA error text. No CUDA header is needed.
#pragma once
#include <cstdint>
#include <string>

#include "i2dl/pool2d.h"

namespace i2dl::cuda {

template <typename T>
std::string max_pool2d_forward(const Pool2dShape& s, const T* x, T* y, std::int64_t* idx, void* stream);
template <typename T>
std::string max_pool2d_backward(const Pool2dShape& s, const T* dy, const std::int64_t* idx, T* dx, void* stream);
template <typename T>
std::string avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y, void* stream);
template <typename T>
std::string avg_pool2d_backward(const Pool2dShape& s, const T* dy, T* dx, void* stream);
template <typename T>
std::string global_avg_pool2d_forward(index_t planes, index_t plane_size, const T* x, T* y, void* stream);
template <typename T>
std::string global_avg_pool2d_backward(index_t planes, index_t plane_size, const T* dy, T* dx, void* stream);

}  // namespace i2dl::cuda
