// Batch norm and group norm (instance norm G = C, layer norm (rows, D, 1, 1)) on the GPU, with the
// formulas and the pass structure of the CPU's (csrc/cpu/norm.cpp): one block per channel (batch
// norm) or per (image, group) set (group norm); the mean of x - x[0], then the sums of d = x - mean
// and d^2, all in double and reduced in a fixed tree (deterministic); then the normalisation. The
// backward: sum dy and sum dy (x - mean) in one pass, dx in a second.
#include <cmath>

#include "i2dl/norm.h"
#include "launch.cuh"

namespace i2dl::cuda {
namespace {

// The block's sums of a and b (every thread gets them), in a fixed order: the same bits every run.
__device__ void block_sum2(double& a, double& b) {
  __shared__ double sa[kThreads], sb[kThreads];
  sa[threadIdx.x] = a;
  sb[threadIdx.x] = b;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half >>= 1) {
    if (threadIdx.x < half) {
      sa[threadIdx.x] += sa[threadIdx.x + half];
      sb[threadIdx.x] += sb[threadIdx.x + half];
    }
    __syncthreads();
  }
  a = sa[0];
  b = sb[0];
  __syncthreads();
}

template <typename T>
__device__ T shift_of(T first) { return isfinite(first) ? first : T(0); }

// (mean, biased var) of the elements at(i), i < M, as the CPU computes them (see csrc/cpu/norm.cpp).
template <typename T, typename At>
__device__ void moments(index_t M, At at, double& mean, double& var) {
  if (M == 0) {
    mean = var = 0.0;
    return;
  }
  const T k = shift_of(at(0));
  double s0 = 0, unused = 0;
  for (index_t i = threadIdx.x; i < M; i += blockDim.x) s0 += static_cast<double>(at(i) - k);
  block_sum2(s0, unused);
  const T m0 = static_cast<T>(k + s0 / M);
  if (!isfinite(static_cast<double>(m0))) {
    mean = m0;
    var = nan("");
    return;
  }
  double s1 = 0, s2 = 0;
  for (index_t i = threadIdx.x; i < M; i += blockDim.x) {
    const double d = static_cast<double>(at(i) - m0);
    s1 += d;
    s2 += d * d;
  }
  block_sum2(s1, s2);
  const double e1 = s1 / M;
  mean = m0 + e1;
  var = fmax(s2 / M - e1 * e1, 0.0);
}

template <typename T>
__global__ void batch_norm_forward_kernel(BatchNormShape s, const T* __restrict__ x, T* running_mean, T* running_var,
                                          const T* __restrict__ weight, const T* __restrict__ bias, bool training,
                                          double momentum, double eps, T* __restrict__ y, T* __restrict__ mean,
                                          T* __restrict__ invstd) {
  const index_t c = blockIdx.x, N = s.N, C = s.C, S = s.S, M = N * S;
  auto at = [&](index_t i) { return x[((i / S) * C + c) * S + i % S]; };
  double mu = 0, var = 0;
  if (!training) {
    mu = running_mean[c];
    var = running_var[c];
  } else {
    moments<T>(M, at, mu, var);
    if (threadIdx.x == 0 && running_mean && M > 0) {
      running_mean[c] = static_cast<T>((1 - momentum) * static_cast<double>(running_mean[c]) + momentum * mu);
      running_var[c] =
          static_cast<T>((1 - momentum) * static_cast<double>(running_var[c]) + momentum * var * M / (M - 1));
    }
  }
  const double inv = 1.0 / sqrt(var + eps);
  const T mh = static_cast<T>(mu), ml = isfinite(mu) ? static_cast<T>(mu - static_cast<double>(mh)) : T(0);
  if (threadIdx.x == 0) {
    mean[c] = mh;
    invstd[c] = static_cast<T>(inv);
  }
  const T a = static_cast<T>(inv * (weight ? static_cast<double>(weight[c]) : 1.0)), b = bias ? bias[c] : T(0);
  for (index_t i = threadIdx.x; i < M; i += blockDim.x) {
    const index_t j = ((i / S) * C + c) * S + i % S;
    y[j] = ((x[j] - mh) - ml) * a + b;
  }
}

template <typename T>
__global__ void batch_norm_backward_kernel(BatchNormShape s, const T* __restrict__ dy, const T* __restrict__ x,
                                           const T* __restrict__ mean, const T* __restrict__ invstd,
                                           const T* __restrict__ weight, bool training, T* __restrict__ dx,
                                           T* __restrict__ dweight, T* __restrict__ dbias) {
  const index_t c = blockIdx.x, N = s.N, C = s.C, S = s.S, M = N * S;
  const T m = mean[c];
  double sa = 0, sb = 0;
  for (index_t i = threadIdx.x; i < M; i += blockDim.x) {
    const index_t j = ((i / S) * C + c) * S + i % S;
    sa += dy[j];
    sb += static_cast<double>(dy[j] * (x[j] - m));
  }
  block_sum2(sa, sb);
  const double inv = invstd[c], w = weight ? static_cast<double>(weight[c]) : 1.0;
  if (threadIdx.x == 0) {
    dbias[c] = static_cast<T>(sa);
    dweight[c] = static_cast<T>(sb * inv);
  }
  const T k1 = static_cast<T>(w * inv), k2 = static_cast<T>(M ? -inv * inv * sb / M : 0.0),
          k3 = static_cast<T>(M ? -sa / M : 0.0);
  for (index_t i = threadIdx.x; i < M; i += blockDim.x) {
    const index_t j = ((i / S) * C + c) * S + i % S;
    dx[j] = training ? k1 * ((dy[j] + k2 * (x[j] - m)) + k3) : k1 * dy[j];
  }
}

// Sets i = blockIdx.x, blockIdx.x + gridDim.x, ...: with running statistics the grid is G blocks, so
// block g visits (n, g) for n = 0, 1, ... in order and averages their statistics itself.
template <typename T>
__global__ void group_norm_forward_kernel(GroupNormShape s, const T* __restrict__ x, const T* __restrict__ weight,
                                          const T* __restrict__ bias, double eps, T* running_mean, T* running_var,
                                          double momentum, T* __restrict__ y, T* __restrict__ mean,
                                          T* __restrict__ invstd) {
  const index_t G = s.G, S = s.S, Cg = s.C / G, m = Cg * S, sets = s.N * G;
  double sum_mean = 0, sum_var = 0;
  for (index_t i = blockIdx.x; i < sets; i += gridDim.x) {
    const T* xs = x + i * m;
    double mu, var;
    moments<T>(m, [&](index_t e) { return xs[e]; }, mu, var);
    sum_mean += mu;
    sum_var += m > 1 ? var * m / (m - 1) : 0.0;
    const double inv = 1.0 / sqrt(var + eps);
    const T mh = static_cast<T>(mu), ml = isfinite(mu) ? static_cast<T>(mu - static_cast<double>(mh)) : T(0),
            iv = static_cast<T>(inv);
    if (threadIdx.x == 0) {
      mean[i] = mh;
      invstd[i] = iv;
    }
    const index_t c0 = (i % G) * Cg;
    for (index_t e = threadIdx.x; e < m; e += blockDim.x) {
      const index_t c = c0 + e / S;
      const T a = S == 1 ? iv : static_cast<T>(inv * (weight ? static_cast<double>(weight[c]) : 1.0));
      const T v = ((xs[e] - mh) - ml) * a;
      y[i * m + e] = (S == 1 && weight ? v * weight[c] : v) + (bias ? bias[c] : T(0));
    }
  }
  if (running_mean && threadIdx.x == 0 && s.N > 0) {
    const index_t g = blockIdx.x;
    running_mean[g] = static_cast<T>((1 - momentum) * static_cast<double>(running_mean[g]) + momentum * sum_mean / s.N);
    running_var[g] = static_cast<T>((1 - momentum) * static_cast<double>(running_var[g]) + momentum * sum_var / s.N);
  }
}

// dweight[c] = sum dy x_hat, dbias[c] = sum dy over (N, S): one block per channel, n in order.
template <typename T>
__global__ void group_norm_param_grad_kernel(GroupNormShape s, const T* __restrict__ dy, const T* __restrict__ x,
                                             const T* __restrict__ mean, const T* __restrict__ invstd,
                                             T* __restrict__ dweight, T* __restrict__ dbias) {
  const index_t c = blockIdx.x, N = s.N, C = s.C, S = s.S, G = s.G, g = c / (C / G), NS = N * S;
  double sa = 0, sb = 0;
  for (index_t i = threadIdx.x; i < NS; i += blockDim.x) {
    const index_t n = i / S, j = (n * C + c) * S + i % S;
    sa += dy[j];
    sb += static_cast<double>(dy[j] * (x[j] - mean[n * G + g])) * static_cast<double>(invstd[n * G + g]);
  }
  block_sum2(sa, sb);
  if (threadIdx.x == 0) {
    dbias[c] = static_cast<T>(sa);
    dweight[c] = static_cast<T>(sb);
  }
}

// dx = inv ((w dy - A/m) - inv^2 B/m (x - mean)), A = sum w dy, B = sum w dy (x - mean): one block per set.
template <typename T>
__global__ void group_norm_input_grad_kernel(GroupNormShape s, const T* __restrict__ dy, const T* __restrict__ x,
                                             const T* __restrict__ mean, const T* __restrict__ invstd,
                                             const T* __restrict__ weight, T* __restrict__ dx) {
  const index_t i = blockIdx.x, G = s.G, S = s.S, Cg = s.C / G, m = Cg * S, c0 = (i % G) * Cg;
  const T *dys = dy + i * m, *xs = x + i * m;
  const T mu = mean[i];
  double A = 0, B = 0;
  for (index_t e = threadIdx.x; e < m; e += blockDim.x) {
    const T g = weight ? weight[c0 + e / S] * dys[e] : dys[e];
    A += g;
    B += static_cast<double>(g * (xs[e] - mu));
  }
  block_sum2(A, B);
  const double inv = invstd[i];
  const T k1 = static_cast<T>(inv), k2 = static_cast<T>(m ? -inv * inv * B / m : 0.0),
          k3 = static_cast<T>(m ? -A / m : 0.0);
  for (index_t e = threadIdx.x; e < m; e += blockDim.x) {
    const T g = weight ? weight[c0 + e / S] * dys[e] : dys[e];
    dx[i * m + e] = k1 * ((g + k2 * (xs[e] - mu)) + k3);
  }
}

}  // namespace

