// GEMM through OpenBLAS (the scipy-openblas32 wheel) or MKL, row-major, for float and double.
#pragma once
#include <string>

#include "i2dl/common.h"

namespace i2dl {

// C (m x n, leading dim ldc) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C.
// trans_a / trans_b: whether A / B are stored transposed. Row-major, as NumPy stores them.
void gemm(bool trans_a, bool trans_b, index_t m, index_t n, index_t k, float alpha,
          const float* a, index_t lda, const float* b, index_t ldb, float beta, float* c, index_t ldc);
void gemm(bool trans_a, bool trans_b, index_t m, index_t n, index_t k, double alpha,
          const double* a, index_t lda, const double* b, index_t ldb, double beta, double* c, index_t ldc);

// Routes every later gemm() through MKL's runtime library at `path` (libmkl_rt), sequential:
// "" on success, else why not (OpenBLAS stays).
std::string use_mkl(const std::string& path);
// Back to OpenBLAS.
void use_openblas();
// The library gemm() calls: "OpenBLAS", or MKL's version string.
std::string blas_library();

}  // namespace i2dl
