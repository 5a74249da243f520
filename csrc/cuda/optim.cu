// Fused optimizer steps on the GPU: one thread per element.
#include "i2dl/optim.h"
#include "launch.cuh"

#include <limits>

namespace i2dl::cuda {

template <typename T>
__global__ void sgd_kernel(index_t n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ v, T lr, T mu,
                           T keep, T wd, bool nesterov, bool first, T tiny) {
  I2DL_GRID_STRIDE(i, n) {
    const T gi = wd != T(0) ? g[i] + wd * p[i] : g[i];  // no 0 * NaN from a NaN parameter
    T d = gi;
    if (v) {
      T vi = first ? gi : mu * v[i] + keep * gi;
      vi = fabs(vi) < tiny ? T(0) : vi;  // denormal velocities flushed, as on the CPU
      v[i] = vi;
      d = nesterov ? gi + mu * vi : vi;
    }
    p[i] -= lr * d;
  }
}

template <typename T>
std::string sgd_step(index_t n, T* p, const T* g, T* v, double lr, double momentum, double dampening,
                     double weight_decay, bool nesterov, bool first_step, void* stream) {
  return launch("sgd_step_", n, sgd_kernel<T>, stream, n, p, g, v, T(lr), T(momentum), T(1 - dampening),
                T(weight_decay), nesterov, first_step, std::numeric_limits<T>::min());
}

#define I2DL_OPTIM_INSTANTIATE(T) \
  template std::string sgd_step<T>(index_t, T*, const T*, T*, double, double, double, double, bool, bool, void*);
I2DL_FOR_FLOATS(I2DL_OPTIM_INSTANTIATE)
#undef I2DL_OPTIM_INSTANTIATE

}  // namespace i2dl::cuda
