// Whether values are all finite, for the conv paths whose arithmetic differs from the formula's
// on NaN and inf (see conv2d.cpp): they check each piece of output while it is still in cache.
#pragma once
#include "i2dl/common.h"

namespace i2dl {

// v * 0 is 0 for a finite v and NaN for an inf or a NaN, so the sum of the products is 0 exactly
// when every value is finite: one vectorised pass without branches.
template <typename T>
I2DL_INLINE bool all_finite(const T* a, index_t n) {
  T acc = T(0);
#pragma omp simd reduction(+ : acc)
  for (index_t i = 0; i < n; ++i) acc += a[i] * T(0);
  return acc == T(0);
}

}  // namespace i2dl
