// Elementwise activations: one OpenMP-split, vectorised pass (small arrays stay on one thread,
// where a parallel region costs more than it saves).
#include "i2dl/activation.h"

#include "i2dl/parallel.h"

namespace i2dl {
namespace detail {

template <typename T>
I2DL_INLINE void relu_forward_impl(index_t n, const T* __restrict__ x, T* __restrict__ y) {
  for (index_t i = 0; i < n; ++i) y[i] = x[i] > T(0) ? x[i] : (x[i] != x[i] ? x[i] : T(0));
}

template <typename T>
I2DL_INLINE void relu_backward_impl(index_t n, const T* __restrict__ dy, const T* __restrict__ y, T* __restrict__ dx) {
  for (index_t i = 0; i < n; ++i) dx[i] = y[i] > T(0) ? dy[i] : T(0);
}

I2DL_CLONES void relu_forward_chunk(index_t n, const float* x, float* y) { relu_forward_impl(n, x, y); }
I2DL_CLONES void relu_forward_chunk(index_t n, const double* x, double* y) { relu_forward_impl(n, x, y); }
I2DL_CLONES void relu_backward_chunk(index_t n, const float* dy, const float* y, float* dx) { relu_backward_impl(n, dy, y, dx); }
I2DL_CLONES void relu_backward_chunk(index_t n, const double* dy, const double* y, double* dx) { relu_backward_impl(n, dy, y, dx); }

}  // namespace detail

template <typename T>
void relu_forward(index_t n, const T* x, T* y) {
  parallel_chunks(n, [&](index_t b, index_t c) { detail::relu_forward_chunk(c, x + b, y + b); });
}

template <typename T>
void relu_backward(index_t n, const T* dy, const T* y, T* dx) {
  parallel_chunks(n, [&](index_t b, index_t c) { detail::relu_backward_chunk(c, dy + b, y + b, dx + b); });
}

#define I2DL_ACTIVATION_INSTANTIATE(T) \
  template void relu_forward<T>(index_t, const T*, T*); \
  template void relu_backward<T>(index_t, const T*, const T*, T*);
I2DL_FOR_FLOATS(I2DL_ACTIVATION_INSTANTIATE)
#undef I2DL_ACTIVATION_INSTANTIATE

}  // namespace i2dl
