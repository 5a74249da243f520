// _C_cuda: the loss family's launchers.
#include "common.h"
#include "i2dl/loss.h"

namespace i2dl::bind::cuda {

I2DL_BIND_FAMILY(loss) {
  m.def("cross_entropy_forward", [](const std::string& dt, index_t N, index_t C, u z, u labels, u loss, u st) {
    with_dtype(dt, [&](auto zz) { using T = decltype(zz); check(i2dl::cuda::cross_entropy_forward(N, C, dev<const T>(z), dev<const std::int64_t>(labels), dev<T>(loss), stream_of(st))); });
  });
  m.def("cross_entropy_backward", [](const std::string& dt, index_t N, index_t C, u dloss, u z, u labels, u dz, u st) {
    with_dtype(dt, [&](auto zz) { using T = decltype(zz); check(i2dl::cuda::cross_entropy_backward(N, C, dev<const T>(dloss), dev<const T>(z), dev<const std::int64_t>(labels), dev<T>(dz), stream_of(st))); });
  });
}

}  // namespace i2dl::bind::cuda
