// Device queries for is_available()/why_unavailable().
#include "i2dl/device.h"
#include "launch.cuh"

namespace i2dl::cuda {

int device_count(std::string* why) {
  int n = 0;
  cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    if (why) *why = cudaGetErrorString(err);
    cudaGetLastError();  // clear the sticky error
    return -1;
  }
  if (n == 0 && why) *why = "no CUDA device is visible";
  return n;
}

std::string runtime_version() {
  int v = 0;
  cudaRuntimeGetVersion(&v);
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

}  // namespace i2dl::cuda
