// Upsampling on the GPU: the forward one thread per output element, the backward one thread per input
// element gathering over the inverted taps (CSR, built by i2dl/kernels/cuda.py): no atomics, the
// same sums on every run. The formula is the reference's (i2dl/kernels/reference/upsample.py).
#include "i2dl/upsample.h"
#include "launch.cuh"

namespace i2dl::cuda {
namespace {

template <typename T>
__global__ void upsample_forward_kernel(UpsampleTaps<T> t, const T* x, T* y) {
  I2DL_GRID_STRIDE(e, t.planes * t.OH * t.OW) {
    const index_t ow = e % t.OW, oh = (e / t.OW) % t.OH, p = e / (t.OW * t.OH);
    const T* plane = x + p * t.H * t.W;
    T acc = T(0);
    for (index_t a = 0; a < t.taps_h; ++a) {
      const T wa = t.h_weight[oh * t.taps_h + a];
      const T* row = plane + t.h_index[oh * t.taps_h + a] * t.W;
      for (index_t b = 0; b < t.taps_w; ++b) acc += (wa * t.w_weight[ow * t.taps_w + b]) * row[t.w_index[ow * t.taps_w + b]];
    }
    y[e] = acc;
  }
}

template <typename T>
__global__ void upsample_backward_kernel(UpsampleTaps<T> t, const index_t* h_start, const index_t* h_entries,
                                         const index_t* w_start, const index_t* w_entries, const T* dy, T* dx) {
  I2DL_GRID_STRIDE(e, t.planes * t.H * t.W) {
    const index_t iw = e % t.W, ih = (e / t.W) % t.H, p = e / (t.W * t.H);
    const T* grad = dy + p * t.OH * t.OW;
    T acc = T(0);
    for (index_t i = h_start[ih]; i < h_start[ih + 1]; ++i) {
      const index_t eh = h_entries[i];
      const T wa = t.h_weight[eh];
      const T* grow = grad + (eh / t.taps_h) * t.OW;
      for (index_t j = w_start[iw]; j < w_start[iw + 1]; ++j) {
        const index_t ew = w_entries[j];
        acc += (wa * t.w_weight[ew]) * grow[ew / t.taps_w];
      }
    }
    dx[e] = acc;
  }
}

}  // namespace

template <typename T>
std::string upsample2d_forward(const UpsampleTaps<T>& t, const T* x, T* y, void* stream) {
  return launch("upsample2d_forward", t.planes * t.OH * t.OW, upsample_forward_kernel<T>, stream, t, x, y);
}

template <typename T>
std::string upsample2d_backward(const UpsampleTaps<T>& t, const index_t* h_start, const index_t* h_entries,
                                const index_t* w_start, const index_t* w_entries, const T* dy, T* dx, void* stream) {
  return launch("upsample2d_backward", t.planes * t.H * t.W, upsample_backward_kernel<T>, stream, t, h_start,
                h_entries, w_start, w_entries, dy, dx);
}

#define I2DL_UPSAMPLE_INSTANTIATE(T)                                                                            \
  template std::string upsample2d_forward<T>(const UpsampleTaps<T>&, const T*, T*, void*);                     \
  template std::string upsample2d_backward<T>(const UpsampleTaps<T>&, const index_t*, const index_t*,          \
                                              const index_t*, const index_t*, const T*, T*, void*);
I2DL_FOR_FLOATS(I2DL_UPSAMPLE_INSTANTIATE)
#undef I2DL_UPSAMPLE_INSTANTIATE

}  // namespace i2dl::cuda
