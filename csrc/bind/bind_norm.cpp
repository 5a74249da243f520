// _C.batch_norm_* / group_norm_* / layer_norm_*: every argument by keyword, as the generated adapter
// passes them (i2dl/kernels/checks/norm.py gives the names and sizes). Each array is checked here
// against the sizes before its pointer is taken; an optional one may be None.
#include "checks.h"
#include "family.h"
#include "i2dl/norm.h"

namespace i2dl::bind {
namespace {

void batch_norm_forward(py::handle x_, py::handle running_mean_, py::handle running_var_, py::handle weight_,
                        py::handle bias_, py::handle y_, py::handle mean_, py::handle invstd_, int64_t N, int64_t C,
                        int64_t S, bool training, double momentum, double eps) {
  const char* fn = "batch_norm_forward";
  const int64_t n = count_of(fn, "N, C, S", {N, C, S});
  Arrays a{fn, require_float_count(x_, fn, "x", n)};
  auto rm = a.get(running_mean_, "running_mean", C, true), rv = a.get(running_var_, "running_var", C, true);
  auto w = a.get(weight_, "weight", C), b = a.get(bias_, "bias", C);
  auto y = a.get(y_, "y", n, true), mean = a.get(mean_, "mean", C, true), invstd = a.get(invstd_, "invstd", C, true);
  if (!y || !mean || !invstd) throw py::value_error(std::string(fn) + ": outputs 'y', 'mean' and 'invstd' are required");
  if (rm.has_value() != rv.has_value() || (!training && !rm))
    throw py::value_error(std::string(fn) + ": arguments 'running_mean' and 'running_var' must be given together "
                          "(and are required when training is False)");
  with_float_type(a.x, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = ptr<T>(a.x);
    ComputeScope scope;
    i2dl::batch_norm_forward<T>({N, C, S}, xp, mptr<T>(rm), mptr<T>(rv), cptr<T>(w), cptr<T>(b), training, momentum,
                                eps, mptr<T>(y), mptr<T>(mean), mptr<T>(invstd));
  });
}

void batch_norm_backward(py::handle dy_, py::handle x_, py::handle mean_, py::handle invstd_, py::handle weight_,
                         py::handle dx_, py::handle dweight_, py::handle dbias_, int64_t N, int64_t C, int64_t S,
                         bool training) {
  const char* fn = "batch_norm_backward";
  const int64_t n = count_of(fn, "N, C, S", {N, C, S});
  Arrays a{fn, require_float_count(x_, fn, "x", n)};
  auto dy = a.get(dy_, "dy", n), mean = a.get(mean_, "mean", C), invstd = a.get(invstd_, "invstd", C);
  auto w = a.get(weight_, "weight", C);
  auto dx = a.get(dx_, "dx", n, true), dw = a.get(dweight_, "dweight", C, true), db = a.get(dbias_, "dbias", C, true);
  if (!dy || !mean || !invstd || !dx || !dw || !db)
    throw py::value_error(std::string(fn) + ": arguments 'dy', 'mean', 'invstd', 'dx', 'dweight', 'dbias' are required");
  with_float_type(a.x, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = ptr<T>(a.x);
    ComputeScope scope;
    i2dl::batch_norm_backward<T>({N, C, S}, cptr<T>(dy), xp, cptr<T>(mean), cptr<T>(invstd), cptr<T>(w), training,
                                 mptr<T>(dx), mptr<T>(dw), mptr<T>(db));
  });
}

void require_groups(const char* fn, int64_t C, int64_t G) {
  if (G < 1 || C % G)
    throw py::value_error(std::string(fn) + ": argument 'num_groups' must divide the " + std::to_string(C) +
                          " channels, got " + std::to_string(G));
}

// Group norm's kernel with its names: layer norm is its (rows, D, 1, 1) case.
void norm_forward(const char* fn, py::handle x_, py::handle weight_, py::handle bias_, py::handle running_mean_,
                  py::handle running_var_, py::handle y_, py::handle mean_, py::handle invstd_, int64_t N, int64_t C,
                  int64_t S, int64_t G, double eps, double momentum, int64_t affine_count) {
  const int64_t n = count_of(fn, "N, C, S", {N, C, S}), sets = count_of(fn, "N, G", {N, G});
  Arrays a{fn, require_float_count(x_, fn, "x", n)};
  auto w = a.get(weight_, "weight", affine_count), b = a.get(bias_, "bias", affine_count);
  auto rm = a.get(running_mean_, "running_mean", G, true), rv = a.get(running_var_, "running_var", G, true);
  auto y = a.get(y_, "y", n, true), mean = a.get(mean_, "mean", sets, true), invstd = a.get(invstd_, "invstd", sets, true);
  if (!y || !mean || !invstd) throw py::value_error(std::string(fn) + ": outputs 'y', 'mean' and 'invstd' are required");
  if (rm.has_value() != rv.has_value())
    throw py::value_error(std::string(fn) + ": arguments 'running_mean' and 'running_var' must be given together");
  with_float_type(a.x, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = ptr<T>(a.x);
    ComputeScope scope;
    i2dl::group_norm_forward<T>({N, C, S, G}, xp, cptr<T>(w), cptr<T>(b), eps, mptr<T>(rm), mptr<T>(rv), momentum,
                                mptr<T>(y), mptr<T>(mean), mptr<T>(invstd));
  });
}

