// Recurrent layers: the LSTM, the GRU and the Elman RNN (tanh or relu) over a whole sequence; one
// step is a sequence of T = 1. See i2dl/kernels/reference/recurrent.py for the formulas; layouts are
// PyTorch's: x (T, N, I), states (N, H), w_ih (G H, I), w_hh (G H, H), gates in the order
// i, f, g, o (LSTM) and r, z, n (GRU).
//
// Forward: the input projection of all T steps as one GEMM (T N x G H x I), then per step one
// recurrent GEMM h_prev w_hh^T accumulated onto the step's gates and one fused pass that applies
// the activations, updates the state and saves what backward needs. Backward: per step one fused
// pass giving the pre-activation gradients dgates, then dh_prev = dgates w_hh; after the loop dx,
// dw_ih and dw_hh each as one GEMM over all steps, db as one column sum.
//
// The steps run in one OpenMP region whose threads each own a slice of the hidden units: a thread
// computes its units' gate columns (its rows of w_hh stay in its own L2 cache from step to step),
// applies the pointwise pass to them, and meets the others at one barrier per step.
#pragma once
#include <string>

#include "i2dl/common.h"

namespace i2dl {

enum class CellKind : int { kLstm = 0, kGru = 1, kRnnTanh = 2, kRnnRelu = 3 };

struct RecurrentShape {
  index_t T, N, I, H;
  bool reverse;  // run the steps from T - 1 down to 0
};

// Saved gates per step and row: the LSTM i, f, g, o (activated), the GRU r, z, n and h w_hn^T + b_hn;
// the RNN saves nothing but y. In units of H.
constexpr index_t saved_width(CellKind k) { return k == CellKind::kLstm || k == CellKind::kGru ? 4 : 0; }
constexpr index_t gate_count(CellKind k) { return k == CellKind::kLstm ? 4 : k == CellKind::kGru ? 3 : 1; }

// y (T, N, H); h_n, c_n (N, H) or null (not wanted); gates (T, N, 4H) for the LSTM and GRU; cs (T, N, H)
// the LSTM's cell states. h0, c0, b_ih/b_hh may be null (zero; no recurrent product at the first step).
template <typename T>
void recurrent_forward(CellKind kind, const RecurrentShape& s, const T* x, const T* h0, const T* c0, const T* w_ih,
                       const T* w_hh, const T* b_ih, const T* b_hh, T* y, T* h_n, T* c_n, T* gates, T* cs);

// dy (T, N, H), dh_n, dc_n may be null (zero). y may be null when T = 1 (only h0 precedes the step).
// Outputs dx, dh0, dc0, db_ih, db_hh may be null (not wanted); dw_ih and dw_hh are required.
template <typename T>
void recurrent_backward(CellKind kind, const RecurrentShape& s, const T* dy, const T* dh_n, const T* dc_n, const T* x,
                        const T* h0, const T* c0, const T* w_ih, const T* w_hh, const T* y, const T* gates,
                        const T* cs, T* dx, T* dh0, T* dc0, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh);

// The LSTM's fused pass alone (the ConvLSTM's, per pixel): gates (N, 4, U) pre-activations without
// bias, c_prev (N, U) or null -> act (N, 4, U) activated, c, h (N, U).
template <typename T>
void lstm_gates_forward(index_t N, index_t U, const T* gates, const T* c_prev, T* act, T* c, T* h);

// Its adjoint: dh, dc (N, U) or null (zero) -> dgates (N, 4, U) and dc_prev (N, U) (may be null).
template <typename T>
void lstm_gates_backward(index_t N, index_t U, const T* dh, const T* dc, const T* act, const T* c_prev, const T* c,
                         T* dgates, T* dc_prev);

}  // namespace i2dl

// The CUDA launchers (csrc/cuda/recurrent.cu): the fused pointwise pass of one step, forward and
// backward, on device pointers; the GEMMs around them run through cuBLAS (CuPy) in
// i2dl/kernels/cuda.py. Rows are N, units H; `gates` points at the step's (N, 4H) (or (N, H) for the
// RNN: y itself) pre-activations, `bias` at b_ih + b_hh (LSTM, RNN) or null; for the GRU `b_ih`,
// `b_hh` separately. Each returns "" or the CUDA error text.
namespace i2dl::cuda {

template <typename T>
std::string recurrent_step_forward(CellKind kind, index_t N, index_t H, T* gates, const T* b_ih, const T* b_hh,
                                   const T* h_prev, const T* c_prev, T* h, T* c, void* stream);

// dh: in, dy[t] + dh_next (N, H); dc: in/out, the cell-state gradient (LSTM). Writes dgates (N, 4H) (the
// LSTM's and GRU's layout: for the GRU [dr, dz, dn, dn * r]) or (N, H), and for the GRU the direct
// part dh * z of dh_prev into `direct`.
template <typename T>
std::string recurrent_step_backward(CellKind kind, index_t N, index_t H, const T* dh, T* dc, const T* gates,
                                    const T* h_prev, const T* c_prev, const T* c, const T* h, T* dgates, T* direct,
                                    void* stream);

}  // namespace i2dl::cuda
