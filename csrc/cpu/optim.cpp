// Fused optimizer steps: one vectorised pass reads p, grad, state and writes p, state; threads
// split the parameter into contiguous chunks (small parameters stay on one thread).
#include "i2dl/optim.h"

#include "i2dl/parallel.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace i2dl {
namespace detail {

// WD: whether weight decay is on. With weight_decay = 0 the term is skipped, not multiplied by 0,
// so that a NaN or inf parameter does not turn its gradient (and velocity) into NaN.
template <bool WD, typename T>
I2DL_INLINE void sgd_chunk_impl(index_t n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ v,
                                const SgdConfig& c) {
  const T lr = T(c.lr), mu = T(c.momentum), keep = T(1 - c.dampening), wd = T(c.weight_decay);
  const auto grad = [&](index_t i) { return WD ? g[i] + wd * p[i] : g[i]; };
  if (!v) {
    for (index_t i = 0; i < n; ++i) p[i] -= lr * grad(i);
    return;
  }
  if (c.first_step) {
    for (index_t i = 0; i < n; ++i) {
      const T gi = grad(i);
      v[i] = gi;
      p[i] -= lr * (c.nesterov ? gi + mu * gi : gi);
    }
    return;
  }
  const T tiny = std::numeric_limits<T>::min();
  for (index_t i = 0; i < n; ++i) {
    const T gi = grad(i);
    T vi = mu * v[i] + keep * gi;
    vi = std::abs(vi) < tiny ? T(0) : vi;  // see sgd_step in optim.h
    v[i] = vi;
    p[i] -= lr * (c.nesterov ? gi + mu * vi : vi);
  }
}

template <typename T>
I2DL_INLINE void sgd_chunk_impl(index_t n, T* p, const T* g, T* v, const SgdConfig& c) {
  if (c.weight_decay != 0) sgd_chunk_impl<true>(n, p, g, v, c);
  else sgd_chunk_impl<false>(n, p, g, v, c);
}

I2DL_CLONES void sgd_chunk(index_t n, float* p, const float* g, float* v, const SgdConfig& c) { sgd_chunk_impl(n, p, g, v, c); }
I2DL_CLONES void sgd_chunk(index_t n, double* p, const double* g, double* v, const SgdConfig& c) { sgd_chunk_impl(n, p, g, v, c); }

// Adam's per-step constants, computed once in double.
struct AdamScalars {
  double step_size, inv_bc2_sqrt;
};
inline AdamScalars adam_scalars(const AdamConfig& c) {
  return {c.lr / (1.0 - std::pow(c.beta1, double(c.step))), 1.0 / std::sqrt(1.0 - std::pow(c.beta2, double(c.step)))};
}

// One pass: read p, g, m, v (vmax), write p, m, v (vmax). The weight-decay, maximize and amsgrad
// choices are template parameters, so the loop body holds none of them.
template <bool WD, bool DECOUPLED, bool MAX, bool AMS, typename T>
I2DL_INLINE void adam_chunk_impl(index_t n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m,
                                 T* __restrict__ v, T* __restrict__ vmax, const AdamConfig& c) {
  const AdamScalars k = adam_scalars(c);
  const T b1c = T(1 - c.beta1), b2 = T(c.beta2), b2c = T(1 - c.beta2), eps = T(c.eps), wd = T(c.weight_decay);
  const T decay = T(1 - c.lr * c.weight_decay), step_size = T(k.step_size), inv_bc2 = T(k.inv_bc2_sqrt);
#pragma omp simd
  for (index_t i = 0; i < n; ++i) {
    T gi = MAX ? -g[i] : g[i];
    T pi = p[i];
    if (WD && DECOUPLED) pi *= decay;
    if (WD && !DECOUPLED) gi += wd * pi;
    const T mi = m[i] + b1c * (gi - m[i]);
    T vi = b2 * v[i] + b2c * gi * gi;
    m[i] = mi;
    v[i] = vi;
    if (AMS) {  // max propagating NaN, as torch.maximum (and np.maximum) do
      vi = (vmax[i] > vi || vmax[i] != vmax[i]) ? vmax[i] : vi;
      vmax[i] = vi;
    }
    p[i] = pi - step_size * mi / (std::sqrt(vi) * inv_bc2 + eps);
  }
}

template <typename T>
I2DL_INLINE void adam_chunk_dispatch(index_t n, T* p, const T* g, T* m, T* v, T* vmax, const AdamConfig& c) {
  const bool wd = c.weight_decay != 0;  // 0: skipped, not multiplied (a NaN parameter stays out of g)
  const int key = (wd ? 8 : 0) | (c.decoupled_weight_decay ? 4 : 0) | (c.maximize ? 2 : 0) | (c.amsgrad ? 1 : 0);
  switch (key) {
#define I2DL_ADAM_CASE(K)                                                                             \
  case K:                                                                                             \
    return adam_chunk_impl<(K & 8) != 0, (K & 4) != 0, (K & 2) != 0, (K & 1) != 0>(n, p, g, m, v, vmax, c);
    I2DL_ADAM_CASE(0) I2DL_ADAM_CASE(1) I2DL_ADAM_CASE(2) I2DL_ADAM_CASE(3) I2DL_ADAM_CASE(4) I2DL_ADAM_CASE(5)
    I2DL_ADAM_CASE(6) I2DL_ADAM_CASE(7) I2DL_ADAM_CASE(8) I2DL_ADAM_CASE(9) I2DL_ADAM_CASE(10) I2DL_ADAM_CASE(11)
    I2DL_ADAM_CASE(12) I2DL_ADAM_CASE(13) I2DL_ADAM_CASE(14) I2DL_ADAM_CASE(15)
#undef I2DL_ADAM_CASE
  }
}

#define I2DL_ADAM_CLONES(T)                                                                               \
  I2DL_CLONES void adam_chunk(index_t n, T* p, const T* g, T* m, T* v, T* vmax, const AdamConfig& c) {  \
    adam_chunk_dispatch(n, p, g, m, v, vmax, c);                                                          \
  }
I2DL_FOR_FLOATS(I2DL_ADAM_CLONES)
#undef I2DL_ADAM_CLONES

// RMSprop's loop; the choices (weight decay, centered, momentum, maximize) are template parameters.
template <bool WD, bool CENTERED, bool MOM, bool MAX, typename T>
I2DL_INLINE void rmsprop_chunk_impl(index_t n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ s,
                                    T* __restrict__ a, T* __restrict__ b, const RmspropConfig& c) {
  const T lr = T(c.lr), al = T(c.alpha), alc = T(1 - c.alpha), eps = T(c.eps), wd = T(c.weight_decay),
          mu = T(c.momentum);
#pragma omp simd
  for (index_t i = 0; i < n; ++i) {
    T gi = MAX ? -g[i] : g[i];
    if (WD) gi += wd * p[i];
    const T si = al * s[i] + alc * gi * gi;
    s[i] = si;
    T d;
    if (CENTERED) {
      const T ai = a[i] + alc * (gi - a[i]);
      a[i] = ai;
      d = std::sqrt(si - ai * ai) + eps;
    } else {
      d = std::sqrt(si) + eps;
    }
    if (MOM) {
      const T bi = mu * b[i] + gi / d;
      b[i] = bi;
      p[i] -= lr * bi;
    } else {
      p[i] -= lr * gi / d;
    }
  }
}

template <typename T>
I2DL_INLINE void rmsprop_chunk_dispatch(index_t n, T* p, const T* g, T* s, T* a, T* b, const RmspropConfig& c) {
  const int key = (c.weight_decay != 0 ? 8 : 0) | (c.centered ? 4 : 0) | (c.momentum > 0 ? 2 : 0) | (c.maximize ? 1 : 0);
  switch (key) {
#define I2DL_RMSPROP_CASE(K)                                                                          \
  case K:                                                                                             \
    return rmsprop_chunk_impl<(K & 8) != 0, (K & 4) != 0, (K & 2) != 0, (K & 1) != 0>(n, p, g, s, a, b, c);
    I2DL_RMSPROP_CASE(0) I2DL_RMSPROP_CASE(1) I2DL_RMSPROP_CASE(2) I2DL_RMSPROP_CASE(3) I2DL_RMSPROP_CASE(4)
    I2DL_RMSPROP_CASE(5) I2DL_RMSPROP_CASE(6) I2DL_RMSPROP_CASE(7) I2DL_RMSPROP_CASE(8) I2DL_RMSPROP_CASE(9)
    I2DL_RMSPROP_CASE(10) I2DL_RMSPROP_CASE(11) I2DL_RMSPROP_CASE(12) I2DL_RMSPROP_CASE(13) I2DL_RMSPROP_CASE(14)
    I2DL_RMSPROP_CASE(15)
#undef I2DL_RMSPROP_CASE
  }
}

template <bool WD, bool MAX, typename T>
I2DL_INLINE void adagrad_chunk_impl(index_t n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ s,
                                    const AdagradConfig& c) {
  const T clr = T(c.lr / (1.0 + double(c.step - 1) * c.lr_decay)), eps = T(c.eps), wd = T(c.weight_decay);
#pragma omp simd
  for (index_t i = 0; i < n; ++i) {
    T gi = MAX ? -g[i] : g[i];
    if (WD) gi += wd * p[i];
    const T si = s[i] + gi * gi;
    s[i] = si;
    p[i] -= clr * gi / (std::sqrt(si) + eps);
  }
}

template <typename T>
I2DL_INLINE void adagrad_chunk_dispatch(index_t n, T* p, const T* g, T* s, const AdagradConfig& c) {
  const bool wd = c.weight_decay != 0;
  if (wd && c.maximize) return adagrad_chunk_impl<true, true>(n, p, g, s, c);
  if (wd) return adagrad_chunk_impl<true, false>(n, p, g, s, c);
  if (c.maximize) return adagrad_chunk_impl<false, true>(n, p, g, s, c);
  adagrad_chunk_impl<false, false>(n, p, g, s, c);
}

#define I2DL_RMSPROP_ADAGRAD_CLONES(T)                                                                          \
  I2DL_CLONES void rmsprop_chunk(index_t n, T* p, const T* g, T* s, T* a, T* b, const RmspropConfig& c) {      \
    rmsprop_chunk_dispatch(n, p, g, s, a, b, c);                                                                \
  }                                                                                                             \
  I2DL_CLONES void adagrad_chunk(index_t n, T* p, const T* g, T* s, const AdagradConfig& c) {                   \
    adagrad_chunk_dispatch(n, p, g, s, c);                                                                      \
  }
I2DL_FOR_FLOATS(I2DL_RMSPROP_ADAGRAD_CLONES)
#undef I2DL_RMSPROP_ADAGRAD_CLONES

}  // namespace detail

