// _C_cuda: the recurrent family's fused step passes (i2dl/kernels/cuda.py runs the GEMMs around them
// through CuPy and calls these by keyword; 0 for an absent pointer).
#include "common.h"
#include "i2dl/recurrent.h"

namespace i2dl::bind::cuda {

I2DL_BIND_FAMILY(recurrent) {
  m.def("recurrent_step_forward", [](const std::string& dt, int kind, index_t N, index_t H, u gates, u b_ih, u b_hh,
                                     u h_prev, u c_prev, u h, u c, u st) {
    with_dtype(dt, [&](auto z) {
      using T = decltype(z);
      check(i2dl::cuda::recurrent_step_forward(static_cast<CellKind>(kind), N, H, dev<T>(gates), dev<const T>(b_ih),
                                               dev<const T>(b_hh), dev<const T>(h_prev), dev<const T>(c_prev),
                                               dev<T>(h), dev<T>(c), stream_of(st)));
    });
  }, py::kw_only(), py::arg("dtype"), py::arg("kind"), py::arg("N"), py::arg("H"), py::arg("gates"), py::arg("b_ih"),
     py::arg("b_hh"), py::arg("h_prev"), py::arg("c_prev"), py::arg("h"), py::arg("c"), py::arg("stream"));
  m.def("recurrent_step_backward", [](const std::string& dt, int kind, index_t N, index_t H, u dh, u dc, u gates,
                                      u h_prev, u c_prev, u c, u h, u dgates, u direct, u st) {
    with_dtype(dt, [&](auto z) {
      using T = decltype(z);
      check(i2dl::cuda::recurrent_step_backward(static_cast<CellKind>(kind), N, H, dev<const T>(dh), dev<T>(dc),
                                                dev<const T>(gates), dev<const T>(h_prev), dev<const T>(c_prev),
                                                dev<const T>(c), dev<const T>(h), dev<T>(dgates), dev<T>(direct),
                                                stream_of(st)));
    });
  }, py::kw_only(), py::arg("dtype"), py::arg("kind"), py::arg("N"), py::arg("H"), py::arg("dh"), py::arg("dc"),
     py::arg("gates"), py::arg("h_prev"), py::arg("c_prev"), py::arg("c"), py::arg("h"), py::arg("dgates"),
     py::arg("direct"), py::arg("stream"));
}

}  // namespace i2dl::bind::cuda
