// Convolution by im2col + GEMM. The GEMM's column space (image, output pixel) is cut into blocks
// so that the column buffer stays bounded: big images go one image (or a band of output rows) at
// a time and the GEMM writes straight into y; small images are batched so the GEMM is wide enough.
//
// Threads: with at least as many images as threads (and enough output pixels for each), each thread
// takes whole blocks and runs its own im2col and a single-threaded GEMM (no synchronisation inside
// BLAS, column buffer in the thread's cache). With fewer images than threads the forward gives each
// thread bands of output rows instead (band_parallel). Otherwise (small planes, or a backward at batch
// 1) the threads share each block: im2col splits its rows, BLAS splits the GEMM.
#include "i2dl/conv2d.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "i2dl/blas.h"
#include "i2dl/conv2d_channel_vector.h"
#include "i2dl/conv2d_depthwise.h"
#include "i2dl/conv2d_strided.h"
#include "i2dl/conv2d_winograd.h"
#include "i2dl/finite.h"
#include "i2dl/gemm_packed.h"
#include "i2dl/im2col.h"
#include "i2dl/parallel.h"
#include "i2dl/threads.h"
#include "i2dl/workspace.h"

namespace i2dl {

namespace {

// Measured on 2 cores (noisy, so only the large effects count): wide blocks help most in the
// backward pass, whose weight-gradient GEMM has the block's columns as its inner dimension.
constexpr index_t kMinGemmColumns = 1024;        // images with fewer output pixels are batched
constexpr index_t kTargetColumns = 8192;         // ... until a block has about this many columns
constexpr index_t kMaxColumnElements = 1 << 22;  // bound on the column buffer (16 MiB in float32)

// Whole blocks per thread when every thread gets at least one image and kMinThreadColumns output pixels.
// Below that the threads' GEMMs would be a few columns wide, each reading (and, for dW, writing a
// partial of) the whole weight matrix: ResNet-18's 512-channel 3x3 conv on 2x2 planes at batch 16 took
// 9.8 ms forward+backward so, 7.7 ms as one shared block whose GEMMs split the weights' rows; its
// 4x4 stride-2 conv 4.1 -> 3.3 ms; at 1024 columns a thread the 8x8 planes lost 10 % (2 cores).
constexpr index_t kMinThreadColumns = 256;

// One image block's forward product W (Og x rows) . B (rows x columns) on one thread reads B in place
// (gemm_direct) rather than through the BLAS, which packs it first: B is the image itself for a 1x1
// stride-1 conv, else the column matrix im2col just wrote. On 2 threads: (32, 256, 16, 16) -> 64 1x1
// forward 2.0 -> 1.40 ms; (16, 3, 64, 64) -> 64 7x7 stride 2 2.40 -> 2.06 ms, (4, 16, 64, 64) -> 32 5x5
// 3.86 -> 3.25. Up to this many rows (the panel of 512 rows x 256 bytes, 128 KiB, and W's rows stay
// in L2; larger was not measured).
constexpr index_t kMaxDirectChannels = 512;

// The same image's weight gradient on the register tiles, per thread, in place of a BLAS call that
// packs both operands: dW (O x C) sums dY x^T over the pixels, and the smaller of dY (O x pixels) and
// x (C x pixels) is packed as B (pack_panels), the larger read in place as A: dW^T = x dY^T when
// O <= C, else dW = dY x^T; in chunks of kPanelPixels pixels, so that a chunk's panels stay in L2
// while A's rows pass them. Measured on 2 threads (dW alone, tiles against OpenBLAS, AMD EPYC): (N, C,
// O, HW) = (32, 256, 64, 16x16) 1.75 against 2.06 ms, (16, 256, 64, 32x32) 3.7 / 4.7, (32, 64, 256,
// 16x16) 1.84 / 2.09, (8, 512, 128, 16x16) 1.46 / 1.59, but (16, 128, 128, 32x32) even, (8, 512, 512,
// 8x8) 2.0 / 1.45 and (32, 48, 48, 16x16) 0.43 / 0.34 (a third of each 32-wide panel padding). Hence:
// the smaller side at most kMaxTileFilters and a whole number of panels, the larger at most
// kMaxDirectChannels.
constexpr index_t kPanelPixels = 512;
constexpr index_t kMaxTileFilters = 128;

// The input gradient's column matrix, dcol = W^T (rows x Og) . dY (Og x columns), on one thread by the
// tiles with dY read in place (gemm_direct) and W^T turned once per call, where W is small enough to
// stay in L2 while dY's panels pass it: every panel of 64 columns reads all of W^T. Measured, conv2d
// forward+backward of (N, C, H, W) -> O, tiles / OpenBLAS (AMD EPYC, 2 threads): LeNet's conv2 (64, 6,
// 12, 12) -> 16 5x5 0.49 / 0.35 ms, at batch 128 1.21 / 0.67, (4, 3, 64, 64) -> 16 3x3 0.45 / 0.36,
// (32, 16, 32, 32) -> 32 5x5 (W 51 KiB) 16.4 / 15.2; even at 200 KiB ((8, 32, 28, 28) -> 64 5x5), behind
// from 1.2 MiB ((16, 128, 16, 16) -> 256 3x3 s2 7.2 / 7.9, (8, 256, 8, 8) -> 512 3.7 / 7.2).
constexpr index_t kMaxDirectWeightBytes = 128 << 10;

bool batch_parallel(const Conv2dShape& s) {
  const int threads = omp_get_max_threads();
  return threads > 1 && s.N >= threads && !omp_in_parallel() && s.N * s.out_pixels() >= threads * kMinThreadColumns;
}

std::vector<ColumnBlock> plan_blocks(const Conv2dShape& s, index_t min_blocks) {
  const index_t P = s.out_pixels(), rows = s.Cg() * s.taps();
  std::vector<ColumnBlock> blocks;
  // 1x1 stride-1 convs read the input in place as the column matrix: one image per block, no copy
  if (P >= kMinGemmColumns || s.N == 1 || s.is_pointwise()) {
    // bands of whole output rows, each within the buffer bound
    index_t band = std::max<index_t>(1, kMaxColumnElements / std::max<index_t>(1, rows * s.OW));
    band = std::min(band, s.OH);
    for (index_t n = 0; n < s.N; ++n)
      for (index_t oh = 0; oh < s.OH; oh += band)
        blocks.push_back({n, 1, oh * s.OW, std::min(band, s.OH - oh) * s.OW});
  } else {
    index_t count = std::max<index_t>(1, (kTargetColumns + P - 1) / P);
    count = std::min(count, std::max<index_t>(1, kMaxColumnElements / std::max<index_t>(1, rows * P)));
    count = std::min(count, std::max<index_t>(1, s.N / min_blocks));  // enough blocks for every thread
    for (index_t n = 0; n < s.N; n += count) blocks.push_back({n, std::min(count, s.N - n), 0, P});
  }
  return blocks;
}

index_t max_columns(const std::vector<ColumnBlock>& blocks) {
  index_t m = 0;
  for (const auto& blk : blocks) m = std::max(m, blk.columns());
  return m;
}

// Pointer to channel `o` (absolute), pixel `pix0` of image n in an (N, channels, P) tensor.
template <typename T>
T* at(T* base, index_t n, index_t channels, index_t o, index_t P, index_t pix0) {
  return base + (n * channels + o) * P + pix0;
}

// Scratch of one thread for one block: the column matrix, its gradient, the GEMM's (Og x cols) output.
template <typename T>
struct Scratch {
  T *col = nullptr, *dcol = nullptr, *tmp = nullptr;
  Scratch() = default;
  Scratch(const Conv2dShape& s, index_t max_cols, bool need_dcol) {
    const index_t rows = s.Cg() * s.taps();
    col = workspace<T>(Slot::kColumns, rows * max_cols);
    dcol = need_dcol ? workspace<T>(Slot::kColumnGrad, rows * max_cols) : nullptr;
    tmp = workspace<T>(Slot::kGemmOut, s.Og() * max_cols);
  }
};

// y for one block, every group: im2col (none for a 1x1 stride-1 conv of one image), GEMM, bias.
template <typename T>
void forward_block(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y, const ColumnBlock& blk,
                   const Scratch<T>& ws) {
  const index_t P = s.out_pixels(), Og = s.Og(), Cg = s.Cg(), rows = Cg * s.taps(), HW = s.H * s.W;
  const index_t ncols = blk.columns();
  for (index_t g = 0; g < s.groups; ++g) {
    const T* wg = w + g * Og * rows;
    const T* B = ws.col;
    index_t ldb = ncols;
    if (s.is_pointwise() && blk.count == 1) {
      B = at(x, blk.n0, s.C, g * Cg, HW, blk.pix0);  // the input is the column matrix
      ldb = HW;
    } else {
      im2col(s, x, g, blk, ws.col);
    }
    if (blk.count == 1) {
      T* yb = at(y, blk.n0, s.O, g * Og, P, blk.pix0);
      const bool direct = (omp_in_parallel() || omp_get_max_threads() == 1) && rows <= kMaxDirectChannels &&
                          ncols >= direct_panel<T>();
      if (direct) gemm_direct(Og, ncols, rows, wg, rows, B, ldb, yb, P);
      else gemm(false, false, Og, ncols, rows, T(1), wg, rows, B, ldb, T(0), yb, P);
      if (b) {
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
        for (index_t o = 0; o < Og; ++o) {
          const T bias = b[g * Og + o];
          T* row = yb + o * P;
          for (index_t j = 0; j < ncols; ++j) row[j] += bias;
        }
      }
    } else {
      gemm(false, false, Og, ncols, rows, T(1), wg, rows, B, ldb, T(0), ws.tmp, ncols);
      // (Og, images, P) -> y[n, g*Og + o, :], adding the bias on the way
#pragma omp parallel for collapse(2) schedule(static) if (!omp_in_parallel())
      for (index_t i = 0; i < blk.count; ++i) {
        for (index_t o = 0; o < Og; ++o) {
          const T bias = b ? b[g * Og + o] : T(0);
          const T* src = ws.tmp + o * ncols + i * P;
          T* dst = at(y, blk.n0 + i, s.O, g * Og + o, P, 0);
          for (index_t j = 0; j < P; ++j) dst[j] = src[j] + bias;
        }
      }
    }
  }
}

template <typename T>
bool uses_pointwise_tiles(const Conv2dShape& s, bool per_thread) {
  const index_t small = std::min(s.Og(), s.Cg()), panel = packed_panel<T>();
  return s.is_pointwise() && (per_thread || omp_in_parallel() || omp_get_max_threads() == 1) && small % panel == 0 &&
         small <= kMaxTileFilters && std::max(s.Og(), s.Cg()) <= kMaxDirectChannels;
}

// Whether the tiles' weight gradient is dW^T (C/g x O/g for each group): dY is the one packed.
bool tiles_transpose_dw(const Conv2dShape& s) { return s.Og() <= s.Cg(); }

// One image block's dW, or dW^T when `transposed` (tiles_transpose_dw), (+)= dY (Og x ncols, ld_dy)
// x^T (x: rows x ncols, HW), through `panels`, room for kPanelPixels x the smaller of Og and rows.
template <typename T>
void pointwise_weight_grad(index_t rows, index_t Og, index_t ncols, const T* xb, index_t HW, const T* dY,
                           index_t ld_dy, bool transposed, bool accumulate, T* dwg, T* panels) {
  for (index_t p0 = 0; p0 < ncols; p0 += kPanelPixels) {
    const index_t len = std::min(kPanelPixels, ncols - p0);
    if (transposed) {
      pack_panels(true, len, Og, dY + p0, ld_dy, panels);
      gemm_packed(rows, Og, len, xb + p0, HW, panels, accumulate || p0 > 0, dwg, Og);
    } else {
      pack_panels(true, len, rows, xb + p0, HW, panels);
      gemm_packed(Og, rows, len, dY + p0, ld_dy, panels, accumulate || p0 > 0, dwg, rows);
    }
  }
}

// dw (accumulated with beta) and dx (when wanted) for one block, every group.
// `wt`: W^T of every group (rows x Og each) where the input gradient runs on the tiles (one thread
// per block), else null.
template <typename T>
void backward_block(const Conv2dShape& s, const T* dy, const T* x, const T* w, T* dx, T* dw, T beta,
                    const ColumnBlock& blk, const Scratch<T>& ws, bool dx_holds_bias = false,
                    T* tile_panels = nullptr, const T* wt = nullptr) {
  const index_t P = s.out_pixels(), Og = s.Og(), Cg = s.Cg(), rows = Cg * s.taps(), HW = s.H * s.W;
  const index_t ncols = blk.columns();
  const bool direct_pointwise = s.is_pointwise() && blk.count == 1;
  for (index_t g = 0; g < s.groups; ++g) {
    const T* wg = w + g * Og * rows;
    T* dwg = dw ? dw + g * Og * rows : nullptr;
    // dY of this block and group as an (Og x ncols) matrix
    const T* dY;
    index_t ld_dy;
    if (blk.count == 1) {
      dY = at(dy, blk.n0, s.O, g * Og, P, blk.pix0);
      ld_dy = P;
    } else {
#pragma omp parallel for collapse(2) schedule(static) if (!omp_in_parallel())
      for (index_t i = 0; i < blk.count; ++i)
        for (index_t o = 0; o < Og; ++o)
          std::memcpy(ws.tmp + o * ncols + i * P, at(dy, blk.n0 + i, s.O, g * Og + o, P, 0), sizeof(T) * P);
      dY = ws.tmp;
      ld_dy = ncols;
    }
    if (direct_pointwise) {
      const T* xb = dw ? at(x, blk.n0, s.C, g * Cg, HW, blk.pix0) : nullptr;  // x is read for dw only
      if (dw && tile_panels)  // the register tiles (uses_pointwise_tiles); dx stays on the BLAS
        pointwise_weight_grad(rows, Og, ncols, xb, HW, dY, ld_dy, tiles_transpose_dw(s), beta != T(0), dwg,
                              tile_panels);
      else if (dw)
        gemm(false, true, Og, rows, ncols, T(1), dY, ld_dy, xb, HW, beta, dwg, rows);
      if (dx)
        gemm(true, false, rows, ncols, Og, T(1), wg, rows, dY, ld_dy, dx_holds_bias ? T(1) : T(0),
             at(dx, blk.n0, s.C, g * Cg, HW, blk.pix0), HW);
    } else {
      if (dw) {  // null: the weight gradient is computed elsewhere (channel-vector path)
        im2col(s, x, g, blk, ws.col);
        gemm(false, true, Og, rows, ncols, T(1), dY, ld_dy, ws.col, ncols, beta, dwg, rows);
      }
      if (dx) {
        if (wt) gemm_direct(rows, ncols, Og, wt + g * rows * Og, Og, dY, ld_dy, ws.dcol, ncols);
        else gemm(true, false, rows, ncols, Og, T(1), wg, rows, dY, ld_dy, T(0), ws.dcol, ncols);
        col2im_add(s, ws.dcol, g, blk, dx);
      }
    }
  }
}

}  // namespace

bool conv2d_output_size(Conv2dShape& s) {
  const index_t rows = s.H + 2 * s.PH, cols = s.W + 2 * s.PW;
  // C++ division truncates toward zero; a negative numerator means an empty output too.
  if (rows - s.DH * (s.KH - 1) - 1 < 0 || cols - s.DW * (s.KW - 1) - 1 < 0) return false;
  // A stride beyond the padded input leaves one output along that axis, which never moves: it is
  // taken as the padded extent, so no buffer or offset is ever sized by a stride like 2^63 - 1.
  s.SH = std::min(s.SH, rows);
  s.SW = std::min(s.SW, cols);
  if (s.KH == 1) s.DH = 1;  // a one-tap axis has no dilation to speak of
  if (s.KW == 1) s.DW = 1;
  s.OH = (rows - s.DH * (s.KH - 1) - 1) / s.SH + 1;
  s.OW = (cols - s.DW * (s.KW - 1) - 1) / s.SW + 1;
  return s.OH > 0 && s.OW > 0;
}

const char* conv_path_name(ConvPath p) {
  switch (p) {
    case ConvPath::kDepthwise: return "depthwise";
    case ConvPath::kSmallForward: return "small_forward";
    case ConvPath::kChannelVector: return "channel_vector";
    case ConvPath::kWinograd: return "winograd";
    case ConvPath::kWinogradShared: return "winograd_shared";
    case ConvPath::kStrided: return "strided";
    case ConvPath::kIm2col: return "im2col";
  }
  return "?";
}

template <typename T>
Conv2dAlgorithms conv2d_algorithms(const Conv2dShape& s, bool input_grad) {
  using P = ConvPath;
  if (uses_depthwise(s)) return {P::kDepthwise, P::kDepthwise, P::kDepthwise};
  Conv2dAlgorithms a{P::kIm2col, P::kIm2col, P::kIm2col};
  const bool strided = uses_strided_direct<T>(s);  // sizes its buffers: asked once
  if (uses_small_forward(s)) a.forward = P::kSmallForward;
  else if (uses_channel_vector_forward<T>(s)) a.forward = P::kChannelVector;
  else if (uses_winograd<T>(s)) a.forward = winograd_shares_tiles(s) ? P::kWinogradShared : P::kWinograd;
  else if (strided) a.forward = P::kStrided;
  // Winograd's backward computes dW and dx in one pass; without its dx, dW falls to the others
  const P winograd = winograd_shares_tiles(s) ? P::kWinogradShared : P::kWinograd;
  if (uses_winograd_weight_grad<T>(s) && (!input_grad || uses_winograd_input_grad<T>(s)))
    a.weight_grad = a.input_grad = winograd;
  else if (uses_channel_vector_weight_grad<T>(s)) a.weight_grad = P::kChannelVector;
  else if (strided) a.weight_grad = a.input_grad = P::kStrided;
  else if (uses_winograd_input_grad<T>(s)) a.input_grad = winograd;  // dx alone; dW by im2col
  return a;
}

namespace {

// Fewer images than threads: each thread takes bands of output rows of an image, its column matrix
// (rows x band, at most this many elements, 512 KiB in float32) still in L2 when its own GEMM
// (gemm_direct) reads it, rather than one shared block whose im2col and BLAS GEMM split over the
// threads. ResNet-18's first conv at batch 1, (1, 3, 224, 224) -> 64 7x7 stride 2, on 2 threads: 2.66
// -> 1.45 ms. Where the GEMM would not be direct (more rows) the bands lost: (1, 64, 56, 56) -> 128
// 3x3 stride 2 (576 rows) 0.68 -> 0.74-0.78 ms.
constexpr index_t kBandElements = 1 << 17;

bool band_parallel(const Conv2dShape& s) {
  const int threads = omp_get_max_threads();
  return threads > 1 && !omp_in_parallel() && s.N < threads && !s.is_pointwise() &&
         s.Cg() * s.taps() <= kMaxDirectChannels && s.out_pixels() >= threads * kMinThreadColumns;
}

std::vector<ColumnBlock> plan_bands(const Conv2dShape& s) {
  const index_t rows = s.Cg() * s.taps();
  const index_t band = std::min(s.OH, std::max<index_t>(1, kBandElements / (rows * s.OW)));
  std::vector<ColumnBlock> blocks;
  for (index_t n = 0; n < s.N; ++n)
    for (index_t oh = 0; oh < s.OH; oh += band) blocks.push_back({n, 1, oh * s.OW, std::min(band, s.OH - oh) * s.OW});
  return blocks;
}

template <typename T>
void im2col_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y) {
  const bool bands = band_parallel(s), per_thread = bands || batch_parallel(s);
  const auto blocks = bands ? plan_bands(s) : plan_blocks(s, per_thread ? 2 * omp_get_max_threads() : 1);
  const index_t max_cols = max_columns(blocks);
  if (!per_thread) {
    const Scratch<T> ws(s, max_cols, false);
    for (const auto& blk : blocks) forward_block(s, x, w, b, y, blk, ws);
    return;
  }
  RegionGuard guard;
#pragma omp parallel
  {
    Scratch<T> ws;
    guard.run([&] { ws = Scratch<T>(s, max_cols, false); });
#pragma omp for schedule(static)
    for (size_t i = 0; i < blocks.size(); ++i)
      if (!guard.failed()) forward_block(s, x, w, b, y, blocks[i], ws);
  }
  guard.rethrow();
}

// dx (when wanted) and dw (when not null) by im2col; db is the caller's. dx starts from dx_bias[c] on
// every plane of channel c where dx_bias is given (the transposed convolution's bias, added in the
// pass that zeroes dx anyway), from zero otherwise.
template <typename T>
void im2col_backward(const Conv2dShape& s, const T* dy, const T* x, const T* w, T* dx, T* dw,
                     const T* dx_bias = nullptr) {
  const index_t HW = s.H * s.W, dw_size = s.O * s.Cg() * s.taps();
  const bool per_thread = batch_parallel(s);
  const auto blocks = plan_blocks(s, per_thread ? 2 * omp_get_max_threads() : 1);
  const index_t max_cols = max_columns(blocks);

  // W^T for the input gradient on the tiles (kMaxDirectWeightBytes), where each block runs on one thread
  std::vector<T> wt;
  const index_t rows = s.Cg() * s.taps(), w_size = s.O * rows;
  if (dx && !s.is_pointwise() && (per_thread || omp_get_max_threads() == 1) &&
      w_size * index_t(sizeof(T)) <= kMaxDirectWeightBytes) {
    wt.resize(w_size);
    for (index_t g = 0; g < s.groups; ++g)
      for (index_t o = 0; o < s.Og(); ++o)
        for (index_t r = 0; r < rows; ++r) wt[(g * rows + r) * s.Og() + o] = w[(g * s.Og() + o) * rows + r];
  }
  const T* w_t = wt.empty() ? nullptr : wt.data();

  const index_t planes = dx ? s.N * s.C : 0;
#pragma omp parallel for schedule(static)
  for (index_t i = 0; i < planes; ++i) std::fill(dx + i * HW, dx + (i + 1) * HW, dx_bias ? dx_bias[i % s.C] : T(0));
  const bool added = dx_bias != nullptr;

  // a 1x1 conv's weight gradient on the register tiles, as dW^T when tiles_transpose_dw
  const bool tiles = dw && uses_pointwise_tiles<T>(s, per_thread), transposed = tiles && tiles_transpose_dw(s);
  const index_t Og = s.Og(), Cg = s.Cg();
  const index_t panel_size = tiles ? packed_size<T>(std::min(kPanelPixels, max_cols), std::min(Og, Cg)) : 0;
  // dw (zeroed) += one thread's sum
  const auto add_weight_grad = [&](const T* part) {
    if (!transposed) {
#pragma omp parallel for schedule(static)
      for (index_t i = 0; i < dw_size; ++i) dw[i] += part[i];
      return;
    }
#pragma omp parallel for collapse(2) schedule(static)
    for (index_t g = 0; g < s.groups; ++g)
      for (index_t o = 0; o < Og; ++o)
        for (index_t c = 0; c < Cg; ++c) dw[(g * Og + o) * Cg + c] += part[(g * Cg + c) * Og + o];
  };

  if (!per_thread) {
    const Scratch<T> ws(s, max_cols, dx != nullptr);
    T* panels = tiles ? workspace<T>(Slot::kFilters, panel_size) : nullptr;
    T* target = transposed ? workspace<T>(Slot::kWeights, dw_size) : dw;
    for (size_t i = 0; i < blocks.size(); ++i)
      backward_block(s, dy, x, w, dx, target, i ? T(1) : T(0), blocks[i], ws, added, panels, w_t);
    if (target != dw) {
      std::fill(dw, dw + dw_size, T(0));
      add_weight_grad(target);
    }
    return;
  }
  // A thread's unit of work: one block, or all the bands of one image when dx is written, since
  // col2im_add of two bands adds into the input rows they share (the kernel's halo) and two
  // threads doing that at once lose updates.
  std::vector<size_t> unit_start;
  for (size_t i = 0; i < blocks.size(); ++i)
    if (i == 0 || !dx || blocks[i].n0 != blocks[i - 1].n0) unit_start.push_back(i);
  unit_start.push_back(blocks.size());
  const index_t units = static_cast<index_t>(unit_start.size()) - 1;
  // Each thread sums the weight gradient of its units privately; the partial sums are then added
  // in thread order. With the static split of units that makes the result reproducible run to run
  // (for a given thread count), as a seeded training run should be.
  const int threads = omp_get_max_threads();
  std::vector<T*> partial(threads, nullptr);
  RegionGuard guard;
#pragma omp parallel num_threads(threads)
  {
    Scratch<T> ws;
    T* dw_part = nullptr;
    T* panels = nullptr;
    guard.run([&] {
      ws = Scratch<T>(s, max_cols, dx != nullptr);
      if (dw) dw_part = workspace<T>(Slot::kWeights, dw_size);
      if (tiles) panels = workspace<T>(Slot::kFilters, panel_size);
    });
    bool first = true;
#pragma omp for schedule(static)
    for (index_t u = 0; u < units; ++u) {
      if (guard.failed()) continue;
      for (size_t i = unit_start[u]; i < unit_start[u + 1]; ++i) {
        backward_block(s, dy, x, w, dx, dw_part, first ? T(0) : T(1), blocks[i], ws, added, panels, w_t);
        first = false;
      }
    }
    if (!first) partial[omp_get_thread_num()] = dw_part;
  }
  guard.rethrow();
  if (!dw) return;
  std::fill(dw, dw + dw_size, T(0));
  for (T* part : partial)
    if (part) add_weight_grad(part);
}

}  // namespace

