// Optimizer steps: update parameters and their state in place, in one pass over memory.
#pragma once
#include <string>

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

}  // namespace i2dl

// The CUDA launchers (csrc/cuda/): device pointers (CuPy's arr.data.ptr), `stream` a cudaStream_t
// (CuPy's current stream). Each enqueues its kernel, checks the launch and returns "" or the CUDA
// error text; declaring them needs no CUDA header.
namespace i2dl::cuda {

template <typename T>
std::string sgd_step(index_t n, T* p, const T* g, T* v, double lr, double momentum, double dampening,
                     double weight_decay, bool nesterov, bool first_step, void* stream);

}  // namespace i2dl::cuda
