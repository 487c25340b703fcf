// Grid-mode kernel of the Hodgkin-Huxley models (neurons/hodgkin_huxley.hpp: hh_traub_miles,
// hh_1952; network field `input_timing: ON_GRID`, neurons/grid_population.hpp): Brian2's
// exponential Euler (method='exponential_euler', the scheme of Brian2's COBAHH example).
//
// Every variable x obeys dx/dt = A_x(y) x + B_x(y). One step of dt from t_{k-1} to t_k freezes
// A and B at the state of t_{k-1} and moves each variable exactly:
//   x_k = x_inf + (x_{k-1} - x_inf) exp(A_x dt),   x_inf = -B_x / A_x.
// Gates (x = m, h, n; rates in 1/ms at V_{k-1} in mV):
//   x_inf = alpha_x / (alpha_x + beta_x),  exp(A_x dt) = exp(-(alpha_x + beta_x) dt)
// Membrane (conductances in nS, c_m in pF, currents in pA):
//   g_tot = g_na m^3 h + g_k n^4 + g_l + g_ex + g_in
//   V_inf = (g_na m^3 h e_na + g_k n^4 e_k + g_l e_l + g_ex e_ex + g_in e_in + i_e + I_inj) / g_tot
//   V_k   = V_inf + (V_{k-1} - V_inf) exp(-g_tot dt / c_m)
// Conductances: g_k = g_{k-1} exp(-dt / tau) + the inputs of (t_{k-1}, t_k] (as lif_cond_exp_grid;
// the decay is carried by the population's receiver scale, grid_population.hpp).
//
// Order: first order in dt (the coefficients are frozen over the step); exact for frozen
// coefficients, unconditionally stable (every update is a convex combination of the old value
// and the frozen steady state). The gates' x_inf and exp(-(alpha + beta) dt) depend on V only:
// they are tabulated per population every 0.05 mV on [-150, 100] mV from the exact rate
// functions and interpolated linearly, and evaluated directly outside that range. Interpolation
// error (Traub-Miles, dt 0.1 ms, measured on [-100, 60] mV): below 2e-6 in absolute value for
// every x_inf and factor, far below the scheme's own error. The step is chosen for the cache:
// 5001 rows of 48 bytes (240 KB) stay in L2; at 0.01 mV (1.2 MB) the table reads cost the
// COBAHH benchmark about 25 % more time. The membrane costs one exponential per neuron-step,
// computed by neurons/vector_exp.hpp in a second, vectorised pass.
// Spike: upward crossing of threshold_mV, lock-out t_ref (neurons/grid_population.hpp).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "neurons/grid_population.hpp"
#include "neurons/hodgkin_huxley.hpp"
#include "neurons/vector_exp.hpp"

namespace ionspike {

// Pass 2 of HodgkinHuxleyGrid::advance (vectorised, cloned for AVX2 like
// neurons/lif_cond_exp_grid.hpp): V_k = V_inf + (V_{k-1} - V_inf) e^{-z}.
// Returns the candidate mask of its n neurons (grid_population.hpp: bit c unless every new V
// of [64 c, 64 c + 64) is below threshold_mV).
IONSPIKE_AVX512_CLONES static std::uint64_t hodgkin_huxley_grid_membrane(std::size_t n, double* __restrict v,
                                                                         const double* __restrict v_inf,
                                                                         const double* __restrict z,
                                                                         double threshold_mV) {
  const auto step = [&](std::size_t i) __attribute__((always_inline)) {
    const double v_next = v_inf[i] + (v[i] - v_inf[i]) * vector_exp(-z[i]);
    v[i] = v_next;
    return below_bits(v_next, threshold_mV);
  };
  return for_each_test_block(n, step);
}

template <class Kinetics>
struct HodgkinHuxleyGrid {
  using Model = HodgkinHuxleyModel<Kinetics>;
  using Parameters = typename Model::Parameters;
  static constexpr std::size_t kExReceiver = Model::kGEx, kInReceiver = Model::kGIn;
  static constexpr InputSign kInSign = InputSign::add;

  // Steady states and one-step factors of the three gates at one voltage.
  struct GateStep {
    double m_inf, m_decay, h_inf, h_decay, n_inf, n_decay;
  };

  static constexpr double kMinMV = -150.0, kMaxMV = 100.0, kStepMV = 0.05;

  struct Constants {
    double dt_ms;
    double dt_over_c_ms_per_pF;  // dt / c_m
    double g_na_nS, g_k_nS, g_l_nS;
    double e_na_mV, e_k_mV;
    double rest_drive_pA;  // g_l e_l + i_e
    double e_ex_mV, e_in_mV;
    double decay_ex, decay_in;  // exp(-dt / tau)
    typename Kinetics::Parameters kinetics;
    std::vector<GateStep> table;  // at kMinMV + i kStepMV
  };

  static GateStep gate_step(const typename Kinetics::Parameters& k, double dt_ms, double v_mV) {
    const GateRates r = Kinetics::rates(k, v_mV);
    const auto one = [&](double alpha, double beta, double& inf, double& decay) {
      inf = alpha / (alpha + beta);
      decay = std::exp(-(alpha + beta) * dt_ms);
    };
    GateStep g;
    one(r.alpha_m, r.beta_m, g.m_inf, g.m_decay);
    one(r.alpha_h, r.beta_h, g.h_inf, g.h_decay);
    one(r.alpha_n, r.beta_n, g.n_inf, g.n_decay);
    return g;
  }

