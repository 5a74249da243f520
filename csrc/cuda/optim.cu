// Fused optimizer steps on the GPU: one thread per element.
#include "i2dl/optim.h"
#include "launch.cuh"

#include <cmath>
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

// Adam / AdamW: the CPU's formulas (csrc/cpu/optim.cpp), one thread per element.
template <typename T>
__global__ void adam_kernel(index_t n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m,
                            T* __restrict__ v, T* __restrict__ vmax, T b1c, T b2, T b2c, T eps, T wd, T decay,
                            T step_size, T inv_bc2, bool use_wd, bool decoupled, bool maximize) {
  I2DL_GRID_STRIDE(i, n) {
    T gi = maximize ? -g[i] : g[i];
    T pi = p[i];
    if (use_wd && decoupled) pi *= decay;
    if (use_wd && !decoupled) gi += wd * pi;
    const T mi = m[i] + b1c * (gi - m[i]);
    T vi = b2 * v[i] + b2c * gi * gi;
    m[i] = mi;
    v[i] = vi;
    if (vmax) {  // max propagating NaN, as the CPU's
      vi = (vmax[i] > vi || vmax[i] != vmax[i]) ? vmax[i] : vi;
      vmax[i] = vi;
    }
    p[i] = pi - step_size * mi / (sqrt(vi) * inv_bc2 + eps);
  }
}

template <typename T>
std::string adam_step(index_t n, T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq,
                      const AdamConfig& c, void* stream) {
  const double step_size = c.lr / (1.0 - std::pow(c.beta1, double(c.step)));
  const double inv_bc2 = 1.0 / std::sqrt(1.0 - std::pow(c.beta2, double(c.step)));
  return launch("adam_step_", n, adam_kernel<T>, stream, n, param, grad, exp_avg, exp_avg_sq,
                c.amsgrad ? max_exp_avg_sq : static_cast<T*>(nullptr), T(1 - c.beta1), T(c.beta2), T(1 - c.beta2),
                T(c.eps), T(c.weight_decay), T(1 - c.lr * c.weight_decay), T(step_size), T(inv_bc2),
                c.weight_decay != 0, c.decoupled_weight_decay, c.maximize);
}

// RMSprop and Adagrad: the CPU's formulas, one thread per element.
template <typename T>
__global__ void rmsprop_kernel(index_t n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ s,
                               T* __restrict__ a, T* __restrict__ b, T lr, T al, T alc, T eps, T wd, T mu,
                               bool use_wd, bool maximize) {
  I2DL_GRID_STRIDE(i, n) {
    T gi = maximize ? -g[i] : g[i];
    if (use_wd) gi += wd * p[i];
    const T si = al * s[i] + alc * gi * gi;
    s[i] = si;
    T d;
    if (a) {
      const T ai = a[i] + alc * (gi - a[i]);
      a[i] = ai;
      d = sqrt(si - ai * ai) + eps;
    } else {
      d = sqrt(si) + eps;
    }
    if (b) {
      const T bi = mu * b[i] + gi / d;
      b[i] = bi;
      p[i] -= lr * bi;
    } else {
      p[i] -= lr * gi / d;
    }
  }
}

template <typename T>
__global__ void adagrad_kernel(index_t n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ s, T clr, T eps,
                               T wd, bool use_wd, bool maximize) {
  I2DL_GRID_STRIDE(i, n) {
    T gi = maximize ? -g[i] : g[i];
    if (use_wd) gi += wd * p[i];
    const T si = s[i] + gi * gi;
    s[i] = si;
    p[i] -= clr * gi / (sqrt(si) + eps);
  }
}

template <typename T>
std::string rmsprop_step(index_t n, T* param, const T* grad, T* square_avg, T* grad_avg, T* momentum_buffer,
                         const RmspropConfig& c, void* stream) {
  return launch("rmsprop_step_", n, rmsprop_kernel<T>, stream, n, param, grad, square_avg,
                c.centered ? grad_avg : static_cast<T*>(nullptr), c.momentum > 0 ? momentum_buffer : static_cast<T*>(nullptr),
                T(c.lr), T(c.alpha), T(1 - c.alpha), T(c.eps), T(c.weight_decay), T(c.momentum), c.weight_decay != 0,
                c.maximize);
}

template <typename T>
std::string adagrad_step(index_t n, T* param, const T* grad, T* state_sum, const AdagradConfig& c, void* stream) {
  return launch("adagrad_step_", n, adagrad_kernel<T>, stream, n, param, grad, state_sum,
                T(c.lr / (1.0 + double(c.step - 1) * c.lr_decay)), T(c.eps), T(c.weight_decay), c.weight_decay != 0,
                c.maximize);
}

template <typename T>
std::string sgd_step(index_t n, T* p, const T* g, T* v, double lr, double momentum, double dampening,
                     double weight_decay, bool nesterov, bool first_step, void* stream) {
  return launch("sgd_step_", n, sgd_kernel<T>, stream, n, p, g, v, T(lr), T(momentum), T(1 - dampening),
                T(weight_decay), nesterov, first_step, std::numeric_limits<T>::min());
}

#define I2DL_OPTIM_INSTANTIATE(T)                                                                                \
  template std::string sgd_step<T>(index_t, T*, const T*, T*, double, double, double, double, bool, bool, void*); \
  template std::string adam_step<T>(index_t, T*, const T*, T*, T*, T*, const AdamConfig&, void*);             \
  template std::string rmsprop_step<T>(index_t, T*, const T*, T*, T*, T*, const RmspropConfig&, void*);       \
  template std::string adagrad_step<T>(index_t, T*, const T*, T*, const AdagradConfig&, void*);
I2DL_FOR_FLOATS(I2DL_OPTIM_INSTANTIATE)
#undef I2DL_OPTIM_INSTANTIATE

}  // namespace i2dl::cuda
