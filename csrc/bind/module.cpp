// i2dl._C: the C++ kernels (OpenMP + OpenBLAS). One file per operator family binds them.
#include <pybind11/pybind11.h>

#include "i2dl/threads.h"

namespace py = pybind11;

namespace i2dl::bind {
void bind_conv(py::module_& m);
void bind_pool(py::module_& m);
void bind_linear(py::module_& m);
void bind_runtime(py::module_& m);
void bind_activation(py::module_& m);
void bind_optim(py::module_& m);
void bind_loss(py::module_& m);
}  // namespace i2dl::bind

PYBIND11_MODULE(_C, m) {
  m.doc() = "i2dl C++ kernels: NCHW, float32/float64, outputs passed in; see i2dl.kernels.cpu";
  i2dl::configure_threads();
  i2dl::tune_malloc();
  i2dl::bind::bind_conv(m);
  i2dl::bind::bind_pool(m);
  i2dl::bind::bind_linear(m);
  i2dl::bind::bind_runtime(m);
  i2dl::bind::bind_activation(m);
  i2dl::bind::bind_optim(m);
  i2dl::bind::bind_loss(m);
}
