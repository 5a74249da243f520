// Affine warps of images, sampled bilinearly (i2dl/kernels/reference/warp.py is the specification:
// output pixel (i, j) samples the input at theta[n] · (i, j, 1), corners outside the image weigh
// towards `fill`).
#pragma once
#include <cstdint>
#include <string>

namespace i2dl {

template <typename T>
void affine_warp2d_forward(int64_t N, int64_t C, int64_t H, int64_t W, const T* x, const T* theta, double fill, T* y);
template <typename T>
void affine_warp2d_backward(int64_t N, int64_t C, int64_t H, int64_t W, const T* dy, const T* theta, T* dx);

}  // namespace i2dl

namespace i2dl::cuda {

template <typename T>
std::string affine_warp2d_forward(int64_t N, int64_t C, int64_t H, int64_t W, const T* x, const T* theta, double fill,
                                  T* y, void* stream);
template <typename T>
std::string affine_warp2d_backward(int64_t N, int64_t C, int64_t H, int64_t W, const T* dy, const T* theta, T* dx,
                                   void* stream);

}  // namespace i2dl::cuda
