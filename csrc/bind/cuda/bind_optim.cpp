// _C_cuda: the optim family's launchers.
#include "common.h"
#include "i2dl/optim.h"

namespace i2dl::bind::cuda {

I2DL_BIND_FAMILY(optim) {
  m.def("sgd_step_", [](const std::string& dt, index_t n, u p, u g, u v, const SgdConfig& c, u st) {
    with_dtype(dt, [&](auto z) { using T = decltype(z); check(i2dl::cuda::sgd_step(n, dev<T>(p), dev<const T>(g), v ? dev<T>(v) : nullptr, c.lr, c.momentum, c.dampening, c.weight_decay, c.nesterov, c.first_step, stream_of(st))); });
  });
  m.def("adam_step_",
        [](const std::string& dt, u param, u grad, u exp_avg, u exp_avg_sq, u max_exp_avg_sq, index_t n, index_t step,
           double lr, double beta1, double beta2, double eps, double weight_decay, bool amsgrad, bool maximize,
           bool decoupled_weight_decay, u st) {
          const AdamConfig c{lr, beta1, beta2, eps, weight_decay, step, amsgrad, maximize, decoupled_weight_decay};
          with_dtype(dt, [&](auto z) {
            using T = decltype(z);
            check(i2dl::cuda::adam_step<T>(n, dev<T>(param), dev<const T>(grad), dev<T>(exp_avg), dev<T>(exp_avg_sq),
                                           dev<T>(max_exp_avg_sq), c, stream_of(st)));
          });
        },
        py::kw_only(), py::arg("dtype"), py::arg("param"), py::arg("grad"), py::arg("exp_avg"), py::arg("exp_avg_sq"),
        py::arg("max_exp_avg_sq"), py::arg("n"), py::arg("step"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"),
        py::arg("eps"), py::arg("weight_decay"), py::arg("amsgrad"), py::arg("maximize"),
        py::arg("decoupled_weight_decay"), py::arg("stream"));
  m.def("rmsprop_step_",
        [](const std::string& dt, u param, u grad, u square_avg, u grad_avg, u momentum_buffer, index_t n, double lr,
           double alpha, double eps, double weight_decay, double momentum, bool centered, bool maximize, u st) {
          const RmspropConfig c{lr, alpha, eps, weight_decay, momentum, centered, maximize};
          with_dtype(dt, [&](auto z) {
            using T = decltype(z);
            check(i2dl::cuda::rmsprop_step<T>(n, dev<T>(param), dev<const T>(grad), dev<T>(square_avg), dev<T>(grad_avg),
                                              dev<T>(momentum_buffer), c, stream_of(st)));
          });
        },
        py::kw_only(), py::arg("dtype"), py::arg("param"), py::arg("grad"), py::arg("square_avg"), py::arg("grad_avg"),
        py::arg("momentum_buffer"), py::arg("n"), py::arg("lr"), py::arg("alpha"), py::arg("eps"),
        py::arg("weight_decay"), py::arg("momentum"), py::arg("centered"), py::arg("maximize"), py::arg("stream"));
  m.def("adagrad_step_",
        [](const std::string& dt, u param, u grad, u state_sum, index_t n, index_t step, double lr, double lr_decay,
           double weight_decay, double eps, bool maximize, u st) {
          const AdagradConfig c{lr, lr_decay, weight_decay, eps, step, maximize};
          with_dtype(dt, [&](auto z) {
            using T = decltype(z);
            check(i2dl::cuda::adagrad_step<T>(n, dev<T>(param), dev<const T>(grad), dev<T>(state_sum), c, stream_of(st)));
          });
        },
        py::kw_only(), py::arg("dtype"), py::arg("param"), py::arg("grad"), py::arg("state_sum"), py::arg("n"),
        py::arg("step"), py::arg("lr"), py::arg("lr_decay"), py::arg("weight_decay"), py::arg("eps"),
        py::arg("maximize"), py::arg("stream"));
}

}  // namespace i2dl::bind::cuda
