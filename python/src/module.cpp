// _ionspike: the Python binding of ionspike's public C++ API (include/ionspike/, pybind11).
// The pure-Python package `ionspike` (python/ionspike/__init__.py) wraps it; docs/python.md
// describes the API. Every behaviour lives in ionspike::Session and ionspike::NetworkSpec
// (api/); this file converts arguments and results and adds a mutex.
//
// Arrays returned to Python are NumPy arrays that own their memory. The vectors the Session
// returns (SpikeArrays, StateArrays, SynapseArrays) are moved into the arrays, no copy here;
// the Session itself copies recorder data once (the engine keeps appending to its buffers in
// later runs, so a view could dangle) and builds synapse tables fresh at each call.
// Arrays given from Python (rates, weights, conductances, connections) are read in place
// through spans (forcecast copies only arrays of another dtype or layout).
//
// Errors: ionspike::NetworkError becomes ionspike.NetworkError (a ValueError) with the
// attributes file, line, column, field and message; ionspike::UnknownNameError KeyError;
// std::invalid_argument ValueError, std::out_of_range IndexError (pybind11's defaults).
//
// Threads: run() releases the GIL. A mutex serialises every call on one simulation, so
// another Python thread reading it while it runs waits instead of racing.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <ionspike/ionspike.hpp>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace {

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using IndexArray = py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>;

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

template <typename T>
std::span<const T> view(const py::array_t<T, py::array::c_style | py::array::forcecast>& a) {
  return {a.data(), static_cast<std::size_t>(a.size())};
}

// Per-connection arrays given from Python for a projection with a from_list connector.
struct ConnectionArrays {
  IndexArray pre, post;
  std::optional<DoubleArray> weight, delay_ms;
};

const char* kind_name(ionspike::ProjectionKind kind) {
  switch (kind) {
    case ionspike::ProjectionKind::stdp: return "stdp";
    case ionspike::ProjectionKind::eis: return "eis";
    default: return "static";
  }
}

class NetworkSimulation {
 public:
  explicit NetworkSimulation(ionspike::Session session) : s_(std::move(session)) {}

  static std::unique_ptr<NetworkSimulation> from_file(const std::string& path, std::optional<std::uint64_t> seed,
                                                      std::optional<double> t_stop_ms) {
    return std::make_unique<NetworkSimulation>(ionspike::Session::from_file(path, {seed, t_stop_ms}));
  }
  static std::unique_ptr<NetworkSimulation> from_text(const std::string& text, const std::string& label,
                                                      std::optional<std::uint64_t> seed,
                                                      std::optional<double> t_stop_ms,
                                                      const std::map<std::string, ConnectionArrays>& connections) {
    ionspike::NetworkSpec spec = ionspike::NetworkSpec::from_text(text, label);
    for (const auto& [name, c] : connections)
      spec.add_connections(name, view(c.pre), view(c.post), c.weight ? view(*c.weight) : std::span<const double>{},
                           c.delay_ms ? view(*c.delay_ms) : std::span<const double>{});
    return std::make_unique<NetworkSimulation>(ionspike::Session(std::move(spec), {seed, t_stop_ms}));
  }

  static std::unique_ptr<NetworkSimulation> resume(const std::string& path, std::optional<double> t_stop_ms) {
    return std::make_unique<NetworkSimulation>(ionspike::Session::resume(path, {std::nullopt, t_stop_ms}));
  }
  void save_checkpoint(const std::string& path) {
    std::lock_guard lock(mutex_);
    s_.save_checkpoint(path);
  }

  // ---- running (the GIL is released around these) ----
  void run_until(double t_ms) {
    std::lock_guard lock(mutex_);
    s_.run_until(t_ms);
  }
  void run(double duration_ms) {
    std::lock_guard lock(mutex_);
    s_.run_for(duration_ms);
  }
  double time_ms() {
    std::lock_guard lock(mutex_);
    return s_.time_ms();
  }
  double t_stop_ms() const { return s_.t_stop_ms(); }
  std::uint32_t threads() {
    std::lock_guard lock(mutex_);
    return s_.threads();
  }
  void set_threads(std::uint32_t threads) {
    std::lock_guard lock(mutex_);
    s_.set_threads(threads);
  }
  std::string serial_reason() {
    std::lock_guard lock(mutex_);
    return s_.serial_reason();
  }
  std::uint64_t seed() const { return s_.seed(); }
  const std::vector<std::string>& warnings() const { return s_.warnings(); }

