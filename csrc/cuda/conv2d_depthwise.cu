// Direct (no im2col) convolution for grouped convs with one input channel per group, depthwise
// convolution above all: there a column matrix would hold KH*KW rows per channel and one GEMM per
// group, 64 tiny GEMMs for a 64-channel layer. Here every output, input gradient and weight
// gradient element is one sum computed by one thread (or one block), deterministic, no atomics.
//
//   y[n,o,oh,ow]  = b[o] + sum_{c in group(o), kh, kw} w[o,c,kh,kw] x[n,c,oh*SH-PH+kh*DH, ow*SW-PW+kw*DW]
//   dx[n,c,ih,iw] = sum_{o in group(c), kh, kw : ih = oh*SH-PH+kh*DH, iw = ...} w[o,c,kh,kw] dy[n,o,oh,ow]
//   dw[o,c,kh,kw] = sum_{n, oh, ow} dy[n,o,oh,ow] x[n,c,ih,iw]
#include "i2dl/conv2d.h"
#include "launch.cuh"

namespace i2dl::cuda {

template <typename T>
__global__ void direct_forward_kernel(Conv2dShape s, const T* __restrict__ x, const T* __restrict__ w,
                                      const T* __restrict__ b, T* __restrict__ y) {
  const index_t Cg = s.C / s.groups, Og = s.O / s.groups, total = s.N * s.O * s.OH * s.OW;
  I2DL_GRID_STRIDE(i, total) {
    const index_t ow = i % s.OW, oh = (i / s.OW) % s.OH, o = (i / (s.OW * s.OH)) % s.O, n = i / (s.OW * s.OH * s.O);
    const index_t c0 = (o / Og) * Cg;
    T acc = b ? b[o] : T(0);
    for (index_t c = 0; c < Cg; ++c) {
      const T* plane = x + ((n * s.C + c0 + c) * s.H) * s.W;
      const T* taps = w + ((o * Cg + c) * s.KH) * s.KW;
      for (index_t kh = 0; kh < s.KH; ++kh) {
        const index_t ih = oh * s.SH - s.PH + kh * s.DH;
        if (ih < 0 || ih >= s.H) continue;
        for (index_t kw = 0; kw < s.KW; ++kw) {
          const index_t iw = ow * s.SW - s.PW + kw * s.DW;
          if (iw >= 0 && iw < s.W) acc += taps[kh * s.KW + kw] * plane[ih * s.W + iw];
        }
      }
    }
    y[i] = acc;
  }
}

template <typename T>
__global__ void direct_backward_input_kernel(Conv2dShape s, const T* __restrict__ dy, const T* __restrict__ w,
                                             T* __restrict__ dx) {
  const index_t Cg = s.C / s.groups, Og = s.O / s.groups, total = s.N * s.C * s.H * s.W;
  I2DL_GRID_STRIDE(i, total) {
    const index_t iw = i % s.W, ih = (i / s.W) % s.H, c = (i / (s.W * s.H)) % s.C, n = i / (s.W * s.H * s.C);
    const index_t o0 = (c / Cg) * Og, cl = c % Cg;
    T acc = T(0);
    for (index_t og = 0; og < Og; ++og) {
      const index_t o = o0 + og;
      const T* grad = dy + ((n * s.O + o) * s.OH) * s.OW;
      const T* taps = w + ((o * Cg + cl) * s.KH) * s.KW;
      for (index_t kh = 0; kh < s.KH; ++kh) {
        const index_t oh = tap_source(ih, kh, s.SH, s.PH, s.DH, s.OH);
        if (oh < 0) continue;
        for (index_t kw = 0; kw < s.KW; ++kw) {
          const index_t ow = tap_source(iw, kw, s.SW, s.PW, s.DW, s.OW);
          if (ow >= 0) acc += taps[kh * s.KW + kw] * grad[oh * s.OW + ow];
        }
      }
    }
    dx[i] = acc;
  }
}

// One block per weight element; its threads stride over (n, oh, ow) and reduce in shared memory.
template <typename T>
__global__ void direct_backward_weight_kernel(Conv2dShape s, const T* __restrict__ dy, const T* __restrict__ x,
                                              T* __restrict__ dw) {
  __shared__ T partial[kThreads];
  const index_t Cg = s.C / s.groups, Og = s.O / s.groups, P = s.OH * s.OW, count = s.N * P;
  for (index_t e = blockIdx.x; e < s.O * Cg * s.KH * s.KW; e += gridDim.x) {
    const index_t kw = e % s.KW, kh = (e / s.KW) % s.KH, cl = (e / (s.KW * s.KH)) % Cg, o = e / (s.KW * s.KH * Cg);
    const index_t c = (o / Og) * Cg + cl;
    T acc = T(0);
    for (index_t j = threadIdx.x; j < count; j += blockDim.x) {
      const index_t p = j % P, n = j / P, oh = p / s.OW, ow = p % s.OW;
      const index_t ih = oh * s.SH - s.PH + kh * s.DH, iw = ow * s.SW - s.PW + kw * s.DW;
      if (ih >= 0 && ih < s.H && iw >= 0 && iw < s.W)
        acc += dy[(n * s.O + o) * P + p] * x[((n * s.C + c) * s.H + ih) * s.W + iw];
    }
    partial[threadIdx.x] = acc;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
      if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
      __syncthreads();
    }
    if (threadIdx.x == 0) dw[e] = partial[0];
    __syncthreads();  // partial[] is reused by the next element of this block
  }
}

template <typename T>
std::string conv2d_direct_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y, void* stream) {
  const index_t total = s.N * s.O * s.OH * s.OW;
  return launch("conv2d_direct_forward", total, direct_forward_kernel<T>, stream, s, x, w, b, y);
}

template <typename T>
std::string conv2d_direct_backward_input(const Conv2dShape& s, const T* dy, const T* w, T* dx, void* stream) {
  const index_t total = s.N * s.C * s.H * s.W;
  return launch("conv2d_direct_backward_input", total, direct_backward_input_kernel<T>, stream, s, dy, w, dx);
}

template <typename T>
std::string conv2d_direct_backward_weight(const Conv2dShape& s, const T* dy, const T* x, T* dw, void* stream) {
  const index_t elements = s.O * (s.C / s.groups) * s.KH * s.KW;
  return launch_blocks("conv2d_direct_backward_weight", elements < 65535 * 32 ? elements : 65535 * 32,
                       direct_backward_weight_kernel<T>, stream, s, dy, x, dw);
}

#define I2DL_INSTANTIATE(T)                                                                                       \
  template std::string conv2d_direct_forward<T>(const Conv2dShape&, const T*, const T*, const T*, T*, void*);   \
  template std::string conv2d_direct_backward_input<T>(const Conv2dShape&, const T*, const T*, T*, void*);      \
  template std::string conv2d_direct_backward_weight<T>(const Conv2dShape&, const T*, const T*, T*, void*);
I2DL_FOR_FLOATS(I2DL_INSTANTIATE)
#undef I2DL_INSTANTIATE

}  // namespace i2dl::cuda
