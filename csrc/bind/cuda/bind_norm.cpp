// _C_cuda: the normalization family's launchers, every argument by keyword as the generated adapter
// passes them (the names and sizes of i2dl/kernels/checks/norm.py; absent arrays are null pointers).
#include "common.h"
#include "i2dl/norm.h"

namespace i2dl::bind::cuda {

I2DL_BIND_FAMILY(norm) {
  m.def("batch_norm_forward",
        [](const std::string& dt, u x, u running_mean, u running_var, u weight, u bias, u y, u mean, u invstd,
           index_t N, index_t C, index_t S, bool training, double momentum, double eps, u st) {
          with_dtype(dt, [&](auto z) {
            using T = decltype(z);
            check(i2dl::cuda::batch_norm_forward<T>({N, C, S}, dev<const T>(x), dev<T>(running_mean), dev<T>(running_var),
                                                    dev<const T>(weight), dev<const T>(bias), training, momentum, eps,
                                                    dev<T>(y), dev<T>(mean), dev<T>(invstd), stream_of(st)));
          });
        },
        py::kw_only(), py::arg("dtype"), py::arg("x"), py::arg("running_mean"), py::arg("running_var"),
        py::arg("weight"), py::arg("bias"), py::arg("y"), py::arg("mean"), py::arg("invstd"), py::arg("N"),
        py::arg("C"), py::arg("S"), py::arg("training"), py::arg("momentum"), py::arg("eps"), py::arg("stream"));
  m.def("batch_norm_backward",
        [](const std::string& dt, u dy, u x, u mean, u invstd, u weight, u dx, u dweight, u dbias, index_t N,
           index_t C, index_t S, bool training, u st) {
          with_dtype(dt, [&](auto z) {
            using T = decltype(z);
            check(i2dl::cuda::batch_norm_backward<T>({N, C, S}, dev<const T>(dy), dev<const T>(x), dev<const T>(mean),
                                                     dev<const T>(invstd), dev<const T>(weight), training, dev<T>(dx),
                                                     dev<T>(dweight), dev<T>(dbias), stream_of(st)));
          });
        },
        py::kw_only(), py::arg("dtype"), py::arg("dy"), py::arg("x"), py::arg("mean"), py::arg("invstd"),
        py::arg("weight"), py::arg("dx"), py::arg("dweight"), py::arg("dbias"), py::arg("N"), py::arg("C"),
        py::arg("S"), py::arg("training"), py::arg("stream"));
  m.def("group_norm_forward",
        [](const std::string& dt, u x, u weight, u bias, u running_mean, u running_var, u y, u mean, u invstd,
           index_t N, index_t C, index_t S, index_t G, double eps, double momentum, u st) {
          with_dtype(dt, [&](auto z) {
            using T = decltype(z);
            check(i2dl::cuda::group_norm_forward<T>({N, C, S, G}, dev<const T>(x), dev<const T>(weight),
                                                    dev<const T>(bias), eps, dev<T>(running_mean), dev<T>(running_var),
                                                    momentum, dev<T>(y), dev<T>(mean), dev<T>(invstd), stream_of(st)));
          });
        },
        py::kw_only(), py::arg("dtype"), py::arg("x"), py::arg("weight"), py::arg("bias"), py::arg("running_mean"),
        py::arg("running_var"), py::arg("y"), py::arg("mean"), py::arg("invstd"), py::arg("N"), py::arg("C"),
        py::arg("S"), py::arg("G"), py::arg("eps"), py::arg("momentum"), py::arg("stream"));
  m.def("group_norm_backward",
        [](const std::string& dt, u dy, u x, u mean, u invstd, u weight, u dx, u dweight, u dbias, index_t N,
           index_t C, index_t S, index_t G, u st) {
          with_dtype(dt, [&](auto z) {
            using T = decltype(z);
            check(i2dl::cuda::group_norm_backward<T>({N, C, S, G}, dev<const T>(dy), dev<const T>(x),
                                                     dev<const T>(mean), dev<const T>(invstd), dev<const T>(weight),
                                                     dev<T>(dx), dev<T>(dweight), dev<T>(dbias), stream_of(st)));
          });
        },
        py::kw_only(), py::arg("dtype"), py::arg("dy"), py::arg("x"), py::arg("mean"), py::arg("invstd"),
        py::arg("weight"), py::arg("dx"), py::arg("dweight"), py::arg("dbias"), py::arg("N"), py::arg("C"),
        py::arg("S"), py::arg("G"), py::arg("stream"));
  // Layer norm is group norm's (rows, D, 1, 1) case.
  m.def("layer_norm_forward",
        [](const std::string& dt, u x, u weight, u bias, u y, u mean, u invstd, index_t M, index_t D, double eps, u st) {
          with_dtype(dt, [&](auto z) {
            using T = decltype(z);
            check(i2dl::cuda::group_norm_forward<T>({M, D, 1, 1}, dev<const T>(x), dev<const T>(weight),
                                                    dev<const T>(bias), eps, nullptr, nullptr, 0.0, dev<T>(y),
                                                    dev<T>(mean), dev<T>(invstd), stream_of(st)));
          });
        },
        py::kw_only(), py::arg("dtype"), py::arg("x"), py::arg("weight"), py::arg("bias"), py::arg("y"),
        py::arg("mean"), py::arg("invstd"), py::arg("M"), py::arg("D"), py::arg("eps"), py::arg("stream"));
  m.def("layer_norm_backward",
        [](const std::string& dt, u dy, u x, u mean, u invstd, u weight, u dx, u dweight, u dbias, index_t M,
           index_t D, u st) {
          with_dtype(dt, [&](auto z) {
            using T = decltype(z);
            check(i2dl::cuda::group_norm_backward<T>({M, D, 1, 1}, dev<const T>(dy), dev<const T>(x),
                                                     dev<const T>(mean), dev<const T>(invstd), dev<const T>(weight),
                                                     dev<T>(dx), dev<T>(dweight), dev<T>(dbias), stream_of(st)));
          });
        },
        py::kw_only(), py::arg("dtype"), py::arg("dy"), py::arg("x"), py::arg("mean"), py::arg("invstd"),
        py::arg("weight"), py::arg("dx"), py::arg("dweight"), py::arg("dbias"), py::arg("M"), py::arg("D"),
        py::arg("stream"));
}

}  // namespace i2dl::bind::cuda
