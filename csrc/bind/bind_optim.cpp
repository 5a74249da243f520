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

// _C.adam_multi_step_: lists of one length; element i of each checked against params[i] (dtype of
// params[0], C-contiguous, the same element count, writable where the step writes), by name and index.
static void adam_multi_step(py::sequence params, py::sequence grads, py::sequence exp_avgs, py::sequence exp_avg_sqs,
                            py::object max_exp_avg_sqs, int64_t step, double lr, double beta1, double beta2,
                            double eps, double weight_decay, bool amsgrad, bool maximize,
                            bool decoupled_weight_decay) {
  const char* fn = "adam_multi_step_";
  const size_t n = params.size();
  const bool ams = amsgrad && !max_exp_avg_sqs.is_none();
  if (amsgrad && !ams) throw py::value_error(std::string(fn) + ": argument 'max_exp_avg_sqs' is required with amsgrad");
  py::sequence vmaxes = ams ? py::reinterpret_borrow<py::sequence>(max_exp_avg_sqs) : py::sequence(py::list());
  for (auto [name, seq] : {std::pair<const char*, py::sequence*>{"grads", &grads}, {"exp_avgs", &exp_avgs},
                           {"exp_avg_sqs", &exp_avg_sqs}, {"max_exp_avg_sqs", &vmaxes}}) {
    if ((seq != &vmaxes || ams) && seq->size() != n)
      throw py::value_error(std::string(fn) + ": argument '" + name + "' must have " + std::to_string(n) +
                            " arrays (one per parameter), got " + std::to_string(seq->size()));
  }
  if (step < 1) throw py::value_error(std::string(fn) + ": argument 'step' must be >= 1, got " + std::to_string(step));
  std::vector<py::array> keep;  // the arrays stay referenced while their pointers are used
  keep.reserve(5 * n);
  // The common case first, without a string: every element a C-contiguous ndarray of params[0]'s
  // dtype and params[i]'s size, writable where written (300 tensors: 0.9 -> see bench/ ms). Anything
  // else takes the checks below, which name the list and the index.
  bool fast = n > 0;
  py::dtype dt;
  for (size_t i = 0; fast && i < n; ++i) {
    py::sequence* seqs[5] = {&params, &grads, &exp_avgs, &exp_avg_sqs, &vmaxes};
    py::ssize_t count = 0;
    for (size_t s = 0; fast && s < (ams ? 5u : 4u); ++s) {
      py::handle h = (*seqs[s])[i];
      if (!py::isinstance<py::array>(h)) { fast = false; break; }
      py::array a = py::reinterpret_borrow<py::array>(h);
      if (i == 0 && s == 0) {
        dt = a.dtype();
        fast = dt.equal(py::dtype::of<float>()) || dt.equal(py::dtype::of<double>());
      }
      if (s == 0) count = a.size();
      fast = fast && a.dtype().equal(dt) && (a.flags() & py::array::c_style) && a.size() == count &&
             (s == 1 || a.writeable());
      if (fast) keep.push_back(a);
    }
  }
  if (!fast) {
    keep.clear();
    auto name_of = [](const char* list, size_t i) { return std::string(list) + "[" + std::to_string(i) + "]"; };
    py::array first;
    for (size_t i = 0; i < n; ++i) {
      const std::string pn = name_of("params", i);
      py::array p = i == 0 ? require_float(params[i], fn, pn.c_str(), -1, nullptr, nullptr, true)
                           : require_float(params[i], fn, pn.c_str(), -1, &first, "params[0]", true);
      if (i == 0) first = p;
      keep.push_back(p);
      const int64_t count = p.size();
      const std::string g = name_of("grads", i), m = name_of("exp_avgs", i), v = name_of("exp_avg_sqs", i),
                        vm = name_of("max_exp_avg_sqs", i);
      keep.push_back(require_float_count(grads[i], fn, g.c_str(), count, &p, pn.c_str()));
      keep.push_back(require_float_count(exp_avgs[i], fn, m.c_str(), count, &p, pn.c_str(), true));
      keep.push_back(require_float_count(exp_avg_sqs[i], fn, v.c_str(), count, &p, pn.c_str(), true));
      if (ams) keep.push_back(require_float_count(vmaxes[i], fn, vm.c_str(), count, &p, pn.c_str(), true));
    }
  }
  py::array first = n ? keep[0] : py::array();
  const AdamConfig c{lr, beta1, beta2, eps, weight_decay, step, amsgrad, maximize, decoupled_weight_decay};
  if (n == 0) return;
  with_float_type(first, [&](auto zero) {
    using T = decltype(zero);
    std::vector<AdamTensor<T>> ts(n);
    const size_t per = ams ? 5 : 4;
    for (size_t i = 0; i < n; ++i) {
      py::array* a = &keep[i * per];
      ts[i] = {a[0].size(), mut_ptr<T>(a[0]), ptr<T>(a[1]), mut_ptr<T>(a[2]), mut_ptr<T>(a[3]),
               ams ? mut_ptr<T>(a[4]) : nullptr};
    }
    ComputeScope scope;
    i2dl::adam_multi_step<T>(ts, c);
  });
}

