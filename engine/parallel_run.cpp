#include "engine/parallel_run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <cstring>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "engine/rank_exchange.hpp"
#include "engine/simulator.hpp"
#include "engine/thread_team.hpp"

namespace ionspike {

namespace {

// Smallest delay of any projection minus the report delay of its presynaptic population.
double window_lookahead_ms(const RuntimeNetwork& net) {
  double lookahead = std::numeric_limits<double>::infinity();
  const auto visit = [&](const auto& proj) {
    const double report_ms = net.populations[proj.pre_population()]->spike_report_delay_ms();
    for (std::uint32_t g = 0; g < proj.group_count(); ++g)
      lookahead = std::min(lookahead, proj.group_delay_ms(g) - report_ms);
  };
  for (const StaticProjection& proj : net.projections) visit(proj);
  for (const EisProjection& proj : net.eis_projections) visit(proj);
  for (const StdpProjection& proj : net.stdp_projections) visit(proj);
  return lookahead;
}

// Target of the synapse at storage position k.
std::uint32_t target_at(const StaticProjection& proj, std::uint64_t k) { return proj.synapses()[k].post; }
std::uint32_t target_at(const StdpProjection& proj, std::uint64_t k) { return proj.stored_synapses()[k].post; }
std::uint32_t target_at(const EisProjection& proj, std::uint64_t k) { return proj.post_of(k); }

// Storage position where shard s's part of group g begins (s = shards: the group's end);
// the targets of a group are sorted and the shards' ranges contiguous and ascending, so it is
// the first synapse whose target lies at or beyond the end of shard s - 1's range.
template <class Projection>
std::uint64_t part_begin(const Projection& proj, std::uint32_t g, const std::vector<ParallelPlan::Range>& ranges,
                         std::uint32_t s) {
  std::uint64_t lo = proj.group_first(g), hi = proj.group_first(g + 1);
  if (s == 0) return lo;
  const std::uint32_t bound = ranges[s - 1].end;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    if (target_at(proj, mid) < bound)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

// ParallelPlan::group_split of one projection: where each of the shards [first, end)'s part
// of each group begins, and where the last one's ends.
template <class Projection>
std::vector<std::uint64_t> split_groups(const Projection& proj, const std::vector<ParallelPlan::Range>& ranges,
                                        std::uint32_t first, std::uint32_t end) {
  const std::uint32_t groups = proj.group_count();
  const std::uint32_t width = end - first + 1;
  std::vector<std::uint64_t> split(static_cast<std::size_t>(groups) * width);
  for (std::uint32_t g = 0; g < groups; ++g)
    for (std::uint32_t s = first; s <= end; ++s)
      split[static_cast<std::size_t>(g) * width + (s - first)] = part_begin(proj, g, ranges, s);
  return split;
}

}  // namespace

std::uint32_t ParallelPlan::shard_of(std::uint32_t population, std::uint32_t neuron) const {
  const std::vector<Range>& r = ranges[population];
  for (std::uint32_t s = 0; s < shards; ++s)
    if (neuron >= r[s].begin && neuron < r[s].end) return s;
  throw std::logic_error("ParallelPlan: neuron " + std::to_string(neuron) + " of population " +
                         std::to_string(population) + " belongs to no shard");
}

double ParallelPlan::expected_speedup() const {
  double total = 0.0, largest = 0.0;
  for (double l : load) {
    total += l;
    largest = std::max(largest, l);
  }
  const double workers = static_cast<double>(threads) * ranks;
  const double per_thread = largest * static_cast<double>(shards) / workers;
  return largest > 0.0 ? std::min(total / per_thread, workers) : 1.0;
}

std::string parallel_run_obstacle(const RuntimeNetwork& net) {
  for (const EisProjection& proj : net.eis_projections)
    if (proj.modulated())
      return "dopamine-modulated EIS projection '" + proj.name() + "': runs on one thread for now";
  if (!net.neuromodulators.empty())
    return "neuromodulator '" + net.neuromodulators.front().name() + "': neuromodulators run on one thread for now";
  for (const StdpProjection& proj : net.stdp_projections)
    if (proj.modulated())
      return "dopamine-modulated STDP projection '" + proj.name() + "': runs on one thread for now";
  const double lookahead_ms = window_lookahead_ms(net);
  if (!(lookahead_ms >= kShortestLookahead_ms))
    return "a projection's delay is not longer than the step of its presynaptic population by " +
           std::to_string(kShortestLookahead_ms) + " ms or more (" + std::to_string(std::max(lookahead_ms, 0.0)) +
           " ms), so there is no time window in which the threads could run on their own";
  return {};
}

std::shared_ptr<ParallelPlan> plan_populations(const std::vector<std::unique_ptr<NeuronPopulation>>& pops,
                                               const std::vector<CurrentSource>& current_sources,
                                               const std::vector<std::string>& unsorted_post, std::uint32_t threads,
                                               std::uint32_t shards_per_thread, std::uint32_t ranks,
                                               std::uint32_t rank) {
  if (threads < 1 || shards_per_thread < 1 || ranks < 1 || rank >= ranks)
    throw std::invalid_argument("make_parallel_plan: needs at least one thread, one shard per thread, and a rank "
                                "below the rank count");
  // Shards are numbered in 32 bits; a product beyond that (a corrupt checkpoint's thread
  // count, say) is refused, not wrapped.
  const std::uint64_t shard_count = std::uint64_t{ranks} * threads * shards_per_thread;
  if (shard_count > (1u << 20))
    throw std::invalid_argument("make_parallel_plan: " + std::to_string(ranks) + " ranks x " + std::to_string(threads) +
                                " threads x " + std::to_string(shards_per_thread) +
                                " shards per thread is above 2^20 shards");
  const auto shards = static_cast<std::uint32_t>(shard_count);
  auto plan = std::make_shared<ParallelPlan>();
  plan->threads = threads;
  plan->ranks = ranks;
  plan->rank = rank;
  const auto populations = static_cast<std::uint32_t>(pops.size());
  plan->shards = shards;
  plan->sliced.assign(populations, false);
  plan->ranges.assign(populations, std::vector<ParallelPlan::Range>(shards));
  plan->first_shard.assign(populations, 0);

  // Which populations are sliced: those that can be, have at least two blocks, receive no
  // current source, and whose incoming groups are sorted by target.
  std::vector<std::string> whole(populations);  // why a population runs whole ("" if it need not)
  for (const CurrentSource& src : current_sources) whole[src.population] = "it receives a current source";
  for (std::uint32_t p = 0; p < populations && p < unsorted_post.size(); ++p)
    if (!unsorted_post[p].empty()) whole[p] = unsorted_post[p];
  for (std::uint32_t p = 0; p < populations; ++p) {
    const NeuronPopulation& pop = *pops[p];
    if (!whole[p].empty()) continue;
    if (pop.slice_granularity() == 0)
      whole[p] = "its model (" + std::string(pop.model_name()) + ") cannot be split into slices yet";
    else if (pop.size() < 2 * pop.slice_granularity())
      whole[p] = "it is smaller than two slices of " + std::to_string(pop.slice_granularity()) + " neurons";
  }
  std::vector<double>& load = plan->load;
  load.assign(shards, 0.0);
  for (std::uint32_t p = 0; p < populations; ++p) {
    const NeuronPopulation& pop = *pops[p];
    const std::uint32_t granularity = pop.slice_granularity();
    if (!whole[p].empty() || shards == 1) continue;
    plan->sliced[p] = true;
    const std::uint64_t blocks = (pop.size() + granularity - 1) / granularity;
    for (std::uint32_t s = 0; s < shards; ++s) {
      const auto edge = [&](std::uint64_t shard) {
        return static_cast<std::uint32_t>(std::min<std::uint64_t>(blocks * shard / shards * granularity, pop.size()));
      };
      plan->ranges[p][s] = {edge(s), edge(s + 1)};
      load[s] += plan->ranges[p][s].end - plan->ranges[p][s].begin;
    }
    plan->first_shard[p] = 0;
    while (plan->ranges[p][plan->first_shard[p]].empty() && plan->first_shard[p] + 1 < shards) ++plan->first_shard[p];
  }
  // The other populations go whole, largest first, to the least loaded shard; a spike source
  // (no input, one event per spike) weighs a tenth of a neuron.
  std::vector<std::uint32_t> order;
  for (std::uint32_t p = 0; p < populations; ++p)
    if (!plan->sliced[p]) order.push_back(p);
  const auto weight = [&](std::uint32_t p) {
    const NeuronPopulation& pop = *pops[p];
    return pop.weight_unit() == WeightUnit::None ? 0.1 * pop.size() : 1.0 * pop.size();
  };
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return weight(a) > weight(b); });
  if (!order.empty()) {
    const std::uint32_t p = order.front();
    plan->largest_whole = "population '" + pops[p]->name() + "' (" +
                          std::to_string(pops[p]->size()) + " neurons) runs whole on one thread: " +
                          (whole[p].empty() ? "its shard has room for it" : whole[p]);
  }
  for (std::uint32_t p : order) {
    const auto s = static_cast<std::uint32_t>(std::min_element(load.begin(), load.end()) - load.begin());
    plan->ranges[p][s] = {0, pops[p]->size()};
    plan->first_shard[p] = s;
    load[s] += weight(p);
  }
  return plan;
}

