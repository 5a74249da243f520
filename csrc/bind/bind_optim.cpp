// _C.sgd_step_: updates param (and velocity) in place.
#include "checks.h"
#include "family.h"
#include "i2dl/optim.h"

#include <type_traits>

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

// The lists of a multi-tensor call, checked: lists[0] the tensors (params, or the arrays of a
// reduction), each other list (None where the step does not use it) of the same length, element i
// of each a C-contiguous float array of lists[0][0]'s dtype and lists[0][i]'s shape, writable
// where written: the whole contract of the arrays (checks/optim.py), so that the cpu backend can
// leave the lists to this check and run the contract only to word an error. `arrays` holds them tensor by tensor (row i: one array per used list),
// and keeps them referenced while their pointers are used.
struct TensorLists {
  size_t n = 0, per = 0;
  std::vector<py::array> arrays;
  std::vector<bool> used;  // per list
  py::array& at(size_t i, size_t list) {
    size_t k = 0;
    for (size_t l = 0; l < list; ++l) k += used[l];
    return arrays[i * per + k];
  }
  template <typename T>
  T* mut(size_t i, size_t list) { return used[list] ? mut_ptr<T>(at(i, list)) : nullptr; }
};

struct ListArg {
  const char* name;
  py::object value;  // a sequence, or None (unused)
  bool writable;
};

static bool same_shape(const py::array& a, const py::array& b) {
  return a.ndim() == b.ndim() && std::equal(a.shape(), a.shape() + a.ndim(), b.shape());
}

static TensorLists tensor_lists(const char* fn, const std::vector<ListArg>& args) {
  TensorLists out;
  std::vector<py::sequence> seqs;
  for (const auto& a : args) {
    out.used.push_back(!a.value.is_none());
    seqs.push_back(a.value.is_none() ? py::sequence(py::list()) : py::reinterpret_borrow<py::sequence>(a.value));
  }
  out.n = seqs[0].size();
  for (size_t l = 1; l < args.size(); ++l) {
    if (out.used[l] && seqs[l].size() != out.n)
      throw py::value_error(std::string(fn) + ": argument '" + args[l].name + "' must have " + std::to_string(out.n) +
                            " arrays (one per parameter), got " + std::to_string(seqs[l].size()));
  }
  for (bool u : out.used) out.per += u;
  out.arrays.reserve(out.n * out.per);
  // The common case first, without a string: every element a C-contiguous ndarray of the first
  // array's dtype and its tensor's size, writable where written (measured on 300 tensors of 4k:
  // building the names cost as much as the step). Anything else takes the checks below, which
  // name the list and the index.
  bool fast = out.n > 0;
  py::dtype dt;
  for (size_t i = 0; fast && i < out.n; ++i) {
    py::array first_of_row;
    for (size_t l = 0; fast && l < args.size(); ++l) {
      if (!out.used[l]) continue;
      py::handle h = seqs[l][i];
      if (!py::isinstance<py::array>(h)) { fast = false; break; }
      py::array a = py::reinterpret_borrow<py::array>(h);
      if (i == 0 && l == 0) {
        dt = a.dtype();
        fast = dt.equal(py::dtype::of<float>()) || dt.equal(py::dtype::of<double>());
      }
      if (l == 0) first_of_row = a;
      fast = fast && a.dtype().equal(dt) && (a.flags() & py::array::c_style) && same_shape(a, first_of_row) &&
             (!args[l].writable || a.writeable());
      if (fast) out.arrays.push_back(a);
    }
  }
  if (fast) return out;
  out.arrays.clear();
  auto name_of = [&](size_t l, size_t i) { return std::string(args[l].name) + "[" + std::to_string(i) + "]"; };
  py::array first;
  for (size_t i = 0; i < out.n; ++i) {
    const std::string pn = name_of(0, i);
    py::array p = i == 0 ? require_float(seqs[0][i], fn, pn.c_str(), -1, nullptr, nullptr, args[0].writable)
                         : require_float(seqs[0][i], fn, pn.c_str(), -1, &first, name_of(0, 0).c_str(), args[0].writable);
    if (i == 0) first = p;
    out.arrays.push_back(p);
    for (size_t l = 1; l < args.size(); ++l) {
      if (!out.used[l]) continue;
      const std::string name = name_of(l, i);
      py::array a = require_float(seqs[l][i], fn, name.c_str(), -1, &p, pn.c_str(), args[l].writable);
      require_shape(a, fn, name.c_str(), std::vector<py::ssize_t>(p.shape(), p.shape() + p.ndim()));
      out.arrays.push_back(a);
    }
  }
  return out;
}

