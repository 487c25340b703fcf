// The seed paper's single-device protocols (Huang et al., Adv. Mater. 2025), without the engine.
//
//  * stdp_curve: one pre waveform copy at t = 0 (side +1, amplitude a_pre) and one post copy
//    at t = dt (side -1, amplitude a_post), dt = t_post - t_pre; G starts at g0 before both
//    and is read after both waveforms have ended:
//        dG(dt) = scale * (G(t_end) - g0),
//    `scale` being the paper's fitted factor (0.5-0.7 in its Fig. 4; 1 = raw model).
//  * pulse_response: a rectangular pulse of V volts and d ms applied directly to the gate
//    (V_G = V, as in the paper's Fig. 2); dG after the pulse.
//  * slice_integrate: the paper's numerical method (Experimental Section): cut [t0, t1] into
//    slices of length tau, hold the rate at the slice's midpoint voltage, and add up
//        G += tau * dG/dt(V_G(t_mid), G_mid)   (clamped to the bounds),
//    where G_mid = G + tau/2 * dG/dt(V_G(t_mid), G) (the paper's rates do not depend on G; with
//    bounds or a G-dependent V_oc this predictor keeps the method second order: the explicit
//    midpoint rule). For G-independent rates it is exactly the paper's midpoint slicing, with
//    error O(tau^2) (plus O(tau) from slices that straddle a jump of V_G). Reference for tests and
//    the bench only.
#pragma once

#include <span>
#include <vector>

#include "synapses/eis_device.hpp"
#include "synapses/waveform.hpp"

namespace ionspike {

struct StdpPoint {
  double dt_ms, dG_nS;
};

struct PulsePoint {
  double v_V, duration_ms, dG_nS;
};

// dG for one pre/post pair (see above), unscaled. energy (if not null) receives += the pair's
// energy. prefactor: the device's kinetic prefactor.
double pair_delta_g(const EisDevice& device, const Waveform& pre, const Waveform& post, double dt_ms,
                    double g0_nS, double a_pre = 1, double a_post = 1, double prefactor = 1.0,
                    EisEnergy* energy = nullptr);

// dG for every dt in dt_ms, times `scale`. energy_per_pair (if not null) is set to the mean
// energy of one pair over the dt grid.
std::vector<StdpPoint> stdp_curve(const EisDevice& device, const Waveform& pre, const Waveform& post,
                                  std::span<const double> dt_ms, double g0_nS, double a_pre = 1,
                                  double a_post = 1, double scale = 1, EisEnergy* energy_per_pair = nullptr);

// dG for every (voltage, duration) combination, voltages outer, durations inner.
std::vector<PulsePoint> pulse_response(const EisDevice& device, std::span<const double> voltages_V,
                                       std::span<const double> durations_ms, double g0_nS);

// The paper's slicing integrator (see above). tau_ms > 0; the last slice is shortened to end at t1.
double slice_integrate(const EisDevice& device, double g0_nS, double t0_ms, double t1_ms,
                       std::span<const WaveformCopy> copies, double tau_ms, double prefactor = 1.0);

// First and last instants at which any copy is nonzero-capable: [min start + t_0, max start + t_last].
struct CopySpan {
  double begin_ms, end_ms;
};
CopySpan copies_span(std::span<const WaveformCopy> copies);

}  // namespace ionspike
