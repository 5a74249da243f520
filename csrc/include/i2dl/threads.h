// One thread pool: our OpenMP loops, and the GEMMs that gemm() splits over them; OpenBLAS's own
// pool stays idle (see BUILD-NOTES, the thread trap).
#pragma once
#include <string>

namespace i2dl {

// OpenBLAS single-threaded, OpenMP at all cores. Called once at import. GEMMs are parallelised
// by gemm() (blas.cpp) over OpenMP.
void configure_threads();
// Sets the threads of every kernel: OpenMP loops and the GEMMs split over them. The count is
// i2dl's own and process-wide: OpenMP's count is a per-thread setting (an ICV) that any library
// sharing libgomp may change (torch.set_num_threads does), so each kernel call runs under a
// ThreadScope that sets the calling thread's OpenMP count to i2dl's and restores it afterwards.
void set_num_threads(int n);
int get_num_threads();

// For the duration of one kernel call on the calling thread: OpenMP regions (and
// omp_get_max_threads()) see i2dl's thread count; the previous count is restored on exit.
class ThreadScope {
 public:
  ThreadScope();
  ~ThreadScope();
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int previous_;
};
int blas_num_threads();  // threads a GEMM is split over (OpenBLAS itself runs single-threaded)
std::string blas_config();
// The core type whose kernels OpenBLAS runs (e.g. "SkylakeX", "Haswell").
std::string blas_core();
// Keeps malloc from returning large freed blocks to the OS after every call (mmap threshold
// 64 MiB, trim threshold 256 MiB): a training step allocates the same activation-sized arrays
// each iteration, and fresh mmap'ed memory page-faults on every touch. I2DL_MALLOC_TUNING=0 opts out.
bool tune_malloc();
bool malloc_tuned();
// Which per-ISA clone the loader picks on this CPU: "x86-64-v4", "x86-64-v3" or "default".
std::string isa_clone();

}  // namespace i2dl
