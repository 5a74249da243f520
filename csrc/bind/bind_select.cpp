// _C.topk_forward / _C.topk_backward: outputs passed in. The bindings check what memory safety needs
// (dtypes, shapes against each other, k within the row, every backward index within its row)
// before a pointer is taken; the argument rules live in i2dl/kernels/checks/select.py.
#include <cstdint>

#include "checks.h"
#include "family.h"
#include "i2dl/select.h"

namespace i2dl::bind {
namespace {

void topk_forward(py::handle x_, int64_t k, bool largest, py::handle values_, py::handle indices_) {
  const char* fn = "topk_forward";
  py::array x = require_float(x_, fn, "x", 2);
  const int64_t N = x.shape(0), n = x.shape(1);
  if (k < 1 || k > n)
    throw py::value_error(std::string(fn) + ": argument 'k' must be in [1, " + std::to_string(n) + "], got " +
                          std::to_string(k));
  py::array values = require_float(values_, fn, "values", 2, &x, "x", true);
  require_shape(values, fn, "values", {N, k});
  py::array indices = require_ndarray(indices_, fn, "indices");
  require_index_array(indices, fn, "indices", true);
  require_shape(indices, fn, "indices", {N, k});
  with_float_type(x, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = ptr<T>(x);
    T* vp = mut_ptr<T>(values);
    int64_t* ip = mut_ptr<int64_t>(indices);
    ComputeScope scope;
    i2dl::topk_forward<T>(N, n, k, largest, xp, vp, ip);
  });
}

void topk_backward(py::handle dvalues_, py::handle indices_, py::handle dx_) {
  const char* fn = "topk_backward";
  py::array dv = require_float(dvalues_, fn, "dvalues", 2);
  const int64_t N = dv.shape(0), k = dv.shape(1);
  py::array indices = require_ndarray(indices_, fn, "indices");
  require_index_array(indices, fn, "indices", false);
  require_shape(indices, fn, "indices", {N, k});
  py::array dx = require_float(dx_, fn, "dx", 2, &dv, "dvalues", true);
  if (dx.shape(0) != N || dx.shape(1) < k)
    throw py::value_error(std::string(fn) + ": argument 'dx' must have " + std::to_string(N) + " rows of at least " +
                          std::to_string(k) + ", got shape " + shape_str(dx));
  const int64_t n = dx.shape(1);
  const auto* ip = ptr<int64_t>(indices);
  for (py::ssize_t i = 0; i < indices.size(); ++i)
    if (ip[i] < 0 || ip[i] >= n)
      throw py::value_error(std::string(fn) + ": argument 'indices' holds " + std::to_string(ip[i]) + ", outside [0, " +
                            std::to_string(n) + ")");
  with_float_type(dv, [&](auto zero) {
    using T = decltype(zero);
    const T* gp = ptr<T>(dv);
    T* out = mut_ptr<T>(dx);
    ComputeScope scope;
    i2dl::topk_backward<T>(N, n, k, gp, ip, out);
  });
}

}  // namespace

I2DL_BIND_FAMILY(select) {
  m.def("topk_forward", &topk_forward, py::arg("x"), py::arg("k"), py::arg("largest"), py::arg("values"),
        py::arg("indices"));
  m.def("topk_backward", &topk_backward, py::arg("dvalues"), py::arg("indices"), py::arg("dx"));
}

}  // namespace i2dl::bind
