#include "engine/simulator.hpp"

#include <tbb/global_control.h>

#include "engine/parallel_run.hpp"
#include "engine/rank_exchange.hpp"
#include "engine/thread_team.hpp"  // the complete type, for team_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace ionspike {

std::uint64_t RuntimeNetwork::neuron_count() const {
  std::uint64_t n = 0;
  for (const auto& p : populations) n += p->size();
  return n;
}

std::uint64_t RuntimeNetwork::stored_synapse_count() const {
  std::uint64_t n = 0;
  for (const auto& p : projections) n += p.synapse_count();
  for (const auto& p : eis_projections) n += p.synapse_count();
  for (const auto& p : stdp_projections) n += p.synapse_count();
  return n;
}

std::uint64_t RuntimeNetwork::synapse_count() const {
  if (!distribution) return stored_synapse_count();
  std::uint64_t n = 0;
  for (std::size_t j = 0; j < projections.size(); ++j)
    n += distribution->static_local[j] ? distribution->static_synapses[j] : projections[j].synapse_count();
  for (const auto& p : eis_projections) n += p.whole_synapse_count();
  for (std::size_t j = 0; j < stdp_projections.size(); ++j)
    n += distribution->stdp_local[j] ? distribution->stdp_synapses[j] : stdp_projections[j].synapse_count();
  return n;
}

std::uint32_t RuntimeNetwork::population_id(const std::string& name) const {
  for (const auto& p : populations)
    if (p->name() == name) return p->id();
  throw std::out_of_range("no population named '" + name + "'");
}

Simulator::Simulator(RuntimeNetwork network)
    : net_(std::move(network)),
      ctx_(queue_),
      outgoing_(net_.populations.size()),
      eis_incoming_(net_.populations.size()),
      stdp_incoming_(net_.populations.size()),
      spike_recorders_of_(net_.populations.size()),
      modulators_of_(net_.populations.size()) {
  for (std::uint32_t m = 0; m < net_.neuromodulators.size(); ++m)
    modulators_of_.at(net_.neuromodulators[m].source_population()).push_back(m);
  for (const StdpProjection& proj : net_.stdp_projections)
    if (proj.modulated() && proj.dopamine()->neuromodulator >= net_.neuromodulators.size())
      throw std::invalid_argument("STDP projection '" + proj.name() + "' names neuromodulator " +
                                  std::to_string(proj.dopamine()->neuromodulator) + ", which does not exist");
  for (const EisProjection& proj : net_.eis_projections)
    if (proj.modulated() && proj.dopamine()->neuromodulator >= net_.neuromodulators.size())
      throw std::invalid_argument("EIS projection '" + proj.name() + "' names neuromodulator " +
                                  std::to_string(proj.dopamine()->neuromodulator) + ", which does not exist");
  for (std::uint32_t j = 0; j < net_.projections.size(); ++j)
    outgoing_[net_.projections[j].pre_population()].push_back(j);
  const auto n_static = static_cast<std::uint32_t>(net_.projections.size());
  for (std::uint32_t j = 0; j < net_.eis_projections.size(); ++j) {
    outgoing_[net_.eis_projections[j].pre_population()].push_back(n_static + j);
    eis_incoming_[net_.eis_projections[j].post_population()].push_back(j);
  }
  const auto n_static_eis = static_cast<std::uint32_t>(n_static + net_.eis_projections.size());
  for (std::uint32_t j = 0; j < net_.stdp_projections.size(); ++j) {
    outgoing_[net_.stdp_projections[j].pre_population()].push_back(n_static_eis + j);
    stdp_incoming_[net_.stdp_projections[j].post_population()].push_back(j);
  }
  net_.spike_histories.resize(net_.populations.size());
  net_.delayed_post_histories.resize(net_.populations.size());
  if (net_.post_waveform_delay_ms.size() != net_.populations.size()) {
    net_.post_waveform_delay_ms.resize(net_.populations.size());
    for (std::uint32_t p = 0; p < net_.populations.size(); ++p)
      net_.post_waveform_delay_ms[p] = net_.populations[p]->spike_report_delay_ms();
  }
  // EIS synapses rebuild their gate voltage from these histories (sized by network_builder).
  for (const EisProjection& proj : net_.eis_projections)
    if (net_.pre_history(proj.pre_population()).size() == 0 || net_.post_history(proj.post_population()).size() == 0)
      throw std::invalid_argument("EIS projection '" + proj.name() +
                                  "' has no spike histories for its populations (build networks with build_network)");
  for (std::uint32_t r = 0; r < net_.spike_recorders.size(); ++r)
    for (std::uint32_t pop : net_.spike_recorders[r].populations())
      spike_recorders_of_[pop].push_back(r);
  counters_.spikes_per_population.assign(net_.populations.size(), 0);
  threads_ = std::max<std::uint32_t>(1, net_.settings.threads);
  if (net_.populations.size() >= Event::kMaxObjects || net_.projections.size() >= Event::kMaxObjects ||
      net_.state_recorders.size() + net_.conductance_recorders.size() >= Event::kMaxObjects ||
      net_.projections.size() + net_.eis_projections.size() + net_.stdp_projections.size() >= Event::kMaxObjects ||
      net_.current_sources.size() >= Event::kMaxObjects)
    throw std::length_error("more than 2^24 populations, projections, sources or recorders");
}

