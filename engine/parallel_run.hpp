// Parallel runs: the network's neurons are split into shards (one per thread) that advance
// independently through conservative time windows and exchange spikes at the windows' ends.
// The windows run on a ThreadTeam (engine/thread_team.hpp); the shard count only decides how
// the work is cut, never the results (tested with several shards per thread).
// The output is bit for bit that of the serial engine (engine/simulator.hpp), for any thread
// count: every neuron and every synapse sees the same floating-point operations in the same
// order, and the spike recorders receive the same spikes in the same order.
//
// Design note.
// - Shards. A population that can be sliced (NeuronPopulation::slice_granularity: grid
//   populations on 512-neuron blocks, lif_delta and lif_exp on 64) is split into one
//   contiguous slice per shard; a population that cannot (spike sources, exact time-driven
//   models), is smaller than two slices, receives a current source, or is the target of a
//   connection list out of target order is owned whole by one shard, chosen to balance the
//   load. A slice is a population object of its own for the run
//   (NeuronPopulation::make_slice), written back when the run ends (absorb_slice), so
//   between runs the network is one object per population as always. A slice speaks the
//   whole population's neuron numbers, so synapses and spikes need no translation. State
//   recorders of a sliced population: each shard samples its neurons; the rows are
//   assembled after each window.
// - Synapses belong to the shard of their target (as in NEST): the arrival of a spike and
//   the spikes of the target neuron, the only events that change a synapse, are then handled
//   by one thread, and plastic updates need no locks. Delay groups are sorted by target
//   (connectors generate them so), so a group's synapses onto one shard are a contiguous
//   storage range, found once per run by binary search. A Delivery event is replicated to
//   every shard holding a slice of its target population; each handles its range. Trace
//   STDP keeps one copy of each group's presynaptic trace per shard
//   (StdpProjection::set_pre_trace_copies): each copy sees the same arrivals, so all equal
//   the serial trace.
// - Windows. Let L be the smallest axonal delay of any projection minus the report delay of
//   its presynaptic population (a time-driven neuron reports its spike up to one step late).
//   A spike emitted while handling an event at t >= T reaches its targets at >= T + L. So
//   the window [T, T + L) (T: the earliest pending event) can be run by every shard on its
//   own; the spikes emitted meanwhile are routed at the window's end (recorders, counters,
//   Delivery events into the shards' queues). What stays inside a shard happens immediately,
//   as in the serial engine: the start of a neuron's V_post / its STDP potentiation, its own
//   threshold, step and source events, current steps and recorder samples of its population.
// - Order of recorded spikes. The serial engine records spikes in the order it handles the
//   events that emit them. A shard handles its events in the serial order restricted to it;
//   its log tags each spike with the largest event key handled so far (an event scheduled
//   for an earlier key than the one being handled, e.g. a threshold crossing at the time of
//   the input that caused it, is handled next, right after it). Merging the shards' logs by
//   (tag, shard) is the serial order: equal tags across shards come only from a replicated
//   event (a step of, or a delivery into, a sliced population), whose serial handling visits
//   the neurons in ascending order, i.e. in shard order.
// - Counters count a replicated event once (in the first shard holding its population), so
//   they equal the serial counters.
// - The parallel windows handle the events up to t_stop; the steps that belong to a run only
//   through the rounding slack of t_stop, and the rest of a run whose windows would become
//   shorter than the rounding margin, are left to the serial loop (run_until); a distributed
//   run handles that slack itself (see "Ranks").
// - EIS synapses (synapses/eis_projection.hpp) are owned as above. They read the spike
//   histories of both neurons, so every shard keeps its own copy of the histories: its own
//   neurons' spikes enter when they happen (as in the serial engine), the other shards' at
//   the start of the next round. Nothing in a window needs the latter: a touch at t < T + L
//   reads presynaptic copies that started before t, i.e. spikes before t - d < T - report
//   delay, and every spike of the window was emitted at or after that. A copy forgets old
//   spikes only when a spike is added, by the serial rule, so it keeps at least what the
//   serial history keeps; spikes it keeps longer act on nothing still unintegrated. Cycle
//   noise is counter-based and the energy totals are exact sums kept per shard
//   (EisProjection::begin_shards), so neither depends on the order of updates. Conductance
//   recorders sample in the shards of their synapses' targets.
// - Ranks (a distributed run, engine/rank_exchange.hpp). The shards may be divided among
//   processes that each built the same network (or only their synapses of it, below): rank
//   r runs the contiguous shards [first_local_shard, end_local_shard) on its threads. At each window's end the ranks
//   exchange their shards' logs, samples and last event keys (one allgather), so that every
//   rank merges the same logs into the serial order and records every spike; each pushes
//   the arrivals of its own shards. The next window's start (minimum over the ranks),
//   interrupts and failures (any rank) are agreed; the steps of the rounding slack of t_stop
//   are handled one event key at a time over all ranks (run_until's serial loop sees only one
//   rank's events). Counters and EIS energy totals are summed over the ranks; the plastic
//   synapses other ranks own are fetched by consolidate_plastic_synapses (for outputs).
// - Per-rank synapses (RuntimeNetwork::distribution, networks/network_builder.hpp
//   BuildOptions). The split of populations into shards depends on population sizes,
//   current sources and connection lists only (plan_populations), never on synapse counts,
//   so a rank knows its targets before any synapse is generated, and keeps only the
//   synapses onto them (static, STDP and EIS; connection lists too). Group numbers stay
//   global (Delivery events carry them and the ranks compare events): every rank stores every
//   delay group of the whole projection, most of them empty locally. A group's synapses are
//   sorted by target and the ranks own ascending disjoint target ranges (a list out of target
//   order keeps its target population whole, on one rank), so the single-process storage
//   order of a group is the ranks' parts in rank order: rank 0 assembles so the STDP weights
//   and the EIS read-outs for the outputs. An EIS part knows the whole index of each of its
//   synapses (EisPart), which keys its cycle noise and names it in conductance recorders.
// Networks with neuromodulators, dopamine-modulated STDP or dopamine-modulated EIS synapses
// run serially for now (their releases act on every synapse at once), as do networks whose
// windows would be shorter than kShortestLookahead_ms or whose work the plan cannot spread
// (Simulator::parallel_obstacle says which).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ionspike {