template <typename T>
void sgd_step(index_t n, T* param, const T* grad, T* velocity, const SgdConfig& c) {
  parallel_chunks(n, [&](index_t b, index_t count) {
    detail::sgd_chunk(count, param + b, grad + b, velocity ? velocity + b : nullptr, c);
  });
}

template <typename T>
void adam_step(index_t n, T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const AdamConfig& c) {
  parallel_chunks(n, [&](index_t b, index_t count) {
    detail::adam_chunk(count, param + b, grad + b, exp_avg + b, exp_avg_sq + b,
                       max_exp_avg_sq ? max_exp_avg_sq + b : nullptr, c);
  });
}

template <typename T>
void rmsprop_step(index_t n, T* param, const T* grad, T* square_avg, T* grad_avg, T* momentum_buffer,
                  const RmspropConfig& c) {
  parallel_chunks(n, [&](index_t b, index_t count) {
    detail::rmsprop_chunk(count, param + b, grad + b, square_avg + b, grad_avg ? grad_avg + b : nullptr,
                          momentum_buffer ? momentum_buffer + b : nullptr, c);
  });
}

template <typename T>
void adagrad_step(index_t n, T* param, const T* grad, T* state_sum, const AdagradConfig& c) {
  parallel_chunks(n, [&](index_t b, index_t count) {
    detail::adagrad_chunk(count, param + b, grad + b, state_sum + b, c);
  });
}

