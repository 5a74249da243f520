// Pooling on the GPU: forward one thread per output. Average-pooling backward: one thread per input
// element gathers the outputs whose window covers it (deterministic, no atomics); max-pooling
// backward: one thread per output adds its gradient at its argmax with atomicAdd (overlapping
// windows may share an argmax).
#include "i2dl/pool2d.h"
#include "launch.cuh"

namespace i2dl::cuda {

template <typename T>
__global__ void max_pool_forward_kernel(Pool2dShape s, const T* __restrict__ x, T* __restrict__ y,
                                        std::int64_t* __restrict__ idx) {
  I2DL_GRID_STRIDE(i, s.N * s.C * s.OH * s.OW) {
    const index_t ow = i % s.OW, oh = (i / s.OW) % s.OH, plane = i / (s.OW * s.OH);
    const T* xp = x + plane * s.H * s.W;
    const PoolWindow win(s, oh, ow);
    T best = -INFINITY;
    index_t best_i = (win.top + win.kh0 * s.DH) * s.W + win.left + win.kw0 * s.DW;
    for (index_t kh = win.kh0; kh < win.kh1; ++kh)
      for (index_t kw = win.kw0; kw < win.kw1; ++kw) {
        const index_t h = win.top + kh * s.DH, w = win.left + kw * s.DW;
        const T v = xp[h * s.W + w];
        if (v > best || (v != v && best == best)) { best = v; best_i = h * s.W + w; }
      }
    y[i] = best;
    idx[i] = best_i;
  }
}

// The outputs whose window (start o*S - P, length K) covers position p: o in [first, last].
__device__ inline void covering(index_t p, index_t K, index_t S, index_t P, index_t O, index_t& first, index_t& last) {
  const index_t q = p + P;
  first = q < K ? 0 : (q - K) / S + 1;
  last = min(q / S, O - 1);
}

// One thread per output adds its gradient at its argmax (atomics: windows may overlap).
// Indices outside the plane are skipped; i2dl.kernels.cuda rejects them before the launch.
template <typename T>
__global__ void max_pool_backward_kernel(Pool2dShape s, const T* __restrict__ dy, const std::int64_t* __restrict__ idx,
                                         T* __restrict__ dx) {
  const index_t plane_in = s.H * s.W, plane_out = s.OH * s.OW;
  I2DL_GRID_STRIDE(i, s.N * s.C * plane_out) {
    const std::int64_t j = idx[i];
    if (j >= 0 && j < plane_in) atomicAdd(dx + (i / plane_out) * plane_in + j, dy[i]);
  }
}

template <typename T>
__global__ void avg_pool_forward_kernel(Pool2dShape s, const T* __restrict__ x, T* __restrict__ y) {
  I2DL_GRID_STRIDE(i, s.N * s.C * s.OH * s.OW) {
    const index_t ow = i % s.OW, oh = (i / s.OW) % s.OH, plane = i / (s.OW * s.OH);
    const T* xp = x + plane * s.H * s.W;
    const PoolWindow win(s, oh, ow);
    T acc = T(0);
    for (index_t h = win.top + win.kh0; h < win.top + win.kh1; ++h)
      for (index_t w = win.left + win.kw0; w < win.left + win.kw1; ++w) acc += xp[h * s.W + w];
    y[i] = acc / T(win.divisor(s));
  }
}

template <typename T>
__global__ void avg_pool_backward_kernel(Pool2dShape s, const T* __restrict__ dy, T* __restrict__ dx) {
  I2DL_GRID_STRIDE(i, s.N * s.C * s.H * s.W) {
    const index_t w = i % s.W, h = (i / s.W) % s.H, plane = i / (s.W * s.H);
    index_t oh0, oh1, ow0, ow1;
    covering(h, s.KH, s.SH, s.PH, s.OH, oh0, oh1);
    covering(w, s.KW, s.SW, s.PW, s.OW, ow0, ow1);
    const index_t base = plane * s.OH * s.OW;
    T acc = T(0);
    for (index_t oh = oh0; oh <= oh1; ++oh)
      for (index_t ow = ow0; ow <= ow1; ++ow) acc += dy[base + oh * s.OW + ow] / T(PoolWindow(s, oh, ow).divisor(s));
    dx[i] = acc;
  }
}

// One block per plane: a shared-memory tree reduction.
template <typename T>
__global__ void global_avg_forward_kernel(index_t plane_size, const T* __restrict__ x, T* __restrict__ y) {
  __shared__ T partial[kThreads];
  const T* xp = x + blockIdx.x * plane_size;
  T acc = T(0);
  for (index_t i = threadIdx.x; i < plane_size; i += blockDim.x) acc += xp[i];
  partial[threadIdx.x] = acc;
  __syncthreads();
  for (int step = blockDim.x / 2; step > 0; step /= 2) {
    if ((int)threadIdx.x < step) partial[threadIdx.x] += partial[threadIdx.x + step];
    __syncthreads();
  }
  if (threadIdx.x == 0) y[blockIdx.x] = partial[0] / T(plane_size);
}

template <typename T>
__global__ void global_avg_backward_kernel(index_t planes, index_t plane_size, const T* __restrict__ dy, T* __restrict__ dx) {
  I2DL_GRID_STRIDE(i, planes * plane_size) { dx[i] = dy[i / plane_size] / T(plane_size); }
}

template <typename T>
std::string max_pool2d_forward(const Pool2dShape& s, const T* x, T* y, std::int64_t* idx, void* stream) {
  const index_t n = s.N * s.C * s.OH * s.OW;
  return launch("max_pool2d_forward", n, max_pool_forward_kernel<T>, stream, s, x, y, idx);
}

template <typename T>
std::string max_pool2d_backward(const Pool2dShape& s, const T* dy, const std::int64_t* idx, T* dx, void* stream) {
  // dx must arrive zeroed
  const index_t n = s.N * s.C * s.OH * s.OW;
  return launch("max_pool2d_backward", n, max_pool_backward_kernel<T>, stream, s, dy, idx, dx);
}

template <typename T>
std::string avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y, void* stream) {
  const index_t n = s.N * s.C * s.OH * s.OW;
  return launch("avg_pool2d_forward", n, avg_pool_forward_kernel<T>, stream, s, x, y);
}

