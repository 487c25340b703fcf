// Spike sources: populations that emit spikes but receive no input.
//
// PoissonSourcePopulation: N independent Poisson trains of rate r on [start, stop). They
// are generated as one merged process, which is exactly equivalent in distribution: the
// superposition of N independent Poisson processes of rate r is a Poisson process of rate
// N r whose events belong to a uniformly chosen neuron. Intervals are drawn exactly from
// the exponential distribution (no time grid), and the population holds a single pending
// event whatever its size. Its random stream is ("poisson:" + name, seed).
// Rates may be set per neuron between runs (set_rates, e.g. an image's pixel intensities):
// the merged process then has rate sum(r_i) and its events belong to neuron i with
// probability r_i / sum(r_j) (binary search in the cumulative rates). A Poisson process is
// memoryless, so the pending event is redrawn from the time of the change; the superseded
// event stays in the queue and is recognised by its generation (Event::b) and dropped.
//
// SpikeSourceArrayPopulation: each neuron fires at its listed times (one train per neuron,
// or one train shared by all). The trains are merged once into a time-sorted list (ties by
// neuron index) that is walked with a single pending event.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/random_stream.hpp"
#include "neurons/neuron_population.hpp"

namespace ionspike {

// Shared behaviour of sources: no input, no state variables.
class SpikeSourcePopulation : public NeuronPopulation {
 public:
  using NeuronPopulation::NeuronPopulation;
  WeightUnit weight_unit() const override { return WeightUnit::None; }
  void deliver(double, std::span<const StaticSynapse>, EventContext&) override;
  void add_injected_current(std::span<const std::uint32_t>, double, double, EventContext&) override;
  std::vector<std::string> state_variables() const override { return {}; }
  void sample(std::size_t, std::span<const std::uint32_t>, double, double*) const override;
};

struct PoissonSourceParameters {
  double rate_Hz = 0.0;
  double start_ms = 0.0;
  double stop_ms = std::numeric_limits<double>::infinity();
};

class PoissonSourcePopulation final : public SpikeSourcePopulation {
 public:
  PoissonSourcePopulation(std::string name, std::uint32_t id, std::uint32_t size,
                          const PoissonSourceParameters& params, std::uint64_t seed);
  std::string_view model_name() const override { return "poisson_source"; }
  void start(EventContext& ctx) override;
  void on_own_event(const Event& e, EventContext& ctx) override;

  // From t_ms on, neuron i fires at rates_Hz[i] (one finite rate >= 0 per neuron), within
  // [start_ms, stop_ms) as before. Call between runs, through Simulator::modify_population.
  void set_rates(std::span<const double> rates_Hz, double t_ms, EventContext& ctx);
  // The same rate for every neuron.
  void set_rate(double rate_Hz, double t_ms, EventContext& ctx);
  double rate_Hz(std::uint32_t neuron) const;
  void checkpoint(StateArchive& ar) override;

 private:
  void schedule_after(double t_ms, EventContext& ctx);
  std::uint32_t draw_neuron();
  PoissonSourceParameters p_;
  double total_rate_per_ms_;
  std::vector<double> cumulative_rate_per_ms_;  // empty: every neuron at p_.rate_Hz
  std::uint32_t generation_ = 0;                // of the pending event (Event::b)
  RandomStream stream_;
};

class SpikeSourceArrayPopulation final : public SpikeSourcePopulation {
 public:
  // trains: one per neuron, or a single train for all neurons; each sorted ascending.
  SpikeSourceArrayPopulation(std::string name, std::uint32_t id, std::uint32_t size,
                             const std::vector<std::vector<double>>& trains_ms);
  std::string_view model_name() const override { return "spike_source_array"; }
  void start(EventContext& ctx) override;
  void on_own_event(const Event& e, EventContext& ctx) override;
  // Emits a spike of `neuron` at t_ms, the current time, besides the listed ones: for drivers
  // that decide at run time (e.g. a reward that releases dopamine), through
  // Simulator::modify_population.
  void fire(std::uint32_t neuron, double t_ms, EventContext& ctx);
  // The spike list is the description's; which spike comes next is in the pending event.
  void checkpoint(StateArchive&) override {}

 private:
  void schedule(std::size_t index, EventContext& ctx);
  std::vector<std::pair<double, std::uint32_t>> spikes_;  // (time ms, neuron), sorted
};

}  // namespace ionspike
