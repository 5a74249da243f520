// _C.sgd_step_: updates param (and velocity) in place.
#include "checks.h"
#include "family.h"
#include "i2dl/optim.h"

namespace i2dl::bind {

static std::vector<py::ssize_t> shape_of(const py::array& a) {
  return std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim());
}

static void sgd_step(py::handle param_, py::handle grad_, py::handle velocity_, const SgdConfig& c) {
  const char* fn = "sgd_step_";
  py::array param = require_float(param_, fn, "param", -1, nullptr, nullptr, true);
  py::array grad = require_float(grad_, fn, "grad", -1, &param, "param");
  require_shape(grad, fn, "grad", shape_of(param));
  py::array velocity;
  const bool has_v = !velocity_.is_none();
  if (c.momentum != 0 && !has_v)
    throw py::value_error(std::string(fn) + ": argument 'velocity' is required when momentum != 0");
  if (has_v) {
    velocity = require_float(velocity_, fn, "velocity", -1, &param, "param", true);
    require_shape(velocity, fn, "velocity", shape_of(param));
  }
  with_float_type(param, [&](auto zero) {
    using T = decltype(zero);
    T* p = mut_ptr<T>(param);
    const T* g = ptr<T>(grad);
    T* v = has_v && c.momentum != 0 ? mut_ptr<T>(velocity) : nullptr;
    ComputeScope scope;
    i2dl::sgd_step<T>(param.size(), p, g, v, c);
  });
}

// The step's scalars as one struct with named fields, keyword-only: a config cannot be passed in
// the wrong order, and a float never turns into a bool on the way (pybind11 would convert it).
I2DL_BIND_FAMILY(optim) {
  py::class_<SgdConfig>(m, "SgdConfig", py::module_local(),
                        "SGD's hyper-parameters and whether this is the first step (velocity = g)")
      .def(py::init([](double lr, double momentum, double dampening, bool nesterov, double weight_decay,
                       bool first_step) { return SgdConfig{lr, momentum, dampening, weight_decay, nesterov, first_step}; }),
           py::kw_only(), py::arg("lr"), py::arg("momentum") = 0.0, py::arg("dampening") = 0.0,
           py::arg("nesterov").noconvert() = false, py::arg("weight_decay") = 0.0,
           py::arg("first_step").noconvert() = false)
      .def_readonly("lr", &SgdConfig::lr)
      .def_readonly("momentum", &SgdConfig::momentum)
      .def_readonly("dampening", &SgdConfig::dampening)
      .def_readonly("nesterov", &SgdConfig::nesterov)
      .def_readonly("weight_decay", &SgdConfig::weight_decay)
      .def_readonly("first_step", &SgdConfig::first_step);
  m.def("sgd_step_", &sgd_step, py::arg("param"), py::arg("grad"), py::arg("velocity"), py::arg("config"),
        "Updates param (and velocity) in place; see i2dl.kernels.reference.sgd_step_.");
}

}  // namespace i2dl::bind
