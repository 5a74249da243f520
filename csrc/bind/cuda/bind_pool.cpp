// _C_cuda: the pool family's launchers.
#include "common.h"
#include "i2dl/pool2d.h"

namespace i2dl::bind::cuda {

I2DL_BIND_FAMILY(pool) {
  for (const bool forward : {true, false}) {
    const char* name = forward ? "adaptive_avg_pool2d_forward" : "adaptive_avg_pool2d_backward";
    m.def(name, [forward](const std::string& dt, u in, u h_start, u h_end, u w_start, u w_end, u out, index_t planes,
                          index_t H, index_t W, index_t OH, index_t OW, u st) {
      const AdaptiveBins b{planes, H, W, OH, OW, dev<const index_t>(h_start), dev<const index_t>(h_end),
                           dev<const index_t>(w_start), dev<const index_t>(w_end)};
      with_dtype(dt, [&](auto z) {
        using T = decltype(z);
        check(forward ? i2dl::cuda::adaptive_avg_pool2d_forward(b, dev<const T>(in), dev<T>(out), stream_of(st))
                      : i2dl::cuda::adaptive_avg_pool2d_backward(b, dev<const T>(in), dev<T>(out), stream_of(st)));
      });
    }, py::kw_only(), py::arg("dtype"), py::arg(forward ? "x" : "dy"), py::arg("h_start"), py::arg("h_end"),
       py::arg("w_start"), py::arg("w_end"), py::arg(forward ? "y" : "dx"), py::arg("planes"), py::arg("H"),
       py::arg("W"), py::arg("OH"), py::arg("OW"), py::arg("stream"));
  }
  m.def("adaptive_max_pool2d_forward", [](const std::string& dt, u x, u h_start, u h_end, u w_start, u w_end, u y,
                                          u idx, index_t planes, index_t H, index_t W, index_t OH, index_t OW, u st) {
    const AdaptiveBins b{planes, H, W, OH, OW, dev<const index_t>(h_start), dev<const index_t>(h_end),
                         dev<const index_t>(w_start), dev<const index_t>(w_end)};
    with_dtype(dt, [&](auto z) {
      using T = decltype(z);
      check(i2dl::cuda::adaptive_max_pool2d_forward(b, dev<const T>(x), dev<T>(y), dev<std::int64_t>(idx),
                                                    stream_of(st)));
    });
  }, py::kw_only(), py::arg("dtype"), py::arg("x"), py::arg("h_start"), py::arg("h_end"), py::arg("w_start"),
     py::arg("w_end"), py::arg("y"), py::arg("idx"), py::arg("planes"), py::arg("H"), py::arg("W"), py::arg("OH"),
     py::arg("OW"), py::arg("stream"));
  for (const bool forward : {true, false}) {
    m.def(forward ? "max_unpool2d_forward" : "max_unpool2d_backward",
          [forward](const std::string& dt, u in, u idx, u out, index_t planes, index_t in_plane, index_t out_plane,
                    u st) {
            with_dtype(dt, [&](auto z) {
              using T = decltype(z);
              check(forward ? i2dl::cuda::max_unpool2d_forward(planes, in_plane, out_plane, dev<const T>(in),
                                                               dev<const std::int64_t>(idx), dev<T>(out), stream_of(st))
                            : i2dl::cuda::max_unpool2d_backward(planes, in_plane, out_plane, dev<const T>(in),
                                                                dev<const std::int64_t>(idx), dev<T>(out),
                                                                stream_of(st)));
            });
          },
          py::kw_only(), py::arg("dtype"), py::arg(forward ? "x" : "dy"), py::arg("idx"),
          py::arg(forward ? "y" : "dx"), py::arg("planes"), py::arg("in_plane"), py::arg("out_plane"),
          py::arg("stream"));
  }
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