template <typename T>
std::string avg_pool2d_backward(const Pool2dShape& s, const T* dy, T* dx, void* stream) {
  const index_t n = s.N * s.C * s.H * s.W;
  return launch("avg_pool2d_backward", n, avg_pool_backward_kernel<T>, stream, s, dy, dx);
}

template <typename T>
std::string global_avg_pool2d_forward(index_t planes, index_t plane_size, const T* x, T* y, void* stream) {
  return launch_blocks("global_avg_pool2d_forward", planes, global_avg_forward_kernel<T>, stream, plane_size, x, y);
}

template <typename T>
std::string global_avg_pool2d_backward(index_t planes, index_t plane_size, const T* dy, T* dx, void* stream) {
  return launch("global_avg_pool2d_backward", planes * plane_size, global_avg_backward_kernel<T>, stream, planes,
                plane_size, dy, dx);
}

template <typename T>
__global__ void adaptive_avg_forward_kernel(AdaptiveBins b, const T* x, T* y) {
  I2DL_GRID_STRIDE(e, b.planes * b.OH * b.OW) {
    const index_t j = e % b.OW, i = (e / b.OW) % b.OH, p = e / (b.OW * b.OH);
    const T* plane = x + p * b.H * b.W;
    T acc = T(0);
    for (index_t h = b.h_start[i]; h < b.h_end[i]; ++h)
      for (index_t w = b.w_start[j]; w < b.w_end[j]; ++w) acc += plane[h * b.W + w];
    y[e] = acc / T((b.h_end[i] - b.h_start[i]) * (b.w_end[j] - b.w_start[j]));
  }
}

// One thread per output: the first maximum of its bin (NaN wins) and its index in the plane.
template <typename T>
__global__ void adaptive_max_forward_kernel(AdaptiveBins b, const T* x, T* y, std::int64_t* idx) {
  I2DL_GRID_STRIDE(e, b.planes * b.OH * b.OW) {
    const index_t j = e % b.OW, i = (e / b.OW) % b.OH, p = e / (b.OW * b.OH);
    const T* plane = x + p * b.H * b.W;
    T best = -INFINITY;
    index_t best_i = b.h_start[i] * b.W + b.w_start[j];
    for (index_t h = b.h_start[i]; h < b.h_end[i]; ++h)
      for (index_t w = b.w_start[j]; w < b.w_end[j]; ++w) {
        const T v = plane[h * b.W + w];
        if (v > best || (v != v && best == best)) { best = v; best_i = h * b.W + w; }
      }
    y[e] = best;
    idx[e] = best_i;
  }
}

// Max unpooling: the output zeroed by one kernel, then one thread per input writes its value (a
// repeated index: one of the writes wins, as in PyTorch; max pooling's repeats carry equal values);
// the adjoint gathers. Indices outside the plane are skipped (i2dl.kernels.cuda rejects them first).
template <typename T>
__global__ void unpool_zero_kernel(index_t n, T* __restrict__ y) {
  I2DL_GRID_STRIDE(i, n) { y[i] = T(0); }
}

template <typename T>
__global__ void unpool_forward_kernel(index_t planes, index_t in, index_t out, const T* __restrict__ x,
                                      const std::int64_t* __restrict__ idx, T* __restrict__ y) {
  I2DL_GRID_STRIDE(e, planes * in) {
    const std::int64_t i = idx[e];
    if (i >= 0 && i < out) y[(e / in) * out + i] = x[e];
  }
}

