// See conv2d_strided.h. Each thread takes whole images (their phase planes stay in its own cache),
// as it becomes free; the weight gradient is summed per run of consecutive images and the runs
// are added in order.
#include "i2dl/parallel.h"
#include "i2dl/conv2d_strided.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "i2dl/lanes.h"
#include "i2dl/stride_phases.h"
#include "i2dl/workspace.h"

namespace i2dl {

namespace {

// Register tiles, measured on the 3x3 stride-2 ResNet layer (AVX-512, 2 cores): 8 filters x 2
// output rows (16 accumulators, 10 loads per 16 FMAs) beat 4x4, 16x1, 4x8 and 8x4 (which spills).
constexpr index_t kFilters = 8;        // filters (for dx: input channels) per pixel tile
constexpr index_t kRows = 2;           // output rows per pixel tile
constexpr index_t kChunkSteps = 144;   // (channel, tap) steps per pass: their rows stay in L1
constexpr int kGradVectors = 4;        // weight gradient: vectors of filters per tile ...
constexpr int kGradTaps = 6;           // ... times (c, kh, kw) pairs: 24 accumulators
constexpr index_t kGradRows = 4;       // rows of dy per pass: the filters' slice of dy stays in L1
constexpr index_t kMaxImageElements = 1 << 21;  // one image's phase planes (8 MiB in float32)
constexpr index_t kMaxPartialElements = 1 << 23;  // the weight gradient's partial sums together

index_t round_up(index_t a, index_t m) { return (a + m - 1) / m * m; }
index_t ceil_div(index_t a, index_t m) { return (a + m - 1) / m; }

// Columns v of phase rw that hold source columns S*v + rw - P of a W-wide row: [v0, v0 + count).
struct Run {
  index_t v0, count;
};
Run phase_run(index_t W, index_t P, index_t S, index_t rw) {
  const index_t v0 = rw >= P ? 0 : ceil_div(P - rw, S), last = W - 1 + P - rw;
  return {v0, last < 0 ? 0 : std::max<index_t>(0, last / S + 1 - v0)};
}

// Phase planes (rows x cols each, SH*SW per channel) and where tap (kh, kw) reads in them:
// kh*DH = SH*qh + rh, so output row oh reads row oh + qh of phase row rh. Row i of phase row rh
// holds phase row first_row[rh] + i (likewise columns): the input's phases start at 0 (the taps
// index them directly), dx's phases at their first real pixel (none of their rows is wasted).
struct Phases {
  index_t rows, cols, plane, channel;
  std::vector<index_t> phase, shift;          // per tap: rh*SW + rw, and qh*cols + qw
  std::vector<index_t> first_row, first_col;  // per rh, per rw
  std::vector<Run> row_run, col_run;          // per rh, per rw: the phase rows/columns with pixels
  // Stride 2 across: input column 2k + j lies in phase (j + PW) % 2 at column k + pair_offset[j],
  // so a row splits into its even and odd elements, which vectorises (with permutes); by pairs
  // when every column fits (the run-by-run loops handle the rest).
  bool by_pairs = false;
  index_t pair_phase[2] = {0, 0}, pair_offset[2] = {0, 0};
  // per input row h: where its phase row starts in a channel, -1 where no output reads it (an
  // integer division per row cost as much as moving the row)
  std::vector<index_t> row_start;
  Phases(const Conv2dShape& s, bool from_first_pixel, index_t min_rows, index_t min_cols, index_t L)
      : rows(min_rows), cols(min_cols) {
    for (index_t rh = 0; rh < s.SH; ++rh) {
      row_run.push_back(phase_run(s.H, s.PH, s.SH, rh));
      first_row.push_back(from_first_pixel ? row_run.back().v0 : 0);
      if (from_first_pixel) rows = std::max(rows, row_run.back().count);
    }
    for (index_t rw = 0; rw < s.SW; ++rw) {
      col_run.push_back(phase_run(s.W, s.PW, s.SW, rw));
      first_col.push_back(from_first_pixel ? col_run.back().v0 : 0);
      if (from_first_pixel) cols = std::max(cols, round_up(col_run.back().count, L));
    }
    plane = rows * cols;
    channel = s.SH * s.SW * plane;
    for (index_t h = 0; h < s.H; ++h) {
      const index_t hp = h + s.PH, rh = hp % s.SH, u = hp / s.SH - first_row[rh];
      row_start.push_back(u < rows ? rh * s.SW * plane + u * cols : -1);
    }
    by_pairs = s.SW == 2;
    for (index_t j = 0; j < 2 && by_pairs; ++j) {
      pair_phase[j] = (j + s.PW) % 2;
      pair_offset[j] = (j + s.PW) / 2 - first_col[pair_phase[j]];
      by_pairs = pair_offset[j] >= 0 && pair_offset[j] + (s.W - j + 1) / 2 <= cols;
    }
    for (index_t kh = 0; kh < s.KH; ++kh)
      for (index_t kw = 0; kw < s.KW; ++kw) {
        phase.push_back((kh * s.DH % s.SH) * s.SW + kw * s.DW % s.SW);
        shift.push_back(kh * s.DH / s.SH * cols + kw * s.DW / s.SW);
      }
  }
  index_t tap_offset(index_t t) const { return phase[t] * plane + shift[t]; }
};

index_t qh_max(const Conv2dShape& s) { return (s.KH - 1) * s.DH / s.SH; }
index_t qw_max(const Conv2dShape& s) { return (s.KW - 1) * s.DW / s.SW; }

// The input's phases as the forward pass and the weight gradient read them: rows oh + qh, columns
// ow + qw for every output pixel, the last vector of a row included.
template <typename T>
Phases input_phases(const Conv2dShape& s) {
  return Phases(s, false, s.OH + qh_max(s), round_up(s.OW, lanes<T>()) + qw_max(s), lanes<T>());
}

// dx in phases: the padded input rows and columns that hold real pixels, rows whole vectors wide.
template <typename T>
Phases input_grad_phases(const Conv2dShape& s) {
  return Phases(s, true, 0, 0, lanes<T>());
}

// dy zero-padded so that every dx phase row reads inside it: dx's phase row u reads dy row u - qh,
// stored at row u - qh + qh_max.
struct PaddedGrad {
  index_t rows, cols, plane;
  PaddedGrad(const Conv2dShape& s, const Phases& dxp) : rows(s.OH), cols(s.OW) {
    for (index_t rh = 0; rh < s.SH; ++rh) rows = std::max(rows, dxp.first_row[rh] + dxp.rows);
    for (index_t rw = 0; rw < s.SW; ++rw) cols = std::max(cols, dxp.first_col[rw] + dxp.cols);
    rows += qh_max(s);
    cols += qw_max(s);
    plane = rows * cols;
  }
};

// f(h, offset in a channel's phases, first source column, count) for each phase's run of the
// pixels of input row h that the phases hold.
template <typename F>
I2DL_INLINE void for_each_phase_run(const Conv2dShape& s, const Phases& p, F&& f) {
  for (index_t h = 0; h < s.H; ++h) {
    if (p.row_start[h] < 0) continue;
    for (index_t rw = 0; rw < s.SW; ++rw) {
      const Run& r = p.col_run[rw];
      const index_t v = r.v0 - p.first_col[rw], count = std::min(r.count, p.cols - v);
      if (count > 0) f(h, p.row_start[h] + rw * p.plane + v, s.SW * r.v0 + rw - s.PW, count);
    }
  }
}

// Input row h's row in the first phase of its phase row rh (null: read by no output).
template <typename T>
I2DL_INLINE T* phase_rows(const Phases& p, T* channel, index_t h) {
  return p.row_start[h] < 0 ? nullptr : channel + p.row_start[h];
}

// even[k] = src[2k], odd[k] = src[2k + 1] for a row of n (odd n: the last one even), and back.
template <typename T>
I2DL_INLINE void split_pairs(const T* src, index_t n, T* even, T* odd) {
  split_phases(src, n / 2, even, odd);
  if (n % 2) even[n / 2] = src[n - 1];
}

template <typename T>
I2DL_INLINE void merge_pairs(const T* even, const T* odd, index_t n, T* dst) {
  merge_phases(even, odd, n / 2, dst);
  if (n % 2) dst[n - 1] = even[n / 2];
}

// x (C, H, W) into its phases; positions never written stay as they are (zero).
template <typename T>
I2DL_INLINE void scatter_phases(const Conv2dShape& s, const Phases& p, const T* __restrict__ x, T* __restrict__ buf) {
  for (index_t c = 0; c < s.C; ++c) {
    const T* xc = x + c * s.H * s.W;
    T* bc = buf + c * p.channel;
    if (p.by_pairs) {
      for (index_t h = 0; h < s.H; ++h)
        if (T* row = phase_rows(p, bc, h))
          split_pairs(xc + h * s.W, s.W, row + p.pair_phase[0] * p.plane + p.pair_offset[0],
                      row + p.pair_phase[1] * p.plane + p.pair_offset[1]);
      continue;
    }
    for_each_phase_run(s, p, [&](index_t h, index_t dst, index_t src, index_t n) {
      take_phase(xc + h * s.W + src, s.SW, n, bc + dst);
    });
  }
}

// The inverse: dx (C, H, W) from its phases.
template <typename T>
I2DL_INLINE void gather_phases(const Conv2dShape& s, const Phases& p, const T* __restrict__ buf, T* __restrict__ dx) {
  for (index_t c = 0; c < s.C; ++c) {
    T* dc = dx + c * s.H * s.W;
    const T* bc = buf + c * p.channel;
    if (p.by_pairs) {
      for (index_t h = 0; h < s.H; ++h) {
        const T* row = phase_rows(p, bc, h);  // never null: dx's phases hold every row
        merge_pairs(row + p.pair_phase[0] * p.plane + p.pair_offset[0], row + p.pair_phase[1] * p.plane + p.pair_offset[1],
                    s.W, dc + h * s.W);
      }
      continue;
    }
    for_each_phase_run(s, p, [&](index_t h, index_t src, index_t dst, index_t n) {
      put_phase(bc + src, s.SW, n, dc + h * s.W + dst);
    });
  }
}

// One pixel tile: kFilters filters (vector of L consecutive pixels) x RP rows,
//   out[f*out_stride + j*out_row + lane] = start[f] + sum_{i < reduce, t < taps}
//       wb[(i*taps + t)*kFilters + f] * in[i*in_stride + tap[t] + j*in_row + lane]
// start null: accumulate onto out. Only `filters` filters and `valid` lanes are read and written.
template <typename T, int RP>
I2DL_INLINE void pixel_tile(index_t reduce, index_t taps, const index_t* __restrict__ tap, const T* __restrict__ in,
                            index_t in_stride, index_t in_row, const T* __restrict__ wb, T* __restrict__ out,
                            index_t out_stride, index_t out_row, index_t filters, index_t valid,
                            const T* __restrict__ start) {
  using V = typename Lanes<T>::type;
  constexpr index_t L = lanes<T>();
  V acc[kFilters][RP];
#pragma GCC unroll 8
  for (index_t f = 0; f < kFilters; ++f)
#pragma GCC unroll 2
    for (int j = 0; j < RP; ++j) {
      if (start) {
        acc[f][j] = V{} + start[f];
      } else {
        acc[f][j] = V{};
        // a call to memcpy of a variable length would cost as much as the tile's arithmetic
        if (f < filters && valid == L) std::memcpy(&acc[f][j], out + f * out_stride + j * out_row, sizeof(V));
        else if (f < filters) for (index_t l = 0; l < valid; ++l) acc[f][j][l] = out[f * out_stride + j * out_row + l];
      }
    }
  for (index_t i = 0; i < reduce; ++i, in += in_stride) {
    for (index_t t = 0; t < taps; ++t, wb += kFilters) {
      const T* ip = in + tap[t];
      V v[RP];
#pragma GCC unroll 2
      for (int j = 0; j < RP; ++j) std::memcpy(&v[j], ip + j * in_row, sizeof(V));
#pragma GCC unroll 8
      for (index_t f = 0; f < kFilters; ++f) {
        const T wf = wb[f];
#pragma GCC unroll 2
        for (int j = 0; j < RP; ++j) acc[f][j] += wf * v[j];
      }
    }
  }
#pragma GCC unroll 8
  for (index_t f = 0; f < kFilters; ++f)
#pragma GCC unroll 2
    for (int j = 0; j < RP; ++j)
      if (f < filters) {
        if (valid == L)
          std::memcpy(out + f * out_stride + j * out_row, &acc[f][j], sizeof(V));
        else
          for (index_t l = 0; l < valid; ++l) out[f * out_stride + j * out_row + l] = acc[f][j][l];
      }
}

// The `rows` rows of an output made of pixel tiles: for every vector of L pixels of those rows, every
// block of kFilters filters, sum over `reduce` channels (in chunks) times `taps` taps.
template <typename T>
struct TileSweep {
  index_t reduce, taps;
  const index_t* tap;
  const T* in;
  index_t in_stride, in_row;  // per reduction channel, per row
  const T* packed;            // [filter block][reduce][taps][kFilters]
  const T* start;             // [filters rounded up] values the first chunk starts from
  T* out;
  index_t out_stride, out_row, filters, width, rows;  // width: pixels per output row
};

template <typename T>
I2DL_INLINE void sweep_rows(const TileSweep<T>& a) {
  constexpr index_t L = lanes<T>();
  const index_t blocks = ceil_div(a.filters, kFilters);
  for (index_t r = 0; r < a.rows; r += kRows) {
    const index_t rp = std::min(kRows, a.rows - r);
    for (index_t v0 = 0; v0 < a.width; v0 += L) {
      const index_t valid = std::min(L, a.width - v0);
      const index_t per_chunk = std::max<index_t>(1, kChunkSteps / a.taps);
      for (index_t i0 = 0; i0 < a.reduce; i0 += per_chunk) {
        const index_t chunk = std::min(per_chunk, a.reduce - i0);
        for (index_t fb = 0; fb < blocks; ++fb) {
          const index_t f0 = fb * kFilters;
          const T* in = a.in + i0 * a.in_stride + r * a.in_row + v0;
          const T* wb = a.packed + (fb * a.reduce + i0) * a.taps * kFilters;
          T* out = a.out + f0 * a.out_stride + r * a.out_row + v0;
          const T* start = i0 == 0 ? a.start + f0 : nullptr;
          const index_t nf = std::min(kFilters, a.filters - f0);
          if (rp == 2)
            pixel_tile<T, 2>(chunk, a.taps, a.tap, in, a.in_stride, a.in_row, wb, out, a.out_stride, a.out_row, nf,
                             valid, start);
          else
            pixel_tile<T, 1>(chunk, a.taps, a.tap, in, a.in_stride, a.in_row, wb, out, a.out_stride, a.out_row, nf,
                             valid, start);
        }
      }
    }
  }
}

// One weight-gradient tile, the filters in the lanes: for RV vectors of filters and RT (c, kh, kw)
// pairs at offsets xoff into the phases,
//   acc[k][o..o+L) += sum_{oh in [oh0, oh1), ow} dyt[(oh*OW + ow)*Opad + o..] * phases[xoff[k] + oh*cols + ow]
template <typename T, int RV, int RT>
I2DL_INLINE void weight_grad_tile(const T* __restrict__ dyt, index_t opad, const T* __restrict__ xph, index_t cols,
                                  const index_t* xoff, index_t OW, index_t oh0, index_t oh1, T* __restrict__ acc_out) {
  using V = typename Lanes<T>::type;
  constexpr index_t L = lanes<T>();
  V acc[RV][RT];
  index_t off[RT];
#pragma GCC unroll 8
  for (int k = 0; k < RT; ++k) {
    off[k] = xoff[k];
#pragma GCC unroll 4
    for (int i = 0; i < RV; ++i) std::memcpy(&acc[i][k], acc_out + k * opad + i * L, sizeof(V));
  }
  for (index_t oh = oh0; oh < oh1; ++oh) {
    const T* xr = xph + oh * cols;
    const T* g = dyt + oh * OW * opad;
    for (index_t ow = 0; ow < OW; ++ow, g += opad) {
      V gv[RV];
#pragma GCC unroll 4
      for (int i = 0; i < RV; ++i) std::memcpy(&gv[i], g + i * L, sizeof(V));
#pragma GCC unroll 8
      for (int k = 0; k < RT; ++k) {
        const T xs = xr[off[k] + ow];
#pragma GCC unroll 4
        for (int i = 0; i < RV; ++i) acc[i][k] += gv[i] * xs;
      }
    }
  }
#pragma GCC unroll 8
  for (int k = 0; k < RT; ++k)
#pragma GCC unroll 4
    for (int i = 0; i < RV; ++i) std::memcpy(acc_out + k * opad + i * L, &acc[i][k], sizeof(V));
}

// dwt[(c, kh, kw)][o] += the weight gradient of one image, dy rows [oh0, oh1) (xoff: the offset of
// every (c, kh, kw) pair in the phases).
template <typename T, int RV>
I2DL_INLINE void weight_grad_pairs(const Conv2dShape& s, const T* dyt, index_t opad, const T* xph, index_t cols,
                                   const index_t* xoff, index_t pairs, index_t oh0, index_t oh1, index_t o0, T* dwt) {
  index_t r = 0;
  for (; r + kGradTaps <= pairs; r += kGradTaps)
    weight_grad_tile<T, RV, kGradTaps>(dyt + o0, opad, xph, cols, xoff + r, s.OW, oh0, oh1, dwt + r * opad + o0);
  for (; r < pairs; ++r) weight_grad_tile<T, RV, 1>(dyt + o0, opad, xph, cols, xoff + r, s.OW, oh0, oh1, dwt + r * opad + o0);
}

// ... for all filters (opad of them, whole vectors), dy rows a few at a time.
template <typename T>
I2DL_INLINE void weight_grad_rows(const Conv2dShape& s, const T* dyt, index_t opad, const T* xph, index_t cols,
                                  const index_t* xoff, index_t pairs, T* dwt) {
  constexpr index_t L = lanes<T>();
  for (index_t h = 0; h < s.OH; h += kGradRows) {
    const index_t h1 = std::min(h + kGradRows, s.OH);
    index_t o0 = 0;
    for (; o0 + kGradVectors * L <= opad; o0 += kGradVectors * L)
      weight_grad_pairs<T, kGradVectors>(s, dyt, opad, xph, cols, xoff, pairs, h, h1, o0, dwt);
    for (; o0 + 2 * L <= opad; o0 += 2 * L) weight_grad_pairs<T, 2>(s, dyt, opad, xph, cols, xoff, pairs, h, h1, o0, dwt);
    for (; o0 < opad; o0 += L) weight_grad_pairs<T, 1>(s, dyt, opad, xph, cols, xoff, pairs, h, h1, o0, dwt);
  }
}

// dy of one image (O, OH, OW) into its zero-padded copy (when dx is wanted) and, transposed, into
// dyt (OH*OW, opad): the filters in the lanes.
template <typename T>
I2DL_INLINE void place_grad_impl(const Conv2dShape& s, const PaddedGrad& g, index_t opad, const T* __restrict__ dy,
                                 T* __restrict__ dyp, T* __restrict__ dyt) {
  const index_t P = s.out_pixels(), qh = qh_max(s), qw = qw_max(s);
  if (dyp)
    for (index_t o = 0; o < s.O; ++o)
      for (index_t oh = 0; oh < s.OH; ++oh) {
        const T* src = dy + o * P + oh * s.OW;
        T* dst = dyp + o * g.plane + (oh + qh) * g.cols + qw;
        for (index_t ow = 0; ow < s.OW; ++ow) dst[ow] = src[ow];  // short rows: no call to memcpy
      }
  // the transpose in 16 x 16 tiles, whose lines stay in L1 (2.3x faster than whole rows at a time)
  for (index_t p0 = 0; p0 < P; p0 += 16)
    for (index_t o0 = 0; o0 < s.O; o0 += 16) {
      const index_t p1 = std::min(P, p0 + 16), o1 = std::min(s.O, o0 + 16);
      for (index_t p = p0; p < p1; ++p)
        for (index_t o = o0; o < o1; ++o) dyt[p * opad + o] = dy[o * P + p];
    }
}

// The loops above, compiled once per ISA (the function-level clones inline them).
#define I2DL_STRIDED_CLONES(T)                                                                                 \
  I2DL_CLONES void scatter_image(const Conv2dShape& s, const Phases& p, const T* x, T* buf) {                 \
    scatter_phases(s, p, x, buf);                                                                              \
  }                                                                                                            \
  I2DL_CLONES void gather_image(const Conv2dShape& s, const Phases& p, const T* buf, T* dx) {                 \
    gather_phases(s, p, buf, dx);                                                                              \
  }                                                                                                            \
  I2DL_CLONES void place_grad(const Conv2dShape& s, const PaddedGrad& g, index_t opad, const T* dy, T* dyp,      \
                              T* dyt) {                                                                        \
    place_grad_impl(s, g, opad, dy, dyp, dyt);                                                                 \
  }                                                                                                            \
  I2DL_CLONES void sweep(const TileSweep<T>& a) { sweep_rows(a); }                                             \
  I2DL_CLONES void weight_grad(const Conv2dShape& s, const T* dyt, index_t opad, const T* xph, index_t cols,   \
                               const index_t* xoff, index_t pairs, T* dwt) {                                   \
    weight_grad_rows(s, dyt, opad, xph, cols, xoff, pairs, dwt);                                               \
  }
I2DL_FOR_FLOATS(I2DL_STRIDED_CLONES)
#undef I2DL_STRIDED_CLONES

}  // namespace

template <typename T>
bool uses_strided_direct(const Conv2dShape& s) {
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (!avx512 || s.groups != 1 || (s.SH == 1 && s.SW == 1) || s.C < 16 || s.O < 16) return false;
  // Each thread takes whole images: with fewer images than threads im2col (whose GEMMs split over
  // the threads) was faster. Rows of fewer than 3/4 of their vectors' lanes (8x8 outputs, or 20
  // wide) waste more than the column matrix costs (measured: im2col 2-4x faster at 8 wide).
  if (s.N < omp_get_max_threads() || 4 * s.OW < 3 * round_up(s.OW, lanes<T>())) return false;
  const Phases in = input_phases<T>(s), dx = input_grad_phases<T>(s);
  const PaddedGrad g(s, dx);
  const index_t weight_grad_size = s.C * s.taps() * round_up(s.O, lanes<T>());  // one partial sum of dw
  return s.C * std::max(in.channel, dx.channel) <= kMaxImageElements && s.O * g.plane <= kMaxImageElements &&
         s.out_pixels() * round_up(s.O, lanes<T>()) <= kMaxImageElements &&
         omp_get_max_threads() * weight_grad_size <= kMaxPartialElements;
}

template <typename T>
void conv2d_strided_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y) {
  const Phases p = input_phases<T>(s);
  const index_t taps = s.taps(), fpad = round_up(s.O, kFilters), xsize = s.C * s.H * s.W, ysize = s.O * s.out_pixels();
  // w as [filter block][c][tap][kFilters] (zero filters past O), then the bias (or zeros)
  T* packed = workspace<T>(Slot::kGemmOut, fpad * s.C * taps + fpad);
  T* start = packed + fpad * s.C * taps;
  std::fill(packed, packed + fpad * s.C * taps + fpad, T(0));
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
  for (index_t o = 0; o < s.O; ++o) {
    for (index_t r = 0; r < s.C * taps; ++r) packed[(o / kFilters * s.C * taps + r) * kFilters + o % kFilters] = w[o * s.C * taps + r];
    if (b) start[o] = b[o];
  }
  std::vector<index_t> tap(taps);
  for (index_t t = 0; t < taps; ++t) tap[t] = p.tap_offset(t);
  TileSweep<T> a{s.C, taps, tap.data(), nullptr, p.channel, p.cols, packed, start, nullptr, s.out_pixels(), s.OW, s.O, s.OW, s.OH};

  // whole images per thread, taken as threads become free (inside a parallel region: one thread)
  RegionGuard guard;
#pragma omp parallel if (!omp_in_parallel())
  {
    T* buf = nullptr;
    guard.run([&] { buf = workspace<T>(Slot::kColumns, s.C * p.channel); });
    if (buf) std::fill(buf, buf + s.C * p.channel, T(0));
    TileSweep<T> mine = a;
    mine.in = buf;
#pragma omp for schedule(dynamic)
    for (index_t n = 0; n < s.N; ++n) {
      if (guard.failed()) continue;
      scatter_image(s, p, x + n * xsize, buf);
      mine.out = y + n * ysize;
      sweep(mine);
    }
  }
  guard.rethrow();
}