std::shared_ptr<const ParallelPlan> make_parallel_plan(const RuntimeNetwork& net, std::uint32_t threads,
                                                       std::uint32_t shards_per_thread, std::uint32_t ranks,
                                                       std::uint32_t rank) {
  const std::string obstacle = parallel_run_obstacle(net);
  if (!obstacle.empty()) throw std::logic_error("make_parallel_plan: " + obstacle);
  std::vector<std::string> unsorted(net.populations.size());
  const auto note_unsorted = [&](const auto& proj) {
    if (!proj.targets_sorted_in_groups())
      unsorted[proj.post_population()] = "the connection list of '" + proj.name() + "' is not in target order";
  };
  for (const StaticProjection& proj : net.projections) note_unsorted(proj);
  for (const StdpProjection& proj : net.stdp_projections) note_unsorted(proj);
  for (const EisProjection& proj : net.eis_projections) note_unsorted(proj);
  if (net.distribution && net.distribution->unsorted_post.size() == unsorted.size())
    for (std::size_t p = 0; p < unsorted.size(); ++p)
      if (unsorted[p].empty()) unsorted[p] = net.distribution->unsorted_post[p];
  std::shared_ptr<ParallelPlan> plan =
      plan_populations(net.populations, net.current_sources, unsorted, threads, shards_per_thread, ranks, rank);
  plan->lookahead_ms = window_lookahead_ms(net);
  // A distributed build holds the synapses onto its rank's targets only: the plan must give
  // this rank no other targets (it does when made for the ranks and threads of the build).
  if (net.distribution && net.distribution->any_local()) {
    const DistributedBuild& d = *net.distribution;
    if (d.ranks != ranks || d.rank != rank || d.threads != threads || shards_per_thread != 1)
      throw std::logic_error("make_parallel_plan: the network was built for rank " + std::to_string(d.rank) + " of " +
                             std::to_string(d.ranks) + " with " + std::to_string(d.threads) +
                             " threads and holds that rank's synapses only; it cannot run as rank " +
                             std::to_string(rank) + " of " + std::to_string(ranks) + " with " +
                             std::to_string(threads) + " threads (" + std::to_string(shards_per_thread) +
                             " shards per thread)");
    for (std::uint32_t p = 0; p < net.populations.size(); ++p)
      for (std::uint32_t s = plan->first_local_shard(); s < plan->end_local_shard(); ++s) {
        const ParallelPlan::Range r = plan->ranges[p][s];
        const bool owned = plan->sliced[p] || plan->first_shard[p] == s;
        if (owned && !r.empty() && (r.begin < d.local_targets[p].first || r.end > d.local_targets[p].second))
          throw std::logic_error("make_parallel_plan: shard " + std::to_string(s) + " of population '" +
                                 net.populations[p]->name() + "' has targets whose synapses this rank did not build");
      }
  }
  plan->group_split.resize(net.projections.size() + net.eis_projections.size() + net.stdp_projections.size());
  std::size_t j = 0;
  const auto split = [&](const auto& proj) {
    if (plan->sliced[proj.post_population()])
      plan->group_split[j] = split_groups(proj, plan->ranges[proj.post_population()], plan->first_local_shard(),
                                          plan->end_local_shard());
    ++j;
  };
  for (const StaticProjection& proj : net.projections) split(proj);
  for (const EisProjection& proj : net.eis_projections) split(proj);
  for (const StdpProjection& proj : net.stdp_projections) split(proj);
  return plan;
}

namespace {

// A spike emitted in a shard during a window, routed at the window's end.
struct LoggedSpike {
  Event tag;            // largest event key handled by the shard up to the spike (see the design note)
  Event source;         // the event that emitted it
  double event_t_ms;    // time of the event that emitted it
  double t_ms;
  std::uint32_t population;
  std::uint32_t neuron;  // in the whole population
};

struct Shard {
  Shard() : ctx(queue) {}
  EventQueue queue;
  EventContext ctx;
  std::vector<NeuronPopulation*> population;                   // per population id; null: none here
  std::vector<std::unique_ptr<NeuronPopulation>> slices;       // this shard's slices
  // The shard's copies of the spike histories that EIS synapses read (RuntimeNetwork): its own
  // neurons' spikes enter when they happen, the other shards' at the start of the next round.
  std::vector<SpikeHistory> spike_histories, delayed_post_histories;
  std::vector<StaticSynapse> eis_transmit;  // scratch of EIS arrivals
  std::vector<LoggedSpike> log;     // spikes of the current window
  std::vector<LoggedSpike> routed;  // of the last window, recorded, their arrivals not yet pushed
  // Samples of recorders of sliced populations taken in this window, per recorder: times, and
  // the values of this shard's recorded neurons (assembled into rows by record()).
  std::vector<std::vector<double>> sample_times_ms;
  std::vector<std::vector<double>> sample_values;
  Event tag = Event::make(-std::numeric_limits<double>::infinity(), EventKind::CurrentStep, 0);
  Event last = tag;
  bool handled_any = false;
  std::uint64_t events = 0;
  std::uint64_t synaptic_events = 0;
};

// Whether x (of a lower shard than y, or of the same) was recorded before y in a serial run:
// by tag; at equal tags (a replicated event in several shards), the spikes of the replicated
// event itself come first, in shard order, then those of the events it scheduled for an
// earlier key ("late" events, handled right after it), in their key order.
bool serial_order(const LoggedSpike& x, const LoggedSpike& y) {
  if (x.tag < y.tag) return true;
  if (y.tag < x.tag) return false;
  const bool x_late = x.source < x.tag, y_late = y.source < y.tag;
  if (x_late != y_late) return y_late;
  return x.source < y.source;
}

// Trivially copyable values and arrays into and out of the bytes a distributed run exchanges.
struct ByteWriter {
  std::vector<std::byte>& out;
  template <class T>
  void value(const T& x) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const std::byte*>(&x);
    out.insert(out.end(), p, p + sizeof(T));
  }
  template <class T>
  void array(const std::vector<T>& v) {
    value(static_cast<std::uint64_t>(v.size()));
    const auto* p = reinterpret_cast<const std::byte*>(v.data());
    out.insert(out.end(), p, p + v.size() * sizeof(T));
  }
};
struct ByteReader {
  const std::byte* at;
  const std::byte* end;
  void need(std::size_t bytes) const {
    if (static_cast<std::size_t>(end - at) < bytes)
      throw std::runtime_error("distributed run: a rank's message is shorter than its contents (ranks out of step)");
  }
  template <class T>
  T value() {
    need(sizeof(T));
    T x;
    std::memcpy(&x, at, sizeof(T));
    at += sizeof(T);
    return x;
  }
  template <class T>
  void array(std::vector<T>& v) {
    const auto n = value<std::uint64_t>();
    need(n * sizeof(T));
    v.resize(n);
    if (n > 0) std::memcpy(v.data(), at, n * sizeof(T));
    at += n * sizeof(T);
  }
};

}  // namespace