void norm_backward(const char* fn, py::handle dy_, py::handle x_, py::handle mean_, py::handle invstd_,
                   py::handle weight_, py::handle dx_, py::handle dweight_, py::handle dbias_, int64_t N, int64_t C,
                   int64_t S, int64_t G) {
  const int64_t n = count_of(fn, "N, C, S", {N, C, S}), sets = count_of(fn, "N, G", {N, G});
  Arrays a{fn, require_float_count(x_, fn, "x", n)};
  auto dy = a.get(dy_, "dy", n), mean = a.get(mean_, "mean", sets), invstd = a.get(invstd_, "invstd", sets);
  auto w = a.get(weight_, "weight", C);
  auto dx = a.get(dx_, "dx", n, true), dw = a.get(dweight_, "dweight", C, true), db = a.get(dbias_, "dbias", C, true);
  if (!dy || !mean || !invstd || !dx || !dw || !db)
    throw py::value_error(std::string(fn) + ": arguments 'dy', 'mean', 'invstd', 'dx', 'dweight', 'dbias' are required");
  with_float_type(a.x, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = ptr<T>(a.x);
    ComputeScope scope;
    i2dl::group_norm_backward<T>({N, C, S, G}, cptr<T>(dy), xp, cptr<T>(mean), cptr<T>(invstd), cptr<T>(w),
                                 mptr<T>(dx), mptr<T>(dw), mptr<T>(db));
  });
}

}  // namespace

I2DL_BIND_FAMILY(norm) {
  m.def("batch_norm_forward", &batch_norm_forward, py::kw_only(), py::arg("x"), py::arg("running_mean").none(true),
        py::arg("running_var").none(true), py::arg("weight").none(true), py::arg("bias").none(true), py::arg("y"),
        py::arg("mean"), py::arg("invstd"), py::arg("N"), py::arg("C"), py::arg("S"), py::arg("training"),
        py::arg("momentum"), py::arg("eps"));
  m.def("batch_norm_backward", &batch_norm_backward, py::kw_only(), py::arg("dy"), py::arg("x"), py::arg("mean"),
        py::arg("invstd"), py::arg("weight").none(true), py::arg("dx"), py::arg("dweight"), py::arg("dbias"),
        py::arg("N"), py::arg("C"), py::arg("S"), py::arg("training"));
  m.def("group_norm_forward",
        [](py::handle x, py::handle weight, py::handle bias, py::handle running_mean, py::handle running_var,
           py::handle y, py::handle mean, py::handle invstd, int64_t N, int64_t C, int64_t S, int64_t G, double eps,
           double momentum) {
          require_groups("group_norm_forward", C, G);
          norm_forward("group_norm_forward", x, weight, bias, running_mean, running_var, y, mean, invstd, N, C, S, G,
                       eps, momentum, C);
        },
        py::kw_only(), py::arg("x"), py::arg("weight").none(true), py::arg("bias").none(true),
        py::arg("running_mean").none(true), py::arg("running_var").none(true), py::arg("y"), py::arg("mean"),
        py::arg("invstd"), py::arg("N"), py::arg("C"), py::arg("S"), py::arg("G"), py::arg("eps"), py::arg("momentum"));
  m.def("group_norm_backward",
        [](py::handle dy, py::handle x, py::handle mean, py::handle invstd, py::handle weight, py::handle dx,
           py::handle dweight, py::handle dbias, int64_t N, int64_t C, int64_t S, int64_t G) {
          require_groups("group_norm_backward", C, G);
          norm_backward("group_norm_backward", dy, x, mean, invstd, weight, dx, dweight, dbias, N, C, S, G);
        },
        py::kw_only(), py::arg("dy"), py::arg("x"), py::arg("mean"), py::arg("invstd"), py::arg("weight").none(true),
        py::arg("dx"), py::arg("dweight"), py::arg("dbias"), py::arg("N"), py::arg("C"), py::arg("S"), py::arg("G"));
  m.def("layer_norm_forward",
        [](py::handle x, py::handle weight, py::handle bias, py::handle y, py::handle mean, py::handle invstd,
           int64_t M, int64_t D, double eps) {
          norm_forward("layer_norm_forward", x, weight, bias, py::none(), py::none(), y, mean, invstd, M, D, 1, 1, eps,
                       0.0, D);
        },
        py::kw_only(), py::arg("x"), py::arg("weight").none(true), py::arg("bias").none(true), py::arg("y"),
        py::arg("mean"), py::arg("invstd"), py::arg("M"), py::arg("D"), py::arg("eps"));
  m.def("layer_norm_backward",
        [](py::handle dy, py::handle x, py::handle mean, py::handle invstd, py::handle weight, py::handle dx,
           py::handle dweight, py::handle dbias, int64_t M, int64_t D) {
          norm_backward("layer_norm_backward", dy, x, mean, invstd, weight, dx, dweight, dbias, M, D, 1, 1);
        },
        py::kw_only(), py::arg("dy"), py::arg("x"), py::arg("mean"), py::arg("invstd"), py::arg("weight").none(true),
        py::arg("dx"), py::arg("dweight"), py::arg("dbias"), py::arg("M"), py::arg("D"));
}

}  // namespace i2dl::bind