// The fast paths compute the sums of im2col in another order, and four of them combine values that
// im2col never does. Winograd's transforms mix an inf with its neighbours (inf - inf = NaN where
// the direct sum gives +-inf): it checks its output piece by piece while it is in cache and reports
// whether it is all finite. The direct input gradients of the depthwise and strided paths
// multiply the zero padding of dy by the weights (0 * inf = NaN), which differs from the formula
// exactly when a weight is not finite: the (small) weights are checked instead of dx. The depthwise
// weight gradient multiplies dy's padding by x in the same way: it checks the x values that meet
// the padding (a band along the plane's edges). Where a check fails, im2col computes the result
// again, forming exactly the formula's products (the reference's). The other paths form the
// formula's products (the mutation tests compare every path's NaN and inf positions with the
// reference's).
template <typename T>
void conv2d_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y) {
  if (s.N == 0) return;  // nothing to write (and no plane buffers sized by a huge empty input)
  switch (conv2d_algorithms<T>(s).forward) {
    case ConvPath::kDepthwise: return conv2d_depthwise_forward(s, x, w, b, y);
    case ConvPath::kSmallForward: return conv2d_small_forward(s, x, w, b, y);
    case ConvPath::kChannelVector: return conv2d_channel_vector_forward(s, x, w, b, y);
    case ConvPath::kWinograd:
    case ConvPath::kWinogradShared:
      if (conv2d_winograd_forward(s, x, w, b, y)) return;
      break;
    case ConvPath::kStrided: return conv2d_strided_forward(s, x, w, b, y);
    case ConvPath::kIm2col: break;
  }
  im2col_forward(s, x, w, b, y);
}