struct RuntimeNetwork;
struct CurrentSource;
class NeuronPopulation;
class Simulator;

// The split of a network into shards, computed once per simulator and thread count.
struct ParallelPlan {
  struct Range {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
    bool empty() const { return begin == end; }
  };
  std::uint32_t threads = 1;  // per rank
  std::uint32_t shards = 1;   // a multiple of ranks * threads (several shards per thread even out their loads)
  // A distributed run (engine/rank_exchange.hpp): rank `rank` of `ranks` handles the shards
  // [first_local_shard(), end_local_shard()); a single process is rank 0 of 1.
  std::uint32_t ranks = 1;
  std::uint32_t rank = 0;
  std::uint32_t first_local_shard() const { return rank * (shards / ranks); }
  std::uint32_t end_local_shard() const { return (rank + 1) * (shards / ranks); }
  bool local(std::uint32_t shard) const { return shard >= first_local_shard() && shard < end_local_shard(); }
  // Window length L (ms); infinite when no projection carries spikes.
  double lookahead_ms = 0.0;
  std::vector<bool> sliced;                        // per population
  std::vector<std::vector<Range>> ranges;          // [population][shard]: neurons of the shard
  std::vector<std::uint32_t> first_shard;          // per population: first shard with neurons
  // Per projection (event object id: static, EIS, then STDP): for projections into sliced
  // populations, where each of this rank's shards' part of each group begins, at
  // [g * (local_shards() + 1) + s - first_local_shard()] (s = end_local_shard(): where the last
  // local shard's part ends); empty for projections into whole populations. Only this rank's
  // shards: with many ranks and many groups, a table of every shard would outgrow a rank's
  // synapses.
  std::vector<std::vector<std::uint64_t>> group_split;
  std::uint32_t local_shards() const { return shards / ranks; }
  // Storage positions [first, second) of local shard s's part of group g of projection j
  // (whose group_split is not empty).
  std::pair<std::uint64_t, std::uint64_t> group_part(std::uint32_t j, std::uint32_t g, std::uint32_t s) const {
    const std::uint64_t* at =
        group_split[j].data() + static_cast<std::size_t>(g) * (local_shards() + 1) + (s - first_local_shard());
    return {at[0], at[1]};
  }