// _C.rmsprop_step_ / _C.adagrad_step_: every argument by keyword (the Launch of checks/optim.py).
static void rmsprop_step(py::handle param_, py::handle grad_, py::handle square_avg_, py::handle grad_avg_,
                         py::handle momentum_buffer_, int64_t n, double lr, double alpha, double eps,
                         double weight_decay, double momentum, bool centered, bool maximize) {
  const char* fn = "rmsprop_step_";
  py::array param = require_float_count(param_, fn, "param", n, nullptr, nullptr, true);
  py::array grad = require_float_count(grad_, fn, "grad", n, &param, "param");
  py::array s = require_float_count(square_avg_, fn, "square_avg", n, &param, "param", true);
  py::array a, b;
  if (centered) {
    if (grad_avg_.is_none()) throw py::value_error(std::string(fn) + ": argument 'grad_avg' is required when centered");
    a = require_float_count(grad_avg_, fn, "grad_avg", n, &param, "param", true);
  }
  if (momentum > 0) {
    if (momentum_buffer_.is_none())
      throw py::value_error(std::string(fn) + ": argument 'momentum_buffer' is required when momentum > 0");
    b = require_float_count(momentum_buffer_, fn, "momentum_buffer", n, &param, "param", true);
  }
  const RmspropConfig c{lr, alpha, eps, weight_decay, momentum, centered, maximize};
  with_float_type(param, [&](auto zero) {
    using T = decltype(zero);
    T *pp = mut_ptr<T>(param), *sp = mut_ptr<T>(s), *ap = centered ? mut_ptr<T>(a) : nullptr,
      *bp = momentum > 0 ? mut_ptr<T>(b) : nullptr;
    const T* g = ptr<T>(grad);
    ComputeScope scope;
    i2dl::rmsprop_step<T>(n, pp, g, sp, ap, bp, c);
  });
}

static void adagrad_step(py::handle param_, py::handle grad_, py::handle state_sum_, int64_t n, int64_t step,
                         double lr, double lr_decay, double weight_decay, double eps, bool maximize) {
  const char* fn = "adagrad_step_";
  py::array param = require_float_count(param_, fn, "param", n, nullptr, nullptr, true);
  py::array grad = require_float_count(grad_, fn, "grad", n, &param, "param");
  py::array s = require_float_count(state_sum_, fn, "state_sum", n, &param, "param", true);
  if (step < 1) throw py::value_error(std::string(fn) + ": argument 'step' must be >= 1, got " + std::to_string(step));
  const AdagradConfig c{lr, lr_decay, weight_decay, eps, step, maximize};
  with_float_type(param, [&](auto zero) {
    using T = decltype(zero);
    T *pp = mut_ptr<T>(param), *sp = mut_ptr<T>(s);
    const T* g = ptr<T>(grad);
    ComputeScope scope;
    i2dl::adagrad_step<T>(n, pp, g, sp, c);
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
  m.def("rmsprop_step_", &rmsprop_step, py::kw_only(), py::arg("param"), py::arg("grad"), py::arg("square_avg"),
        py::arg("grad_avg").none(true), py::arg("momentum_buffer").none(true), py::arg("n"), py::arg("lr"),
        py::arg("alpha"), py::arg("eps"), py::arg("weight_decay"), py::arg("momentum"), py::arg("centered").noconvert(),
        py::arg("maximize").noconvert(), "RMSprop in place; see i2dl.kernels.reference.rmsprop_step_.");
  m.def("adagrad_step_", &adagrad_step, py::kw_only(), py::arg("param"), py::arg("grad"), py::arg("state_sum"),
        py::arg("n"), py::arg("step"), py::arg("lr"), py::arg("lr_decay"), py::arg("weight_decay"), py::arg("eps"),
        py::arg("maximize").noconvert(), "Adagrad in place; see i2dl.kernels.reference.adagrad_step_.");
  m.def("adam_multi_step_", &adam_multi_step, py::kw_only(), py::arg("params"), py::arg("grads"), py::arg("exp_avgs"),
        py::arg("exp_avg_sqs"), py::arg("max_exp_avg_sqs").none(true), py::arg("step"), py::arg("lr"),
        py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"), py::arg("amsgrad").noconvert(),
        py::arg("maximize").noconvert(), py::arg("decoupled_weight_decay").noconvert(),
        "adam_step_ on every parameter of the lists, in one call; see i2dl.kernels.reference.adam_multi_step_.");
}

}  // namespace i2dl::bind
