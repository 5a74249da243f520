// _C_cuda: the upsampling launchers (i2dl/kernels/cuda.py passes the taps and, for the backward,
// their inversion; every argument by keyword, pointers as integers).
#include "common.h"
#include "i2dl/upsample.h"

namespace i2dl::bind::cuda {

template <typename T>
static UpsampleTaps<T> taps(index_t planes, index_t H, index_t W, index_t OH, index_t OW, index_t th, index_t tw,
                            u hi, u hw, u wi, u ww) {
  return {planes, H, W, OH, OW, th, tw, dev<const index_t>(hi), dev<const index_t>(wi), dev<const T>(hw),
          dev<const T>(ww)};
}

I2DL_BIND_FAMILY(upsample) {
  m.def("upsample2d_forward", [](const std::string& dt, u x, u h_index, u h_weight, u w_index, u w_weight, u y,
                                 index_t planes, index_t H, index_t W, index_t OH, index_t OW, index_t taps_h,
                                 index_t taps_w, u st) {
    with_dtype(dt, [&](auto z) {
      using T = decltype(z);
      check(i2dl::cuda::upsample2d_forward(taps<T>(planes, H, W, OH, OW, taps_h, taps_w, h_index, h_weight, w_index,
                                                   w_weight), dev<const T>(x), dev<T>(y), stream_of(st)));
    });
  }, py::kw_only(), py::arg("dtype"), py::arg("x"), py::arg("h_index"), py::arg("h_weight"), py::arg("w_index"),
     py::arg("w_weight"), py::arg("y"), py::arg("planes"), py::arg("H"), py::arg("W"), py::arg("OH"), py::arg("OW"),
     py::arg("taps_h"), py::arg("taps_w"), py::arg("stream"));
  m.def("upsample2d_backward", [](const std::string& dt, u dy, u h_index, u h_weight, u w_index, u w_weight, u h_start,
                                  u h_entries, u w_start, u w_entries, u dx, index_t planes, index_t H, index_t W,
                                  index_t OH, index_t OW, index_t taps_h, index_t taps_w, u st) {
    with_dtype(dt, [&](auto z) {
      using T = decltype(z);
      check(i2dl::cuda::upsample2d_backward(taps<T>(planes, H, W, OH, OW, taps_h, taps_w, h_index, h_weight, w_index,
                                                    w_weight), dev<const index_t>(h_start),
                                            dev<const index_t>(h_entries), dev<const index_t>(w_start),
                                            dev<const index_t>(w_entries), dev<const T>(dy), dev<T>(dx),
                                            stream_of(st)));
    });
  }, py::kw_only(), py::arg("dtype"), py::arg("dy"), py::arg("h_index"), py::arg("h_weight"), py::arg("w_index"),
     py::arg("w_weight"), py::arg("h_start"), py::arg("h_entries"), py::arg("w_start"), py::arg("w_entries"),
     py::arg("dx"), py::arg("planes"), py::arg("H"), py::arg("W"), py::arg("OH"), py::arg("OW"), py::arg("taps_h"),
     py::arg("taps_w"), py::arg("stream"));
}

}  // namespace i2dl::bind::cuda
