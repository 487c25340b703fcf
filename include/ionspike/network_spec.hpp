// A network description: the protobuf network of the format (networks/network.proto,
// docs/network-format.md) without its generated headers. Load it from a file or text, or
// build it in code; a Session (ionspike/session.hpp) validates and builds it.
//
//   ionspike::NetworkSpec net;
//   net.simulation({{"t_stop_ms", 500.0}, {"seed", 7}})
//      .population("input", 100, "poisson_source", {{"rate_Hz", 20.0}})
//      .population("cells", 10, "lif_exp", {{"tau_m_ms", 20.0}, {"v_th_mV", -50.0}})
//      .projection("drive", "input", "cells", ionspike::Connector::fixed_in_degree(20),
//                  ionspike::Weight::pA(80.0), ionspike::Distribution::uniform(0.5, 1.5))
//      .spike_recorder("spikes");
//
// Builder calls append to the description in call order and check field names and value
// kinds at once (NetworkError naming the field, e.g. "populations[1].lif_exp.tau_mx_ms");
// value ranges, references between names and everything else the format requires are
// checked when a Session builds the network, with the same field paths. text() gives the
// description as protobuf text: NetworkSpec::from_text(spec.text()) is the same network.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ionspike/connector.hpp"
#include "ionspike/parameters.hpp"
#include "ionspike/weight.hpp"

namespace ionspike {

class Session;

class NetworkSpec {
 public:
  // An empty network (format_version 1); `label` names it in error messages.
  explicit NetworkSpec(std::string label = "<code>");
  ~NetworkSpec();
  NetworkSpec(NetworkSpec&&) noexcept;
  NetworkSpec& operator=(NetworkSpec&&) noexcept;
  NetworkSpec(const NetworkSpec&) = delete;  // holds the parsed text's positions; see copy()
  NetworkSpec& operator=(const NetworkSpec&) = delete;
  // The same description (without the source positions of a parsed text: errors in the copy
  // name fields, not lines).
  NetworkSpec copy() const;

  // Reads a file: protobuf text (.pbtxt, .txtpb, .textproto) or binary (.pb, .bin).
  static NetworkSpec from_file(const std::string& path);
  // Parses protobuf text; `label` names it in error messages (with line and column).
  static NetworkSpec from_text(const std::string& text, const std::string& label = "<text>");

  // ---- building in code (each returns *this) ----
  // Simulation settings: t_stop_ms, seed, min_delay_ms, output_dir, threads.
  NetworkSpec& simulation(const Parameters& settings);
  // A population of `model` (lif_delta, lif_exp, lif_cond_exp, lif_cond_exp_adaptive, adex,
  // izhikevich, hh_1952, hh_traub_miles, poisson_source) with the model's parameters;
  // "dt_ms" and "input_timing" ("EXACT"/"ON_GRID") set those of the population itself.
  NetworkSpec& population(const std::string& name, std::uint64_t size, const std::string& model,
                          const Parameters& parameters = {});
  // A spike_source_array: one train of times (ms, increasing) per neuron, or one for all.
  NetworkSpec& spike_source_array(const std::string& name, std::uint64_t size,
                                  const std::vector<std::vector<double>>& trains_ms);
  // Waveforms a population's neurons emit (EIS synapses), by preset name ("antisymmetric", ...).
  NetworkSpec& pre_waveform(const std::string& population, const std::string& preset);
  NetworkSpec& post_waveform(const std::string& population, const std::string& preset);
  // A projection of static synapses; delay_ms default: simulation.min_delay_ms.
  NetworkSpec& projection(const std::string& name, const std::string& pre, const std::string& post,
                          const Connector& connector, const Weight& weight, const Distribution& delay_ms,
                          Receptor receptor = Receptor::excitatory);
  // Trace STDP synapses (StdpSynapses: tau_plus_ms, a2_plus, w_max_pA, pairing, ...); the
  // weight is the initial magnitude.
  NetworkSpec& stdp_projection(const std::string& name, const std::string& pre, const std::string& post,
                               const Connector& connector, const Weight& initial_weight,
                               const Distribution& delay_ms, const Parameters& stdp,
                               Receptor receptor = Receptor::excitatory);
  // Electrochemical ionic synapses (EisSynapses: device_preset, g_init_nS, weight_pA_per_nS, a_pre, ...).
  NetworkSpec& eis_projection(const std::string& name, const std::string& pre, const std::string& post,
                              const Connector& connector, const Distribution& delay_ms, const Parameters& eis);
  // Connections of a from_list projection: pre[i] -> post[i], optionally with one weight
  // (the projection's unit) and one delay (ms) each (empty spans: the projection's values).
  NetworkSpec& add_connections(const std::string& projection, std::span<const std::uint64_t> pre,
                               std::span<const std::uint64_t> post, std::span<const double> weight = {},
                               std::span<const double> delay_ms = {});
  // Piecewise-constant current: amplitudes_pA[i] from times_ms[i] on (all neurons if empty).
  NetworkSpec& current_source(const std::string& name, const std::string& target, const std::vector<double>& times_ms,
                              const std::vector<double>& amplitudes_pA, const std::vector<std::uint64_t>& neurons = {});
  NetworkSpec& neuromodulator(const std::string& name, const std::string& source, const Parameters& parameters = {});
  // Records spikes of the listed populations (all if empty).
  NetworkSpec& spike_recorder(const std::string& name, const std::vector<std::string>& populations = {});
  // Samples a state variable ("v_mV", "i_syn_ex_pA", ...) every interval_ms (all neurons if empty).
  NetworkSpec& state_recorder(const std::string& name, const std::string& population, const std::string& variable,
                              double interval_ms, const std::vector<std::uint64_t>& neurons = {});
  // Samples G (nS) of synapses of an EIS projection every interval_ms (all if empty).
  NetworkSpec& conductance_recorder(const std::string& name, const std::string& projection, double interval_ms,
                                    const std::vector<std::uint64_t>& synapses = {});

  // ---- changing what is there (e.g. in a copy() of a Session's network, to build again) ----
  // Parameters of an existing population, as in population(): {{"tau_m_ms", 15.0}}.
  NetworkSpec& set_population_parameters(const std::string& population, const Parameters& parameters);
  // Fields of an existing projection, by their names in the format: {{"weight_pA", 90.0}},
  // {{"delay_ms", Distribution::uniform(1, 2)}}, {{"stdp.a2_plus", 0.02}}, {{"fixed_probability.p", 0.2}},
  // {{"receptor", "INHIBITORY"}}.
  NetworkSpec& set_projection_parameters(const std::string& projection, const Parameters& parameters);

  // ---- reading and writing ----
  const std::string& label() const;
  std::string text() const;            // protobuf text
  std::string binary() const;          // protobuf binary (the .pb format)
  void save(const std::string& path) const;  // .pbtxt text or .pb binary, by extension; atomic

  struct Impl;  // defined in the library's sources (api/network_spec_impl.hpp)

 private:
  friend class Session;
  Impl& impl() { return *impl_; }
  explicit NetworkSpec(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ionspike