namespace {

// What the backward pass of one image needs, in one thread's buffer: the input's phases, dy padded
// (dx reads it), dy with the filters in the lanes (dw reads it), and dx in phases.
template <typename T>
struct BackwardImage {
  T *xph, *dyp, *dyt, *dxph;
  static index_t size(const Conv2dShape& s, const Phases& in, const PaddedGrad& g, const Phases& dx, index_t opad) {
    return s.C * in.channel + s.O * g.plane + s.out_pixels() * opad + s.C * dx.channel;
  }
  BackwardImage(T* buf, const Conv2dShape& s, const Phases& in, const PaddedGrad& g, index_t opad)
      : xph(buf), dyp(buf + s.C * in.channel), dyt(dyp + s.O * g.plane), dxph(dyt + s.out_pixels() * opad) {}
};

// dw[o, r] = sum_{part < parts} partial[part][r][o], for o < O (the rows of partial are opad long):
// sixteen r at a time, so that both the reads and the writes run along cache lines.
template <typename T>
void sum_transposed(const T* partial, index_t parts, index_t pairs, index_t opad, index_t O, T* dw) {
  constexpr index_t kBlock = 16;
  const index_t one = pairs * opad;
  RegionGuard guard;
#pragma omp parallel if (!omp_in_parallel())
  {
    std::vector<T> sum;
    guard.run([&] { sum.resize(kBlock * opad); });
#pragma omp for schedule(static)
    for (index_t r0 = 0; r0 < pairs; r0 += kBlock) {
      if (guard.failed()) continue;
      const index_t nr = std::min(kBlock, pairs - r0);
      std::fill(sum.begin(), sum.end(), T(0));
      for (index_t part = 0; part < parts; ++part) {
        const T* p = partial + part * one + r0 * opad;
        for (index_t i = 0; i < nr * opad; ++i) sum[i] += p[i];
      }
      for (index_t o = 0; o < O; ++o)
        for (index_t k = 0; k < nr; ++k) dw[o * pairs + r0 + k] = sum[k * opad + o];
    }
  }
  guard.rethrow();
}

template <typename T>
void place_backward_image(const Conv2dShape& s, const Phases& in, const PaddedGrad& g, index_t opad, const T* x,
                          const T* dy, bool need_dx, const BackwardImage<T>& im) {
  scatter_image(s, in, x, im.xph);
  place_grad(s, g, opad, dy, need_dx ? im.dyp : nullptr, im.dyt);
}

}  // namespace

