// Shared definitions for the C++ kernels: index type, the per-ISA clone attribute.
#pragma once
#include <cstdint>

namespace i2dl {

using index_t = std::int64_t;

}  // namespace i2dl

// Hot loops are compiled once per ISA level and picked at load time, so a portable -O3
// build runs AVX-512 code where the CPU has it and still runs on a CPU without it.
#if defined(__x86_64__) && !defined(I2DL_NATIVE) && !defined(__SANITIZE_ADDRESS__)
#define I2DL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define I2DL_CLONES
#endif
// Small geometry shared by the CPU and CUDA kernels (pooling windows, warp taps): host and device.
#ifdef __CUDACC__
#define I2DL_HD __host__ __device__
#else
#define I2DL_HD
#endif
#define I2DL_INLINE inline __attribute__((always_inline))

// Instantiates (or clones) a family's templates for both float types, the one spelling of it:
//   #define I2DL_POOL_INSTANTIATE(T) template void max_pool2d_forward<T>(...);
//   I2DL_FOR_FLOATS(I2DL_POOL_INSTANTIATE)
#define I2DL_FOR_FLOATS(MACRO) MACRO(float) MACRO(double)
