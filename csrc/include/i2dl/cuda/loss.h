// Host launchers of the CUDA kernels of one family (csrc/cuda/loss.cu). Pointers are device pointers
// (CuPy's arr.data.ptr), `stream` is a cudaStream_t (CuPy's current stream). Each launcher enqueues
// its kernel, checks the launch and returns "" or the CUDA error text. No CUDA header is needed.
#pragma once
#include <cstdint>
#include <string>

#include "i2dl/common.h"

namespace i2dl::cuda {

// Softmax cross-entropy with integer labels (already checked to lie in [0, C)).
template <typename T>
std::string cross_entropy_forward(index_t N, index_t C, const T* z, const std::int64_t* labels, T* loss, void* stream);
template <typename T>
std::string cross_entropy_backward(index_t N, index_t C, const T* dloss, const T* z, const std::int64_t* labels, T* dz,
                                   void* stream);

}  // namespace i2dl::cuda
