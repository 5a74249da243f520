// Softmax cross-entropy, one row of logits at a time: the row maximum, then one pass of exp.
// Classifier outputs are small (64 x 10 in the lecture's nets), so rows are split over threads
// only when there is enough work to pay for waking them.
#include "i2dl/loss.h"

#include "i2dl/parallel.h"

#include <cmath>

namespace i2dl {

namespace {

template <typename T>
T row_max(const T* z, index_t C) {
  T m = z[0];
  for (index_t c = 1; c < C; ++c) m = z[c] > m ? z[c] : m;
  return m;
}
}  // namespace

// The row's sum of e^(z - m) accumulated in double: a float32 sum of many classes stops growing
// once it passes 2^24 (2^31 ones sum to 2^24 in float32, a relative error of 0.99).
template <typename T>
double row_exp_sum(const T* row, index_t C, T m, T* out = nullptr) {
  double sum = 0;
  for (index_t c = 0; c < C; ++c) {
    const T e = std::exp(row[c] - m);
    if (out) out[c] = e;
    sum += e;
  }
  return sum;
}

// loss = (m - z_y) + log sum_c e^(z_c - m): the two large terms cancel first, so that tied maxima
// at |z| = 1e30 keep their log k (log sum + m - z_y loses it to rounding: 1e30 + log 2 == 1e30).
template <typename T>
void cross_entropy_forward(index_t N, index_t C, const T* z, const std::int64_t* labels, T* loss) {
#pragma omp parallel for schedule(static) if (N * C >= kParallelFrom)
  for (index_t i = 0; i < N; ++i) {
    const T* row = z + i * C;
    const T m = row_max(row, C);
    loss[i] = static_cast<T>(static_cast<double>(m - row[labels[i]]) + std::log(row_exp_sum(row, C, m)));
  }
}

// dz_c = dloss * (softmax_c - [c == y]), the difference taken before the product (as the
// reference does): dloss * p - dloss at the label would make inf - inf = NaN for dloss = inf.
template <typename T>
void cross_entropy_backward(index_t N, index_t C, const T* dloss, const T* z, const std::int64_t* labels, T* dz) {
#pragma omp parallel for schedule(static) if (N * C >= kParallelFrom)
  for (index_t i = 0; i < N; ++i) {
    const T* row = z + i * C;
    T* out = dz + i * C;
    const T m = row_max(row, C);
    const T inv = static_cast<T>(1.0 / row_exp_sum(row, C, m, out)), d = dloss[i];
    const T at_label = out[labels[i]] * inv - T(1);
    for (index_t c = 0; c < C; ++c) out[c] = d * (out[c] * inv);
    out[labels[i]] = d * at_label;
  }
}

#define I2DL_LOSS_INSTANTIATE(T) \
  template void cross_entropy_forward<T>(index_t, index_t, const T*, const std::int64_t*, T*); \
  template void cross_entropy_backward<T>(index_t, index_t, const T*, const T*, const std::int64_t*, T*);
I2DL_FOR_FLOATS(I2DL_LOSS_INSTANTIATE)
#undef I2DL_LOSS_INSTANTIATE

}  // namespace i2dl
