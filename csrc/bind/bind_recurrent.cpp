// _C.lstm_* / gru_* / rnn_* and their *_cell_* steps: every argument by keyword, as the generated
// adapter passes them (i2dl/kernels/checks/recurrent.py gives the names and sizes). One step is the
// sequence kernel at T = 1: h -> h0, h1 -> y, c1 -> the cell states. Each array is checked against
// the sizes before its pointer is taken; an optional one may be None.
#include "checks.h"
#include "family.h"
#include "i2dl/recurrent.h"

namespace i2dl::bind {
namespace {

// An absent optional array.
py::handle none() { return py::handle(Py_None); }

struct Sizes {
  RecurrentShape s;
  int64_t x, state, seq, gates, w_ih, w_hh, bias;  // element counts
};

Sizes sizes_of(const char* fn, CellKind kind, int64_t T, int64_t N, int64_t I, int64_t H, bool reverse) {
  const int64_t G = gate_count(kind), W = saved_width(kind);
  if (H < 1) throw py::value_error(std::string(fn) + ": size 'H' must be >= 1, got " + std::to_string(H));
  return {{T, N, I, H, reverse}, count_of(fn, "T, N, I", {T, N, I}), count_of(fn, "N, H", {N, H}),
          count_of(fn, "T, N, H", {T, N, H}), count_of(fn, "T, N, 4 H", {T, N, W, H}),
          count_of(fn, "G H, I", {G, H, I}), count_of(fn, "G H, H", {G, H, H}), count_of(fn, "G H", {G, H})};
}

void require(const char* fn, std::initializer_list<std::pair<const char*, bool>> given) {
  for (auto [name, ok] : given)
    if (!ok) throw py::value_error(std::string(fn) + ": argument '" + name + "' is required");
}

void forward(const char* fn, CellKind kind, const Sizes& z, py::handle x_, py::handle h0_, py::handle c0_,
             py::handle w_ih_, py::handle w_hh_, py::handle b_ih_, py::handle b_hh_, py::handle y_, py::handle h_n_,
             py::handle c_n_, py::handle gates_, py::handle cs_) {
  Arrays a{fn, require_float_count(x_, fn, "x", z.x)};
  auto h0 = a.get(h0_, "h0", z.state), c0 = a.get(c0_, "c0", z.state);
  auto w_ih = a.get(w_ih_, "w_ih", z.w_ih), w_hh = a.get(w_hh_, "w_hh", z.w_hh);
  auto b_ih = a.get(b_ih_, "b_ih", z.bias), b_hh = a.get(b_hh_, "b_hh", z.bias);
  auto y = a.get(y_, "y", z.seq, true), h_n = a.get(h_n_, "h_n", z.state, true), c_n = a.get(c_n_, "c_n", z.state, true);
  auto gates = a.get(gates_, "gates", z.gates, true), cs = a.get(cs_, "cs", z.seq, true);
  const bool lstm = kind == CellKind::kLstm;
  require(fn, {{"w_ih", bool(w_ih)}, {"w_hh", bool(w_hh)}, {"y", bool(y)},
               {"gates", bool(gates) || saved_width(kind) == 0}, {"cs", bool(cs) || !lstm}});
  if (b_ih.has_value() != b_hh.has_value())
    throw py::value_error(std::string(fn) + ": arguments 'b_ih' and 'b_hh' must be given together");
  with_float_type(a.x, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = ptr<T>(a.x);
    ComputeScope scope;
    i2dl::recurrent_forward<T>(kind, z.s, xp, cptr<T>(h0), lstm ? cptr<T>(c0) : nullptr, cptr<T>(w_ih), cptr<T>(w_hh),
                               cptr<T>(b_ih), cptr<T>(b_hh), mptr<T>(y), mptr<T>(h_n), lstm ? mptr<T>(c_n) : nullptr,
                               mptr<T>(gates), lstm ? mptr<T>(cs) : nullptr);
  });
}

void backward(const char* fn, CellKind kind, const Sizes& z, py::handle dy_, py::handle dh_n_, py::handle dc_n_,
              py::handle x_, py::handle h0_, py::handle c0_, py::handle w_ih_, py::handle w_hh_, py::handle y_,
              py::handle gates_, py::handle cs_, py::handle dx_, py::handle dh0_, py::handle dc0_, py::handle dw_ih_,
              py::handle dw_hh_, py::handle db_ih_, py::handle db_hh_) {
  Arrays a{fn, require_float_count(x_, fn, "x", z.x)};
  auto dy = a.get(dy_, "dy", z.seq), dh_n = a.get(dh_n_, "dh_n", z.state), dc_n = a.get(dc_n_, "dc_n", z.state);
  auto h0 = a.get(h0_, "h0", z.state), c0 = a.get(c0_, "c0", z.state);
  auto w_ih = a.get(w_ih_, "w_ih", z.w_ih), w_hh = a.get(w_hh_, "w_hh", z.w_hh);
  auto y = a.get(y_, "y", z.seq), gates = a.get(gates_, "gates", z.gates), cs = a.get(cs_, "cs", z.seq);
  auto dx = a.get(dx_, "dx", z.x, true), dh0 = a.get(dh0_, "dh0", z.state, true), dc0 = a.get(dc0_, "dc0", z.state, true);
  auto dw_ih = a.get(dw_ih_, "dw_ih", z.w_ih, true), dw_hh = a.get(dw_hh_, "dw_hh", z.w_hh, true);
  auto db_ih = a.get(db_ih_, "db_ih", z.bias, true), db_hh = a.get(db_hh_, "db_hh", z.bias, true);
  const bool lstm = kind == CellKind::kLstm;
  // y is read for the previous states after the first step (and by the RNN's derivative)
  const bool needs_y = z.s.T > 1 || kind == CellKind::kRnnTanh || kind == CellKind::kRnnRelu;
  require(fn, {{"w_ih", bool(w_ih)}, {"w_hh", bool(w_hh)}, {"dw_ih", bool(dw_ih)}, {"dw_hh", bool(dw_hh)},
               {"y", bool(y) || !needs_y}, {"gates", bool(gates) || saved_width(kind) == 0}, {"cs", bool(cs) || !lstm}});
  with_float_type(a.x, [&](auto zero) {
    using T = decltype(zero);
    const T* xp = ptr<T>(a.x);
    ComputeScope scope;
    i2dl::recurrent_backward<T>(kind, z.s, cptr<T>(dy), cptr<T>(dh_n), lstm ? cptr<T>(dc_n) : nullptr, xp,
                                cptr<T>(h0), lstm ? cptr<T>(c0) : nullptr, cptr<T>(w_ih), cptr<T>(w_hh),
                                needs_y ? cptr<T>(y) : nullptr, cptr<T>(gates), lstm ? cptr<T>(cs) : nullptr,
                                mptr<T>(dx), mptr<T>(dh0), lstm ? mptr<T>(dc0) : nullptr, mptr<T>(dw_ih),
                                mptr<T>(dw_hh), mptr<T>(db_ih), mptr<T>(db_hh));
  });
}

CellKind rnn_kind(bool relu) { return relu ? CellKind::kRnnRelu : CellKind::kRnnTanh; }

void gates_forward(py::handle gates_, py::handle c_, py::handle h1_, py::handle c1_, py::handle act_, int64_t N,
                   int64_t U) {
  const char* fn = "lstm_gates_forward";
  const int64_t n = count_of(fn, "N, U", {N, U}), n4 = count_of(fn, "N, 4, U", {N, 4, U});
  Arrays a{fn, require_float_count(gates_, fn, "gates", n4)};
  auto c = a.get(c_, "c", n), h1 = a.get(h1_, "h1", n, true), c1 = a.get(c1_, "c1", n, true);
  auto act = a.get(act_, "act", n4, true);
  require(fn, {{"h1", bool(h1)}, {"c1", bool(c1)}, {"act", bool(act)}});
  with_float_type(a.x, [&](auto zero) {
    using T = decltype(zero);
    const T* gp = ptr<T>(a.x);
    ComputeScope scope;
    i2dl::lstm_gates_forward<T>(N, U, gp, cptr<T>(c), mptr<T>(act), mptr<T>(c1), mptr<T>(h1));
  });
}

void gates_backward(py::handle dh1_, py::handle dc1_, py::handle c_, py::handle c1_, py::handle act_,
                    py::handle dgates_, py::handle dc_, int64_t N, int64_t U) {
  const char* fn = "lstm_gates_backward";
  const int64_t n = count_of(fn, "N, U", {N, U}), n4 = count_of(fn, "N, 4, U", {N, 4, U});
  Arrays a{fn, require_float_count(act_, fn, "act", n4)};
  auto dh1 = a.get(dh1_, "dh1", n), dc1 = a.get(dc1_, "dc1", n), c = a.get(c_, "c", n), c1 = a.get(c1_, "c1", n);
  auto dgates = a.get(dgates_, "dgates", n4, true), dc = a.get(dc_, "dc", n, true);
  require(fn, {{"c1", bool(c1)}, {"dgates", bool(dgates)}});
  with_float_type(a.x, [&](auto zero) {
    using T = decltype(zero);
    const T* ap = ptr<T>(a.x);
    ComputeScope scope;
    i2dl::lstm_gates_backward<T>(N, U, cptr<T>(dh1), cptr<T>(dc1), ap, cptr<T>(c), cptr<T>(c1), mptr<T>(dgates),
                                 mptr<T>(dc));
  });
}

}  // namespace

