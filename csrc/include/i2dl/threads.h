// One thread pool for our OpenMP loops and OpenBLAS: see BUILD-NOTES (the thread trap).
#pragma once
#include <string>

namespace i2dl {

// Route OpenBLAS's parallel jobs through OpenMP so both share one pool. Called once at import.
void install_blas_threads_callback();
// Sets OpenMP's and OpenBLAS's thread counts together.
void set_num_threads(int n);
int get_num_threads();
int blas_num_threads();
std::string blas_config();
// Which per-ISA clone the loader picks on this CPU: "x86-64-v4", "x86-64-v3" or "default".
std::string isa_clone();

}  // namespace i2dl
