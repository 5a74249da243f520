// One thread pool for our OpenMP loops and OpenBLAS: see BUILD-NOTES (the thread trap).
#pragma once
#include <string>

namespace i2dl {

// Route OpenBLAS's parallel jobs through OpenMP so both share one pool. Called once at import.
void install_blas_threads_callback();
// While any instance is alive, GEMMs run single-threaded: for a caller that splits its work over
// OpenMP threads itself and calls BLAS from each of them. Process-wide (this OpenBLAS has no
// per-thread setting) and reference-counted, so concurrent users nest; set_num_threads during
// such a region takes effect for BLAS when the last one ends.
class BlasSingleThreaded {
 public:
  BlasSingleThreaded();
  ~BlasSingleThreaded();
  BlasSingleThreaded(const BlasSingleThreaded&) = delete;
  BlasSingleThreaded& operator=(const BlasSingleThreaded&) = delete;
};

// Sets OpenMP's and OpenBLAS's thread counts together.
void set_num_threads(int n);
int get_num_threads();
int blas_num_threads();
std::string blas_config();
// Keeps malloc from returning large freed blocks to the OS after every call (mmap threshold
// 64 MiB, trim threshold 256 MiB): a training step allocates the same activation-sized arrays
// each iteration, and fresh mmap'ed memory page-faults on every touch. I2DL_MALLOC_TUNING=0 opts out.
bool tune_malloc();
bool malloc_tuned();
// Which per-ISA clone the loader picks on this CPU: "x86-64-v4", "x86-64-v3" or "default".
std::string isa_clone();

}  // namespace i2dl
