// Helpers shared by the tests: build and run networks given as text.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "engine/simulator.hpp"
#include "networks/network_builder.hpp"
#include "networks/network_loader.hpp"

namespace ionspike::test {

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
