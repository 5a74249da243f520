// _C_cuda: the warp family's launchers (affine_warp2d).
#include "common.h"
#include "i2dl/warp.h"

namespace i2dl::bind::cuda {

I2DL_BIND_FAMILY(warp) {
  m.def("affine_warp2d_forward", [](const std::string& dt, index_t N, index_t C, index_t H, index_t W, u x, u theta, double fill, u y, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::affine_warp2d_forward(N, C, H, W, dev<const T>(x), dev<const T>(theta), fill, dev<T>(y), stream_of(st))); });
  });
  m.def("affine_warp2d_backward", [](const std::string& dt, index_t N, index_t C, index_t H, index_t W, u dy, u theta, u dx, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::affine_warp2d_backward(N, C, H, W, dev<const T>(dy), dev<const T>(theta), dev<T>(dx), stream_of(st))); });
  });
}

}  // namespace i2dl::bind::cuda