template <typename T>
void conv2d_backward(const Conv2dShape& s, const T* dy, const T* x, const T* w, T* dx, T* dw, T* db) {
  if (s.N == 0) {  // an empty batch: no block of work writes the (zero) weight and bias gradients
    std::fill(dw, dw + s.O * s.Cg() * s.taps(), T(0));
    if (db) std::fill(db, db + s.O, T(0));
    return;
  }
  const Conv2dAlgorithms algorithms = conv2d_algorithms<T>(s, dx != nullptr);
  const ConvPath weight_grad = algorithms.weight_grad;
  // read only by the two direct input gradients (below); a few hundred weights, scanned once
  const auto finite_w = [&] { return all_finite(w, s.O * s.Cg() * s.taps()); };
  const index_t P = s.out_pixels();
  if (db) {
#pragma omp parallel for schedule(static)
    for (index_t o = 0; o < s.O; ++o) {
      T acc = T(0);
      for (index_t n = 0; n < s.N; ++n) {
        const T* p = at(dy, n, s.O, o, P, 0);
#pragma omp simd reduction(+ : acc)
        for (index_t j = 0; j < P; ++j) acc += p[j];
      }
      db[o] = acc;
    }
  }
  if (weight_grad == ConvPath::kDepthwise) {
    const bool direct_dx = !dx || finite_w();
    const bool direct_dw = conv2d_depthwise_backward(s, dy, x, w, direct_dx ? dx : nullptr, dw);
    if (!direct_dx || !direct_dw)
      im2col_backward(s, dy, x, w, direct_dx ? nullptr : dx, direct_dw ? nullptr : dw);
    return;
  }
  switch (weight_grad) {
    case ConvPath::kWinograd:
    case ConvPath::kWinogradShared:
      if (!conv2d_winograd_backward(s, dy, x, w, dx, dw)) im2col_backward(s, dy, x, w, dx, dw);
      return;
    case ConvPath::kStrided: {  // its dw forms the formula's products
      const bool direct_dx = !dx || finite_w();
      conv2d_strided_backward(s, dy, x, w, direct_dx ? dx : nullptr, dw);
      if (!direct_dx) im2col_backward(s, dy, x, w, dx, static_cast<T*>(nullptr));
      return;
    }
    case ConvPath::kChannelVector:  // few filters: dW directly, dx (if wanted) by im2col
      conv2d_channel_vector_weight_grad(s, dy, x, dw);
      if (dx) im2col_backward(s, dy, x, w, dx, static_cast<T*>(nullptr));
      return;
    default:
      if (dx && (algorithms.input_grad == ConvPath::kWinograd || algorithms.input_grad == ConvPath::kWinogradShared)) {
        im2col_backward(s, dy, x, w, static_cast<T*>(nullptr), dw);
        if (!conv2d_winograd_backward(s, dy, x, w, dx, static_cast<T*>(nullptr)))
          im2col_backward(s, dy, x, w, dx, static_cast<T*>(nullptr));
        return;
      }
      return im2col_backward(s, dy, x, w, dx, dw);
  }
}

template <typename T>
void conv2d_input_grad(const Conv2dShape& s, const T* dy, const T* w, T* dx, const T* dx_bias) {
  if (s.N == 0) return;
  im2col_backward(s, dy, static_cast<const T*>(nullptr), w, dx, static_cast<T*>(nullptr), dx_bias);
}

#define I2DL_CONV2D_INSTANTIATE(T) \
  template Conv2dAlgorithms conv2d_algorithms<T>(const Conv2dShape&, bool); \
  template void conv2d_forward<T>(const Conv2dShape&, const T*, const T*, const T*, T*); \
  template void conv2d_backward<T>(const Conv2dShape&, const T*, const T*, const T*, T*, T*, T*);           \
  template void conv2d_input_grad<T>(const Conv2dShape&, const T*, const T*, T*, const T*);
I2DL_FOR_FLOATS(I2DL_CONV2D_INSTANTIATE)
#undef I2DL_CONV2D_INSTANTIATE

}  // namespace i2dl
