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

// _C.adam_step_: every argument by keyword (the generated adapter's Launch, checks/optim.py); each
// array checked against n before its pointer is taken.
static void adam_step(py::handle param_, py::handle grad_, py::handle exp_avg_, py::handle exp_avg_sq_,
                      py::handle max_exp_avg_sq_, int64_t n, int64_t step, double lr, double beta1, double beta2,
                      double eps, double weight_decay, bool amsgrad, bool maximize, bool decoupled_weight_decay) {
  const char* fn = "adam_step_";
  py::array param = require_float_count(param_, fn, "param", n, nullptr, nullptr, true);
  py::array grad = require_float_count(grad_, fn, "grad", n, &param, "param");
  py::array m = require_float_count(exp_avg_, fn, "exp_avg", n, &param, "param", true);
  py::array v = require_float_count(exp_avg_sq_, fn, "exp_avg_sq", n, &param, "param", true);
  py::array vmax;
  if (amsgrad) {
    if (max_exp_avg_sq_.is_none())
      throw py::value_error(std::string(fn) + ": argument 'max_exp_avg_sq' is required with amsgrad");
    vmax = require_float_count(max_exp_avg_sq_, fn, "max_exp_avg_sq", n, &param, "param", true);
  }
  if (step < 1) throw py::value_error(std::string(fn) + ": argument 'step' must be >= 1, got " + std::to_string(step));
  const AdamConfig c{lr, beta1, beta2, eps, weight_decay, step, amsgrad, maximize, decoupled_weight_decay};
  with_float_type(param, [&](auto zero) {
    using T = decltype(zero);
    T *p = mut_ptr<T>(param), *mp = mut_ptr<T>(m), *vp = mut_ptr<T>(v), *vmp = amsgrad ? mut_ptr<T>(vmax) : nullptr;
    const T* g = ptr<T>(grad);
    ComputeScope scope;
    i2dl::adam_step<T>(n, p, g, mp, vp, vmp, c);
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
  m.def("adam_step_", &adam_step, py::kw_only(), py::arg("param"), py::arg("grad"), py::arg("exp_avg"),
        py::arg("exp_avg_sq"), py::arg("max_exp_avg_sq").none(true), py::arg("n"), py::arg("step"), py::arg("lr"),
        py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"), py::arg("amsgrad").noconvert(),
        py::arg("maximize").noconvert(), py::arg("decoupled_weight_decay").noconvert(),
        "Updates param, exp_avg, exp_avg_sq (and max_exp_avg_sq) in place; see i2dl.kernels.reference.adam_step_.");
}

}  // namespace i2dl::bind
