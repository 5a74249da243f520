// A GEMM for a B that many products share: a recurrent layer's W_hh, used once per step for T steps.
// B is packed once into panels of a few vectors' width, each contiguous over k; every later product
// C (m x n) (+)= A (m x K) B (K x n) streams the panels from cache with no packing of its own.
//
// Why by hand: BLAS packs B again on every call. At the LSTM's step, (64 x 256) . (256 x 1024) on two
// threads, OpenBLAS reached 135 GFLOP/s and this kernel on the packed weights 205 (AMD EPYC, AVX-512;
// the backward step (64 x 1024) . (1024 x 256): 117 against 199). MKL has a packed-GEMM API, OpenBLAS
// none, and the GEMM chosen for this machine may be OpenBLAS.
//
// Single-threaded: the caller splits n over its threads (each packs its own columns).
#pragma once

#include "i2dl/common.h"

namespace i2dl {

// The vectors of T across one panel: 2 where the CPU has AVX-512, else 1 (AVX2 holds a 64-byte vector
// in two of its 16 registers). Fixed for the process; the tests run both.
int panel_vectors();

// The columns of one packed panel: vectors * lanes<T>().
template <typename T>
index_t packed_panel(int vectors = panel_vectors());

// The T that pack_panels writes for a K x n B: the panels, the last padded with zero columns.
template <typename T>
index_t packed_size(index_t K, index_t n, int vectors = panel_vectors());

// B (K x n) into panels of vectors * lanes<T>() columns: B[k][j] = b[k * ldb + j], or b[j * ldb + k] when
// trans (B = W^T for W (n, K) stored by rows, as a layer's weight).
template <typename T>
void pack_panels(bool trans, index_t K, index_t n, const T* b, index_t ldb, T* panels, int vectors = panel_vectors());

// C = A B (accumulate false) or C + A B (accumulate true), A (m x K) with leading dimension lda,
// B as pack_panels left it (with the same vectors), C (m x n) with leading dimension ldc.
template <typename T>
void gemm_packed(index_t m, index_t n, index_t K, const T* a, index_t lda, const T* panels, bool accumulate, T* c,
                 index_t ldc, int vectors = panel_vectors());

// C = A B (m x n) with B (K x n, leading dimension ldb) read in place, no packing: for a B used once
// whose rows are long and contiguous (a 1x1 convolution's image, channels x pixels). Whole panels of
// direct_panel() columns run as register tiles over B's rows; the columns past them go to gemm().
// Single-threaded inside the caller's split. On a 1x1 conv's image, (64 x 256) . (256 x 256) over
// 32 images on 2 threads: 1.45 ms against OpenBLAS's 2.0 (AMD EPYC, AVX-512).
template <typename T>
index_t direct_panel(int vectors = panel_vectors());
template <typename T>
void gemm_direct(index_t m, index_t n, index_t K, const T* a, index_t lda, const T* b, index_t ldb, T* c, index_t ldc,
                 int vectors = panel_vectors());

}  // namespace i2dl
