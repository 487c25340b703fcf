// Device-to-device and cycle-to-cycle variability of EIS synapses. All randomness comes from
// a RandomStream (engine/random_stream.hpp); suggested stream names:
//   ("eis_device_spread:<projection>", synapse index)   one draw per device, at build time
//   ("eis_cycle_noise:<projection>", synapse index)     one draw per conductance update
//
// Device spread: each device's kinetic prefactor is the lognormal factor
//     p = exp(sigma * Z),  Z ~ N(0, 1):   median 1, mean exp(sigma^2 / 2), and
//     std(ln p) = sigma; the coefficient of variation of p is sqrt(exp(sigma^2) - 1) ~ sigma.
// The seed paper reports ~6 % device-to-device STDP variability (Table 1), hence the protonic
// presets' sigma = 0.06.
//
// Cycle noise: an update's conductance change is multiplied by (1 + sigma * Z) (Z a fresh
// standard normal): dG_noisy = dG (1 + sigma Z). The paper's metric (mean absolute
// deviation of measured dG from the smooth STDP curve, < 5 %) is then
// sigma * sqrt(2/pi) * mean|dG| / max|dG| ~ 0.8 sigma at most. The factor is not clipped; it is
// negative only when Z < -1/sigma (probability ~1e-240 at sigma = 0.03).
#pragma once

#include "engine/random_stream.hpp"

namespace ionspike {

// exp(sigma * Z). sigma >= 0 and finite (std::invalid_argument otherwise); sigma == 0 returns 1
// and draws nothing.
double draw_lognormal_factor(double sigma, RandomStream& rng);

// dG * (1 + sigma * Z). sigma >= 0 and finite; sigma == 0 returns dG and draws nothing.
double apply_cycle_noise(double dG_nS, double sigma, RandomStream& rng);

}  // namespace ionspike
