// Launch helpers shared by the .cu files: grid size and the launch check.
#pragma once
#include <cuda_runtime.h>

#include <string>

#include "i2dl/common.h"

namespace i2dl::cuda {

constexpr int kThreads = 256;

inline unsigned grid_for(index_t n) {
  index_t blocks = (n + kThreads - 1) / kThreads;
  const index_t cap = 65535LL * 32;  // grid-stride loops cover the rest
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > cap ? cap : blocks));
}

inline std::string launch_status(const char* kernel) {
  cudaError_t err = cudaGetLastError();
  if (err == cudaSuccess) return "";
  return std::string(kernel) + ": " + cudaGetErrorString(err);
}

// The one launch of a grid-stride kernel over n elements: enqueued on `stream` (nothing for n == 0),
// checked, "" or "name: the CUDA error" returned for the binding to raise.
template <typename... Params, typename... Args>
std::string launch(const char* name, index_t n, void (*kernel)(Params...), void* stream, Args... args) {
  if (n <= 0) return "";
  kernel<<<grid_for(n), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(args...);
  return launch_status(name);
}

// The same with `blocks` blocks of kThreads threads (one block per channel, set or plane).
template <typename... Params, typename... Args>
std::string launch_blocks(const char* name, index_t blocks, void (*kernel)(Params...), void* stream, Args... args) {
  if (blocks <= 0) return "";
  kernel<<<static_cast<unsigned>(blocks), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(args...);
  return launch_status(name);
}

// The transposed tap inversion of an input gradient, along one axis: the output position o whose
// tap k reads input position i (o * S = i + P - k * D), or -1 where no output does.
__device__ __forceinline__ index_t tap_source(index_t i, index_t k, index_t S, index_t P, index_t D, index_t O) {
  const index_t t = i + P - k * D;
  if (t < 0 || t % S) return -1;
  const index_t o = t / S;
  return o < O ? o : -1;
}

#define I2DL_GRID_STRIDE(i, n) \
  for (index_t i = blockIdx.x * (index_t)blockDim.x + threadIdx.x; i < (n); i += (index_t)blockDim.x * gridDim.x)

}  // namespace i2dl::cuda
