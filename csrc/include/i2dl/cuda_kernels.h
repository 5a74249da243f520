// Host launchers of the CUDA kernels. Pointers are device pointers (CuPy's arr.data.ptr), `stream`
// is a cudaStream_t (CuPy's current stream). Each launcher enqueues its kernel, checks the launch
// and returns "" or the CUDA error text. No CUDA header is needed to call them.
#pragma once
#include <cstdint>
#include <string>

#include "i2dl/conv2d.h"
#include "i2dl/pool2d.h"

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
// csrc/cuda/conv2d_direct.cu. b may be null; dw is (O, C/groups, KH, KW).
template <typename T>
std::string conv2d_direct_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y, void* stream);
template <typename T>
std::string conv2d_direct_backward_input(const Conv2dShape& s, const T* dy, const T* w, T* dx, void* stream);
template <typename T>
std::string conv2d_direct_backward_weight(const Conv2dShape& s, const T* dy, const T* x, T* dw, void* stream);

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

template <typename T>
std::string relu_forward(index_t n, const T* x, T* y, void* stream);
template <typename T>
std::string relu_backward(index_t n, const T* dy, const T* y, T* dx, void* stream);

// Softmax cross-entropy with integer labels (already checked to lie in [0, C)).
template <typename T>
std::string cross_entropy_forward(index_t N, index_t C, const T* z, const std::int64_t* labels, T* loss, void* stream);
template <typename T>
std::string cross_entropy_backward(index_t N, index_t C, const T* dloss, const T* z, const std::int64_t* labels, T* dz,
                                   void* stream);

template <typename T>
std::string sgd_step(index_t n, T* p, const T* g, T* v, double lr, double momentum, double dampening,
                     double weight_decay, bool nesterov, bool first_step, void* stream);

// Number of visible devices, or -1 with the reason in *why.
int device_count(std::string* why);
std::string runtime_version();

}  // namespace i2dl::cuda
