// Depthwise convolution, one (image, channel) plane per OpenMP task. Output channel o reads
// input channel o / (O / C).
//
// Each plane is first copied into a zero-padded buffer, so every tap of every output is in
// bounds and the inner loop is a fixed-width vector of accumulators held in registers
// (accumulating tap by tap in memory at shifted offsets stalls on store forwarding).
// The input gradient of a stride-1 convolution is the same correlation, over the padded dy with
// the flipped filter; strided ones scatter instead.
#include "i2dl/parallel.h"
#include "i2dl/conv2d_depthwise.h"
#include "i2dl/finite.h"
#include "i2dl/lanes.h"
#include "i2dl/padded_plane.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace i2dl {
namespace detail {

constexpr index_t kLanes = 16;  // outputs accumulated together: one AVX-512 register of float

// The L inputs src[0], src[SW], ..., src[(L-1)*SW] as one vector (one load when SW == 1).
template <typename T, typename V>
I2DL_INLINE V load_lanes(const T* src, index_t SW) {
  V v;
  if (SW == 1) {
    std::memcpy(&v, src, sizeof(V));
  } else {
    constexpr index_t L = sizeof(V) / sizeof(T);
    for (index_t l = 0; l < L; ++l) v[l] = src[l * SW];
  }
  return v;
}

// o[0..n) = acc (or += acc): a whole vector at once when n covers it.
template <typename T, typename V>
I2DL_INLINE void store_lanes(T* o, V acc, index_t n, bool accumulate) {
  constexpr index_t L = sizeof(V) / sizeof(T);
  if (n == L) {
    if (accumulate) {
      V prev;
      std::memcpy(&prev, o, sizeof(V));
      acc += prev;
    }
    std::memcpy(o, &acc, sizeof(V));
  } else {
    for (index_t l = 0; l < n; ++l) o[l] = accumulate ? o[l] + acc[l] : acc[l];
  }
}

// The general form (any stride, any number of taps), one accumulator.
template <typename T>
I2DL_INLINE void correlate_plane_simple(const T* __restrict__ buf, index_t cols, const T* __restrict__ w, index_t KH,
                                      index_t KW, index_t SH, index_t SW, index_t DH, index_t DW, T bias, bool accumulate,
                                      index_t OH, index_t OW, T* __restrict__ out) {
  using V = typename Lanes<T>::type;
  constexpr index_t L = lanes<T>();
  for (index_t i = 0; i < OH; ++i) {
    for (index_t j0 = 0; j0 < OW; j0 += L) {
      V acc = V{} + bias;
      for (index_t kh = 0; kh < KH; ++kh) {
        const T* row = buf + (i * SH + kh * DH) * cols + j0 * SW;
        for (index_t kw = 0; kw < KW; ++kw) {
          acc += w[kh * KW + kw] * load_lanes<T, V>(row + kw * DW, SW);
        }
      }
      store_lanes(out + i * OW + j0, acc, std::min(L, OW - j0), accumulate);
    }
  }
}

// out[i][j] (+)= bias + sum_{kh,kw} w[kh*KW + kw] * buf[i*S_h + kh*D_h][j*S_w + kw*D_w], buf rows of `cols`.
// The taps are summed into four accumulators in turn: with one, every FMA waited for the result
// of the previous one (latency-bound at a quarter of the FMA units' rate).
template <typename T>
I2DL_INLINE void correlate_plane_impl(const T* __restrict__ buf, index_t cols, const T* __restrict__ w, index_t KH,
                                      index_t KW, index_t SH, index_t SW, index_t DH, index_t DW, T bias, bool accumulate,
                                      index_t OH, index_t OW, T* __restrict__ out) {
  using V = typename Lanes<T>::type;
  constexpr index_t L = lanes<T>();
  constexpr index_t kMaxTaps = 64;
  const index_t taps = KH * KW;
  if (taps > kMaxTaps || SW != 1) return correlate_plane_simple(buf, cols, w, KH, KW, SH, SW, DH, DW, bias, accumulate,
                                                                  OH, OW, out);
  index_t offset[kMaxTaps];  // where each tap reads, relative to the output's first input
  for (index_t kh = 0; kh < KH; ++kh)
    for (index_t kw = 0; kw < KW; ++kw) offset[kh * KW + kw] = kh * DH * cols + kw * DW;
  const index_t quads = taps / 4 * 4;
  for (index_t i = 0; i < OH; ++i) {
    for (index_t j0 = 0; j0 < OW; j0 += L) {
      const T* src = buf + i * SH * cols + j0;
      V a0 = V{} + bias, a1 = V{}, a2 = V{}, a3 = V{}, v;
      index_t t = 0;
      for (; t < quads; t += 4) {
        std::memcpy(&v, src + offset[t], sizeof(V));
        a0 += w[t] * v;
        std::memcpy(&v, src + offset[t + 1], sizeof(V));
        a1 += w[t + 1] * v;
        std::memcpy(&v, src + offset[t + 2], sizeof(V));
        a2 += w[t + 2] * v;
        std::memcpy(&v, src + offset[t + 3], sizeof(V));
        a3 += w[t + 3] * v;
      }
      for (; t < taps; ++t) {
        std::memcpy(&v, src + offset[t], sizeof(V));
        a0 += w[t] * v;
      }
      V acc = (a0 + a1) + (a2 + a3);
      store_lanes(out + i * OW + j0, acc, std::min(L, OW - j0), accumulate);
    }
  }
}

// F filters of one input plane at once over R output rows: out[f][i][j] = bias[f] + sum_{kh,kw}
// w[f][kh*KW + kw] * buf[i*S_h + kh*D_h][j + kw*D_w] (unit column stride). Each tap loads R input
// vectors and broadcasts F weights for F*R FMAs, where one filter and one row at a time loaded an
// input and a weight for every FMA (load-bound at half the FMA rate). Measured, 1 thread, float32,
// LeNet's conv1 (64x1x28x28 -> 6 5x5): forward 0.40 -> 0.26 ms. (The weight gradient blocked the same
// way, four taps by up to four filters, measured no faster: 0.46 vs 0.49 ms.)
template <int F, int R, typename T>
I2DL_INLINE void correlate_block(const T* __restrict__ buf, index_t cols, const T* __restrict__ w, index_t taps,
                                 index_t KH, index_t KW, index_t SH, index_t DH, index_t DW, const T* bias, index_t i,
                                 index_t j0, index_t n, T* const* out, index_t OW) {
  using V = typename Lanes<T>::type;
  V acc[F][R];
  for (int f = 0; f < F; ++f)
    for (int r = 0; r < R; ++r) acc[f][r] = V{} + bias[f];
  for (index_t kh = 0; kh < KH; ++kh) {
    const T* rows = buf + (i * SH + kh * DH) * cols + j0;
    for (index_t kw = 0; kw < KW; ++kw) {
      const index_t t = kh * KW + kw;
      V v[R];
      for (int r = 0; r < R; ++r) std::memcpy(&v[r], rows + r * SH * cols + kw * DW, sizeof(V));
      for (int f = 0; f < F; ++f) {
        const T wt = w[f * taps + t];
        for (int r = 0; r < R; ++r) acc[f][r] += wt * v[r];
      }
    }
  }
  for (int f = 0; f < F; ++f)
    for (int r = 0; r < R; ++r) store_lanes(out[f] + (i + r) * OW + j0, acc[f][r], n, false);
}

template <int F, typename T>
I2DL_INLINE void correlate_filters(const T* buf, index_t cols, const T* w, index_t KH, index_t KW, index_t SH,
                                   index_t DH, index_t DW, const T* bias, index_t OH, index_t OW, T* const* out) {
  constexpr index_t L = lanes<T>();
  constexpr int R = 4;
  const index_t taps = KH * KW;
  for (index_t j0 = 0; j0 < OW; j0 += L) {
    const index_t n = std::min(L, OW - j0);
    index_t i = 0;
    for (; i + R <= OH; i += R) correlate_block<F, R>(buf, cols, w, taps, KH, KW, SH, DH, DW, bias, i, j0, n, out, OW);
    for (; i < OH; ++i) correlate_block<F, 1>(buf, cols, w, taps, KH, KW, SH, DH, DW, bias, i, j0, n, out, OW);
  }
}

// The nf filters w[0..nf) (each taps long) of one padded input plane into the planes out[0..nf),
// four filters at a time, then the rest together.
template <typename T>
I2DL_INLINE void correlate_planes_impl(const T* buf, index_t cols, const T* w, index_t nf, index_t KH, index_t KW,
                                       index_t SH, index_t DH, index_t DW, const T* bias, index_t OH, index_t OW,
                                       T* const* out) {
  const index_t taps = KH * KW;
  index_t f = 0;
  for (; f + 4 <= nf; f += 4) correlate_filters<4>(buf, cols, w + f * taps, KH, KW, SH, DH, DW, bias + f, OH, OW, out + f);
  const index_t rest = nf - f;
  if (rest == 3) correlate_filters<3>(buf, cols, w + f * taps, KH, KW, SH, DH, DW, bias + f, OH, OW, out + f);
  if (rest == 2) correlate_filters<2>(buf, cols, w + f * taps, KH, KW, SH, DH, DW, bias + f, OH, OW, out + f);
  if (rest == 1) correlate_filters<1>(buf, cols, w + f * taps, KH, KW, SH, DH, DW, bias + f, OH, OW, out + f);
}

// dw[tap] += sum_{i,j} dy[i][j] * buf[i*S_h + kh*D_h][j*S_w + kw*D_w]; vectors of partial sums,
// reduced once at the end. Four taps of a filter row are summed together, each into its own
// accumulator, sharing the load of dy: with one tap at a time every FMA waited for the previous
// one. dy arrives zero-padded to rows of `gcols` (a multiple of the lanes), so that every load is
// a full vector (a partial one stalled on store forwarding).
template <typename T>
I2DL_INLINE void weight_grad_plane_impl(const T* __restrict__ buf, index_t cols, const T* __restrict__ dy,
                                        index_t gcols, index_t KH, index_t KW, index_t SH, index_t SW, index_t DH,
                                        index_t DW, index_t OH, T* __restrict__ dw) {
  using V = typename Lanes<T>::type;
  constexpr index_t L = lanes<T>();
  auto sum = [](V v) {
    T total = T(0);
    for (index_t l = 0; l < L; ++l) total += v[l];
    return total;
  };
  constexpr index_t kMaxTaps = 64;
  const index_t taps = KH * KW;
  index_t kw0 = 0;
  if (SW == 1 && taps <= kMaxTaps) {  // four taps at a time, plain vector loads
    index_t offset[kMaxTaps + 3];     // where each tap reads relative to the row's first input
    for (index_t kh = 0; kh < KH; ++kh)
      for (index_t kw = 0; kw < KW; ++kw) offset[kh * KW + kw] = kh * DH * cols + kw * DW;
    for (index_t t = taps; t < taps + 3; ++t) offset[t] = offset[taps - 1];  // a short last group repeats a tap
    for (index_t t0 = 0; t0 < taps; t0 += 4) {
      const index_t o0 = offset[t0], o1 = offset[t0 + 1], o2 = offset[t0 + 2], o3 = offset[t0 + 3];
      V a0 = V{}, a1 = V{}, a2 = V{}, a3 = V{}, gv, v;
      for (index_t i = 0; i < OH; ++i) {
        const T* src = buf + i * SH * cols;
        const T* g = dy + i * gcols;
        for (index_t j = 0; j < gcols; j += L) {
          std::memcpy(&gv, g + j, sizeof(V));
          std::memcpy(&v, src + o0 + j, sizeof(V));
          a0 += gv * v;
          std::memcpy(&v, src + o1 + j, sizeof(V));
          a1 += gv * v;
          std::memcpy(&v, src + o2 + j, sizeof(V));
          a2 += gv * v;
          std::memcpy(&v, src + o3 + j, sizeof(V));
          a3 += gv * v;
        }
      }
      const T sums[4] = {sum(a0), sum(a1), sum(a2), sum(a3)};
      for (index_t t = t0; t < std::min(t0 + 4, taps); ++t) dw[t] += sums[t - t0];  // dw is (KH, KW): tap t
    }
    return;
  }
  for (; kw0 < KW; ++kw0) {  // the remaining taps (all of them for strided convolutions), one at a time
    for (index_t kh = 0; kh < KH; ++kh) {
      V acc = V{};
      for (index_t i = 0; i < OH; ++i) {
        const T* src = buf + (i * SH + kh * DH) * cols + kw0 * DW;
        const T* g = dy + i * gcols;
        for (index_t j = 0; j < gcols; j += L) {
          V gv;
          std::memcpy(&gv, g + j, sizeof(V));
          acc += gv * load_lanes<T, V>(src + j * SW, SW);
        }
      }
      dw[kh * KW + kw0] += sum(acc);
    }
  }
}

// The stride-1 weight gradient over flat planes: x zero-padded to rows of Wp = W + 2 PW, and each dy
// plane laid on rows of the same Wp (zeros past its OW columns), so that one tap's products over a
// whole plane are one run, dw[f][t] += sum_p dyp[f][p] xp[p + off[t]] for p < chunks * L: the zeros
// of dyp cancel the columns that wrap into the next row, and no lanes go to rounding each output row
// to whole vectors (LeNet's 24-pixel rows took two 16-lane vectors). F filters of one input plane (the
// channel multiplier) go together, F x 4 accumulators sharing each x load, where one filter at a time
// loaded x again for each. The partial sums stay in `acc` (F x taps4 vectors, L1-resident) across the
// images (L lanes each) and are reduced once by the caller.
template <int F, typename T>
I2DL_INLINE void flat_weight_grad_impl(const T* __restrict__ xp, const T* __restrict__ dyp, index_t dstride,
                                       index_t chunks, const index_t* off, index_t taps4, T* __restrict__ acc) {
  using V = typename Lanes<T>::type;
  constexpr index_t L = lanes<T>();
  for (index_t t0 = 0; t0 < taps4; t0 += 4) {
    V a[F][4];
    for (int f = 0; f < F; ++f)
      for (int i = 0; i < 4; ++i) std::memcpy(&a[f][i], acc + (f * taps4 + t0 + i) * L, sizeof(V));
    const T *x0 = xp + off[t0], *x1 = xp + off[t0 + 1], *x2 = xp + off[t0 + 2], *x3 = xp + off[t0 + 3];
    for (index_t q = 0; q < chunks * L; q += L) {
      V v[4];
      std::memcpy(&v[0], x0 + q, sizeof(V));
      std::memcpy(&v[1], x1 + q, sizeof(V));
      std::memcpy(&v[2], x2 + q, sizeof(V));
      std::memcpy(&v[3], x3 + q, sizeof(V));
      for (int f = 0; f < F; ++f) {
        V g;
        std::memcpy(&g, dyp + f * dstride + q, sizeof(V));
        for (int i = 0; i < 4; ++i) a[f][i] += g * v[i];
      }
    }
    for (int f = 0; f < F; ++f)
      for (int i = 0; i < 4; ++i) std::memcpy(acc + (f * taps4 + t0 + i) * L, &a[f][i], sizeof(V));
  }
}

// dx[ih][iw] += w * dy scattered through each tap (strided convolutions only)
template <typename T>
I2DL_INLINE void scatter_input_grad_plane_impl(const Conv2dShape& s, const T* __restrict__ dy, const T* __restrict__ w,
                                               T* __restrict__ dxbuf, index_t cols) {
  for (index_t oh = 0; oh < s.OH; ++oh)
    for (index_t kh = 0; kh < s.KH; ++kh)
      for (index_t kw = 0; kw < s.KW; ++kw) {
        const T wt = w[kh * s.KW + kw];
        T* dst = dxbuf + (oh * s.SH + kh * s.DH) * cols + kw * s.DW;
        const T* g = dy + oh * s.OW;
        for (index_t ow = 0; ow < s.OW; ++ow) dst[ow * s.SW] += wt * g[ow];
      }
}

#define I2DL_DW_CLONES(T)                                                                                            \
  I2DL_CLONES void correlate_planes(const T* buf, index_t cols, const T* w, index_t nf, index_t KH, index_t KW,       \
                                    index_t SH, index_t DH, index_t DW, const T* bias, index_t OH, index_t OW,       \
                                    T* const* out) {                                                                 \
    correlate_planes_impl(buf, cols, w, nf, KH, KW, SH, DH, DW, bias, OH, OW, out);                                  \
  }                                                                                                                  \
  I2DL_CLONES void correlate_plane(const T* buf, index_t cols, const T* w, index_t KH, index_t KW, index_t SH,        \
                                   index_t SW, index_t DH, index_t DW, T bias, bool acc, index_t OH, index_t OW,      \
                                   T* out) {                                                                         \
    correlate_plane_impl(buf, cols, w, KH, KW, SH, SW, DH, DW, bias, acc, OH, OW, out);                              \
  }                                                                                                                  \
  I2DL_CLONES void weight_grad_plane(const T* buf, index_t cols, const T* dy, index_t gcols, index_t KH, index_t KW, \
                                     index_t SH, index_t SW, index_t DH, index_t DW, index_t OH, T* dw) {            \
    weight_grad_plane_impl(buf, cols, dy, gcols, KH, KW, SH, SW, DH, DW, OH, dw);                                    \
  }                                                                                                                  \
  I2DL_CLONES void scatter_input_grad_plane(const Conv2dShape& s, const T* dy, const T* w, T* dxbuf, index_t cols) { \
    scatter_input_grad_plane_impl(s, dy, w, dxbuf, cols);                                                            \
  }                                                                                                                  \
  I2DL_CLONES void flat_weight_grad(int F, const T* xp, const T* dyp, index_t dstride, index_t chunks,               \
                                    const index_t* off, index_t taps4, T* acc) {                                     \
    switch (F) {                                                                                                     \
      case 1: return flat_weight_grad_impl<1>(xp, dyp, dstride, chunks, off, taps4, acc);                            \
      case 2: return flat_weight_grad_impl<2>(xp, dyp, dstride, chunks, off, taps4, acc);                            \
      case 3: return flat_weight_grad_impl<3>(xp, dyp, dstride, chunks, off, taps4, acc);                            \
      case 4: return flat_weight_grad_impl<4>(xp, dyp, dstride, chunks, off, taps4, acc);                            \
      case 5: return flat_weight_grad_impl<5>(xp, dyp, dstride, chunks, off, taps4, acc);                            \
      default: return flat_weight_grad_impl<6>(xp, dyp, dstride, chunks, off, taps4, acc);                           \
    }                                                                                                                \
  }
I2DL_FOR_FLOATS(I2DL_DW_CLONES)
#undef I2DL_DW_CLONES

// The zero-padded input plane: every tap of every output (and of the last, partial lane block) in bounds.
struct PaddedInput {
  index_t rows, cols;
  explicit PaddedInput(const Conv2dShape& s)
      : rows(std::max(s.H + 2 * s.PH, (s.OH - 1) * s.SH + (s.KH - 1) * s.DH + 1)),
        cols(std::max(s.W + 2 * s.PW, ((s.OW + kLanes - 1) / kLanes * kLanes - 1) * s.SW + (s.KW - 1) * s.DW + 1)) {}
};

// The padded dy for the stride-1 input gradient: dx[ih][iw] = sum w[KH-1-a][KW-1-b] * buf[ih + a*DH][iw + b*DW].
struct PaddedGrad {
  index_t rows, cols, top, left;
  explicit PaddedGrad(const Conv2dShape& s)
      : rows(s.H + (s.KH - 1) * s.DH),
        cols(((s.W + kLanes - 1) / kLanes * kLanes) + (s.KW - 1) * s.DW),
        top((s.KH - 1) * s.DH - s.PH),
        left((s.KW - 1) * s.DW - s.PW) {}
};

}  // namespace detail

