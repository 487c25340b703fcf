// Interface of a population of neurons (or spike sources) of one model.
//
// The engine calls a population once per event, never once per synapse: a spike delivery
// hands over the whole run of synapses of one (spike, projection, delay) group, and the
// population loops over them with its own inlined update. State lives in the population as
// structure-of-arrays.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/event_context.hpp"
#include "engine/state_archive.hpp"
#include "synapses/static_synapse.hpp"
#include "synapses/uniform_weight_group.hpp"

namespace ionspike {

// Unit of the weights a population accepts; None for spike sources, which accept no input.
// mV: a jump of the membrane potential; pA: a jump of a synaptic current; nS: a jump of a
// synaptic conductance. Positive weights are excitatory, negative ones inhibitory.
enum class WeightUnit { None, mV, pA, nS };

class NeuronPopulation {
 public:
  NeuronPopulation(std::string name, std::uint32_t id, std::uint32_t size)
      : name_(std::move(name)), id_(id), size_(size) {}
  virtual ~NeuronPopulation() = default;
  NeuronPopulation(const NeuronPopulation&) = delete;
  NeuronPopulation& operator=(const NeuronPopulation&) = delete;

  const std::string& name() const { return name_; }
  std::uint32_t id() const { return id_; }
  std::uint32_t size() const { return size_; }

  virtual std::string_view model_name() const = 0;
  virtual WeightUnit weight_unit() const = 0;
  // Whether current sources may inject into it.
  virtual bool accepts_current() const { return weight_unit() != WeightUnit::None; }
  // How long after its time a spike may be reported (emitted into the context): 0 for
  // event-driven models, one step for time-driven ones.
  virtual double spike_report_delay_ms() const { return 0.0; }

  // Schedules the population's first events (source spikes, initial threshold crossings).
  virtual void start(EventContext& ctx) = 0;
  // Spikes arriving at t_ms through a run of synapses whose targets are in this population.
  virtual void deliver(double t_ms, std::span<const StaticSynapse> synapses, EventContext& ctx) = 0;
  // The same for a run of synapses that all carry `weight` (synapses/uniform_weight_group.hpp):
  // by default the run {target, weight} rebuilt and handed to deliver; a population may add the
  // weight itself, with the same result.
  virtual void deliver_uniform(double t_ms, std::span<const std::uint32_t> targets, float weight, EventContext& ctx) {
    deliver(t_ms, expand_uniform_group(targets, weight), ctx);
  }
  // An event this population scheduled for itself (kind SourceSpike or Threshold).
  virtual void on_own_event(const Event& e, EventContext& ctx) = 0;
  // Adds delta_pA to the injected current of the listed neurons (all if empty) from t_ms on.
  virtual void add_injected_current(std::span<const std::uint32_t> neurons, double delta_pA,
                                    double t_ms, EventContext& ctx) = 0;

  // Names of the state variables a recorder may sample (with units in the names).
  virtual std::vector<std::string> state_variables() const = 0;
  // Writes variable `variable` (index into state_variables()) of the listed neurons at t_ms
  // into out. Read-only: sampling never changes the dynamics, not even by rounding.
  virtual void sample(std::size_t variable, std::span<const std::uint32_t> neurons, double t_ms,
                      double* out) const = 0;

  // Saves or restores (ar.saving()) every variable an event or a between-run change may
  // alter, for checkpoints (engine/state_archive.hpp). Restoring happens on a population
  // built from the same description, before any event.
  virtual void checkpoint(StateArchive& ar) = 0;

  // Parallel runs (engine/parallel_run.hpp). A population that can be split into slices of
  // neurons returns the granularity of the slice boundaries (0: it cannot, and runs whole on
  // one thread). make_slice(begin, end) (begin, end multiples of the granularity, end may be
  // size()) returns neurons [begin, end) with their state as a population that evolves
  // exactly as those neurons would here: same arithmetic, same random draws, same order of
  // its spikes. Its size() is end - begin, but at its interface (deliver's targets, emitted
  // spikes, add_injected_current's and sample's neurons) it speaks the whole population's
  // neuron numbers. absorb_slice writes the state of such a slice back.
  virtual std::uint32_t slice_granularity() const { return 0; }
  virtual std::unique_ptr<NeuronPopulation> make_slice(std::uint32_t /*begin*/, std::uint32_t /*end*/) const {
    throw std::logic_error("population '" + name_ + "' cannot be split into slices");
  }
  virtual void absorb_slice(const NeuronPopulation& /*slice*/, std::uint32_t /*begin*/) {
    throw std::logic_error("population '" + name_ + "' cannot be split into slices");
  }

 private:
  std::string name_;
  std::uint32_t id_;
  std::uint32_t size_;
};

}  // namespace ionspike
