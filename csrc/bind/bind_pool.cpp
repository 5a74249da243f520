// _C pooling kernels: outputs are passed in (allocated by i2dl.kernels.cpu).
#include <pybind11/stl.h>

#include "checks.h"
#include "family.h"
#include "i2dl/pool2d.h"

namespace i2dl::bind {

// One axis's output count (PyTorch's pooling_output_shape): floor or ceil of (I + 2P - E) / S, plus
// one; in ceil mode the last window must start inside the input or its left padding.
static index_t pool_out(index_t I, index_t E, index_t S, index_t P, bool ceil_mode) {
  index_t o = (I + 2 * P - E + (ceil_mode ? S - 1 : 0)) / S + 1;
  if (ceil_mode && (o - 1) * S >= I + P) --o;
  return o;
}

// The geometry the kernels index by, recomputed from the arguments (as checks/pool.py does), so
// that the outputs are checked against it before any pointer is used.
static Pool2dShape pool_shape(const char* fn, const py::array& x, const std::vector<int64_t>& kernel,
                              const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                              const std::vector<int64_t>& dilation, bool ceil_mode, bool count_include_pad = true,
                              int64_t divisor = 0) {
  Pool2dShape s{};
  s.N = x.shape(0); s.C = x.shape(1); s.H = x.shape(2); s.W = x.shape(3);
  std::tie(s.KH, s.KW) = require_pair(kernel, fn, "kernel", 1);
  std::tie(s.SH, s.SW) = require_pair(stride, fn, "stride", 1);
  std::tie(s.PH, s.PW) = require_pair(padding, fn, "padding", 0);
  std::tie(s.DH, s.DW) = require_pair(dilation, fn, "dilation", 1);
  s.count_include_pad = count_include_pad;
  if (divisor < 0) throw py::value_error(std::string(fn) + ": argument 'divisor_override' must be >= 1");
  s.divisor = divisor;
  require_padded_fits(fn, s.N, s.C, s.H, s.W, s.PH, s.PW);
  const index_t EH = s.DH * (s.KH - 1) + 1, EW = s.DW * (s.KW - 1) + 1;  // the dilated window
  if (s.PH > EH / 2 || s.PW > EW / 2)
    throw py::value_error(std::string(fn) + ": argument 'padding' must be at most half the kernel, got padding (" +
                          std::to_string(s.PH) + ", " + std::to_string(s.PW) + ") for kernel (" +
                          std::to_string(s.KH) + ", " + std::to_string(s.KW) + ")");
  if (s.H + 2 * s.PH < EH || s.W + 2 * s.PW < EW)
    throw py::value_error(std::string(fn) + ": the output would be empty: the input " + shape_str(x) + " padded by (" +
                          std::to_string(s.PH) + ", " + std::to_string(s.PW) + ") is smaller than argument 'kernel' (" +
                          std::to_string(s.KH) + ", " + std::to_string(s.KW) + ")");
  s.SH = std::min(s.SH, s.H + 2 * s.PH);  // one window along an axis whose stride passes the input (as conv2d)
  s.SW = std::min(s.SW, s.W + 2 * s.PW);
  s.OH = pool_out(s.H, EH, s.SH, s.PH, ceil_mode);
  s.OW = pool_out(s.W, EW, s.SW, s.PW, ceil_mode);
  return s;
}

static void max_pool2d_forward(py::handle x_, py::handle y_, py::handle idx_, std::vector<int64_t> kernel,
                               std::vector<int64_t> stride, std::vector<int64_t> padding, std::vector<int64_t> dilation,
                               bool ceil_mode) {
  const char* fn = "max_pool2d_forward";
  py::array x = require_float(x_, fn, "x", 4);
  const Pool2dShape s = pool_shape(fn, x, kernel, stride, padding, dilation, ceil_mode);
  py::array y = require_float(y_, fn, "y", 4, &x, "x", true);
  require_shape(y, fn, "y", {s.N, s.C, s.OH, s.OW});
  py::array idx = require_ndarray(idx_, fn, "idx");
  require_index_array(idx, fn, "idx", true);
  require_shape(idx, fn, "idx", {s.N, s.C, s.OH, s.OW});
  auto* ip = mut_ptr<std::int64_t>(idx);
  with_float_type(x, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = ptr<T>(x);
    T* yp = mut_ptr<T>(y);
    ComputeScope scope;
    i2dl::max_pool2d_forward(s, xp, yp, ip);
  });
}