template <typename T>
void conv2d_depthwise_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y) {
  const index_t mult = s.O / s.C, in_plane = s.H * s.W, out_plane = s.OH * s.OW, taps = s.taps();
  const detail::PaddedInput pad(s);
  RegionGuard guard;
#pragma omp parallel
  {
    std::vector<T> buf, biases;
    std::vector<T*> outs;
    guard.run([&] {
      buf.resize(pad.rows * pad.cols);
      biases.resize(mult);
      outs.resize(mult);
    });
#pragma omp for collapse(2) schedule(static)
    for (index_t n = 0; n < s.N; ++n) {
      for (index_t c = 0; c < s.C; ++c) {
        if (guard.failed()) continue;
        place_padded(x + (n * s.C + c) * in_plane, s.H, s.W, s.PH, s.PW, pad.rows, pad.cols, buf.data());
        if (s.SW == 1) {  // all `mult` filters of this plane together
          for (index_t m = 0; m < mult; ++m) {
            outs[m] = y + (n * s.O + c * mult + m) * out_plane;
            biases[m] = b ? b[c * mult + m] : T(0);
          }
          detail::correlate_planes(buf.data(), pad.cols, w + c * mult * taps, mult, s.KH, s.KW, s.SH, s.DH, s.DW,
                                   biases.data(), s.OH, s.OW, outs.data());
          continue;
        }
        for (index_t m = 0; m < mult; ++m) {
          const index_t o = c * mult + m;
          detail::correlate_plane(buf.data(), pad.cols, w + o * taps, s.KH, s.KW, s.SH, s.SW, s.DH, s.DW,
                                  b ? b[o] : T(0), false, s.OH, s.OW, y + (n * s.O + o) * out_plane);
        }
      }
    }
  }
  guard.rethrow();
}

