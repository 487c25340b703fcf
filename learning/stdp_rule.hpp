// Spike-timing-dependent plasticity with traces: the reference rules EIS synapses are
// compared with (EIS plasticity itself is device physics, synapses/eis_projection.hpp).
//
// Pair and triplet rules share one form (Pfister & Gerstner 2006; Morrison, Diesmann &
// Gerstner 2008, Biol. Cybern. 98:459). Every synapse sees
//   presynaptic traces  r1 (time constant tau_plus_ms),  r2 (tau_x_ms)
//   postsynaptic traces o1 (tau_minus_ms),               o2 (tau_y_ms)
// which decay exponentially and jump at their neuron's spikes: by +1 (all-to-all pairing)
// or to 1 (nearest-spike pairing, the symmetric nearest-neighbour scheme of Morrison et al.
// 2008 Fig. 7A). Presynaptic traces follow the spikes as they arrive at the synapse (after
// the axonal delay); postsynaptic traces follow the postsynaptic spikes.
//   presynaptic spike arriving at t:  m -= F-(m) * o1(t) * (a2_minus + a3_minus * r2(t-))
//   postsynaptic spike at t:          m += F+(m) * r1(t) * (a2_plus  + a3_plus  * o2(t-))
// t- is the value before the trace's own jump at t. The pair rule is a3_plus = a3_minus = 0.
// m is the weight's magnitude (the sign is the projection's receptor), in [w_min, w_max]:
//   additive        F+ = w_max,       F- = w_max,       then m is clipped to [w_min, w_max]
//   multiplicative  F+ = w_max - m,   F- = m - w_min    (soft bounds: m never leaves them)
// These are the conventions of NEST's stdp_synapse and PyNN's SpikePairRule with
// Additive/MultiplicativeWeightDependence: a2_plus and a2_minus are fractions of w_max per
// pairing. Brian2's Song et al. (2000) example is additive, all-to-all, a2_plus = 0.01,
// a2_minus = 0.0105.
//
// Order at one synaptic event: an arriving spike is transmitted with the weight it finds,
// then depresses the synapse, then increments the presynaptic traces (Brian2's on_pre
// order: the pairing with a postsynaptic spike at the same time t counts as causal).
#pragma once

#include <cmath>

namespace ionspike {

enum class StdpPairing { AllToAll, Nearest };
enum class StdpWeightDependence { Additive, Multiplicative };

struct StdpRule {
  double tau_plus_ms = 20.0;   // presynaptic trace r1: the potentiation window
  double tau_minus_ms = 20.0;  // postsynaptic trace o1: the depression window
  double a2_plus = 0.01;       // pair potentiation, fraction of w_max
  double a2_minus = 0.0105;    // pair depression, fraction of w_max
  double tau_x_ms = 101.0;     // presynaptic triplet trace r2 (used when a3_minus != 0)
  double tau_y_ms = 125.0;     // postsynaptic triplet trace o2 (used when a3_plus != 0)
  double a3_plus = 0.0;        // triplet potentiation
  double a3_minus = 0.0;       // triplet depression
  double w_min = 0.0;          // weight magnitude bounds, in the projection's weight unit
  double w_max = 1.0;
  StdpPairing pairing = StdpPairing::AllToAll;
  StdpWeightDependence dependence = StdpWeightDependence::Additive;

  // Magnitude after potentiation by a postsynaptic spike that finds r1 and o2 (before its jump).
  double potentiate(double m, double r1, double o2_before) const {
    const double f = dependence == StdpWeightDependence::Additive ? w_max : w_max - m;
    return bound(m + f * r1 * (a2_plus + a3_plus * o2_before));
  }
  // Magnitude after depression by an arriving presynaptic spike that finds o1 and r2.
  double depress(double m, double o1, double r2_before) const {
    const double f = dependence == StdpWeightDependence::Additive ? w_max : m - w_min;
    return bound(m - f * o1 * (a2_minus + a3_minus * r2_before));
  }
  double bound(double m) const { return m < w_min ? w_min : (m > w_max ? w_max : m); }
  bool has_triplet_terms() const { return a3_plus != 0.0 || a3_minus != 0.0; }
};

// The two traces of one side (r1, r2 of a presynaptic spike train or o1, o2 of a
// postsynaptic one), stored at the time of their last jump and decayed on demand.
struct StdpTraces {
  double t_ms = 0.0;
  double pair = 0.0;     // r1 or o1
  double triplet = 0.0;  // r2 or o2

  double pair_at(double t, double tau_ms) const { return pair * std::exp(-(t - t_ms) / tau_ms); }
  double triplet_at(double t, double tau_ms) const { return triplet * std::exp(-(t - t_ms) / tau_ms); }
  // A spike at t (>= t_ms): decay to t, then jump. The triplet trace is kept only when the
  // rule has triplet terms (tau_triplet_ms <= 0 leaves it at 0).
  void spike(double t, double tau_pair_ms, double tau_triplet_ms, StdpPairing pairing) {
    const bool all = pairing == StdpPairing::AllToAll;
    pair = all ? pair_at(t, tau_pair_ms) + 1.0 : 1.0;
    if (tau_triplet_ms > 0.0) triplet = all ? triplet_at(t, tau_triplet_ms) + 1.0 : 1.0;
    t_ms = t;
  }
};

}  // namespace ionspike