// The run itself: Simulator's friend, so it works on the simulator's network, queue and counters.
bool run_parallel(Simulator& sim, const ParallelPlan& plan, double t_stop_ms,
                  const std::function<void(double, double)>& progress) {
  RuntimeNetwork& net = sim.net_;
  const std::uint32_t shards = plan.shards;
  // A distributed run: this rank handles the shards [first_local, end_local) (design note).
  RankExchange* const world = plan.ranks > 1 ? sim.exchange_.get() : nullptr;
  if (plan.ranks > 1 && (world == nullptr || world->ranks() != plan.ranks || world->rank() != plan.rank))
    throw std::logic_error("run_parallel: the plan is for rank " + std::to_string(plan.rank) + " of " +
                           std::to_string(plan.ranks) + ", the simulator's exchange does not match");
  const std::uint32_t first_local = plan.first_local_shard(), end_local = plan.end_local_shard();
  const std::uint32_t local_shards = end_local - first_local;
  const auto populations = static_cast<std::uint32_t>(net.populations.size());
  const auto n_static = static_cast<std::uint32_t>(net.projections.size());
  const auto n_static_eis = static_cast<std::uint32_t>(n_static + net.eis_projections.size());
  const auto post_population_of = [&](std::uint32_t j) {
    return j < n_static       ? net.projections[j].post_population()
           : j < n_static_eis ? net.eis_projections[j - n_static].post_population()
                              : net.stdp_projections[j - n_static_eis].post_population();
  };
  // Samplers: state recorders, then conductance recorders (Sample events number them so); a
  // conductance recorder samples synapses, which live in their target's shard.
  const auto n_state = static_cast<std::uint32_t>(net.state_recorders.size());
  const auto samplers = static_cast<std::uint32_t>(n_state + net.conductance_recorders.size());
  const auto sampler = [&](std::uint32_t r) -> StateRecorder& {
    return r < n_state ? net.state_recorders[r] : net.conductance_recorders[r - n_state];
  };
  const auto sampler_population = [&](std::uint32_t r) {
    return r < n_state ? net.state_recorders[r].population()
                       : net.eis_projections[net.conductance_recorders[r - n_state].population()].post_population();
  };
  // The population an event acts on (for routing events to shards and counting them once).
  const auto population_of = [&](const Event& e) -> std::uint32_t {
    switch (e.kind()) {
      case EventKind::Delivery:
        return post_population_of(e.object());
      case EventKind::CurrentStep:
        return net.current_sources[e.object()].population;
      case EventKind::Sample:
        return sampler_population(e.object());
      default:
        return e.object();
    }
  };
  // The shard that keeps an event between runs; replicated events live in every shard
  // holding their population.
  const auto home_shard = [&](const Event& e) {
    const std::uint32_t p = population_of(e);
    if (e.kind() == EventKind::PostWaveform || (plan.sliced[p] && e.kind() == EventKind::Threshold))
      return plan.shard_of(p, e.a);
    return plan.first_shard[p];
  };
  const auto replicated = [&](const Event& e) {
    return plan.sliced[population_of(e)] &&
           (e.kind() == EventKind::Delivery || e.kind() == EventKind::Step || e.kind() == EventKind::Sample);
  };
  // Samplers of sliced populations: which of a sampler's neurons (synapses) each shard samples
  // (positions in its row, and their numbers).
  // A conductance recorder names synapses by their index in the whole projection; an EIS part
  // (a distributed build) stores only this rank's, so the rank places those (sampled by their
  // storage index) and learns from the other ranks which positions of each row their shards
  // fill (one allgather).
  std::vector<std::vector<std::vector<std::uint32_t>>> sample_positions(samplers), sample_neurons(samplers);
  bool parts_sampled = false;
  for (std::uint32_t r = 0; r < samplers; ++r) {
    // Every sampler's rows are assembled after each window (those of whole populations
    // too: in a distributed run the population's shard may be on another rank).
    const StateRecorder& rec = sampler(r);
    const std::uint32_t population = sampler_population(r);
    const EisProjection* eis = r < n_state ? nullptr : &net.eis_projections[rec.population()];
    sample_positions[r].resize(shards);
    sample_neurons[r].resize(shards);
    for (std::uint32_t i = 0; i < rec.neurons().size(); ++i) {
      std::uint32_t item = rec.neurons()[i];
      if (eis != nullptr && eis->is_part()) {
        parts_sampled = true;
        const std::optional<std::uint64_t> k = eis->stored_index(item);
        if (!k) continue;  // another rank's
        item = static_cast<std::uint32_t>(*k);
      }
      const std::uint32_t neuron = eis != nullptr ? eis->post_of(item) : item;  // a synapse's target
      const std::uint32_t s = plan.shard_of(population, neuron);
      sample_positions[r][s].push_back(i);
      sample_neurons[r][s].push_back(item);
    }
  }
  if (parts_sampled && world != nullptr) {
    std::vector<std::byte> mine, all;
    std::vector<std::size_t> offsets;
    ByteWriter out{mine};
    for (std::uint32_t r = n_state; r < samplers; ++r)
      for (std::uint32_t s = first_local; s < end_local; ++s) out.array(sample_positions[r][s]);
    world->allgather(mine, all, offsets);
    for (std::uint32_t rank = 0; rank < plan.ranks; ++rank) {
      if (rank == plan.rank) continue;
      ByteReader in{all.data() + offsets[rank], all.data() + offsets[rank + 1]};
      const std::uint32_t first = rank * (shards / plan.ranks), end = (rank + 1) * (shards / plan.ranks);
      for (std::uint32_t r = n_state; r < samplers; ++r)
        for (std::uint32_t s = first; s < end; ++s) {
          std::vector<std::uint32_t>& positions = sample_positions[r][s];
          if (net.eis_projections[sampler(r).population()].is_part()) {
            in.array(positions);
          } else {  // a whole projection: placed alike on every rank
            std::vector<std::uint32_t> theirs;
            in.array(theirs);
            if (theirs != positions)
              throw std::runtime_error("distributed run: rank " + std::to_string(rank) +
                                       " samples other synapses (ranks with different networks)");
          }
        }
      if (in.at != in.end) throw std::runtime_error("distributed run: rank " + std::to_string(rank) + " sent more sampled synapses than expected");
    }
  }

  // Scatter: shard objects, slices, pending events, trace copies.
  std::vector<std::unique_ptr<Shard>> shard(shards);
  for (std::uint32_t s = 0; s < shards; ++s) {
    shard[s] = std::make_unique<Shard>();
    shard[s]->population.assign(populations, nullptr);
    shard[s]->sample_times_ms.resize(samplers);
    shard[s]->sample_values.resize(samplers);
    if (!net.eis_projections.empty() && plan.local(s)) {
      shard[s]->spike_histories = net.spike_histories;
      shard[s]->delayed_post_histories = net.delayed_post_histories;
    }
    for (std::uint32_t p = 0; p < populations && plan.local(s); ++p) {
      const ParallelPlan::Range r = plan.ranges[p][s];
      if (!plan.sliced[p]) {
        // Whole, in its shard (also when it has no neurons: its own events still come there).
        if (plan.first_shard[p] == s) shard[s]->population[p] = net.populations[p].get();
      } else if (!r.empty()) {
        shard[s]->slices.push_back(net.populations[p]->make_slice(r.begin, r.end));
        shard[s]->population[p] = shard[s]->slices.back().get();
      }
    }
  }
  {
    std::vector<Event> pending = sim.queue_.raw();
    sim.queue_.clear();
    for (const Event& e : pending) {
      // Events of other ranks' shards are theirs (every rank starts from the same state).
      if (replicated(e)) {
        for (std::uint32_t s = first_local; s < end_local; ++s)
          if (!plan.ranges[population_of(e)][s].empty()) shard[s]->queue.push(e);
      } else if (plan.local(home_shard(e))) {
        shard[home_shard(e)]->queue.push(e);
      }
    }
  }
  for (StdpProjection& proj : net.stdp_projections) proj.set_pre_trace_copies(shards);
  for (EisProjection& proj : net.eis_projections) proj.begin_shards(shards);

  // The histories an EIS projection reads in shard s (RuntimeNetwork::pre_history/post_history).
  const auto pre_history = [&](const Shard& sh, const EisProjection& proj) -> const SpikeHistory& {
    return sh.spike_histories[proj.pre_population()];
  };
  const auto post_history = [&](const Shard& sh, const EisProjection& proj) -> const SpikeHistory& {
    const std::uint32_t p = proj.post_population();
    return net.post_waveform_delay_ms[p] > 0.0 ? sh.delayed_post_histories[p] : sh.spike_histories[p];
  };
  // Handling of one event inside shard s (the serial engine's switch, restricted to the shard).
  // As Simulator::post_spike_reaches_synapses, with the shard's histories.
  const auto post_spike = [&](Shard& sh, std::uint32_t s, std::uint32_t population, std::uint32_t neuron,
                              double t_ms, const Event& current) {
    for (std::uint32_t j : sim.eis_incoming_[population]) {
      EisProjection& proj = net.eis_projections[j];
      proj.on_post_spike(t_ms, neuron, pre_history(sh, proj), post_history(sh, proj), n_static + j, current, s);
    }
    for (std::uint32_t j : sim.stdp_incoming_[population]) net.stdp_projections[j].on_post_spike(t_ms, neuron, s);
    if (!sim.eis_incoming_[population].empty() && net.post_waveform_delay_ms[population] > 0.0)
      sh.delayed_post_histories[population].add(neuron, t_ms);
  };
  const auto deliver = [&](Shard& sh, std::uint32_t s, const Event& e) {
    const std::uint32_t j = e.object();
    const std::uint32_t post = post_population_of(j);
    const std::vector<std::uint64_t>& split = plan.group_split[j];
    NeuronPopulation& target = *sh.population[post];
    const auto part = [&](auto& proj) {
      if (split.empty()) return std::pair{proj.group_first(e.b), proj.group_first(e.b + 1)};
      return plan.group_part(j, e.b, s);
    };
    if (j < n_static) {
      const StaticProjection& proj = net.projections[j];
      const auto [first, last] = part(proj);
      if (first == last) return;
      const std::uint64_t g0 = proj.group_first(e.b);
      sh.synaptic_events += last - first;
      if (proj.has_uniform_weight())
        target.deliver_uniform(e.t_ms, proj.group_targets(e.b).subspan(first - g0, last - first),
                               proj.uniform_weight(), sh.ctx);
      else
        target.deliver(e.t_ms, proj.group_synapses(e.b).subspan(first - g0, last - first), sh.ctx);
      return;
    }
    if (j < n_static_eis) {
      EisProjection& proj = net.eis_projections[j - n_static];
      const auto [first, last] = part(proj);
      if (first == last) return;
      proj.on_pre_arrival(e.t_ms, e.a, e.b, first, last, pre_history(sh, proj), post_history(sh, proj),
                          sh.eis_transmit, s);
      sh.synaptic_events += sh.eis_transmit.size();
      target.deliver(e.t_ms, sh.eis_transmit, sh.ctx);
      return;
    }
    StdpProjection& proj = net.stdp_projections[j - n_static_eis];
    const auto [first, last] = part(proj);
    if (first == last) return;
    sh.synaptic_events += last - first;
    target.deliver(e.t_ms, proj.stored_synapses().subspan(first, last - first), sh.ctx);
    proj.after_pre_arrival(e.t_ms, e.b, first, last, s);
  };
  const auto handle = [&](Shard& sh, std::uint32_t s, const Event& e) {
    switch (e.kind()) {
      case EventKind::Delivery:
        deliver(sh, s, e);
        break;
      case EventKind::Threshold:
      case EventKind::SourceSpike:
      case EventKind::Step:
        sh.population[e.object()]->on_own_event(e, sh.ctx);
        break;
      case EventKind::CurrentStep:
        sim.handle_current_step(e, *sh.population[net.current_sources[e.object()].population], sh.ctx);
        break;
      case EventKind::PostWaveform:
        post_spike(sh, s, e.object(), e.a, e.t_ms, e);
        break;
      case EventKind::Sample: {
        const std::uint32_t r = e.object();
        const StateRecorder& rec = sampler(r);
        // G of synapses (read-only, from the shard's histories) or the state of this shard's
        // neurons; record() assembles the rows after the window.
        const auto take = [&](std::span<const std::uint32_t> items, double* out) {
          if (r < n_state) {
            sh.population[rec.population()]->sample(rec.variable(), items, e.t_ms, out);
            return;
          }
          const EisProjection& proj = net.eis_projections[rec.population()];
          for (std::uint32_t k : items)
            *out++ = proj.conductance_at(k, e.t_ms, pre_history(sh, proj), post_history(sh, proj));
        };
        const std::vector<std::uint32_t>& items = sample_neurons[r][s];
        std::vector<double>& values = sh.sample_values[r];
        sh.sample_times_ms[r].push_back(e.t_ms);
        values.resize(values.size() + items.size());
        take(items, values.data() + values.size() - items.size());
        sh.ctx.schedule(Event::make((e.a + 1) * rec.interval_ms(), EventKind::Sample, r, e.a + 1));
        break;
      }
    }
  };
  // The spikes an event emitted: what concerns the firing neuron's own synapses now (as
  // Simulator::route_emitted_spikes does), the rest into the log.
  const auto after_event = [&](Shard& sh, std::uint32_t s, const Event& e) {
    for (const EmittedSpike& x : sh.ctx.emitted()) {
      const std::uint32_t neuron = x.neuron;  // slices emit whole-population numbers
      if (!sim.eis_incoming_[x.population].empty() || !sim.stdp_incoming_[x.population].empty()) {
        const double post_delay = net.post_waveform_delay_ms[x.population];
        if (post_delay == 0.0)
          post_spike(sh, s, x.population, neuron, x.t_ms, e);
        else if (x.t_ms + post_delay > e.t_ms)
          sh.queue.push(Event::make(x.t_ms + post_delay, EventKind::PostWaveform, x.population, neuron));
        else
          post_spike(sh, s, x.population, neuron, e.t_ms, e);
      }
      if (!sh.spike_histories.empty() && sh.spike_histories[x.population].size() > 0)
        sh.spike_histories[x.population].add(neuron, x.t_ms);
      sh.log.push_back({sh.tag, e, e.t_ms, x.t_ms, x.population, neuron});
    }
    sh.ctx.emitted().clear();
  };

  // Windows handle the events up to t_stop; the steps that belong to the run only through the
  // rounding slack of t_stop (Simulator::run_until) are left to the serial loop, which stops at
  // the first event that is not due exactly as a serial run does.
  const auto due = [&](const Event& e) { return e.t_ms <= t_stop_ms; };
  const auto handle_next = [&](Shard& sh, std::uint32_t s) {
    const Event e = sh.queue.pop();
    if (sh.tag < e) sh.tag = e;
    sh.last = e;
    sh.handled_any = true;
    if (!replicated(e) || s == plan.first_shard[population_of(e)]) ++sh.events;
    handle(sh, s, e);
    if (!sh.ctx.emitted().empty()) after_event(sh, s, e);
  };
  const auto run_window = [&](std::uint32_t s, double window_end_ms) {
    Shard& sh = *shard[s];
    while (!sh.queue.empty() && sh.queue.top().t_ms < window_end_ms && due(sh.queue.top())) handle_next(sh, s);
  };
  // A distributed run, after each window: every rank sends its shards' logs, samples and last
  // events, and takes the other ranks' into their shards, so that record() merges the same
  // logs on every rank.
  std::vector<std::byte> outgoing, incoming;
  std::vector<std::size_t> offsets;
  const auto exchange = [&] {
    if (world == nullptr) return;
    outgoing.clear();
    ByteWriter out{outgoing};
    for (std::uint32_t s = first_local; s < end_local; ++s) {
      const Shard& sh = *shard[s];
      out.value(s);
      out.value(static_cast<std::uint8_t>(sh.handled_any ? 1 : 0));
      out.value(sh.tag);
      out.value(sh.last);
      out.array(sh.log);
      for (std::uint32_t r = 0; r < samplers; ++r) {
        out.array(sh.sample_times_ms[r]);
        out.array(sh.sample_values[r]);
      }
    }
    world->allgather(outgoing, incoming, offsets);
    for (std::uint32_t r = 0; r < plan.ranks; ++r) {
      if (r == plan.rank) continue;
      ByteReader in{incoming.data() + offsets[r], incoming.data() + offsets[r + 1]};
      while (in.at != in.end) {
        const auto s = in.value<std::uint32_t>();
        if (s >= shards || plan.local(s))
          throw std::runtime_error("distributed run: rank " + std::to_string(r) + " sent shard " + std::to_string(s) +
                                   ", which is not its own (ranks with different plans)");
        Shard& sh = *shard[s];
        sh.handled_any = in.value<std::uint8_t>() != 0;
        sh.tag = in.value<Event>();
        sh.last = in.value<Event>();
        in.array(sh.log);
        for (std::uint32_t q = 0; q < samplers; ++q) {
          in.array(sh.sample_times_ms[q]);
          in.array(sh.sample_values[q]);
        }
      }
    }
  };
  // After a window: its spikes are recorded and counted in the serial order (a merge of the
  // shards' logs), and the logs are kept for the next round, at whose start every shard turns
  // them into the Delivery events of its own targets (push_arrivals; in parallel).
  // The merge keeps the shards with spikes left in a heap ordered by (serial order of their
  // next spike, shard): log(shards) per spike, as many ranks' shards make the scan of every
  // shard's head per spike the larger cost (docs/mpi.md, projection).
  std::vector<std::size_t> next(shards, 0);
  std::vector<std::uint32_t> heads;
  const auto later = [&](std::uint32_t a, std::uint32_t b) {  // heap order: the earliest on top
    const LoggedSpike& x = shard[a]->log[next[a]];
    const LoggedSpike& y = shard[b]->log[next[b]];
    return serial_order(y, x) || (!serial_order(x, y) && b < a);
  };
  const auto record = [&] {
    std::fill(next.begin(), next.end(), 0);
    heads.clear();
    for (std::uint32_t s = 0; s < shards; ++s)
      if (!shard[s]->log.empty()) heads.push_back(s);
    std::make_heap(heads.begin(), heads.end(), later);
    while (!heads.empty()) {
      std::pop_heap(heads.begin(), heads.end(), later);
      const std::uint32_t best = heads.back();
      const LoggedSpike& x = shard[best]->log[next[best]++];
      if (next[best] < shard[best]->log.size())
        std::push_heap(heads.begin(), heads.end(), later);
      else
        heads.pop_back();
      ++sim.counters_.spikes;
      ++sim.counters_.spikes_per_population[x.population];
      for (std::uint32_t r : sim.spike_recorders_of_[x.population])
        net.spike_recorders[r].record(x.t_ms, x.population, x.neuron);
    }
    for (std::uint32_t r = 0; r < samplers; ++r) {
      if (sample_positions[r].empty()) continue;
      StateRecorder& rec = sampler(r);
      const std::uint32_t population = sampler_population(r);
      const std::uint32_t first = plan.first_shard[population];
      const std::vector<double>& times = shard[first]->sample_times_ms[r];
      // Every shard holding the population took the same samples; only after an exception in
      // a window may some have taken fewer (the rows they all have are kept).
      std::size_t rows = times.size();
      for (std::uint32_t s = 0; s < shards; ++s)
        if (!plan.ranges[population][s].empty()) rows = std::min(rows, shard[s]->sample_times_ms[r].size());
      for (std::size_t k = 0; k < rows; ++k) {
        double* row = rec.append_row(times[k]);
        for (std::uint32_t s = 0; s < shards; ++s) {
          const std::vector<std::uint32_t>& positions = sample_positions[r][s];
          const double* values = shard[s]->sample_values[r].data() + k * positions.size();
          for (std::size_t j = 0; j < positions.size(); ++j) row[positions[j]] = values[j];
        }
      }
      for (auto& sh : shard) {
        sh->sample_times_ms[r].clear();
        sh->sample_values[r].clear();
      }
    }
    bool any = false;
    for (auto& sh : shard) {
      sh->routed.swap(sh->log);
      sh->log.clear();
      any = any || !sh->routed.empty();
    }
    return any;
  };
  // Delivery events of the last window's spikes into shard s's queue (for its own targets),
  // and the other shards' spikes into its history copies (nothing in the window just run
  // needed them: an arrival at t < T + L comes from a spike at t - delay < T - report delay,
  // and every spike of the window was emitted at or after that; the design note).
  const auto push_arrivals = [&](std::uint32_t s, double last_window_end_ms) {
    Shard& sh = *shard[s];
    for (const auto& from : shard)
      for (const LoggedSpike& x : from->routed) {
        if (from.get() != &sh && !sh.spike_histories.empty() && sh.spike_histories[x.population].size() > 0)
          sh.spike_histories[x.population].add(x.neuron, x.t_ms);
        const auto schedule_row = [&](const auto& proj, std::uint32_t j) {
          const std::uint32_t post = proj.post_population();
          if (plan.ranges[post][s].empty() || (!plan.sliced[post] && plan.first_shard[post] != s)) return;
          for (std::uint32_t g = proj.row_begin(x.neuron), end = proj.row_end(x.neuron); g < end; ++g) {
            const Event d = Event::make(std::max(x.t_ms + proj.group_delay_ms(g), x.event_t_ms), EventKind::Delivery,
                                        j, x.neuron, g);
            if (d.t_ms < last_window_end_ms)
              throw std::logic_error("parallel run: a spike at " + std::to_string(x.t_ms) + " ms arrives at " +
                                     std::to_string(d.t_ms) + " ms, inside the window that emitted it");
            shard[s]->queue.push(d);
          }
        };
        for (std::uint32_t j : sim.outgoing_[x.population]) {
          if (j < n_static)
            schedule_row(net.projections[j], j);
          else if (j < n_static_eis)
            schedule_row(net.eis_projections[j - n_static], j);
          else
            schedule_row(net.stdp_projections[j - n_static_eis], j);
        }
      }
  };

  if (!sim.team_ || sim.team_->threads() != plan.threads) sim.team_ = std::make_shared<ThreadTeam>(plan.threads);
  ThreadTeam& team = *sim.team_;
  constexpr double kHandOver_s = 5e-6;  // measured cost of a round on the team beyond its work
  // Windows are at most this long even when L is longer (or infinite: no projections), so
  // that interrupts and progress reports are noticed; any length up to L gives the same results.
  constexpr double kLongestWindow_ms = 50.0;
  std::vector<double> busy_s(shards, 0.0);
  bool parallel_next = true;
  bool interrupted = false;
  bool arrivals_pending = false;  // the last window's logs await push_arrivals
  double last_window_end_ms = -std::numeric_limits<double>::infinity();
  std::uint64_t events_at_last_progress = sim.counters_.events;
  double latest_handled_ms = sim.now_ms_;
  // Runs `work` on this rank; in a distributed run every rank then learns whether one failed
  // (all throw: the failing rank its error, the others one naming `where`), so that all leave
  // together and none waits in a collective the others never reach.
  const auto agreed = [&](const auto& work, const std::string& where) {
    if (world == nullptr) return work();
    run_on_every_rank(*world, work, "distributed run: another rank failed " + where);
  };
  const auto run_windows = [&] {
    for (;;) {
      // Every event before the last window's end has been handled, and the pending arrivals
      // come at or after it: the next window may start at the earliest due event or there.
      double start_ms = arrivals_pending ? last_window_end_ms : std::numeric_limits<double>::infinity();
      for (const auto& sh : shard)
        if (!sh->queue.empty() && due(sh->queue.top())) start_ms = std::min(start_ms, sh->queue.top().t_ms);
      if (world != nullptr) start_ms = world->min_over_ranks(start_ms);
      if (start_ms == std::numeric_limits<double>::infinity()) return;
      // The window ends L later, less a margin far above the rounding of t_spike + delay. A
      // window that the margin would close (L of a few ulps of the time) is not run: the
      // serial loop of run_until finishes the run.
      const double window_end_ms =
          start_ms + std::min(plan.lookahead_ms, kLongestWindow_ms) - 1e-12 * std::max(1.0, std::abs(start_ms));
      if (!(window_end_ms > start_ms)) return;
      const auto round = [&](std::uint32_t s) {
        const auto start = std::chrono::steady_clock::now();
        if (arrivals_pending) push_arrivals(s, last_window_end_ms);
        run_window(s, window_end_ms);
        busy_s[s] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      };
      // A window runs its shards on the team only if the last window's work, spread over the
      // threads, would have ended sooner than on this thread alone by more than the cost of
      // handing it over; otherwise (little work, or all of it in one shard) one after the other
      // here. Only the speed depends on this measurement, never the results.
      const auto run_rounds = [&] {
        if (parallel_next)
          team.run(local_shards, [&](std::uint32_t i) { round(first_local + i); });
        else
          for (std::uint32_t s = first_local; s < end_local; ++s) round(s);
      };
      agreed(run_rounds, "in the window starting at " + std::to_string(start_ms) + " ms");
      {
        double sum = 0.0, longest = 0.0;
        for (double b : busy_s) {
          sum += b;
          longest = std::max(longest, b);
        }
        parallel_next = longest + kHandOver_s < 0.9 * sum;
      }
      exchange();
      arrivals_pending = record();
      last_window_end_ms = window_end_ms;
      std::uint64_t events = 0;
      for (const auto& sh : shard) {
        events += sh->events;
        if (sh->handled_any) latest_handled_ms = std::max(latest_handled_ms, sh->last.t_ms);
      }
      if (progress && sim.counters_.events + events - events_at_last_progress >= (1u << 16)) {
        events_at_last_progress = sim.counters_.events + events;
        progress(std::min(window_end_ms, t_stop_ms), t_stop_ms);
      }
      bool stop = sim.interrupt_ != nullptr && sim.interrupt_->load(std::memory_order_relaxed);
      if (world != nullptr) stop = world->any_rank(stop);
      if (stop) {
        interrupted = true;
        return;
      }
    }
  };
  // A distributed run's end (run_until's serial loop would see only this rank's events): the
  // steps that belong to the run through the rounding slack of t_stop, one event key at a
  // time in the serial order, until the earliest pending event of all ranks is not due.
  const auto run_tail = [&] {
    agreed(
        [&] {
          if (arrivals_pending)
            for (std::uint32_t s = first_local; s < end_local; ++s) push_arrivals(s, last_window_end_ms);
        },
        "routing the last window's spikes");
    arrivals_pending = false;
    const double step_slack_ms = 1e-12 * std::max(1.0, std::abs(t_stop_ms));
    const Event none = Event::make(std::numeric_limits<double>::infinity(), EventKind::CurrentStep, 0);
    std::vector<std::byte> tops;
    std::vector<std::size_t> top_offsets;
    for (;;) {
      Event top = none;
      for (std::uint32_t s = first_local; s < end_local; ++s)
        if (!shard[s]->queue.empty() && shard[s]->queue.top() < top) top = shard[s]->queue.top();
      world->allgather(std::as_bytes(std::span(&top, 1)), tops, top_offsets);
      Event earliest = none;
      for (std::size_t k = 0; k + sizeof(Event) <= tops.size(); k += sizeof(Event)) {
        Event e;
        std::memcpy(&e, tops.data() + k, sizeof e);
        if (e < earliest) earliest = e;
      }
      if (!(earliest.t_ms <= t_stop_ms + step_slack_ms) || (earliest.t_ms > t_stop_ms && earliest.kind() != EventKind::Step))
        break;
      if (earliest.t_ms <= t_stop_ms)
        throw std::runtime_error("distributed run: the windows became shorter than the rounding of the time at " +
                                 std::to_string(earliest.t_ms) + " ms; run this network on one rank");
      agreed(
          [&] {
            for (std::uint32_t s = first_local; s < end_local; ++s) {
              Shard& sh = *shard[s];
              while (!sh.queue.empty() && !(sh.queue.top() < earliest) && !(earliest < sh.queue.top()))
                handle_next(sh, s);
            }
          },
          "at the end of the run");
    }
    exchange();
    arrivals_pending = record();
    // The tail's spikes come after every window; they arrive after t_stop (t_spike > t_stop -
    // step, delays longer than the step), but possibly before the last window's end, which
    // may lie up to L beyond t_stop: the routing's check starts from t_stop.
    last_window_end_ms = std::min(last_window_end_ms, t_stop_ms);
  };

  // Gather: the window's spikes, counters, the last event, slices, pending events, trace copies.
  // In a distributed run only this rank's shards come back (other ranks' neurons and synapses
  // stay as they were here); counters and EIS energy totals are summed over the ranks.
  const auto gather = [&] {
    if (arrivals_pending)
      for (std::uint32_t s = first_local; s < end_local; ++s) push_arrivals(s, last_window_end_ms);
    // The last event a serial run would have handled: the largest tag's event, or if a shard
    // holding that tag handled late events after it, the last of those (design note).
    Event tag = sim.current_;
    bool any = false;
    for (const auto& sh : shard)
      if (sh->handled_any && (!any || tag < sh->tag)) {
        tag = sh->tag;
        any = true;
      }
    if (any) {
      sim.current_ = tag;
      bool late = false;
      for (const auto& sh : shard)
        if (sh->handled_any && !(sh->tag < tag) && !(tag < sh->tag) && sh->last < sh->tag &&
            (!late || sim.current_ < sh->last)) {
          sim.current_ = sh->last;
          late = true;
        }
    }
    struct RankCounts {
      std::uint64_t events = 0, synaptic_events = 0;
    } mine;
    // A replicated event goes back once, from the first of this rank's shards holding it.
    const auto keeper = [&](const Event& e) {
      if (!replicated(e)) return home_shard(e);
      std::uint32_t s = first_local;
      while (s < end_local && plan.ranges[population_of(e)][s].empty()) ++s;
      return s;
    };
    for (std::uint32_t s = first_local; s < end_local; ++s) {
      Shard& sh = *shard[s];
      mine.events += sh.events;
      mine.synaptic_events += sh.synaptic_events;
      for (const Event& e : sh.queue.raw())
        if (keeper(e) == s) sim.queue_.push(e);
    }
    // Every rank's contributions, this rank's included (a single process: its own only).
    const auto all_ranks = [&](const auto& value) {
      using T = std::decay_t<decltype(value)>;
      std::vector<T> values{value};
      if (world == nullptr) return values;
      std::vector<std::byte> all;
      std::vector<std::size_t> at;
      world->allgather(std::as_bytes(std::span(&value, 1)), all, at);
      values.resize(plan.ranks);
      for (std::uint32_t r = 0; r < plan.ranks; ++r) std::memcpy(&values[r], all.data() + at[r], sizeof(T));
      return values;
    };
    for (const RankCounts& c : all_ranks(mine)) {
      sim.counters_.events += c.events;
      sim.counters_.synaptic_events += c.synaptic_events;
    }
    for (std::uint32_t p = 0; p < populations; ++p) {
      if (!plan.sliced[p]) continue;
      for (std::uint32_t s = first_local; s < end_local; ++s)
        if (!plan.ranges[p][s].empty())
          net.populations[p]->absorb_slice(*shard[s]->population[p], plan.ranges[p][s].begin);
    }
    for (std::uint32_t j = 0; j < net.stdp_projections.size(); ++j) {
      StdpProjection& proj = net.stdp_projections[j];
      const std::vector<std::uint64_t>& split = plan.group_split[n_static_eis + j];
      const std::uint32_t groups = proj.group_count();
      std::vector<std::uint32_t> source(groups, plan.first_shard[proj.post_population()]);
      if (!split.empty())
        for (std::uint32_t g = 0; g < groups; ++g)
          for (std::uint32_t s = first_local; s < end_local; ++s) {  // (copies of other ranks: not run here)
            const auto [first, last] = plan.group_part(n_static_eis + j, g, s);
            if (first < last) {
              source[g] = s;
              break;
            }
          }
      proj.merge_pre_trace_copies(source);
    }
    // Each neuron's histories are those of its own shard, or, for another rank's neuron, this
    // rank's first shard's copy (it holds every spike routed to it: enough for read-outs); the
    // EIS projections' energy accounts of every rank.
    for (std::uint32_t p = 0; p < populations && !net.eis_projections.empty(); ++p)
      for (std::uint32_t s = 0; s < shards; ++s) {
        const ParallelPlan::Range r = plan.ranges[p][s];
        if (r.empty() || (!plan.sliced[p] && plan.first_shard[p] != s)) continue;
        const Shard& from = plan.local(s) ? *shard[s] : *shard[first_local];
        if (net.spike_histories[p].size() > 0)
          net.spike_histories[p].assign_neurons(from.spike_histories[p], r.begin, r.end);
        if (net.delayed_post_histories[p].size() > 0)
          net.delayed_post_histories[p].assign_neurons(from.delayed_post_histories[p], r.begin, r.end);
      }
    for (EisProjection& proj : net.eis_projections) {
      const std::vector<ExactEnergySum> energies = all_ranks(proj.run_energy());
      proj.end_shards();
      for (std::uint32_t r = 0; r < energies.size(); ++r)
        if (world != nullptr && r != plan.rank) proj.add_energy(energies[r]);
    }
  };

  try {
    run_windows();
    if (world != nullptr && !interrupted) run_tail();
  } catch (...) {
    // An event handler threw (e.g. a neuron that would fire twice at one time): the simulator
    // is left whole and usable as after an exception in a serial run (the spikes of the
    // window so far recorded, the shards' state written back).
    arrivals_pending = record();
    gather();
    throw;
  }
  gather();
  if (interrupted) {
    sim.now_ms_ = std::max(sim.now_ms_, latest_handled_ms);
    return false;
  }
  return true;
}

}  // namespace ionspike

