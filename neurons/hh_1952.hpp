// Gate kinetics of Hodgkin & Huxley (1952), squid giant axon at 6.3 degC, in the modern sign
// convention (rest near -65 mV), as in NEURON's hh mechanism and Dayan & Abbott (2001):
//
//   alpha_m = 0.1 (V + 40) / (1 - exp(-(V + 40) / 10))    beta_m = 4 exp(-(V + 65) / 18)
//   alpha_h = 0.07 exp(-(V + 65) / 20)                    beta_h = 1 / (1 + exp(-(V + 35) / 10))
//   alpha_n = 0.01 (V + 55) / (1 - exp(-(V + 55) / 10))   beta_n = 0.125 exp(-(V + 65) / 80)
//
// V in mV, rates in 1/ms. Membrane (network file defaults): c_m 1 uF/cm^2, g_Na 120, g_K 36,
// g_L 0.3 mS/cm^2, E_Na 50, E_K -77, E_L -54.387 mV (neurons/hodgkin_huxley.hpp).
#pragma once

#include <cmath>
#include <string_view>

#include "neurons/hodgkin_huxley.hpp"

namespace ionspike {

struct Hh1952Kinetics {
  static constexpr std::string_view kName = "hh_1952";
  struct Parameters {};
  static GateRates rates(const Parameters&, double v) {
    return {0.1 * hh_vtrap(v + 40.0, 10.0), 4.0 * std::exp(-(v + 65.0) / 18.0),
            0.07 * std::exp(-(v + 65.0) / 20.0), 1.0 / (1.0 + std::exp(-(v + 35.0) / 10.0)),
            0.01 * hh_vtrap(v + 55.0, 10.0), 0.125 * std::exp(-(v + 65.0) / 80.0)};
  }
};

using Hh1952Model = HodgkinHuxleyModel<Hh1952Kinetics>;

}  // namespace ionspike
