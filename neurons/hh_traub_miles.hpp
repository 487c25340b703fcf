// Gate kinetics of Traub & Miles (1991) as used by Brette et al. (2007) benchmark 3 (COBAHH;
// Brian2 examples/COBAHH.py, NEST hh_cond_exp_traub, PyNN HH_cond_exp), with u = V - v_t_mV:
//
//   alpha_m = 0.32 (13 - u) / (exp((13 - u) / 4) - 1)    beta_m = 0.28 (u - 40) / (exp((u - 40) / 5) - 1)
//   alpha_h = 0.128 exp((17 - u) / 18)                    beta_h = 4 / (1 + exp((40 - u) / 5))
//   alpha_n = 0.032 (15 - u) / (exp((15 - u) / 5) - 1)   beta_n = 0.5 exp((10 - u) / 40)
//
// V in mV, rates in 1/ms, v_t_mV = -63 by default. Membrane (network file defaults, COBAHH):
// area 20000 um^2, c_m 1 uF/cm^2, g_Na 100, g_K 30, g_L 0.05 mS/cm^2, E_Na 50, E_K -90,
// E_L -60 mV; spike detection at -20 mV with 3 ms lock-out (neurons/hodgkin_huxley.hpp).
#pragma once

#include <cmath>
#include <string_view>

#include "neurons/hodgkin_huxley.hpp"

namespace ionspike {

struct HhTraubMilesKinetics {
  static constexpr std::string_view kName = "hh_traub_miles";
  struct Parameters {
    double v_t_mV = -63.0;
  };
  static GateRates rates(const Parameters& p, double v) {
    const double u = v - p.v_t_mV;
    // 0.32 (13 - u) / (exp((13 - u) / 4) - 1) = 0.32 * vtrap(u - 13, 4), and alike.
    return {0.32 * hh_vtrap(u - 13.0, 4.0), 0.28 * hh_vtrap(40.0 - u, 5.0),
            0.128 * std::exp((17.0 - u) / 18.0), 4.0 / (1.0 + std::exp((40.0 - u) / 5.0)),
            0.032 * hh_vtrap(u - 15.0, 5.0), 0.5 * std::exp((10.0 - u) / 40.0)};
  }
};

using HhTraubMilesModel = HodgkinHuxleyModel<HhTraubMilesKinetics>;

}  // namespace ionspike
