// _ionspike: the Python binding of ionspike::core (pybind11). The pure-Python package
// `ionspike` (python/ionspike/__init__.py) wraps it; docs/python.md describes the API.
//
// One NetworkSimulation holds the network description that was built (the protobuf message,
// for network_text() and save()) and the engine's Simulator. Everything the engine allows
// between runs is exposed: continuing a run, Poisson rates, injected currents, extra spikes
// of spike sources, STDP weights and rules, EIS conductances, freezing and gate factors.
//
// Arrays returned to Python are NumPy arrays that own their memory: recorder data are copied
// once (a memcpy of the engine's vectors; the engine keeps appending to them in later runs,
// so a view could dangle). take_spikes() hands over the recorded spikes and clears the
// recorder, for long runs consumed piece by piece.
//
// Errors: networks/input_error.hpp's InputError becomes ionspike.NetworkError (a ValueError)
// with the attributes file, line, column, field and message; std::invalid_argument becomes
// ValueError, std::out_of_range IndexError (pybind11's defaults), unknown names KeyError.
//
// Threads: run() releases the GIL. A mutex serialises every call on one simulation, so
// another Python thread reading it while it runs waits instead of racing.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <google/protobuf/text_format.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "engine/run_report.hpp"
#include "engine/simulator.hpp"
#include "networks/input_error.hpp"
#include "networks/network_builder.hpp"
#include "networks/network_loader.hpp"
#include "neurons/spike_sources.hpp"

namespace py = pybind11;
using namespace ionspike;

