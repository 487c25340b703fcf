// Weight normalisation (Diehl & Cook 2015, after Goodhill & Barrow 1994): before each
// presentation the incoming weights of every target neuron are scaled so that their
// magnitudes sum to a constant. Learning then redistributes a fixed budget among a neuron's
// inputs (competition between inputs); scaled weights above w_max are clipped to w_max (the
// sum is then slightly below the target). A neuron whose weights are all 0 is left alone.
#pragma once

#include <algorithm>
#include <cmath>

#include "synapses/stdp_projection.hpp"

namespace ionspike {

inline void normalise_incoming_weights(StdpProjection& projection, std::uint32_t post_size, double target_sum) {
  const double sign = projection.inhibitory() ? -1.0 : 1.0;
  const double w_max = projection.rule().w_max, w_min = projection.rule().w_min;
  for (std::uint32_t post = 0; post < post_size; ++post) {
    const auto incoming = projection.incoming_synapses(post);
    double sum = 0.0;
    for (std::uint64_t k : incoming) sum += sign * projection.weight(k);
    if (!(sum > 0.0)) continue;
    const double scale = target_sum / sum;
    for (std::uint64_t k : incoming)
      projection.set_weight(k, sign * std::clamp(sign * projection.weight(k) * scale, w_min, w_max));
  }
}

}  // namespace ionspike