static void max_pool2d_backward(py::handle dy_, py::handle idx_, py::handle dx_) {
  const char* fn = "max_pool2d_backward";
  py::array dy = require_float(dy_, fn, "dy", 4);
  py::array idx = require_ndarray(idx_, fn, "idx");
  require_index_array(idx, fn, "idx", false);
  require_shape(idx, fn, "idx", {dy.shape(0), dy.shape(1), dy.shape(2), dy.shape(3)});
  py::array dx = require_float(dx_, fn, "dx", 4, &dy, "dy", true);
  if (dx.shape(0) != dy.shape(0) || dx.shape(1) != dy.shape(1))
    throw py::value_error(std::string(fn) + ": argument 'dx' " + shape_str(dx) +
                          " must have the batch and channels of 'dy' " + shape_str(dy));
  Pool2dShape s{};
  s.N = dx.shape(0); s.C = dx.shape(1); s.H = dx.shape(2); s.W = dx.shape(3);
  s.OH = dy.shape(2); s.OW = dy.shape(3);
  const auto* ip = ptr<std::int64_t>(idx);
  bool valid;
  with_float_type(dy, [&](auto zero) {
    using T = decltype(zero);
    const T* dyp = ptr<T>(dy);
    T* dxp = mut_ptr<T>(dx);
    ComputeScope scope;
    valid = i2dl::max_pool2d_backward(s, dyp, ip, dxp);
  });
  if (!valid)
    throw py::value_error(std::string(fn) + ": argument 'idx' holds indices outside [0, H*W) = [0, " +
                          std::to_string(s.H * s.W) + "); pass the idx returned by max_pool2d_forward");
}

static void avg_pool2d_forward(py::handle x_, py::handle y_, std::vector<int64_t> kernel, std::vector<int64_t> stride,
                               std::vector<int64_t> padding, bool ceil_mode, bool count_include_pad, int64_t divisor) {
  const char* fn = "avg_pool2d_forward";
  py::array x = require_float(x_, fn, "x", 4);
  const Pool2dShape s = pool_shape(fn, x, kernel, stride, padding, {1, 1}, ceil_mode, count_include_pad, divisor);
  py::array y = require_float(y_, fn, "y", 4, &x, "x", true);
  require_shape(y, fn, "y", {s.N, s.C, s.OH, s.OW});
  with_float_type(x, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = ptr<T>(x);
    T* yp = mut_ptr<T>(y);
    ComputeScope scope;
    i2dl::avg_pool2d_forward(s, xp, yp);
  });
}

static void avg_pool2d_backward(py::handle dy_, py::handle dx_, std::vector<int64_t> kernel, std::vector<int64_t> stride,
                                std::vector<int64_t> padding, bool ceil_mode, bool count_include_pad,
                                int64_t divisor) {
  const char* fn = "avg_pool2d_backward";
  py::array dx = require_float(dx_, fn, "dx", 4, nullptr, nullptr, true);
  const Pool2dShape s = pool_shape(fn, dx, kernel, stride, padding, {1, 1}, ceil_mode, count_include_pad, divisor);
  py::array dy = require_float(dy_, fn, "dy", 4, &dx, "dx");
  require_shape(dy, fn, "dy", {s.N, s.C, s.OH, s.OW});
  with_float_type(dx, [&](auto zero) {
    using T = decltype(zero);
    const T* dyp = ptr<T>(dy);
    T* dxp = mut_ptr<T>(dx);
    ComputeScope scope;
    i2dl::avg_pool2d_backward(s, dyp, dxp);
  });
}

static void global_avg_pool2d_forward(py::handle x_, py::handle y_) {
  const char* fn = "global_avg_pool2d_forward";
  py::array x = require_float(x_, fn, "x", 4);
  if (x.shape(2) * x.shape(3) == 0) throw py::value_error(std::string(fn) + ": argument 'x' must have H*W > 0, got shape " + shape_str(x));
  py::array y = require_float(y_, fn, "y", 4, &x, "x", true);
  require_shape(y, fn, "y", {x.shape(0), x.shape(1), 1, 1});
  const index_t planes = x.shape(0) * x.shape(1), size = x.shape(2) * x.shape(3);
  with_float_type(x, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = ptr<T>(x);
    T* yp = mut_ptr<T>(y);
    ComputeScope scope;
    i2dl::global_avg_pool2d_forward(planes, size, xp, yp);
  });
}

static void global_avg_pool2d_backward(py::handle dy_, py::handle dx_) {
  const char* fn = "global_avg_pool2d_backward";
  py::array dy = require_float(dy_, fn, "dy", 4);
  py::array dx = require_float(dx_, fn, "dx", 4, &dy, "dy", true);
  require_shape(dy, fn, "dy", {dx.shape(0), dx.shape(1), 1, 1});
  const index_t planes = dx.shape(0) * dx.shape(1), size = dx.shape(2) * dx.shape(3);
  with_float_type(dy, [&](auto zero) {
    using T = decltype(zero);
    const T* dyp = ptr<T>(dy);
    T* dxp = mut_ptr<T>(dx);
    ComputeScope scope;
    i2dl::global_avg_pool2d_backward(planes, size, dyp, dxp);
  });
}

