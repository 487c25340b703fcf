// Session: a NetworkSpec built into the engine's Simulator, and everything the engine allows
// between runs. The Python module (python/src/module.cpp) is a thin layer over this class.
#include "ionspike/session.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <tuple>

#include "api/network_spec_impl.hpp"
#include "api/public_errors.hpp"
#include "engine/run_report.hpp"
#include "engine/checkpoint.hpp"
#include "engine/simulator.hpp"
#include "ionspike/errors.hpp"
#include "networks/network_builder.hpp"
#include "neurons/spike_sources.hpp"

namespace ionspike {

struct Session::Impl {
  NetworkSpec spec;
  std::unique_ptr<Simulator> sim;
  std::vector<std::string> warnings;

  RuntimeNetwork& net() { return sim->network(); }
  const RuntimeNetwork& net() const { return sim->network(); }

  NeuronPopulation& population(const std::string& name) const {
    for (const auto& p : sim->network().populations)
      if (p->name() == name) return *p;
    throw UnknownNameError("no population named '" + name + "'");
  }
  SpikeRecorder& spike_recorder(const std::string& name) {
    for (auto& r : net().spike_recorders)
      if (r.name() == name) return r;
    throw UnknownNameError("no spike recorder named '" + name + "'");
  }
  const StateRecorder& state_recorder(const std::string& name) const {
    for (const auto* list : {&net().state_recorders, &net().conductance_recorders})
      for (const auto& r : *list)
        if (r.name() == name) return r;
    throw UnknownNameError("no state or conductance recorder named '" + name + "'");
  }
  StdpProjection& stdp_projection(const std::string& name) {
    for (auto& p : net().stdp_projections)
      if (p.name() == name) return p;
    throw UnknownNameError("no STDP projection named '" + name + "'");
  }
  std::uint32_t eis_index(const std::string& name) const {
    for (std::uint32_t j = 0; j < net().eis_projections.size(); ++j)
      if (net().eis_projections[j].name() == name) return j;
    throw UnknownNameError("no EIS projection named '" + name + "'");
  }
  std::string unit_of(std::uint32_t population_id) const {
    switch (net().populations[population_id]->weight_unit()) {
      case WeightUnit::mV: return "mV";
      case WeightUnit::pA: return "pA";
      case WeightUnit::nS: return "nS";
      default: return "";
    }
  }
};

namespace {

std::string number(double x) { return std::to_string(x); }

}  // namespace

Session::Session(NetworkSpec network, const SessionOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->spec = std::move(network);
  LoadedNetwork& loaded = impl_->spec.impl().loaded;
  SimulationOverrides overrides;
  overrides.seed = options.seed;
  overrides.t_stop_ms = options.t_stop_ms;
  apply_overrides(loaded.message, overrides);
  BuildNotes notes;
  impl_->sim = api::with_public_errors([&] { return std::make_unique<Simulator>(build_network(loaded, &notes)); });
  impl_->warnings = std::move(notes.warnings);
}

Session Session::from_file(const std::string& path, const SessionOptions& options) {
  return Session(NetworkSpec::from_file(path), options);
}
Session Session::from_text(const std::string& text, const std::string& label, const SessionOptions& options) {
  return Session(NetworkSpec::from_text(text, label), options);
}
Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

void Session::save_checkpoint(const std::string& path) {
  const LoadedNetwork& loaded = impl_->spec.impl().loaded;
  ionspike::save_checkpoint(*impl_->sim, loaded.message, loaded.file, 0.0, path);
}

Session Session::resume(const std::string& path, const SessionOptions& options) {
  if (options.seed)
    throw std::invalid_argument("Session::resume: the seed cannot change (the checkpoint holds the network it built)");
  ResumeChanges changes;
  changes.t_stop_ms = options.t_stop_ms;
  try {
    ResumedSimulation resumed = api::with_public_errors([&] { return resume_checkpoint(path, changes); });
    auto impl = std::make_unique<Impl>();
    auto spec = std::make_unique<NetworkSpec::Impl>();
    spec->loaded.message = std::move(resumed.network);
    spec->loaded.file = resumed.network_file;
    impl->spec = NetworkSpec(std::move(spec));
    impl->sim = std::make_unique<Simulator>(std::move(resumed.simulator));
    return Session(std::move(impl));
  } catch (const CheckpointError& e) {
    throw CheckpointFileError(e.what());
  }
}

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

// ---- running ----
void Session::run_until(double t_ms) {
  if (!std::isfinite(t_ms)) throw std::invalid_argument("run_until: time must be finite, got " + number(t_ms));
  if (t_ms < impl_->sim->time_ms())
    throw std::invalid_argument("run_until: " + number(t_ms) + " ms is before the current time " +
                                number(impl_->sim->time_ms()) + " ms");
  api::with_public_errors([&] { impl_->sim->run_until(t_ms); });
}
void Session::run_for(double duration_ms) {
  if (!(duration_ms >= 0.0) || !std::isfinite(duration_ms))
    throw std::invalid_argument("run: duration_ms must be finite and >= 0, got " + number(duration_ms));
  run_until(impl_->sim->time_ms() + duration_ms);
}
void Session::run() { run_until(std::max(t_stop_ms(), time_ms())); }
double Session::time_ms() const { return impl_->sim->time_ms(); }
double Session::t_stop_ms() const { return impl_->net().settings.t_stop_ms; }
std::uint64_t Session::seed() const { return impl_->net().settings.seed; }
const std::vector<std::string>& Session::warnings() const { return impl_->warnings; }
std::uint32_t Session::threads() const { return impl_->sim->threads(); }
void Session::set_threads(std::uint32_t threads) {
  if (threads < 1) throw std::invalid_argument("set_threads: needs at least one thread, got 0");
  impl_->sim->set_threads(threads);
}
std::string Session::serial_reason() const { return impl_->sim->parallel_obstacle(); }

// ---- description ----
PopulationInfo Session::population(const std::string& name) const {
  const NeuronPopulation& p = impl_->population(name);
  return {p.name(), p.id(), p.size(), std::string(p.model_name()), impl_->unit_of(p.id()), p.state_variables()};
}
std::vector<PopulationInfo> Session::populations() const {
  std::vector<PopulationInfo> out;
  for (const auto& p : impl_->net().populations) out.push_back(population(p->name()));
  return out;
}
std::vector<ProjectionInfo> Session::projections() const {
  const RuntimeNetwork& n = impl_->net();
  std::vector<ProjectionInfo> out;
  const auto add = [&](const auto& p, ProjectionKind kind) {
    out.push_back({p.name(), kind, n.populations[p.pre_population()]->name(),
                   n.populations[p.post_population()]->name(), p.synapse_count()});
  };
  for (const auto& p : n.projections) add(p, ProjectionKind::static_synapses);
  for (const auto& p : n.eis_projections) add(p, ProjectionKind::eis);
  for (const auto& p : n.stdp_projections) add(p, ProjectionKind::stdp);
  return out;
}
std::vector<SpikeRecorderInfo> Session::spike_recorders() const {
  const RuntimeNetwork& n = impl_->net();
  std::vector<SpikeRecorderInfo> out;
  for (const auto& r : n.spike_recorders) {
    SpikeRecorderInfo info{r.name(), {}};
    if (r.populations().empty())
      for (const auto& p : n.populations) info.populations.push_back(p->name());
    else
      for (std::uint32_t id : r.populations()) info.populations.push_back(n.populations.at(id)->name());
    out.push_back(std::move(info));
  }
  return out;
}
std::vector<std::string> Session::state_recorders() const {
  std::vector<std::string> names;
  for (const auto& r : impl_->net().state_recorders) names.push_back(r.name());
  for (const auto& r : impl_->net().conductance_recorders) names.push_back(r.name());
  return names;
}
const NetworkSpec& Session::network() const { return impl_->spec; }
std::string Session::network_text() const { return impl_->spec.text(); }
void Session::save(const std::string& path) const { impl_->spec.save(path); }

// ---- recordings ----
SpikeArrays Session::spikes(const std::string& recorder, bool clear) {
  SpikeRecorder& rec = impl_->spike_recorder(recorder);
  // The order of the CLI's files (SpikeRecorder::write): (time, population, neuron);
  // time-driven populations report a step's spikes at its end, so emission order differs.
  std::vector<SpikeRecord> s = rec.spikes();
  const auto earlier = [](const SpikeRecord& a, const SpikeRecord& b) {
    return std::tie(a.t_ms, a.population, a.neuron) < std::tie(b.t_ms, b.population, b.neuron);
  };
  if (!std::is_sorted(s.begin(), s.end(), earlier)) std::sort(s.begin(), s.end(), earlier);
  SpikeArrays out;
  out.times_ms.resize(s.size());
  out.population.resize(s.size());
  out.neuron.resize(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    out.times_ms[i] = s[i].t_ms;
    out.population[i] = s[i].population;
    out.neuron[i] = s[i].neuron;
  }
  if (clear) rec.clear();
  return out;
}
StateArrays Session::state(const std::string& recorder) const {
  const StateRecorder& rec = impl_->state_recorder(recorder);
  return {rec.times_ms(), rec.values(), rec.neurons()};
}
std::uint64_t Session::spike_count(const std::string& population_name) const {
  const auto& per_population = impl_->sim->counters().spikes_per_population;
  const std::uint32_t id = impl_->population(population_name).id();
  return per_population.empty() ? 0 : per_population.at(id);
}
double Session::rate_Hz(const std::string& population_name) const {
  const double t_ms = time_ms();
  const double size = static_cast<double>(impl_->population(population_name).size());
  return t_ms > 0.0 ? static_cast<double>(spike_count(population_name)) / (size * t_ms * 1e-3) : 0.0;
}
EventCounts Session::counts() const {
  const RunCounters& c = impl_->sim->counters();
  return {c.events, c.spikes, c.synaptic_events};
}

// ---- synapses ----
SynapseArrays Session::synapses(const std::string& projection) const {
  const RuntimeNetwork& n = impl_->net();
  const double now = impl_->sim->time_ms();
  SynapseArrays out;
  // Static and STDP projections: the same table, weights read by weight_of(p, k).
  const auto weight_table = [&](const auto& p, const auto& weight_of) {
    const std::uint64_t count = p.synapse_count();
    out.weight.resize(count);
    out.post.resize(count);
    for (std::uint64_t k = 0; k < count; ++k) {
      out.weight[k] = weight_of(p, k);
      out.post[k] = p.synapses()[k].post;
    }
    out.pre = p.presynaptic_indices();
    out.delay_ms = p.delays_ms();
    out.weight_unit = impl_->unit_of(p.post_population());
    return out;
  };
  for (const StaticProjection& p : n.projections)
    if (p.name() == projection)
      return weight_table(p, [](const StaticProjection& q, std::uint64_t k) { return q.synapses()[k].weight; });
  for (const StdpProjection& p : n.stdp_projections)
    if (p.name() == projection) {
      const Neuromodulator* da = p.modulated() ? &n.neuromodulators[p.dopamine()->neuromodulator] : nullptr;
      return weight_table(p, [&](const StdpProjection& q, std::uint64_t k) {
        return da ? q.weight_at(k, now, *da) : q.weight(k);
      });
    }
  for (const EisProjection& p : n.eis_projections)
    if (p.name() == projection) {
      const SpikeHistory& pre_h = n.pre_history(p.pre_population());
      const SpikeHistory& post_h = n.post_history(p.post_population());
      const std::uint64_t count = p.synapse_count();
      out.pre.resize(count);
      out.post.resize(count);
      out.delay_ms.resize(count);
      out.g_nS.resize(count);
      out.energy_fJ.resize(count);
      out.weight.resize(count);
      for (std::uint64_t k = 0; k < count; ++k) {
        const EisProjection::Readout r = p.readout(k, now, pre_h, post_h);
        out.pre[k] = p.pre_of(k);
        out.post[k] = p.post_of(k);
        out.delay_ms[k] = p.delay_of(k);
        out.g_nS[k] = r.g_nS;
        out.energy_fJ[k] = r.energy_fJ;
        out.weight[k] = p.parameters().weight_per_nS * r.g_nS;
      }
      out.weight_unit = impl_->unit_of(p.post_population());
      return out;
    }
  throw UnknownNameError("no projection named '" + projection + "'");
}
std::vector<double> Session::weights(const std::string& projection) const { return synapses(projection).weight; }
std::vector<double> Session::conductances_nS(const std::string& projection) const {
  impl_->eis_index(projection);  // UnknownNameError unless an EIS projection
  return synapses(projection).g_nS;
}

// ---- changes between runs ----
void Session::set_poisson_rates(const std::string& population_name, std::span<const double> rates_Hz) {
  const std::uint32_t id = impl_->population(population_name).id();
  auto* poisson = dynamic_cast<PoissonSourcePopulation*>(impl_->net().populations[id].get());
  if (!poisson)
    throw std::invalid_argument("set_poisson_rates: population '" + population_name + "' is a " +
                                std::string(impl_->net().populations[id]->model_name()) + ", not a poisson_source");
  std::vector<double> rates(rates_Hz.begin(), rates_Hz.end());
  if (rates.size() == 1) rates.assign(poisson->size(), rates[0]);
  if (rates.size() != poisson->size())
    throw std::invalid_argument("set_poisson_rates: " + std::to_string(rates.size()) + " rates for population '" +
                                population_name + "' of size " + std::to_string(poisson->size()));
  for (double r : rates)
    if (!(r >= 0.0) || !std::isfinite(r))
      throw std::invalid_argument("set_poisson_rates: rates must be finite and >= 0 Hz, got " + number(r));
  impl_->sim->modify_population(id, [&](NeuronPopulation&, EventContext& ctx, double now) {
    poisson->set_rates(rates, now, ctx);
  });
}
void Session::set_poisson_rate(const std::string& population_name, double rate_Hz) {
  set_poisson_rates(population_name, std::span<const double>(&rate_Hz, 1));
}
void Session::add_injected_current(const std::string& population_name, double delta_pA,
                                   std::span<const std::uint32_t> neurons) {
  const NeuronPopulation& p = impl_->population(population_name);
  if (!p.accepts_current())
    throw std::invalid_argument("add_injected_current: population '" + population_name + "' (" +
                                std::string(p.model_name()) + ") takes no current");
  if (!std::isfinite(delta_pA)) throw std::invalid_argument("add_injected_current: delta_pA must be finite");
  for (std::uint32_t i : neurons)
    if (i >= p.size())
      throw std::out_of_range("add_injected_current: neuron " + std::to_string(i) + " of population '" +
                              population_name + "' of size " + std::to_string(p.size()));
  impl_->sim->modify_population(p.id(), [&](NeuronPopulation& pop, EventContext& ctx, double now) {
    pop.add_injected_current(neurons, delta_pA, now, ctx);
  });
}
void Session::fire(const std::string& population_name, std::span<const std::uint32_t> neurons) {
  const std::uint32_t id = impl_->population(population_name).id();
  auto* source = dynamic_cast<SpikeSourceArrayPopulation*>(impl_->net().populations[id].get());
  if (!source) throw std::invalid_argument("fire: population '" + population_name + "' is not a spike_source_array");
  for (std::uint32_t i : neurons)
    if (i >= source->size())
      throw std::out_of_range("fire: neuron " + std::to_string(i) + " of population '" + population_name +
                              "' of size " + std::to_string(source->size()));
  impl_->sim->modify_population(id, [&](NeuronPopulation&, EventContext& ctx, double now) {
    for (std::uint32_t i : neurons) source->fire(i, now, ctx);
  });
}
void Session::set_stdp_weights(const std::string& projection, std::span<const double> weights) {
  StdpProjection& p = impl_->stdp_projection(projection);
  if (p.modulated())
    throw std::invalid_argument("set_stdp_weights: projection '" + projection +
                                "' is dopamine-modulated; its weights cannot be set between runs");
  if (weights.size() != p.synapse_count())
    throw std::invalid_argument("set_stdp_weights: " + std::to_string(weights.size()) + " weights for " +
                                std::to_string(p.synapse_count()) + " synapses of '" + projection + "'");
  const double lo = p.rule().w_min, hi = p.rule().w_max;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    const double m = std::abs(weights[k]);
    if (!(m >= lo && m <= hi))
      throw std::invalid_argument("set_stdp_weights: weight " + number(weights[k]) + " of synapse " +
                                  std::to_string(k) + " of '" + projection + "' is outside [" + number(lo) + ", " +
                                  number(hi) + "] in magnitude");
  }
  for (std::size_t k = 0; k < weights.size(); ++k) p.set_weight(k, weights[k]);
}
void Session::set_stdp_amplitudes(const std::string& projection, double a2_plus, double a2_minus) {
  StdpProjection& p = impl_->stdp_projection(projection);
  for (double a : {a2_plus, a2_minus})
    if (!(a >= 0.0 && a <= 1.0))
      throw std::invalid_argument("set_stdp_amplitudes: amplitudes must lie in [0, 1], got " + number(a));
  StdpRule rule = p.rule();
  rule.a2_plus = a2_plus;
  rule.a2_minus = a2_minus;
  p.set_rule(rule);
}
void Session::set_eis_conductances_nS(const std::string& projection, std::span<const double> g_nS) {
  const std::uint32_t j = impl_->eis_index(projection);
  const std::uint64_t count = impl_->net().eis_projections[j].synapse_count();
  if (g_nS.size() != count)
    throw std::invalid_argument("set_eis_conductances_nS: " + std::to_string(g_nS.size()) + " values for " +
                                std::to_string(count) + " synapses of '" + projection + "'");
  impl_->sim->modify_eis_projection(j, [&](EisProjection& p, const SpikeHistory& pre, const SpikeHistory& post,
                                           double) {
    for (std::size_t k = 0; k < g_nS.size(); ++k) p.set_conductance(k, g_nS[k], pre, post);
  });
}
void Session::set_eis_frozen(const std::string& projection, bool frozen) {
  impl_->sim->modify_eis_projection(impl_->eis_index(projection),
                                    [&](EisProjection& p, const SpikeHistory& pre, const SpikeHistory& post, double) {
                                      p.set_frozen(frozen, pre, post);
                                    });
}
void Session::set_eis_gate_factors(const std::string& projection, double a_pre, double a_post) {
  impl_->sim->modify_eis_projection(impl_->eis_index(projection),
                                    [&](EisProjection& p, const SpikeHistory&, const SpikeHistory&, double) {
                                      p.set_gate_factors(a_pre, a_post);
                                    });
}

std::string Session::write_outputs(const std::string& directory, const std::string& label) const {
  return api::with_public_errors([&] {
    RunReport report = make_report(*impl_->sim, label, 0.0, 0.0);
    ionspike::write_outputs(*impl_->sim, directory, report);
    return format_report(report, directory);
  });
}

}  // namespace ionspike
