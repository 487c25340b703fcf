// Grid-mode kernel of the current-based LIF (lif_exp, neurons/lif_exp.hpp; network field
// `input_timing: ON_GRID` with `dt_ms`, neurons/grid_population.hpp): the exact propagators of
// NEST's iaf_psc_exp (Rotter & Diesmann 1999), as Brian2's CUBA example (method='exact').
//
//   c_m dV/dt = -(c_m / tau_m)(V - e_l) + I_ex + I_in + i_e + I_inj,  dI_s/dt = -I_s / tau_s
//
// One step of dt from t_{k-1} to t_k, exact for inputs on the grid (R = tau_m / c_m,
// e_x = exp(-dt / tau_x)):
//   V_k    = e_l + R (i_e + I_inj) + (V_{k-1} - e_l - R (i_e + I_inj)) e_m + P_ex I_ex + P_in I_in   (mV)
//   P_s    = (e_s - e_m) / (c_m (1/tau_m - 1/tau_s))    (mV/pA; the phi form of neurons/lif_exp.hpp)
//   I_ex,k = I_ex e_ex + sum of the weights w >= 0 arriving in (t_{k-1}, t_k]                  (pA)
//   I_in,k = I_in e_in + sum of the weights w < 0 (I_in <= 0, as in the exact model)            (pA)
// (the currents' decay is carried by the population's receiver scale, grid_population.hpp)
// The only error is the timing of the inputs (moved to the end of their step: first order in
// dt) and of the threshold test (end of the step; the spike time is interpolated linearly).
// V is held at v_reset for round(t_ref / dt) steps after a spike while the currents continue
// (neurons/grid_population.hpp). The state variables and weights are those of lif_exp.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "neurons/grid_population.hpp"
#include "neurons/lif_exp.hpp"

namespace ionspike {

// lif_exp seen as a time-driven model (what GridPopulation needs of it).
struct LifExpGridModel {
  static constexpr std::string_view kName = "lif_exp";
  static constexpr WeightUnit kWeightUnit = WeightUnit::pA;
  enum Variable : std::size_t { kV, kIEx, kIIn, kVariables };
  static constexpr bool kResets = true;
  using State = std::array<double, kVariables>;
  using Parameters = LifExpParameters;
  static std::vector<std::string> variables() { return LifExpPopulation::variables(); }
  static double threshold_mV(const Parameters& p) { return p.v_th_mV; }
  static double refractory_ms(const Parameters& p) { return p.t_ref_ms; }
  static void reset(const Parameters& p, State& y) { y[kV] = p.v_reset_mV; }
};

struct LifExpGridConstants {
  double decay_m;                // e_m
  double rest_mV;                // (1 - e_m)(e_l + R i_e)
  double inj_mV_per_pA;          // (1 - e_m) R
  double p_ex_mV_per_pA, p_in_mV_per_pA;
  double decay_ex, decay_in;     // e_ex, e_in
};

// The step over n neurons (restrict parameters and AVX2 clone: see neurons/lif_cond_exp_grid.hpp).
template <bool kCurrent, bool kInputs>
IONSPIKE_AVX512_CLONES static std::uint64_t lif_exp_grid_loop(
    const LifExpGridConstants k, std::size_t n, const double* __restrict v_old, double* __restrict v_new,
    double* __restrict i_ex, double* __restrict i_in, double* __restrict acc_ex, double* __restrict acc_in,
    const double* __restrict i_inj, double threshold_mV, const ReceiverScales r) {
  const auto step = [&](std::size_t i) __attribute__((always_inline)) {
    const double ie_column = i_ex[i], ii_column = i_in[i];
    const double ie = ie_column * r.scale_ex, ii = ii_column * r.scale_in;  // I at t_{k-1} (pA)
    double v = k.rest_mV + v_old[i] * k.decay_m + ie * k.p_ex_mV_per_pA + ii * k.p_in_mV_per_pA;
    if constexpr (kCurrent) v += k.inj_mV_per_pA * i_inj[i];
    v_new[i] = v;
    receive_inputs<kInputs, InputSign::subtract>(i, r, ie_column, ii_column, i_ex, i_in, acc_ex, acc_in);
    return below_bits(v, threshold_mV);
  };
  return for_each_test_block(n, step);
}

struct LifExpGrid {
  using Model = LifExpGridModel;
  using Constants = LifExpGridConstants;
  static constexpr std::size_t kExReceiver = Model::kIEx, kInReceiver = Model::kIIn;
  static constexpr InputSign kInSign = InputSign::subtract;  // I_in <= 0

  static Constants constants(const LifExpParameters& p, double dt_ms) {
    const double e_m = std::exp(-dt_ms / p.tau_m_ms);
    const double r_mV_per_pA = p.tau_m_ms / p.c_m_pF;
    // dt e_slow phi(-|x|) / c_m, x = dt (1/tau_m - 1/tau_s): as LifExpPopulation::propagate.
    const auto p_syn = [&](double tau_s) {
      const double e_s = std::exp(-dt_ms / tau_s);
      const double x = dt_ms * (1.0 / p.tau_m_ms - 1.0 / tau_s);
      const double z = -std::abs(x);
      const double phi = std::abs(z) < 1e-300 ? 1.0 : std::expm1(z) / z;
      return dt_ms * (x > 0.0 ? e_s : e_m) * phi / p.c_m_pF;
    };
    return {e_m,
            (1.0 - e_m) * (p.e_l_mV + r_mV_per_pA * p.i_e_pA),
            (1.0 - e_m) * r_mV_per_pA,
            p_syn(p.tau_syn_ex_ms),
            p_syn(p.tau_syn_in_ms),
            std::exp(-dt_ms / p.tau_syn_ex_ms),
            std::exp(-dt_ms / p.tau_syn_in_ms)};
  }

  template <bool kCurrent, bool kInputs>
  static std::uint64_t advance(const Constants& c, const GridStep<Model::kVariables>& s, std::size_t n) {
    return lif_exp_grid_loop<kCurrent, kInputs>(c, n, s.v_old_mV, s.y[Model::kV], s.y[Model::kIEx], s.y[Model::kIIn],
                                       s.acc_ex, s.acc_in, s.i_inj_pA, s.threshold_mV, s.scales);
  }
};

}  // namespace ionspike