// The bins of one axis, checked before a pointer is taken: int64, `count` of them, 0 <= start < end <= bound.
static std::pair<const index_t*, const index_t*> bins(const char* fn, py::handle start_, py::handle end_,
                                                      const char* start_name, const char* end_name, int64_t count,
                                                      int64_t bound) {
  py::array start = require_ndarray(start_, fn, start_name), end = require_ndarray(end_, fn, end_name);
  require_index_array(start, fn, start_name, false);
  require_index_array(end, fn, end_name, false);
  require_count(start, fn, start_name, count);
  require_count(end, fn, end_name, count);
  const index_t *s = static_cast<const index_t*>(start.data()), *e = static_cast<const index_t*>(end.data());
  for (int64_t i = 0; i < count; ++i)
    if (!(0 <= s[i] && s[i] < e[i] && e[i] <= bound))
      throw py::value_error(std::string(fn) + ": arguments '" + start_name + "' and '" + end_name + "' must give bins " +
                            "inside [0, " + std::to_string(bound) + "), got [" + std::to_string(s[i]) + ", " +
                            std::to_string(e[i]) + ") at " + std::to_string(i));
  return {s, e};
}

template <bool Forward>
static void adaptive_avg(py::handle in_, py::handle h_start, py::handle h_end, py::handle w_start, py::handle w_end,
                         py::handle out_, int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  const char* fn = Forward ? "adaptive_avg_pool2d_forward" : "adaptive_avg_pool2d_backward";
  const int64_t n_in = count_of(fn, "planes, H, W", {planes, H, W}), n_out = count_of(fn, "planes, OH, OW", {planes, OH, OW});
  Arrays a{fn, require_float_count(in_, fn, Forward ? "x" : "dy", Forward ? n_in : n_out)};
  auto out = a.get(out_, Forward ? "y" : "dx", Forward ? n_out : n_in, true);
  if (!out) throw py::value_error(std::string(fn) + ": the output argument is required");
  auto [hs, he] = bins(fn, h_start, h_end, "h_start", "h_end", OH, H);
  auto [ws, we] = bins(fn, w_start, w_end, "w_start", "w_end", OW, W);
  const AdaptiveBins b{planes, H, W, OH, OW, hs, he, ws, we};
  with_float_type(a.x, [&](auto zero) {
    using T = decltype(zero);
    const T* ip = ptr<T>(a.x);
    T* op = mptr<T>(out);
    ComputeScope scope;
    if (Forward) i2dl::adaptive_avg_pool2d_forward<T>(b, ip, op);
    else i2dl::adaptive_avg_pool2d_backward<T>(b, ip, op);
  });
}

// _C.adaptive_max_pool2d_forward: y and idx (int64) of the bins' first maxima.
static void adaptive_max(py::handle x_, py::handle h_start, py::handle h_end, py::handle w_start, py::handle w_end,
                         py::handle y_, py::handle idx_, int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  const char* fn = "adaptive_max_pool2d_forward";
  const int64_t n_in = count_of(fn, "planes, H, W", {planes, H, W}), n_out = count_of(fn, "planes, OH, OW", {planes, OH, OW});
  Arrays a{fn, require_float_count(x_, fn, "x", n_in)};
  auto y = a.get(y_, "y", n_out, true);
  if (!y) throw py::value_error(std::string(fn) + ": the output argument 'y' is required");
  py::array idx = require_ndarray(idx_, fn, "idx");
  require_index_array(idx, fn, "idx", true);
  require_count(idx, fn, "idx", n_out);
  auto [hs, he] = bins(fn, h_start, h_end, "h_start", "h_end", OH, H);
  auto [ws, we] = bins(fn, w_start, w_end, "w_start", "w_end", OW, W);
  const AdaptiveBins b{planes, H, W, OH, OW, hs, he, ws, we};
  auto* ip = mut_ptr<std::int64_t>(idx);
  with_float_type(a.x, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = ptr<T>(a.x);
    T* yp = mptr<T>(y);
    ComputeScope scope;
    i2dl::adaptive_max_pool2d_forward<T>(b, xp, yp, ip);
  });
}

