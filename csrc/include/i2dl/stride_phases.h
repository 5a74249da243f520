// The stride-phase split: the elements S*k + j of a row gathered into phase j (k = 0, 1, ...), and
// the inverse merge. A stride-S access becomes S unit-stride ones, which vectorise: Winograd takes
// the 6 columns of its patches from a row's 4 phases (columns 4k + j), the strided convolution its
// taps from the input's SH x SW phase planes (stride 2 across: the even and odd columns), im2col
// one phase of a row per tap and column offset.
//
// The pointers are restrict-qualified parameters, so the short rows of a convolution vectorise
// without a run-time overlap check (an array of pointers cannot carry restrict, hence one overload
// per phase count rather than one template over S).
#pragma once
#include "i2dl/common.h"

namespace i2dl {

// p0[k] = src[2k], p1[k] = src[2k + 1] for k in [0, n): 2n elements in.
template <typename T>
I2DL_INLINE void split_phases(const T* __restrict__ src, index_t n, T* __restrict__ p0, T* __restrict__ p1) {
  for (index_t k = 0; k < n; ++k) {
    p0[k] = src[2 * k];
    p1[k] = src[2 * k + 1];
  }
}

// p_j[k] = src[4k + j] for j < 4 and k in [0, n): 4n elements in.
template <typename T>
I2DL_INLINE void split_phases(const T* __restrict__ src, index_t n, T* __restrict__ p0, T* __restrict__ p1,
                              T* __restrict__ p2, T* __restrict__ p3) {
#pragma GCC ivdep
  for (index_t k = 0; k < n; ++k) {
    p0[k] = src[4 * k];
    p1[k] = src[4 * k + 1];
    p2[k] = src[4 * k + 2];
    p3[k] = src[4 * k + 3];
  }
}

// The inverse of the 2-phase split: dst[2k] = p0[k], dst[2k + 1] = p1[k] for k in [0, n).
template <typename T>
I2DL_INLINE void merge_phases(const T* __restrict__ p0, const T* __restrict__ p1, index_t n, T* __restrict__ dst) {
  for (index_t k = 0; k < n; ++k) {
    dst[2 * k] = p0[k];
    dst[2 * k + 1] = p1[k];
  }
}

// One phase of any stride and its inverses, k in [0, n): dst[k] = src[S*k] (take), dst[S*k] = src[k]
// (put), dst[S*k] += src[k] (add: im2col's adjoint). Stride 2, the common one, runs a loop with
// the stride a constant, which vectorises as two loads and a permute; a run-time stride does not.
template <typename T>
I2DL_INLINE void take_phase(const T* __restrict__ src, index_t S, index_t n, T* __restrict__ dst) {
  if (S == 2) {
    for (index_t k = 0; k < n; ++k) dst[k] = src[2 * k];
  } else {
    for (index_t k = 0; k < n; ++k) dst[k] = src[S * k];
  }
}

template <typename T>
I2DL_INLINE void put_phase(const T* __restrict__ src, index_t S, index_t n, T* __restrict__ dst) {
  if (S == 2) {
    for (index_t k = 0; k < n; ++k) dst[2 * k] = src[k];
  } else {
    for (index_t k = 0; k < n; ++k) dst[S * k] = src[k];
  }
}

template <typename T>
I2DL_INLINE void add_phase(const T* __restrict__ src, index_t S, index_t n, T* __restrict__ dst) {
  if (S == 2) {
    for (index_t k = 0; k < n; ++k) dst[2 * k] += src[k];
  } else {
    for (index_t k = 0; k < n; ++k) dst[S * k] += src[k];
  }
}

}  // namespace i2dl
