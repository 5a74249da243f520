// i2dl._C: the C++ kernels (OpenMP + OpenBLAS). Each bind_<family>.cpp registers its own bindings
// (I2DL_BIND_FAMILY, family.h); this file only runs them, in name order.
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstring>

#include "family.h"
#include "i2dl/threads.h"

PYBIND11_MODULE(_C, m) {
  m.doc() = "i2dl C++ kernels: NCHW, float32/float64, outputs passed in; see i2dl.kernels.cpu";
  i2dl::configure_threads();
  i2dl::tune_malloc();
  auto families = i2dl::bind::binders();
  std::sort(families.begin(), families.end(),
            [](const auto& a, const auto& b) { return std::strcmp(a.first, b.first) < 0; });
  for (const auto& [name, bind] : families) bind(m);
}
