// i2dl._C_cuda: host-only bindings of the CUDA launchers. Each csrc/bind/cuda/bind_<family>.cpp
// registers its own (I2DL_BIND_FAMILY, family.h); this file only runs them, in name order.
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstring>

#include "family.h"

PYBIND11_MODULE(_C_cuda, m) {
  m.doc() = "i2dl CUDA kernels on device pointers; use i2dl.kernels.cuda, which validates CuPy arrays";
  auto families = i2dl::bind::binders();
  std::sort(families.begin(), families.end(),
            [](const auto& a, const auto& b) { return std::strcmp(a.first, b.first) < 0; });
  for (const auto& [name, bind] : families) bind(m);
}
