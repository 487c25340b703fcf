// A uniform-weight group: the targets of one (presynaptic neuron, delay) group of a static
// projection whose synapses all carry the same weight (StaticProjection::has_uniform_weight
// stores the targets only, 4 bytes per synapse).
//
// A population receives such a group through NeuronPopulation::deliver_uniform. Populations
// that only know runs of {target, weight} synapses get them from expand_uniform_group, which
// rebuilds the run in a per-thread buffer (a few hundred bytes, in L1); grid populations add
// the one weight to their accumulators directly.
#pragma once

#include <cstdint>
#include <span>

#include "synapses/static_synapse.hpp"

namespace ionspike {

// The {target, weight} synapses of a uniform-weight group's targets, in a per-thread buffer
// valid until the next call on the same thread.
std::span<const StaticSynapse> expand_uniform_group(std::span<const std::uint32_t> targets, float weight);

}  // namespace ionspike
