// 2-D max and average pooling, NCHW, with PyTorch's parameters: dilation (max), ceil mode (both),
// count_include_pad and divisor_override (average).
#pragma once
#include <string>

#include "i2dl/common.h"

namespace i2dl {

// OH, OW as the contract computes them (floor or ceil mode: i2dl/kernels/checks/pool.py).
// divisor: avg pooling's divisor_override, 0 for none.
struct Pool2dShape {
  index_t N, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW;
  index_t DH = 1, DW = 1;
  bool count_include_pad = true;
  index_t divisor = 0;
  index_t planes() const { return N * C; }
};

// Window (oh, ow): its taps kh in [kh0, kh1), kw in [kw0, kw1) lie inside the plane, at rows
// top + kh*DH and columns left + kw*DW. A ceil-mode window may hang past the padding: it is cut
// at the plane like the padding's part (the contract keeps at least one tap inside).
struct PoolWindow {
  index_t top, left, kh0, kh1, kw0, kw1;
  I2DL_HD PoolWindow(const Pool2dShape& s, index_t oh, index_t ow) {
    top = oh * s.SH - s.PH;
    left = ow * s.SW - s.PW;
    kh0 = top < 0 ? (-top + s.DH - 1) / s.DH : 0;
    kw0 = left < 0 ? (-left + s.DW - 1) / s.DW : 0;
    kh1 = top < s.H ? (s.H - top + s.DH - 1) / s.DH : 0;
    kw1 = left < s.W ? (s.W - left + s.DW - 1) / s.DW : 0;
    kh1 = kh1 < s.KH ? kh1 : s.KH;
    kw1 = kw1 < s.KW ? kw1 : s.KW;
  }
  // avg pooling's divisor (PyTorch's rule): divisor_override; else with count_include_pad the
  // window cut at the padded plane's end (a ceil-mode overhang past the padding does not count);
  // else the taps inside the plane.
  I2DL_HD index_t divisor(const Pool2dShape& s) const {
    if (s.divisor) return s.divisor;
    if (!s.count_include_pad) return (kh1 - kh0) * (kw1 - kw0);
    const index_t bottom = top + s.KH < s.H + s.PH ? top + s.KH : s.H + s.PH;
    const index_t right = left + s.KW < s.W + s.PW ? left + s.KW : s.W + s.PW;
    return (bottom - top) * (right - left);
  }
};

// y[n,c,oh,ow] = max over the window; idx = ih*W + iw of the first maximum (NaN wins, as in PyTorch).
template <typename T>
void max_pool2d_forward(const Pool2dShape& s, const T* x, T* y, std::int64_t* idx);
// dx[n,c] = sum of dy over the outputs whose argmax is that element. Returns false (and skips
// them) when an index lies outside its plane, so a corrupt idx array can never write out of bounds.
template <typename T>
bool max_pool2d_backward(const Pool2dShape& s, const T* dy, const std::int64_t* idx, T* dx);

// y = sum over the window / PoolWindow::divisor.
template <typename T>
void avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y);
template <typename T>
void avg_pool2d_backward(const Pool2dShape& s, const T* dy, T* dx);

// y[n,c] = mean over H*W; dx[n,c,h,w] = dy[n,c] / (H*W).
// Adaptive average pooling: output (i, j) of each plane is the mean of rows [h_start[i], h_end[i]) and
// columns [w_start[j], w_end[j]) (the bins computed by i2dl/kernels/checks/pool.py).
struct AdaptiveBins {
  index_t planes, H, W, OH, OW;
  const index_t *h_start, *h_end, *w_start, *w_end;
};
template <typename T>
void adaptive_avg_pool2d_forward(const AdaptiveBins& b, const T* x, T* y);
// dx: each dy divided by its bin's size, added over the bin (one plane per thread: the same sums at any
// thread count).
template <typename T>
void adaptive_avg_pool2d_backward(const AdaptiveBins& b, const T* dy, T* dx);
// Adaptive max pooling: the first maximum of each bin (NaN wins) and its index h*W + w in the plane;
// the backward is max_pool2d_backward's scatter.
template <typename T>
void adaptive_max_pool2d_forward(const AdaptiveBins& b, const T* x, T* y, std::int64_t* idx);

// Max unpooling, per plane of `in` inputs and `out` outputs: y zeroed, then y[idx[j]] = x[j]; its
// adjoint dx[j] = dy[idx[j]]. Both return false (and skip the entry) for an index outside [0, out).
template <typename T>
bool max_unpool2d_forward(index_t planes, index_t in, index_t out, const T* x, const std::int64_t* idx, T* y);
template <typename T>
bool max_unpool2d_backward(index_t planes, index_t in, index_t out, const T* dy, const std::int64_t* idx, T* dx);

template <typename T>
void global_avg_pool2d_forward(index_t planes, index_t plane_size, const T* x, T* y);
template <typename T>
void global_avg_pool2d_backward(index_t planes, index_t plane_size, const T* dy, T* dx);

}  // namespace i2dl

// The CUDA launchers (csrc/cuda/): device pointers (CuPy's arr.data.ptr), `stream` a cudaStream_t
// (CuPy's current stream). Each enqueues its kernel, checks the launch and returns "" or the CUDA
// error text; declaring them needs no CUDA header.
namespace i2dl::cuda {

template <typename T>
std::string max_pool2d_forward(const Pool2dShape& s, const T* x, T* y, std::int64_t* idx, void* stream);
template <typename T>
std::string max_pool2d_backward(const Pool2dShape& s, const T* dy, const std::int64_t* idx, T* dx, void* stream);
template <typename T>
std::string avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y, void* stream);
template <typename T>
std::string avg_pool2d_backward(const Pool2dShape& s, const T* dy, T* dx, void* stream);
template <typename T>
std::string adaptive_avg_pool2d_forward(const AdaptiveBins& b, const T* x, T* y, void* stream);
template <typename T>
std::string adaptive_avg_pool2d_backward(const AdaptiveBins& b, const T* dy, T* dx, void* stream);
template <typename T>
std::string adaptive_max_pool2d_forward(const AdaptiveBins& b, const T* x, T* y, std::int64_t* idx, void* stream);
template <typename T>
std::string max_unpool2d_forward(index_t planes, index_t in, index_t out, const T* x, const std::int64_t* idx, T* y,
                                 void* stream);
template <typename T>
std::string max_unpool2d_backward(index_t planes, index_t in, index_t out, const T* dy, const std::int64_t* idx, T* dx,
                                  void* stream);
template <typename T>
std::string global_avg_pool2d_forward(index_t planes, index_t plane_size, const T* x, T* y, void* stream);
template <typename T>
std::string global_avg_pool2d_backward(index_t planes, index_t plane_size, const T* dy, T* dx, void* stream);

}  // namespace i2dl::cuda
