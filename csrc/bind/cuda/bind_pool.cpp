// _C_cuda: the pool family's launchers.
#include "common.h"
#include "i2dl/pool2d.h"

namespace i2dl::bind::cuda {

I2DL_BIND_FAMILY(pool) {
  m.def("max_pool2d_forward", [](const std::string& dt, const Pool2dShape& g, u x, u y, u idx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::max_pool2d_forward(g, dev<const T>(x), dev<T>(y), dev<std::int64_t>(idx), stream_of(st))); });
  });
  m.def("max_pool2d_backward", [](const std::string& dt, const Pool2dShape& g, u dy, u idx, u dx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::max_pool2d_backward(g, dev<const T>(dy), dev<const std::int64_t>(idx), dev<T>(dx), stream_of(st))); });
  });
  m.def("avg_pool2d_forward", [](const std::string& dt, const Pool2dShape& g, u x, u y, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::avg_pool2d_forward(g, dev<const T>(x), dev<T>(y), stream_of(st))); });
  });
  m.def("avg_pool2d_backward", [](const std::string& dt, const Pool2dShape& g, u dy, u dx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::avg_pool2d_backward(g, dev<const T>(dy), dev<T>(dx), stream_of(st))); });
  });
  m.def("global_avg_pool2d_forward", [](const std::string& dt, index_t planes, index_t size, u x, u y, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::global_avg_pool2d_forward(planes, size, dev<const T>(x), dev<T>(y), stream_of(st))); });
  });
  m.def("global_avg_pool2d_backward", [](const std::string& dt, index_t planes, index_t size, u dy, u dx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::global_avg_pool2d_backward(planes, size, dev<const T>(dy), dev<T>(dx), stream_of(st))); });
  });
}

}  // namespace i2dl::bind::cuda