template <typename T>
void conv2d_small_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y) {
  const index_t Cg = s.Cg(), Og = s.Og(), in_plane = s.H * s.W, out_plane = s.OH * s.OW, taps = s.taps();
  const detail::PaddedInput pad(s);
  const index_t padded = pad.rows * pad.cols;
  RegionGuard guard;
#pragma omp parallel
  {
    // the padded input planes of one (image, group), kept while consecutive outputs share them
    std::vector<T> buf;
    guard.run([&] { buf.resize(Cg * padded); });
    index_t cached = -1;
#pragma omp for collapse(2) schedule(static)
    for (index_t n = 0; n < s.N; ++n) {
      for (index_t o = 0; o < s.O; ++o) {
        if (guard.failed()) continue;
        const index_t g = o / Og;
        if (n * s.groups + g != cached) {
          for (index_t c = 0; c < Cg; ++c)
            place_padded(x + (n * s.C + g * Cg + c) * in_plane, s.H, s.W, s.PH, s.PW, pad.rows, pad.cols,
                                 buf.data() + c * padded);
          cached = n * s.groups + g;
        }
        T* yp = y + (n * s.O + o) * out_plane;
        for (index_t c = 0; c < Cg; ++c)
          detail::correlate_plane(buf.data() + c * padded, pad.cols, w + (o * Cg + c) * taps, s.KH, s.KW, s.SH, s.SW,
                                  s.DH, s.DW, c == 0 && b ? b[o] : T(0), c > 0, s.OH, s.OW, yp);
      }
    }
  }
  guard.rethrow();
}

