// A static synapse as stored at run time: 8 bytes, target neuron (index within the target
// population) and weight in the unit the target model expects (mV for delta synapses,
// pA for current synapses, nS for conductance synapses; inhibitory weights are negative). Single precision keeps the
// synapse at 8 bytes; weights are resolved to about 1e-7 relative.
#pragma once

#include <cstdint>

namespace ionspike {

struct StaticSynapse {
  std::uint32_t post;
  float weight;
};
static_assert(sizeof(StaticSynapse) == 8);

}  // namespace ionspike
