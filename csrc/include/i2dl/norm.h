// Normalization: batch norm and group norm (instance norm is G = C, layer norm is one group of D
// channels of one element each: N = rows, C = D, S = 1, G = 1). See i2dl/kernels/reference/norm.py
// for the formulas. x is (N, C, S), S the product of the spatial dims.
//
// Statistics: two passes over data in cache (the mean of x - x[0], then the sums of d = x - mean
// and d^2, var = E[d^2] - E[d]^2 with E[d] ~ 0), each accumulated in T over chunks of 256 and in
// double across chunks, so that x = 1e4 + N(0, 1) keeps its variance in float32. The order of
// every sum depends on the sizes only: results are the same at any thread count.
#pragma once
#include <string>

#include "i2dl/common.h"

namespace i2dl {

struct BatchNormShape {
  index_t N, C, S;
};

// Training: mean[c], var[c] over (N, S); running stats (may be null) <- (1 - momentum) r + momentum *
// (mean, var * NS / (NS - 1)); an empty batch gives mean 0, var 0 and leaves them. Eval: mean and
// var are the running stats. invstd = 1 / sqrt(var + eps); y = (x - mean) invstd weight + bias
// (weight, bias may be null: 1 and 0).
template <typename T>
void batch_norm_forward(const BatchNormShape& s, const T* x, T* running_mean, T* running_var, const T* weight,
                        const T* bias, bool training, double momentum, double eps, T* y, T* mean, T* invstd);

// dbias[c] = sum dy, dweight[c] = sum dy x_hat; training: dx = w invstd (dy - dbias/NS - x_hat dweight/NS),
// eval: dx = w invstd dy.
template <typename T>
void batch_norm_backward(const BatchNormShape& s, const T* dy, const T* x, const T* mean, const T* invstd,
                         const T* weight, bool training, T* dx, T* dweight, T* dbias);

struct GroupNormShape {
  index_t N, C, S, G;
  index_t group_size() const { return (C / G) * S; }  // the elements of one (n, g) set
};

// mean, invstd (N, G) over each image's group of C/G channels; y = (x - mean) invstd weight[c] + bias[c].
// running_mean/var (G,) may be null; else updated with the batch mean of mean and of the unbiased var.
template <typename T>
void group_norm_forward(const GroupNormShape& s, const T* x, const T* weight, const T* bias, double eps,
                        T* running_mean, T* running_var, double momentum, T* y, T* mean, T* invstd);

// g = weight[c] dy: dx = invstd (g - mean_set(g) - x_hat mean_set(g x_hat)); dweight[c] = sum dy x_hat,
// dbias[c] = sum dy over (N, S).
template <typename T>
void group_norm_backward(const GroupNormShape& s, const T* dy, const T* x, const T* mean, const T* invstd,
                         const T* weight, T* dx, T* dweight, T* dbias);

}  // namespace i2dl

// The CUDA launchers (csrc/cuda/norm.cu): device pointers (CuPy's arr.data.ptr), `stream` a
// cudaStream_t (CuPy's current stream). Each enqueues its kernels, checks the launch and returns ""
// or the CUDA error text; declaring them needs no CUDA header.
namespace i2dl::cuda {

template <typename T>
std::string batch_norm_forward(const BatchNormShape& s, const T* x, T* running_mean, T* running_var, const T* weight,
                               const T* bias, bool training, double momentum, double eps, T* y, T* mean, T* invstd,
                               void* stream);
template <typename T>
std::string batch_norm_backward(const BatchNormShape& s, const T* dy, const T* x, const T* mean, const T* invstd,
                                const T* weight, bool training, T* dx, T* dweight, T* dbias, void* stream);
template <typename T>
std::string group_norm_forward(const GroupNormShape& s, const T* x, const T* weight, const T* bias, double eps,
                               T* running_mean, T* running_var, double momentum, T* y, T* mean, T* invstd,
                               void* stream);
template <typename T>
std::string group_norm_backward(const GroupNormShape& s, const T* dy, const T* x, const T* mean, const T* invstd,
                                const T* weight, T* dx, T* dweight, T* dbias, void* stream);

}  // namespace i2dl::cuda
