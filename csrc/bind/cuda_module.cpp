// i2dl._C_cuda: host-only bindings of the CUDA launchers. Arrays arrive as device pointers
// (integers) and are validated by i2dl.kernels.cuda before they get here; geometry arrives as
// the integer tuples that i2dl.kernels.cuda computes once for every backend.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "i2dl/cuda_kernels.h"

namespace py = pybind11;
using i2dl::index_t;

namespace {

// (N, C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, groups, OH, OW)
i2dl::Conv2dShape conv_shape(const std::vector<int64_t>& g) {
  if (g.size() != 16) throw py::value_error("conv geometry must have 16 integers, got " + std::to_string(g.size()));
  return {g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]};
}

// (N, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW)
i2dl::Pool2dShape pool_shape(const std::vector<int64_t>& g) {
  if (g.size() != 12) throw py::value_error("pool geometry must have 12 integers, got " + std::to_string(g.size()));
  return {g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11]};
}

void check(const std::string& status) {
  if (!status.empty()) throw std::runtime_error("CUDA kernel launch failed: " + status);
}

template <typename T>
T* dev(std::uintptr_t p) { return reinterpret_cast<T*>(p); }
void* stream_of(std::uintptr_t s) { return reinterpret_cast<void*>(s); }

// Calls f(T{}) for dtype "float32" or "float64".
template <typename F>
void with_dtype(const std::string& dtype, F&& f) {
  if (dtype == "float32") f(float{});
  else if (dtype == "float64") f(double{});
  else throw py::type_error("dtype must be float32 or float64, got " + dtype);
}

}  // namespace

PYBIND11_MODULE(_C_cuda, m) {
  m.doc() = "i2dl CUDA kernels on device pointers; use i2dl.kernels.cuda, which validates CuPy arrays";
  using u = std::uintptr_t;
  m.def("im2col", [](const std::string& dt, std::vector<int64_t> g, u x, index_t group, index_t n0, index_t count, u col, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::im2col(conv_shape(g), dev<const T>(x), group, n0, count, dev<T>(col), stream_of(st))); });
  });
  m.def("col2im", [](const std::string& dt, std::vector<int64_t> g, u col, index_t group, index_t n0, index_t count, u dx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::col2im(conv_shape(g), dev<const T>(col), group, n0, count, dev<T>(dx), stream_of(st))); });
  });
  m.def("add_channel_bias", [](const std::string& dt, index_t N, index_t O, index_t P, u b, u y, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::add_channel_bias(N, O, P, dev<const T>(b), dev<T>(y), stream_of(st))); });
  });
  m.def("conv2d_direct_forward", [](const std::string& dt, std::vector<int64_t> g, u x, u w, u b, u y, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::conv2d_direct_forward(conv_shape(g), dev<const T>(x), dev<const T>(w), b ? dev<const T>(b) : nullptr, dev<T>(y), stream_of(st))); });
  });
  m.def("conv2d_direct_backward_input", [](const std::string& dt, std::vector<int64_t> g, u dy, u w, u dx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::conv2d_direct_backward_input(conv_shape(g), dev<const T>(dy), dev<const T>(w), dev<T>(dx), stream_of(st))); });
  });
  m.def("conv2d_direct_backward_weight", [](const std::string& dt, std::vector<int64_t> g, u dy, u x, u dw, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::conv2d_direct_backward_weight(conv_shape(g), dev<const T>(dy), dev<const T>(x), dev<T>(dw), stream_of(st))); });
  });
  m.def("max_pool2d_forward", [](const std::string& dt, std::vector<int64_t> g, u x, u y, u idx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::max_pool2d_forward(pool_shape(g), dev<const T>(x), dev<T>(y), dev<std::int64_t>(idx), stream_of(st))); });
  });
  m.def("max_pool2d_backward", [](const std::string& dt, std::vector<int64_t> g, u dy, u idx, u dx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::max_pool2d_backward(pool_shape(g), dev<const T>(dy), dev<const std::int64_t>(idx), dev<T>(dx), stream_of(st))); });
  });
  m.def("avg_pool2d_forward", [](const std::string& dt, std::vector<int64_t> g, u x, u y, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::avg_pool2d_forward(pool_shape(g), dev<const T>(x), dev<T>(y), stream_of(st))); });
  });
  m.def("avg_pool2d_backward", [](const std::string& dt, std::vector<int64_t> g, u dy, u dx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::avg_pool2d_backward(pool_shape(g), dev<const T>(dy), dev<T>(dx), stream_of(st))); });
  });
  m.def("global_avg_pool2d_forward", [](const std::string& dt, index_t planes, index_t size, u x, u y, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::global_avg_pool2d_forward(planes, size, dev<const T>(x), dev<T>(y), stream_of(st))); });
  });
  m.def("global_avg_pool2d_backward", [](const std::string& dt, index_t planes, index_t size, u dy, u dx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::global_avg_pool2d_backward(planes, size, dev<const T>(dy), dev<T>(dx), stream_of(st))); });
  });
  m.def("relu_forward", [](const std::string& dt, index_t n, u x, u y, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::relu_forward(n, dev<const T>(x), dev<T>(y), stream_of(st))); });
  });
  m.def("relu_backward", [](const std::string& dt, index_t n, u dy, u y, u dx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::relu_backward(n, dev<const T>(dy), dev<const T>(y), dev<T>(dx), stream_of(st))); });
  });
  m.def("cross_entropy_forward", [](const std::string& dt, index_t N, index_t C, u z, u labels, u loss, u st) {
    with_dtype(dt, [&](auto zz) { using T = decltype(zz); check(i2dl::cuda::cross_entropy_forward(N, C, dev<const T>(z), dev<const std::int64_t>(labels), dev<T>(loss), stream_of(st))); });
  });
  m.def("cross_entropy_backward", [](const std::string& dt, index_t N, index_t C, u dloss, u z, u labels, u dz, u st) {
    with_dtype(dt, [&](auto zz) { using T = decltype(zz); check(i2dl::cuda::cross_entropy_backward(N, C, dev<const T>(dloss), dev<const T>(z), dev<const std::int64_t>(labels), dev<T>(dz), stream_of(st))); });
  });
  m.def("sgd_step_", [](const std::string& dt, index_t n, u p, u g, u v, double lr, double mu, double damp, double wd,
                        bool nesterov, bool first, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::sgd_step(n, dev<T>(p), dev<const T>(g), v ? dev<T>(v) : nullptr, lr, mu, damp, wd, nesterov, first, stream_of(st))); });
  });
  m.def("device_count", []() { std::string why; int n = i2dl::cuda::device_count(&why); return py::make_tuple(n, why); });
  m.def("runtime_version", &i2dl::cuda::runtime_version);
  m.attr("architectures") = I2DL_CUDA_ARCHS;
  m.attr("nvcc_version") = I2DL_CUDA_VERSION;
}
