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

#define I2DL_GRID_STRIDE(i, n) \
  for (index_t i = blockIdx.x * (index_t)blockDim.x + threadIdx.x; i < (n); i += (index_t)blockDim.x * gridDim.x)

}  // namespace i2dl::cuda
