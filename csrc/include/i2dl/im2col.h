// im2col / col2im: the lowering of convolution to GEMM (one group of one block of images).
#pragma once
#include "i2dl/conv2d.h"

namespace i2dl {

// A block of the GEMM's column space: images [n0, n0 + count) whole, or pixels
// [pix0, pix0 + npix) of the single image n0 (count == 1).
struct ColumnBlock {
  index_t n0, count, pix0, npix;
  index_t columns() const { return count * npix; }
};

// col[(c, kh, kw), j] = x_padded[n, g*Cg + c, oh*S - P + kh*D, ow*S - P + kw*D] for the block's
// columns j = (image, output pixel); zero where the tap falls into the padding.
// col has Cg*KH*KW rows and block.columns() columns.
template <typename T>
void im2col(const Conv2dShape& s, const T* x, index_t group, const ColumnBlock& block, T* col);

// The adjoint: dx[n, g*Cg + c, ih, iw] += col[(c, kh, kw), j] for every tap that read (ih, iw).
template <typename T>
void col2im_add(const Conv2dShape& s, const T* col, index_t group, const ColumnBlock& block, T* dx);

}  // namespace i2dl
