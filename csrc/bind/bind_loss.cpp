// _C.cross_entropy_forward / _C.cross_entropy_backward: outputs passed in; labels are checked
// (int64, shape (N,), every value in [0, C)) before any pointer is taken.
#include <cstdint>

#include "checks.h"
#include "family.h"
#include "i2dl/loss.h"

namespace i2dl::bind {

static py::array logits_and_labels(const char* fn, py::handle z_, py::handle labels_, py::array& labels) {
  py::array z = require_float(z_, fn, "z", 2);
  if (z.shape(1) < 1)
    throw py::value_error(std::string(fn) + ": argument 'z' must have at least one class (C >= 1), got shape " +
                          shape_str(z));
  labels = require_ndarray(labels_, fn, "labels");
  require_index_array(labels, fn, "labels", false);
  require_shape(labels, fn, "labels", {z.shape(0)});
  const auto* lp = ptr<std::int64_t>(labels);
  const std::int64_t C = z.shape(1);
  for (py::ssize_t i = 0; i < labels.size(); ++i)
    if (lp[i] < 0 || lp[i] >= C)
      throw py::value_error(std::string(fn) + ": argument 'labels' holds labels outside [0, " + std::to_string(C) +
                            "): labels[" + std::to_string(i) + "] = " + std::to_string(lp[i]));
  return z;
}

static void cross_entropy_forward(py::handle z_, py::handle labels_, py::handle loss_) {
  const char* fn = "cross_entropy_forward";
  py::array labels;
  py::array z = logits_and_labels(fn, z_, labels_, labels);
  py::array loss = require_float(loss_, fn, "loss", 1, &z, "z", true);
  require_shape(loss, fn, "loss", {z.shape(0)});
  with_float_type(z, [&](auto zero) {
    using T = decltype(zero);
    const T* zp = ptr<T>(z);
    const std::int64_t* lp = ptr<std::int64_t>(labels);
    T* out = mut_ptr<T>(loss);
    ComputeScope scope;
    i2dl::cross_entropy_forward<T>(z.shape(0), z.shape(1), zp, lp, out);
  });
}

static void cross_entropy_backward(py::handle dloss_, py::handle z_, py::handle labels_, py::handle dz_) {
  const char* fn = "cross_entropy_backward";
  py::array labels;
  py::array z = logits_and_labels(fn, z_, labels_, labels);
  py::array dloss = require_float(dloss_, fn, "dloss", 1, &z, "z");
  require_shape(dloss, fn, "dloss", {z.shape(0)});
  py::array dz = require_float(dz_, fn, "dz", 2, &z, "z", true);
  require_shape(dz, fn, "dz", {z.shape(0), z.shape(1)});
  with_float_type(z, [&](auto zero) {
    using T = decltype(zero);
    const T *gp = ptr<T>(dloss), *zp = ptr<T>(z);
    const std::int64_t* lp = ptr<std::int64_t>(labels);
    T* out = mut_ptr<T>(dz);
    ComputeScope scope;
    i2dl::cross_entropy_backward<T>(z.shape(0), z.shape(1), gp, zp, lp, out);
  });
}

I2DL_BIND_FAMILY(loss) {
  m.def("cross_entropy_forward", &cross_entropy_forward, py::arg("z"), py::arg("labels"), py::arg("loss"),
        "loss[i] = logsumexp(z[i]) - z[i, labels[i]] written into loss (N,); see i2dl.kernels.reference.loss.");
  m.def("cross_entropy_backward", &cross_entropy_backward, py::arg("dloss"), py::arg("z"), py::arg("labels"),
        py::arg("dz"), "dz = dloss[:, None] * (softmax(z) - onehot(labels)) written into dz (N, C).");
}

}  // namespace i2dl::bind