namespace {

// The filters of one input plane that flat_weight_grad takes together: 6 x 4 accumulators of one
// register each with AVX-512; two where a vector is a pair of AVX2 registers.
int flat_filters() {
#if defined(__x86_64__)
  static const int f = __builtin_cpu_supports("avx512f") ? 6 : 2;
  return f;
#else
  return 2;
#endif
}

// The x values that meet dy's zero padding in flat_weight_grad's runs (and nowhere in the formula):
// the columns within (KW - 1) DW - PW of either edge and the rows within (KH - 1) DH - PH of the
// bottom. Whether they are all finite (else a 0 * inf would be a NaN the formula does not have).
template <typename T>
bool padding_partners_finite(const Conv2dShape& s, const T* plane) {
  const index_t b = std::clamp<index_t>((s.KW - 1) * s.DW - s.PW, 0, s.W);
  const index_t r0 = s.H - std::clamp<index_t>((s.KH - 1) * s.DH - s.PH, 0, s.H);
  bool ok = true;
  for (index_t h = 0; h < s.H; ++h) {
    const T* row = plane + h * s.W;
    if (h >= r0) {
      for (index_t w = 0; w < s.W; ++w) ok &= row[w] - row[w] == T(0);
    } else {
      for (index_t w = 0; w < b; ++w) ok &= (row[w] - row[w] == T(0)) & (row[s.W - 1 - w] - row[s.W - 1 - w] == T(0));
    }
  }
  return ok;
}

// dw of a stride-1 depthwise convolution by flat planes (detail::flat_weight_grad). Threads
// split the images where there are at least as many as threads (each sums its images' partial dw,
// added in thread order afterwards: reproducible at a fixed thread count), else the input channels.
// Returns false where an x value that meets dy's padding is not finite (padding_partners_finite): dw
// is then to be computed again by im2col. Measured, float32, backward (dw, db) against the row-by-row
// planes (weight_grad_plane): LeNet's conv1 (64, 1, 28, 28) -> 6 5x5 0.46 -> 0.22 ms on 1 thread,
// 0.24 -> 0.12 on 2; batch 128 0.92 -> 0.43; multiplier 1, with dx, (8, 128, 19, 19) 3x3 1.08 -> 0.87;
// on large planes even within the noise: (16, 64, 56, 56) 3x3 7.8 / 8.2-8.6 ms on 1 thread, 4.2 / 4.0 on 2.
template <typename T>
bool flat_weight_grads(const Conv2dShape& s, const T* dy, const T* x, T* dw) {
  constexpr index_t L = lanes<T>();
  const index_t mult = s.O / s.C, taps = s.taps(), taps4 = (taps + 3) / 4 * 4;
  const index_t Wp = s.W + 2 * s.PW, Hp = s.H + 2 * s.PH, in_plane = s.H * s.W, out_plane = s.OH * s.OW;
  const index_t chunks = (s.OH * Wp + L - 1) / L, dstride = chunks * L;
  const index_t reach = (s.KH - 1) * s.DH * Wp + (s.KW - 1) * s.DW;
  const index_t xlen = std::max(Hp * Wp, dstride + reach);
  std::vector<index_t> off(taps4);
  for (index_t t = 0; t < taps4; ++t) {
    const index_t u = std::min(t, taps - 1);  // the padding taps of the last group repeat a tap, unused
    off[t] = (u / s.KW) * s.DH * Wp + (u % s.KW) * s.DW;
  }
  const int maxF = flat_filters(), threads = omp_get_max_threads();
  const bool by_images = threads > 1 && s.N >= threads;
  const index_t dw_size = s.O * taps;
  std::vector<T> partial(by_images ? threads * dw_size : 0);
  RegionGuard guard;
  bool finite = true;
#pragma omp parallel num_threads(threads) reduction(&& : finite)
  {
    std::vector<T> xp, dyp, acc;
    guard.run([&] {
      xp.assign(xlen, T(0));  // the zeros past the plane and past each dy row are never written
      dyp.assign(std::min<index_t>(maxF, mult) * dstride, T(0));  // the dy planes of one block of filters
      acc.resize(maxF * taps4 * L);
    });
    const index_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const index_t n0 = by_images ? s.N * t / nt : 0, n1 = by_images ? s.N * (t + 1) / nt : s.N;
    T* out = by_images ? partial.data() + t * dw_size : dw;
    const index_t c0 = by_images ? 0 : s.C * t / nt, c1 = by_images ? s.C : s.C * (t + 1) / nt;
    for (index_t c = c0; c < c1 && !guard.failed(); ++c) {
      for (index_t f0 = 0; f0 < mult; f0 += maxF) {
        const int F = static_cast<int>(std::min<index_t>(maxF, mult - f0));
        std::fill(acc.begin(), acc.end(), T(0));
        for (index_t n = n0; n < n1; ++n) {
          const T* plane = x + (n * s.C + c) * in_plane;
          if (f0 == 0) finite = finite && padding_partners_finite(s, plane);
          place_padded(plane, s.H, s.W, s.PH, s.PW, Hp, Wp, xp.data());
          for (int f = 0; f < F; ++f) {
            const T* src = dy + (n * s.O + c * mult + f0 + f) * out_plane;
            for (index_t i = 0; i < s.OH; ++i)
              std::memcpy(dyp.data() + f * dstride + i * Wp, src + i * s.OW, sizeof(T) * s.OW);
          }
          detail::flat_weight_grad(F, xp.data(), dyp.data(), dstride, chunks, off.data(), taps4, acc.data());
        }
        for (int f = 0; f < F; ++f)
          for (index_t tap = 0; tap < taps; ++tap) {
            const T* v = acc.data() + (f * taps4 + tap) * L;
            T total = T(0);
            for (index_t l = 0; l < L; ++l) total += v[l];
            out[(c * mult + f0 + f) * taps + tap] = total;
          }
      }
    }
  }
  guard.rethrow();
  if (by_images) {
    std::fill(dw, dw + dw_size, T(0));
    for (int t = 0; t < threads; ++t)
      for (index_t i = 0; i < dw_size; ++i) dw[i] += partial[t * dw_size + i];
  }
  return finite;
}

}  // namespace

