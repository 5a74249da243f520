// _C.relu_forward / _C.relu_backward: outputs passed in, every argument by keyword, n elements each.
#include "checks.h"
#include "family.h"
#include "i2dl/activation.h"

namespace i2dl::bind {

static void relu_forward(py::handle x_, py::handle y_, int64_t n) {
  const char* fn = "relu_forward";
  py::array x = require_float_count(x_, fn, "x", n);
  py::array y = require_float_count(y_, fn, "y", n, &x, "x", true);
  with_float_type(x, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = ptr<T>(x);
    T* yp = mut_ptr<T>(y);
    ComputeScope scope;
    i2dl::relu_forward<T>(n, xp, yp);
  });
}

static void relu_backward(py::handle dy_, py::handle y_, py::handle dx_, int64_t n) {
  const char* fn = "relu_backward";
  py::array y = require_float_count(y_, fn, "y", n);
  py::array dy = require_float_count(dy_, fn, "dy", n, &y, "y");
  py::array dx = require_float_count(dx_, fn, "dx", n, &y, "y", true);
  with_float_type(y, [&](auto zero) {
    using T = decltype(zero);
    const T *dyp = ptr<T>(dy), *yp = ptr<T>(y);
    T* dxp = mut_ptr<T>(dx);
    ComputeScope scope;
    i2dl::relu_backward<T>(n, dyp, yp, dxp);
  });
}

I2DL_BIND_FAMILY(activation) {
  m.def("relu_forward", &relu_forward, py::kw_only(), py::arg("x"), py::arg("y"), py::arg("n"));
  m.def("relu_backward", &relu_backward, py::kw_only(), py::arg("dy"), py::arg("y"), py::arg("dx"), py::arg("n"));
}

}  // namespace i2dl::bind
