// Leaky integrate-and-fire neuron with exponential synaptic conductances (COBA; NEST
// iaf_cond_exp, PyNN IF_cond_exp, Brette et al. 2007 benchmark 1), integrated on a clock.
//
//   c_m_pF dV/dt = g_l_nS (e_l_mV - V) + g_ex (e_ex - V) + g_in (e_in - V) + i_e_pA + I_inj
//   conductances: neurons/exp_conductances.hpp (weights in nS)
//   V >= v_th_mV -> spike, V = v_reset_mV held for t_ref_ms (conductances keep decaying)
//
// Integration: exponential midpoint (neurons/exponential_midpoint.hpp), second order; the
// conductances decay exactly. Spike times interpolated within the step
// (neurons/time_driven_population.hpp). Units: ms, mV, pA, pF, nS.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "neurons/exp_conductances.hpp"
#include "neurons/neuron_population.hpp"

namespace ionspike {

struct LifCondExpModel : ConductanceInputs<3> {
  static constexpr std::string_view kName = "lif_cond_exp";
  static constexpr WeightUnit kWeightUnit = WeightUnit::nS;
  enum Variable : std::size_t { kV, kGEx, kGIn, kVariables };
  static constexpr bool kResets = true;
  using State = std::array<double, kVariables>;
  static_assert(kGEx == kDecayFrom && kGIn == kVariables - 1);

  struct Parameters {
    double c_m_pF = 200.0;
    double g_l_nS = 10.0;
    double e_l_mV = -60.0;
    double v_th_mV = -50.0;
    double v_reset_mV = -60.0;
    double t_ref_ms = 5.0;
    double i_e_pA = 0.0;
    ExpConductanceParameters synapses;
  };

  static std::vector<std::string> variables() { return {"v_mV", "g_ex_nS", "g_in_nS"}; }

  static void linearize(const Parameters& p, double i_pA, const State& y, State& a, State& b) {
    double drive_pA = p.g_l_nS * p.e_l_mV + p.i_e_pA + i_pA;
    const double g_syn = Synapses::linearize(p.synapses, y, a, b, drive_pA);
    a[kV] = -(p.g_l_nS + g_syn) / p.c_m_pF;
    b[kV] = drive_pA / p.c_m_pF;
  }
  static double threshold_mV(const Parameters& p) { return p.v_th_mV; }
  static double refractory_ms(const Parameters& p) { return p.t_ref_ms; }
  static void reset(const Parameters& p, State& y) { y[kV] = p.v_reset_mV; }
};

}  // namespace ionspike
