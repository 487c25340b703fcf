// Arrays a Session returns: recorded spikes, sampled state, the synapses of a projection.
// Each is a set of plain vectors the caller owns (moved out of the Session; a binding may
// hand them to NumPy without another copy).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ionspike {

// Spikes of a spike recorder, one entry per spike, ordered by (time, population, neuron):
// the rows of the command line's <recorder>.npy. population = index in
// Session::populations() (populations ordered by name).
struct SpikeArrays {
  std::vector<double> times_ms;
  std::vector<std::uint32_t> population;
  std::vector<std::uint32_t> neuron;
  std::size_t size() const { return times_ms.size(); }
};

// Samples of a state or conductance recorder: values is row-major, times_ms.size() rows of
// columns.size() values; columns are neuron indices (state recorders) or synapse indices
// (conductance recorders, values in nS).
struct StateArrays {
  std::vector<double> times_ms;
  std::vector<double> values;
  std::vector<std::uint32_t> columns;
  std::size_t rows() const { return times_ms.size(); }
  double at(std::size_t row, std::size_t column) const { return values[row * columns.size() + column]; }
};

// Every synapse of a projection at the current time, in storage order. weight is signed,
// in weight_unit ("mV", "pA" or "nS", the target's); for EIS synapses it is the weight an
// arrival would transmit now (gain x G), and g_nS, energy_fJ are filled (empty otherwise).
struct SynapseArrays {
  std::vector<std::uint32_t> pre;
  std::vector<std::uint32_t> post;
  std::vector<double> delay_ms;
  std::vector<double> weight;
  std::string weight_unit;
  std::vector<double> g_nS;
  std::vector<double> energy_fJ;
  std::size_t size() const { return pre.size(); }
};

}  // namespace ionspike
