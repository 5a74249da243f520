// Optimizer steps: update parameters and their state in place, in one pass over memory.
#pragma once
#include <string>
#include <vector>

#include "i2dl/common.h"

namespace i2dl {

struct SgdConfig {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, first_step;
};

// g = grad + wd * p;  v = g (first step) or mu * v + (1 - dampening) * g;
// p -= lr * (nesterov ? g + mu * v : v)   (v is null and unused when momentum is 0: p -= lr * g)
// A velocity below the smallest normal number is flushed to zero: where the gradient stays 0
// (a dead ReLU) v decays by mu each step into denormals, whose arithmetic is ~30x slower, while
// their effect on p is far below p's own resolution.
template <typename T>
void sgd_step(index_t n, T* param, const T* grad, T* velocity, const SgdConfig& c);

struct AdamConfig {
  double lr, beta1, beta2, eps, weight_decay;
  index_t step;  // t >= 1
  bool amsgrad, maximize, decoupled_weight_decay;
};

// Adam / AdamW at step t (see i2dl/kernels/reference/optim.py): g = +-grad; decay p (decoupled) or
// g += wd p; m += (1 - b1)(g - m); v = b2 v + (1 - b2) g^2; (amsgrad: vmax = max(vmax, v), used as v);
// p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). vmax may be null without amsgrad.
template <typename T>
void adam_step(index_t n, T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const AdamConfig& c);

struct RmspropConfig {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};

// RMSprop (see i2dl/kernels/reference/optim.py): s = a s + (1 - a) g^2; centered: m += (1 - a)(g - m),
// d = sqrt(s - m^2) + eps, else sqrt(s) + eps; momentum: b = mu b + g / d, p -= lr b; else p -= lr g / d.
// grad_avg and momentum_buffer may be null where unused.
template <typename T>
void rmsprop_step(index_t n, T* param, const T* grad, T* square_avg, T* grad_avg, T* momentum_buffer,
                  const RmspropConfig& c);

struct AdagradConfig {
  double lr, lr_decay, weight_decay, eps;
  index_t step;
  bool maximize;
};

// Adagrad: S += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(S) + eps).
template <typename T>
void adagrad_step(index_t n, T* param, const T* grad, T* state_sum, const AdagradConfig& c);

// One parameter of a multi-tensor step: its length, its arrays, and the step's state arrays in the
// order of the single-tensor step's arguments (Adam: exp_avg, exp_avg_sq, max_exp_avg_sq; RMSprop:
// square_avg, grad_avg, momentum_buffer; Adagrad: sum; SGD: momentum_buffer), null where unused.
template <typename T>
struct ParamTensors {
  index_t n;
  T* param;
  const T* grad;
  T* state[3];
};

// The multi-tensor steps: the single-tensor step on every tensor of the list in one call, the
// threads splitting the list's total length (a model of many small tensors keeps both cores busy
// and pays one call).
template <typename T>
void sgd_multi_step(const std::vector<ParamTensors<T>>& tensors, const SgdConfig& c);
template <typename T>
void adam_multi_step(const std::vector<ParamTensors<T>>& tensors, const AdamConfig& c);
template <typename T>
void rmsprop_multi_step(const std::vector<ParamTensors<T>>& tensors, const RmspropConfig& c);
template <typename T>
void adagrad_multi_step(const std::vector<ParamTensors<T>>& tensors, const AdagradConfig& c);

// One array of a multi-tensor reduction or update.
template <typename T>
struct Span {
  index_t n;
  T* data;
  operator Span<const T>() const { return {n, data}; }  // a read-only view of the same array
};

// The norm of the concatenation of the arrays: (sum |x|^p)^(1/p) accumulated in double, or
// max |x| for p = inf; NaN when any entry is NaN (for every p), 0 for no entries.
template <typename T>
double total_norm(const std::vector<Span<const T>>& tensors, double p);

// x <- factor * x, and x <- min(max(x, lo), hi) (NaN stays NaN), on every array of the list.
template <typename T>
void mul_multi(const std::vector<Span<T>>& tensors, double factor);
template <typename T>
void clamp_multi(const std::vector<Span<T>>& tensors, double lo, double hi);

}  // namespace i2dl

// The CUDA launchers (csrc/cuda/): device pointers (CuPy's arr.data.ptr), `stream` a cudaStream_t
// (CuPy's current stream). Each enqueues its kernel, checks the launch and returns "" or the CUDA
// error text; declaring them needs no CUDA header.
namespace i2dl::cuda {

template <typename T>
std::string sgd_step(index_t n, T* p, const T* g, T* v, double lr, double momentum, double dampening,
                     double weight_decay, bool nesterov, bool first_step, void* stream);
template <typename T>
std::string adam_step(index_t n, T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq,
                      const AdamConfig& c, void* stream);
template <typename T>
std::string rmsprop_step(index_t n, T* param, const T* grad, T* square_avg, T* grad_avg, T* momentum_buffer,
                         const RmspropConfig& c, void* stream);
template <typename T>
std::string adagrad_step(index_t n, T* param, const T* grad, T* state_sum, const AdagradConfig& c, void* stream);

}  // namespace i2dl::cuda
