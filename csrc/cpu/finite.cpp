#include "i2dl/finite.h"

namespace i2dl {

namespace {
// v * 0 is 0 for a finite v and NaN for an inf or a NaN, so the sum of the products is 0 exactly
// when every value is finite: one vectorised pass without branches (per-ISA clones: the check
// runs on every row Winograd stores, at the full vector width).
template <typename T>
I2DL_INLINE bool all_finite_impl(const T* a, index_t n) {
  T acc = T(0);
#pragma omp simd reduction(+ : acc)
  for (index_t i = 0; i < n; ++i) acc += a[i] * T(0);
  return acc == T(0);
}
}  // namespace

I2DL_CLONES bool all_finite(const float* a, index_t n) { return all_finite_impl(a, n); }
I2DL_CLONES bool all_finite(const double* a, index_t n) { return all_finite_impl(a, n); }

}  // namespace i2dl
