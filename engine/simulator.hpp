// The scheduler loop: pops events in their total order (engine/event.hpp), hands each to
// the population, projection, current source or recorder it belongs to, and routes the
// spikes emitted meanwhile through the projections' delay groups.
//
// Time runs continuously (double, ms). run_until(t) processes every event with time <= t
// and may be called again to continue; nothing is integrated on a global clock.
// Delays are axonal: a spike emitted at t reaches its targets at t + delay.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/event_context.hpp"
#include "engine/event_queue.hpp"
#include "engine/runtime_network.hpp"

namespace ionspike {

struct ParallelPlan;
class RankExchange;
class ThreadTeam;

struct RunCounters {
  std::uint64_t events = 0;            // events popped (including superseded predictions)
  std::uint64_t spikes = 0;            // spikes emitted by all populations
  std::uint64_t synaptic_events = 0;   // spike deliveries to single synapses
  std::vector<std::uint64_t> spikes_per_population;
};

class Simulator {
 public:
  // Called every few ten thousand events with the current and target time.
  using ProgressFn = std::function<void(double t_ms, double t_stop_ms)>;

  explicit Simulator(RuntimeNetwork network);
  // Movable, also mid-run: the new simulator continues exactly where the old one stopped
  // (its event context is rebound to its own queue). Not copyable.
  Simulator(Simulator&& other);
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;
  Simulator& operator=(Simulator&&) = delete;

  // Handles every event with time <= t_stop_ms; returns true. If the interrupt flag (see
  // set_interrupt_flag) is raised meanwhile, stops after the event being handled and returns
  // false: time_ms() is then that event's time, and the simulator may be checkpointed or
  // continued (the events left at that time follow, as in an uninterrupted run).
  bool run_until(double t_stop_ms, const ProgressFn& progress = {});
  // A flag (e.g. raised by a SIGINT handler) that run_until polls after every event (a
  // parallel run: after every time window, at most 50 ms of simulated time); null: none. The
  // flag must outlive the runs.
  void set_interrupt_flag(const std::atomic<bool>* flag) { interrupt_ = flag; }
  // Threads for run_until (initially the network's settings.threads). With more than one,
  // the network runs in parallel (engine/parallel_run.hpp) with results identical bit for
  // bit to one thread's, unless parallel_obstacle() names what keeps it serial.
  void set_threads(std::uint32_t threads);
  std::uint32_t threads() const { return threads_; }
  // Why run_until runs on one thread although threads() > 1, or "" (also when threads() == 1):
  // a part of the network that cannot run in parallel yet, or work that cannot be spread
  // (the plan predicts less than kMinParallelSpeedup).
  std::string parallel_obstacle() const;
  static constexpr double kMinParallelSpeedup = 1.25;
  // A distributed run (engine/rank_exchange.hpp): this simulator is one rank of several, each
  // built from the same network; run_until runs this rank's shards (threads() threads) and
  // exchanges spikes with the others at every window's end, so that every rank records every
  // spike. Neurons and synapses of other ranks' shards stay as they were on this rank
  // (rank_exchange()->rank() == 0 writes the outputs after consolidate_plastic_synapses()).
  // Null (the default) or one rank: a single process. Set before the first run (or after
  // restoring a checkpoint); neither the exchange nor the threads of a distributed run can
  // change once it started (std::logic_error). checkpoint() of a rank saves that rank's state.
  void set_rank_exchange(std::shared_ptr<RankExchange> exchange);
  RankExchange* rank_exchange() const { return exchange_.get(); }
  // Wall seconds this rank spent in the exchange's collectives inside run_until (the runs'
  // communication: not the build's collectives before, nor the consolidation after); 0
  // without an exchange.
  double communication_seconds() const { return run_communication_s_; }
  bool distributed() const;
  // After a distributed run: every rank receives the state of the plastic synapses (EIS and
  // STDP) that other ranks own, so that every rank holds the weights of the whole network (for
  // writing outputs). A collective: every rank calls it. Nothing to do in a single process.
  void consolidate_plastic_synapses();
  // Between runs: lets `change` act on population `population` at the current time with an
  // event context (e.g. PoissonSourcePopulation::set_rates), starting the network first if
  // needed; spikes it emits are routed as usual. For drivers of learning studies.
  void modify_population(std::uint32_t population,
                         const std::function<void(NeuronPopulation&, EventContext&, double now_ms)>& change);
  // Between runs: lets `change` read and modify EIS projection `projection` (index in
  // network().eis_projections, or its name) at the current time. The projection is first
  // synchronised at now (EisProjection::synchronise, which integrates nothing): inside
  // `change`, conductance(), set_conductance(), set_gate_factors() and set_frozen() act at
  // now. The network is started first if needed. For drivers of learning studies.
  using EisChangeFn = std::function<void(EisProjection&, const SpikeHistory& pre, const SpikeHistory& post,
                                         double now_ms)>;
  void modify_eis_projection(std::uint32_t projection, const EisChangeFn& change);
  void modify_eis_projection(const std::string& projection, const EisChangeFn& change);
  // Index of the EIS projection with this name; throws std::out_of_range if none.
  std::uint32_t eis_projection_index(const std::string& name) const;
  // Saves (ar.saving()) or restores the complete dynamic state between runs: time, pending
  // events, counters and the state of every population, plastic projection, neuromodulator,
  // spike history and recorder (engine/state_archive.hpp; engine/checkpoint_file.hpp stores
  // it). Restoring needs a simulator built from the same description and not yet run;
  // afterwards run_until continues exactly as the saved simulator would have.
  void checkpoint(StateArchive& ar);
  double time_ms() const { return now_ms_; }
  const RuntimeNetwork& network() const { return net_; }
  RuntimeNetwork& network() { return net_; }
  const RunCounters& counters() const { return counters_; }
  std::size_t pending_events() const { return queue_.size(); }