namespace {

// Raised for bad names given from Python (not network input errors): Python's KeyError.
struct NameError : std::out_of_range {
  using std::out_of_range::out_of_range;
};

// A NumPy array that owns a moved-in vector (no copy of the data).
template <typename T>
py::array_t<T> owned_array(std::vector<T>&& values, std::vector<py::ssize_t> shape) {
  auto* holder = new std::vector<T>(std::move(values));
  py::capsule owner(holder, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(shape, holder->data(), owner);
}
template <typename T>
py::array_t<T> owned_array(std::vector<T>&& values) {
  const auto n = static_cast<py::ssize_t>(values.size());
  return owned_array(std::move(values), {n});
}

// Per-connection arrays given from Python for a projection with a from_list connector.
struct ConnectionArrays {
  py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast> pre, post;
  std::optional<py::array_t<double, py::array::c_style | py::array::forcecast>> weight, delay_ms;
};

void fill_connections(pb::Network& message, const std::string& projection, const ConnectionArrays& c) {
  pb::Projection* proj = nullptr;
  for (auto& p : *message.mutable_projections())
    if (p.name() == projection) proj = &p;
  if (!proj) throw NameError("connections given for projection '" + projection + "', which the network lacks");
  if (!proj->has_from_list())
    throw std::invalid_argument("connections given for projection '" + projection +
                                "', whose connector is not from_list {}");
  const auto n = static_cast<std::size_t>(c.pre.size());
  auto check = [&](py::ssize_t size, const char* what) {
    if (static_cast<std::size_t>(size) != n)
      throw std::invalid_argument("projection '" + projection + "': " + what + " has " + std::to_string(size) +
                                  " entries, pre has " + std::to_string(n));
  };
  check(c.post.size(), "post");
  if (c.weight) check(c.weight->size(), "weight");
  if (c.delay_ms) check(c.delay_ms->size(), "delay_ms");
  auto* list = proj->mutable_from_list()->mutable_connections();
  list->Reserve(static_cast<int>(list->size() + n));
  const std::uint64_t* pre = c.pre.data();
  const std::uint64_t* post = c.post.data();
  const double* w = c.weight ? c.weight->data() : nullptr;
  const double* d = c.delay_ms ? c.delay_ms->data() : nullptr;
  for (std::size_t i = 0; i < n; ++i) {
    auto* conn = list->Add();
    conn->set_pre(pre[i]);
    conn->set_post(post[i]);
    if (w) conn->set_weight(w[i]);
    if (d) conn->set_delay_ms(d[i]);
  }
}

class NetworkSimulation {
 public:
  NetworkSimulation(LoadedNetwork loaded, std::optional<std::uint64_t> seed, std::optional<double> t_stop_ms)
      : loaded_(std::move(loaded)) {
    SimulationOverrides overrides;
    overrides.seed = seed;
    overrides.t_stop_ms = t_stop_ms;
    apply_overrides(loaded_.message, overrides);
    BuildNotes notes;
    sim_ = std::make_unique<Simulator>(build_network(loaded_, &notes));
    warnings_ = std::move(notes.warnings);
  }

  static std::unique_ptr<NetworkSimulation> from_file(const std::string& path, std::optional<std::uint64_t> seed,
                                                      std::optional<double> t_stop_ms) {
    return std::make_unique<NetworkSimulation>(load_network_file(path), seed, t_stop_ms);
  }
  static std::unique_ptr<NetworkSimulation> from_text(const std::string& text, const std::string& label,
                                                      std::optional<std::uint64_t> seed,
                                                      std::optional<double> t_stop_ms,
                                                      const std::map<std::string, ConnectionArrays>& connections) {
    LoadedNetwork loaded = parse_network_text(text, label);
    for (const auto& [name, arrays] : connections) fill_connections(loaded.message, name, arrays);
    return std::make_unique<NetworkSimulation>(std::move(loaded), seed, t_stop_ms);
  }

  // ---- running ----
  void run_until(double t_ms) {
    std::lock_guard lock(mutex_);
    if (!std::isfinite(t_ms)) throw std::invalid_argument("run_until: time must be finite, got " + std::to_string(t_ms));
    if (t_ms < sim_->time_ms())
      throw std::invalid_argument("run_until: " + std::to_string(t_ms) + " ms is before the current time " +
                                  std::to_string(sim_->time_ms()) + " ms");
    sim_->run_until(t_ms);
  }
  void run(double duration_ms) {
    if (!(duration_ms >= 0.0) || !std::isfinite(duration_ms))
      throw std::invalid_argument("run: duration_ms must be finite and >= 0, got " + std::to_string(duration_ms));
    double target;
    {
      std::lock_guard lock(mutex_);
      target = sim_->time_ms() + duration_ms;
    }
    run_until(target);
  }
  double time_ms() {
    std::lock_guard lock(mutex_);
    return sim_->time_ms();
  }
  double t_stop_ms() const { return sim_->network().settings.t_stop_ms; }
  std::uint64_t seed() const { return sim_->network().settings.seed; }
  const std::vector<std::string>& warnings() const { return warnings_; }

  // ---- description ----
  std::vector<std::string> population_names() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    for (const auto& p : net().populations) names.push_back(p->name());
    return names;
  }
  py::dict population_info(const std::string& name) {
    std::lock_guard lock(mutex_);
    const NeuronPopulation& p = population(name);
    py::dict d;
    d["id"] = p.id();
    d["size"] = p.size();
    d["model"] = std::string(p.model_name());
    const char* units[] = {"", "mV", "pA", "nS"};
    d["weight_unit"] = std::string(units[static_cast<int>(p.weight_unit())]);
    d["state_variables"] = p.state_variables();
    return d;
  }
  py::dict projection_kinds() {
    std::lock_guard lock(mutex_);
    py::dict d;
    for (const auto& p : net().projections) d[py::str(p.name())] = "static";
    for (const auto& p : net().eis_projections) d[py::str(p.name())] = "eis";
    for (const auto& p : net().stdp_projections) d[py::str(p.name())] = "stdp";
    return d;
  }
  std::vector<std::string> spike_recorder_names() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    for (const auto& r : net().spike_recorders) names.push_back(r.name());
    return names;
  }
  // Names of the populations a spike recorder records (all of them if it lists none).
  std::vector<std::string> spike_recorder_populations(const std::string& recorder) {
    std::lock_guard lock(mutex_);
    const SpikeRecorder& rec = spike_recorder(recorder);
    std::vector<std::string> names;
    if (rec.populations().empty())
      for (const auto& p : net().populations) names.push_back(p->name());
    else
      for (std::uint32_t id : rec.populations()) names.push_back(net().populations.at(id)->name());
    return names;
  }
  std::vector<std::string> state_recorder_names() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    for (const auto& r : net().state_recorders) names.push_back(r.name());
    for (const auto& r : net().conductance_recorders) names.push_back(r.name());
    return names;
  }
  std::string network_text() {
    std::lock_guard lock(mutex_);
    std::string text;
    google::protobuf::TextFormat::PrintToString(loaded_.message, &text);
    return text;
  }
  void save(const std::string& path) {
    std::lock_guard lock(mutex_);
    save_network_file(loaded_.message, path);
  }

  // ---- recordings ----
  // (time_ms float64, population uint32, neuron uint32), copied, ordered as the CLI's files.
  py::tuple spikes(const std::string& recorder, bool clear) {
    std::lock_guard lock(mutex_);
    SpikeRecorder& rec = spike_recorder(recorder);
    // The order of the CLI's files (SpikeRecorder::write): (time, population, neuron);
    // time-driven populations report a step's spikes at its end, so emission order differs.
    std::vector<SpikeRecord> s = rec.spikes();
    const auto earlier = [](const SpikeRecord& a, const SpikeRecord& b) {
      return std::tie(a.t_ms, a.population, a.neuron) < std::tie(b.t_ms, b.population, b.neuron);
    };
    if (!std::is_sorted(s.begin(), s.end(), earlier)) std::sort(s.begin(), s.end(), earlier);
    std::vector<double> t(s.size());
    std::vector<std::uint32_t> pop(s.size()), neuron(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      t[i] = s[i].t_ms;
      pop[i] = s[i].population;
      neuron[i] = s[i].neuron;
    }
    if (clear) rec.clear();
    return py::make_tuple(owned_array(std::move(t)), owned_array(std::move(pop)), owned_array(std::move(neuron)));
  }
  // (times_ms [samples], values [samples, neurons], neurons [neurons]), copied.
  py::tuple state(const std::string& recorder) {
    std::lock_guard lock(mutex_);
    const StateRecorder& rec = state_recorder(recorder);
    std::vector<double> t = rec.times_ms();
    std::vector<double> v = rec.values();
    std::vector<std::uint32_t> n = rec.neurons();
    const auto rows = static_cast<py::ssize_t>(t.size());
    const auto cols = static_cast<py::ssize_t>(n.size());
    return py::make_tuple(owned_array(std::move(t)), owned_array(std::move(v), {rows, cols}),
                          owned_array(std::move(n)));
  }
  std::uint64_t spike_count(const std::string& population_name) {
    std::lock_guard lock(mutex_);
    return sim_->counters().spikes_per_population.empty()
               ? 0
               : sim_->counters().spikes_per_population.at(population(population_name).id());
  }
  py::dict counters() {
    std::lock_guard lock(mutex_);
    const RunCounters& c = sim_->counters();
    py::dict d;
    d["events"] = c.events;
    d["spikes"] = c.spikes;
    d["synaptic_events"] = c.synaptic_events;
    return d;
  }

  // ---- synapses ----
  // Every synapse of a projection at the current time, in storage order:
  // dict(pre, post, delay_ms, and weight_<unit> | g_nS + energy_fJ + weight_<unit>).
  py::dict synapses(const std::string& projection) {
    std::lock_guard lock(mutex_);
    const RuntimeNetwork& n = net();
    const double now = sim_->time_ms();
    py::dict d;
    // Static and STDP projections: the same table, weights read by weight_of(p, k).
    const auto weight_table = [&](const auto& p, const auto& weight_of) {
      std::vector<double> w(p.synapse_count());
      std::vector<std::uint32_t> post(p.synapse_count());
      for (std::uint64_t k = 0; k < w.size(); ++k) {
        w[k] = weight_of(p, k);
        post[k] = p.synapses()[k].post;
      }
      d["pre"] = owned_array(p.presynaptic_indices());
      d["post"] = owned_array(std::move(post));
      d["delay_ms"] = owned_array(p.delays_ms());
      d[py::str("weight_" + unit_of(p.post_population()))] = owned_array(std::move(w));
      return d;
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
        std::vector<std::uint32_t> pre(count), post(count);
        std::vector<double> delay(count), g(count), e(count), w(count);
        for (std::uint64_t k = 0; k < count; ++k) {
          const EisProjection::Readout r = p.readout(k, now, pre_h, post_h);
          pre[k] = p.pre_of(k);
          post[k] = p.post_of(k);
          delay[k] = p.delay_of(k);
          g[k] = r.g_nS;
          e[k] = r.energy_fJ;
          w[k] = p.parameters().weight_per_nS * r.g_nS;
        }
        d["pre"] = owned_array(std::move(pre));
        d["post"] = owned_array(std::move(post));
        d["delay_ms"] = owned_array(std::move(delay));
        d["g_nS"] = owned_array(std::move(g));
        d["energy_fJ"] = owned_array(std::move(e));
        d[py::str("weight_" + unit_of(p.post_population()))] = owned_array(std::move(w));
        return d;
      }
    throw NameError("no projection named '" + projection + "'");
  }

  // ---- changes between runs ----
  void set_poisson_rates(const std::string& population_name,
                         const py::array_t<double, py::array::c_style | py::array::forcecast>& rates_Hz) {
    std::lock_guard lock(mutex_);
    const std::uint32_t id = population(population_name).id();
    auto* poisson = dynamic_cast<PoissonSourcePopulation*>(net().populations[id].get());
    if (!poisson)
      throw std::invalid_argument("set_poisson_rates: population '" + population_name + "' is a " +
                                  std::string(net().populations[id]->model_name()) + ", not a poisson_source");
    std::vector<double> rates(rates_Hz.data(), rates_Hz.data() + rates_Hz.size());
    if (rates.size() == 1) rates.assign(poisson->size(), rates[0]);
    if (rates.size() != poisson->size())
      throw std::invalid_argument("set_poisson_rates: " + std::to_string(rates.size()) + " rates for population '" +
                                  population_name + "' of size " + std::to_string(poisson->size()));
    for (double r : rates)
      if (!(r >= 0.0) || !std::isfinite(r))
        throw std::invalid_argument("set_poisson_rates: rates must be finite and >= 0 Hz, got " + std::to_string(r));
    sim_->modify_population(id, [&](NeuronPopulation&, EventContext& ctx, double now) {
      poisson->set_rates(rates, now, ctx);
    });
  }
  // Adds delta_pA to the injected current of the listed neurons (all if empty) from now on.
  void add_injected_current(const std::string& population_name, double delta_pA,
                            const std::vector<std::uint32_t>& neurons) {
    std::lock_guard lock(mutex_);
    const NeuronPopulation& p = population(population_name);
    if (!p.accepts_current())
      throw std::invalid_argument("add_injected_current: population '" + population_name + "' (" +
                                  std::string(p.model_name()) + ") takes no current");
    if (!std::isfinite(delta_pA)) throw std::invalid_argument("add_injected_current: delta_pA must be finite");
    for (std::uint32_t i : neurons)
      if (i >= p.size())
        throw std::out_of_range("add_injected_current: neuron " + std::to_string(i) + " of population '" +
                                population_name + "' of size " + std::to_string(p.size()));
    sim_->modify_population(p.id(), [&](NeuronPopulation& pop, EventContext& ctx, double now) {
      pop.add_injected_current(neurons, delta_pA, now, ctx);
    });
  }
  // Spikes of neurons of a spike_source_array now, besides their listed times.
  void fire(const std::string& population_name, const std::vector<std::uint32_t>& neurons) {
    std::lock_guard lock(mutex_);
    const std::uint32_t id = population(population_name).id();
    auto* source = dynamic_cast<SpikeSourceArrayPopulation*>(net().populations[id].get());
    if (!source)
      throw std::invalid_argument("fire: population '" + population_name + "' is not a spike_source_array");
    for (std::uint32_t i : neurons)
      if (i >= source->size())
        throw std::out_of_range("fire: neuron " + std::to_string(i) + " of population '" + population_name +
                                "' of size " + std::to_string(source->size()));
    sim_->modify_population(id, [&](NeuronPopulation&, EventContext& ctx, double now) {
      for (std::uint32_t i : neurons) source->fire(i, now, ctx);
    });
  }
  // Signed weights (target unit) of an STDP projection, in storage order.
  void set_stdp_weights(const std::string& projection,
                        const py::array_t<double, py::array::c_style | py::array::forcecast>& weights) {
    std::lock_guard lock(mutex_);
    StdpProjection& p = stdp_projection(projection);
    if (p.modulated())
      throw std::invalid_argument("set_stdp_weights: projection '" + projection +
                                  "' is dopamine-modulated; its weights cannot be set between runs from Python");
    if (static_cast<std::uint64_t>(weights.size()) != p.synapse_count())
      throw std::invalid_argument("set_stdp_weights: " + std::to_string(weights.size()) + " weights for " +
                                  std::to_string(p.synapse_count()) + " synapses of '" + projection + "'");
    const double lo = p.rule().w_min, hi = p.rule().w_max;
    for (py::ssize_t k = 0; k < weights.size(); ++k) {
      const double m = std::abs(weights.data()[k]);
      if (!(m >= lo && m <= hi))
        throw std::invalid_argument("set_stdp_weights: weight " + std::to_string(weights.data()[k]) + " of synapse " +
                                    std::to_string(k) + " of '" + projection + "' is outside [" + std::to_string(lo) +
                                    ", " + std::to_string(hi) + "] in magnitude");
    }
    for (py::ssize_t k = 0; k < weights.size(); ++k) p.set_weight(static_cast<std::uint64_t>(k), weights.data()[k]);
  }
  // Scales the STDP amplitudes (0: learning frozen); bounds and time constants stay.
  void set_stdp_amplitudes(const std::string& projection, double a2_plus, double a2_minus) {
    std::lock_guard lock(mutex_);
    StdpProjection& p = stdp_projection(projection);
    for (double a : {a2_plus, a2_minus})
      if (!(a >= 0.0 && a <= 1.0))
        throw std::invalid_argument("set_stdp_amplitudes: amplitudes must lie in [0, 1], got " + std::to_string(a));
    StdpRule rule = p.rule();
    rule.a2_plus = a2_plus;
    rule.a2_minus = a2_minus;
    p.set_rule(rule);
  }
  void set_eis_conductances(const std::string& projection,
                            const py::array_t<double, py::array::c_style | py::array::forcecast>& g_nS) {
    std::lock_guard lock(mutex_);
    const std::uint32_t j = eis_index(projection);
    if (static_cast<std::uint64_t>(g_nS.size()) != net().eis_projections[j].synapse_count())
      throw std::invalid_argument("set_eis_conductances: " + std::to_string(g_nS.size()) + " values for " +
                                  std::to_string(net().eis_projections[j].synapse_count()) + " synapses of '" +
                                  projection + "'");
    sim_->modify_eis_projection(j, [&](EisProjection& p, const SpikeHistory& pre, const SpikeHistory& post, double) {
      for (py::ssize_t k = 0; k < g_nS.size(); ++k)
        p.set_conductance(static_cast<std::uint64_t>(k), g_nS.data()[k], pre, post);
    });
  }
  void set_eis_frozen(const std::string& projection, bool frozen) {
    std::lock_guard lock(mutex_);
    sim_->modify_eis_projection(eis_index(projection),
                                [&](EisProjection& p, const SpikeHistory& pre, const SpikeHistory& post, double) {
                                  p.set_frozen(frozen, pre, post);
                                });
  }
  void set_eis_gate_factors(const std::string& projection, double a_pre, double a_post) {
    std::lock_guard lock(mutex_);
    sim_->modify_eis_projection(eis_index(projection),
                                [&](EisProjection& p, const SpikeHistory&, const SpikeHistory&, double) {
                                  p.set_gate_factors(a_pre, a_post);
                                });
  }

  // The CLI's output files (recorders, EIS conductances, STDP weights, summary.json) for
  // the run so far; returns the printed summary.
  std::string write_outputs(const std::string& dir, const std::string& label) {
    std::lock_guard lock(mutex_);
    RunReport report = make_report(*sim_, label, 0.0, 0.0);
    ionspike::write_outputs(*sim_, dir, report);
    return format_report(report, dir);
  }

 private:
  RuntimeNetwork& net() { return sim_->network(); }
  NeuronPopulation& population(const std::string& name) {
    for (auto& p : net().populations)
      if (p->name() == name) return *p;
    throw NameError("no population named '" + name + "'");
  }
  std::string unit_of(std::uint32_t population_id) {
    switch (net().populations[population_id]->weight_unit()) {
      case WeightUnit::mV: return "mV";
      case WeightUnit::pA: return "pA";
      case WeightUnit::nS: return "nS";
      default: return "none";
    }
  }
  SpikeRecorder& spike_recorder(const std::string& name) {
    for (auto& r : net().spike_recorders)
      if (r.name() == name) return r;
    throw NameError("no spike recorder named '" + name + "'");
  }
  const StateRecorder& state_recorder(const std::string& name) {
    for (const auto* list : {&net().state_recorders, &net().conductance_recorders})
      for (const auto& r : *list)
        if (r.name() == name) return r;
    throw NameError("no state or conductance recorder named '" + name + "'");
  }
  StdpProjection& stdp_projection(const std::string& name) {
    for (auto& p : net().stdp_projections)
      if (p.name() == name) return p;
    throw NameError("no STDP projection named '" + name + "'");
  }
  std::uint32_t eis_index(const std::string& name) {
    for (std::uint32_t j = 0; j < net().eis_projections.size(); ++j)
      if (net().eis_projections[j].name() == name) return j;
    throw NameError("no EIS projection named '" + name + "'");
  }

  LoadedNetwork loaded_;
  std::unique_ptr<Simulator> sim_;
  std::vector<std::string> warnings_;
  std::mutex mutex_;
};

}  // namespace