  static Constants constants(const Parameters& p, double dt_ms) {
    const HhMembrane& m = p.membrane;
    Constants c{dt_ms,
                dt_ms / m.c_m_pF,
                m.g_na_nS,
                m.g_k_nS,
                m.g_l_nS,
                m.e_na_mV,
                m.e_k_mV,
                m.g_l_nS * m.e_l_mV + m.i_e_pA,
                p.synapses.e_ex_mV,
                p.synapses.e_in_mV,
                std::exp(-dt_ms / p.synapses.tau_ex_ms),
                std::exp(-dt_ms / p.synapses.tau_in_ms),
                p.kinetics,
                {}};
    const auto rows = static_cast<std::size_t>((kMaxMV - kMinMV) / kStepMV + 0.5) + 1;
    c.table.reserve(rows);
    for (std::size_t i = 0; i < rows; ++i)
      c.table.push_back(gate_step(p.kinetics, dt_ms, kMinMV + static_cast<double>(i) * kStepMV));
    return c;
  }

  [[gnu::always_inline]] static GateStep lookup(const Constants& c, double v_mV) {
    const double x = (v_mV - kMinMV) * (1.0 / kStepMV);
    if (!(x >= 0.0 && x < static_cast<double>(c.table.size() - 1))) [[unlikely]]
      return gate_step(c.kinetics, c.dt_ms, v_mV);
    const auto i = static_cast<std::size_t>(x);
    const double f = x - static_cast<double>(i);
    const GateStep& a = c.table[i];
    const GateStep& b = c.table[i + 1];
    return {a.m_inf + f * (b.m_inf - a.m_inf), a.m_decay + f * (b.m_decay - a.m_decay),
            a.h_inf + f * (b.h_inf - a.h_inf), a.h_decay + f * (b.h_decay - a.h_decay),
            a.n_inf + f * (b.n_inf - a.n_inf), a.n_decay + f * (b.n_decay - a.n_decay)};
  }

  // Neurons per pass: the membrane's targets and exponents of one pass live on the stack.
  static constexpr std::size_t kChunk = 256;

  template <bool kCurrent, bool kInputs>
  static std::uint64_t advance(const Constants& c, const GridStep<Model::kVariables>& s, std::size_t n) {
    static_assert(kChunk % kTestBlock == 0);
    std::uint64_t candidates = 0;
    for (std::size_t b = 0; b < n; b += kChunk) {
      const std::size_t len = n - b < kChunk ? n - b : kChunk;
      double v_inf[kChunk], z[kChunk];
      gates_and_targets<kCurrent, kInputs>(c, len, s.v_old_mV + b, s.y[Model::kV] + b, s.y[Model::kM] + b,
                                           s.y[Model::kH] + b, s.y[Model::kN] + b, s.y[Model::kGEx] + b,
                                           s.y[Model::kGIn] + b, kInputs ? s.acc_ex + b : nullptr,
                                           kInputs ? s.acc_in + b : nullptr,
                                  kCurrent ? s.i_inj_pA + b : nullptr, s.scales, v_inf, z);
      candidates |= hodgkin_huxley_grid_membrane(len, s.y[Model::kV] + b, v_inf, z, s.threshold_mV)
                    << (b / kTestBlock);
    }
    return candidates;
  }

 private:
  // Pass 1 (scalar: table reads): gates, conductances and the accumulated inputs move to t_k;
  // the membrane's frozen steady state V_inf and exponent z = g_tot dt / c_m are stored, and
  // v_new receives V_{k-1}. For z < 1e-8 (no conductance at all) v_new receives the forward
  // Euler step instead, with V_inf = that value and z = 0, so pass 2 leaves it unchanged.
  template <bool kCurrent, bool kInputs>
  static void gates_and_targets(const Constants& c, std::size_t n, const double* __restrict v_old,
                                double* __restrict v_new, double* __restrict m_col, double* __restrict h_col,
                                double* __restrict n_col, double* __restrict g_ex, double* __restrict g_in,
                                double* __restrict acc_ex, double* __restrict acc_in,
                                const double* __restrict i_inj, const ReceiverScales r,
                                double* __restrict v_inf, double* __restrict z_out) {
    for (std::size_t i = 0; i < n; ++i) {
      const double ge_column = g_ex[i], gi_column = g_in[i];
      const double v = v_old[i], m = m_col[i], h = h_col[i], nn = n_col[i];
      const double ge = ge_column * r.scale_ex, gi = gi_column * r.scale_in;  // nS at t_{k-1}
      const GateStep g = lookup(c, v);
      const double g_na = c.g_na_nS * m * m * m * h;
      const double n2 = nn * nn;
      const double g_k = c.g_k_nS * n2 * n2;
      const double g_tot = g_na + g_k + c.g_l_nS + ge + gi;
      double drive = g_na * c.e_na_mV + g_k * c.e_k_mV + c.rest_drive_pA + ge * c.e_ex_mV + gi * c.e_in_mV;
      if constexpr (kCurrent) drive += i_inj[i];
      const double z = g_tot * c.dt_over_c_ms_per_pF;
      if (z > 1e-8) [[likely]] {
        v_inf[i] = drive / g_tot;
        z_out[i] = z < 700.0 ? z : 700.0;  // e^-700 is 0 to the membrane; vector_exp needs z <= 708
        v_new[i] = v;
      } else {
        v_inf[i] = v_new[i] = v + c.dt_over_c_ms_per_pF * (drive - g_tot * v);
        z_out[i] = 0.0;
      }
      m_col[i] = g.m_inf + (m - g.m_inf) * g.m_decay;
      h_col[i] = g.h_inf + (h - g.h_inf) * g.h_decay;
      n_col[i] = g.n_inf + (nn - g.n_inf) * g.n_decay;
      receive_inputs<kInputs, InputSign::add>(i, r, ge_column, gi_column, g_ex, g_in, acc_ex, acc_in);
    }
  }
};

}  // namespace ionspike