namespace detail {

// f(tensor, offset, count) over the concatenation of the tensors' lengths, split into one
// contiguous range per thread: each thread takes [begin, end) of the total, in pieces of the
// tensors it spans (300 tensors of 4k are one parallel region, not 300).
template <typename Tensor, typename F>
void multi_chunks(const std::vector<Tensor>& tensors, F&& f) {
  index_t total = 0;
  for (const auto& t : tensors) total += t.n;
  parallel_chunks(total, [&](index_t begin, index_t count) {
    const index_t end = begin + count;
    index_t at = 0;
    for (const auto& t : tensors) {
      const index_t lo = std::max(begin, at), hi = std::min(end, at + t.n);
      if (lo < hi) f(t, lo - at, hi - lo);
      at += t.n;
      if (at >= end) break;
    }
  });
}

template <typename T>
T* at(T* base, index_t offset) {
  return base ? base + offset : nullptr;
}

// The partial sum of |x|^p over one piece (P: 2 squares, 1 absolute values, 0 any other p), in
// double (a float32 square of 1e20 overflows; its double does not). A NaN entry makes the sum NaN
// by itself (NaN^p and NaN + anything are NaN), so the loop is one vectorised reduction.
template <int P, typename T>
I2DL_INLINE double norm_sum_impl(index_t n, const T* __restrict__ x, double p) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (index_t i = 0; i < n; ++i) {
    const double a = std::abs(double(x[i]));
    s += P == 2 ? a * a : P == 1 ? a : std::pow(a, p);
  }
  return s;
}