template <typename T>
__global__ void unpool_backward_kernel(index_t planes, index_t in, index_t out, const T* __restrict__ dy,
                                       const std::int64_t* __restrict__ idx, T* __restrict__ dx) {
  I2DL_GRID_STRIDE(e, planes * in) {
    const std::int64_t i = idx[e];
    dx[e] = (i >= 0 && i < out) ? dy[(e / in) * out + i] : T(0);
  }
}

// One thread per input element, gathering over the outputs whose bins hold it (no atomics).
template <typename T>
__global__ void adaptive_avg_backward_kernel(AdaptiveBins b, const T* dy, T* dx) {
  I2DL_GRID_STRIDE(e, b.planes * b.H * b.W) {
    const index_t w = e % b.W, h = (e / b.W) % b.H, p = e / (b.W * b.H);
    const T* g = dy + p * b.OH * b.OW;
    T acc = T(0);
    for (index_t i = 0; i < b.OH; ++i) {
      if (h < b.h_start[i] || h >= b.h_end[i]) continue;
      for (index_t j = 0; j < b.OW; ++j)
        if (w >= b.w_start[j] && w < b.w_end[j])
          acc += g[i * b.OW + j] / T((b.h_end[i] - b.h_start[i]) * (b.w_end[j] - b.w_start[j]));
    }
    dx[e] = acc;
  }
}

template <typename T>
std::string adaptive_avg_pool2d_forward(const AdaptiveBins& b, const T* x, T* y, void* stream) {
  return launch("adaptive_avg_pool2d_forward", b.planes * b.OH * b.OW, adaptive_avg_forward_kernel<T>, stream, b, x, y);
}

template <typename T>
std::string adaptive_max_pool2d_forward(const AdaptiveBins& b, const T* x, T* y, std::int64_t* idx, void* stream) {
  return launch("adaptive_max_pool2d_forward", b.planes * b.OH * b.OW, adaptive_max_forward_kernel<T>, stream, b, x, y,
                idx);
}

template <typename T>
std::string max_unpool2d_forward(index_t planes, index_t in, index_t out, const T* x, const std::int64_t* idx, T* y,
                                 void* stream) {
  const std::string zeroed = launch("max_unpool2d_forward", planes * out, unpool_zero_kernel<T>, stream, planes * out, y);
  if (!zeroed.empty()) return zeroed;
  return launch("max_unpool2d_forward", planes * in, unpool_forward_kernel<T>, stream, planes, in, out, x, idx, y);
}

template <typename T>
std::string max_unpool2d_backward(index_t planes, index_t in, index_t out, const T* dy, const std::int64_t* idx, T* dx,
                                  void* stream) {
  return launch("max_unpool2d_backward", planes * in, unpool_backward_kernel<T>, stream, planes, in, out, dy, idx, dx);
}

template <typename T>
std::string adaptive_avg_pool2d_backward(const AdaptiveBins& b, const T* dy, T* dx, void* stream) {
  return launch("adaptive_avg_pool2d_backward", b.planes * b.H * b.W, adaptive_avg_backward_kernel<T>, stream, b, dy,
                dx);
}

#define I2DL_INSTANTIATE(T)                                                                                  \
  template std::string adaptive_avg_pool2d_forward<T>(const AdaptiveBins&, const T*, T*, void*);             \
  template std::string adaptive_avg_pool2d_backward<T>(const AdaptiveBins&, const T*, T*, void*);            \
  template std::string adaptive_max_pool2d_forward<T>(const AdaptiveBins&, const T*, T*, std::int64_t*, void*); \
  template std::string max_unpool2d_forward<T>(index_t, index_t, index_t, const T*, const std::int64_t*, T*, void*); \
  template std::string max_unpool2d_backward<T>(index_t, index_t, index_t, const T*, const std::int64_t*, T*, void*); \
  template std::string max_pool2d_forward<T>(const Pool2dShape&, const T*, T*, std::int64_t*, void*);        \
  template std::string max_pool2d_backward<T>(const Pool2dShape&, const T*, const std::int64_t*, T*, void*); \
  template std::string avg_pool2d_forward<T>(const Pool2dShape&, const T*, T*, void*);                       \
  template std::string avg_pool2d_backward<T>(const Pool2dShape&, const T*, T*, void*);                      \
  template std::string global_avg_pool2d_forward<T>(index_t, index_t, const T*, T*, void*);                  \
  template std::string global_avg_pool2d_backward<T>(index_t, index_t, const T*, T*, void*);
I2DL_FOR_FLOATS(I2DL_INSTANTIATE)
#undef I2DL_INSTANTIATE

}  // namespace i2dl::cuda