Simulator::Simulator(Simulator&& other)
    : net_(std::move(other.net_)),
      queue_(std::move(other.queue_)),
      ctx_(queue_),  // never other.ctx_: it schedules into other.queue_
      outgoing_(std::move(other.outgoing_)),
      eis_incoming_(std::move(other.eis_incoming_)),
      stdp_incoming_(std::move(other.stdp_incoming_)),
      spike_recorders_of_(std::move(other.spike_recorders_of_)),
      modulators_of_(std::move(other.modulators_of_)),
      counters_(std::move(other.counters_)),
      current_(other.current_),
      now_ms_(other.now_ms_),
      started_(other.started_),
      interrupt_(other.interrupt_),
      threads_(other.threads_),
      plan_(std::move(other.plan_)),
      obstacle_(std::move(other.obstacle_)),
      team_(std::move(other.team_)),
      exchange_(std::move(other.exchange_)),
      run_communication_s_(other.run_communication_s_) {
  ctx_.emitted() = std::move(other.ctx_.emitted());
}

void Simulator::set_threads(std::uint32_t threads) {
  if (threads < 1) throw std::invalid_argument("Simulator::set_threads: needs at least one thread");
  // A distributed run's shards move with the plan; a rank holds only its own shards' state.
  if (threads != threads_ && distributed() && started_)
    throw std::logic_error("Simulator::set_threads: the threads of a distributed run cannot change once it started");
  if (threads != threads_) {
    plan_.reset();
    obstacle_.reset();
  }
  threads_ = threads;
}

void Simulator::set_rank_exchange(std::shared_ptr<RankExchange> exchange) {
  if (distributed() && started_)
    throw std::logic_error("Simulator::set_rank_exchange: a distributed run's ranks cannot change once it started");
  plan_.reset();
  obstacle_.reset();
  exchange_ = std::move(exchange);
}

bool Simulator::distributed() const { return exchange_ && exchange_->ranks() > 1; }

void Simulator::consolidate_plastic_synapses() {
  if (!distributed() || !parallel_obstacle().empty()) return;
  // (The read-outs of EIS parts run in parallel: on the run's threads, not every core.)
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, threads_);
  ionspike::consolidate_plastic_synapses(*this, *plan_);
}

std::string Simulator::parallel_obstacle() const {
  if (threads_ <= 1 && !distributed()) return {};
  if (obstacle_) return *obstacle_;
  obstacle_ = parallel_run_obstacle(net_);
  if (obstacle_->empty()) {
    if (!plan_)
      plan_ = distributed() ? make_parallel_plan(net_, threads_, 1, exchange_->ranks(), exchange_->rank())
                            : make_parallel_plan(net_, threads_, 1);
    if (plan_->expected_speedup() < kMinParallelSpeedup)
      obstacle_ = "the work cannot be spread over the threads (" +
                  std::to_string(plan_->expected_speedup()).substr(0, 4) + "x at best): " + plan_->largest_whole;
  }
  return *obstacle_;
}