template <typename T>
std::string batch_norm_forward(const BatchNormShape& s, const T* x, T* running_mean, T* running_var, const T* weight,
                               const T* bias, bool training, double momentum, double eps, T* y, T* mean, T* invstd,
                               void* stream) {
  return launch_blocks("batch_norm_forward", s.C, batch_norm_forward_kernel<T>, stream, s, x, running_mean,
                       running_var, weight, bias, training, momentum, eps, y, mean, invstd);
}

template <typename T>
std::string batch_norm_backward(const BatchNormShape& s, const T* dy, const T* x, const T* mean, const T* invstd,
                                const T* weight, bool training, T* dx, T* dweight, T* dbias, void* stream) {
  return launch_blocks("batch_norm_backward", s.C, batch_norm_backward_kernel<T>, stream, s, dy, x, mean, invstd,
                       weight, training, dx, dweight, dbias);
}

template <typename T>
std::string group_norm_forward(const GroupNormShape& s, const T* x, const T* weight, const T* bias, double eps,
                               T* running_mean, T* running_var, double momentum, T* y, T* mean, T* invstd,
                               void* stream) {
  // with running statistics one block per group visits the images in order (see the kernel)
  const index_t sets = s.N * s.G, grid = running_mean ? (sets ? s.G : 0) : (sets < 65535LL * 32 ? sets : 65535LL * 32);
  return launch_blocks("group_norm_forward", grid, group_norm_forward_kernel<T>, stream, s, x, weight, bias, eps,
                       running_mean, running_var, momentum, y, mean, invstd);
}

