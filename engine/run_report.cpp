#include "engine/run_report.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <tbb/global_control.h>

#include "engine/atomic_file.hpp"
#include "engine/npy_writer.hpp"
#include "engine/rank_exchange.hpp"

namespace ionspike {
namespace {

// JSON has no inf/nan: write them as null.
std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{:.17g}", v) : "null"; }

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

// The read-outs rank 0 gathered at t_ms for EIS projection j if it is a part of a distributed
// build (null for a whole projection); throws std::logic_error if they are missing or of
// another time.
const DistributedBuild::GatheredEis* gathered_eis(const RuntimeNetwork& net, std::size_t j, double t_ms) {
  if (!net.eis_projections[j].is_part()) return nullptr;
  if (!net.distribution || j >= net.distribution->gathered_eis.size() || !net.distribution->gathered_eis[j])
    throw std::logic_error("EIS projection '" + net.eis_projections[j].name() + "' holds one rank's synapses; "
                           "rank 0 reports and writes it after Simulator::consolidate_plastic_synapses()");
  if (net.distribution->gathered_eis[j]->t_ms != t_ms)
    throw std::logic_error("EIS projection '" + net.eis_projections[j].name() +
                           "' was gathered at another time than now");
  return net.distribution->gathered_eis[j].get();
}

}  // namespace

RunReport make_report(const Simulator& sim, std::string network_file, double build_s, double run_s) {
  // The EIS energy tails are read on the run's threads.
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, sim.threads());
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
  r.threads_requested = sim.threads();
  r.serial_reason = sim.parallel_obstacle();
  r.threads = r.serial_reason.empty() ? sim.threads() : 1;
  if (sim.distributed() && r.serial_reason.empty()) {
    r.ranks = sim.rank_exchange()->ranks();
    r.communication_s = sim.communication_seconds();
  }
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
  for (std::size_t j = 0; j < net.eis_projections.size(); ++j) {
    const EisProjection& proj = net.eis_projections[j];
    const DistributedBuild::GatheredEis* gathered = gathered_eis(net, j, sim.time_ms());
    r.eis.push_back({proj.name(), proj.whole_synapse_count(),
                     gathered != nullptr ? gathered->energy
                                         : proj.energy_until(sim.time_ms(), net.pre_history(proj.pre_population()),
                                                             net.post_history(proj.post_population())),
                     proj.parameters().account_energy});
  }
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
  std::string eis;
  for (std::size_t i = 0; i < r.eis.size(); ++i) {
    const auto& e = r.eis[i];
    eis += fmt::format("{}\n    {{\"projection\": \"{}\", \"synapses\": {}, \"energy_accounted\": {}, "
                       "\"energy_insertion_fJ\": {}, \"energy_gate_fJ\": {}, \"energy_divider_fJ\": {}, "
                       "\"energy_total_fJ\": {}}}",
                       i ? "," : "", e.name, e.synapses, e.energy_accounted, json_number(e.energy.insertion_fJ),
                       json_number(e.energy.gate_fJ), json_number(e.energy.divider_fJ),
                       json_number(e.energy.total_fJ()));
  }
  std::string files;
  for (std::size_t i = 0; i < r.files.size(); ++i) files += fmt::format("{}\"{}\"", i ? ", " : "", r.files[i]);
  return fmt::format(
      "{{\n  \"ionspike_version\": \"{}\",\n  \"network\": \"{}\",\n  \"seed\": {},\n"
      "  \"simulated_ms\": {:.17g},\n  \"neurons\": {},\n  \"synapses\": {},\n  \"spikes\": {},\n"
      "  \"mean_rate_Hz\": {:.17g},\n  \"synaptic_events\": {},\n  \"events\": {},\n"
      "  \"build_s\": {:.6f},\n  \"run_s\": {:.6f},\n  \"threads\": {},\n  \"serial_reason\": \"{}\",\n"
      "  \"ranks\": {},\n  \"communication_s\": {:.6f},\n"
      "  \"populations\": [{}\n  ],\n"
      "  \"eis_projections\": [{}\n  ],\n  \"files\": [{}]\n}}\n",
      IONSPIKE_VERSION, json_escape(r.network_file), r.seed, r.simulated_ms, r.neurons, r.synapses, r.spikes,
      r.mean_rate_Hz, r.synaptic_events, r.events, r.build_s, r.run_s, r.threads, json_escape(r.serial_reason), r.ranks,
      r.communication_s, pops,
      eis, files);
}