void Simulator::start() {
  started_ = true;
  for (auto& pop : net_.populations) pop->start(ctx_);
  for (std::uint32_t k = 0; k < net_.current_sources.size(); ++k)
    if (!net_.current_sources[k].times_ms.empty())
      queue_.push(Event::make(net_.current_sources[k].times_ms[0], EventKind::CurrentStep, k, 0));
  const auto samplers = static_cast<std::uint32_t>(net_.state_recorders.size() + net_.conductance_recorders.size());
  for (std::uint32_t r = 0; r < samplers; ++r) queue_.push(Event::make(0.0, EventKind::Sample, r, 0));
  route_emitted_spikes();
}

void Simulator::route_emitted_spikes() {
  for (const EmittedSpike& s : ctx_.emitted()) {
    ++counters_.spikes;
    ++counters_.spikes_per_population[s.population];
    for (std::uint32_t r : spike_recorders_of_[s.population])
      net_.spike_recorders[r].record(s.t_ms, s.population, s.neuron);
    // A time-driven source's spike is known at the end of its step: it releases then (no
    // synapse has been brought past that time yet, so every integral sees the release).
    for (std::uint32_t m : modulators_of_[s.population]) release_neuromodulator(m, std::max(s.t_ms, current_.t_ms));
    // Plastic synapses onto the firing neuron (EIS: its V_post starts; STDP: potentiation)
    // see the spike now, or one step later for a time-driven neuron (its spike is known
    // only at the end of the step that found it).
    if (!eis_incoming_[s.population].empty() || !stdp_incoming_[s.population].empty()) {
      const double post_delay = net_.post_waveform_delay_ms[s.population];
      if (post_delay == 0.0)
        post_spike_reaches_synapses(s.population, s.neuron, s.t_ms);
      else if (s.t_ms + post_delay > current_.t_ms)
        queue_.push(Event::make(s.t_ms + post_delay, EventKind::PostWaveform, s.population, s.neuron));
      else  // a spike at the very start of the step: one step later is now (up to rounding)
        post_spike_reaches_synapses(s.population, s.neuron, current_.t_ms);
    }
    SpikeHistory& history = net_.spike_histories[s.population];
    if (history.size() > 0) history.add(s.neuron, s.t_ms);
    // One Delivery event per delay group of the neuron's row, in each outgoing projection.
    // A time-driven population reports spikes up to one step late, and its delays are at
    // least one step (checked at validation); max() only absorbs the rounding of
    // t_spike + delay against the step's end time.
    const auto schedule_row = [&](const auto& proj, std::uint32_t j) {
      for (std::uint32_t g = proj.row_begin(s.neuron), end = proj.row_end(s.neuron); g < end; ++g)
        queue_.push(Event::make(std::max(s.t_ms + proj.group_delay_ms(g), current_.t_ms), EventKind::Delivery, j,
                                s.neuron, g));
    };
    const auto n_static = static_cast<std::uint32_t>(net_.projections.size());
    const auto n_static_eis = static_cast<std::uint32_t>(n_static + net_.eis_projections.size());
    for (std::uint32_t j : outgoing_[s.population]) {
      if (j < n_static)
        schedule_row(net_.projections[j], j);
      else if (j < n_static_eis)
        schedule_row(net_.eis_projections[j - n_static], j);
      else
        schedule_row(net_.stdp_projections[j - n_static_eis], j);
    }
  }
  ctx_.emitted().clear();
}