template <typename T>
std::string group_norm_backward(const GroupNormShape& s, const T* dy, const T* x, const T* mean, const T* invstd,
                                const T* weight, T* dx, T* dweight, T* dbias, void* stream) {
  std::string status = launch_blocks("group_norm_backward (parameter gradients)", s.C,
                                     group_norm_param_grad_kernel<T>, stream, s, dy, x, mean, invstd, dweight, dbias);
  if (!status.empty()) return status;
  return launch_blocks("group_norm_backward", s.N * s.G, group_norm_input_grad_kernel<T>, stream, s, dy, x, mean,
                       invstd, weight, dx);
}

#define I2DL_INSTANTIATE(T)                                                                                        \
  template std::string batch_norm_forward<T>(const BatchNormShape&, const T*, T*, T*, const T*, const T*, bool,   \
                                             double, double, T*, T*, T*, void*);                                  \
  template std::string batch_norm_backward<T>(const BatchNormShape&, const T*, const T*, const T*, const T*,      \
                                              const T*, bool, T*, T*, T*, void*);                                 \
  template std::string group_norm_forward<T>(const GroupNormShape&, const T*, const T*, const T*, double, T*, T*, \
                                             double, T*, T*, T*, void*);                                          \
  template std::string group_norm_backward<T>(const GroupNormShape&, const T*, const T*, const T*, const T*,      \
                                              const T*, T*, T*, T*, void*);
I2DL_FOR_FLOATS(I2DL_INSTANTIATE)
#undef I2DL_INSTANTIATE

}  // namespace i2dl::cuda
