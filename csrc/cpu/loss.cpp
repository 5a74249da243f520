// Softmax cross-entropy, one row of logits at a time: the row maximum, then one pass of exp.
// Classifier outputs are small (64 x 10 in the lecture's nets), so rows are split over threads
// only when there is enough work to pay for waking them.
#include "i2dl/loss.h"

#include <cmath>

namespace i2dl {

namespace {
constexpr index_t kParallelElements = 1 << 15;

template <typename T>
T row_max(const T* z, index_t C) {
  T m = z[0];
  for (index_t c = 1; c < C; ++c) m = z[c] > m ? z[c] : m;
  return m;
}
}  // namespace

template <typename T>
void cross_entropy_forward(index_t N, index_t C, const T* z, const std::int64_t* labels, T* loss) {
#pragma omp parallel for schedule(static) if (N * C >= kParallelElements)
  for (index_t i = 0; i < N; ++i) {
    const T* row = z + i * C;
    const T m = row_max(row, C);
    T sum = T(0);
    for (index_t c = 0; c < C; ++c) sum += std::exp(row[c] - m);
    loss[i] = std::log(sum) + m - row[labels[i]];
  }
}

template <typename T>
void cross_entropy_backward(index_t N, index_t C, const T* dloss, const T* z, const std::int64_t* labels, T* dz) {
#pragma omp parallel for schedule(static) if (N * C >= kParallelElements)
  for (index_t i = 0; i < N; ++i) {
    const T* row = z + i * C;
    T* out = dz + i * C;
    const T m = row_max(row, C);
    T sum = T(0);
    for (index_t c = 0; c < C; ++c) {
      out[c] = std::exp(row[c] - m);
      sum += out[c];
    }
    const T scale = dloss[i] / sum;
    for (index_t c = 0; c < C; ++c) out[c] *= scale;
    out[labels[i]] -= dloss[i];
  }
}

template void cross_entropy_forward<float>(index_t, index_t, const float*, const std::int64_t*, float*);
template void cross_entropy_forward<double>(index_t, index_t, const double*, const std::int64_t*, double*);
template void cross_entropy_backward<float>(index_t, index_t, const float*, const float*, const std::int64_t*, float*);
template void cross_entropy_backward<double>(index_t, index_t, const double*, const double*, const std::int64_t*, double*);

}  // namespace i2dl
