#include "synapses/eis_protocols.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace ionspike {

CopySpan copies_span(std::span<const WaveformCopy> copies) {
  CopySpan s{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  for (const WaveformCopy& c : copies) {
    s.begin_ms = std::min(s.begin_ms, c.start_ms + c.shape->start_ms());
    s.end_ms = std::max(s.end_ms, c.start_ms + c.shape->duration_ms());
  }
  return s;
}

namespace {
// A stretch past the last point so that the final jump to 0 V is inside the interval
// (EisDevice counts the gate energy of a jump at t1 in the next interval). V_G = 0 there.
double past_end(const CopySpan& s) {
  return s.end_ms + 1e-9 * std::max(s.end_ms - s.begin_ms, 1e-12);
}
}  // namespace

double pair_delta_g(const EisDevice& device, const Waveform& pre, const Waveform& post, double dt_ms, double g0,
                    double a_pre, double a_post, double prefactor, EisEnergy* energy) {
  const WaveformCopy copies[2] = {{&pre, 0.0, a_pre, +1}, {&post, dt_ms, a_post, -1}};
  const CopySpan s = copies_span(copies);
  return device.advance(g0, s.begin_ms, past_end(s), copies, prefactor, energy) - g0;
}

std::vector<StdpPoint> stdp_curve(const EisDevice& device, const Waveform& pre, const Waveform& post,
                                  std::span<const double> dt_ms, double g0, double a_pre, double a_post,
                                  double scale, EisEnergy* energy_per_pair) {
  std::vector<StdpPoint> out;
  out.reserve(dt_ms.size());
  EisEnergy sum;
  for (const double dt : dt_ms)
    out.push_back({dt, scale * pair_delta_g(device, pre, post, dt, g0, a_pre, a_post, 1.0,
                                            energy_per_pair != nullptr ? &sum : nullptr)});
  if (energy_per_pair != nullptr) {
    const double n = dt_ms.empty() ? 1.0 : static_cast<double>(dt_ms.size());
    *energy_per_pair = {sum.insertion_fJ / n, sum.gate_fJ / n, sum.divider_fJ / n};
  }
  return out;
}

std::vector<PulsePoint> pulse_response(const EisDevice& device, std::span<const double> voltages_V,
                                       std::span<const double> durations_ms, double g0) {
  std::vector<PulsePoint> out;
  out.reserve(voltages_V.size() * durations_ms.size());
  for (const double v : voltages_V)
    for (const double d : durations_ms) {
      const Waveform pulse = Waveform::rectangular(d, v);
      // Amplitude 2 undoes the divider's 1/2: V_G = v during the pulse.
      const WaveformCopy copy{&pulse, 0.0, 2.0, 0};
      out.push_back({v, d, device.advance(g0, 0.0, d * (1.0 + 1e-9), std::span(&copy, 1)) - g0});
    }
  return out;
}

double slice_integrate(const EisDevice& device, double g, double t0, double t1,
                       std::span<const WaveformCopy> copies, double tau, double prefactor) {
  if (!(tau > 0.0) || !std::isfinite(tau))
    throw std::invalid_argument("slice_integrate: tau_ms = " + std::to_string(tau) + " must be finite and > 0");
  const auto n = static_cast<long long>(std::ceil((t1 - t0) / tau - 1e-9));
  // The change is accumulated apart from G0 so that tiny changes (ns waveforms: dG ~ 1e-4 nS on
  // G ~ 1000 nS) do not drown in the rounding of G0 + many small increments.
  const double lo = device.g_min_nS(), hi = device.g_max_nS();
  const double g0 = g;
  double dg = 0.0;
  for (long long i = 0; i < n; ++i) {
    const double a = t0 + static_cast<double>(i) * tau;
    const double b = std::min(t1, a + tau);
    const double v = gate_voltage_V(copies, 0.5 * (a + b));
    // G at the midpoint by half an Euler step (needed only when the rate depends on G).
    const double g_start = g0 + dg;
    const double g_mid = std::clamp(g_start + 0.5 * (b - a) * device.rate_nS_per_ms(v, g_start, prefactor), lo, hi);
    dg = std::clamp(dg + (b - a) * device.rate_nS_per_ms(v, g_mid, prefactor), lo - g0, hi - g0);
  }
  g = g0 + dg;
  return g;
}

}  // namespace ionspike