 private:
  friend bool run_parallel(Simulator&, const ParallelPlan&, double, const std::function<void(double, double)>&);
  friend void consolidate_plastic_synapses(Simulator&, const ParallelPlan&);
  void start();
  void route_emitted_spikes();
  // Handlers shared with parallel runs: `ctx` schedules the follow-up event.
  void handle_current_step(const Event& e, NeuronPopulation& target, EventContext& ctx);
  void handle_sample(const Event& e, EventContext& ctx);
  void deliver_eis(const Event& e);
  void deliver_static(const Event& e);
  void deliver_stdp(const Event& e);
  // A spike of `neuron` reaches its incoming plastic synapses at t_ms: EIS synapses are
  // brought up to date before its V_post starts, STDP synapses are potentiated.
  void post_spike_reaches_synapses(std::uint32_t population, std::uint32_t neuron, double t_ms);
  // Whether a restored event names an existing object of its kind.
  bool valid_event(const Event& e) const;
  // A spike of a neuromodulator's source population releases it at t_ms; a long history is
  // then folded after every modulated synapse has been brought up to t_ms.
  void release_neuromodulator(std::uint32_t modulator, double t_ms);

  RuntimeNetwork net_;
  EventQueue queue_;
  EventContext ctx_;
  std::vector<std::vector<std::uint32_t>> outgoing_;         // population -> projections
  std::vector<std::vector<std::uint32_t>> eis_incoming_;     // population -> EIS projections into it
  std::vector<std::vector<std::uint32_t>> stdp_incoming_;    // population -> STDP projections into it
  std::vector<StaticSynapse> eis_transmit_;                  // scratch: weights of one EIS group
  std::vector<std::vector<std::uint32_t>> spike_recorders_of_;  // population -> recorders
  std::vector<std::vector<std::uint32_t>> modulators_of_;       // population -> neuromodulators it releases
  RunCounters counters_;
  // The event being handled (spikes emitted in start() see a non-delivery placeholder).
  Event current_ = Event::make(0.0, EventKind::CurrentStep, 0);
  double now_ms_ = 0.0;
  bool started_ = false;
  const std::atomic<bool>* interrupt_ = nullptr;
  std::uint32_t threads_ = 1;
  // For threads_ > 1: the split into shards, made when first needed (also by parallel_obstacle),
  // and the threads, kept from one run_until to the next.
  mutable std::shared_ptr<const ParallelPlan> plan_;
  // parallel_obstacle() for threads_ (the network's structure does not change between runs).
  mutable std::optional<std::string> obstacle_;
  std::shared_ptr<ThreadTeam> team_;
  std::shared_ptr<RankExchange> exchange_;
  double run_communication_s_ = 0.0;  // communication_seconds()
};

}  // namespace ionspike