template <typename T>
bool conv2d_depthwise_backward(const Conv2dShape& s, const T* dy, const T* x, const T* w, T* dx, T* dw) {
  const index_t mult = s.O / s.C, in_plane = s.H * s.W, out_plane = s.OH * s.OW, taps = s.taps();
  const bool unit_stride = s.SH == 1 && s.SW == 1;
  const detail::PaddedInput pad(s);
  const detail::PaddedGrad gpad(s);
  RegionGuard guard;
  // dx: one task per input plane, gathering from its `mult` output channels
#pragma omp parallel if (dx)
  if (dx) {
    std::vector<T> buf, flipped;
    guard.run([&] {
      buf.resize(unit_stride ? gpad.rows * gpad.cols : pad.rows * pad.cols);
      flipped.resize(taps);
    });
#pragma omp for collapse(2) schedule(static)
    for (index_t n = 0; n < s.N; ++n) {
      for (index_t c = 0; c < s.C; ++c) {
        if (guard.failed()) continue;
        T* dxp = dx + (n * s.C + c) * in_plane;
        if (unit_stride) {
          for (index_t m = 0; m < mult; ++m) {
            const index_t o = c * mult + m;
            for (index_t t = 0; t < taps; ++t) flipped[t] = w[o * taps + taps - 1 - t];
            place_padded(dy + (n * s.O + o) * out_plane, s.OH, s.OW, gpad.top, gpad.left, gpad.rows, gpad.cols,
                                 buf.data());
            detail::correlate_plane(buf.data(), gpad.cols, flipped.data(), s.KH, s.KW, 1, 1, s.DH, s.DW, T(0), m > 0,
                                    s.H, s.W, dxp);
          }
        } else {
          std::memset(buf.data(), 0, sizeof(T) * buf.size());
          for (index_t m = 0; m < mult; ++m) {
            const index_t o = c * mult + m;
            detail::scatter_input_grad_plane(s, dy + (n * s.O + o) * out_plane, w + o * taps, buf.data(), pad.cols);
          }
          for (index_t h = 0; h < s.H; ++h)
            std::memcpy(dxp + h * s.W, buf.data() + (h + s.PH) * pad.cols + s.PW, sizeof(T) * s.W);
        }
      }
    }
  }
  guard.rethrow();
  if (unit_stride) return flat_weight_grads(s, dy, x, dw);
  // the rows of strided planes meet dy's padding at other columns: x is checked whole
  const bool finite = all_finite(x, s.N * in_plane * s.C);
  // dw: one task per output channel, summing over the batch
  // dy rows padded to whole vectors; PaddedInput's columns cover the same rounded width
  const index_t gcols = (s.OW + detail::kLanes - 1) / detail::kLanes * detail::kLanes;
#pragma omp parallel
  {
    std::vector<T> buf, gbuf;
    guard.run([&] {
      buf.resize(pad.rows * pad.cols);
      gbuf.resize(s.OH * gcols);
    });
#pragma omp for schedule(static)
    for (index_t o = 0; o < s.O; ++o) {
      if (guard.failed()) continue;
      T* dwo = dw + o * taps;
      for (index_t t = 0; t < taps; ++t) dwo[t] = T(0);
      for (index_t n = 0; n < s.N; ++n) {
        place_padded(x + (n * s.C + o / mult) * in_plane, s.H, s.W, s.PH, s.PW, pad.rows, pad.cols, buf.data());
        place_padded(dy + (n * s.O + o) * out_plane, s.OH, s.OW, 0, 0, s.OH, gcols, gbuf.data());
        detail::weight_grad_plane(buf.data(), pad.cols, gbuf.data(), gcols, s.KH, s.KW, s.SH, s.SW, s.DH, s.DW, s.OH,
                                  dwo);
      }
    }
  }
  guard.rethrow();
  return finite;
}

#define I2DL_CONV2D_DEPTHWISE_INSTANTIATE(T) \
  template void conv2d_depthwise_forward<T>(const Conv2dShape&, const T*, const T*, const T*, T*); \
  template void conv2d_small_forward<T>(const Conv2dShape&, const T*, const T*, const T*, T*); \
  template bool conv2d_depthwise_backward<T>(const Conv2dShape&, const T*, const T*, const T*, T*, T*);
I2DL_FOR_FLOATS(I2DL_CONV2D_DEPTHWISE_INSTANTIATE)
#undef I2DL_CONV2D_DEPTHWISE_INSTANTIATE

}  // namespace i2dl