void Simulator::post_spike_reaches_synapses(std::uint32_t population, std::uint32_t neuron, double t_ms) {
  for (std::uint32_t j : eis_incoming_[population]) {
    EisProjection& proj = net_.eis_projections[j];
    proj.on_post_spike(t_ms, neuron, net_.pre_history(proj.pre_population()), net_.post_history(population),
                       static_cast<std::uint32_t>(net_.projections.size()) + j, current_);
  }
  for (std::uint32_t j : stdp_incoming_[population]) {
    StdpProjection& proj = net_.stdp_projections[j];
    if (proj.modulated())
      proj.on_post_spike(t_ms, neuron, net_.neuromodulators[proj.dopamine()->neuromodulator]);
    else
      proj.on_post_spike(t_ms, neuron);
  }
  if (!eis_incoming_[population].empty() && net_.post_waveform_delay_ms[population] > 0.0)
    net_.delayed_post_histories[population].add(neuron, t_ms);
}

void Simulator::deliver_static(const Event& e) {
  const StaticProjection& proj = net_.projections[e.object()];
  NeuronPopulation& target = *net_.populations[proj.post_population()];
  if (!proj.has_uniform_weight()) {
    const auto synapses = proj.group_synapses(e.b);
    counters_.synaptic_events += synapses.size();
    target.deliver(e.t_ms, synapses, ctx_);
    return;
  }
  const auto targets = proj.group_targets(e.b);
  counters_.synaptic_events += targets.size();
  target.deliver_uniform(e.t_ms, targets, proj.uniform_weight(), ctx_);
}

void Simulator::deliver_stdp(const Event& e) {
  StdpProjection& proj = net_.stdp_projections[e.object() - net_.projections.size() - net_.eis_projections.size()];
  if (proj.modulated()) {  // exact weights first, then the arrival transmits them
    const Neuromodulator& da = net_.neuromodulators[proj.dopamine()->neuromodulator];
    proj.advance_group(e.t_ms, e.b, da);
    const auto synapses = proj.group_synapses(e.b);
    counters_.synaptic_events += synapses.size();
    net_.populations[proj.post_population()]->deliver(e.t_ms, synapses, ctx_);
    proj.after_pre_arrival(e.t_ms, e.b, da);
    return;
  }
  const auto synapses = proj.group_synapses(e.b);
  counters_.synaptic_events += synapses.size();
  net_.populations[proj.post_population()]->deliver(e.t_ms, synapses, ctx_);
  proj.after_pre_arrival(e.t_ms, e.b);
}

void Simulator::release_neuromodulator(std::uint32_t modulator, double t_ms) {
  Neuromodulator& da = net_.neuromodulators[modulator];
  da.release(t_ms);
  // Dopamine-modulated EIS projections keep their own release history (the amplitude of a
  // copy is fixed by d at its emission; EisProjection::on_release).
  for (std::uint32_t j = 0; j < net_.eis_projections.size(); ++j) {
    EisProjection& proj = net_.eis_projections[j];
    if (proj.modulated() && proj.dopamine()->neuromodulator == modulator)
      proj.on_release(t_ms, net_.pre_history(proj.pre_population()), net_.post_history(proj.post_population()),
                      static_cast<std::uint32_t>(net_.projections.size()) + j, current_);
  }
  if (!da.history_full()) return;
  for (StdpProjection& proj : net_.stdp_projections)
    if (proj.modulated() && proj.dopamine()->neuromodulator == modulator) proj.catch_up(t_ms, da);
  da.forget_before(t_ms);
}

void Simulator::deliver_eis(const Event& e) {
  EisProjection& proj = net_.eis_projections[e.object() - net_.projections.size()];
  proj.on_pre_arrival(e.t_ms, e.a, e.b, net_.pre_history(proj.pre_population()),
                      net_.post_history(proj.post_population()), eis_transmit_);
  counters_.synaptic_events += eis_transmit_.size();
  net_.populations[proj.post_population()]->deliver(e.t_ms, eis_transmit_, ctx_);
}

void Simulator::handle_current_step(const Event& e, NeuronPopulation& target, EventContext& ctx) {
  const CurrentSource& src = net_.current_sources[e.object()];
  const std::uint32_t k = e.a;
  const double delta = src.amplitudes_pA[k] - (k > 0 ? src.amplitudes_pA[k - 1] : 0.0);
  target.add_injected_current(src.neurons, delta, e.t_ms, ctx);
  if (k + 1 < src.times_ms.size())
    ctx.schedule(Event::make(src.times_ms[k + 1], EventKind::CurrentStep, e.object(), k + 1));
}

