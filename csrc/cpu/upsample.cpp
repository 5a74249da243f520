#include "i2dl/upsample.h"

#include <algorithm>
#include <vector>

#include "i2dl/parallel.h"

namespace i2dl {
namespace {

// Both passes run per plane in two separable steps through a scratch of (H, OW): along the width,
// then along the height. Each output's sum then forms w_a (w_b x) instead of (w_a w_b) x: the same
// factors, so a NaN or inf meets the same zero weights and lands where the reference puts it, and
// the height step is a plain multiply-add over whole rows (vectorised), where the direct
// four-tap gather per output was scalar (measured 1.2 GB/s forward+backward, torch 2x that).

// tmp[ih, ow] = sum_b w_weight[ow, b] x[ih, w_index[ow, b]]
template <typename T>
I2DL_CLONES void widen(const UpsampleTaps<T>& t, const T* plane, T* tmp) {
  for (index_t ih = 0; ih < t.H; ++ih) {
    const T* row = plane + ih * t.W;
    T* out = tmp + ih * t.OW;
    if (t.taps_w == 1) {
      for (index_t ow = 0; ow < t.OW; ++ow) out[ow] = t.w_weight[ow] * row[t.w_index[ow]];
    } else {
      for (index_t ow = 0; ow < t.OW; ++ow) {
        T acc = T(0);
        for (index_t b = 0; b < t.taps_w; ++b) acc += t.w_weight[ow * t.taps_w + b] * row[t.w_index[ow * t.taps_w + b]];
        out[ow] = acc;
      }
    }
  }
}

// y[oh, :] = sum_a h_weight[oh, a] tmp[h_index[oh, a], :]
template <typename T>
I2DL_CLONES void heighten(const UpsampleTaps<T>& t, const T* tmp, T* y) {
  for (index_t oh = 0; oh < t.OH; ++oh) {
    T* out = y + oh * t.OW;
    const T w0 = t.h_weight[oh * t.taps_h];
    const T* r0 = tmp + t.h_index[oh * t.taps_h] * t.OW;
    for (index_t ow = 0; ow < t.OW; ++ow) out[ow] = T(0) + w0 * r0[ow];
    for (index_t a = 1; a < t.taps_h; ++a) {
      const T wa = t.h_weight[oh * t.taps_h + a];
      const T* ra = tmp + t.h_index[oh * t.taps_h + a] * t.OW;
      for (index_t ow = 0; ow < t.OW; ++ow) out[ow] += wa * ra[ow];
    }
  }
}

// The adjoint of heighten: tmp[h_index[oh, a], :] += h_weight[oh, a] dy[oh, :], rows in increasing oh.
template <typename T>
I2DL_CLONES void heighten_adjoint(const UpsampleTaps<T>& t, const T* dy, T* tmp) {
  std::fill(tmp, tmp + t.H * t.OW, T(0));
  for (index_t oh = 0; oh < t.OH; ++oh) {
    const T* g = dy + oh * t.OW;
    for (index_t a = 0; a < t.taps_h; ++a) {
      const T wa = t.h_weight[oh * t.taps_h + a];
      T* r = tmp + t.h_index[oh * t.taps_h + a] * t.OW;
      for (index_t ow = 0; ow < t.OW; ++ow) r[ow] += wa * g[ow];
    }
  }
}

// The adjoint of widen: dx[ih, w_index[ow, b]] += w_weight[ow, b] tmp[ih, ow], columns in increasing ow.
template <typename T>
I2DL_CLONES void widen_adjoint(const UpsampleTaps<T>& t, const T* tmp, T* dx) {
  for (index_t ih = 0; ih < t.H; ++ih) {
    const T* r = tmp + ih * t.OW;
    T* out = dx + ih * t.W;
    std::fill(out, out + t.W, T(0));
    for (index_t ow = 0; ow < t.OW; ++ow)
      for (index_t b = 0; b < t.taps_w; ++b) out[t.w_index[ow * t.taps_w + b]] += t.w_weight[ow * t.taps_w + b] * r[ow];
  }
}

template <typename T, typename F>
void per_plane(const UpsampleTaps<T>& t, index_t work, F&& f) {
  RegionGuard guard;
#pragma omp parallel if (work >= kParallelFrom)
  {
    std::vector<T> tmp;
    guard.run([&] { tmp.resize(static_cast<size_t>(t.H * t.OW)); });
#pragma omp for schedule(static)
    for (index_t p = 0; p < t.planes; ++p)
      if (!guard.failed()) f(p, tmp.data());
  }
  guard.rethrow();
}

}  // namespace

template <typename T>
void upsample2d_forward(const UpsampleTaps<T>& t, const T* x, T* y) {
  per_plane(t, t.planes * t.OH * t.OW, [&](index_t p, T* tmp) {
    widen(t, x + p * t.H * t.W, tmp);
    heighten(t, tmp, y + p * t.OH * t.OW);
  });
}

template <typename T>
void upsample2d_backward(const UpsampleTaps<T>& t, const T* dy, T* dx) {
  per_plane(t, t.planes * t.OH * t.OW, [&](index_t p, T* tmp) {
    heighten_adjoint(t, dy + p * t.OH * t.OW, tmp);
    widen_adjoint(t, tmp, dx + p * t.H * t.W);
  });
}

#define I2DL_UPSAMPLE_INSTANTIATE(T)                                                    \
  template void upsample2d_forward<T>(const UpsampleTaps<T>&, const T*, T*);            \
  template void upsample2d_backward<T>(const UpsampleTaps<T>&, const T*, T*);
I2DL_FOR_FLOATS(I2DL_UPSAMPLE_INSTANTIATE)

}  // namespace i2dl