template <typename T>
void conv2d_strided_backward(const Conv2dShape& s, const T* dy, const T* x, const T* w, T* dx, T* dw) {
  constexpr index_t L = lanes<T>();
  const Phases in = input_phases<T>(s), dxp = input_grad_phases<T>(s);
  const PaddedGrad g(s, dxp);
  const index_t taps = s.taps(), pairs = s.C * taps, opad = round_up(s.O, L), cpad = round_up(s.C, kFilters);
  const index_t xsize = s.C * s.H * s.W, ysize = s.O * s.out_pixels();
  const index_t image = BackwardImage<T>::size(s, in, g, dxp, opad);

  // the offset of every (c, kh, kw) pair in the input's phases
  std::vector<index_t> xoff(pairs);
  for (index_t c = 0; c < s.C; ++c)
    for (index_t t = 0; t < taps; ++t) xoff[c * taps + t] = c * in.channel + in.tap_offset(t);

  // dx: for each phase, its taps, where they read in padded dy, and w packed as
  // [channel block][o][tap of the phase][kFilters]
  const index_t phases = s.SH * s.SW, qh = qh_max(s), qw = qw_max(s);
  std::vector<std::vector<index_t>> phase_taps(phases), dy_tap(phases);
  for (index_t kh = 0; kh < s.KH; ++kh)
    for (index_t kw = 0; kw < s.KW; ++kw) {
      const index_t t = kh * s.KW + kw, ph = in.phase[t];
      phase_taps[ph].push_back(t);
      dy_tap[ph].push_back((qh - kh * s.DH / s.SH) * g.cols + qw - kw * s.DW / s.SW);
    }
  T* packed = workspace<T>(Slot::kGemmOut, dx ? cpad * s.O * taps + cpad : 1);
  T* zeros = packed + cpad * s.O * taps;
  // one sweep per phase with taps and pixels; in and out are offsets, rebased on each image's buffers
  std::vector<TileSweep<T>> sweeps;
  std::vector<index_t> sweep_in, sweep_out;
  if (dx) {
    std::fill(packed, packed + cpad * s.O * taps + cpad, T(0));
    index_t at = 0;
    for (index_t ph = 0; ph < phases; ++ph) {
      const index_t nt = static_cast<index_t>(phase_taps[ph].size()), rh = ph / s.SW, rw = ph % s.SW;
      const index_t rows = dxp.row_run[rh].count, width = round_up(dxp.col_run[rw].count, L);
      if (!nt || !rows || !width) continue;  // dx's phase stays zero (or holds no pixel)
      T* wp = packed + at;
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
      for (index_t c = 0; c < s.C; ++c)
        for (index_t o = 0; o < s.O; ++o)
          for (index_t j = 0; j < nt; ++j)
            wp[((c / kFilters * s.O + o) * nt + j) * kFilters + c % kFilters] = w[(o * s.C + c) * taps + phase_taps[ph][j]];
      at += cpad * s.O * nt;
      sweeps.push_back({s.O, nt, dy_tap[ph].data(), nullptr, g.plane, g.cols, wp, zeros, nullptr, dxp.channel,
                        dxp.cols, s.C, width, rows});
      sweep_in.push_back(dxp.first_row[rh] * g.cols + dxp.first_col[rw]);
      sweep_out.push_back(ph * dxp.plane);
    }
  }
  auto sweep_phase = [&](std::size_t i, const BackwardImage<T>& im) {
    TileSweep<T> a = sweeps[i];
    a.in = im.dyp + sweep_in[i];
    a.out = im.dxph + sweep_out[i];
    sweep(a);
  };

  // The images are cut into `parts` runs of consecutive images, taken by the threads as they
  // become free (a static split left one thread waiting a tenth of the time on a shared machine);
  // each run sums its weight gradient in its own buffer and the buffers are added in order, so
  // the result does not depend on which thread took which run.
  const index_t threads = omp_get_max_threads(), one = pairs * opad;
  const index_t parts = std::min(s.N, std::max(threads, std::min(std::max<index_t>(8, 2 * threads),
                                                                 kMaxPartialElements / one)));
  T* partial = workspace<T>(Slot::kWeights, parts * one);
  RegionGuard guard;
#pragma omp parallel if (!omp_in_parallel())
  {
    T* buf = nullptr;
    guard.run([&] { buf = workspace<T>(Slot::kColumns, image); });
    if (buf) std::fill(buf, buf + image, T(0));
    const BackwardImage<T> im(buf, s, in, g, opad);
#pragma omp for schedule(dynamic)
    for (index_t part = 0; part < parts; ++part) {
      if (guard.failed()) continue;
      T* dwt = partial + part * one;
      std::fill(dwt, dwt + one, T(0));
      for (index_t n = s.N * part / parts; n < s.N * (part + 1) / parts; ++n) {
        place_backward_image(s, in, g, opad, x + n * xsize, dy + n * ysize, dx != nullptr, im);
        weight_grad(s, im.dyt, opad, im.xph, in.cols, xoff.data(), pairs, dwt);
        if (!dx) continue;
        for (std::size_t i = 0; i < sweeps.size(); ++i) sweep_phase(i, im);
        gather_image(s, dxp, im.dxph, dx + n * xsize);
      }
    }
  }
  guard.rethrow();
  sum_transposed(partial, parts, pairs, opad, s.O, dw);
}

#define I2DL_CONV2D_STRIDED_INSTANTIATE(T) \
  template bool uses_strided_direct<T>(const Conv2dShape&); \
  template void conv2d_strided_forward<T>(const Conv2dShape&, const T*, const T*, const T*, T*); \
  template void conv2d_strided_backward<T>(const Conv2dShape&, const T*, const T*, const T*, T*, T*);
I2DL_FOR_FLOATS(I2DL_CONV2D_STRIDED_INSTANTIATE)
#undef I2DL_CONV2D_STRIDED_INSTANTIATE

}  // namespace i2dl