// max |x| over one piece, and whether it holds a NaN (a max drops NaN: it is counted apart).
template <typename T>
I2DL_INLINE double norm_max_impl(index_t n, const T* __restrict__ x, bool& nan) {
  T m = 0;
  int bad = 0;
#pragma omp simd reduction(max : m) reduction(| : bad)
  for (index_t i = 0; i < n; ++i) {
    const T a = std::abs(x[i]);
    bad |= a != a;
    m = a > m ? a : m;
  }
  nan = nan || bad;
  return double(m);
}

#define I2DL_NORM_CLONES(T)                                                                              \
  I2DL_CLONES void norm_piece(index_t n, const T* x, double p, double& sum, double& max, bool& nan) {    \
    if (std::isinf(p)) max = std::max(max, norm_max_impl(n, x, nan));                                    \
    else if (p == 2) sum += norm_sum_impl<2>(n, x, p);                                                   \
    else if (p == 1) sum += norm_sum_impl<1>(n, x, p);                                                   \
    else sum += norm_sum_impl<0>(n, x, p);                                                               \
  }                                                                                                      \
  I2DL_CLONES void mul_piece(index_t n, T* x, T factor) {                                                \
    for (index_t i = 0; i < n; ++i) x[i] *= factor;                                                      \
  }                                                                                                      \
  I2DL_CLONES void clamp_piece(index_t n, T* x, T lo, T hi) {                                            \
    for (index_t i = 0; i < n; ++i) x[i] = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]);                     \
  }
I2DL_FOR_FLOATS(I2DL_NORM_CLONES)
#undef I2DL_NORM_CLONES

}  // namespace detail

template <typename T>
void sgd_multi_step(const std::vector<ParamTensors<T>>& tensors, const SgdConfig& c) {
  detail::multi_chunks(tensors, [&](const ParamTensors<T>& t, index_t o, index_t count) {
    detail::sgd_chunk(count, t.param + o, t.grad + o, detail::at(t.state[0], o), c);
  });
}

template <typename T>
void adam_multi_step(const std::vector<ParamTensors<T>>& tensors, const AdamConfig& c) {
  detail::multi_chunks(tensors, [&](const ParamTensors<T>& t, index_t o, index_t count) {
    detail::adam_chunk(count, t.param + o, t.grad + o, t.state[0] + o, t.state[1] + o, detail::at(t.state[2], o), c);
  });
}