void Simulator::handle_sample(const Event& e, EventContext& ctx) {
  const bool conductance = e.object() >= net_.state_recorders.size();
  StateRecorder& rec = conductance ? net_.conductance_recorders[e.object() - net_.state_recorders.size()]
                                   : net_.state_recorders[e.object()];
  double* row = rec.append_row(e.t_ms);
  if (conductance) {
    const EisProjection& proj = net_.eis_projections[rec.population()];
    const SpikeHistory& pre = net_.pre_history(proj.pre_population());
    const SpikeHistory& post = net_.post_history(proj.post_population());
    for (std::uint32_t k : rec.neurons()) *row++ = proj.conductance_at(k, e.t_ms, pre, post);
  } else {
    net_.populations[rec.population()]->sample(rec.variable(), rec.neurons(), e.t_ms, row);
  }
  const std::uint32_t next = e.a + 1;
  ctx.schedule(Event::make(next * rec.interval_ms(), EventKind::Sample, e.object(), next));
}

void Simulator::modify_population(std::uint32_t population,
                                  const std::function<void(NeuronPopulation&, EventContext&, double)>& change) {
  if (!started_) start();
  change(*net_.populations.at(population), ctx_, now_ms_);
  if (!ctx_.emitted().empty()) route_emitted_spikes();
}

std::uint32_t Simulator::eis_projection_index(const std::string& name) const {
  for (std::uint32_t j = 0; j < net_.eis_projections.size(); ++j)
    if (net_.eis_projections[j].name() == name) return j;
  throw std::out_of_range("no EIS projection named '" + name + "'");
}

void Simulator::modify_eis_projection(std::uint32_t projection, const EisChangeFn& change) {
  if (projection >= net_.eis_projections.size())
    throw std::out_of_range("modify_eis_projection: no EIS projection " + std::to_string(projection) + " (there are " +
                            std::to_string(net_.eis_projections.size()) + ")");
  if (!started_) start();
  EisProjection& proj = net_.eis_projections[projection];
  const SpikeHistory& pre = net_.pre_history(proj.pre_population());
  const SpikeHistory& post = net_.post_history(proj.post_population());
  // A clocked population's step may end up to rounding after now (run_until's slack): the
  // control time is then that step's end, so no synapse is written before its last touch.
  const double now = std::max(now_ms_, current_.t_ms);
  proj.synchronise(now, pre, post);
  change(proj, pre, post, now);
}

void Simulator::modify_eis_projection(const std::string& projection, const EisChangeFn& change) {
  modify_eis_projection(eis_projection_index(projection), change);
}

