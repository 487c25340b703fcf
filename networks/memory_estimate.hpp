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
// Run-time state on top of the 8-byte static synapse, counted in addition to the build bound:
// the by-target index of a plastic projection (STDP or EIS: post-side touches), the
// eligibility trace of a dopamine-modulated STDP synapse (w, c, t_last), the wider EIS synapse
// (16 bytes: G as double, target, device factor) and its cumulative device energy.
inline constexpr double kPlasticIndexBytesPerSynapse = 8.0;
inline constexpr double kEligibilityBytesPerSynapse = 24.0;
inline constexpr double kEisExtraBytesPerSynapse = 8.0;
inline constexpr double kEisEnergyBytesPerSynapse = 8.0;
inline constexpr double kBytesPerNeuron = 64.0;
// A spike of a spike_source_array (time, neuron), and a recorded spike (16-byte record in a
// vector that may have doubled).
inline constexpr double kBytesPerStoredSpike = 16.0;
inline constexpr double kBytesPerRecordedSpike = 32.0;

// Upper bound of the bytes one synapse of `projection` needs while building and running.
double bytes_per_synapse(const pb::Projection& projection);
MemoryEstimate estimate_memory(const pb::Network& network);
// MemAvailable from /proc/meminfo (bytes); falls back to physical memory.
std::uint64_t available_memory_bytes();

}  // namespace ionspike
