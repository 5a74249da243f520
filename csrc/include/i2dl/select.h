// Selection: the k smallest (or largest) entries of each row of x (N, n), in order, with their
// positions (i2dl/kernels/reference/select.py is the specification: ties keep row order, NaN
// counts as larger than every number).
#pragma once
#include <cstdint>
#include <string>

namespace i2dl {

template <typename T>
void topk_forward(int64_t N, int64_t n, int64_t k, bool largest, const T* x, T* values, int64_t* indices);

template <typename T>
void topk_backward(int64_t N, int64_t n, int64_t k, const T* dvalues, const int64_t* indices, T* dx);

}  // namespace i2dl

// The CUDA launchers (csrc/cuda/select.cu): device pointers, `stream` a cudaStream_t; each returns ""
// or the CUDA error text.
namespace i2dl::cuda {

template <typename T>
std::string topk_forward(int64_t N, int64_t n, int64_t k, bool largest, const T* x, T* values, int64_t* indices,
                         void* stream);
template <typename T>
std::string topk_backward(int64_t N, int64_t n, int64_t k, const T* dvalues, const int64_t* indices, T* dx,
                          void* stream);

}  // namespace i2dl::cuda
