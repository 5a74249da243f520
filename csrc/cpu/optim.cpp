// Fused optimizer steps: one vectorised pass reads p, grad, state and writes p, state; threads
// split the parameter into contiguous chunks (small parameters stay on one thread).
#include "i2dl/optim.h"

#include "i2dl/parallel.h"

#include <omp.h>

#include <cmath>
#include <limits>

namespace i2dl {
namespace detail {

// WD: whether weight decay is on. With weight_decay = 0 the term is skipped, not multiplied by 0,
// so that a NaN or inf parameter does not turn its gradient (and velocity) into NaN.
template <bool WD, typename T>
I2DL_INLINE void sgd_chunk_impl(index_t n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ v,
                                const SgdConfig& c) {
  const T lr = T(c.lr), mu = T(c.momentum), keep = T(1 - c.dampening), wd = T(c.weight_decay);
  const auto grad = [&](index_t i) { return WD ? g[i] + wd * p[i] : g[i]; };
  if (!v) {
    for (index_t i = 0; i < n; ++i) p[i] -= lr * grad(i);
    return;
  }
  if (c.first_step) {
    for (index_t i = 0; i < n; ++i) {
      const T gi = grad(i);
      v[i] = gi;
      p[i] -= lr * (c.nesterov ? gi + mu * gi : gi);
    }
    return;
  }
  const T tiny = std::numeric_limits<T>::min();
  for (index_t i = 0; i < n; ++i) {
    const T gi = grad(i);
    T vi = mu * v[i] + keep * gi;
    vi = std::abs(vi) < tiny ? T(0) : vi;  // see sgd_step in optim.h
    v[i] = vi;
    p[i] -= lr * (c.nesterov ? gi + mu * vi : vi);
  }
}

template <typename T>
I2DL_INLINE void sgd_chunk_impl(index_t n, T* p, const T* g, T* v, const SgdConfig& c) {
  if (c.weight_decay != 0) sgd_chunk_impl<true>(n, p, g, v, c);
  else sgd_chunk_impl<false>(n, p, g, v, c);
}

I2DL_CLONES void sgd_chunk(index_t n, float* p, const float* g, float* v, const SgdConfig& c) { sgd_chunk_impl(n, p, g, v, c); }
I2DL_CLONES void sgd_chunk(index_t n, double* p, const double* g, double* v, const SgdConfig& c) { sgd_chunk_impl(n, p, g, v, c); }

}  // namespace detail

template <typename T>
void sgd_step(index_t n, T* param, const T* grad, T* velocity, const SgdConfig& c) {
  parallel_chunks(n, [&](index_t b, index_t count) {
    detail::sgd_chunk(count, param + b, grad + b, velocity ? velocity + b : nullptr, c);
  });
}

#define I2DL_OPTIM_INSTANTIATE(T) \
  template void sgd_step<T>(index_t, T*, const T*, T*, const SgdConfig&);
I2DL_FOR_FLOATS(I2DL_OPTIM_INSTANTIATE)
#undef I2DL_OPTIM_INSTANTIATE

}  // namespace i2dl
