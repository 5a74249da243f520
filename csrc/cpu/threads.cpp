#include "i2dl/threads.h"

#include <cblas.h>
#include <malloc.h>
#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace i2dl {

// OpenBLAS hands us its jobs; we run them on OpenMP's threads. Without this, libgomp's spinning
// workers and OpenBLAS's own pthreads fight over the cores after every OpenMP region.
static void run_blas_jobs_on_openmp(int /*sync*/, openblas_dojob_callback dojob, int numjobs,
                                    size_t jobdata_elsize, void* jobdata, int dojob_data) {
#pragma omp parallel for schedule(static) num_threads(numjobs)
  for (int i = 0; i < numjobs; i++) {
    dojob(i, static_cast<char*>(jobdata) + static_cast<size_t>(i) * jobdata_elsize, dojob_data);
  }
}

static std::mutex g_threads_mutex;
static int g_gemm_threads = 1;

void install_blas_threads_callback() {
  scipy_openblas_set_threads_callback_function(run_blas_jobs_on_openmp);
  // OpenBLAS runs single-threaded for good; gemm() splits large products over OpenMP's threads
  // itself. Changing OpenBLAS's thread count per call (to call it from inside our parallel
  // regions) woke its idle pthreads every time, and they spun on the cores our threads needed.
  scipy_openblas_set_num_threads(1);
  omp_set_max_active_levels(2);
  set_num_threads(omp_get_max_threads());
}

void set_num_threads(int n) {
  if (n < 1) n = 1;
  omp_set_num_threads(n);
  std::lock_guard<std::mutex> lock(g_threads_mutex);
  g_gemm_threads = n;
}

int get_num_threads() { return omp_get_max_threads(); }
int blas_num_threads() {
  std::lock_guard<std::mutex> lock(g_threads_mutex);
  return g_gemm_threads;
}
std::string blas_config() { return scipy_openblas_get_config(); }

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