// Conductance of every synapse of an EIS projection at t_ms, in storage order:
// <name>.conductance.csv "pre,post,delay_ms,g_nS,energy_fJ" and .npy (pre <u4, post <u4,
// delay_ms <f8, g_nS <f8, energy_fJ <f8); energy_fJ is the device energy of the run so far.
// A part of a distributed build (one rank's synapses) is written from `gathered`, the read-outs
// rank 0 assembled (DistributedBuild::gathered_eis).
using EisRow = DistributedBuild::GatheredEis::Row;
static_assert(sizeof(EisRow) == 32, "the .npy records are packed: pre, post, delay_ms, g_nS, energy_fJ");
void write_eis_conductances(const EisProjection& proj, const DistributedBuild::GatheredEis* gathered, double t_ms,
                            const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes,
                            const std::filesystem::path& dir, const OutputFormats& formats) {
  std::vector<EisRow> computed;
  if (gathered == nullptr) {
    // Every synapse integrated to t_ms (read-only): in parallel over rows, up to tbb's allowed
    // parallelism (write_outputs: the run's thread count).
    computed.resize(proj.synapse_count());
    proj.for_each_readout(t_ms, pre_spikes, post_spikes,
                          [&](std::uint64_t k, std::uint32_t pre, double delay_ms, const EisProjection::Readout& now) {
                            computed[k] = {pre, proj.post_of(k), delay_ms, now.g_nS, now.energy_fJ};
                          });
  }
  const std::vector<EisRow>& rows = gathered != nullptr ? gathered->rows : computed;
  const std::string stem = proj.name() + ".conductance";
  if (formats.csv) {
    AtomicFile file(dir / (stem + ".csv"));
    file.stream() << "pre,post,delay_ms,g_nS,energy_fJ\n";
    for (const EisRow& r : rows)
      file.stream() << fmt::format("{},{},{:.17g},{:.17g},{:.17g}\n", r.pre, r.post, r.delay_ms, r.g_nS, r.energy_fJ);
    file.commit();
  }
  if (formats.npy)
    write_npy_records(dir / (stem + ".npy"),
                      {{"pre", "<u4"}, {"post", "<u4"}, {"delay_ms", "<f8"}, {"g_nS", "<f8"}, {"energy_fJ", "<f8"}},
                      rows.data(), rows.size());
}

// Weights of an STDP projection at the end of the run, in storage order:
// <name>.weights.csv "pre,post,delay_ms,weight_<unit>" and .npy (pre <u4, post <u4,
// delay_ms <f8, weight_<unit> <f8); weights are signed (inhibitory negative).
// Dopamine-modulated weights are read out exactly at the current time (weight_at).
// A projection of a distributed build (one rank's synapses) is written from `gathered`, the
// whole table rank 0 assembled (DistributedBuild::gathered_stdp).
void write_stdp_weights(const StdpProjection& proj, const DistributedBuild::GatheredSynapses* gathered, WeightUnit unit,
                        const std::filesystem::path& dir, const OutputFormats& formats, const Neuromodulator* da,
                        double t_ms) {
#pragma pack(push, 1)
  struct Row {
    std::uint32_t pre, post;
    double delay_ms, weight;
  };
#pragma pack(pop)
  std::vector<Row> rows;
  if (gathered != nullptr) {
    // Group g of this rank's table names the presynaptic neuron and delay of the whole group.
    rows.resize(gathered->synapses.size());
    std::uint64_t k = 0;
    for (std::uint32_t pre = 0; pre < proj.pre_size(); ++pre)
      for (std::uint32_t g = proj.row_begin(pre); g < proj.row_end(pre); ++g)
        for (std::uint32_t i = 0; i < gathered->group_sizes[g]; ++i, ++k)
          rows[k] = {pre, gathered->synapses[k].post, proj.group_delay_ms(g), gathered->synapses[k].weight};
  } else {
    const std::vector<std::uint32_t> pre = proj.presynaptic_indices();
    const std::vector<double> delay = proj.delays_ms();
    rows.resize(proj.synapse_count());
    for (std::uint64_t k = 0; k < rows.size(); ++k)
      rows[k] = {pre[k], proj.synapses()[k].post, delay[k], da ? proj.weight_at(k, t_ms, *da) : proj.weight(k)};
  }
  const std::string column = std::string("weight_") + (unit == WeightUnit::mV ? "mV" : unit == WeightUnit::pA ? "pA" : "nS");
  const std::string stem = proj.name() + ".weights";
  if (formats.csv) {
    AtomicFile file(dir / (stem + ".csv"));
    file.stream() << "pre,post,delay_ms," << column << "\n";
    for (const Row& r : rows) file.stream() << fmt::format("{},{},{:.17g},{:.9g}\n", r.pre, r.post, r.delay_ms, r.weight);
    file.commit();
  }
  if (formats.npy)
    write_npy_records(dir / (stem + ".npy"), {{"pre", "<u4"}, {"post", "<u4"}, {"delay_ms", "<f8"}, {column, "<f8"}},
                      rows.data(), rows.size());
}

