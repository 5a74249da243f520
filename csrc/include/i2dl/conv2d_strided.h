// Strided convolution as a direct convolution over the input's phases (space-to-depth), for
// layers like ResNet's downsampling 3x3 stride-2 conv. With stride S, output pixel (oh, ow) reads
// the zero-padded input at row oh*S + kh*D; writing kh*D = S*qh + rh, that row is row oh + qh of
// the input's phase rh (the padded rows rh, rh + S, rh + 2S, ...). Split into its S*S phases
// (rh, rw), the input is read with stride 1 by every tap, so consecutive output pixels of a row sit
// in consecutive memory and fill the vector lanes; no column matrix is written:
//
//   y[o, oh, ow..ow+L) = b[o] + sum_{c, kh, kw} w[o, c, kh, kw] * phase[c, rh, rw][oh + qh, ow + qw ..+L)
//
// eight filters times two output rows in registers, input channels in chunks that stay in L1.
// The input gradient is the same loop the other way round: dx's phase (rh, rw) receives from the
// taps of that phase, dx_phase[c, u, v..v+L) = sum_{o, taps of the phase} w[o, c, kh, kw] *
// dy[o, u - qh, v - qw ..+L), then the phases are interleaved back into dx. The weight gradient
// keeps the filters in the lanes instead (its sum runs over the pixels):
//   dw[o..o+L, c, kh, kw] = sum_{n, oh, ow} dy[n, o..o+L, oh, ow] * phase[c, rh, rw][oh + qh, ow + qw].
#pragma once
#include "i2dl/conv2d.h"

namespace i2dl {

// groups == 1, a stride above 1, at least 16 input and output channels, at least as many images as
// threads, output rows that fill 3/4 of their vectors' lanes (16 or more float32 wide, or 12 of 16),
// an image's phases within a bounded buffer, and a CPU with AVX-512 (the register tiles are sized
// for 32 vector registers). Elsewhere im2col + GEMM is used: it was measured faster there.
template <typename T>
bool uses_strided_direct(const Conv2dShape& s);

template <typename T>
void conv2d_strided_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y);

// dw (overwritten) and dx (overwritten, may be null); db is summed by the caller.
template <typename T>
void conv2d_strided_backward(const Conv2dShape& s, const T* dy, const T* x, const T* w, T* dx, T* dw);

}  // namespace i2dl
