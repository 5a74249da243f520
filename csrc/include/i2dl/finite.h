// Whether values are all finite, for the conv paths whose arithmetic differs from the formula's
// on NaN and inf (see conv2d.cpp): Winograd checks each piece of its output while it is in cache.
#pragma once
#include "i2dl/common.h"

namespace i2dl {

bool all_finite(const float* a, index_t n);
bool all_finite(const double* a, index_t n);

}  // namespace i2dl
