// The fused pointwise pass of one recurrent step on the GPU, one thread per (row, unit); the GEMMs
// around it run through cuBLAS (CuPy) in i2dl/kernels/cuda.py. The formulas are the reference's
// (i2dl/kernels/reference/recurrent.py) and the CPU passes' (csrc/cpu/recurrent.cpp), term for term.
#include "i2dl/recurrent.h"
#include "launch.cuh"

namespace i2dl::cuda {
namespace {

template <typename T>
__device__ __forceinline__ T sigmoid(T v) { return T(1) / (T(1) + exp(-v)); }

// LSTM: gates (N, 4H) pre-activations without bias on entry, i, f, g, o after; c, h (N, H).
template <typename T>
__global__ void lstm_forward_kernel(index_t N, index_t H, T* gates, const T* bias, const T* c_prev, T* c, T* h) {
  I2DL_GRID_STRIDE(e, N * H) {
    const index_t n = e / H, u = e % H;
    T* g = gates + n * 4 * H;
    const T i = sigmoid(g[u] + (bias ? bias[u] : T(0))), f = sigmoid(g[H + u] + (bias ? bias[H + u] : T(0)));
    const T gt = tanh(g[2 * H + u] + (bias ? bias[2 * H + u] : T(0)));
    const T o = sigmoid(g[3 * H + u] + (bias ? bias[3 * H + u] : T(0)));
    const T cn = c_prev ? f * c_prev[e] + i * gt : i * gt;
    g[u] = i, g[H + u] = f, g[2 * H + u] = gt, g[3 * H + u] = o;
    c[e] = cn;
    h[e] = o * tanh(cn);
  }
}

// GRU: gates (N, 4H) = [x W_ir + h W_hr, x W_iz + h W_hz, x W_in, h W_hn] -> r, z, n, h W_hn + b_hn.
template <typename T>
__global__ void gru_forward_kernel(index_t N, index_t H, T* gates, const T* bi, const T* bh, const T* h_prev, T* h) {
  I2DL_GRID_STRIDE(e, N * H) {
    const index_t n = e / H, u = e % H;
    T* g = gates + n * 4 * H;
    const T r = sigmoid(g[u] + (bi ? bi[u] + bh[u] : T(0)));
    const T z = sigmoid(g[H + u] + (bi ? bi[H + u] + bh[H + u] : T(0)));
    const T hn = (h_prev ? g[3 * H + u] : T(0)) + (bh ? bh[2 * H + u] : T(0));
    const T nn = tanh(g[2 * H + u] + (bi ? bi[2 * H + u] : T(0)) + r * hn);
    g[u] = r, g[H + u] = z, g[2 * H + u] = nn, g[3 * H + u] = hn;
    h[e] = h_prev ? (T(1) - z) * nn + z * h_prev[e] : (T(1) - z) * nn;
  }
}

// RNN: y = act(y + b) in place (relu keeps NaN).
template <typename T>
__global__ void rnn_forward_kernel(index_t N, index_t H, T* y, const T* bias, bool relu) {
  I2DL_GRID_STRIDE(e, N * H) {
    const T v = y[e] + (bias ? bias[e % H] : T(0));
    y[e] = relu ? (v < T(0) ? T(0) : v) : tanh(v);
  }
}

template <typename T>
__global__ void lstm_backward_kernel(index_t N, index_t H, const T* dh, T* dc, const T* gates, const T* c_prev,
                                     const T* c, T* dg) {
  I2DL_GRID_STRIDE(e, N * H) {
    const index_t n = e / H, u = e % H;
    const T* g = gates + n * 4 * H;
    T* d = dg + n * 4 * H;
    const T i = g[u], f = g[H + u], gt = g[2 * H + u], o = g[3 * H + u];
    const T tc = tanh(c[e]), dhe = dh[e];
    const T dcu = dc[e] + dhe * o * (T(1) - tc * tc);
    d[u] = dcu * gt * i * (T(1) - i);
    d[H + u] = c_prev ? dcu * c_prev[e] * f * (T(1) - f) : T(0);
    d[2 * H + u] = dcu * i * (T(1) - gt * gt);
    d[3 * H + u] = dhe * tc * o * (T(1) - o);
    dc[e] = dcu * f;
  }
}

template <typename T>
__global__ void gru_backward_kernel(index_t N, index_t H, const T* dh, const T* gates, const T* h_prev, T* dg,
                                    T* direct) {
  I2DL_GRID_STRIDE(e, N * H) {
    const index_t n = e / H, u = e % H;
    const T* g = gates + n * 4 * H;
    T* d = dg + n * 4 * H;
    const T r = g[u], z = g[H + u], nn = g[2 * H + u], hn = g[3 * H + u], dhe = dh[e];
    const T dn = dhe * (T(1) - z) * (T(1) - nn * nn);
    d[u] = dn * hn * r * (T(1) - r);
    d[H + u] = dhe * ((h_prev ? h_prev[e] : T(0)) - nn) * z * (T(1) - z);
    d[2 * H + u] = dn;
    d[3 * H + u] = dn * r;
    direct[e] = dhe * z;
  }
}

template <typename T>
__global__ void rnn_backward_kernel(index_t N, index_t H, const T* dh, const T* y, bool relu, T* dg) {
  I2DL_GRID_STRIDE(e, N * H) {
    dg[e] = relu ? dh[e] * T(y[e] > T(0)) : dh[e] * (T(1) - y[e] * y[e]);
  }
}

}  // namespace

template <typename T>
std::string recurrent_step_forward(CellKind kind, index_t N, index_t H, T* gates, const T* b_ih, const T* b_hh,
                                   const T* h_prev, const T* c_prev, T* h, T* c, void* stream) {
  switch (kind) {
    case CellKind::kLstm:
      return launch("lstm_step_forward", N * H, lstm_forward_kernel<T>, stream, N, H, gates, b_ih, c_prev, c, h);
    case CellKind::kGru:
      return launch("gru_step_forward", N * H, gru_forward_kernel<T>, stream, N, H, gates, b_ih, b_hh, h_prev, h);
    default:
      return launch("rnn_step_forward", N * H, rnn_forward_kernel<T>, stream, N, H, h, b_ih,
                    kind == CellKind::kRnnRelu);
  }
}

template <typename T>
std::string recurrent_step_backward(CellKind kind, index_t N, index_t H, const T* dh, T* dc, const T* gates,
                                    const T* h_prev, const T* c_prev, const T* c, const T* h, T* dgates, T* direct,
                                    void* stream) {
  switch (kind) {
    case CellKind::kLstm:
      return launch("lstm_step_backward", N * H, lstm_backward_kernel<T>, stream, N, H, dh, dc, gates, c_prev, c,
                    dgates);
    case CellKind::kGru:
      return launch("gru_step_backward", N * H, gru_backward_kernel<T>, stream, N, H, dh, gates, h_prev, dgates,
                    direct);
    default:
      return launch("rnn_step_backward", N * H, rnn_backward_kernel<T>, stream, N, H, dh, h,
                    kind == CellKind::kRnnRelu, dgates);
  }
}

#define I2DL_RECURRENT_INSTANTIATE(T)                                                                             \
  template std::string recurrent_step_forward<T>(CellKind, index_t, index_t, T*, const T*, const T*, const T*,   \
                                                 const T*, T*, T*, void*);                                       \
  template std::string recurrent_step_backward<T>(CellKind, index_t, index_t, const T*, T*, const T*, const T*,  \
                                                  const T*, const T*, const T*, T*, T*, void*);
I2DL_FOR_FLOATS(I2DL_RECURRENT_INSTANTIATE)
#undef I2DL_RECURRENT_INSTANTIATE

}  // namespace i2dl::cuda
