// Softmax cross-entropy on the GPU: one thread per row of logits (classifier rows are short).
#include <cstdint>

#include "i2dl/loss.h"
#include "launch.cuh"

namespace i2dl::cuda {

template <typename T>
__device__ T row_max(const T* z, index_t C) {
  T m = z[0];
  for (index_t c = 1; c < C; ++c) m = z[c] > m ? z[c] : m;
  return m;
}

// The same formulas as the CPU's (csrc/cpu/loss.cpp): loss = (m - z_y) + log sum e^(z - m), the
// sum in double; dz = dloss * (softmax - [c == y]), the difference before the product.
template <typename T>
__device__ double row_exp_sum(const T* row, index_t C, T m) {
  double sum = 0;
  for (index_t c = 0; c < C; ++c) sum += exp(row[c] - m);
  return sum;
}

template <typename T>
__global__ void cross_entropy_forward_kernel(index_t N, index_t C, const T* __restrict__ z,
                                             const std::int64_t* __restrict__ labels, T* __restrict__ loss) {
  I2DL_GRID_STRIDE(i, N) {
    const T* row = z + i * C;
    const T m = row_max(row, C);
    loss[i] = static_cast<T>(static_cast<double>(m - row[labels[i]]) + log(row_exp_sum(row, C, m)));
  }
}

template <typename T>
__global__ void cross_entropy_backward_kernel(index_t N, index_t C, const T* __restrict__ dloss,
                                              const T* __restrict__ z, const std::int64_t* __restrict__ labels,
                                              T* __restrict__ dz) {
  I2DL_GRID_STRIDE(i, N) {
    const T* row = z + i * C;
    T* out = dz + i * C;
    const T m = row_max(row, C);
    const T inv = static_cast<T>(1.0 / row_exp_sum(row, C, m)), d = dloss[i];
    for (index_t c = 0; c < C; ++c) out[c] = d * (exp(row[c] - m) * inv - (c == labels[i] ? T(1) : T(0)));
  }
}

template <typename T>
std::string cross_entropy_forward(index_t N, index_t C, const T* z, const std::int64_t* labels, T* loss, void* stream) {
  return launch("cross_entropy_forward", N, cross_entropy_forward_kernel<T>, stream, N, C, z, labels, loss);
}

template <typename T>
std::string cross_entropy_backward(index_t N, index_t C, const T* dloss, const T* z, const std::int64_t* labels, T* dz,
                                   void* stream) {
  return launch("cross_entropy_backward", N, cross_entropy_backward_kernel<T>, stream, N, C, dloss, z, labels, dz);
}

#define I2DL_INSTANTIATE(T)                                                                                      \
  template std::string cross_entropy_forward<T>(index_t, index_t, const T*, const std::int64_t*, T*, void*);  \
  template std::string cross_entropy_backward<T>(index_t, index_t, const T*, const T*, const std::int64_t*, T*, void*);
I2DL_FOR_FLOATS(I2DL_INSTANTIATE)
#undef I2DL_INSTANTIATE

}  // namespace i2dl::cuda
