// 2-D convolution (cross-correlation, as in PyTorch), NCHW, with stride, padding, dilation, groups.
#pragma once
#include <string>

#include "i2dl/common.h"

namespace i2dl {

struct Conv2dShape {
  index_t N, C, H, W;      // input
  index_t O, KH, KW;       // weight (O, C/groups, KH, KW)
  index_t SH, SW, PH, PW, DH, DW, groups;
  index_t OH, OW;          // output, floor((H + 2P - D(K-1) - 1)/S) + 1
  index_t Cg() const { return C / groups; }
  index_t Og() const { return O / groups; }
  index_t taps() const { return KH * KW; }
  index_t out_pixels() const { return OH * OW; }
  bool is_pointwise() const {  // 1x1, stride 1, no padding: the input already is the column matrix
    return KH == 1 && KW == 1 && SH == 1 && SW == 1 && PH == 0 && PW == 0;
  }
};

// Fills OH, OW from the rest; returns false when the output would be empty.
bool conv2d_output_size(Conv2dShape& s);

// Which algorithm each pass of a convolution of this shape runs; conv2d_forward and
// conv2d_backward dispatch on it, so it is also what `_C.conv2d_algorithms` reports.
enum class ConvPath { kDepthwise, kSmallForward, kChannelVector, kWinograd, kWinogradShared, kStrided, kIm2col };
const char* conv_path_name(ConvPath p);  // "depthwise", "small_forward", "channel_vector", ...
struct Conv2dAlgorithms {
  ConvPath forward, weight_grad, input_grad;
};
// input_grad: whether the backward also computes dx (Winograd's backward needs padding <= 2 for it).
template <typename T>
Conv2dAlgorithms conv2d_algorithms(const Conv2dShape& s, bool input_grad = true);

// y (N, O, OH, OW) = sum_{c,kh,kw} w[o, c, kh, kw] x[n, g*Cg + c, oh*S - P + kh*D, ow*S - P + kw*D] + b[o]
template <typename T>
void conv2d_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y);

// dx = adjoint of the lowering applied to W^T dY; dw = dY col^T; db[o] = sum_{n,oh,ow} dy.
// db may be null (no bias); dx may be null (the input needs no gradient: no col2im, no W^T dY).
template <typename T>
void conv2d_backward(const Conv2dShape& s, const T* dy, const T* x, const T* w, T* dx, T* dw, T* db);

// dx alone, W^T dY then col2im (no x, no dw): the forward of the transposed convolution, whose
// input is dy here and whose output is dx (N, C, H, W) of the conv with shape s. dx_bias (C), when
// not null, is added to every plane of its channel (the transposed convolution's bias).
template <typename T>
void conv2d_input_grad(const Conv2dShape& s, const T* dy, const T* w, T* dx, const T* dx_bias = nullptr);

}  // namespace i2dl

// The CUDA launchers (csrc/cuda/): device pointers (CuPy's arr.data.ptr), `stream` a cudaStream_t
// (CuPy's current stream). Each enqueues its kernel, checks the launch and returns "" or the CUDA
// error text; declaring them needs no CUDA header.
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
