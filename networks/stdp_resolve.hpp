// From a projection's `stdp` block to the run-time rule (learning/stdp_rule.hpp).
#pragma once

#include "learning/stdp_rule.hpp"
#include "networks/network.pb.h"
#include "neurons/neuron_population.hpp"

namespace ionspike {

namespace pb = ::ionspike::network::v1;

// Unit of the bound field the block sets (w_min_mV, w_min_pA, ...; None if unset) and its
// value (w_min: 0 when unset).
WeightUnit stdp_w_min_unit(const pb::StdpSynapses& stdp);
WeightUnit stdp_w_max_unit(const pb::StdpSynapses& stdp);
double stdp_w_min(const pb::StdpSynapses& stdp);
double stdp_w_max(const pb::StdpSynapses& stdp);

StdpRule resolve_stdp_rule(const pb::StdpSynapses& stdp);

}  // namespace ionspike
