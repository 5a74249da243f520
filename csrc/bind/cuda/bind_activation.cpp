// _C_cuda: the activation family's launchers (every argument by keyword, as the generated adapter passes them).
#include "common.h"
#include "i2dl/activation.h"

namespace i2dl::bind::cuda {

I2DL_BIND_FAMILY(activation) {
  m.def("relu_forward", [](const std::string& dt, u x, u y, index_t n, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::relu_forward(n, dev<const T>(x), dev<T>(y), stream_of(st))); });
  }, py::kw_only(), py::arg("dtype"), py::arg("x"), py::arg("y"), py::arg("n"), py::arg("stream"));
  m.def("relu_backward", [](const std::string& dt, u dy, u y, u dx, index_t n, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::relu_backward(n, dev<const T>(dy), dev<const T>(y), dev<T>(dx), stream_of(st))); });
  }, py::kw_only(), py::arg("dtype"), py::arg("dy"), py::arg("y"), py::arg("dx"), py::arg("n"), py::arg("stream"));
}

}  // namespace i2dl::bind::cuda
