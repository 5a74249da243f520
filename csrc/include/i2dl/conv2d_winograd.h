// 3x3 stride-1 convolution by Winograd's minimal filtering F(4x4, 3x3) (Lavin & Gray, 2016):
// each 4x4 output tile costs 36 multiplications per (input, output) channel pair instead of 144.
//
//   Y = A^T [ (G g G^T) . (B^T d B) ] A        d: 6x6 input patch, g: 3x3 filter, Y: 4x4 outputs
//
// Summed over input channels, the elementwise products become 36 GEMMs, one per position xi of
// the 6x6 transform domain: M_xi (O x tiles) = U_xi (O x C) V_xi (C x tiles). The input gradient
// is the same convolution of dy with the flipped, transposed filter; the weight gradient is the
// adjoint: dU_xi = dM_xi V_xi^T with dM = A dY A^T, then dW = G^T dU G.
#pragma once
#include "i2dl/conv2d.h"

namespace i2dl {

// 3x3 kernel, stride 1, dilation 1, one group, and enough tiles for the GEMMs to pay off (T: the
// filters' transform must stay in cache when there are few).
template <typename T>
bool uses_winograd(const Conv2dShape& s);
// Whether it shares one set of tiles between the threads, forward and backward (fewer tiles than half
// the channels: batch 1, small planes), rather than giving each thread blocks of tile rows.
bool winograd_shares_tiles(const Conv2dShape& s);
// The weight gradient as well: on the shared path its 36 products have the tiles for their inner
// dimension, and want more of them than the forward (with fewer, dW goes to im2col, dx stays here).
template <typename T>
bool uses_winograd_weight_grad(const Conv2dShape& s);
// The input gradient also runs as a Winograd forward when the flipped filter's padding 2 - P >= 0.
template <typename T>
bool uses_winograd_input_grad(const Conv2dShape& s);

// Both return false when their output holds an inf or a NaN (see conv2d.cpp: im2col recomputes it).
template <typename T>
bool conv2d_winograd_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y);
// dx and dw, each when not null; db is left to the caller.
template <typename T>
bool conv2d_winograd_backward(const Conv2dShape& s, const T* dy, const T* x, const T* w, T* dx, T* dw);

}  // namespace i2dl