namespace ionspike {

namespace {

// Synapses per delay group of a projection (a rank's part: its own), as the gathers send them.
template <class Projection>
std::vector<std::uint32_t> group_sizes(const Projection& proj) {
  std::vector<std::uint32_t> sizes(proj.group_count());
  for (std::uint32_t g = 0; g < sizes.size(); ++g)
    sizes[g] = static_cast<std::uint32_t>(proj.group_first(g + 1) - proj.group_first(g));
  return sizes;
}

// One gather of a per-rank projection to rank 0: every rank encodes its part (`encode`), rank 0
// decodes them all (`assemble`). A failure in either, on any rank, is agreed over the ranks, so
// that no rank waits in the next gather for one that threw.
template <class Encode, class Assemble>
void gather_part(RankExchange& world, const std::string& what, const Encode& encode, const Assemble& assemble) {
  std::vector<std::byte> mine, all;
  std::vector<std::size_t> offsets;
  run_on_every_rank(world, [&] { encode(mine); }, "another rank failed to send its part of " + what);
  world.gather_to_root(mine, all, offsets);
  std::vector<std::byte>().swap(mine);
  run_on_every_rank(
      world, [&] { if (world.rank() == 0) assemble(all, offsets); }, "rank 0 failed to assemble " + what);
}

// A distributed build's STDP projections hold each rank's synapses only (DistributedBuild):
// rank 0 gathers every rank's {target, weight} synapses and assembles the whole table.
// Design note: every rank holds every group; a group's synapses are sorted by target (stably)
// and the ranks own ascending, disjoint target ranges, so the whole group is the ranks' parts
// of it concatenated in rank order. Each rank sends, per group, its synapse count, then its
// synapses in storage order; rank 0 walks the groups and takes each rank's next part.
void gather_local_stdp_projections(RuntimeNetwork& net, RankExchange& world) {
  DistributedBuild& d = *net.distribution;
  d.gathered_stdp.assign(net.stdp_projections.size(), nullptr);
  for (std::uint32_t j = 0; j < net.stdp_projections.size(); ++j) {
    if (!d.stdp_local[j]) continue;
    const StdpProjection& proj = net.stdp_projections[j];
    const std::uint32_t groups = proj.group_count();
    const auto encode = [&](std::vector<std::byte>& mine) {
      ByteWriter out{mine};
      out.array(group_sizes(proj));
      const std::span<const StaticSynapse> synapses = proj.synapses();
      out.value(static_cast<std::uint64_t>(synapses.size()));
      const auto* p = reinterpret_cast<const std::byte*>(synapses.data());
      mine.insert(mine.end(), p, p + synapses.size_bytes());
    };
    const auto assemble = [&](const std::vector<std::byte>& all, const std::vector<std::size_t>& offsets) {
      const std::uint32_t ranks = world.ranks();
      // Each rank's counts, and where its synapses start in `all` (read in place).
      std::vector<std::vector<std::uint32_t>> rank_counts(ranks);
      std::vector<const std::byte*> rank_synapses(ranks);
      std::vector<std::uint64_t> rank_synapse_count(ranks);
      for (std::uint32_t r = 0; r < ranks; ++r) {
        ByteReader in{all.data() + offsets[r], all.data() + offsets[r + 1]};
        in.array(rank_counts[r]);
        rank_synapse_count[r] = in.value<std::uint64_t>();
        in.need(rank_synapse_count[r] * sizeof(StaticSynapse));
        rank_synapses[r] = in.at;
        if (rank_counts[r].size() != groups ||
            std::accumulate(rank_counts[r].begin(), rank_counts[r].end(), std::uint64_t{0}) != rank_synapse_count[r])
          throw std::runtime_error("distributed run: rank " + std::to_string(r) + " sent another table of STDP projection '" +
                                   proj.name() + "' (" + std::to_string(rank_counts[r].size()) + " groups) than rank 0 holds (" +
                                   std::to_string(groups) + " groups)");
      }
      auto gathered = std::make_shared<DistributedBuild::GatheredSynapses>();
      gathered->group_sizes.assign(groups, 0);
      gathered->synapses.resize(d.stdp_synapses[j]);
      std::uint64_t at = 0;
      std::vector<std::uint64_t> cursor(ranks, 0);
      for (std::uint32_t g = 0; g < groups; ++g)
        for (std::uint32_t r = 0; r < ranks; ++r) {
          const std::uint32_t n = rank_counts[r][g];
          if (n == 0) continue;
          if (at + n > gathered->synapses.size())
            throw std::runtime_error("distributed run: the ranks hold more synapses of STDP projection '" + proj.name() +
                                     "' than it has");
          std::memcpy(gathered->synapses.data() + at, rank_synapses[r] + cursor[r] * sizeof(StaticSynapse),
                      n * sizeof(StaticSynapse));
          at += n;
          cursor[r] += n;
          gathered->group_sizes[g] += n;
        }
      if (at != gathered->synapses.size())
        throw std::runtime_error("distributed run: the ranks hold fewer synapses of STDP projection '" + proj.name() +
                                 "' than it has");
      d.gathered_stdp[j] = std::move(gathered);
    };
    gather_part(world, "STDP projection '" + proj.name() + "'", encode, assemble);
  }
}

// A distributed build's EIS projections are parts (EisPart): rank 0 gathers every synapse's
// read-out at t_ms, as the writer of the conductance files needs them. Each rank reads out its
// own synapses (their targets are its neurons, whose histories it holds; every presynaptic spike
// has been routed to it) and sends, per group, its count, then {target, G, energy} in storage
// order, and the energy its synapses would spend after their last touches (exact sums, so the
// total is the single-process one). Rank 0 concatenates each group's parts in rank order (the
// design note of gather_local_stdp_projections).
void gather_eis_parts(RuntimeNetwork& net, RankExchange& world, double t_ms) {
  DistributedBuild& d = *net.distribution;
  d.gathered_eis.assign(net.eis_projections.size(), nullptr);
#pragma pack(push, 1)
  struct ReadOut {
    std::uint32_t post;
    double g_nS, energy_fJ;
  };
#pragma pack(pop)
  for (std::uint32_t j = 0; j < net.eis_projections.size(); ++j) {
    const EisProjection& proj = net.eis_projections[j];
    if (!proj.is_part()) continue;
    const SpikeHistory& pre_spikes = net.pre_history(proj.pre_population());
    const SpikeHistory& post_spikes = net.post_history(proj.post_population());
    const std::uint32_t groups = proj.group_count();
    const auto encode = [&](std::vector<std::byte>& mine) {
      ByteWriter out{mine};
      out.value(proj.energy_after_touches(t_ms, pre_spikes, post_spikes));
      out.array(group_sizes(proj));
      out.value(static_cast<std::uint64_t>(proj.synapse_count()));
      const std::size_t first = mine.size();
      mine.resize(first + proj.synapse_count() * sizeof(ReadOut));
      std::byte* const rows = mine.data() + first;
      proj.for_each_readout(t_ms, pre_spikes, post_spikes,
                            [&](std::uint64_t k, std::uint32_t, double, const EisProjection::Readout& now) {
                              const ReadOut x{proj.post_of(k), now.g_nS, now.energy_fJ};
                              std::memcpy(rows + k * sizeof(ReadOut), &x, sizeof x);
                            });
    };
    const auto assemble = [&](const std::vector<std::byte>& all, const std::vector<std::size_t>& offsets) {
      const std::uint32_t ranks = world.ranks();
      // Each rank's counts, and where its read-outs start in `all` (read in place).
      std::vector<std::vector<std::uint32_t>> rank_counts(ranks);
      std::vector<const std::byte*> rank_rows(ranks);
      ExactEnergySum energy = proj.energy_sum();
      for (std::uint32_t r = 0; r < ranks; ++r) {
        ByteReader in{all.data() + offsets[r], all.data() + offsets[r + 1]};
        energy.add(in.value<ExactEnergySum>());
        in.array(rank_counts[r]);
        const auto n = in.value<std::uint64_t>();
        in.need(n * sizeof(ReadOut));
        rank_rows[r] = in.at;
        if (rank_counts[r].size() != groups ||
            std::accumulate(rank_counts[r].begin(), rank_counts[r].end(), std::uint64_t{0}) != n)
          throw std::runtime_error("distributed run: rank " + std::to_string(r) +
                                   " sent another table of EIS projection '" + proj.name() + "' than rank 0 holds");
      }
      auto gathered = std::make_shared<DistributedBuild::GatheredEis>();
      gathered->t_ms = t_ms;
      gathered->energy = energy.value();
      gathered->rows.reserve(proj.whole_synapse_count());
      for (std::uint32_t pre = 0; pre < proj.pre_size(); ++pre)
        for (std::uint32_t g = proj.row_begin(pre); g < proj.row_end(pre); ++g)
          for (std::uint32_t r = 0; r < ranks; ++r)
            for (std::uint32_t i = 0; i < rank_counts[r][g]; ++i) {
              ReadOut x;
              std::memcpy(&x, rank_rows[r], sizeof x);
              rank_rows[r] += sizeof x;
              gathered->rows.push_back({pre, x.post, proj.group_delay_ms(g), x.g_nS, x.energy_fJ});
            }
      if (gathered->rows.size() != proj.whole_synapse_count())
        throw std::runtime_error("distributed run: the ranks hold " + std::to_string(gathered->rows.size()) +
                                 " synapses of EIS projection '" + proj.name() + "', which has " +
                                 std::to_string(proj.whole_synapse_count()));
      d.gathered_eis[j] = std::move(gathered);
    };
    gather_part(world, "EIS projection '" + proj.name() + "'", encode, assemble);
  }
}

}  // namespace

void consolidate_plastic_synapses(Simulator& sim, const ParallelPlan& plan) {
  RankExchange* const world = plan.ranks > 1 ? sim.exchange_.get() : nullptr;
  if (world == nullptr) return;
  RuntimeNetwork& net = sim.net_;
  const std::uint32_t shards = plan.shards;
  const auto n_static = static_cast<std::uint32_t>(net.projections.size());
  const auto n_static_eis = static_cast<std::uint32_t>(n_static + net.eis_projections.size());
  // The storage ranges of shard s in a projection (id j): its part of every group, or every
  // synapse if it holds the whole target population.
  // (The plan holds this rank's parts; another rank's are found by bisection, once per run.)
  const auto for_each_range = [&](const auto& proj, std::uint32_t j, std::uint32_t s, const auto& visit) {
    const std::uint32_t post = proj.post_population();
    if (plan.group_split[j].empty()) {
      if (plan.first_shard[post] == s) visit(proj.group_first(0), proj.group_first(proj.group_count()));
      return;
    }
    for (std::uint32_t g = 0; g < proj.group_count(); ++g) {
      const auto [first, last] = plan.local(s) ? plan.group_part(j, g, s)
                                               : std::pair{part_begin(proj, g, plan.ranges[post], s),
                                                           part_begin(proj, g, plan.ranges[post], s + 1)};
      if (first < last) visit(first, last);
    }
  };
  // Neurons of shard s in population p (whole populations: their owner only).
  const auto owned = [&](std::uint32_t p, std::uint32_t s) {
    const ParallelPlan::Range r = plan.ranges[p][s];
    return (!plan.sliced[p] && plan.first_shard[p] != s) ? ParallelPlan::Range{} : r;
  };
  // STDP projections of a distributed build hold only this rank's synapses (gathered below).
  const auto stdp_local = [&](std::uint32_t j) { return net.distribution && net.distribution->stdp_local[j]; };
  std::vector<std::byte> mine, all;
  std::vector<std::size_t> offsets;
  ByteWriter out{mine};
  for (std::uint32_t s = plan.first_local_shard(); s < plan.end_local_shard(); ++s) {
    for (std::uint32_t j = 0; j < net.eis_projections.size(); ++j)
      if (!net.eis_projections[j].is_part())
      for_each_range(net.eis_projections[j], n_static + j, s, [&](std::uint64_t first, std::uint64_t last) {
        for (std::uint64_t k = first; k < last; ++k) out.value(net.eis_projections[j].stored_state(k));
      });
    for (std::uint32_t j = 0; j < net.stdp_projections.size(); ++j)
      if (!stdp_local(j))
      for_each_range(net.stdp_projections[j], n_static_eis + j, s, [&](std::uint64_t first, std::uint64_t last) {
        for (std::uint64_t k = first; k < last; ++k) out.value(net.stdp_projections[j].synapses()[k].weight);
      });
    for (std::uint32_t p = 0; p < net.delayed_post_histories.size(); ++p) {
      if (net.delayed_post_histories[p].size() == 0) continue;
      const ParallelPlan::Range r = owned(p, s);
      for (std::uint32_t n = r.begin; n < r.end; ++n) out.array(net.delayed_post_histories[p].spikes(n));
    }
  }
  world->allgather(mine, all, offsets);
  for (std::uint32_t rank = 0; rank < plan.ranks; ++rank) {
    if (rank == plan.rank) continue;
    ByteReader in{all.data() + offsets[rank], all.data() + offsets[rank + 1]};
    const std::uint32_t first = rank * (shards / plan.ranks), end = (rank + 1) * (shards / plan.ranks);
    for (std::uint32_t s = first; s < end; ++s) {
      for (std::uint32_t j = 0; j < net.eis_projections.size(); ++j)
        if (!net.eis_projections[j].is_part())
        for_each_range(net.eis_projections[j], n_static + j, s, [&](std::uint64_t a, std::uint64_t b) {
          for (std::uint64_t k = a; k < b; ++k)
            net.eis_projections[j].set_stored_state(k, in.value<EisProjection::StoredState>());
        });
      for (std::uint32_t j = 0; j < net.stdp_projections.size(); ++j)
        if (!stdp_local(j))
        for_each_range(net.stdp_projections[j], n_static_eis + j, s, [&](std::uint64_t a, std::uint64_t b) {
          for (std::uint64_t k = a; k < b; ++k) net.stdp_projections[j].set_stored_weight(k, in.value<float>());
        });
      for (std::uint32_t p = 0; p < net.delayed_post_histories.size(); ++p) {
        if (net.delayed_post_histories[p].size() == 0) continue;
        const ParallelPlan::Range r = owned(p, s);
        std::vector<double> times;
        for (std::uint32_t n = r.begin; n < r.end; ++n) {
          in.array(times);
          net.delayed_post_histories[p].set_spikes(n, times);
        }
      }
    }
    if (in.at != in.end) throw std::runtime_error("distributed run: rank " + std::to_string(rank) + " sent more synapse state than it owns");
  }
  if (net.distribution) {
    gather_local_stdp_projections(net, *world);
    gather_eis_parts(net, *world, sim.time_ms());
  }
}

}  // namespace ionspike
