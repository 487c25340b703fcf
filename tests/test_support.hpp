// Helpers shared by the tests: build and run networks given as text.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "engine/simulator.hpp"
#include "engine/state_archive.hpp"
#include "networks/network_builder.hpp"
#include "networks/network_loader.hpp"

namespace ionspike::test {

// The complete dynamic state of a simulator as a checkpoint archive (engine/state_archive.hpp).
inline std::vector<ArchivedField> final_state(Simulator& sim) {
  StateArchive ar;
  sim.checkpoint(ar);
  return ar.take_fields();
}

// The name of the first field where two archives differ, or "" if they are identical.
inline std::string first_difference(const std::vector<ArchivedField>& a, const std::vector<ArchivedField>& b) {
  if (a.size() != b.size()) return "field counts " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].element_bytes != b[i].element_bytes || a[i].bytes != b[i].bytes)
      return a[i].name;
  return "";
}

// A number written with every digit, for network texts built by tests.
inline std::string num(double x) {
  std::ostringstream s;
  s.precision(17);
  s << x;
  return s.str();
}

// One spike train of a spike_source_array in network text: "trains { times_ms: [...] } ",
// every time shifted by shift_ms.
inline std::string spike_train_text(const std::vector<double>& times_ms, double shift_ms = 0.0) {
  std::ostringstream s;
  s << "trains { times_ms: [";
  for (std::size_t i = 0; i < times_ms.size(); ++i) s << (i ? ", " : "") << num(times_ms[i] + shift_ms);
  s << "] } ";
  return s.str();
}

inline RuntimeNetwork build_text(const std::string& text, const std::string& label = "test.pbtxt") {
  return build_network(parse_network_text(text, label));
}

inline Simulator run_text(const std::string& text, double t_stop_ms) {
  Simulator sim(build_text(text));
  sim.run_until(t_stop_ms);
  return sim;
}

// Spike times of one neuron in the first spike recorder.
inline std::vector<double> spike_times(const Simulator& sim, std::uint32_t population, std::uint32_t neuron) {
  std::vector<double> t;
  for (const SpikeRecord& s : sim.network().spike_recorders.at(0).spikes())
    if (s.population == population && s.neuron == neuron) t.push_back(s.t_ms);
  return t;
}

}  // namespace ionspike::test
