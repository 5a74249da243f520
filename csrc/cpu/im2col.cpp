// The lowering of convolution to GEMM. OpenMP splits rows of the column matrix (forward) or input
// channels (adjoint) so that one image is spread over all threads; the per-row work is in small
// functions compiled once per ISA (an OpenMP region's body would not be cloned).
#include "i2dl/im2col.h"
#include "i2dl/stride_phases.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

namespace i2dl {
namespace detail {

// Output columns ow in [lo, hi) read input columns inside [0, W); the rest read padding.
I2DL_INLINE void valid_range(index_t OW, index_t W, index_t S, index_t offset, index_t& lo, index_t& hi) {
  // iw = ow*S + offset must satisfy 0 <= iw < W. Unit stride without a division: an integer
  // division per tap row was a third of im2col's time on LeNet-sized planes.
  if (S == 1) {
    lo = std::min(OW, std::max<index_t>(0, -offset));
    hi = std::max(lo, std::min(OW, W - offset));
    return;
  }
  lo = offset >= 0 ? 0 : (-offset + S - 1) / S;
  hi = (W - offset + S - 1) / S;  // first ow with iw >= W
  if (W - offset <= 0) hi = 0;
  lo = std::min(lo, OW);
  hi = std::max(lo, std::min(hi, OW));
}

// Copies n elements in 32-byte pieces of constant size (inlined as vector moves) and the tail in
// pieces of 16, 8 and 4 bytes: LeNet-sized rows are a few dozen bytes, where a memcpy call per row
// cost more than the copy, and the 4-pixel rows of ResNet's 4x4 planes went element by element
// (ResNet-18's 256-channel 3x3 conv on 4x4 planes, batch 16, 2 threads: im2col was 1.1 of its 3.2 ms).
template <typename T>
I2DL_INLINE void copy_short(T* __restrict__ d, const T* __restrict__ s, index_t n) {
  constexpr index_t kPiece = 32 / sizeof(T);
  index_t i = 0;
  for (; i + kPiece <= n; i += kPiece) std::memcpy(d + i, s + i, 32);
  char* __restrict__ db = reinterpret_cast<char*>(d + i);
  const char* __restrict__ sb = reinterpret_cast<const char*>(s + i);
  index_t bytes = (n - i) * index_t(sizeof(T));
  if (bytes >= 16) {
    std::memcpy(db, sb, 16);
    db += 16, sb += 16, bytes -= 16;
  }
  if (bytes >= 8) {
    std::memcpy(db, sb, 8);
    db += 8, sb += 8, bytes -= 8;
  }
  if (bytes >= 4) std::memcpy(db, sb, 4);
}

// d[i] += s[i] for n elements, in 16-byte pieces (4 float, 2 double) and a short tail: the taps of a
// small plane's adjoint add rows of 2 to 8 elements into the same buffer, where the vectorised loop
// left a 4-element row to its scalar epilogue.
template <typename T>
I2DL_INLINE void add_short(T* __restrict__ d, const T* __restrict__ s, index_t n) {
  typedef T piece __attribute__((vector_size(16)));
  constexpr index_t kPiece = 16 / sizeof(T);
  index_t i = 0;
  for (; i + kPiece <= n; i += kPiece) {
    piece a, b;
    std::memcpy(&a, d + i, 16);
    std::memcpy(&b, s + i, 16);
    a += b;
    std::memcpy(d + i, &a, 16);
  }
  typedef T half __attribute__((vector_size(8)));  // 2 float (the 2-pixel rows of 2x2 planes), 1 double
  constexpr index_t kHalf = 8 / sizeof(T);
  if (kHalf > 1 && i + kHalf <= n) {
    half a, b;
    std::memcpy(&a, d + i, 8);
    std::memcpy(&b, s + i, 8);
    a += b;
    std::memcpy(d + i, &a, 8);
    i += kHalf;
  }
  for (; i < n; ++i) d[i] += s[i];
}

template <typename T>
I2DL_INLINE void im2col_row_impl(const Conv2dShape& s, const T* plane, index_t kh, index_t kw,
                                 index_t oh0, index_t oh1, T* dst) {
  const index_t col_offset = kw * s.DW - s.PW;
  index_t lo, hi;
  valid_range(s.OW, s.W, s.SW, col_offset, lo, hi);
  for (index_t oh = oh0; oh < oh1; ++oh, dst += s.OW) {
    const index_t ih = oh * s.SH - s.PH + kh * s.DH;
    if (ih < 0 || ih >= s.H) {
      std::memset(dst, 0, sizeof(T) * s.OW);
      continue;
    }
    const T* src = plane + ih * s.W + col_offset;
    for (index_t ow = 0; ow < lo; ++ow) dst[ow] = T(0);
    if (s.SW == 1) {
      copy_short(dst + lo, src + lo, hi - lo);
    } else {
      take_phase(src + s.SW * lo, s.SW, hi - lo, dst + lo);
    }
    for (index_t ow = hi; ow < s.OW; ++ow) dst[ow] = T(0);
  }
}

template <typename T>
I2DL_INLINE void col2im_row_impl(const Conv2dShape& s, const T* src, index_t kh, index_t kw,
                                 index_t oh0, index_t oh1, T* plane) {
  const index_t col_offset = kw * s.DW - s.PW;
  index_t lo, hi;
  valid_range(s.OW, s.W, s.SW, col_offset, lo, hi);
  for (index_t oh = oh0; oh < oh1; ++oh, src += s.OW) {
    const index_t ih = oh * s.SH - s.PH + kh * s.DH;
    if (ih < 0 || ih >= s.H) continue;
    T* dst = plane + ih * s.W + col_offset;
    if (s.SW == 1) {
      for (index_t ow = lo; ow < hi; ++ow) dst[ow] += src[ow];
    } else {
      add_phase(src + lo, s.SW, hi - lo, dst + s.SW * lo);
    }
  }
}

// All taps of one input channel: the rows c*taps .. c*taps + taps - 1 of the column matrix (rows of
// `ncols`), or their sum back into the plane. One cloned call per (image, channel): a call per
// tap row cost as much as the copy for LeNet's 8-pixel rows.
template <typename T>
I2DL_INLINE void im2col_plane_impl(const Conv2dShape& s, const T* plane, index_t oh0, index_t oh1, T* dst,
                                   index_t ncols) {
  for (index_t kh = 0; kh < s.KH; ++kh)
    for (index_t kw = 0; kw < s.KW; ++kw, dst += ncols) im2col_row_impl(s, plane, kh, kw, oh0, oh1, dst);
}

template <typename T>
I2DL_INLINE void col2im_plane_impl(const Conv2dShape& s, const T* src, index_t ncols, index_t oh0, index_t oh1,
                                   T* plane) {
  for (index_t kh = 0; kh < s.KH; ++kh)
    for (index_t kw = 0; kw < s.KW; ++kw, src += ncols) col2im_row_impl(s, src, kh, kw, oh0, oh1, plane);
}

// Small planes (ResNet's 14x14 .. 2x2, LeNet's 12x12): the plane is copied once into a zero-bordered
// buffer on the stack, so that every tap row is OH runs of OW copied with nothing to test. Row by row,
// each 4-pixel run of a 4x4 plane paid for its bounds, its padding fill (a memset call per border row)
// and a call: half of a (64, 32, 4, 4) -> 64 3x3 forward. The adjoint sums every tap into the bordered
// buffer and adds its interior to dx once. Measured, one thread, that conv: forward 1.23 -> 0.85 ms,
// backward 2.14 -> 1.6 ms; ResNet-18's training step (batch 16, 64x64, 2 threads) 137 -> 107 ms
// (medians of six runs each, alternated). Rows of 16 and more (OW <= 32 measured) gained nothing:
// ResNet-18's batch-1 224x224 forward went from 27.3 to 29.0 ms.
constexpr index_t kSmallPlane = 1024;  // padded elements (4 KiB in float32)
inline bool small_plane(const Conv2dShape& s) {
  // each extent bounded first, so that no product of huge sizes or paddings can wrap around
  if (s.H > kSmallPlane || s.W > kSmallPlane || s.PH > kSmallPlane || s.PW > kSmallPlane) return false;
  return (s.H + 2 * s.PH) * (s.W + 2 * s.PW) <= kSmallPlane && s.OW < 16;
}

// Strided convolutions on small planes (ResNet's stride-2 convs down to 8x8, 4x4 and 2x2 outputs): a
// tap's outputs as one list of offsets into the bordered plane, where each output row of 2 to 8
// pixels took its own strided copy (ResNet-18's 256 -> 512 conv on 4x4 planes, batch 16: 0.5 ms of
// im2col around a 1.06 ms GEMM). Returns the number of outputs in `at`, or 0 for unit column stride
// or more outputs than kStridedGather (the row copies then).
constexpr index_t kStridedGather = 64;
inline index_t strided_gather(const Conv2dShape& s, index_t oh0, index_t oh1, index_t Wp, index_t* at) {
  if (s.SW == 1 || (oh1 - oh0) * s.OW > kStridedGather) return 0;
  index_t n = 0;
  for (index_t oh = oh0; oh < oh1; ++oh)
    for (index_t ow = 0; ow < s.OW; ++ow) at[n++] = oh * s.SH * Wp + ow * s.SW;
  return n;
}

template <typename T>
I2DL_INLINE void im2col_plane_small_impl(const Conv2dShape& s, const T* plane, index_t oh0, index_t oh1, T* dst,
                                         index_t ncols) {
  const index_t Wp = s.W + 2 * s.PW, Hp = s.H + 2 * s.PH, OW = s.OW;
  T pp[kSmallPlane];
  std::fill(pp, pp + Hp * Wp, T(0));
  for (index_t ih = 0; ih < s.H; ++ih) copy_short(pp + (ih + s.PH) * Wp + s.PW, plane + ih * s.W, s.W);
  index_t at[kStridedGather];
  if (const index_t n = strided_gather(s, oh0, oh1, Wp, at)) {
    for (index_t kh = 0; kh < s.KH; ++kh)
      for (index_t kw = 0; kw < s.KW; ++kw, dst += ncols) {
        const T* src = pp + kh * s.DH * Wp + kw * s.DW;
        for (index_t e = 0; e < n; ++e) dst[e] = src[at[e]];
      }
    return;
  }
  for (index_t kh = 0; kh < s.KH; ++kh) {
    for (index_t kw = 0; kw < s.KW; ++kw, dst += ncols) {
      T* d = dst;
      for (index_t oh = oh0; oh < oh1; ++oh, d += OW) {
        const T* src = pp + (oh * s.SH + kh * s.DH) * Wp + kw * s.DW;
        if (s.SW == 1) copy_short(d, src, OW);
        else take_phase(src, s.SW, OW, d);
      }
    }
  }
}

template <typename T>
I2DL_INLINE void col2im_plane_small_impl(const Conv2dShape& s, const T* src, index_t ncols, index_t oh0,
                                         index_t oh1, T* plane) {
  const index_t Wp = s.W + 2 * s.PW, Hp = s.H + 2 * s.PH, OW = s.OW;
  T pp[kSmallPlane];
  std::fill(pp, pp + Hp * Wp, T(0));
  index_t at[kStridedGather];
  if (const index_t n = strided_gather(s, oh0, oh1, Wp, at)) {
    for (index_t kh = 0; kh < s.KH; ++kh)
      for (index_t kw = 0; kw < s.KW; ++kw, src += ncols) {
        T* d = pp + kh * s.DH * Wp + kw * s.DW;
        for (index_t e = 0; e < n; ++e) d[at[e]] += src[e];  // one tap's outputs read distinct inputs
      }
  } else {
    for (index_t kh = 0; kh < s.KH; ++kh) {
      for (index_t kw = 0; kw < s.KW; ++kw, src += ncols) {
        const T* c = src;
        for (index_t oh = oh0; oh < oh1; ++oh, c += OW) {
          T* d = pp + (oh * s.SH + kh * s.DH) * Wp + kw * s.DW;
          if (s.SW == 1) add_short(d, c, OW);
          else add_phase(c, s.SW, OW, d);
        }
      }
    }
  }
  for (index_t ih = 0; ih < s.H; ++ih) {
    const T* r = pp + (ih + s.PH) * Wp + s.PW;
    add_short(plane + ih * s.W, r, s.W);
  }
}

I2DL_CLONES void im2col_plane_small(const Conv2dShape& s, const float* p, index_t a, index_t b, float* d, index_t n) { im2col_plane_small_impl(s, p, a, b, d, n); }
I2DL_CLONES void im2col_plane_small(const Conv2dShape& s, const double* p, index_t a, index_t b, double* d, index_t n) { im2col_plane_small_impl(s, p, a, b, d, n); }
I2DL_CLONES void col2im_plane_small(const Conv2dShape& s, const float* c, index_t n, index_t a, index_t b, float* p) { col2im_plane_small_impl(s, c, n, a, b, p); }
I2DL_CLONES void col2im_plane_small(const Conv2dShape& s, const double* c, index_t n, index_t a, index_t b, double* p) { col2im_plane_small_impl(s, c, n, a, b, p); }

I2DL_CLONES void im2col_row(const Conv2dShape& s, const float* p, index_t kh, index_t kw, index_t a, index_t b, float* d) { im2col_row_impl(s, p, kh, kw, a, b, d); }
I2DL_CLONES void im2col_row(const Conv2dShape& s, const double* p, index_t kh, index_t kw, index_t a, index_t b, double* d) { im2col_row_impl(s, p, kh, kw, a, b, d); }
I2DL_CLONES void im2col_plane(const Conv2dShape& s, const float* p, index_t a, index_t b, float* d, index_t n) { im2col_plane_impl(s, p, a, b, d, n); }
I2DL_CLONES void im2col_plane(const Conv2dShape& s, const double* p, index_t a, index_t b, double* d, index_t n) { im2col_plane_impl(s, p, a, b, d, n); }
I2DL_CLONES void col2im_plane(const Conv2dShape& s, const float* c, index_t n, index_t a, index_t b, float* p) { col2im_plane_impl(s, c, n, a, b, p); }
I2DL_CLONES void col2im_plane(const Conv2dShape& s, const double* c, index_t n, index_t a, index_t b, double* p) { col2im_plane_impl(s, c, n, a, b, p); }

}  // namespace detail

template <typename T>
void im2col(const Conv2dShape& s, const T* x, index_t group, const ColumnBlock& block, T* col) {
  const index_t Cg = s.Cg(), taps = s.taps(), plane = s.H * s.W;
  const index_t oh0 = block.pix0 / s.OW, oh1 = (block.pix0 + block.npix) / s.OW;
  const index_t ncols = block.columns();
  if (!omp_in_parallel() && block.count * Cg < 2 * omp_get_max_threads()) {
    // few planes (one image of few channels): the threads split the rows of the column matrix
#pragma omp parallel for collapse(2) schedule(static)
    for (index_t i = 0; i < block.count; ++i) {
      for (index_t r = 0; r < Cg * taps; ++r) {
        const T* xplane = x + ((block.n0 + i) * s.C + group * Cg + r / taps) * plane;
        detail::im2col_row(s, xplane, (r % taps) / s.KW, r % s.KW, oh0, oh1, col + r * ncols + i * block.npix);
      }
    }
    return;
  }
  const bool small = detail::small_plane(s);
#pragma omp parallel for collapse(2) schedule(static) if (!omp_in_parallel())
  for (index_t i = 0; i < block.count; ++i) {
    for (index_t c = 0; c < Cg; ++c) {
      const T* xplane = x + ((block.n0 + i) * s.C + group * Cg + c) * plane;
      T* dst = col + c * taps * ncols + i * block.npix;
      if (small) detail::im2col_plane_small(s, xplane, oh0, oh1, dst, ncols);
      else detail::im2col_plane(s, xplane, oh0, oh1, dst, ncols);
    }
  }
}

template <typename T>
void col2im_add(const Conv2dShape& s, const T* col, index_t group, const ColumnBlock& block, T* dx) {
  const index_t Cg = s.Cg(), taps = s.taps(), plane = s.H * s.W;
  const index_t oh0 = block.pix0 / s.OW, oh1 = (block.pix0 + block.npix) / s.OW;
  const index_t ncols = block.columns();
  // One thread owns one input plane: the taps of a channel all write into it, no races.
  const bool small = detail::small_plane(s);
#pragma omp parallel for collapse(2) schedule(static) if (!omp_in_parallel())
  for (index_t i = 0; i < block.count; ++i) {
    for (index_t c = 0; c < Cg; ++c) {
      T* dplane = dx + ((block.n0 + i) * s.C + group * Cg + c) * plane;
      const T* src = col + c * taps * ncols + i * block.npix;
      if (small) detail::col2im_plane_small(s, src, ncols, oh0, oh1, dplane);
      else detail::col2im_plane(s, src, ncols, oh0, oh1, dplane);
    }
  }
}

#define I2DL_IM2COL_INSTANTIATE(T) \
  template void im2col<T>(const Conv2dShape&, const T*, index_t, const ColumnBlock&, T*); \
  template void col2im_add<T>(const Conv2dShape&, const T*, index_t, const ColumnBlock&, T*);
I2DL_FOR_FLOATS(I2DL_IM2COL_INSTANTIATE)
#undef I2DL_IM2COL_INSTANTIATE

}  // namespace i2dl