I2DL_BIND_FAMILY(recurrent) {
  using H = py::handle;
  using I = int64_t;
  constexpr auto L = CellKind::kLstm, G = CellKind::kGru;
  auto opt = [](const char* name) { return py::arg(name).none(true); };

  // ---------------------------------------------------------------- LSTM
  m.def("lstm_forward",
        [](H x, H h0, H c0, H w_ih, H w_hh, H b_ih, H b_hh, H y, H h_n, H c_n, H gates, H cs, I T, I N, I In, I Hs,
           bool reverse) {
          const char* fn = "lstm_forward";
          forward(fn, L, sizes_of(fn, L, T, N, In, Hs, reverse), x, h0, c0, w_ih, w_hh, b_ih, b_hh, y, h_n, c_n, gates,
                  cs);
        },
        py::kw_only(), py::arg("x"), opt("h0"), opt("c0"), py::arg("w_ih"), py::arg("w_hh"), opt("b_ih"), opt("b_hh"),
        py::arg("y"), opt("h_n"), opt("c_n"), py::arg("gates"), py::arg("cs"), py::arg("T"), py::arg("N"),
        py::arg("I"), py::arg("H"), py::arg("reverse"));
  m.def("lstm_backward",
        [](H dy, H dh_n, H dc_n, H x, H h0, H c0, H w_ih, H w_hh, H y, H gates, H cs, H dx, H dh0, H dc0, H dw_ih,
           H dw_hh, H db_ih, H db_hh, I T, I N, I In, I Hs, bool reverse) {
          const char* fn = "lstm_backward";
          backward(fn, L, sizes_of(fn, L, T, N, In, Hs, reverse), dy, dh_n, dc_n, x, h0, c0, w_ih, w_hh, y, gates, cs,
                   dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh);
        },
        py::kw_only(), py::arg("dy"), opt("dh_n"), opt("dc_n"), py::arg("x"), opt("h0"), opt("c0"), py::arg("w_ih"),
        py::arg("w_hh"), py::arg("y"), py::arg("gates"), py::arg("cs"), opt("dx"), opt("dh0"), opt("dc0"),
        py::arg("dw_ih"), py::arg("dw_hh"), opt("db_ih"), opt("db_hh"), py::arg("T"), py::arg("N"), py::arg("I"),
        py::arg("H"), py::arg("reverse"));
  m.def("lstm_cell_forward",
        [](H x, H h, H c, H w_ih, H w_hh, H b_ih, H b_hh, H h1, H c1, H gates, I N, I In, I Hs) {
          const char* fn = "lstm_cell_forward";
          forward(fn, L, sizes_of(fn, L, 1, N, In, Hs, false), x, h, c, w_ih, w_hh, b_ih, b_hh, h1, none(), none(), gates,
                  c1);
        },
        py::kw_only(), py::arg("x"), opt("h"), opt("c"), py::arg("w_ih"), py::arg("w_hh"), opt("b_ih"), opt("b_hh"),
        py::arg("h1"), py::arg("c1"), py::arg("gates"), py::arg("N"), py::arg("I"), py::arg("H"));
  m.def("lstm_cell_backward",
        [](H dh1, H dc1, H x, H h, H c, H w_ih, H w_hh, H c1, H gates, H dx, H dh, H dc, H dw_ih, H dw_hh, H db_ih,
           H db_hh, I N, I In, I Hs) {
          const char* fn = "lstm_cell_backward";
          backward(fn, L, sizes_of(fn, L, 1, N, In, Hs, false), dh1, none(), dc1, x, h, c, w_ih, w_hh, none(), gates, c1,
                   dx, dh, dc, dw_ih, dw_hh, db_ih, db_hh);
        },
        py::kw_only(), opt("dh1"), opt("dc1"), py::arg("x"), opt("h"), opt("c"), py::arg("w_ih"), py::arg("w_hh"),
        py::arg("c1"), py::arg("gates"), opt("dx"), opt("dh"), opt("dc"), py::arg("dw_ih"), py::arg("dw_hh"),
        opt("db_ih"), opt("db_hh"), py::arg("N"), py::arg("I"), py::arg("H"));

  m.def("lstm_gates_forward", &gates_forward, py::kw_only(), py::arg("gates"), opt("c"), py::arg("h1"), py::arg("c1"),
        py::arg("act"), py::arg("N"), py::arg("U"));
  m.def("lstm_gates_backward", &gates_backward, py::kw_only(), opt("dh1"), opt("dc1"), opt("c"), py::arg("c1"),
        py::arg("act"), py::arg("dgates"), opt("dc"), py::arg("N"), py::arg("U"));

  // ---------------------------------------------------------------- GRU
  m.def("gru_forward",
        [](H x, H h0, H w_ih, H w_hh, H b_ih, H b_hh, H y, H h_n, H gates, I T, I N, I In, I Hs, bool reverse) {
          const char* fn = "gru_forward";
          forward(fn, G, sizes_of(fn, G, T, N, In, Hs, reverse), x, h0, none(), w_ih, w_hh, b_ih, b_hh, y, h_n, none(),
                  gates, none());
        },
        py::kw_only(), py::arg("x"), opt("h0"), py::arg("w_ih"), py::arg("w_hh"), opt("b_ih"), opt("b_hh"),
        py::arg("y"), opt("h_n"), py::arg("gates"), py::arg("T"), py::arg("N"), py::arg("I"), py::arg("H"),
        py::arg("reverse"));
  m.def("gru_backward",
        [](H dy, H dh_n, H x, H h0, H w_ih, H w_hh, H y, H gates, H dx, H dh0, H dw_ih, H dw_hh, H db_ih, H db_hh, I T,
           I N, I In, I Hs, bool reverse) {
          const char* fn = "gru_backward";
          backward(fn, G, sizes_of(fn, G, T, N, In, Hs, reverse), dy, dh_n, none(), x, h0, none(), w_ih, w_hh, y, gates,
                   none(), dx, dh0, none(), dw_ih, dw_hh, db_ih, db_hh);
        },
        py::kw_only(), py::arg("dy"), opt("dh_n"), py::arg("x"), opt("h0"), py::arg("w_ih"), py::arg("w_hh"),
        py::arg("y"), py::arg("gates"), opt("dx"), opt("dh0"), py::arg("dw_ih"), py::arg("dw_hh"), opt("db_ih"),
        opt("db_hh"), py::arg("T"), py::arg("N"), py::arg("I"), py::arg("H"), py::arg("reverse"));
  m.def("gru_cell_forward",
        [](H x, H h, H w_ih, H w_hh, H b_ih, H b_hh, H h1, H gates, I N, I In, I Hs) {
          const char* fn = "gru_cell_forward";
          forward(fn, G, sizes_of(fn, G, 1, N, In, Hs, false), x, h, none(), w_ih, w_hh, b_ih, b_hh, h1, none(), none(),
                  gates, none());
        },
        py::kw_only(), py::arg("x"), opt("h"), py::arg("w_ih"), py::arg("w_hh"), opt("b_ih"), opt("b_hh"),
        py::arg("h1"), py::arg("gates"), py::arg("N"), py::arg("I"), py::arg("H"));
  m.def("gru_cell_backward",
        [](H dh1, H x, H h, H w_ih, H w_hh, H gates, H dx, H dh, H dw_ih, H dw_hh, H db_ih, H db_hh, I N, I In, I Hs) {
          const char* fn = "gru_cell_backward";
          backward(fn, G, sizes_of(fn, G, 1, N, In, Hs, false), dh1, none(), none(), x, h, none(), w_ih, w_hh, none(), gates,
                   none(), dx, dh, none(), dw_ih, dw_hh, db_ih, db_hh);
        },
        py::kw_only(), py::arg("dh1"), py::arg("x"), opt("h"), py::arg("w_ih"), py::arg("w_hh"), py::arg("gates"),
        opt("dx"), opt("dh"), py::arg("dw_ih"), py::arg("dw_hh"), opt("db_ih"), opt("db_hh"), py::arg("N"),
        py::arg("I"), py::arg("H"));

  // ---------------------------------------------------------------- RNN
  m.def("rnn_forward",
        [](H x, H h0, H w_ih, H w_hh, H b_ih, H b_hh, H y, H h_n, I T, I N, I In, I Hs, bool relu, bool reverse) {
          const char* fn = "rnn_forward";
          const CellKind k = rnn_kind(relu);
          forward(fn, k, sizes_of(fn, k, T, N, In, Hs, reverse), x, h0, none(), w_ih, w_hh, b_ih, b_hh, y, h_n, none(),
                  none(), none());
        },
        py::kw_only(), py::arg("x"), opt("h0"), py::arg("w_ih"), py::arg("w_hh"), opt("b_ih"), opt("b_hh"),
        py::arg("y"), opt("h_n"), py::arg("T"), py::arg("N"), py::arg("I"), py::arg("H"), py::arg("relu"),
        py::arg("reverse"));
  m.def("rnn_backward",
        [](H dy, H dh_n, H x, H h0, H w_ih, H w_hh, H y, H dx, H dh0, H dw_ih, H dw_hh, H db_ih, H db_hh, I T, I N,
           I In, I Hs, bool relu, bool reverse) {
          const char* fn = "rnn_backward";
          const CellKind k = rnn_kind(relu);
          backward(fn, k, sizes_of(fn, k, T, N, In, Hs, reverse), dy, dh_n, none(), x, h0, none(), w_ih, w_hh, y, none(),
                   none(), dx, dh0, none(), dw_ih, dw_hh, db_ih, db_hh);
        },
        py::kw_only(), py::arg("dy"), opt("dh_n"), py::arg("x"), opt("h0"), py::arg("w_ih"), py::arg("w_hh"),
        py::arg("y"), opt("dx"), opt("dh0"), py::arg("dw_ih"), py::arg("dw_hh"), opt("db_ih"), opt("db_hh"),
        py::arg("T"), py::arg("N"), py::arg("I"), py::arg("H"), py::arg("relu"), py::arg("reverse"));
  m.def("rnn_cell_forward",
        [](H x, H h, H w_ih, H w_hh, H b_ih, H b_hh, H h1, I N, I In, I Hs, bool relu) {
          const char* fn = "rnn_cell_forward";
          const CellKind k = rnn_kind(relu);
          forward(fn, k, sizes_of(fn, k, 1, N, In, Hs, false), x, h, none(), w_ih, w_hh, b_ih, b_hh, h1, none(), none(),
                  none(), none());
        },
        py::kw_only(), py::arg("x"), opt("h"), py::arg("w_ih"), py::arg("w_hh"), opt("b_ih"), opt("b_hh"),
        py::arg("h1"), py::arg("N"), py::arg("I"), py::arg("H"), py::arg("relu"));
  m.def("rnn_cell_backward",
        [](H dh1, H x, H h, H w_ih, H w_hh, H h1, H dx, H dh, H dw_ih, H dw_hh, H db_ih, H db_hh, I N, I In, I Hs,
           bool relu) {
          const char* fn = "rnn_cell_backward";
          const CellKind k = rnn_kind(relu);
          backward(fn, k, sizes_of(fn, k, 1, N, In, Hs, false), dh1, none(), none(), x, h, none(), w_ih, w_hh, h1, none(),
                   none(), dx, dh, none(), dw_ih, dw_hh, db_ih, db_hh);
        },
        py::kw_only(), py::arg("dh1"), py::arg("x"), opt("h"), py::arg("w_ih"), py::arg("w_hh"), py::arg("h1"),
        opt("dx"), opt("dh"), py::arg("dw_ih"), py::arg("dw_hh"), opt("db_ih"), opt("db_hh"), py::arg("N"),
        py::arg("I"), py::arg("H"), py::arg("relu"));
}

}  // namespace i2dl::bind
