// _C.affine_warp2d_forward / _C.affine_warp2d_backward: outputs passed in; every array's dtype, rank
// and shape checked against x (or dy) before a pointer is taken (the taps clamp every index into the
// image, so no theta can address memory outside it).
#include <cstdint>

#include "checks.h"
#include "family.h"
#include "i2dl/warp.h"

namespace i2dl::bind {
namespace {

void affine_warp2d_forward(py::handle x_, py::handle theta_, double fill, py::handle y_) {
  const char* fn = "affine_warp2d_forward";
  py::array x = require_float(x_, fn, "x", 4);
  py::array theta = require_float(theta_, fn, "theta", 3, &x, "x");
  require_shape(theta, fn, "theta", {x.shape(0), 2, 3});
  py::array y = require_float(y_, fn, "y", 4, &x, "x", true);
  require_shape(y, fn, "y", {x.shape(0), x.shape(1), x.shape(2), x.shape(3)});
  with_float_type(x, [&](auto zero) {
    using T = decltype(zero);
    const T *xp = ptr<T>(x), *tp = ptr<T>(theta);
    T* yp = mut_ptr<T>(y);
    ComputeScope scope;
    i2dl::affine_warp2d_forward<T>(x.shape(0), x.shape(1), x.shape(2), x.shape(3), xp, tp, fill, yp);
  });
}

void affine_warp2d_backward(py::handle dy_, py::handle theta_, py::handle dx_) {
  const char* fn = "affine_warp2d_backward";
  py::array dy = require_float(dy_, fn, "dy", 4);
  py::array theta = require_float(theta_, fn, "theta", 3, &dy, "dy");
  require_shape(theta, fn, "theta", {dy.shape(0), 2, 3});
  py::array dx = require_float(dx_, fn, "dx", 4, &dy, "dy", true);
  require_shape(dx, fn, "dx", {dy.shape(0), dy.shape(1), dy.shape(2), dy.shape(3)});
  with_float_type(dy, [&](auto zero) {
    using T = decltype(zero);
    const T *gp = ptr<T>(dy), *tp = ptr<T>(theta);
    T* out = mut_ptr<T>(dx);
    ComputeScope scope;
    i2dl::affine_warp2d_backward<T>(dy.shape(0), dy.shape(1), dy.shape(2), dy.shape(3), gp, tp, out);
  });
}

}  // namespace

I2DL_BIND_FAMILY(warp) {
  m.def("affine_warp2d_forward", &affine_warp2d_forward, py::arg("x"), py::arg("theta"), py::arg("fill"), py::arg("y"));
  m.def("affine_warp2d_backward", &affine_warp2d_backward, py::arg("dy"), py::arg("theta"), py::arg("dx"));
}

}  // namespace i2dl::bind
