// Zero-padded copies of input planes for the direct convolution loops: once a plane sits in a
// zeroed buffer, every tap of every output is in bounds and the inner loops need no checks.
#pragma once
#include <algorithm>
#include <cstring>

#include "i2dl/common.h"

namespace i2dl {

// The (H x W) plane `src` placed into a zeroed (rows x cols) buffer at (top, left); what falls
// outside the buffer is dropped, the rest of the buffer stays zero. Cheap next to the taps that
// read it.
template <typename T>
I2DL_INLINE void place_padded(const T* src, index_t H, index_t W, index_t top, index_t left, index_t rows, index_t cols,
                              T* buf) {
  std::memset(buf, 0, sizeof(T) * rows * cols);
  for (index_t h = 0; h < H; ++h) {
    const index_t r = h + top;
    if (r < 0 || r >= rows) continue;
    const index_t c0 = std::max<index_t>(0, left), s0 = c0 - left;
    const index_t n = std::min<index_t>(W - s0, cols - c0);
    if (n > 0) std::memcpy(buf + r * cols + c0, src + h * W + s0, sizeof(T) * n);
  }
}

}  // namespace i2dl
