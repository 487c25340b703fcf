// A built network and its engine: run, continue, change what the engine allows between
// runs, read spikes, state and synapses as arrays, write the network back.
//
//   ionspike::Session s(ionspike::NetworkSpec::from_file("net.pbtxt"));
//   s.run_for(100.0);                      // ms
//   s.set_poisson_rate("input", 5.0);      // from now on
//   s.run_for(100.0);                      // continues: spikes equal those of one 200 ms run
//   ionspike::SpikeArrays spikes = s.spikes("spikes");
//
// Units are in every name (ms, mV, pA, nS, Hz). A Session is not thread-safe: calls on one
// Session must not overlap (the Python binding serialises them with a mutex).
// What cannot change between runs: neuron parameters other than injected current and
// Poisson rates, static weights, connectivity; edit the description and build a new
// Session instead (network().copy(), or from_text(network_text()) with the text edited).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ionspike/arrays.hpp"
#include "ionspike/network_info.hpp"
#include "ionspike/network_spec.hpp"

namespace ionspike {

// Values that win over the description's simulation settings (as `ionspike run --seed --t-stop`).
struct SessionOptions {
  std::optional<std::uint64_t> seed;
  std::optional<double> t_stop_ms;
};

class Session {
 public:
  // Validates and builds the network (NetworkError naming file, line, column and field).
  explicit Session(NetworkSpec network, const SessionOptions& options = {});
  static Session from_file(const std::string& path, const SessionOptions& options = {});
  static Session from_text(const std::string& text, const std::string& label = "<text>",
                           const SessionOptions& options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  // ---- running ----
  void run_for(double duration_ms);  // simulates duration_ms more (>= 0)
  void run_until(double t_ms);       // up to t_ms (not before time_ms())
  void run();                        // up to simulation.t_stop_ms (nothing if already there)
  double time_ms() const;
  double t_stop_ms() const;
  std::uint64_t seed() const;
  const std::vector<std::string>& warnings() const;  // build warnings (e.g. populations that can never fire)
  // Threads that run the network (initially simulation.threads); any count gives the same
  // results bit for bit. set_threads between runs (>= 1). serial_reason(): why the runs use
  // one thread although more were asked for (e.g. EIS synapses), or "".
  std::uint32_t threads() const;
  void set_threads(std::uint32_t threads);
  std::string serial_reason() const;

  // ---- description ----
  std::vector<PopulationInfo> populations() const;  // in id order
  PopulationInfo population(const std::string& name) const;
  std::vector<ProjectionInfo> projections() const;  // static, then EIS, then STDP projections
  std::vector<SpikeRecorderInfo> spike_recorders() const;
  std::vector<std::string> state_recorders() const;  // state recorders, then conductance recorders
  // The description that was built (after the options), e.g. to save or copy it.
  const NetworkSpec& network() const;
  std::string network_text() const;
  void save(const std::string& path) const;  // .pbtxt or .pb

  // ---- recordings (copies: the engine keeps appending to its buffers) ----
  // clear = true hands the spikes over and empties the recorder (long runs read in pieces).
  SpikeArrays spikes(const std::string& recorder, bool clear = false);
  StateArrays state(const std::string& recorder) const;
  std::uint64_t spike_count(const std::string& population) const;
  double rate_Hz(const std::string& population) const;  // mean over the simulated time
  EventCounts counts() const;

  // ---- synapses at the current time ----
  SynapseArrays synapses(const std::string& projection) const;
  std::vector<double> weights(const std::string& projection) const;          // signed, storage order
  std::vector<double> conductances_nS(const std::string& projection) const;  // EIS projections

  // ---- changes between runs (they act at time_ms()) ----
  // One rate per neuron, or a single rate for all.
  void set_poisson_rates(const std::string& population, std::span<const double> rates_Hz);
  void set_poisson_rate(const std::string& population, double rate_Hz);
  // Adds delta_pA to the injected current of the listed neurons (all if empty) from now on.
  void add_injected_current(const std::string& population, double delta_pA,
                            std::span<const std::uint32_t> neurons = {});
  // Neurons of a spike_source_array spike now, besides their listed times.
  void fire(const std::string& population, std::span<const std::uint32_t> neurons);
  // Signed weights of an STDP projection (magnitudes within the rule's bounds), storage order.
  void set_stdp_weights(const std::string& projection, std::span<const double> weights);
  // New pair amplitudes in [0, 1] (0, 0 freezes learning).
  void set_stdp_amplitudes(const std::string& projection, double a2_plus, double a2_minus);
  // EIS projections: G of every synapse (storage order), freezing, gate factors.
  void set_eis_conductances_nS(const std::string& projection, std::span<const double> g_nS);
  void set_eis_frozen(const std::string& projection, bool frozen);
  void set_eis_gate_factors(const std::string& projection, double a_pre, double a_post);

  // The command line's output files for the run so far (recorders, EIS conductances, STDP
  // weights, summary.json) in `directory`; returns the printed summary.
  std::string write_outputs(const std::string& directory, const std::string& label = "session") const;

  // ---- checkpoints (docs/checkpoints.md) ----
  // Writes the complete state (every neuron, synapse, device, trace, pending event, random
  // stream and recording) with the network to `path`, atomically. Between runs only.
  void save_checkpoint(const std::string& path);
  // A session that continues a saved one exactly: its further spikes, samples and weights are
  // bit-identical to those the saved session would have produced. options.t_stop_ms may move
  // the stop time; options.seed must stay unset (the network is the stored one). A corrupt,
  // foreign or mismatched checkpoint throws CheckpointFileError.
  static Session resume(const std::string& path, const SessionOptions& options = {});

 private:
  struct Impl;
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ionspike
