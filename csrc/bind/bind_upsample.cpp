// _C.upsample2d_*: every argument by keyword, as the generated adapter passes them (the taps come from
// i2dl/kernels/checks/upsample.py). Each array is checked against the sizes, and every tap index
// against its axis, before a pointer is taken.
#include <type_traits>

#include "checks.h"
#include "family.h"
#include "i2dl/upsample.h"

namespace i2dl::bind {
namespace {

const index_t* taps_index(py::handle h, const char* fn, const char* name, int64_t count, int64_t bound) {
  py::array a = require_ndarray(h, fn, name);
  require_index_array(a, fn, name, false);
  require_count(a, fn, name, count);
  const index_t* p = static_cast<const index_t*>(a.data());
  for (int64_t i = 0; i < count; ++i)
    if (p[i] < 0 || p[i] >= bound)
      throw py::value_error(std::string(fn) + ": argument '" + name + "' holds " + std::to_string(p[i]) +
                            ", outside [0, " + std::to_string(bound) + ")");
  return p;
}

template <typename F>
void with_taps(const char* fn, py::handle first, const char* first_name, int64_t first_count, py::handle h_index,
               py::handle h_weight, py::handle w_index, py::handle w_weight, int64_t planes, int64_t H, int64_t W,
               int64_t OH, int64_t OW, int64_t taps_h, int64_t taps_w, F&& f) {
  Arrays a{fn, require_float_count(first, fn, first_name, first_count)};
  const int64_t nh = count_of(fn, "OH, taps_h", {OH, taps_h}), nw = count_of(fn, "OW, taps_w", {OW, taps_w});
  auto hw = a.get(h_weight, "h_weight", nh), ww = a.get(w_weight, "w_weight", nw);
  if (!hw || !ww) throw py::value_error(std::string(fn) + ": arguments 'h_weight' and 'w_weight' are required");
  const index_t* hi = taps_index(h_index, fn, "h_index", nh, H);
  const index_t* wi = taps_index(w_index, fn, "w_index", nw, W);
  with_float_type(a.x, [&](auto zero) {
    using T = decltype(zero);
    UpsampleTaps<T> t{planes, H, W, OH, OW, taps_h, taps_w, hi, wi, cptr<T>(hw), cptr<T>(ww)};
    f(t, a);
  });
}

}  // namespace

I2DL_BIND_FAMILY(upsample) {
  m.def("upsample2d_forward",
        [](py::handle x, py::handle h_index, py::handle h_weight, py::handle w_index, py::handle w_weight, py::handle y_,
           int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW, int64_t taps_h, int64_t taps_w) {
          const char* fn = "upsample2d_forward";
          with_taps(fn, x, "x", count_of(fn, "planes, H, W", {planes, H, W}), h_index, h_weight, w_index, w_weight, planes, H, W, OH, OW, taps_h,
                    taps_w, [&](auto& t, const Arrays& a) {
                      using T = std::remove_cv_t<std::remove_pointer_t<decltype(t.h_weight)>>;
                      auto y = a.get(y_, "y", count_of(fn, "planes, OH, OW", {planes, OH, OW}), true);
                      if (!y) throw py::value_error(std::string(fn) + ": argument 'y' is required");
                      const T* xp = ptr<T>(a.x);
                      T* yp = mptr<T>(y);
                      ComputeScope scope;
                      i2dl::upsample2d_forward<T>(t, xp, yp);
                    });
        },
        py::kw_only(), py::arg("x"), py::arg("h_index"), py::arg("h_weight"), py::arg("w_index"), py::arg("w_weight"),
        py::arg("y"), py::arg("planes"), py::arg("H"), py::arg("W"), py::arg("OH"), py::arg("OW"), py::arg("taps_h"),
        py::arg("taps_w"));
  m.def("upsample2d_backward",
        [](py::handle dy, py::handle h_index, py::handle h_weight, py::handle w_index, py::handle w_weight,
           py::handle dx_, int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW, int64_t taps_h,
           int64_t taps_w) {
          const char* fn = "upsample2d_backward";
          with_taps(fn, dy, "dy", count_of(fn, "planes, OH, OW", {planes, OH, OW}), h_index, h_weight, w_index, w_weight, planes, H, W, OH, OW,
                    taps_h, taps_w, [&](auto& t, const Arrays& a) {
                      using T = std::remove_cv_t<std::remove_pointer_t<decltype(t.h_weight)>>;
                      auto dx = a.get(dx_, "dx", count_of(fn, "planes, H, W", {planes, H, W}), true);
                      if (!dx) throw py::value_error(std::string(fn) + ": argument 'dx' is required");
                      const T* dyp = ptr<T>(a.x);
                      T* dxp = mptr<T>(dx);
                      ComputeScope scope;
                      i2dl::upsample2d_backward<T>(t, dyp, dxp);
                    });
        },
        py::kw_only(), py::arg("dy"), py::arg("h_index"), py::arg("h_weight"), py::arg("w_index"), py::arg("w_weight"),
        py::arg("dx"), py::arg("planes"), py::arg("H"), py::arg("W"), py::arg("OH"), py::arg("OW"), py::arg("taps_h"),
        py::arg("taps_w"));
}

}  // namespace i2dl::bind