// _C.max_unpool2d_forward / _backward: every argument by keyword (the Launch of checks/pool.py); idx's
// range is checked as it is read.
template <bool Forward>
static void max_unpool(py::handle in_, py::handle idx_, py::handle out_, int64_t planes, int64_t in_plane,
                       int64_t out_plane) {
  const char* fn = Forward ? "max_unpool2d_forward" : "max_unpool2d_backward";
  const int64_t n_in = count_of(fn, "planes, in_plane", {planes, in_plane});
  const int64_t n_out = count_of(fn, "planes, out_plane", {planes, out_plane});
  Arrays a{fn, require_float_count(in_, fn, Forward ? "x" : "dy", Forward ? n_in : n_out)};
  auto out = a.get(out_, Forward ? "y" : "dx", Forward ? n_out : n_in, true);
  if (!out) throw py::value_error(std::string(fn) + ": the output argument is required");
  py::array idx = require_ndarray(idx_, fn, "idx");
  require_index_array(idx, fn, "idx", false);
  require_count(idx, fn, "idx", n_in);
  const auto* ip = ptr<std::int64_t>(idx);
  bool valid = true;
  with_float_type(a.x, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = ptr<T>(a.x);
    T* op = mptr<T>(out);
    ComputeScope scope;
    valid = Forward ? i2dl::max_unpool2d_forward<T>(planes, in_plane, out_plane, xp, ip, op)
                    : i2dl::max_unpool2d_backward<T>(planes, in_plane, out_plane, xp, ip, op);
  });
  if (!valid)
    throw py::value_error(std::string(fn) + ": argument 'idx' holds positions outside [0, " +
                          std::to_string(out_plane) + "); pass the indices of max_pool2d on an input of that size");
}

I2DL_BIND_FAMILY(pool) {
  m.def("max_unpool2d_forward", &max_unpool<true>, py::kw_only(), py::arg("x"), py::arg("idx"), py::arg("y"),
        py::arg("planes"), py::arg("in_plane"), py::arg("out_plane"));
  m.def("max_unpool2d_backward", &max_unpool<false>, py::kw_only(), py::arg("dy"), py::arg("idx"), py::arg("dx"),
        py::arg("planes"), py::arg("in_plane"), py::arg("out_plane"));
  m.def("adaptive_avg_pool2d_forward", &adaptive_avg<true>, py::kw_only(), py::arg("x"), py::arg("h_start"),
        py::arg("h_end"), py::arg("w_start"), py::arg("w_end"), py::arg("y"), py::arg("planes"), py::arg("H"),
        py::arg("W"), py::arg("OH"), py::arg("OW"));
  m.def("adaptive_avg_pool2d_backward", &adaptive_avg<false>, py::kw_only(), py::arg("dy"), py::arg("h_start"),
        py::arg("h_end"), py::arg("w_start"), py::arg("w_end"), py::arg("dx"), py::arg("planes"), py::arg("H"),
        py::arg("W"), py::arg("OH"), py::arg("OW"));
  m.def("adaptive_max_pool2d_forward", &adaptive_max, py::kw_only(), py::arg("x"), py::arg("h_start"),
        py::arg("h_end"), py::arg("w_start"), py::arg("w_end"), py::arg("y"), py::arg("idx"), py::arg("planes"),
        py::arg("H"), py::arg("W"), py::arg("OH"), py::arg("OW"));
  m.def("max_pool2d_forward", &max_pool2d_forward, py::arg("x"), py::arg("y"), py::arg("idx"), py::arg("kernel"),
        py::arg("stride"), py::arg("padding"), py::kw_only(), py::arg("dilation") = std::vector<int64_t>{1, 1},
        py::arg("ceil_mode").noconvert() = false);
  m.def("max_pool2d_backward", &max_pool2d_backward, py::arg("dy"), py::arg("idx"), py::arg("dx"));
  m.def("avg_pool2d_forward", &avg_pool2d_forward, py::arg("x"), py::arg("y"), py::arg("kernel"), py::arg("stride"),
        py::arg("padding"), py::kw_only(), py::arg("ceil_mode").noconvert() = false,
        py::arg("count_include_pad").noconvert() = true, py::arg("divisor") = 0);
  m.def("avg_pool2d_backward", &avg_pool2d_backward, py::arg("dy"), py::arg("dx"), py::arg("kernel"), py::arg("stride"),
        py::arg("padding"), py::kw_only(), py::arg("ceil_mode").noconvert() = false,
        py::arg("count_include_pad").noconvert() = true, py::arg("divisor") = 0);
  m.def("global_avg_pool2d_forward", &global_avg_pool2d_forward, py::arg("x"), py::arg("y"));
  m.def("global_avg_pool2d_backward", &global_avg_pool2d_backward, py::arg("dy"), py::arg("dx"));
}

}  // namespace i2dl::bind
