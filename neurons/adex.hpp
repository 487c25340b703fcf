// Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005; NEST aeif_cond_exp)
// with exponential synaptic conductances, integrated on a clock.
//
//   c_m_pF dV/dt = g_l (e_l - V) + g_l delta_t exp((V - v_t) / delta_t) - w
//                  + g_ex (e_ex - V) + g_in (e_in - V) + i_e + I_inj
//   tau_w_ms dw/dt = a_nS (V - e_l) - w                                     (w in pA)
//   V >= v_peak_mV -> spike, V = v_reset_mV, w += b_pA, V held for t_ref_ms
//   conductances: neurons/exp_conductances.hpp (weights in nS)
//
// Integration: exponential midpoint (second order); the exponential term is part of B, with
// its exponent capped at 50 so that a membrane running away within a step cannot overflow
// (the crossing of v_peak is located on the integrator's solution). Accuracy: second order
// below threshold, but spike times are first order in dt, because V runs away to v_peak
// within a step, where a fixed step cannot follow it (measured against a Dormand–Prince
// reference: 0.19, 0.10, 0.046 ms over 300 ms at dt 0.04, 0.02, 0.01 ms). Use dt <= 0.01 ms
// where spike timing matters (NEST's aeif models integrate adaptively). Defaults are
// Brette & Gerstner's (2005) regular-spiking parameters. Units: ms, mV, pA, pF, nS.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "neurons/exp_conductances.hpp"
#include "neurons/neuron_population.hpp"

namespace ionspike {

struct AdexModel : ConductanceInputs<4> {
  static constexpr std::string_view kName = "adex";
  static constexpr WeightUnit kWeightUnit = WeightUnit::nS;
  enum Variable : std::size_t { kV, kW, kGEx, kGIn, kVariables };
  static constexpr bool kResets = true;
  using State = std::array<double, kVariables>;
  static_assert(kGEx == kDecayFrom && kGIn == kVariables - 1);

  struct Parameters {
    double c_m_pF = 281.0;
    double g_l_nS = 30.0;
    double e_l_mV = -70.6;
    double v_t_mV = -50.4;
    double delta_t_mV = 2.0;
    double a_nS = 4.0;
    double b_pA = 80.5;
    double tau_w_ms = 144.0;
    double v_reset_mV = -70.6;
    double v_peak_mV = 0.0;
    double t_ref_ms = 0.0;
    double i_e_pA = 0.0;
    ExpConductanceParameters synapses;
  };

  static std::vector<std::string> variables() { return {"v_mV", "w_pA", "g_ex_nS", "g_in_nS"}; }

  static void linearize(const Parameters& p, double i_pA, const State& y, State& a, State& b) {
    const double spike_current_pA =
        p.g_l_nS * p.delta_t_mV * std::exp(std::min((y[kV] - p.v_t_mV) / p.delta_t_mV, 50.0));
    double drive_pA = p.g_l_nS * p.e_l_mV + spike_current_pA - y[kW] + p.i_e_pA + i_pA;
    const double g_syn = Synapses::linearize(p.synapses, y, a, b, drive_pA);
    a[kV] = -(p.g_l_nS + g_syn) / p.c_m_pF;
    b[kV] = drive_pA / p.c_m_pF;
    a[kW] = -1.0 / p.tau_w_ms;
    b[kW] = p.a_nS * (y[kV] - p.e_l_mV) / p.tau_w_ms;
  }
  static double threshold_mV(const Parameters& p) { return p.v_peak_mV; }
  static double refractory_ms(const Parameters& p) { return p.t_ref_ms; }
  static void reset(const Parameters& p, State& y) {
    y[kV] = p.v_reset_mV;
    y[kW] += p.b_pA;
  }
};

}  // namespace ionspike
