// What every OpenMP region of the kernels shares: i2dl's own thread count, and the rule that an
// exception (a failed allocation) never leaves a region.
#pragma once
#include <omp.h>

#include <atomic>
#include <exception>
#include <mutex>

#include "i2dl/common.h"

namespace i2dl {

// The element count below which a memory-bound loop (activations, losses, norms, optimizer steps,
// bias broadcasts) runs on one thread: under ~32K elements the fork and join of a parallel region
// cost more than the second core saves (measured on ReLU at 2 threads).
constexpr index_t kParallelFrom = index_t(1) << 15;

// f(begin, count) over [0, n) split into one contiguous chunk per thread (one thread below
// kParallelFrom): the split of every elementwise kernel.
template <typename F>
void parallel_chunks(index_t n, F&& f) {
#pragma omp parallel if (n >= kParallelFrom)
  {
    const index_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    const index_t begin = n * t / threads, end = n * (t + 1) / threads;
    if (end > begin) f(begin, end - begin);
  }
}

// An exception that escapes an OpenMP region makes the runtime call std::terminate, so a region
// runs its throwing parts (scratch allocations) through guard.run(...): the first exception is
// kept, every thread skips the work that remains (but still meets the region's worksharing
// constructs, which all threads must reach), and the calling thread rethrows after the region:
//
//   RegionGuard guard;
//   #pragma omp parallel
//   { std::vector<T> buf; guard.run([&] { buf.resize(n); });
//     #pragma omp for
//     for (...) { if (guard.failed()) continue; ... } }
//   guard.rethrow();
class RegionGuard {
 public:
  template <typename F>
  bool run(F&& f) noexcept {
    if (failed()) return false;
    try {
      f();
      return true;
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
      return false;
    }
  }
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::exception_ptr error_;
};

}  // namespace i2dl
