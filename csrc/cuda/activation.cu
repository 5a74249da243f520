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

template std::string relu_forward<float>(index_t, const float*, float*, void*);
template std::string relu_forward<double>(index_t, const double*, double*, void*);
template std::string relu_backward<float>(index_t, const float*, const float*, float*, void*);
template std::string relu_backward<double>(index_t, const double*, const double*, double*, void*);

}  // namespace i2dl::cuda