bool Simulator::run_until(double t_stop_ms, const ProgressFn& progress) {
  if (t_stop_ms < now_ms_)
    throw std::invalid_argument("run_until: t_stop_ms is before the current time");
  if (net_.distribution && net_.distribution->any_local() && !distributed())
    throw std::logic_error("run_until: the network was built for rank " + std::to_string(net_.distribution->rank) +
                           " of " + std::to_string(net_.distribution->ranks) +
                           " (it holds that rank's synapses only); it runs only with set_rank_exchange of those ranks");
  if (!started_) start();
  for (EisProjection& proj : net_.eis_projections) proj.end_control();
  // The time this call spends in collectives (communication_seconds()), on every way out.
  struct CountCommunication {
    const RankExchange* exchange;
    double& total;
    double before = exchange != nullptr ? exchange->communication_seconds() : 0.0;
    ~CountCommunication() {
      if (exchange != nullptr) total += exchange->communication_seconds() - before;
    }
  } count_communication{exchange_.get(), run_communication_s_};
  // One shard per thread (made by parallel_obstacle): more, evened out by the thread team,
  // measured slower on the plastic Brunel network (docs/benchmarks.md). The parallel windows
  // handle every event up to t_stop; the loop below then handles the steps that belong to
  // this run through the rounding slack (or all that is left, if windows became too short).
  if ((threads_ > 1 || distributed()) && parallel_obstacle().empty()) {
    if (!run_parallel(*this, *plan_, t_stop_ms, progress)) return false;
    if (distributed()) {  // run_parallel also handled the run's end (this rank sees only its events)
      now_ms_ = t_stop_ms;
      if (progress) progress(t_stop_ms, t_stop_ms);
      return true;
    }
  }
  constexpr std::uint64_t kProgressEvery = 1u << 16;
  // A distributed run that cannot run in parallel runs the whole network on every rank, event
  // for event alike: an interrupt, which may reach only some ranks, stops them all at the same
  // event, agreed every kAgreeEvery events (so the checkpoint parts hold one moment).
  constexpr std::uint64_t kAgreeEvery = 1u << 14;
  const bool replicated = distributed();
  // A clocked population's step that ends at t_stop up to the rounding of k * dt (3 * 0.1 is
  // 0.30000000000000004) belongs to this run: its spikes lie before t_stop.
  const double step_slack_ms = 1e-12 * std::max(1.0, std::abs(t_stop_ms));
  const auto due = [&](const Event& e) {
    return e.t_ms <= t_stop_ms || (e.kind() == EventKind::Step && e.t_ms <= t_stop_ms + step_slack_ms);
  };
  while (!queue_.empty() && due(queue_.top())) {
    const Event e = queue_.pop();
    current_ = e;
    ++counters_.events;
    switch (e.kind()) {
      case EventKind::Delivery: {
        if (e.object() < net_.projections.size()) {
          deliver_static(e);
        } else if (e.object() < net_.projections.size() + net_.eis_projections.size()) {
          deliver_eis(e);
        } else {
          deliver_stdp(e);
        }
        break;
      }
      case EventKind::Threshold:
      case EventKind::SourceSpike:
      case EventKind::Step:
        net_.populations[e.object()]->on_own_event(e, ctx_);
        break;
      case EventKind::CurrentStep:
        handle_current_step(e, *net_.populations[net_.current_sources[e.object()].population], ctx_);
        break;
      case EventKind::PostWaveform:
        post_spike_reaches_synapses(e.object(), e.a, e.t_ms);
        break;
      case EventKind::Sample:
        handle_sample(e, ctx_);
        break;
    }
    if (!ctx_.emitted().empty()) route_emitted_spikes();
    if (progress && counters_.events % kProgressEvery == 0) progress(e.t_ms, t_stop_ms);
    const bool stop = replicated ? counters_.events % kAgreeEvery == 0 &&
                                       exchange_->any_rank(interrupt_ != nullptr &&
                                                           interrupt_->load(std::memory_order_relaxed))
                                 : interrupt_ != nullptr && interrupt_->load(std::memory_order_relaxed);
    if (stop) {
      now_ms_ = std::max(now_ms_, e.t_ms);
      return false;
    }
  }
  now_ms_ = t_stop_ms;
  if (progress) progress(t_stop_ms, t_stop_ms);
  return true;
}

}  // namespace ionspike

