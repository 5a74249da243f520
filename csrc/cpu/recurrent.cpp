#include "i2dl/recurrent.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "i2dl/blas.h"
#include "i2dl/gemm_packed.h"
#include "i2dl/parallel.h"
#include "i2dl/workspace.h"

namespace i2dl {
namespace {

// ------------------------------------------------------------------------------------------ activations

// exp for the float passes, spelled out so that the loops vectorise: glibc's vector expf is declared
// only under -ffast-math, which would also let the compiler assume away the NaN and inf that must
// propagate as in the reference. Cephes' expf: exp(x) = 2^n exp(r), n = round(x / ln 2), |r| <= ln2 / 2,
// a degree-6 polynomial for exp(r); within 2 ulp. Beyond [-87.3, 88.3] (where 2^n leaves the normal
// floats) the result is 0 or inf, as IEEE exp gives at -inf and +inf: sigmoid(-inf) is then exactly 0
// and its derivative exactly 0, so 0 * inf in a later product is NaN where the reference has NaN.
// NaN passes every comparison as false and stays NaN through the polynomial.
I2DL_INLINE float exp_lanes(float x) {
  const float xc = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
  const float shifted = xc * 1.44269504088896341f + 12582912.0f;  // 1.5 * 2^23: n lands in the low mantissa bits
  const float n = shifted - 12582912.0f;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // n as an integer, in unsigned arithmetic (a NaN's bits give any value; shifting a negative int is UB)
  const std::uint32_t k = __builtin_bit_cast(std::uint32_t, shifted) - 0x4B400000u;
  const float e = p * __builtin_bit_cast(float, (k + 127u) << 23);
  return x < -87.3f ? 0.0f : (x > 88.3f ? __builtin_inff() : e);
}
I2DL_INLINE double exp_lanes(double x) { return std::exp(x); }

template <typename T>
I2DL_INLINE T sigmoid(T v) { return T(1) / (T(1) + exp_lanes(-v)); }

// tanh v = 1 - 2 / (e^2v + 1), and below |v| = 1/8 its odd series to v^7 (the formula loses the
// leading digits there); the series' error at 1/8 is 2e-9 relative.
I2DL_INLINE float tanh_lanes(float v) {
  const float v2 = v * v;
  const float series = v * (1.0f + v2 * (-1.0f / 3 + v2 * (2.0f / 15 + v2 * (-17.0f / 315))));
  const float formula = 1.0f - 2.0f / (exp_lanes(2.0f * v) + 1.0f);
  return std::fabs(v) < 0.125f ? series : formula;
}
I2DL_INLINE double tanh_lanes(double v) { return std::tanh(v); }

// ------------------------------------------------------------------------------------------ fused passes
// One row of one step over n units. The gate blocks of a row (4H wide for the LSTM and GRU, H for the
// RNN) arrive as separate __restrict pointers, as do the states: with a dozen pointers that might
// overlap GCC needs more run-time alias checks than it will emit and leaves the loop scalar
// (measured: the LSTM's pass was 40 % of a forward). Each pass is also compiled once with and once
// without the previous state (Prev), so that no load sits under a condition inside the loop; the file
// is compiled with -fno-trapping-math so that the activations' selects become blends.
#define I2DL_R __restrict__

// LSTM: i, f, o = sigma, g = tanh of the pre-activation + b; c = f c_prev + i g (i g alone without
// c_prev); h = o tanh(c). The activated gates replace the pre-activations.
template <typename T, bool Prev>
I2DL_CLONES void lstm_pass_forward(index_t n, T* I2DL_R gi, T* I2DL_R gf, T* I2DL_R gg, T* I2DL_R go,
                                   const T* I2DL_R bi, const T* I2DL_R bf, const T* I2DL_R bg, const T* I2DL_R bo,
                                   const T* I2DL_R c_prev, T* I2DL_R c, T* I2DL_R h) {
  for (index_t u = 0; u < n; ++u) {
    const T i = sigmoid(gi[u] + bi[u]), f = sigmoid(gf[u] + bf[u]), gt = tanh_lanes(gg[u] + bg[u]),
            o = sigmoid(go[u] + bo[u]);
    const T cn = Prev ? f * c_prev[u] + i * gt : i * gt;
    gi[u] = i, gf[u] = f, gg[u] = gt, go[u] = o;
    c[u] = cn;
    h[u] = o * tanh_lanes(cn);
  }
}

template <typename T>
void lstm_row_forward(index_t u0, index_t u1, index_t H, T* g, const T* b, const T* c_prev, T* c, T* h) {
  auto pass = c_prev ? lstm_pass_forward<T, true> : lstm_pass_forward<T, false>;
  pass(u1 - u0, g + u0, g + H + u0, g + 2 * H + u0, g + 3 * H + u0, b + u0, b + H + u0, b + 2 * H + u0,
       b + 3 * H + u0, c_prev ? c_prev + u0 : nullptr, c + u0, h + u0);
}

// GRU: the blocks hold x W_ir + h W_hr, x W_iz + h W_hz, x W_in, h W_hn (the last absent without
// h_prev) and are left holding r, z, n and h W_hn + b_hn.
template <typename T, bool Prev>
I2DL_CLONES void gru_pass_forward(index_t n, T* I2DL_R g0, T* I2DL_R g1, T* I2DL_R g2, T* I2DL_R g3,
                                  const T* I2DL_R bi0, const T* I2DL_R bi1, const T* I2DL_R bi2, const T* I2DL_R bh0,
                                  const T* I2DL_R bh1, const T* I2DL_R bh2, const T* I2DL_R h_prev, T* I2DL_R h) {
  for (index_t u = 0; u < n; ++u) {
    const T r = sigmoid(g0[u] + bi0[u] + bh0[u]), z = sigmoid(g1[u] + bi1[u] + bh1[u]);
    const T hn = (Prev ? g3[u] : T(0)) + bh2[u];
    const T nn = tanh_lanes(g2[u] + bi2[u] + r * hn);
    g0[u] = r, g1[u] = z, g2[u] = nn, g3[u] = hn;
    h[u] = Prev ? (T(1) - z) * nn + z * h_prev[u] : (T(1) - z) * nn;
  }
}

template <typename T>
void gru_row_forward(index_t u0, index_t u1, index_t H, T* g, const T* bi, const T* bh, const T* h_prev, T* h) {
  auto pass = h_prev ? gru_pass_forward<T, true> : gru_pass_forward<T, false>;
  pass(u1 - u0, g + u0, g + H + u0, g + 2 * H + u0, g + 3 * H + u0, bi + u0, bi + H + u0, bi + 2 * H + u0, bh + u0,
       bh + H + u0, bh + 2 * H + u0, h_prev ? h_prev + u0 : nullptr, h + u0);
}

// RNN: y = act(y + b), relu keeping NaN (v < 0 ? 0 : v, as the reference).
template <typename T>
I2DL_CLONES void rnn_pass_forward(index_t n, T* I2DL_R y, const T* I2DL_R b, bool relu) {
  if (relu) {
    for (index_t u = 0; u < n; ++u) {
      const T v = y[u] + b[u];
      y[u] = v < T(0) ? T(0) : v;
    }
  } else {
    for (index_t u = 0; u < n; ++u) y[u] = tanh_lanes(y[u] + b[u]);
  }
}

template <typename T>
void rnn_row_forward(index_t u0, index_t u1, T* y, const T* b, bool relu) {
  rnn_pass_forward(u1 - u0, y + u0, b + u0, relu);
}

// LSTM backward: dh = dy + dh_next; dc += dh o (1 - tanh^2 c); the pre-activation gradients of i, f, g,
// o into their blocks of dg; dc <- dc f for the step before.
template <typename T, bool Prev>
I2DL_CLONES void lstm_pass_backward(index_t n, const T* I2DL_R dy, const T* I2DL_R dh_next, T* I2DL_R dc,
                                    const T* I2DL_R gi, const T* I2DL_R gf, const T* I2DL_R gg, const T* I2DL_R go,
                                    const T* I2DL_R c_prev, const T* I2DL_R c, T* I2DL_R di, T* I2DL_R df,
                                    T* I2DL_R dgg, T* I2DL_R dgo) {
  for (index_t u = 0; u < n; ++u) {
    const T dh = dy[u] + dh_next[u];
    const T i = gi[u], f = gf[u], gt = gg[u], o = go[u];
    const T tc = tanh_lanes(c[u]);
    const T dcu = dc[u] + dh * o * (T(1) - tc * tc);
    di[u] = dcu * gt * i * (T(1) - i);
    df[u] = Prev ? dcu * c_prev[u] * f * (T(1) - f) : T(0);
    dgg[u] = dcu * i * (T(1) - gt * gt);
    dgo[u] = dh * tc * o * (T(1) - o);
    dc[u] = dcu * f;
  }
}

template <typename T>
void lstm_row_backward(index_t u0, index_t u1, index_t H, const T* dy, const T* dh_next, T* dc, const T* g,
                       const T* c_prev, const T* c, T* dg) {
  auto pass = c_prev ? lstm_pass_backward<T, true> : lstm_pass_backward<T, false>;
  pass(u1 - u0, dy + u0, dh_next + u0, dc + u0, g + u0, g + H + u0, g + 2 * H + u0, g + 3 * H + u0,
       c_prev ? c_prev + u0 : nullptr, c + u0, dg + u0, dg + H + u0, dg + 2 * H + u0, dg + 3 * H + u0);
}

// GRU backward: dg = [dr, dz, dn, dn r] (pre-activations; the last is the n gate's share of w_hh);
// direct = dh z, the part of dh_prev that does not pass through w_hh. `direct` is dh_next itself
// (each unit read before it is written), so those two are the pair left without __restrict.
template <typename T, bool Prev>
I2DL_CLONES void gru_pass_backward(index_t n, const T* I2DL_R dy, const T* dh_next, const T* I2DL_R g0,
                                   const T* I2DL_R g1, const T* I2DL_R g2, const T* I2DL_R g3, const T* I2DL_R h_prev,
                                   T* I2DL_R d0, T* I2DL_R d1, T* I2DL_R d2, T* I2DL_R d3, T* direct) {
  for (index_t u = 0; u < n; ++u) {
    const T dh = dy[u] + dh_next[u];
    const T r = g0[u], z = g1[u], nn = g2[u], hn = g3[u];
    const T dn = dh * (T(1) - z) * (T(1) - nn * nn);
    const T dz = dh * ((Prev ? h_prev[u] : T(0)) - nn) * z * (T(1) - z);
    d0[u] = dn * hn * r * (T(1) - r);
    d1[u] = dz;
    d2[u] = dn;
    d3[u] = dn * r;
    direct[u] = dh * z;
  }
}

template <typename T>
void gru_row_backward(index_t u0, index_t u1, index_t H, const T* dy, const T* dh_next, const T* g, const T* h_prev,
                      T* dg, T* direct) {
  auto pass = h_prev ? gru_pass_backward<T, true> : gru_pass_backward<T, false>;
  pass(u1 - u0, dy + u0, dh_next + u0, g + u0, g + H + u0, g + 2 * H + u0, g + 3 * H + u0,
       h_prev ? h_prev + u0 : nullptr, dg + u0, dg + H + u0, dg + 2 * H + u0, dg + 3 * H + u0, direct + u0);
}

// RNN backward: dg = (dy + dh_next) act'(y), act' = 1 - y^2 (tanh) or [y > 0] (relu; a product, so a
// NaN gradient stays NaN where y <= 0, as in the reference).
template <typename T>
I2DL_CLONES void rnn_pass_backward(index_t n, const T* I2DL_R dy, const T* I2DL_R dh_next, const T* I2DL_R y, bool relu,
                                   T* I2DL_R dg) {
  for (index_t u = 0; u < n; ++u) {
    const T d = dy[u] + dh_next[u];
    dg[u] = relu ? d * T(y[u] > T(0)) : d * (T(1) - y[u] * y[u]);
  }
}

template <typename T>
void rnn_row_backward(index_t u0, index_t u1, const T* dy, const T* dh_next, const T* y, bool relu, T* dg) {
  rnn_pass_backward(u1 - u0, dy + u0, dh_next + u0, y + u0, relu, dg + u0);
}

// sums[b H + u] += dg[b H + u] for every block b of a row and this thread's units u.
template <typename T>
I2DL_CLONES void add_blocks(index_t blocks, index_t H, index_t u0, index_t u1, const T* I2DL_R dg, T* I2DL_R sums) {
  for (index_t b = 0; b < blocks; ++b)
    for (index_t u = u0; u < u1; ++u) sums[b * H + u] += dg[b * H + u];
}

// ------------------------------------------------------------------------------------------ the step loop

// Below this many flops of recurrent GEMM per step the steps run on one thread: a barrier per step
// costs about a microsecond, a step of 2^18 flops about two.
constexpr double kParallelStepFlops = 1 << 18;

// This thread's units: one slice of whole 16-float vectors per thread (the last may be shorter or empty).
struct Units {
  index_t u0, u1;
};
Units my_units(index_t H) {
  const index_t threads = omp_get_num_threads(), t = omp_get_thread_num();
  const index_t slice = std::max<index_t>(16, ((H + threads - 1) / threads + 15) / 16 * 16);
  const index_t u0 = std::min(H, t * slice);
  return {u0, std::min(H, u0 + slice)};
}

// This thread's packed w_hh (gemm_packed.h): `count` T of its own workspace, reused call to call, or null
// for none. After the barrier every thread sees whether any allocation failed, so that all of them leave
// the step loop (and its barriers) together; the caller rethrows after the region.
template <typename T>
T* packed_weights(RegionGuard& guard, index_t count, Slot slot = Slot::kWeights) {
  T* p = nullptr;
  if (count > 0) guard.run([&] { p = workspace<T>(slot, count); });
#pragma omp barrier
  return guard.failed() ? nullptr : p;
}

bool parallel_steps(const RecurrentShape& s, index_t G) {
  return omp_get_max_threads() > 1 && !omp_in_parallel() && 2.0 * s.N * G * s.H * s.H >= kParallelStepFlops;
}

// The step processed k-th (k = 0 first).
index_t step_at(const RecurrentShape& s, index_t k) { return s.reverse ? s.T - 1 - k : k; }

index_t row_width(CellKind kind, index_t H) { return kind == CellKind::kLstm || kind == CellKind::kGru ? 4 * H : H; }

template <typename T>
void copy_or_zero(index_t n, const T* src, T* dst) {
  if (!dst) return;
  if (src) std::memcpy(dst, src, sizeof(T) * n);
  else std::fill(dst, dst + n, T(0));
}

// b_ih + b_hh (or b_ih, b_hh separately for the GRU), zeros without a bias: the passes always add one.
template <typename T>
std::vector<T> bias_of(index_t n, const T* b) {
  return b ? std::vector<T>(b, b + n) : std::vector<T>(n, T(0));
}

// dx (TN x I) = dg (TN x K, rows ld apart) w_ih (K x I) on the register tiles: w_ih packed once into
// panels (the threads split them), then the threads split dx's rows, each reading its rows of dg in
// place, where the BLAS packs both. Measured, LSTM backward, BLAS / tiles, alternating in one process:
// (T, N, I, H) = (50, 64, 128, 256) 28.2 / 27.4 ms on 2 threads, 53.4 / 52.0 on one; (50, 64, 256, 256)
// 36.7 / 35.6; (50, 64, 32, 256) 26.6 / 25.8; (20, 32, 64, 64) even. From I = kMinTileInputs on: with
// fewer columns than a panel the tile computes padding (the digits LSTM's I = 8 stays on the BLAS).
constexpr index_t kMinTileInputs = 32;

template <typename T>
void input_grad(index_t TN, index_t I, index_t K, const T* dg, index_t ld, const T* w_ih, T* dx) {
  if (I < kMinTileInputs || TN < 2 * packed_panel<T>()) {
    gemm(false, false, TN, I, K, T(1), dg, ld, w_ih, I, T(0), dx, I);
    return;
  }
  const index_t NR = packed_panel<T>(), panels = (I + NR - 1) / NR;
  T* packed = workspace<T>(Slot::kFilters, packed_size<T>(K, I));
#pragma omp parallel if (TN * I * K >= (index_t(1) << 20))
  {
#pragma omp for schedule(static)
    for (index_t p = 0; p < panels; ++p)
      pack_panels(false, K, std::min(NR, I - p * NR), w_ih + p * NR, I, packed + p * NR * K);
    const index_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    const index_t r0 = TN * t / threads, r1 = TN * (t + 1) / threads;
    if (r1 > r0) gemm_packed(r1 - r0, I, K, dg + r0 * ld, ld, packed, false, dx + r0 * I, I);
  }
}

}  // namespace

template <typename T>
void recurrent_forward(CellKind kind, const RecurrentShape& s, const T* x, const T* h0, const T* c0, const T* w_ih,
                       const T* w_hh, const T* b_ih, const T* b_hh, T* y, T* h_n, T* c_n, T* gates, T* cs) {
  const index_t N = s.N, H = s.H, G = gate_count(kind), W = row_width(kind, H), NH = N * H;
  const bool lstm = kind == CellKind::kLstm, gru = kind == CellKind::kGru, relu = kind == CellKind::kRnnRelu;
  if (s.T == 0 || N == 0) {  // no step: the final states are the initial ones
    copy_or_zero(NH, h0, h_n);
    if (lstm) copy_or_zero(NH, c0, c_n);
    return;
  }
  T* buf = gru || lstm ? gates : y;  // the RNN's pre-activations live in y itself
  // The input projection: on one thread, one GEMM over all steps (T N, G H, I) into the gate columns
  // of each row; on several, each step's inside the step loop, on the packed tiles like h w_hh^T
  // (the step's gates then still in cache when the recurrent product adds to them). Measured, 2
  // threads, forward: LSTM (50, 64, 128) -> 256 16.0 -> 14.5 ms, GRU 12.2 -> 11.4, LSTM (50, 64,
  // 256) -> 256 20.3 -> 19.0.
  const bool parallel = parallel_steps(s, G);
  if (!parallel) gemm(false, true, s.T * N, G * H, s.I, T(1), x, s.I, w_ih, s.I, T(0), buf, W);
  std::vector<T> bi = bias_of(G * H, b_ih), bh = bias_of(G * H, b_hh);
  if (!gru)
    for (index_t j = 0; j < G * H; ++j) bi[j] += bh[j];
  RegionGuard guard;
#pragma omp parallel if (parallel)
  {
    const auto [u0, u1] = my_units(H);
    const index_t nu = u1 - u0;
    // this thread's rows of w_hh (and of w_ih, when the projection runs per step), each gate's
    // transposed into panels once for all steps (gemm_packed.h)
    const index_t panel = packed_size<T>(H, nu), panel_ih = packed_size<T>(s.I, nu);
    T* w_packed = packed_weights<T>(guard, (h0 || s.T > 1) && nu > 0 ? G * panel : 0);
    T* wih_packed = packed_weights<T>(guard, parallel && nu > 0 ? G * panel_ih : 0, Slot::kFilters);
    for (index_t g = 0; g < G && w_packed; ++g)
      pack_panels(true, H, nu, w_hh + (g * H + u0) * H, H, w_packed + g * panel);
    for (index_t g = 0; g < G && wih_packed; ++g)
      pack_panels(true, s.I, nu, w_ih + (g * H + u0) * s.I, s.I, wih_packed + g * panel_ih);
    for (index_t k = 0; k < s.T && !guard.failed(); ++k) {
      const index_t t = step_at(s, k), tp = k ? step_at(s, k - 1) : 0;
      const T* hp = k ? y + tp * NH : h0;
      T* gt = buf + t * N * W;
      if (parallel && nu > 0) {  // x_t w_ih^T for this thread's units of each gate (an empty I: zeros)
        for (index_t g = 0; g < G; ++g)
          gemm_packed(N, nu, s.I, x + t * N * s.I, s.I, wih_packed ? wih_packed + g * panel_ih : nullptr, false,
                      gt + g * H + u0, W);
      }
      if (hp && nu > 0) {  // h_prev w_hh^T for this thread's units of each gate
        for (index_t g = 0; g < G; ++g) {
          const bool apart = gru && g == 2;  // the GRU keeps h W_hn apart, in the fourth block: r multiplies it
          gemm_packed(N, nu, H, hp, H, w_packed + g * panel, !apart, gt + (apart ? 3 : g) * H + u0, W);
        }
      }
      for (index_t n = 0; n < N && nu > 0; ++n) {
        const index_t row = t * N + n;
        if (lstm) {
          const T* cp = k ? cs + tp * NH + n * H : (c0 ? c0 + n * H : nullptr);
          lstm_row_forward(u0, u1, H, gt + n * W, bi.data(), cp, cs + row * H, y + row * H);
        } else if (gru) {
          gru_row_forward(u0, u1, H, gt + n * W, bi.data(), bh.data(), hp ? hp + n * H : nullptr, y + row * H);
        } else {
          rnn_row_forward(u0, u1, y + row * H, bi.data(), relu);
        }
      }
#pragma omp barrier
    }
  }
  guard.rethrow();
  const index_t last = step_at(s, s.T - 1);
  copy_or_zero(NH, y + last * NH, h_n);
  if (lstm) copy_or_zero(NH, cs + last * NH, c_n);
}

template <typename T>
void recurrent_backward(CellKind kind, const RecurrentShape& s, const T* dy, const T* dh_n, const T* dc_n, const T* x,
                        const T* h0, const T* c0, const T* w_ih, const T* w_hh, const T* y, const T* gates,
                        const T* cs, T* dx, T* dh0, T* dc0, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh) {
  const index_t N = s.N, H = s.H, I = s.I, G = gate_count(kind), GH = G * H, W = row_width(kind, H), NH = N * H;
  const index_t TN = s.T * N;
  const bool lstm = kind == CellKind::kLstm, gru = kind == CellKind::kGru, relu = kind == CellKind::kRnnRelu;
  // dg (T, N, W): the pre-activation gradients of every step; dh_next, dc_next (N, H) the running state gradients
  T* dg = workspace<T>(Slot::kColumns, TN * W);
  T* dstate = workspace<T>(Slot::kGemmOut, 2 * NH);
  T *dhn = dstate, *dcn = dstate + NH;
  copy_or_zero(NH, dh_n, dhn);
  copy_or_zero(NH, dc_n, dcn);
  // without dy (one step whose h1 the loss did not use) the passes read a row of zeros
  const std::vector<T> zeros(dy ? 0 : H, T(0));
  // the bias gradients, the sums of dg over all rows, gathered by each thread for its units as the steps go
  // (a pass of its own over dg, 13 MB at the bench's sizes, took 1.4 ms of a 31 ms backward)
  std::vector<T> bias_sums(db_ih || db_hh ? W : 0, T(0));
  T* sums = bias_sums.empty() ? nullptr : bias_sums.data();
  RegionGuard guard;
#pragma omp parallel if (parallel_steps(s, G))
  {
    const auto [u0, u1] = my_units(H);
    const index_t nu = u1 - u0;
    // this thread's columns of w_hh in panels, once for all steps: the GRU's r and z rows, then its n rows
    const index_t rz = gru ? 2 * H : GH, n_panels_at = packed_size<T>(rz, nu);
    T* w_packed = packed_weights<T>(guard, (dh0 || s.T > 1) && nu > 0 ? packed_size<T>(GH, nu) : 0);
    if (w_packed) {
      pack_panels(false, rz, nu, w_hh + u0, H, w_packed);
      if (gru) pack_panels(false, H, nu, w_hh + 2 * H * H + u0, H, w_packed + n_panels_at);
    }
    for (index_t k = s.T - 1; k >= 0 && !guard.failed(); --k) {
      const index_t t = step_at(s, k), tp = k ? step_at(s, k - 1) : 0;
      T* dgt = dg + t * N * W;
      for (index_t n = 0; n < N && nu > 0; ++n) {
        const index_t row = t * N + n;
        const T* dyr = dy ? dy + row * H : zeros.data();
        if (lstm) {
          const T* cp = k ? cs + tp * NH + n * H : (c0 ? c0 + n * H : nullptr);
          lstm_row_backward(u0, u1, H, dyr, dhn + n * H, dcn + n * H, gates + row * W, cp, cs + row * H, dgt + n * W);
        } else if (gru) {
          const T* hp = k ? y + tp * NH + n * H : (h0 ? h0 + n * H : nullptr);
          gru_row_backward(u0, u1, H, dyr, dhn + n * H, gates + row * W, hp, dgt + n * W, dhn + n * H);
        } else {
          rnn_row_backward(u0, u1, dyr, dhn + n * H, y + row * H, relu, dgt + n * H);
        }
        if (sums) add_blocks(W / H, H, u0, u1, dgt + n * W, sums);
      }
#pragma omp barrier
      if ((k > 0 || dh0) && nu > 0) {  // dh_prev = dgates w_hh (+ the GRU's direct part), this thread's units
        gemm_packed(N, nu, rz, dgt, W, w_packed, gru, dhn + u0, H);
        if (gru) gemm_packed(N, nu, H, dgt + 3 * H, W, w_packed + n_panels_at, true, dhn + u0, H);
      }
    }
  }
  guard.rethrow();
  copy_or_zero(NH, dhn, dh0);
  if (lstm) copy_or_zero(NH, dcn, dc0);
  // over all steps at once: dx = dg_ih w_ih, dw_ih = dg_ih^T x
  if (dx) input_grad(TN, I, GH, dg, W, w_ih, dx);
  gemm(true, false, GH, I, TN, T(1), dg, W, x, I, T(0), dw_ih, I);
  // dw_hh = sum_t dg_hh[t]^T h_prev(t): the steps after the first against y shifted by one step, one GEMM,
  // then the first step against h0 when there is one
  const index_t later = s.T > 0 ? (s.T - 1) * N : 0, first = step_at(s, 0);
  const T* dg_later = s.reverse ? dg : dg + N * W;
  const T* y_prev = y ? (s.reverse ? y + NH : y) : nullptr;
  auto hh = [&](index_t out_row, index_t rows, index_t col) {
    gemm(true, false, rows, H, later, T(1), dg_later + col, W, y_prev, H, T(0), dw_hh + out_row * H, H);
    if (h0 && s.T > 0) gemm(true, false, rows, H, N, T(1), dg + first * N * W + col, W, h0, H, T(1), dw_hh + out_row * H, H);
  };
  if (gru) {
    hh(0, 2 * H, 0);      // r and z: their columns of dg
    hh(2 * H, H, 3 * H);  // n: dn r, kept in the fourth block
  } else {
    hh(0, GH, 0);
  }
  if (db_ih) std::copy(sums, sums + GH, db_ih);
  if (db_hh) {
    if (gru) {  // r and z as for b_ih, n from dn r
      std::copy(sums, sums + 2 * H, db_hh);
      std::copy(sums + 3 * H, sums + 4 * H, db_hh + 2 * H);
    } else {
      std::copy(sums, sums + GH, db_hh);
    }
  }
}

// The units of the fused pass split into chunks of this many (a multiple of every vector width), so
// that one image's pass spreads over the threads too.
constexpr index_t kGateChunk = 4096;

template <typename T>
void lstm_gates_forward(index_t N, index_t U, const T* gates, const T* c_prev, T* act, T* c, T* h) {
  if (N * U == 0) return;
  std::memcpy(act, gates, sizeof(T) * N * 4 * U);  // the pass activates in place
  const std::vector<T> zero_bias(4 * U, T(0));      // the conv added the bias
  const index_t chunks = (U + kGateChunk - 1) / kGateChunk;
#pragma omp parallel for collapse(2) schedule(static) if (N * U >= kParallelFrom)
  for (index_t n = 0; n < N; ++n)
    for (index_t k = 0; k < chunks; ++k) {
      const index_t u0 = k * kGateChunk, u1 = std::min(U, u0 + kGateChunk);
      lstm_row_forward(u0, u1, U, act + n * 4 * U, zero_bias.data(), c_prev ? c_prev + n * U : nullptr, c + n * U,
                       h + n * U);
    }
}

template <typename T>
void lstm_gates_backward(index_t N, index_t U, const T* dh, const T* dc, const T* act, const T* c_prev, const T* c,
                         T* dgates, T* dc_prev) {
  if (N * U == 0) return;
  const std::vector<T> zeros(U, T(0));
  std::vector<T> scratch(dc_prev ? 0 : N * U);
  T* dcs = dc_prev ? dc_prev : scratch.data();  // the running cell-state gradient, in place
  copy_or_zero(N * U, dc, dcs);
  const index_t chunks = (U + kGateChunk - 1) / kGateChunk;
#pragma omp parallel for collapse(2) schedule(static) if (N * U >= kParallelFrom)
  for (index_t n = 0; n < N; ++n)
    for (index_t k = 0; k < chunks; ++k) {
      const index_t u0 = k * kGateChunk, u1 = std::min(U, u0 + kGateChunk);
      lstm_row_backward(u0, u1, U, dh ? dh + n * U : zeros.data(), zeros.data(), dcs + n * U, act + n * 4 * U,
                        c_prev ? c_prev + n * U : nullptr, c + n * U, dgates + n * 4 * U);
    }
}

#define I2DL_RECURRENT_INSTANTIATE(T)                                                                            \
  template void recurrent_forward<T>(CellKind, const RecurrentShape&, const T*, const T*, const T*, const T*,    \
                                     const T*, const T*, const T*, T*, T*, T*, T*, T*);                          \
  template void recurrent_backward<T>(CellKind, const RecurrentShape&, const T*, const T*, const T*, const T*,   \
                                      const T*, const T*, const T*, const T*, const T*, const T*, const T*, T*,  \
                                      T*, T*, T*, T*, T*, T*);                                                   \
  template void lstm_gates_forward<T>(index_t, index_t, const T*, const T*, T*, T*, T*);                           \
  template void lstm_gates_backward<T>(index_t, index_t, const T*, const T*, const T*, const T*, const T*, T*, T*);
I2DL_FOR_FLOATS(I2DL_RECURRENT_INSTANTIATE)

}  // namespace i2dl
