// Softmax cross-entropy on logits z (N, C) with integer labels (N,); see
// i2dl/kernels/reference/loss.py for the formula. Labels are checked to lie in [0, C) before.
#pragma once
#include <cstdint>

#include <string>

#include "i2dl/common.h"

namespace i2dl {

// loss[i] = log sum_c exp(z[i,c] - m_i) + m_i - z[i, labels[i]],  m_i = max_c z[i,c]
template <typename T>
void cross_entropy_forward(index_t N, index_t C, const T* z, const std::int64_t* labels, T* loss);
// dz[i,c] = dloss[i] * (softmax(z_i)_c - [c == labels[i]])
template <typename T>
void cross_entropy_backward(index_t N, index_t C, const T* dloss, const T* z, const std::int64_t* labels, T* dz);

}  // namespace i2dl

// The CUDA launchers (csrc/cuda/): device pointers (CuPy's arr.data.ptr), `stream` a cudaStream_t
// (CuPy's current stream). Each enqueues its kernel, checks the launch and returns "" or the CUDA
// error text; declaring them needs no CUDA header.
namespace i2dl::cuda {

// Softmax cross-entropy with integer labels (already checked to lie in [0, C)).
template <typename T>
std::string cross_entropy_forward(index_t N, index_t C, const T* z, const std::int64_t* labels, T* loss, void* stream);
template <typename T>
std::string cross_entropy_backward(index_t N, index_t C, const T* dloss, const T* z, const std::int64_t* labels, T* dz,
                                   void* stream);

}  // namespace i2dl::cuda
