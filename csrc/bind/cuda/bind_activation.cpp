// _C_cuda: the activation family's launchers.
#include "common.h"
#include "i2dl/cuda/activation.h"

namespace i2dl::bind::cuda {

I2DL_BIND_FAMILY(activation) {
  m.def("relu_forward", [](const std::string& dt, index_t n, u x, u y, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::relu_forward(n, dev<const T>(x), dev<T>(y), stream_of(st))); });
  });
  m.def("relu_backward", [](const std::string& dt, index_t n, u dy, u y, u dx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::relu_backward(n, dev<const T>(dy), dev<const T>(y), dev<T>(dx), stream_of(st))); });
  });
}

}  // namespace i2dl::bind::cuda
