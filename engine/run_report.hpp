// What a finished run reports: the summary printed by the CLI and written to summary.json,
// and the recorders' files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/simulator.hpp"

namespace ionspike {

struct PopulationReport {
  std::string name;
  std::string model;
  std::uint32_t size;
  std::uint64_t spikes;
  double rate_Hz;  // spikes per neuron per second of simulated time
};

struct EisReport {
  std::string name;
  std::uint64_t synapses;
  EisEnergy energy;  // of every synapse over the whole run (up to the report's time)
  bool energy_accounted;
};

struct RunReport {
  std::string network_file;
  std::uint64_t seed;
  double simulated_ms;
  std::uint64_t neurons;
  std::uint64_t synapses;
  std::uint64_t spikes;
  double mean_rate_Hz;  // over neurons that are not spike sources
  std::uint64_t synaptic_events;
  std::uint64_t events;
  double build_s;
  double run_s;
  std::uint32_t threads_requested;  // simulation threads asked for
  std::uint32_t threads;            // the run used (1 when serial_reason is set)
  std::string serial_reason;        // why a run asked to use several threads used one
  std::uint32_t ranks = 1;          // processes of a distributed run (each with `threads` threads)
  double communication_s = 0.0;     // a distributed run: wall time in its collectives (waits included)
  std::vector<PopulationReport> populations;
  std::vector<EisReport> eis;
  std::vector<std::string> files;  // written, relative to the output directory
};

RunReport make_report(const Simulator& sim, std::string network_file, double build_s, double run_s);
// Writes every recorder's files and summary.json into dir (created if needed); fills report.files.
void write_outputs(const Simulator& sim, const std::filesystem::path& dir, RunReport& report);
std::string format_report(const RunReport& report, const std::filesystem::path& dir);
std::string report_json(const RunReport& report);

}  // namespace ionspike