template <typename T>
void rmsprop_multi_step(const std::vector<ParamTensors<T>>& tensors, const RmspropConfig& c) {
  detail::multi_chunks(tensors, [&](const ParamTensors<T>& t, index_t o, index_t count) {
    detail::rmsprop_chunk(count, t.param + o, t.grad + o, t.state[0] + o, detail::at(t.state[1], o),
                          detail::at(t.state[2], o), c);
  });
}

template <typename T>
void adagrad_multi_step(const std::vector<ParamTensors<T>>& tensors, const AdagradConfig& c) {
  detail::multi_chunks(tensors, [&](const ParamTensors<T>& t, index_t o, index_t count) {
    detail::adagrad_chunk(count, t.param + o, t.grad + o, t.state[0] + o, c);
  });
}

template <typename T>
double total_norm(const std::vector<Span<const T>>& tensors, double p) {
  const int threads = omp_get_max_threads();
  std::vector<double> sums(threads, 0.0), maxes(threads, 0.0);
  std::vector<char> nans(threads, 0);
  detail::multi_chunks(tensors, [&](const Span<const T>& t, index_t o, index_t count) {
    const int id = omp_get_thread_num();
    bool nan = nans[id];
    detail::norm_piece(count, t.data + o, p, sums[id], maxes[id], nan);
    nans[id] = nan;
  });
  double sum = 0, max = 0;
  for (int i = 0; i < threads; ++i) {  // in thread order: the same sum for the same thread count
    if (nans[i]) return std::numeric_limits<double>::quiet_NaN();
    sum += sums[i];
    max = std::max(max, maxes[i]);
  }
  if (sum != sum) return sum;  // a NaN entry (inf - inf cannot occur: every term is >= 0)
  if (std::isinf(p)) return max;
  return p == 2 ? std::sqrt(sum) : p == 1 ? sum : std::pow(sum, 1.0 / p);
}

template <typename T>
void mul_multi(const std::vector<Span<T>>& tensors, double factor) {
  detail::multi_chunks(tensors, [&](const Span<T>& t, index_t o, index_t count) {
    detail::mul_piece(count, t.data + o, T(factor));
  });
}

template <typename T>
void clamp_multi(const std::vector<Span<T>>& tensors, double lo, double hi) {
  detail::multi_chunks(tensors, [&](const Span<T>& t, index_t o, index_t count) {
    detail::clamp_piece(count, t.data + o, T(lo), T(hi));
  });
}

#define I2DL_OPTIM_INSTANTIATE(T)                                                   \
  template void sgd_step<T>(index_t, T*, const T*, T*, const SgdConfig&);          \
  template void adam_step<T>(index_t, T*, const T*, T*, T*, T*, const AdamConfig&); \
  template void sgd_multi_step<T>(const std::vector<ParamTensors<T>>&, const SgdConfig&);           \
  template void adam_multi_step<T>(const std::vector<ParamTensors<T>>&, const AdamConfig&);         \
  template void rmsprop_multi_step<T>(const std::vector<ParamTensors<T>>&, const RmspropConfig&);   \
  template void adagrad_multi_step<T>(const std::vector<ParamTensors<T>>&, const AdagradConfig&);   \
  template double total_norm<T>(const std::vector<Span<const T>>&, double);                         \
  template void mul_multi<T>(const std::vector<Span<T>>&, double);                                  \
  template void clamp_multi<T>(const std::vector<Span<T>>&, double, double);                        \
  template void rmsprop_step<T>(index_t, T*, const T*, T*, T*, T*, const RmspropConfig&);            \
  template void adagrad_step<T>(index_t, T*, const T*, T*, const AdagradConfig&);
I2DL_FOR_FLOATS(I2DL_OPTIM_INSTANTIATE)
#undef I2DL_OPTIM_INSTANTIATE

}  // namespace i2dl
