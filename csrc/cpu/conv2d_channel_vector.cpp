// See conv2d_channel_vector.h. One task per (image, output row); the thread keeps the image's
// zero-padded channels while consecutive tasks share it.
#include "i2dl/parallel.h"
#include "i2dl/conv2d_channel_vector.h"
#include "i2dl/lanes.h"
#include "i2dl/padded_plane.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "i2dl/workspace.h"

namespace i2dl {

namespace {

constexpr index_t kPixels = 8;           // output pixels accumulated together (8 vector registers)
constexpr index_t kMaxWeightRows = 1024;  // C*KH*KW: the transposed filters stay in L1/L2

struct Padded {
  index_t rows, cols;
  explicit Padded(const Conv2dShape& s)
      : rows(std::max(s.H + 2 * s.PH, (s.OH - 1) * s.SH + (s.KH - 1) * s.DH + 1)),
        cols(std::max(s.W + 2 * s.PW,
                      ((s.OW + kPixels - 1) / kPixels * kPixels - 1) * s.SW + (s.KW - 1) * s.DW + 1)) {}
};

// All C channels of one image, each zero-padded into its (rows x cols) plane of buf.
template <typename T>
void place_image(const Conv2dShape& s, const Padded& pad, const T* x, T* buf) {
  for (index_t c = 0; c < s.C; ++c)
    place_padded(x + c * s.H * s.W, s.H, s.W, s.PH, s.PW, pad.rows, pad.cols, buf + c * pad.rows * pad.cols);
}

// One output row of one image: all O filters, kPixels outputs at a time.
template <typename T>
I2DL_INLINE void output_row_impl(const Conv2dShape& s, index_t rows, index_t cols, const T* __restrict__ buf,
                                 const T* __restrict__ wt, const T* __restrict__ bias, index_t oh,
                                 T* __restrict__ y_row, index_t plane) {
  using V = typename Lanes<T>::type;
  constexpr index_t L = lanes<T>();
  V b;
  std::memcpy(&b, bias, sizeof(V));
  const index_t SW = s.SW;
  for (index_t ow0 = 0; ow0 < s.OW; ow0 += kPixels) {
    V a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b, wv;
    const T* wp = wt;
    for (index_t c = 0; c < s.C; ++c) {
      for (index_t kh = 0; kh < s.KH; ++kh) {
        const T* xr = buf + (c * rows + oh * s.SH + kh * s.DH) * cols + ow0 * SW;
        for (index_t kw = 0; kw < s.KW; ++kw, wp += L) {
          std::memcpy(&wv, wp, sizeof(V));
          const T* xp = xr + kw * s.DW;
          a0 += xp[0] * wv;
          a1 += xp[SW] * wv;
          a2 += xp[2 * SW] * wv;
          a3 += xp[3 * SW] * wv;
          a4 += xp[4 * SW] * wv;
          a5 += xp[5 * SW] * wv;
          a6 += xp[6 * SW] * wv;
          a7 += xp[7 * SW] * wv;
        }
      }
    }
    // lanes are output channels: store transposed into the O output planes
    T out[kPixels][L];
    std::memcpy(out[0], &a0, sizeof(V));
    std::memcpy(out[1], &a1, sizeof(V));
    std::memcpy(out[2], &a2, sizeof(V));
    std::memcpy(out[3], &a3, sizeof(V));
    std::memcpy(out[4], &a4, sizeof(V));
    std::memcpy(out[5], &a5, sizeof(V));
    std::memcpy(out[6], &a6, sizeof(V));
    std::memcpy(out[7], &a7, sizeof(V));
    const index_t count = std::min(kPixels, s.OW - ow0);
    for (index_t o = 0; o < s.O; ++o)
      for (index_t j = 0; j < count; ++j) y_row[o * plane + ow0 + j] = out[j][o];
  }
}

// Eight taps (offsets off[j] into a padded image) of the weight gradient, summed over every
// output pixel of every image.
template <typename T>
I2DL_INLINE void weight_grad_taps_impl(const Conv2dShape& s, index_t image_size, index_t cols,
                                       const T* __restrict__ xpad, const T* __restrict__ dyt, const index_t* off,
                                       T* __restrict__ out) {
  using V = typename Lanes<T>::type;
  constexpr index_t L = lanes<T>();
  const index_t o0 = off[0], o1 = off[1], o2 = off[2], o3 = off[3], o4 = off[4], o5 = off[5], o6 = off[6],
                o7 = off[7];
  V a0 = V{}, a1 = V{}, a2 = V{}, a3 = V{}, a4 = V{}, a5 = V{}, a6 = V{}, a7 = V{}, g;
  for (index_t n = 0; n < s.N; ++n) {
    const T* xb = xpad + n * image_size;
    const T* gb = dyt + n * s.OH * s.OW * L;
    for (index_t oh = 0; oh < s.OH; ++oh) {
      for (index_t ow = 0; ow < s.OW; ++ow, gb += L) {
        std::memcpy(&g, gb, sizeof(V));
        const T* xp = xb + oh * s.SH * cols + ow * s.SW;
        a0 += xp[o0] * g;
        a1 += xp[o1] * g;
        a2 += xp[o2] * g;
        a3 += xp[o3] * g;
        a4 += xp[o4] * g;
        a5 += xp[o5] * g;
        a6 += xp[o6] * g;
        a7 += xp[o7] * g;
      }
    }
  }
  std::memcpy(out + 0 * L, &a0, sizeof(V));
  std::memcpy(out + 1 * L, &a1, sizeof(V));
  std::memcpy(out + 2 * L, &a2, sizeof(V));
  std::memcpy(out + 3 * L, &a3, sizeof(V));
  std::memcpy(out + 4 * L, &a4, sizeof(V));
  std::memcpy(out + 5 * L, &a5, sizeof(V));
  std::memcpy(out + 6 * L, &a6, sizeof(V));
  std::memcpy(out + 7 * L, &a7, sizeof(V));
}

#define I2DL_CV_CLONES(T)                                                                                        \
  I2DL_CLONES void weight_grad_taps(const Conv2dShape& s, index_t image_size, index_t cols, const T* xpad,       \
                                    const T* dyt, const index_t* off, T* out) {                                  \
    weight_grad_taps_impl(s, image_size, cols, xpad, dyt, off, out);                                             \
  }                                                                                                              \
  I2DL_CLONES void output_row(const Conv2dShape& s, index_t rows, index_t cols, const T* buf, const T* wt,       \
                              const T* bias, index_t oh, T* y_row, index_t plane) {                             \
    output_row_impl(s, rows, cols, buf, wt, bias, oh, y_row, plane);                                             \
  }
I2DL_FOR_FLOATS(I2DL_CV_CLONES)
#undef I2DL_CV_CLONES

}  // namespace

template <typename T>
bool uses_channel_vector_forward(const Conv2dShape& s) {
  constexpr index_t L = lanes<T>();
  return s.groups == 1 && s.O <= L && s.C * s.KH * s.KW <= kMaxWeightRows && !s.is_pointwise();
}

template <typename T>
void conv2d_channel_vector_forward(const Conv2dShape& s, const T* x, const T* w, const T* b, T* y) {
  constexpr index_t L = lanes<T>();
  const index_t taps = s.C * s.KH * s.KW, plane = s.OH * s.OW;
  std::vector<T> wt(taps * L, T(0)), bias(L, T(0));  // wt[(c, kh, kw)][o], zero lanes beyond O
  for (index_t o = 0; o < s.O; ++o) {
    for (index_t r = 0; r < taps; ++r) wt[r * L + o] = w[o * taps + r];
    if (b) bias[o] = b[o];
  }
  const Padded pad(s);
  RegionGuard guard;
#pragma omp parallel
  {
    std::vector<T> buf;
    guard.run([&] { buf.resize(s.C * pad.rows * pad.cols); });
    index_t cached = -1;
#pragma omp for collapse(2) schedule(static)
    for (index_t n = 0; n < s.N; ++n) {
      for (index_t oh = 0; oh < s.OH; ++oh) {
        if (guard.failed()) continue;
        if (n != cached) {
          place_image(s, pad, x + n * s.C * s.H * s.W, buf.data());
          cached = n;
        }
        output_row(s, pad.rows, pad.cols, buf.data(), wt.data(), bias.data(), oh, y + (n * s.O * s.OH + oh) * s.OW,
                   plane);
      }
    }
  }
  guard.rethrow();
}

constexpr index_t kMaxBufferElements = 1 << 22;  // the padded batch and the transposed dy

template <typename T>
bool uses_channel_vector_weight_grad(const Conv2dShape& s) {
  constexpr index_t L = lanes<T>();
  const Padded pad(s);
  return uses_channel_vector_forward<T>(s) && s.N * s.C * pad.rows * pad.cols <= kMaxBufferElements &&
         s.N * s.OH * s.OW * L <= kMaxBufferElements;
}

template <typename T>
void conv2d_channel_vector_weight_grad(const Conv2dShape& s, const T* dy, const T* x, T* dw) {
  constexpr index_t L = lanes<T>();
  const index_t taps = s.C * s.KH * s.KW, P = s.OH * s.OW;
  const Padded pad(s);
  const index_t image_size = s.C * pad.rows * pad.cols;
  // reused across calls (the calling thread's workspace): no page faults on fresh buffers
  T* xpad = workspace<T>(Slot::kColumns, s.N * image_size);
  T* dyt = workspace<T>(Slot::kColumnGrad, s.N * P * L);
  const index_t groups = (taps + kPixels - 1) / kPixels;
#pragma omp parallel
  {
#pragma omp for schedule(static)
    for (index_t n = 0; n < s.N; ++n) {
      place_image(s, pad, x + n * s.C * s.H * s.W, xpad + n * image_size);
      T* t = dyt + n * P * L;
      std::memset(t, 0, sizeof(T) * P * L);
      for (index_t o = 0; o < s.O; ++o)
        for (index_t p = 0; p < P; ++p) t[p * L + o] = dy[(n * s.O + o) * P + p];
    }
#pragma omp for schedule(static)
    for (index_t gi = 0; gi < groups; ++gi) {
      index_t off[kPixels];
      for (index_t j = 0; j < kPixels; ++j) {
        const index_t r = std::min(gi * kPixels + j, taps - 1);  // a short last group repeats a tap
        const index_t c = r / (s.KH * s.KW), kh = (r / s.KW) % s.KH, kw = r % s.KW;
        off[j] = (c * pad.rows + kh * s.DH) * pad.cols + kw * s.DW;
      }
      T out[kPixels * L];
      weight_grad_taps(s, image_size, pad.cols, xpad, dyt, off, out);
      for (index_t j = 0; j < kPixels && gi * kPixels + j < taps; ++j)
        for (index_t o = 0; o < s.O; ++o) dw[o * taps + gi * kPixels + j] = out[j * L + o];
    }
  }
}

#define I2DL_CONV2D_CHANNEL_VECTOR_INSTANTIATE(T) \
  template bool uses_channel_vector_forward<T>(const Conv2dShape&); \
  template bool uses_channel_vector_weight_grad<T>(const Conv2dShape&); \
  template void conv2d_channel_vector_weight_grad<T>(const Conv2dShape&, const T*, const T*, T*); \
  template void conv2d_channel_vector_forward<T>(const Conv2dShape&, const T*, const T*, const T*, T*);
I2DL_FOR_FLOATS(I2DL_CONV2D_CHANNEL_VECTOR_INSTANTIATE)
#undef I2DL_CONV2D_CHANNEL_VECTOR_INSTANTIATE

}  // namespace i2dl
