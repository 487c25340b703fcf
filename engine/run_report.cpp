#include "engine/run_report.hpp"

#include <fmt/format.h>

#include "engine/atomic_file.hpp"

namespace ionspike {
namespace {

std::string json_escape(const std::string& in) {
  std::string out;
  for (char c : in) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

RunReport make_report(const Simulator& sim, std::string network_file, double build_s, double run_s) {
  const RuntimeNetwork& net = sim.network();
  RunReport r{};
  r.network_file = std::move(network_file);
  r.seed = net.settings.seed;
  r.simulated_ms = sim.time_ms();
  r.neurons = net.neuron_count();
  r.synapses = net.synapse_count();
  r.spikes = sim.counters().spikes;
  r.synaptic_events = sim.counters().synaptic_events;
  r.events = sim.counters().events;
  r.build_s = build_s;
  r.run_s = run_s;
  const double seconds = sim.time_ms() * 1e-3;
  std::uint64_t neuron_spikes = 0, neuron_count = 0;
  for (const auto& p : net.populations) {
    const std::uint64_t spikes = sim.counters().spikes_per_population[p->id()];
    r.populations.push_back({p->name(), std::string(p->model_name()), p->size(), spikes,
                             seconds > 0 ? spikes / (p->size() * seconds) : 0.0});
    if (p->weight_unit() != WeightUnit::None) {
      neuron_spikes += spikes;
      neuron_count += p->size();
    }
  }
  r.mean_rate_Hz = seconds > 0 && neuron_count > 0 ? neuron_spikes / (neuron_count * seconds) : 0.0;
  return r;
}

std::string report_json(const RunReport& r) {
  std::string pops;
  for (std::size_t i = 0; i < r.populations.size(); ++i) {
    const auto& p = r.populations[i];
    pops += fmt::format("{}\n    {{\"index\": {}, \"name\": \"{}\", \"model\": \"{}\", \"size\": {}, "
                        "\"spikes\": {}, \"rate_Hz\": {:.17g}}}",
                        i ? "," : "", i, p.name, p.model, p.size, p.spikes, p.rate_Hz);
  }
  std::string files;
  for (std::size_t i = 0; i < r.files.size(); ++i) files += fmt::format("{}\"{}\"", i ? ", " : "", r.files[i]);
  return fmt::format(
      "{{\n  \"ionspike_version\": \"{}\",\n  \"network\": \"{}\",\n  \"seed\": {},\n"
      "  \"simulated_ms\": {:.17g},\n  \"neurons\": {},\n  \"synapses\": {},\n  \"spikes\": {},\n"
      "  \"mean_rate_Hz\": {:.17g},\n  \"synaptic_events\": {},\n  \"events\": {},\n"
      "  \"build_s\": {:.6f},\n  \"run_s\": {:.6f},\n  \"populations\": [{}\n  ],\n  \"files\": [{}]\n}}\n",
      IONSPIKE_VERSION, json_escape(r.network_file), r.seed, r.simulated_ms, r.neurons, r.synapses, r.spikes,
      r.mean_rate_Hz, r.synaptic_events, r.events, r.build_s, r.run_s, pops, files);
}

void write_outputs(const Simulator& sim, const std::filesystem::path& dir, RunReport& report) {
  std::filesystem::create_directories(dir);
  const RuntimeNetwork& net = sim.network();
  std::vector<std::string> names;
  for (const auto& p : net.populations) names.push_back(p->name());
  const OutputFormats& f = net.settings.formats;
  auto add_files = [&](const std::string& stem) {
    if (f.csv) report.files.push_back(stem + ".csv");
    if (f.npy) report.files.push_back(stem + ".npy");
  };
  for (const SpikeRecorder& rec : net.spike_recorders) {
    rec.write(dir, f, names);
    add_files(rec.name());
  }
  for (const StateRecorder& rec : net.state_recorders) {
    rec.write(dir, f);
    add_files(rec.name());
  }
  report.files.push_back("summary.json");
  AtomicFile summary(dir / "summary.json");
  summary.stream() << report_json(report);
  summary.commit();
}

std::string format_report(const RunReport& r, const std::filesystem::path& dir) {
  std::string s = fmt::format("ionspike {}: {}\n", IONSPIKE_VERSION, r.network_file);
  s += fmt::format("  {:<16} {:<18} {:>10} {:>10} {:>9}\n", "population", "model", "size", "spikes", "rate_Hz");
  for (const auto& p : r.populations)
    s += fmt::format("  {:<16} {:<18} {:>10} {:>10} {:>9.2f}\n", p.name, p.model, p.size, p.spikes,
                     p.rate_Hz);
  s += fmt::format("  neurons {}, synapses {}, simulated {:g} ms, seed {}\n", r.neurons, r.synapses,
                   r.simulated_ms, r.seed);
  s += fmt::format("  spikes {}, mean rate {:.2f} Hz (neurons, sources excluded), {} synaptic events\n",
                   r.spikes, r.mean_rate_Hz, r.synaptic_events);
  s += fmt::format("  wall time {:.3f} s (build {:.3f} s, run {:.3f} s)\n", r.build_s + r.run_s, r.build_s,
                   r.run_s);
  s += fmt::format("  outputs in {}/:", dir.string());
  for (const auto& f : r.files) s += " " + f;
  return s + "\n";
}

}  // namespace ionspike
