// Exponentially decaying synaptic conductances shared by the conductance-based models
// (NEST *_cond_exp, PyNN *_cond_exp, Brette et al. 2007 benchmarks 1 and 3):
//
//   dg_ex/dt = -g_ex / tau_ex_ms,   dg_in/dt = -g_in / tau_in_ms             (nS)
//   I_syn = g_ex (e_ex_mV - V) + g_in (e_in_mV - V)                          (pA)
//   a spike of weight w_nS:  g_ex += w (w > 0)   or   g_in += |w| (w < 0)
//
// Their linearisation for the exponential integrator: A = -1/tau, B = 0 (exact decay), and
// their contribution to the membrane's A (-g / C) and B (g E / C).
#pragma once

#include <array>
#include <cstddef>

namespace ionspike {

struct ExpConductanceParameters {
  double tau_ex_ms = 5.0;
  double tau_in_ms = 10.0;
  double e_ex_mV = 0.0;
  double e_in_mV = -80.0;
};

template <std::size_t G_EX, std::size_t G_IN, std::size_t K>
struct ExpConductances {
  // Time constant of variable k (G_EX or G_IN), for the integrator's decay factors.
  static double decay_tau_ms(const ExpConductanceParameters& p, std::size_t k) {
    return k == G_EX ? p.tau_ex_ms : p.tau_in_ms;
  }
  static void receive(std::array<double, K>& y, double w_nS) {
    if (w_nS >= 0.0)
      y[G_EX] += w_nS;
    else
      y[G_IN] -= w_nS;
  }
  // Fills A, B of both conductances; returns total synaptic conductance (nS) and adds the
  // synaptic driving term g_ex e_ex + g_in e_in (nS mV = pA) to drive_pA.
  static double linearize(const ExpConductanceParameters& p, const std::array<double, K>& y,
                          std::array<double, K>& a, std::array<double, K>& b, double& drive_pA) {
    a[G_EX] = -1.0 / p.tau_ex_ms;
    b[G_EX] = 0.0;
    a[G_IN] = -1.0 / p.tau_in_ms;
    b[G_IN] = 0.0;
    drive_pA += y[G_EX] * p.e_ex_mV + y[G_IN] * p.e_in_mV;
    return y[G_EX] + y[G_IN];
  }
};

// What a model with the two conductances as its last state variables (of K) shares: the
// synapse struct, the decay declaration for the integrator, and receive().
template <std::size_t K>
struct ConductanceInputs {
  using Synapses = ExpConductances<K - 2, K - 1, K>;
  static constexpr std::size_t kDecayFrom = K - 2;  // g_ex, g_in decay exponentially
  static double decay_tau_ms(const auto& p, std::size_t k) { return Synapses::decay_tau_ms(p.synapses, k); }
  static void receive(const auto&, std::array<double, K>& y, double w_nS) { Synapses::receive(y, w_nS); }
};

}  // namespace ionspike