// The lists as the kernels take them: params, grads and up to three state lists (lists 2...).
template <typename T>
static std::vector<ParamTensors<T>> param_tensors(TensorLists& t) {
  std::vector<ParamTensors<T>> ts(t.n);
  for (size_t i = 0; i < t.n; ++i) {
    ts[i] = {t.at(i, 0).size(), t.mut<T>(i, 0), ptr<T>(t.at(i, 1)), {nullptr, nullptr, nullptr}};
    for (size_t l = 2; l < t.used.size(); ++l) ts[i].state[l - 2] = t.mut<T>(i, l);
  }
  return ts;
}

// Runs step(tensors) in T, the dtype of the lists, with the GIL released (nothing for empty lists).
template <typename Step>
static void multi_step(TensorLists& t, Step&& step) {
  if (t.n == 0) return;
  with_float_type(t.arrays[0], [&](auto zero) {
    using T = decltype(zero);
    std::vector<ParamTensors<T>> ts = param_tensors<T>(t);
    ComputeScope scope;
    step(ts);
  });
}

static py::object required(const char* fn, py::object list, bool needed, const char* name, const char* when) {
  if (!needed) return py::none();
  if (list.is_none()) throw py::value_error(std::string(fn) + ": argument '" + name + "' is required " + when);
  return list;
}

static void require_step(const char* fn, int64_t step) {
  if (step < 1) throw py::value_error(std::string(fn) + ": argument 'step' must be >= 1, got " + std::to_string(step));
}

// _C.<optimizer>_multi_step_: every argument by keyword (the Launch fields of checks/optim.py).
static void sgd_multi_step(py::object params, py::object grads, py::object momentum_buffers, double lr,
                           double momentum, double dampening, bool nesterov, double weight_decay, bool first_step) {
  const char* fn = "sgd_multi_step_";
  TensorLists t = tensor_lists(fn, {{"params", params, true}, {"grads", grads, false},
                                    {"momentum_buffers", required(fn, momentum_buffers, momentum != 0,
                                                                  "momentum_buffers", "when momentum != 0"), true}});
  const SgdConfig c{lr, momentum, dampening, weight_decay, nesterov, first_step};
  multi_step(t, [&](const auto& ts) { i2dl::sgd_multi_step(ts, c); });
}

static void adam_multi_step(py::object params, py::object grads, py::object exp_avgs, py::object exp_avg_sqs,
                            py::object max_exp_avg_sqs, int64_t step, double lr, double beta1, double beta2,
                            double eps, double weight_decay, bool amsgrad, bool maximize,
                            bool decoupled_weight_decay) {
  const char* fn = "adam_multi_step_";
  TensorLists t = tensor_lists(fn, {{"params", params, true}, {"grads", grads, false}, {"exp_avgs", exp_avgs, true},
                                    {"exp_avg_sqs", exp_avg_sqs, true},
                                    {"max_exp_avg_sqs", required(fn, max_exp_avg_sqs, amsgrad, "max_exp_avg_sqs",
                                                                 "with amsgrad"), true}});
  require_step(fn, step);
  const AdamConfig c{lr, beta1, beta2, eps, weight_decay, step, amsgrad, maximize, decoupled_weight_decay};
  multi_step(t, [&](const auto& ts) { i2dl::adam_multi_step(ts, c); });
}

static void rmsprop_multi_step(py::object params, py::object grads, py::object square_avgs, py::object grad_avgs,
                               py::object momentum_buffers, double lr, double alpha, double eps, double weight_decay,
                               double momentum, bool centered, bool maximize) {
  const char* fn = "rmsprop_multi_step_";
  TensorLists t = tensor_lists(
      fn, {{"params", params, true}, {"grads", grads, false}, {"square_avgs", square_avgs, true},
           {"grad_avgs", required(fn, grad_avgs, centered, "grad_avgs", "when centered"), true},
           {"momentum_buffers", required(fn, momentum_buffers, momentum > 0, "momentum_buffers", "when momentum > 0"),
            true}});
  const RmspropConfig c{lr, alpha, eps, weight_decay, momentum, centered, maximize};
  multi_step(t, [&](const auto& ts) { i2dl::rmsprop_multi_step(ts, c); });
}