  // ---- description ----
  std::vector<std::string> population_names() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    for (const auto& p : s_.populations()) names.push_back(p.name);
    return names;
  }
  py::dict population_info(const std::string& name) {
    std::lock_guard lock(mutex_);
    const ionspike::PopulationInfo p = s_.population(name);
    py::dict d;
    d["id"] = p.id;
    d["size"] = p.size;
    d["model"] = p.model;
    d["weight_unit"] = p.weight_unit;
    d["state_variables"] = p.state_variables;
    return d;
  }
  py::dict projection_kinds() {
    std::lock_guard lock(mutex_);
    py::dict d;
    for (const auto& p : s_.projections()) d[py::str(p.name)] = kind_name(p.kind);
    return d;
  }
  std::vector<std::string> spike_recorder_names() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    for (const auto& r : s_.spike_recorders()) names.push_back(r.name);
    return names;
  }
  std::vector<std::string> spike_recorder_populations(const std::string& recorder) {
    std::lock_guard lock(mutex_);
    for (auto& r : s_.spike_recorders())
      if (r.name == recorder) return std::move(r.populations);
    throw ionspike::UnknownNameError("no spike recorder named '" + recorder + "'");
  }
  std::vector<std::string> state_recorder_names() {
    std::lock_guard lock(mutex_);
    return s_.state_recorders();
  }
  std::string network_text() {
    std::lock_guard lock(mutex_);
    return s_.network_text();
  }
  void save(const std::string& path) {
    std::lock_guard lock(mutex_);
    s_.save(path);
  }

  // ---- recordings ----
  py::tuple spikes(const std::string& recorder, bool clear) {
    std::lock_guard lock(mutex_);
    ionspike::SpikeArrays s = s_.spikes(recorder, clear);
    return py::make_tuple(owned_array(std::move(s.times_ms)), owned_array(std::move(s.population)),
                          owned_array(std::move(s.neuron)));
  }
  py::tuple state(const std::string& recorder) {
    std::lock_guard lock(mutex_);
    ionspike::StateArrays s = s_.state(recorder);
    const auto rows = static_cast<py::ssize_t>(s.times_ms.size());
    const auto cols = static_cast<py::ssize_t>(s.columns.size());
    return py::make_tuple(owned_array(std::move(s.times_ms)), owned_array(std::move(s.values), {rows, cols}),
                          owned_array(std::move(s.columns)));
  }
  std::uint64_t spike_count(const std::string& population) {
    std::lock_guard lock(mutex_);
    return s_.spike_count(population);
  }
  py::dict counters() {
    std::lock_guard lock(mutex_);
    const ionspike::EventCounts c = s_.counts();
    py::dict d;
    d["events"] = c.events;
    d["spikes"] = c.spikes;
    d["synaptic_events"] = c.synaptic_events;
    return d;
  }

  // ---- synapses: dict(pre, post, delay_ms, weight_<unit> [, g_nS, energy_fJ]) ----
  py::dict synapses(const std::string& projection) {
    std::lock_guard lock(mutex_);
    const bool eis = is_eis(projection);
    ionspike::SynapseArrays s = s_.synapses(projection);
    py::dict d;
    d["pre"] = owned_array(std::move(s.pre));
    d["post"] = owned_array(std::move(s.post));
    d["delay_ms"] = owned_array(std::move(s.delay_ms));
    if (eis) {
      d["g_nS"] = owned_array(std::move(s.g_nS));
      d["energy_fJ"] = owned_array(std::move(s.energy_fJ));
    }
    d[py::str("weight_" + (s.weight_unit.empty() ? std::string("none") : s.weight_unit))] =
        owned_array(std::move(s.weight));
    return d;
  }

  // ---- changes between runs ----
  void set_poisson_rates(const std::string& population, const DoubleArray& rates_Hz) {
    std::lock_guard lock(mutex_);
    s_.set_poisson_rates(population, view(rates_Hz));
  }
  void add_injected_current(const std::string& population, double delta_pA,
                            const std::vector<std::uint32_t>& neurons) {
    std::lock_guard lock(mutex_);
    s_.add_injected_current(population, delta_pA, neurons);
  }
  void fire(const std::string& population, const std::vector<std::uint32_t>& neurons) {
    std::lock_guard lock(mutex_);
    s_.fire(population, neurons);
  }
  void set_stdp_weights(const std::string& projection, const DoubleArray& weights) {
    std::lock_guard lock(mutex_);
    s_.set_stdp_weights(projection, view(weights));
  }
  void set_stdp_amplitudes(const std::string& projection, double a2_plus, double a2_minus) {
    std::lock_guard lock(mutex_);
    s_.set_stdp_amplitudes(projection, a2_plus, a2_minus);
  }
  void set_eis_conductances(const std::string& projection, const DoubleArray& g_nS) {
    std::lock_guard lock(mutex_);
    s_.set_eis_conductances_nS(projection, view(g_nS));
  }
  void set_eis_frozen(const std::string& projection, bool frozen) {
    std::lock_guard lock(mutex_);
    s_.set_eis_frozen(projection, frozen);
  }
  void set_eis_gate_factors(const std::string& projection, double a_pre, double a_post) {
    std::lock_guard lock(mutex_);
    s_.set_eis_gate_factors(projection, a_pre, a_post);
  }
  std::string write_outputs(const std::string& dir, const std::string& label) {
    std::lock_guard lock(mutex_);
    return s_.write_outputs(dir, label);
  }

 private:
  bool is_eis(const std::string& projection) const {
    for (const auto& p : s_.projections())
      if (p.name == projection) return p.kind == ionspike::ProjectionKind::eis;
    return false;  // s_.synapses() reports the unknown name
  }

  ionspike::Session s_;
  std::mutex mutex_;
};

}  // namespace

