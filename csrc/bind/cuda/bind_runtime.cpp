// _C_cuda: the runtime's facts (devices, versions, the architectures built for).
#include "common.h"
#include "i2dl/device.h"

namespace i2dl::bind::cuda {

I2DL_BIND_FAMILY(runtime) {
  m.def("device_count", []() { std::string why; int n = i2dl::cuda::device_count(&why); return py::make_tuple(n, why); });
  m.def("runtime_version", &i2dl::cuda::runtime_version);
  m.attr("architectures") = I2DL_CUDA_ARCHS;
  m.attr("nvcc_version") = I2DL_CUDA_VERSION;
}

}  // namespace i2dl::bind::cuda