PYBIND11_MODULE(_ionspike, m) {
  m.doc() = "ionspike engine binding (use the `ionspike` package)";
  m.attr("__version__") = IONSPIKE_VERSION;

  // NetworkError(ValueError): a network input error, with its location.
  static py::exception<InputError> network_error(m, "NetworkError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      py::object instance = py::handle(network_error.ptr())(py::str(e.what()));
      instance.attr("file") = e.where().file;
      instance.attr("line") = e.where().line;
      instance.attr("column") = e.where().column;
      instance.attr("field") = e.field();
      instance.attr("message") = e.message();
      PyErr_SetObject(network_error.ptr(), instance.ptr());
    } catch (const NameError& e) {
      PyErr_SetString(PyExc_KeyError, e.what());
    }
  });

  py::class_<ConnectionArrays>(m, "ConnectionArrays")
      .def(py::init([](py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast> pre,
                       py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast> post,
                       std::optional<py::array_t<double, py::array::c_style | py::array::forcecast>> weight,
                       std::optional<py::array_t<double, py::array::c_style | py::array::forcecast>> delay_ms) {
             return ConnectionArrays{std::move(pre), std::move(post), std::move(weight), std::move(delay_ms)};
           }),
           py::arg("pre"), py::arg("post"), py::arg("weight") = py::none(), py::arg("delay_ms") = py::none());

  py::class_<NetworkSimulation>(m, "NetworkSimulation")
      .def_static("from_file", &NetworkSimulation::from_file, py::arg("path"), py::arg("seed") = py::none(),
                  py::arg("t_stop_ms") = py::none())
      .def_static("from_text", &NetworkSimulation::from_text, py::arg("text"), py::arg("label") = "<text>",
                  py::arg("seed") = py::none(), py::arg("t_stop_ms") = py::none(),
                  py::arg("connections") = std::map<std::string, ConnectionArrays>{})
      .def("run", &NetworkSimulation::run, py::arg("duration_ms"), py::call_guard<py::gil_scoped_release>())
      .def("run_until", &NetworkSimulation::run_until, py::arg("t_ms"), py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("time_ms", &NetworkSimulation::time_ms)
      .def_property_readonly("t_stop_ms", &NetworkSimulation::t_stop_ms)
      .def_property_readonly("seed", &NetworkSimulation::seed)
      .def_property_readonly("warnings", &NetworkSimulation::warnings)
      .def("population_names", &NetworkSimulation::population_names)
      .def("population_info", &NetworkSimulation::population_info, py::arg("population"))
      .def("projection_kinds", &NetworkSimulation::projection_kinds)
      .def("spike_recorder_names", &NetworkSimulation::spike_recorder_names)
      .def("spike_recorder_populations", &NetworkSimulation::spike_recorder_populations, py::arg("recorder"))
      .def("state_recorder_names", &NetworkSimulation::state_recorder_names)
      .def("network_text", &NetworkSimulation::network_text)
      .def("save", &NetworkSimulation::save, py::arg("path"))
      .def("spikes", &NetworkSimulation::spikes, py::arg("recorder"), py::arg("clear") = false)
      .def("state", &NetworkSimulation::state, py::arg("recorder"))
      .def("spike_count", &NetworkSimulation::spike_count, py::arg("population"))
      .def("counters", &NetworkSimulation::counters)
      .def("synapses", &NetworkSimulation::synapses, py::arg("projection"))
      .def("set_poisson_rates", &NetworkSimulation::set_poisson_rates, py::arg("population"), py::arg("rates_Hz"))
      .def("add_injected_current", &NetworkSimulation::add_injected_current, py::arg("population"),
           py::arg("delta_pA"), py::arg("neurons") = std::vector<std::uint32_t>{})
      .def("fire", &NetworkSimulation::fire, py::arg("population"), py::arg("neurons"))
      .def("set_stdp_weights", &NetworkSimulation::set_stdp_weights, py::arg("projection"), py::arg("weights"))
      .def("set_stdp_amplitudes", &NetworkSimulation::set_stdp_amplitudes, py::arg("projection"),
           py::arg("a2_plus"), py::arg("a2_minus"))
      .def("set_eis_conductances", &NetworkSimulation::set_eis_conductances, py::arg("projection"), py::arg("g_nS"))
      .def("set_eis_frozen", &NetworkSimulation::set_eis_frozen, py::arg("projection"), py::arg("frozen"))
      .def("set_eis_gate_factors", &NetworkSimulation::set_eis_gate_factors, py::arg("projection"),
           py::arg("a_pre"), py::arg("a_post"))
      .def("write_outputs", &NetworkSimulation::write_outputs, py::arg("dir"), py::arg("label") = "python");
}