  // Estimated work per shard (neurons; a spike source counts a tenth) and why the largest
  // population kept whole could not be sliced.
  std::vector<double> load;
  std::string largest_whole;
  // Run time on one thread over run time on ranks * threads, as the loads predict.
  double expected_speedup() const;

  // Which shard owns neuron `neuron` of population `population`.
  std::uint32_t shard_of(std::uint32_t population, std::uint32_t neuron) const;
};

// Windows shorter than this (L of a network whose smallest delay is hardly longer than its
// presynaptic step) would cost more than they bring: such networks run on one thread.
inline constexpr double kShortestLookahead_ms = 1e-3;

// Why `net` cannot run on several threads, or "" if it can.
std::string parallel_run_obstacle(const RuntimeNetwork& net);

// The split of the populations alone (a plan without lookahead_ms and group_split), from
// what exists before any synapse: the populations, the current sources, and which populations
// receive a connection list out of target order (unsorted_post, per population: why, or ""). Loads are
// counted in neurons, never synapses, so make_parallel_plan (which uses it) gives the same
// split before and after the synapses are built: a distributed build (BuildOptions) calls it
// to learn the targets of its rank before generating synapses.
std::shared_ptr<ParallelPlan> plan_populations(const std::vector<std::unique_ptr<NeuronPopulation>>& populations,
                                               const std::vector<CurrentSource>& current_sources,
                                               const std::vector<std::string>& unsorted_post, std::uint32_t threads,
                                               std::uint32_t shards_per_thread, std::uint32_t ranks = 1,
                                               std::uint32_t rank = 0);

// Splits `net` into ranks * threads * shards_per_thread shards (needs parallel_run_obstacle(net)
// == ""); the plan of rank `rank` (every rank's plan splits the network the same way).
std::shared_ptr<const ParallelPlan> make_parallel_plan(const RuntimeNetwork& net, std::uint32_t threads,
                                                       std::uint32_t shards_per_thread, std::uint32_t ranks = 1,
                                                       std::uint32_t rank = 0);

// The parallel part of Simulator::run_until (the simulator must have started): handles every
// event with time <= t_stop_ms on plan.threads threads, bit for bit as the serial loop would,
// and returns true; run_until's serial loop then handles the steps that belong to the run only
// through the rounding slack of t_stop (and everything left if the windows became too short
// to run). A distributed run (plan.ranks > 1) handles that slack itself, one event key at a
// time over all ranks, and throws if its windows became too short. Returns false when
// interrupted (noticed at the end of a window; in a distributed run, on any rank).
bool run_parallel(Simulator& sim, const ParallelPlan& plan, double t_stop_ms,
                  const std::function<void(double, double)>& progress);

// After a distributed run (plan.ranks > 1; Simulator::consolidate_plastic_synapses, a
// collective): every rank sends the V_post start histories of its neurons and, of projections
// kept whole, the stored state of the plastic synapses its shards own (EIS: G, device factor,
// energy; STDP: weight), and takes the other ranks'. Of per-rank projections rank 0 gathers
// every rank's STDP weights and EIS read-outs (DistributedBuild::gathered_stdp, gathered_eis).
void consolidate_plastic_synapses(Simulator& sim, const ParallelPlan& plan);

}  // namespace ionspike
