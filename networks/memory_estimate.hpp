// Estimate of the memory a network needs while it is built and run, checked against the
// memory available before anything large is allocated, so an oversized network is refused
// with the estimate instead of exhausting the machine.
#pragma once

#include <cstdint>
#include <string>

#include "networks/network_loader.hpp"

namespace ionspike {

struct MemoryEstimate {
  double total_bytes = 0.0;
  double synapses = 0.0;     // expected synapse count
  std::string largest_field;  // repeated field of the largest contributor, e.g. "projections"
  int largest_index = -1;     // its index
  double largest_bytes = 0.0;
};

// Bytes per synapse while building (specs + sort order + final 8-byte synapse), an upper bound.
inline constexpr double kBuildBytesPerSynapse = 48.0;
inline constexpr double kBytesPerNeuron = 64.0;
// A spike of a spike_source_array (time, neuron), and a recorded spike (16-byte record in a
// vector that may have doubled).
inline constexpr double kBytesPerStoredSpike = 16.0;
inline constexpr double kBytesPerRecordedSpike = 32.0;

MemoryEstimate estimate_memory(const pb::Network& network);
// MemAvailable from /proc/meminfo (bytes); falls back to physical memory.
std::uint64_t available_memory_bytes();

}  // namespace ionspike
