// _C.sgd_step_: updates param (and velocity) in place.
#include "checks.h"
#include "family.h"
#include "i2dl/optim.h"

namespace i2dl::bind {

static std::vector<py::ssize_t> shape_of(const py::array& a) {
  return std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim());
}

static void sgd_step(py::handle param_, py::handle grad_, py::handle velocity_, double lr, double momentum,
                     double dampening, bool nesterov, double weight_decay, bool first_step) {
  const char* fn = "sgd_step_";
  py::array param = require_float(param_, fn, "param", -1, nullptr, nullptr, true);
  py::array grad = require_float(grad_, fn, "grad", -1, &param, "param");
  require_shape(grad, fn, "grad", shape_of(param));
  py::array velocity;
  const bool has_v = !velocity_.is_none();
  if (momentum != 0 && !has_v)
    throw py::value_error(std::string(fn) + ": argument 'velocity' is required when momentum != 0");
  if (has_v) {
    velocity = require_float(velocity_, fn, "velocity", -1, &param, "param", true);
    require_shape(velocity, fn, "velocity", shape_of(param));
  }
  const SgdConfig c{lr, momentum, dampening, weight_decay, nesterov, first_step};
  with_float_type(param, [&](auto zero) {
    using T = decltype(zero);
    T* p = mut_ptr<T>(param);
    const T* g = ptr<T>(grad);
    T* v = has_v && momentum != 0 ? mut_ptr<T>(velocity) : nullptr;
    ComputeScope scope;
    i2dl::sgd_step<T>(param.size(), p, g, v, c);
  });
}

I2DL_BIND_FAMILY(optim) {
  m.def("sgd_step_", &sgd_step, py::arg("param"), py::arg("grad"), py::arg("velocity"), py::arg("lr"),
        py::arg("momentum"), py::arg("dampening"), py::arg("nesterov"), py::arg("weight_decay"), py::arg("first_step"));
}

}  // namespace i2dl::bind
