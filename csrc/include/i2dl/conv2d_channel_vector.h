// Direct convolution with the output channels in the vector lanes, for layers with few filters
// (at most one 64-byte vector of them: 16 in float32, 8 in float64) and one group, e.g. LeNet's
// conv2 (6 -> 16 channels, 5x5, 8x8 outputs). There the im2col matrix is as large as the GEMM's
// work and its short rows cost more than the products; here each input value is broadcast once
// per tap and multiplied into all filters at once, eight output pixels in registers:
//
//   acc_j[o] = b[o] + sum_{c,kh,kw} x_pad[n, c, oh*SH + kh*DH, (ow0 + j)*SW + kw*DW] * w[o, c, kh, kw]
#pragma once
#include "i2dl/conv2d.h"

namespace i2dl {

template <typename T>
bool uses_channel_vector_forward(const Conv2dShape& s);

template <typename T>
void conv2d_channel_vector_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y);

// The weight gradient the same way round: dw[o, (c, kh, kw)] = sum_{n, oh, ow} dy[n, o, oh, ow] *
// x_pad[n, c, oh*SH + kh*DH, ow*SW + kw*DW], the filters in the lanes, eight taps in registers,
// the taps split over threads (no partial sums to add: the same result for any thread count).
template <typename T>
bool uses_channel_vector_weight_grad(const Conv2dShape& s);

template <typename T>
void conv2d_channel_vector_weight_grad(const Conv2dShape& s, const T* dy, const T* x, T* dw);

}  // namespace i2dl