static void adagrad_multi_step(py::object params, py::object grads, py::object state_sums, int64_t step, double lr,
                               double lr_decay, double weight_decay, double eps, bool maximize) {
  const char* fn = "adagrad_multi_step_";
  TensorLists t = tensor_lists(fn, {{"params", params, true}, {"grads", grads, false},
                                    {"state_sums", state_sums, true}});
  require_step(fn, step);
  const AdagradConfig c{lr, lr_decay, weight_decay, eps, step, maximize};
  multi_step(t, [&](const auto& ts) { i2dl::adagrad_multi_step(ts, c); });
}

// _C.total_norm, _C.mul_multi_, _C.clamp_multi_: one list of arrays.
template <typename Op>
static void over_spans(const char* fn, py::object tensors, bool writable, Op&& op) {
  TensorLists t = tensor_lists(fn, {{"tensors", tensors, writable}});
  if (t.n == 0) return;
  with_float_type(t.arrays[0], [&](auto zero) {
    using T = decltype(zero);
    std::vector<Span<T>> spans(t.n);
    for (size_t i = 0; i < t.n; ++i)  // writable checked above where the op writes; a reduction only reads
      spans[i] = {t.arrays[i].size(), const_cast<T*>(ptr<T>(t.arrays[i]))};
    ComputeScope scope;
    op(spans);
  });
}

static double total_norm(py::object tensors, double norm_type) {
  double out = 0;
  over_spans("total_norm", tensors, false, [&](const auto& spans) {
    using T = std::remove_pointer_t<decltype(spans[0].data)>;
    const std::vector<Span<const T>> ro(spans.begin(), spans.end());
    out = i2dl::total_norm(ro, norm_type);
  });
  return out;
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
  m.def("sgd_multi_step_", &sgd_multi_step, py::kw_only(), py::arg("params"), py::arg("grads"),
        py::arg("momentum_buffers").none(true), py::arg("lr"), py::arg("momentum"), py::arg("dampening"),
        py::arg("nesterov").noconvert(), py::arg("weight_decay"), py::arg("first_step").noconvert(),
        "sgd_step_ on every parameter of the lists, in one call; see i2dl.kernels.reference.sgd_multi_step_.");
  m.def("rmsprop_multi_step_", &rmsprop_multi_step, py::kw_only(), py::arg("params"), py::arg("grads"),
        py::arg("square_avgs"), py::arg("grad_avgs").none(true), py::arg("momentum_buffers").none(true), py::arg("lr"),
        py::arg("alpha"), py::arg("eps"), py::arg("weight_decay"), py::arg("momentum"), py::arg("centered").noconvert(),
        py::arg("maximize").noconvert(), "rmsprop_step_ on every parameter of the lists, in one call.");
  m.def("adagrad_multi_step_", &adagrad_multi_step, py::kw_only(), py::arg("params"), py::arg("grads"),
        py::arg("state_sums"), py::arg("step"), py::arg("lr"), py::arg("lr_decay"), py::arg("weight_decay"),
        py::arg("eps"), py::arg("maximize").noconvert(), "adagrad_step_ on every parameter of the lists, in one call.");
  m.def("total_norm", &total_norm, py::kw_only(), py::arg("tensors"), py::arg("norm_type"),
        "The norm of the arrays' concatenation; see i2dl.kernels.reference.total_norm.");
  m.def("mul_multi_", [](py::object tensors, double factor) {
          over_spans("mul_multi_", tensors, true, [&](const auto& spans) { i2dl::mul_multi(spans, factor); });
        }, py::kw_only(), py::arg("tensors"), py::arg("factor"), "x *= factor on every array of the list.");
  m.def("clamp_multi_", [](py::object tensors, double min, double max) {
          over_spans("clamp_multi_", tensors, true, [&](const auto& spans) { i2dl::clamp_multi(spans, min, max); });
        }, py::kw_only(), py::arg("tensors"), py::arg("min"), py::arg("max"),
        "x = min(max(x, min), max) on every array of the list (NaN stays NaN).");
}

}  // namespace i2dl::bind