PYBIND11_MODULE(_ionspike, m) {
  m.doc() = "ionspike engine binding (use the `ionspike` package)";
  m.attr("__version__") = ionspike::version();

  // NetworkError(ValueError): a network input error, with its location.
  static py::exception<ionspike::NetworkError> network_error(m, "NetworkError", PyExc_ValueError);
  // CheckpointError(ValueError): a checkpoint that is corrupt, foreign or of another version.
  static py::exception<ionspike::CheckpointFileError> checkpoint_error(m, "CheckpointError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ionspike::NetworkError& e) {
      py::object instance = py::handle(network_error.ptr())(py::str(e.what()));
      instance.attr("file") = e.file();
      instance.attr("line") = e.line();
      instance.attr("column") = e.column();
      instance.attr("field") = e.field();
      instance.attr("message") = e.message();
      PyErr_SetObject(network_error.ptr(), instance.ptr());
    } catch (const ionspike::UnknownNameError& e) {
      PyErr_SetString(PyExc_KeyError, e.what());
    } catch (const ionspike::CheckpointFileError& e) {
      PyErr_SetString(checkpoint_error.ptr(), e.what());
    }
  });

  py::class_<ConnectionArrays>(m, "ConnectionArrays")
      .def(py::init([](IndexArray pre, IndexArray post, std::optional<DoubleArray> weight,
                       std::optional<DoubleArray> delay_ms) {
             return ConnectionArrays{std::move(pre), std::move(post), std::move(weight), std::move(delay_ms)};
           }),
           py::arg("pre"), py::arg("post"), py::arg("weight") = py::none(), py::arg("delay_ms") = py::none());

  py::class_<NetworkSimulation>(m, "NetworkSimulation")
      .def_static("from_file", &NetworkSimulation::from_file, py::arg("path"), py::arg("seed") = py::none(),
                  py::arg("t_stop_ms") = py::none())
      .def_static("from_text", &NetworkSimulation::from_text, py::arg("text"), py::arg("label") = "<text>",
                  py::arg("seed") = py::none(), py::arg("t_stop_ms") = py::none(),
                  py::arg("connections") = std::map<std::string, ConnectionArrays>{})
      .def_static("resume", &NetworkSimulation::resume, py::arg("path"), py::arg("t_stop_ms") = py::none(),
                  py::call_guard<py::gil_scoped_release>())
      .def("save_checkpoint", &NetworkSimulation::save_checkpoint, py::arg("path"),
           py::call_guard<py::gil_scoped_release>())
      .def("run", &NetworkSimulation::run, py::arg("duration_ms"), py::call_guard<py::gil_scoped_release>())
      .def("run_until", &NetworkSimulation::run_until, py::arg("t_ms"), py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("time_ms", &NetworkSimulation::time_ms)
      .def_property_readonly("t_stop_ms", &NetworkSimulation::t_stop_ms)
      .def_property("threads", &NetworkSimulation::threads, &NetworkSimulation::set_threads)
      .def_property_readonly("serial_reason", &NetworkSimulation::serial_reason)
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
