// Host launchers of the CUDA kernels of one family (csrc/cuda/optim.cu). Pointers are device pointers
// (CuPy's arr.data.ptr), `stream` is a cudaStream_t (CuPy's current stream). Each launcher enqueues
// its kernel, checks the launch and returns "" or the CUDA error text. No CUDA header is needed.
#pragma once
#include <cstdint>
#include <string>

#include "i2dl/common.h"

namespace i2dl::cuda {

template <typename T>
std::string sgd_step(index_t n, T* p, const T* g, T* v, double lr, double momentum, double dampening,
                     double weight_decay, bool nesterov, bool first_step, void* stream);

}  // namespace i2dl::cuda
