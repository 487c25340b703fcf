// Izhikevich (2003) simple model, integrated on a clock.
//
//   dv/dt = 0.04 v^2 + 5 v + 140 - u + I          (v in mV, t in ms)
//   du/dt = a (b v - u)
//   v >= v_peak_mV -> spike, v = c_mV, u += d
//   an incoming spike of weight w_mV: v += w (a delta synapse, as NEST's izhikevich)
//
// The model is normalised to a 1 pF membrane: I = i_e_pA + I_inj enters the equation as
// mV/ms, as in Izhikevich's papers and NEST. Units of the parameters: a_per_ms (1/ms),
// b_per_ms (1/ms: b v is in mV/ms like u), c_mV, d_mV_per_ms. Defaults: regular spiking
// (a 0.02, b 0.2, c -65, d 8).
// Integration: exponential midpoint (second order) with v's linear coefficient the exact
// derivative A = df/dv = 0.08 v + 5 and B = f(v) - A v = 140 - u + I - 0.04 v^2 (an
// exponential Rosenbrock linearisation: with A, B frozen the step relaxes towards Newton's
// estimate of the nullcline where A < 0, i.e. below -62.5 mV, and is repelled where the
// equation is, above). Izhikevich's own scheme (Euler, two 0.5 ms half steps) is first order.
// The earlier split A = 0.04 v + 5, B = 140 - u + I made the frozen system repel v from its
// rest below it: at dt 0.5 ms a hyperpolarised neuron (v < -79 mV) ran off to -infinity
// (tests/test_izhikevich.cpp checks recovery from -90, -120 and -200 mV against the reference).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "neurons/neuron_population.hpp"

namespace ionspike {

struct IzhikevichModel {
  static constexpr std::string_view kName = "izhikevich";
  static constexpr WeightUnit kWeightUnit = WeightUnit::mV;
  enum Variable : std::size_t { kV, kU, kVariables };
  static constexpr bool kResets = true;
  static constexpr std::size_t kDecayFrom = kVariables;  // no purely decaying variable
  static double decay_tau_ms(const auto&, std::size_t) { return 0.0; }
  using State = std::array<double, kVariables>;

  struct Parameters {
    double a_per_ms = 0.02;
    double b_per_ms = 0.2;
    double c_mV = -65.0;
    double d_mV_per_ms = 8.0;
    double v_peak_mV = 30.0;
    double t_ref_ms = 0.0;
    double i_e_pA = 0.0;
  };

  static std::vector<std::string> variables() { return {"v_mV", "u_mV_per_ms"}; }

  static void linearize(const Parameters& p, double i_pA, const State& y, State& a, State& b) {
    a[kV] = 0.08 * y[kV] + 5.0;
    b[kV] = 140.0 - y[kU] + p.i_e_pA + i_pA - 0.04 * y[kV] * y[kV];
    a[kU] = -p.a_per_ms;
    b[kU] = p.a_per_ms * p.b_per_ms * y[kV];
  }
  static void receive(const Parameters&, State& y, double w_mV) { y[kV] += w_mV; }
  static double threshold_mV(const Parameters& p) { return p.v_peak_mV; }
  static double refractory_ms(const Parameters& p) { return p.t_ref_ms; }
  static void reset(const Parameters& p, State& y) {
    y[kV] = p.c_mV;
    y[kU] += p.d_mV_per_ms;
  }
};

}  // namespace ionspike
