// _C_cuda: the conv family's launchers.
#include "common.h"
#include "i2dl/conv2d.h"

namespace i2dl::bind::cuda {

I2DL_BIND_FAMILY(conv) {
  m.def("im2col", [](const std::string& dt, const Conv2dShape& g, u x, index_t group, index_t n0, index_t count, u col, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::im2col(g, dev<const T>(x), group, n0, count, dev<T>(col), stream_of(st))); });
  });
  m.def("col2im", [](const std::string& dt, const Conv2dShape& g, u col, index_t group, index_t n0, index_t count, u dx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::col2im(g, dev<const T>(col), group, n0, count, dev<T>(dx), stream_of(st))); });
  });
  m.def("add_channel_bias", [](const std::string& dt, index_t N, index_t O, index_t P, u b, u y, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::add_channel_bias(N, O, P, dev<const T>(b), dev<T>(y), stream_of(st))); });
  });
  m.def("conv2d_direct_forward", [](const std::string& dt, const Conv2dShape& g, u x, u w, u b, u y, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::conv2d_direct_forward(g, dev<const T>(x), dev<const T>(w), b ? dev<const T>(b) : nullptr, dev<T>(y), stream_of(st))); });
  });
  m.def("conv2d_direct_backward_input", [](const std::string& dt, const Conv2dShape& g, u dy, u w, u dx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::conv2d_direct_backward_input(g, dev<const T>(dy), dev<const T>(w), dev<T>(dx), stream_of(st))); });
  });
  m.def("conv2d_direct_backward_weight", [](const std::string& dt, const Conv2dShape& g, u dy, u x, u dw, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::conv2d_direct_backward_weight(g, dev<const T>(dy), dev<const T>(x), dev<T>(dw), stream_of(st))); });
  });
}

}  // namespace i2dl::bind::cuda
