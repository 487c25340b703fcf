// Weight normalisation (Diehl & Cook 2015, after Goodhill & Barrow 1994): before each
// presentation the incoming weights of every target neuron are scaled so that their
// magnitudes sum to a constant. Learning then redistributes a fixed budget among a neuron's
// inputs (competition between inputs).
//
// Design note: the weights live in bounds [lo, hi] (STDP's w_min/w_max, an EIS device's
// g_min/g_max), and a plain scaling can leave them. scale_to_sum finds the one factor s with
//   sum_i clamp(s * v_i, lo, hi) = target
// (the left side is continuous and non-decreasing in s): the values that hit a bound are
// fixed there and the factor is recomputed for the free ones until no new value hits a bound
// (at most n rounds, usually one or two). The sum is then exact, which a scale-then-clip is
// not. A target outside [n lo, n hi], or values that are all 0 with a positive target, cannot
// be met and are refused rather than approximated.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "synapses/stdp_projection.hpp"

namespace ionspike {

inline void scale_to_sum(std::span<double> values, double target_sum, double lo, double hi) {
  const double n = static_cast<double>(values.size());
  if (!(target_sum >= n * lo && target_sum <= n * hi))
    throw std::invalid_argument("weight normalisation: a sum of " + std::to_string(target_sum) + " over " +
                                std::to_string(values.size()) + " weights in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "] cannot be reached (allowed: [" + std::to_string(n * lo) +
                                ", " + std::to_string(n * hi) + "])");
  std::vector<char> fixed(values.size(), 0);
  for (std::size_t round = 0; round <= values.size(); ++round) {
    double free_sum = 0.0, fixed_sum = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) (fixed[i] ? fixed_sum : free_sum) += values[i];
    if (free_sum <= 0.0) {
      if (std::abs(fixed_sum - target_sum) <= 1e-12 * std::max(1.0, target_sum)) return;
      throw std::invalid_argument("weight normalisation: the weights that are not at a bound sum to 0, so no "
                                  "scaling reaches " + std::to_string(target_sum));
    }
    const double s = (target_sum - fixed_sum) / free_sum;
    bool changed = false;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (fixed[i]) continue;
      const double v = s * values[i];
      if (v > hi || v < lo) {
        values[i] = v > hi ? hi : lo;
        fixed[i] = 1;
        changed = true;
      }
    }
    if (!changed) {
      for (std::size_t i = 0; i < values.size(); ++i)
        if (!fixed[i]) values[i] *= s;
      return;
    }
  }
}

// Every target neuron's incoming weight magnitudes scaled to target_sum within [w_min, w_max].
// A neuron whose weights are all 0 is left alone (nothing to scale).
inline void normalise_incoming_weights(StdpProjection& projection, std::uint32_t post_size, double target_sum) {
  // weight(k) of a dopamine-modulated synapse is its value at its last update, not now.
  if (projection.modulated())
    throw std::invalid_argument("weight normalisation: projection '" + projection.name() +
                                "' is dopamine-modulated; its stored weights are not current");
  const double sign = projection.inhibitory() ? -1.0 : 1.0;
  std::vector<double> magnitudes;
  for (std::uint32_t post = 0; post < post_size; ++post) {
    const auto incoming = projection.incoming_synapses(post);
    magnitudes.resize(incoming.size());
    for (std::size_t i = 0; i < incoming.size(); ++i) magnitudes[i] = sign * projection.weight(incoming[i]);
    if (std::all_of(magnitudes.begin(), magnitudes.end(), [](double m) { return m == 0.0; })) continue;
    scale_to_sum(magnitudes, target_sum, projection.rule().w_min, projection.rule().w_max);
    for (std::size_t i = 0; i < incoming.size(); ++i) projection.set_weight(incoming[i], sign * magnitudes[i]);
  }
}

}  // namespace ionspike
