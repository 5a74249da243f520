// Host launchers of the CUDA kernels of one family (csrc/cuda/device.cu). Pointers are device pointers
// (CuPy's arr.data.ptr), `stream` is a cudaStream_t (CuPy's current stream). Each launcher enqueues
// its kernel, checks the launch and returns "" or the CUDA error text. No CUDA header is needed.
#pragma once
#include <cstdint>
#include <string>


namespace i2dl::cuda {

// Number of visible devices, or -1 with the reason in *why.
int device_count(std::string* why);
std::string runtime_version();

}  // namespace i2dl::cuda
