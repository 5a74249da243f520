// _C_cuda: the geometry and configs the launchers take, as structs with named fields (keyword-only
// constructors): i2dl.kernels.cuda builds them from the shared checks' geometry by field name, so no
// 16-tuple is ever rebuilt by position. Module-local: _C binds its own SgdConfig.
#include "common.h"
#include "i2dl/optim.h"

namespace i2dl::bind::cuda {

I2DL_BIND_FAMILY(shapes) {
  py::class_<Conv2dShape>(m, "Conv2dShape", py::module_local())
      .def(py::init([](index_t N, index_t C, index_t H, index_t W, index_t O, index_t KH, index_t KW, index_t SH,
                       index_t SW, index_t PH, index_t PW, index_t DH, index_t DW, index_t groups, index_t OH,
                       index_t OW) { return Conv2dShape{N, C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, groups, OH, OW}; }),
           py::kw_only(), py::arg("N"), py::arg("C"), py::arg("H"), py::arg("W"), py::arg("O"), py::arg("KH"),
           py::arg("KW"), py::arg("SH"), py::arg("SW"), py::arg("PH"), py::arg("PW"), py::arg("DH"), py::arg("DW"),
           py::arg("groups"), py::arg("OH"), py::arg("OW"))
      .def_readonly("N", &Conv2dShape::N).def_readonly("O", &Conv2dShape::O).def_readonly("OH", &Conv2dShape::OH)
      .def_readonly("OW", &Conv2dShape::OW).def_readonly("groups", &Conv2dShape::groups);
  py::class_<Pool2dShape>(m, "Pool2dShape", py::module_local())
      .def(py::init([](index_t N, index_t C, index_t H, index_t W, index_t KH, index_t KW, index_t SH, index_t SW,
                       index_t PH, index_t PW, index_t OH, index_t OW, index_t DH, index_t DW, bool ceil_mode,
                       bool count_include_pad, index_t divisor) {
             (void)ceil_mode;  // already in OH, OW
             return Pool2dShape{N, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW, DH, DW, count_include_pad, divisor};
           }),
           py::kw_only(), py::arg("N"), py::arg("C"), py::arg("H"), py::arg("W"), py::arg("KH"), py::arg("KW"),
           py::arg("SH"), py::arg("SW"), py::arg("PH"), py::arg("PW"), py::arg("OH"), py::arg("OW"), py::arg("DH") = 1,
           py::arg("DW") = 1, py::arg("ceil_mode").noconvert() = false, py::arg("count_include_pad").noconvert() = true,
           py::arg("divisor") = 0)
      .def_readonly("N", &Pool2dShape::N).def_readonly("OH", &Pool2dShape::OH).def_readonly("OW", &Pool2dShape::OW);
  py::class_<SgdConfig>(m, "SgdConfig", py::module_local())
      .def(py::init([](double lr, double momentum, double dampening, bool nesterov, double weight_decay,
                       bool first_step) { return SgdConfig{lr, momentum, dampening, weight_decay, nesterov, first_step}; }),
           py::kw_only(), py::arg("lr"), py::arg("momentum") = 0.0, py::arg("dampening") = 0.0,
           py::arg("nesterov").noconvert() = false, py::arg("weight_decay") = 0.0,
           py::arg("first_step").noconvert() = false)
      .def_readonly("lr", &SgdConfig::lr).def_readonly("nesterov", &SgdConfig::nesterov);
}

}  // namespace i2dl::bind::cuda
