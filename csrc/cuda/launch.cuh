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
