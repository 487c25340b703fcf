// Grid-mode kernel of the conductance-based LIF (neurons/lif_cond_exp.hpp; network field
// `input_timing: ON_GRID`, neurons/grid_population.hpp): the scheme of Brian2's COBA example
// (method='euler') with the conductances decaying exactly.
//
// One step of dt from t_{k-1} to t_k, every right-hand side at t_{k-1}:
//   V_k    = V_{k-1} + (dt / c_m_pF) [ g_l_nS (e_l_mV - V_{k-1}) + g_ex (e_ex_mV - V_{k-1})
//                                      + g_in (e_in_mV - V_{k-1}) + i_e_pA + I_inj ]     (mV)
//            (computed for every neuron; the population puts V_{k-1} back for held ones)
//   g_ex,k = g_ex,k-1 exp(-dt / tau_ex_ms) + sum of the weights w >= 0 arriving in (t_{k-1}, t_k]   (nS)
//   g_in,k = g_in,k-1 exp(-dt / tau_in_ms) + sum of |w| of the weights w < 0 arriving then          (nS)
//   (the conductances' decay is carried by the population's receiver scale, grid_population.hpp)
//
// Order: forward Euler for V (first order in dt; stable while dt (g_l + g_ex + g_in) / c_m < 2,
// i.e. up to 4000 nS of total conductance at dt 0.1 ms and 200 pF), exact decay for the
// conductances (Brian2's 'euler' multiplies them by 1 - dt/tau instead: a 1 % smaller
// conductance integral at dt = tau/50; ionspike's exact mode and NEST decay them exactly).
// Inputs act from the step boundary after their arrival (first order in time as well).
// Threshold, reset, refractoriness and interpolated spike times: neurons/grid_population.hpp.
// Units: ms, mV, pA, pF, nS. The loop is branch-free and auto-vectorised.
#pragma once

#include <cmath>
#include <cstddef>

#include "neurons/grid_population.hpp"
#include "neurons/lif_cond_exp.hpp"

namespace ionspike {

struct LifCondExpGridConstants {
  double dt_over_c_ms_per_pF;  // dt / c_m
  double leak_keep;            // 1 - (dt / c_m) g_l
  double rest_step_mV;         // (dt / c_m) (g_l e_l + i_e)
  double e_ex_mV, e_in_mV;
  double decay_ex, decay_in;  // exp(-dt / tau)
};

// The V update as evaluated (10 operations per neuron instead of 12 for the form in the header
// comment; the kernel's loop is limited by its arithmetic and its streams alike):
//   V_k = (rest_step + V_{k-1} leak_keep) + (g_ex~ a_ex) (e_ex - V_{k-1}) + (g_in~ a_in) (e_in - V_{k-1})
//         [+ (dt / c_m) I_inj],   a = (dt / c_m) D_{k-1}, g~ the scaled receiver column.
struct LifCondExpStepFactors {
  double a_ex, a_in;
};
[[gnu::always_inline]] inline double lif_cond_exp_grid_v(const LifCondExpGridConstants& k, LifCondExpStepFactors f,
                                                         double v, double ge_column, double gi_column) {
  return (k.rest_step_mV + v * k.leak_keep) + (ge_column * f.a_ex) * (k.e_ex_mV - v) +
         (gi_column * f.a_in) * (k.e_in_mV - v);
}

// The step over n neurons, columns as restrict parameters: GCC vectorises the loop only when it
// knows they do not overlap (restrict locals copied from a struct are not enough; checked with
// -fopt-info-vec). Cloned for AVX2 (4 doubles a vector; chosen at load time where the CPU has
// it; other kernels also for AVX-512, neurons/target_clones.hpp): the same IEEE operations in
// the same order per neuron, hence the same results, bit for bit, as the SSE2 default (the
// build forbids FMA contraction, -ffp-contract=off, which would change the rounding).
// `static`: one copy per translation unit, so the ifunc of the clones stays local.
template <bool kCurrent, bool kInputs>
IONSPIKE_AVX2_CLONES static std::uint64_t lif_cond_exp_grid_loop(
    const LifCondExpGridConstants k, std::size_t n, const double* __restrict v_old, double* __restrict v_new,
    double* __restrict g_ex, double* __restrict g_in, double* __restrict acc_ex, double* __restrict acc_in,
    const double* __restrict i_inj, double threshold_mV, const ReceiverScales r) {
  const LifCondExpStepFactors f{k.dt_over_c_ms_per_pF * r.scale_ex, k.dt_over_c_ms_per_pF * r.scale_in};
  const auto step = [&](std::size_t i) __attribute__((always_inline)) {
    const double ge_column = g_ex[i], gi_column = g_in[i];
    double v_next = lif_cond_exp_grid_v(k, f, v_old[i], ge_column, gi_column);
    if constexpr (kCurrent) v_next += k.dt_over_c_ms_per_pF * i_inj[i];
    v_new[i] = v_next;
    receive_inputs<kInputs, InputSign::add>(i, r, ge_column, gi_column, g_ex, g_in, acc_ex, acc_in);
    return below_bits(v_next, threshold_mV);
  };
  return for_each_test_block(n, step);
}

struct LifCondExpGrid {
  using Model = LifCondExpModel;
  using Constants = LifCondExpGridConstants;
  static constexpr std::size_t kExReceiver = Model::kGEx, kInReceiver = Model::kGIn;
  static constexpr InputSign kInSign = InputSign::add;

  static Constants constants(const Model::Parameters& p, double dt_ms) {
    const double dt_over_c = dt_ms / p.c_m_pF;
    return {dt_over_c,
            1.0 - dt_over_c * p.g_l_nS,
            dt_over_c * (p.g_l_nS * p.e_l_mV + p.i_e_pA),
            p.synapses.e_ex_mV,
            p.synapses.e_in_mV,
            std::exp(-dt_ms / p.synapses.tau_ex_ms),
            std::exp(-dt_ms / p.synapses.tau_in_ms)};
  }

  template <bool kCurrent, bool kInputs>
  static std::uint64_t advance(const Constants& c, const GridStep<Model::kVariables>& s, std::size_t n) {
    return lif_cond_exp_grid_loop<kCurrent, kInputs>(c, n, s.v_old_mV, s.y[Model::kV], s.y[Model::kGEx], s.y[Model::kGIn],
                                            s.acc_ex, s.acc_in, s.i_inj_pA, s.threshold_mV, s.scales);
  }
};

}  // namespace ionspike
