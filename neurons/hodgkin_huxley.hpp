// Single-compartment Hodgkin–Huxley neuron with sodium (m^3 h), delayed-rectifier potassium
// (n^4) and leak currents, and exponential synaptic conductances, integrated on a clock.
// The gate kinetics (alpha, beta rate functions) are a template argument: neurons/hh_1952.hpp
// (squid axon) and neurons/hh_traub_miles.hpp (Brette et al. 2007 COBAHH).
//
//   c_m dV/dt = g_na m^3 h (e_na - V) + g_k n^4 (e_k - V) + g_l (e_l - V)
//               + g_ex (e_ex - V) + g_in (e_in - V) + i_e + I_inj
//   dx/dt = alpha_x(V) (1 - x) - beta_x(V) x          for x = m, h, n   (rates in 1/ms)
//   conductances: neurons/exp_conductances.hpp (weights in nS)
//   spike: upward crossing of threshold_mV, further crossings ignored for t_ref_ms (no reset)
//
// Absolute units here (pF, nS, pA); network files give the membrane as densities and an area
// (networks/time_driven_models.cpp converts: 1 uF/cm^2 on 1 um^2 = 0.01 pF, 1 mS/cm^2 on
// 1 um^2 = 0.01 nS).
// Integration: exponential midpoint (neurons/exponential_midpoint.hpp), second order and
// unconditionally stable in the gates (x moves towards its steady state alpha/(alpha+beta)).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "neurons/exp_conductances.hpp"
#include "neurons/exponential_midpoint.hpp"
#include "neurons/neuron_population.hpp"

namespace ionspike {

struct HhMembrane {
  double c_m_pF = 100.0;
  double g_na_nS = 12000.0;
  double g_k_nS = 3600.0;
  double g_l_nS = 30.0;
  double e_na_mV = 50.0;
  double e_k_mV = -77.0;
  double e_l_mV = -54.387;
  double i_e_pA = 0.0;
  double threshold_mV = 0.0;  // spike detection (upward crossing)
  double t_ref_ms = 2.0;      // crossings ignored after a spike
};

struct GateRates {
  double alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n;  // 1/ms
};

// x / (1 - exp(-x / y)), continuous at x = 0 (value y): the form of HH's alpha_m, alpha_n.
inline double hh_vtrap(double x, double y) { return y / phi1(-x / y); }

template <class Kinetics>
struct HodgkinHuxleyModel {
  static constexpr std::string_view kName = Kinetics::kName;
  static constexpr WeightUnit kWeightUnit = WeightUnit::nS;
  enum Variable : std::size_t { kV, kM, kH, kN, kGEx, kGIn, kVariables };
  static constexpr bool kResets = false;
  using State = std::array<double, kVariables>;
  using Synapses = ExpConductances<kGEx, kGIn, kVariables>;
  static constexpr std::size_t kDecayFrom = kGEx;  // g_ex, g_in decay exponentially
  static double decay_tau_ms(const auto& p, std::size_t k) { return Synapses::decay_tau_ms(p.synapses, k); }

  struct Parameters {
    HhMembrane membrane;
    typename Kinetics::Parameters kinetics;
    ExpConductanceParameters synapses;
  };

  static std::vector<std::string> variables() { return {"v_mV", "m", "h", "n", "g_ex_nS", "g_in_nS"}; }

  static GateRates rates(const Parameters& p, double v_mV) { return Kinetics::rates(p.kinetics, v_mV); }

  // Steady state of the gates at v_mV (the default initial state).
  static std::array<double, 3> steady_gates(const Parameters& p, double v_mV) {
    const GateRates r = rates(p, v_mV);
    return {r.alpha_m / (r.alpha_m + r.beta_m), r.alpha_h / (r.alpha_h + r.beta_h),
            r.alpha_n / (r.alpha_n + r.beta_n)};
  }

  static void linearize(const Parameters& p, double i_pA, const State& y, State& a, State& b) {
    const HhMembrane& m = p.membrane;
    const GateRates r = rates(p, y[kV]);
    a[kM] = -(r.alpha_m + r.beta_m);
    b[kM] = r.alpha_m;
    a[kH] = -(r.alpha_h + r.beta_h);
    b[kH] = r.alpha_h;
    a[kN] = -(r.alpha_n + r.beta_n);
    b[kN] = r.alpha_n;
    const double g_na = m.g_na_nS * y[kM] * y[kM] * y[kM] * y[kH];
    const double n2 = y[kN] * y[kN];
    const double g_k = m.g_k_nS * n2 * n2;
    double drive_pA = g_na * m.e_na_mV + g_k * m.e_k_mV + m.g_l_nS * m.e_l_mV + m.i_e_pA + i_pA;
    const double g_syn = Synapses::linearize(p.synapses, y, a, b, drive_pA);
    a[kV] = -(g_na + g_k + m.g_l_nS + g_syn) / m.c_m_pF;
    b[kV] = drive_pA / m.c_m_pF;
  }
  static void receive(const Parameters&, State& y, double w_nS) { Synapses::receive(y, w_nS); }
  static double threshold_mV(const Parameters& p) { return p.membrane.threshold_mV; }
  static double refractory_ms(const Parameters& p) { return p.membrane.t_ref_ms; }
};

}  // namespace ionspike
