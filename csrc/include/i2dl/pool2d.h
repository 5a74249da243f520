// 2-D max and average pooling, NCHW (floor mode, as PyTorch's default).
#pragma once
#include <string>

#include "i2dl/common.h"

namespace i2dl {

struct Pool2dShape {
  index_t N, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW;
  index_t planes() const { return N * C; }
};

// y[n,c,oh,ow] = max over the window; idx = ih*W + iw of the first maximum (NaN wins, as in PyTorch).
template <typename T>
void max_pool2d_forward(const Pool2dShape& s, const T* x, T* y, std::int64_t* idx);
// dx[n,c] = sum of dy over the outputs whose argmax is that element. Returns false (and skips
// them) when an index lies outside its plane, so a corrupt idx array can never write out of bounds.
template <typename T>
bool max_pool2d_backward(const Pool2dShape& s, const T* dy, const std::int64_t* idx, T* dx);

// y = (1 / (KH*KW)) * sum over the window, padding counted as zeros (count_include_pad=True).
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
std::string global_avg_pool2d_forward(index_t planes, index_t plane_size, const T* x, T* y, void* stream);
template <typename T>
std::string global_avg_pool2d_backward(index_t planes, index_t plane_size, const T* dy, T* dx, void* stream);

}  // namespace i2dl::cuda
