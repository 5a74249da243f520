// topk on the GPU: one thread per row keeps the k best so far sorted in its rows of the outputs (the
// CPU's insertion rule, csrc/cpu/select.cpp, with the same order: ties by position, NaN after every
// number, before every number when largest). Rows are independent; k-NN rows are many and k small.
#include <cstdint>

#include "i2dl/select.h"
#include "launch.cuh"

namespace i2dl::cuda {

template <typename T>
__device__ bool before(bool largest, T a, int64_t ia, T b, int64_t ib) {
  const bool na = isnan(a), nb = isnan(b);
  if (na != nb) return largest ? na : nb;
  if (!na && a != b) return largest ? a > b : a < b;
  return ia < ib;
}

template <typename T>
__global__ void topk_forward_kernel(index_t N, int64_t n, int64_t k, bool largest, const T* __restrict__ x,
                                    T* __restrict__ values, int64_t* __restrict__ indices) {
  I2DL_GRID_STRIDE(i, N) {
    const T* row = x + i * n;
    T* vals = values + i * k;
    int64_t* idx = indices + i * k;
    int64_t filled = 0;
    for (int64_t j = 0; j < n; ++j) {
      const T v = row[j];
      if (filled == k && !before(largest, v, j, vals[k - 1], idx[k - 1])) continue;
      int64_t p = filled < k ? filled++ : k - 1;
      while (p > 0 && before(largest, v, j, vals[p - 1], idx[p - 1])) {
        vals[p] = vals[p - 1];
        idx[p] = idx[p - 1];
        --p;
      }
      vals[p] = v;
      idx[p] = j;
    }
  }
}

template <typename T>
__global__ void topk_backward_kernel(index_t N, int64_t n, int64_t k, const T* __restrict__ dvalues,
                                     const int64_t* __restrict__ indices, T* __restrict__ dx) {
  I2DL_GRID_STRIDE(i, N) {
    T* row = dx + i * n;
    for (int64_t j = 0; j < n; ++j) row[j] = T(0);
    for (int64_t j = 0; j < k; ++j) row[indices[i * k + j]] = dvalues[i * k + j];
  }
}

template <typename T>
std::string topk_forward(int64_t N, int64_t n, int64_t k, bool largest, const T* x, T* values, int64_t* indices,
                         void* stream) {
  return launch("topk_forward", N, topk_forward_kernel<T>, stream, N, n, k, largest, x, values, indices);
}

template <typename T>
std::string topk_backward(int64_t N, int64_t n, int64_t k, const T* dvalues, const int64_t* indices, T* dx,
                          void* stream) {
  return launch("topk_backward", N, topk_backward_kernel<T>, stream, N, n, k, dvalues, indices, dx);
}

#define I2DL_INSTANTIATE(T)                                                                                   \
  template std::string topk_forward<T>(int64_t, int64_t, int64_t, bool, const T*, T*, int64_t*, void*);     \
  template std::string topk_backward<T>(int64_t, int64_t, int64_t, const T*, const int64_t*, T*, void*);
I2DL_FOR_FLOATS(I2DL_INSTANTIATE)
#undef I2DL_INSTANTIATE

}  // namespace i2dl::cuda
