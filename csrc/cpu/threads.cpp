#include "i2dl/threads.h"

#include <cblas.h>
#include <malloc.h>
#include <omp.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace i2dl {

void configure_threads() {
  // OpenBLAS runs single-threaded for good; gemm() splits large products over OpenMP's threads
  // itself, so OpenBLAS's own pthreads never run and never compete with ours for the cores.
  // (Changing its thread count per call, to call it from inside our parallel regions, woke
  // those pthreads every time, and they spun on the cores our threads needed.)
  scipy_openblas_set_num_threads(1);
  set_num_threads(omp_get_max_threads());
}

static std::atomic<int> g_threads{1};

void set_num_threads(int n) { g_threads.store(n < 1 ? 1 : n, std::memory_order_relaxed); }

int get_num_threads() { return g_threads.load(std::memory_order_relaxed); }
// gemm() splits over the calling thread's OpenMP team, which a ThreadScope sets to the same count
int blas_num_threads() { return get_num_threads(); }

ThreadScope::ThreadScope() : previous_(omp_get_max_threads()) {
  const int n = get_num_threads();
  if (n != previous_) omp_set_num_threads(n);
}

ThreadScope::~ThreadScope() {
  if (omp_get_max_threads() != previous_) omp_set_num_threads(previous_);
}
std::string blas_config() { return scipy_openblas_get_config(); }
std::string blas_core() { return scipy_openblas_get_corename(); }

static bool g_malloc_tuned = false;

bool tune_malloc() {
  const char* opt = std::getenv("I2DL_MALLOC_TUNING");
  if (opt && std::strcmp(opt, "0") == 0) return false;
#if defined(__GLIBC__)
  g_malloc_tuned = mallopt(M_MMAP_THRESHOLD, 64 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 256 << 20) == 1;
#endif
  return g_malloc_tuned;
}

bool malloc_tuned() { return g_malloc_tuned; }

std::string isa_clone() {
#if defined(__x86_64__) && !defined(I2DL_NATIVE)
  __builtin_cpu_init();
  // The same feature sets GCC's resolver checks for the arch levels of target_clones.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    return "x86-64-v4";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2"))
    return "x86-64-v3";
  return "default";
#elif defined(I2DL_NATIVE)
  return "native (-march=native build)";
#else
  return "default (no per-ISA clones on this architecture)";
#endif
}

}  // namespace i2dl
