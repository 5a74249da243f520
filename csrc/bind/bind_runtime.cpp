// _C runtime facts and thread control: what `i2dl info` prints, `i2dl.set_num_threads`.
#include <omp.h>

#include "checks.h"
#include "family.h"
#include "i2dl/blas.h"
#include "i2dl/threads.h"

namespace i2dl::bind {

I2DL_BIND_FAMILY(runtime) {
  m.def("set_num_threads", [](int n) {
    if (n < 1) throw py::value_error("set_num_threads: argument 'n' must be >= 1, got " + std::to_string(n));
    i2dl::set_num_threads(n);
  }, py::arg("n"), "Sets the threads of every kernel: OpenMP loops and the GEMMs split over them.");
  m.def("get_num_threads", &i2dl::get_num_threads);
  m.def("blas_num_threads", &i2dl::blas_num_threads);
  m.def("blas_config", &i2dl::blas_config);
  m.def("blas_core", &i2dl::blas_core);
  m.def("blas_use_mkl", &i2dl::use_mkl, "Routes gemm() through MKL's libmkl_rt at the path; '' or why not");
  m.def("blas_use_openblas", &i2dl::use_openblas);
  m.def("blas_library", &i2dl::blas_library);
  m.def("isa_clone", &i2dl::isa_clone);
  m.def("malloc_tuned", &i2dl::malloc_tuned);
  m.def("compiler", []() { return std::string(I2DL_COMPILER); });
  m.def("openmp_version", []() { return static_cast<int>(_OPENMP); });
}

}  // namespace i2dl::bind
