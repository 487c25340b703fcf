// What a built network contains, as a Session reports it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ionspike {

struct PopulationInfo {
  std::string name;
  std::uint32_t id = 0;    // index in Session::populations() (name order; SpikeArrays::population)
  std::uint64_t size = 0;
  std::string model;       // "lif_exp", "poisson_source", ...
  std::string weight_unit; // unit of incoming weights: "mV", "pA", "nS", or "" (sources)
  std::vector<std::string> state_variables;  // recordable, e.g. "v_mV"
};

enum class ProjectionKind { static_synapses, stdp, eis };

struct ProjectionInfo {
  std::string name;
  ProjectionKind kind = ProjectionKind::static_synapses;
  std::string pre, post;   // population names
  std::uint64_t synapse_count = 0;
};

struct SpikeRecorderInfo {
  std::string name;
  std::vector<std::string> populations;  // the populations it records (all, if it listed none)
};

// Counted whether recorded or not.
struct EventCounts {
  std::uint64_t events = 0;
  std::uint64_t spikes = 0;
  std::uint64_t synaptic_events = 0;
};

}  // namespace ionspike