void write_outputs(const Simulator& sim, const std::filesystem::path& dir, RunReport& report) {
  // Final EIS conductances are read on the run's threads.
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, sim.threads());
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
  for (const auto* recorders : {&net.state_recorders, &net.conductance_recorders})
    for (const StateRecorder& rec : *recorders) {
      rec.write(dir, f);
      add_files(rec.name());
    }
  for (std::size_t j = 0; j < net.eis_projections.size(); ++j) {
    const EisProjection& proj = net.eis_projections[j];
    write_eis_conductances(proj, gathered_eis(net, j, sim.time_ms()), sim.time_ms(), net.pre_history(proj.pre_population()),
                           net.post_history(proj.post_population()), dir, f);
    add_files(proj.name() + ".conductance");
  }
  for (std::size_t j = 0; j < net.stdp_projections.size(); ++j) {
    const StdpProjection& proj = net.stdp_projections[j];
    const DistributedBuild::GatheredSynapses* gathered = nullptr;
    if (net.distribution && net.distribution->stdp_local[j]) {
      if (j >= net.distribution->gathered_stdp.size() || !net.distribution->gathered_stdp[j])
        throw std::logic_error("write_outputs: STDP projection '" + proj.name() + "' holds one rank's synapses; "
                               "rank 0 writes it after Simulator::consolidate_plastic_synapses()");
      gathered = net.distribution->gathered_stdp[j].get();
    }
    write_stdp_weights(proj, gathered, net.populations[proj.post_population()]->weight_unit(), dir, f,
                       proj.modulated() ? &net.neuromodulators[proj.dopamine()->neuromodulator] : nullptr,
                       sim.time_ms());
    add_files(proj.name() + ".weights");
  }
  report.files.push_back("summary.json");
  AtomicFile summary(dir / "summary.json");
  summary.stream() << report_json(report);
  summary.commit();
}

std::string format_report(const RunReport& r, const std::filesystem::path& dir) {
  std::string s = fmt::format("ionspike {}: {}\n", IONSPIKE_VERSION, r.network_file);
  // The model column is 18 wide, wider only for a longer model name (lif_cond_exp_adaptive).
  std::size_t model_width = 18;
  for (const auto& p : r.populations) model_width = std::max(model_width, p.model.size());
  s += fmt::format("  {:<16} {:<{}} {:>10} {:>10} {:>9}\n", "population", "model", model_width, "size", "spikes",
                   "rate_Hz");
  for (const auto& p : r.populations)
    s += fmt::format("  {:<16} {:<{}} {:>10} {:>10} {:>9.2f}\n", p.name, p.model, model_width, p.size, p.spikes,
                     p.rate_Hz);
  s += fmt::format("  neurons {}, synapses {}, simulated {:g} ms, seed {}\n", r.neurons, r.synapses,
                   r.simulated_ms, r.seed);
  s += fmt::format("  spikes {}, mean rate {:.2f} Hz (neurons, sources excluded), {} synaptic events\n",
                   r.spikes, r.mean_rate_Hz, r.synaptic_events);
  if (r.ranks > 1)
    s += fmt::format("  wall time {:.3f} s (build {:.3f} s, run {:.3f} s on {} ranks of {} thread{}, {:.3f} s of it in "
                     "communication)\n",
                     r.build_s + r.run_s, r.build_s, r.run_s, r.ranks, r.threads, r.threads == 1 ? "" : "s",
                     r.communication_s);
  else
    s += fmt::format("  wall time {:.3f} s (build {:.3f} s, run {:.3f} s on {} thread{})\n", r.build_s + r.run_s,
                     r.build_s, r.run_s, r.threads, r.threads == 1 ? "" : "s");
  if (!r.serial_reason.empty())
    s += fmt::format("  ran on one thread although {} were asked for: {}\n", r.threads_requested, r.serial_reason);
  for (const auto& e : r.eis)
    if (!e.energy_accounted)
      s += fmt::format("  EIS '{}': {} synapses (energy not accounted: eis.account_energy is false)\n", e.name,
                       e.synapses);
    else
      s += fmt::format("  EIS '{}': {} synapses, device energy {:.4g} fJ (insertion {:.3g}, gate {:.3g}, divider {:.3g})\n",
                     e.name, e.synapses, e.energy.total_fJ(), e.energy.insertion_fJ, e.energy.gate_fJ,
                     e.energy.divider_fJ);
  s += fmt::format("  outputs in {}/:", dir.string());
  for (const auto& f : r.files) s += " " + f;
  return s + "\n";
}

}  // namespace ionspike
