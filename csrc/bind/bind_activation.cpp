// _C.relu_forward / _C.relu_backward: outputs passed in, any rank, shapes must match.
#include "checks.h"
#include "family.h"
#include "i2dl/activation.h"

namespace i2dl::bind {

static std::vector<py::ssize_t> shape_of(const py::array& a) {
  return std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim());
}

static void relu_forward(py::handle x_, py::handle y_) {
  const char* fn = "relu_forward";
  py::array x = require_float(x_, fn, "x", -1);
  py::array y = require_float(y_, fn, "y", -1, &x, "x", true);
  require_shape(y, fn, "y", shape_of(x));
  with_float_type(x, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = ptr<T>(x);
    T* yp = mut_ptr<T>(y);
    ComputeScope scope;
    i2dl::relu_forward<T>(x.size(), xp, yp);
  });
}

static void relu_backward(py::handle dy_, py::handle y_, py::handle dx_) {
  const char* fn = "relu_backward";
  py::array y = require_float(y_, fn, "y", -1);
  py::array dy = require_float(dy_, fn, "dy", -1, &y, "y");
  require_shape(dy, fn, "dy", shape_of(y));
  py::array dx = require_float(dx_, fn, "dx", -1, &y, "y", true);
  require_shape(dx, fn, "dx", shape_of(y));
  with_float_type(y, [&](auto zero) {
    using T = decltype(zero);
    const T *dyp = ptr<T>(dy), *yp = ptr<T>(y);
    T* dxp = mut_ptr<T>(dx);
    ComputeScope scope;
    i2dl::relu_backward<T>(y.size(), dyp, yp, dxp);
  });
}

I2DL_BIND_FAMILY(activation) {
  m.def("relu_forward", &relu_forward, py::arg("x"), py::arg("y"));
  m.def("relu_backward", &relu_backward, py::arg("dy"), py::arg("y"), py::arg("dx"));
}

}  // namespace i2dl::bind
