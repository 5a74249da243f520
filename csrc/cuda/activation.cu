// Elementwise activations on the GPU.
#include "i2dl/activation.h"
#include "launch.cuh"

namespace i2dl::cuda {

template <typename T>
__global__ void relu_forward_kernel(index_t n, const T* __restrict__ x, T* __restrict__ y) {
  I2DL_GRID_STRIDE(i, n) {
    const T v = x[i];
    y[i] = v > T(0) ? v : (v != v ? v : T(0));
  }
}

template <typename T>
__global__ void relu_backward_kernel(index_t n, const T* __restrict__ dy, const T* __restrict__ y, T* __restrict__ dx) {
  I2DL_GRID_STRIDE(i, n) { dx[i] = y[i] > T(0) ? dy[i] : T(0); }
}

template <typename T>
std::string relu_forward(index_t n, const T* x, T* y, void* stream) {
  return launch("relu_forward", n, relu_forward_kernel<T>, stream, n, x, y);
}

template <typename T>
std::string relu_backward(index_t n, const T* dy, const T* y, T* dx, void* stream) {
  return launch("relu_backward", n, relu_backward_kernel<T>, stream, n, dy, y, dx);
}

#define I2DL_ACTIVATION_INSTANTIATE(T) \
  template std::string relu_forward<T>(index_t, const T*, T*, void*); \
  template std::string relu_backward<T>(index_t, const T*, const T*, T*, void*);
I2DL_FOR_FLOATS(I2DL_ACTIVATION_INSTANTIATE)
#undef I2DL_ACTIVATION_INSTANTIATE

}  // namespace i2dl::cuda
