// _C_cuda: the optim family's launchers.
#include "common.h"
#include "i2dl/optim.h"
#include "i2dl/optim.h"

namespace i2dl::bind::cuda {

I2DL_BIND_FAMILY(optim) {
  m.def("sgd_step_", [](const std::string& dt, index_t n, u p, u g, u v, const SgdConfig& c, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::sgd_step(n, dev<T>(p), dev<const T>(g), v ? dev<T>(v) : nullptr, c.lr, c.momentum, c.dampening, c.weight_decay, c.nesterov, c.first_step, stream_of(st))); });
  });
}

}  // namespace i2dl::bind::cuda
