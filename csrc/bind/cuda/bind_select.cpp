// _C_cuda: the selection family's launchers (topk).
#include "common.h"
#include "i2dl/select.h"

namespace i2dl::bind::cuda {

I2DL_BIND_FAMILY(select) {
  m.def("topk_forward", [](const std::string& dt, index_t N, index_t n, index_t k, bool largest, u x, u values, u indices, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::topk_forward(N, n, k, largest, dev<const T>(x), dev<T>(values), dev<std::int64_t>(indices), stream_of(st))); });
  });
  m.def("topk_backward", [](const std::string& dt, index_t N, index_t n, index_t k, u dvalues, u indices, u dx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::topk_backward(N, n, k, dev<const T>(dvalues), dev<const std::int64_t>(indices), dev<T>(dx), stream_of(st))); });
  });
}

}  // namespace i2dl::bind::cuda