namespace ionspike {

bool Simulator::valid_event(const Event& e) const {
  const std::size_t all_projections =
      net_.projections.size() + net_.eis_projections.size() + net_.stdp_projections.size();
  const auto group_count = [&](std::uint32_t j) -> std::uint64_t {
    const std::size_t n_static = net_.projections.size(), n_eis = net_.eis_projections.size();
    if (j < n_static) return net_.projections[j].row_end(net_.populations[net_.projections[j].pre_population()]->size() - 1);
    if (j < n_static + n_eis) {
      const EisProjection& p = net_.eis_projections[j - n_static];
      return p.row_end(net_.populations[p.pre_population()]->size() - 1);
    }
    const StdpProjection& p = net_.stdp_projections[j - n_static - n_eis];
    return p.row_end(net_.populations[p.pre_population()]->size() - 1);
  };
  if (!std::isfinite(e.t_ms) || e.t_ms < 0.0) return false;
  switch (e.kind()) {
    case EventKind::CurrentStep:
      return e.object() < net_.current_sources.size() && e.a < net_.current_sources[e.object()].times_ms.size();
    case EventKind::SourceSpike:
    case EventKind::Step:
      return e.object() < net_.populations.size();
    case EventKind::Threshold:
    case EventKind::PostWaveform:
      return e.object() < net_.populations.size() && e.a < net_.populations[e.object()]->size();
    case EventKind::Delivery:
      return e.object() < all_projections && e.b < group_count(e.object());
    case EventKind::Sample:
      return e.object() < net_.state_recorders.size() + net_.conductance_recorders.size();
  }
  return false;
}

void Simulator::checkpoint(StateArchive& ar) {
  if (!ctx_.emitted().empty()) throw std::logic_error("Simulator::checkpoint: called while an event is handled");
  if (ar.restoring() && counters_.events != 0)
    throw std::logic_error("Simulator::checkpoint: restoring needs a simulator that has not run");
  {
    const auto scope = ar.scope("engine");
    ar.value("now_ms", now_ms_);
    ar.flag("started", started_);
    ar.value("current_event", current_);
    ar.value("events", counters_.events);
    ar.value("spikes", counters_.spikes);
    ar.value("synaptic_events", counters_.synaptic_events);
    ar.values("spikes_per_population", counters_.spikes_per_population);
    // The pending events: their total order (event.hpp) makes the queue's layout irrelevant;
    // restoring pushes them again.
    // Sorted by key: the queue's internal layout depends on its history, the saved state must
    // not (equal states give equal archives).
    std::vector<Event> pending = queue_.raw();
    std::sort(pending.begin(), pending.end());
    ar.growing("pending_events", pending);
    if (ar.restoring()) {
      if (!std::isfinite(now_ms_) || now_ms_ < 0.0) ar.fail("now_ms", "must be a finite time >= 0");
      queue_.clear();
      queue_.reserve(pending.size());
      for (const Event& e : pending) {
        if (!valid_event(e) || e.t_ms < now_ms_ - 1e-9 * std::max(1.0, now_ms_))
          ar.fail("pending_events", "an event names an object that does not exist, or lies before now_ms");
        queue_.push(e);
      }
    }
  }
  for (auto& pop : net_.populations) {
    const auto scope = ar.scope("population/" + pop->name());
    pop->checkpoint(ar);
  }
  // Objects with a name and a checkpoint(), each under "<kind>/<name>/".
  const auto each_named = [&](std::string_view kind, auto& objects) {
    for (auto& object : objects) {
      const auto scope = ar.scope(std::string(kind) + "/" + object.name());
      object.checkpoint(ar);
    }
  };
  each_named("eis_projection", net_.eis_projections);
  each_named("stdp_projection", net_.stdp_projections);
  each_named("neuromodulator", net_.neuromodulators);
  for (std::uint32_t p = 0; p < net_.populations.size(); ++p) {
    const auto scope = ar.scope("spike_history/" + net_.populations[p]->name());
    if (net_.spike_histories[p].size() > 0) net_.spike_histories[p].checkpoint(ar);
    if (net_.delayed_post_histories[p].size() > 0) {
      const auto delayed = ar.scope("delayed_post");
      net_.delayed_post_histories[p].checkpoint(ar);
    }
  }
  for (SpikeRecorder& rec : net_.spike_recorders) {
    const auto scope = ar.scope("spike_recorder/" + rec.name());
    rec.checkpoint(ar);
    if (ar.restoring())
      for (const SpikeRecord& s : rec.spikes())
        if (s.population >= net_.populations.size() || s.neuron >= net_.populations[s.population]->size())
          ar.fail("spikes", "a recorded spike names a population or neuron that does not exist");
  }
  each_named("state_recorder", net_.state_recorders);
  each_named("conductance_recorder", net_.conductance_recorders);
}

}  // namespace ionspike
