// Host launchers of the CUDA kernels of one family (csrc/cuda/im2col.cu, conv2d_depthwise.cu). Pointers are device pointers
// (CuPy's arr.data.ptr), `stream` is a cudaStream_t (CuPy's current stream). Each launcher enqueues
// its kernel, checks the launch and returns "" or the CUDA error text. No CUDA header is needed.
#pragma once
#include <cstdint>
#include <string>

#include "i2dl/conv2d.h"

namespace i2dl::cuda {

// col (count, Cg*KH*KW, OH*OW) for images [n0, n0+count) and channel group `group` of x.
template <typename T>
std::string im2col(const Conv2dShape& s, const T* x, index_t group, index_t n0, index_t count, T* col, void* stream);
// dx[n0+i, group channels] = sum of the taps of col that read each element (a gather: no atomics).
template <typename T>
std::string col2im(const Conv2dShape& s, const T* col, index_t group, index_t n0, index_t count, T* dx, void* stream);
// y[n, o, p] += b[o] for y (N, O, P).
template <typename T>
std::string add_channel_bias(index_t N, index_t O, index_t P, const T* b, T* y, void* stream);

// Direct convolution for grouped convs with one input channel per group (depthwise): see
// csrc/cuda/conv2d_depthwise.cu. b may be null; dw is (O, C/groups, KH, KW).
template <typename T>
std::string conv2d_direct_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y, void* stream);
template <typename T>
std::string conv2d_direct_backward_input(const Conv2dShape& s, const T* dy, const T* w, T* dx, void* stream);
template <typename T>
std::string conv2d_direct_backward_weight(const Conv2dShape& s, const T* dy, const T* x, T* dw, void* stream);

}  // namespace i2dl::cuda
