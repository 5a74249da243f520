// _C.conv2d_forward / _C.conv2d_backward: outputs are passed in (allocated by i2dl.kernels.cpu).
#include <pybind11/stl.h>

#include "checks.h"
#include "family.h"
#include "i2dl/conv2d.h"

namespace i2dl::bind {

static Conv2dShape conv_shape(const char* fn, const py::array& x, const py::array& w, const std::vector<int64_t>& stride,
                              const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups) {
  Conv2dShape s{};
  s.N = x.shape(0); s.C = x.shape(1); s.H = x.shape(2); s.W = x.shape(3);
  s.O = w.shape(0); s.KH = w.shape(2); s.KW = w.shape(3);
  std::tie(s.SH, s.SW) = require_pair(stride, fn, "stride", 1);
  std::tie(s.PH, s.PW) = require_pair(padding, fn, "padding", 0);
  std::tie(s.DH, s.DW) = require_pair(dilation, fn, "dilation", 1);
  s.groups = groups;
  if (groups < 1) throw py::value_error(std::string(fn) + ": argument 'groups' must be >= 1, got " + std::to_string(groups));
  if (s.C % groups != 0)
    throw py::value_error(std::string(fn) + ": argument 'groups' (" + std::to_string(groups) +
                          ") must divide the input channels of 'x' (" + std::to_string(s.C) + ")");
  if (s.O % groups != 0)
    throw py::value_error(std::string(fn) + ": argument 'groups' (" + std::to_string(groups) +
                          ") must divide the output channels of 'w' (" + std::to_string(s.O) + ")");
  if (w.shape(1) != s.C / groups)
    throw py::value_error(std::string(fn) + ": argument 'w' must have C_in/groups = " + std::to_string(s.C / groups) +
                          " input channels (dim 1), got shape " + shape_str(w));
  if (s.KH < 1 || s.KW < 1) throw py::value_error(std::string(fn) + ": argument 'w' must have a non-empty kernel, got shape " + shape_str(w));
  require_padded_fits(fn, s.N, s.C, s.H, s.W, s.PH, s.PW);
  int64_t eh, ew;
  const bool huge = __builtin_mul_overflow(s.DH, s.KH - 1, &eh) || __builtin_mul_overflow(s.DW, s.KW - 1, &ew);
  if (huge || !conv2d_output_size(s))
    throw py::value_error(std::string(fn) + ": the output would be empty: argument 'x' " + shape_str(x) + " padded by (" +
                          std::to_string(s.PH) + ", " + std::to_string(s.PW) + ") is smaller than the dilated kernel (" +
                          (huge ? std::string("> 2**63") : std::to_string(eh + 1) + ", " + std::to_string(ew + 1)) +
                          ") of argument 'w'");
  return s;
}

static void conv2d_forward(py::handle x_, py::handle w_, py::handle b_, py::handle y_, std::vector<int64_t> stride,
                           std::vector<int64_t> padding, std::vector<int64_t> dilation, int64_t groups) {
  const char* fn = "conv2d_forward";
  py::array x = require_float(x_, fn, "x", 4);
  py::array w = require_float(w_, fn, "w", 4, &x, "x");
  const Conv2dShape s = conv_shape(fn, x, w, stride, padding, dilation, groups);
  py::array b;
  if (!b_.is_none()) {
    b = require_float(b_, fn, "b", 1, &x, "x");
    require_shape(b, fn, "b", {s.O});
  }
  py::array y = require_float(y_, fn, "y", 4, &x, "x", true);
  require_shape(y, fn, "y", {s.N, s.O, s.OH, s.OW});
  const bool has_b = !b_.is_none();
  with_float_type(x, [&](auto zero) {
    using T = decltype(zero);
    const T *xp = ptr<T>(x), *wp = ptr<T>(w), *bp = has_b ? ptr<T>(b) : nullptr;
    T* yp = mut_ptr<T>(y);
    ComputeScope scope;
    i2dl::conv2d_forward(s, xp, wp, bp, yp);
  });
}

static void conv2d_backward(py::handle dy_, py::handle x_, py::handle w_, py::handle dx_, py::handle dw_, py::handle db_,
                            std::vector<int64_t> stride, std::vector<int64_t> padding, std::vector<int64_t> dilation,
                            int64_t groups) {
  const char* fn = "conv2d_backward";
  py::array x = require_float(x_, fn, "x", 4);
  py::array w = require_float(w_, fn, "w", 4, &x, "x");
  const Conv2dShape s = conv_shape(fn, x, w, stride, padding, dilation, groups);
  py::array dy = require_float(dy_, fn, "dy", 4, &x, "x");
  require_shape(dy, fn, "dy", {s.N, s.O, s.OH, s.OW});
  const bool has_dx = !dx_.is_none();  // None: the input needs no gradient
  py::array dx;
  if (has_dx) {
    dx = require_float(dx_, fn, "dx", 4, &x, "x", true);
    require_shape(dx, fn, "dx", {s.N, s.C, s.H, s.W});
  }
  py::array dw = require_float(dw_, fn, "dw", 4, &x, "x", true);
  require_shape(dw, fn, "dw", {s.O, s.C / s.groups, s.KH, s.KW});
  py::array db;
  const bool has_b = !db_.is_none();
  if (has_b) {
    db = require_float(db_, fn, "db", 1, &x, "x", true);
    require_shape(db, fn, "db", {s.O});
  }
  with_float_type(x, [&](auto zero) {
    using T = decltype(zero);
    const T *dyp = ptr<T>(dy), *xp = ptr<T>(x), *wp = ptr<T>(w);
    T *dxp = has_dx ? mut_ptr<T>(dx) : nullptr, *dwp = mut_ptr<T>(dw), *dbp = has_b ? mut_ptr<T>(db) : nullptr;
    ComputeScope scope;
    i2dl::conv2d_backward(s, dyp, xp, wp, dxp, dwp, dbp);
  });
}

// dx = the input gradient alone, dx (N, C, H, W) also giving the conv's input shape.
// dx = the input gradient alone, dx (N, C, H, W) also giving the conv's input shape; plus b (C) on
// every plane of its channel where b is not None (the transposed convolution's bias).
static void conv2d_input_grad(py::handle dy_, py::handle w_, py::handle dx_, std::vector<int64_t> stride,
                              std::vector<int64_t> padding, std::vector<int64_t> dilation, int64_t groups,
                              py::handle b_) {
  const char* fn = "conv2d_input_grad";
  py::array dx = require_float(dx_, fn, "dx", 4, nullptr, nullptr, true);
  py::array w = require_float(w_, fn, "w", 4, &dx, "dx");
  const Conv2dShape s = conv_shape(fn, dx, w, stride, padding, dilation, groups);
  py::array dy = require_float(dy_, fn, "dy", 4, &dx, "dx");
  require_shape(dy, fn, "dy", {s.N, s.O, s.OH, s.OW});
  const bool has_b = !b_.is_none();
  py::array b;
  if (has_b) {
    b = require_float(b_, fn, "b", 1, &dx, "dx");
    require_shape(b, fn, "b", {s.C});
  }
  with_float_type(dx, [&](auto zero) {
    using T = decltype(zero);
    const T *dyp = ptr<T>(dy), *wp = ptr<T>(w), *bp = has_b ? ptr<T>(b) : nullptr;
    T* dxp = mut_ptr<T>(dx);
    ComputeScope scope;
    i2dl::conv2d_input_grad(s, dyp, wp, dxp, bp);
  });
}

static py::dict conv2d_algorithms(py::handle x_, py::handle w_, std::vector<int64_t> stride, std::vector<int64_t> padding,
                                  std::vector<int64_t> dilation, int64_t groups) {
  const char* fn = "conv2d_algorithms";
  py::array x = require_float(x_, fn, "x", 4);
  py::array w = require_float(w_, fn, "w", 4, &x, "x");
  const Conv2dShape s = conv_shape(fn, x, w, stride, padding, dilation, groups);
  const Conv2dAlgorithms a = is_f32(x) ? i2dl::conv2d_algorithms<float>(s) : i2dl::conv2d_algorithms<double>(s);
  py::dict d;
  d["forward"] = conv_path_name(a.forward);
  d["weight_grad"] = conv_path_name(a.weight_grad);
  d["input_grad"] = conv_path_name(a.input_grad);
  return d;
}

I2DL_BIND_FAMILY(conv) {
  m.def("conv2d_algorithms", &conv2d_algorithms, py::arg("x"), py::arg("w"), py::arg("stride"), py::arg("padding"),
        py::arg("dilation"), py::arg("groups"),
        "Which algorithm the C++ convolution runs for these arrays: {'forward', 'weight_grad', 'input_grad'}.");
  m.def("conv2d_forward", &conv2d_forward, py::arg("x"), py::arg("w"), py::arg("b"), py::arg("y"), py::arg("stride"),
        py::arg("padding"), py::arg("dilation"), py::arg("groups"),
        "y = conv2d(x, w) + b written into y (N, O, OH, OW); see i2dl.kernels.reference.conv2d_forward.");
  m.def("conv2d_backward", &conv2d_backward, py::arg("dy"), py::arg("x"), py::arg("w"), py::arg("dx"), py::arg("dw"),
        py::arg("db"), py::arg("stride"), py::arg("padding"), py::arg("dilation"), py::arg("groups"),
        "Writes dx, dw and db (db may be None); see i2dl.kernels.reference.conv2d_backward.");
  m.def("conv2d_input_grad", &conv2d_input_grad, py::arg("dy"), py::arg("w"), py::arg("dx"), py::arg("stride"),
        py::arg("padding"), py::arg("dilation"), py::arg("groups"), py::arg("b") = py::none(),
        "Writes dx alone, plus b per channel where given (the transposed convolution's forward); see "
        "i2dl.kernels.reference.conv_transpose2d_forward.");
}

}  // namespace i2dl::bind
