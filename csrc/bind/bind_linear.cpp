// _C.linear_forward / _C.linear_backward on 2-D views (i2dl.kernels.cpu flattens leading dims).
#include "checks.h"
#include "family.h"
#include "i2dl/gemm_packed.h"
#include "i2dl/linear.h"

namespace i2dl::bind {

// x (M, K) and w (N, K) checked and their dims returned.
struct LinearDims {
  py::array x, w;
  index_t M, K, N;
};

static LinearDims linear_dims(const char* fn, py::handle x_, py::handle w_) {
  py::array x = require_float(x_, fn, "x", 2);
  py::array w = require_float(w_, fn, "w", 2, &x, "x");
  if (w.shape(1) != x.shape(1))
    throw py::value_error(std::string(fn) + ": argument 'w' must have in_features = " + std::to_string(x.shape(1)) +
                          " columns (the last dim of 'x'), got shape " + shape_str(w));
  return {x, w, x.shape(0), x.shape(1), w.shape(0)};
}

static void linear_forward(py::handle x_, py::handle w_, py::handle b_, py::handle y_) {
  const char* fn = "linear_forward";
  auto [x, w, M, K, N] = linear_dims(fn, x_, w_);
  const bool has_b = !b_.is_none();
  py::array b;
  if (has_b) {
    b = require_float(b_, fn, "b", 1, &x, "x");
    require_shape(b, fn, "b", {N});
  }
  py::array y = require_float(y_, fn, "y", 2, &x, "x", true);
  require_shape(y, fn, "y", {M, N});
  with_float_type(x, [&](auto zero) {
    using T = decltype(zero);
    const T *xp = ptr<T>(x), *wp = ptr<T>(w), *bp = has_b ? ptr<T>(b) : nullptr;
    T* yp = mut_ptr<T>(y);
    ComputeScope scope;
    i2dl::linear_forward(M, K, N, xp, wp, bp, yp);
  });
}

static void linear_backward(py::handle dy_, py::handle x_, py::handle w_, py::handle dx_, py::handle dw_, py::handle db_) {
  const char* fn = "linear_backward";
  auto [x, w, M, K, N] = linear_dims(fn, x_, w_);
  py::array dy = require_float(dy_, fn, "dy", 2, &x, "x");
  require_shape(dy, fn, "dy", {M, N});
  const bool has_dx = !dx_.is_none();  // None: the input needs no gradient
  py::array dx;
  if (has_dx) {
    dx = require_float(dx_, fn, "dx", 2, &x, "x", true);
    require_shape(dx, fn, "dx", {M, K});
  }
  py::array dw = require_float(dw_, fn, "dw", 2, &x, "x", true);
  require_shape(dw, fn, "dw", {N, K});
  const bool has_b = !db_.is_none();
  py::array db;
  if (has_b) {
    db = require_float(db_, fn, "db", 1, &x, "x", true);
    require_shape(db, fn, "db", {N});
  }
  with_float_type(x, [&](auto zero) {
    using T = decltype(zero);
    const T *dyp = ptr<T>(dy), *xp = ptr<T>(x), *wp = ptr<T>(w);
    T *dxp = has_dx ? mut_ptr<T>(dx) : nullptr, *dwp = mut_ptr<T>(dw), *dbp = has_b ? mut_ptr<T>(db) : nullptr;
    ComputeScope scope;
    i2dl::linear_backward(M, K, N, dyp, xp, wp, dxp, dwp, dbp);
  });
}

// c (m, n) = a (m, K) b (+ c when accumulate), b (K, n) or, with trans_b, b (n, K) used as its transpose:
// the packed-panel GEMM of the recurrent steps (gemm_packed.h) at a chosen panel width, so that the tests
// cover both widths on any CPU.
static void gemm_packed(py::handle a_, py::handle b_, py::handle c_, bool trans_b, bool accumulate, int vectors) {
  const char* fn = "gemm_packed";
  py::array a = require_float(a_, fn, "a", 2);
  py::array b = require_float(b_, fn, "b", 2, &a, "a");
  const index_t m = a.shape(0), K = a.shape(1), n = trans_b ? b.shape(0) : b.shape(1);
  require_shape(b, fn, "b", trans_b ? std::vector<py::ssize_t>{n, K} : std::vector<py::ssize_t>{K, n});
  py::array c = require_float(c_, fn, "c", 2, &a, "a", true);
  require_shape(c, fn, "c", {m, n});
  if (vectors != 1 && vectors != 2)
    throw py::value_error("gemm_packed: argument 'vectors' must be 1 or 2, got " + std::to_string(vectors));
  with_float_type(a, [&](auto zero) {
    using T = decltype(zero);
    std::vector<T> panels(packed_size<T>(K, n, vectors));
    ComputeScope scope;
    pack_panels(trans_b, K, n, ptr<T>(b), b.shape(1), panels.data(), vectors);
    i2dl::gemm_packed(m, n, K, ptr<T>(a), K, panels.data(), accumulate, mut_ptr<T>(c), n, vectors);
  });
}

I2DL_BIND_FAMILY(linear) {
  m.def("gemm_packed", &gemm_packed, py::kw_only(), py::arg("a"), py::arg("b"), py::arg("c"), py::arg("trans_b"),
        py::arg("accumulate"), py::arg("vectors"));
  m.def("panel_vectors", &i2dl::panel_vectors);
  m.def("linear_forward", &linear_forward, py::arg("x"), py::arg("w"), py::arg("b"), py::arg("y"));
  m.def("linear_backward", &linear_backward, py::arg("dy"), py::arg("x"), py::arg("w"), py::arg("dx"), py::arg("dw"),
        py::arg("db"));
}

}  // namespace i2dl::bind
