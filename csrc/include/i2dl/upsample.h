// Upsampling as a separable interpolation (nearest: one tap per axis, bilinear: two): see
// i2dl/kernels/reference/upsample.py for the formula and i2dl/kernels/checks/upsample.py for the taps.
#pragma once
#include <string>

#include "i2dl/common.h"

namespace i2dl {

// The taps of both axes: index (O, taps) into the input axis, weight (O, taps).
template <typename T>
struct UpsampleTaps {
  index_t planes, H, W, OH, OW, taps_h, taps_w;
  const index_t *h_index, *w_index;
  const T *h_weight, *w_weight;
};

// y (planes, OH, OW) = sum_{a, b} (h_weight[oh, a] w_weight[ow, b]) x[plane, h_index[oh, a], w_index[ow, b]].
template <typename T>
void upsample2d_forward(const UpsampleTaps<T>& t, const T* x, T* y);

// dx (planes, H, W): the adjoint, each plane on one thread (the same sums at any thread count).
template <typename T>
void upsample2d_backward(const UpsampleTaps<T>& t, const T* dy, T* dx);

}  // namespace i2dl

namespace i2dl::cuda {
template <typename T>
std::string upsample2d_forward(const UpsampleTaps<T>& t, const T* x, T* y, void* stream);
// rows_*: for each input row (column) the range [start[i], start[i + 1]) of entries of `entries`, each
// an output index times taps + the tap (the CSR of the taps, built by the caller).
template <typename T>
std::string upsample2d_backward(const UpsampleTaps<T>& t, const index_t* h_start, const index_t* h_entries,
                                const index_t* w_start, const index_t* w_entries, const T* dy, T* dx, void* stream);
}  // namespace i2dl::cuda
