#include "synapses/eis_projection.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <numeric>
#include <sstream>
#include <utility>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

#include "synapses/csr_order.hpp"

namespace ionspike {

EisProjection::EisProjection(std::string name, std::uint32_t pre_population,
                             std::uint32_t post_population, std::uint32_t pre_size,
                             std::uint32_t post_size, std::vector<EisSynapseSpec> specs,
                             EisProjectionParameters params, const EisPart* part)
    : name_(std::move(name)),
      pre_population_(pre_population),
      post_population_(post_population),
      p_(std::move(params)),
      noise_key_(stream_key(p_.seed, "eis_cycle_noise:" + name_, 0)),
      prefactor_key_(stream_key(p_.seed, "eis_device:" + name_, 0)) {
  // CSR by presynaptic neuron, stable, then by delay within each row (as StaticProjection).
  const std::vector<std::uint64_t> order = csr_order(specs, pre_size, name_).order;
  if (specs.size() >= std::numeric_limits<std::uint32_t>::max() ||
      (part != nullptr && part->whole_synapses >= std::numeric_limits<std::uint32_t>::max()))
    throw std::length_error("EIS projection '" + name_ + "' has 2^32 synapses or more");
  if (part != nullptr && (part->part_first.size() != part->groups.size() || part->whole_synapses < specs.size()))
    throw std::invalid_argument("EIS projection '" + name_ + "': a part needs one first index per group and at most "
                                "the whole projection's synapses");
  row_begin_.assign(static_cast<std::size_t>(pre_size) + 1, 0);
  g_nS_.reserve(specs.size());
  post_.reserve(specs.size());
  std::size_t next = 0;
  const auto store = [&](const EisSynapseSpec& s, bool first_in_group) {
    if (!first_in_group && s.post < post_.back()) targets_sorted_ = false;
    g_nS_.push_back(s.g_init_nS + 0.0);  // -0.0 -> +0.0: the sign bit is the floored mark
    post_.push_back(s.post);
    max_delay_ms_ = std::max(max_delay_ms_, s.delay_ms);
  };
  auto key = part != nullptr ? part->groups.begin() : std::vector<GroupKey>::const_iterator{};
  for (std::uint32_t pre = 0; pre < pre_size; ++pre) {
    row_begin_[pre] = static_cast<std::uint32_t>(groups_.size());
    if (part != nullptr) {
      // The given groups of this row, each with the synapses stored here (maybe none).
      for (; key != part->groups.end() && key->pre == pre; ++key) {
        groups_.push_back({key->delay_ms, g_nS_.size()});
        max_delay_ms_ = std::max(max_delay_ms_, key->delay_ms);
        for (bool first = true; next < order.size() && specs[order[next]].pre == pre &&
                                specs[order[next]].delay_ms == key->delay_ms;
             ++next, first = false)
          store(specs[order[next]], first);
      }
      if (next < order.size() && specs[order[next]].pre == pre)
        throw std::logic_error("EIS projection '" + name_ + "': a synapse's delay group is not among the given groups");
      continue;
    }
    for (bool first = true; next < order.size() && specs[order[next]].pre == pre; ++next, first = false) {
      const EisSynapseSpec& s = specs[order[next]];
      const bool new_group = first || s.delay_ms != groups_.back().delay_ms;
      if (new_group) groups_.push_back({s.delay_ms, g_nS_.size()});
      store(s, new_group);
    }
  }
  if (next != order.size() || (part != nullptr && key != part->groups.end()))
    throw std::logic_error("EIS projection '" + name_ + "': a synapse or group names a presynaptic neuron beyond " +
                           std::to_string(pre_size));
  if (part != nullptr) {
    part_ = true;
    part_first_ = part->part_first;
    whole_synapses_ = part->whole_synapses;
  } else {
    whole_synapses_ = g_nS_.size();
  }
  row_begin_[pre_size] = static_cast<std::uint32_t>(groups_.size());
  groups_.push_back({0.0, g_nS_.size()});
  if (p_.account_energy) synapse_energy_fJ_.assign(g_nS_.size(), 0.0);
  epochs_.push_back({-std::numeric_limits<double>::infinity(), p_.a_pre, p_.a_post});
  window_ms_ = std::max(max_delay_ms_ + p_.pre_waveform.duration_ms(), p_.post_waveform.duration_ms());
  if (p_.dopamine) {
    da_.emplace(name_ + ":dopamine", 0, p_.dopamine->release);
    // A zero gain leaves m = 1 whatever d is (up to the clamp): no lookup needed then.
    pre_modulated_ = p_.dopamine->pre_gain_per_uM != 0.0 || p_.dopamine->factor(0.0, 0.0) != 1.0;
    post_modulated_ = p_.dopamine->post_gain_per_uM != 0.0 || p_.dopamine->factor(0.0, 0.0) != 1.0;
  }

  // By-target index for postsynaptic touches.
  incoming_begin_.assign(static_cast<std::size_t>(post_size) + 1, 0);
  for (const std::uint32_t post : post_) ++incoming_begin_[post + 1];
  std::partial_sum(incoming_begin_.begin(), incoming_begin_.end(), incoming_begin_.begin());
  incoming_.resize(g_nS_.size());
  std::vector<std::uint64_t> cursor(incoming_begin_.begin(), incoming_begin_.end() - 1);
  for (std::uint32_t pre = 0; pre < pre_size; ++pre)
    for (std::uint64_t k = groups_[row_begin_[pre]].first; k < groups_[row_begin_[pre + 1]].first; ++k)
      incoming_[cursor[post_[k]]++] = static_cast<std::uint32_t>(k);
}

std::uint32_t EisProjection::group_of(std::uint64_t k) const {
  const auto it = std::upper_bound(groups_.begin(), groups_.end() - 1, k,
                                   [](std::uint64_t x, const DelayGroup& g) { return x < g.first; });
  return static_cast<std::uint32_t>(it - groups_.begin() - 1);
}

std::optional<std::uint64_t> EisProjection::stored_index(std::uint64_t whole) const {
  if (!part_) return whole < g_nS_.size() ? std::optional<std::uint64_t>(whole) : std::nullopt;
  // part_first_ ascends (ties only before empty groups' successors): the last group starting
  // at or before `whole` is the only one that can hold it.
  const auto it = std::upper_bound(part_first_.begin(), part_first_.end(), whole);
  if (it == part_first_.begin()) return std::nullopt;
  const auto g = static_cast<std::size_t>(it - part_first_.begin() - 1);
  const std::uint64_t offset = whole - part_first_[g];
  if (offset >= groups_[g + 1].first - groups_[g].first) return std::nullopt;
  return groups_[g].first + offset;
}

std::uint32_t EisProjection::pre_of_group(std::uint32_t g) const {
  return static_cast<std::uint32_t>(std::upper_bound(row_begin_.begin(), row_begin_.end() - 1, g) -
                                    row_begin_.begin() - 1);
}

std::uint32_t EisProjection::pre_of(std::uint64_t k) const { return pre_of_group(group_of(k)); }

double EisProjection::integrate(std::uint64_t k, std::uint32_t pre, std::uint32_t group, double t_ms,
                                const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes,
                                bool arrival_at_t_done, EisEnergy* energy) const {
  const double g_nS = std::fabs(g_nS_[k]);
  if (frozen_) return g_nS;
  const double delay_ms = groups_[group].delay_ms;
  const std::vector<double>& pre_times = pre_spikes.spikes(pre);
  const std::vector<double>& post_times = post_spikes.spikes(post_[k]);
  // Last touch: latest arrival before t (or at t, for read-outs after all events at t),
  // latest postsynaptic spike at or before t; the floor for a floored synapse.
  double t_prev = std::signbit(g_nS_[k]) ? floor_ms_ : 0.0;
  for (auto it = pre_times.rbegin(); it != pre_times.rend(); ++it)
    if (*it + delay_ms < t_ms || (arrival_at_t_done && *it + delay_ms == t_ms)) {
      t_prev = std::max(t_prev, *it + delay_ms);
      break;
    }
  for (auto it = post_times.rbegin(); it != post_times.rend(); ++it)
    if (*it <= t_ms) {
      t_prev = std::max(t_prev, *it);
      break;
    }
  if (!(t_ms > t_prev)) return g_nS;
  thread_local std::vector<WaveformCopy> copies;  // scratch (shards run on several threads)
  copies.clear();
  const double d_pre = p_.pre_waveform.duration_ms(), d_post = p_.post_waveform.duration_ms();
  for (double e : pre_times) {
    const double start = e + delay_ms;
    if (start < t_ms && start + d_pre > t_prev)
      copies.push_back({&p_.pre_waveform, start, pre_amplitude(e), +1});
  }
  for (double p : post_times)
    if (p < t_ms && p + d_post > t_prev) copies.push_back({&p_.post_waveform, p, post_amplitude(p), -1});
  return p_.device.advance(g_nS, t_prev, t_ms, copies, device_prefactor(whole_index(k, group)), energy);
}

void EisProjection::store_integrated(std::uint64_t k, std::uint32_t pre, std::uint32_t group, double t_ms,
                                     const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes,
                                     bool arrival_at_t_done, ExactEnergySum& energy) {
  const double g0 = std::fabs(g_nS_[k]);
  EisEnergy used;
  const double g1 =
      integrate(k, pre, group, t_ms, pre_spikes, post_spikes, arrival_at_t_done,
                p_.account_energy ? &used : nullptr);
  if (p_.account_energy) {
    energy.add(used);
    synapse_energy_fJ_[k] += used.total_fJ();
  }
  // Stored unmarked; the callers set the floored mark.
  if (g1 == g0 || p_.device.cycle_noise_sigma() == 0.0) {
    g_nS_[k] = g1;
    return;
  }
  // Counter-based draws: a synapse is updated at most once with a change at any time t (a
  // second touch at t integrates an empty interval), so (k, t) names the update.
  RandomStream noise =
      RandomStream::keyed(derive_key(derive_key(noise_key_, whole_index(k, group)), std::bit_cast<std::uint64_t>(t_ms)));
  g_nS_[k] = p_.device.apply_cycle_noise(g0, g1, noise);
}

void EisProjection::touch(std::uint64_t k, std::uint32_t pre, std::uint32_t group, double t_ms,
                          const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes,
                          bool arrival_at_t_done, ExactEnergySum& energy) {
  if (frozen_) return;  // G held; the synapse stays floored at the freeze time
  store_integrated(k, pre, group, t_ms, pre_spikes, post_spikes, arrival_at_t_done, energy);  // unmarks
}

void EisProjection::on_pre_arrival(double t_ms, std::uint32_t pre, std::uint32_t group, std::uint64_t first,
                                   std::uint64_t last, const SpikeHistory& pre_spikes,
                                   const SpikeHistory& post_spikes, std::vector<StaticSynapse>& transmit,
                                   std::uint32_t shard) {
  transmit.clear();
  ExactEnergySum& energy = touched_by(shard);
  for (std::uint64_t k = first; k < last; ++k) {
    touch(k, pre, group, t_ms, pre_spikes, post_spikes, false, energy);
    transmit.push_back({post_[k], static_cast<float>(p_.weight_per_nS * stored_conductance(k))});  // (frozen: floored)
  }
}

void EisProjection::on_post_spike(double t_ms, std::uint32_t post, const SpikeHistory& pre_spikes,
                                  const SpikeHistory& post_spikes, std::uint32_t self_object,
                                  const Event& current, std::uint32_t shard) {
  const bool at_t = current.t_ms == t_ms;
  ExactEnergySum& energy = touched_by(shard);
  for_each_incoming(post, [&](std::uint64_t k, std::uint32_t pre, std::uint32_t g) {
    // A spike arriving exactly at t has already touched this synapse if its delivery event
    // (t, Delivery, self_object, pre, g) came before, or is, the event being handled (a
    // Step or Sample event at t comes after every delivery at t).
    const bool arrival_done = at_t && !(current < Event::make(t_ms, EventKind::Delivery, self_object, pre, g));
    touch(k, pre, g, t_ms, pre_spikes, post_spikes, arrival_done, energy);
  });
}

void EisProjection::end_shards() {
  for (const ShardAccount& account : shard_accounts_) {
    energy_.add(account.energy);
    if (account.touched) control_open_ = false;
  }
  shard_accounts_.clear();
}

double EisProjection::conductance_at(std::uint64_t k, double t_ms, const SpikeHistory& pre_spikes,
                                     const SpikeHistory& post_spikes) const {
  const std::uint32_t g = group_of(k);
  return integrate(k, pre_of_group(g), g, t_ms, pre_spikes, post_spikes, true, nullptr);
}

EisProjection::Readout EisProjection::readout(std::uint64_t k, std::uint32_t pre, std::uint32_t group, double t_ms,
                                              const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes) const {
  EisEnergy tail;
  const double g =
      integrate(k, pre, group, t_ms, pre_spikes, post_spikes, true, p_.account_energy ? &tail : nullptr);
  return {g, p_.account_energy ? synapse_energy_fJ_[k] + tail.total_fJ() : 0.0};
}

EisEnergy EisProjection::energy_until(double t_ms, const SpikeHistory& pre_spikes,
                                      const SpikeHistory& post_spikes) const {
  if (!p_.account_energy) return energy_.value();
  ExactEnergySum total = energy_;
  total.add(energy_after_touches(t_ms, pre_spikes, post_spikes));
  return total.value();
}

ExactEnergySum EisProjection::energy_after_touches(double t_ms, const SpikeHistory& pre_spikes,
                                                   const SpikeHistory& post_spikes) const {
  if (!p_.account_energy) return {};
  // Tails summed exactly, so the parallel reduction gives the same total in any grouping.
  return tbb::parallel_reduce(
      tbb::blocked_range<std::uint32_t>(0, pre_size()), ExactEnergySum{},
      [&](const tbb::blocked_range<std::uint32_t>& rows, ExactEnergySum sum) {
        for (std::uint32_t pre = rows.begin(); pre < rows.end(); ++pre)
          for (std::uint32_t g = row_begin_[pre]; g < row_begin_[pre + 1]; ++g)
            for (std::uint64_t k = groups_[g].first; k < groups_[g + 1].first; ++k) {
              EisEnergy tail;
              integrate(k, pre, g, t_ms, pre_spikes, post_spikes, true, &tail);
              sum.add(tail);
            }
        return sum;
      },
      [](ExactEnergySum a, const ExactEnergySum& b) {
        a.add(b);
        return a;
      });
}

void EisProjection::require_control(const char* what) const {
  if (!control_open_)
    throw std::logic_error("EIS projection '" + name_ + "': " + what +
                           " needs synchronise(now) first, with no event handled since "
                           "(use Simulator::modify_eis_projection)");
}

void EisProjection::synchronise(double t_ms, const SpikeHistory&, const SpikeHistory&) {
  if (!(t_ms >= floor_ms_) || !(t_ms >= control_ms_))
    throw std::invalid_argument("EIS projection '" + name_ + "': synchronise at " + std::to_string(t_ms) +
                                " ms, before an earlier control time or touch floor (" +
                                std::to_string(std::max(floor_ms_, control_ms_)) + " ms)");
  control_ms_ = t_ms;
  control_open_ = true;
}

void EisProjection::bring_to(std::uint64_t k, std::uint32_t pre, std::uint32_t group, double t_ms,
                             const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes,
                             bool arrival_at_t_done) {
  if (!frozen_) store_integrated(k, pre, group, t_ms, pre_spikes, post_spikes, arrival_at_t_done, energy_);
  g_nS_[k] = -std::fabs(g_nS_[k]);  // floored
}

void EisProjection::advance_floor(double t_ms, const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes,
                                  bool every_synapse, const Event* current, std::uint32_t self_object) {
  if (floor_ms_ == t_ms && !every_synapse) return;
  const std::uint32_t n_pre = pre_size();
  for (std::uint32_t pre = 0; pre < n_pre; ++pre)
    for (std::uint32_t g = row_begin_[pre]; g < row_begin_[pre + 1]; ++g) {
      // As in on_post_spike: an arrival at t_ms has touched the group if its delivery event
      // came before, or is, the event being handled (between runs: always).
      const bool arrival_done = current == nullptr ||
                                (current->t_ms == t_ms &&
                                 !(*current < Event::make(t_ms, EventKind::Delivery, self_object, pre, g)));
      for (std::uint64_t k = groups_[g].first; k < groups_[g + 1].first; ++k)
        if (std::signbit(g_nS_[k]) ? floor_ms_ != t_ms : every_synapse)
          bring_to(k, pre, g, t_ms, pre_spikes, post_spikes, arrival_done);
    }
  floor_ms_ = t_ms;
}

void EisProjection::on_release(double t_ms, const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes,
                               std::uint32_t self_object, const Event& current) {
  if (!da_) return;
  da_->release(t_ms);
  if (da_->history_size() <= da_fold_limit_) return;
  // Every synapse to t_ms; afterwards only copies emitted after t_ms - window can act, so
  // the releases before that are folded. The limit doubles with what remains (dense releases
  // within one window), so catching up stays amortised.
  control_open_ = false;
  advance_floor(t_ms, pre_spikes, post_spikes, true, &current, self_object);
  ++catch_ups_;
  const double fold_ms = t_ms - window_ms_;
  if (fold_ms > da_->horizon_ms()) da_->forget_before(fold_ms);
  da_fold_limit_ = std::max(Neuromodulator::kHistoryLimit, 2 * da_->history_size());
}

double EisProjection::conductance(std::uint64_t k, const SpikeHistory& pre_spikes,
                                  const SpikeHistory& post_spikes) const {
  require_control("conductance");
  return conductance_at(k, control_ms_, pre_spikes, post_spikes);
}

void EisProjection::set_conductance(std::uint64_t k, double g_nS, const SpikeHistory& pre_spikes,
                                    const SpikeHistory& post_spikes) {
  require_control("set_conductance");
  if (k >= g_nS_.size())
    throw std::invalid_argument("EIS projection '" + name_ + "': set_conductance of synapse " + std::to_string(k) +
                                ", which does not exist (synapses 0.." + std::to_string(g_nS_.size()) + ")");
  const double lo = p_.device.g_min_nS(), hi = p_.device.g_max_nS();
  if (!(g_nS >= lo && g_nS <= hi)) {
    std::ostringstream m;
    m.precision(17);
    m << "EIS projection '" << name_ << "': set_conductance of synapse " << k << " to " << g_nS
      << " nS, outside the device's range [" << lo << ", " << hi << "] nS (device '" << p_.device.name() << "')";
    throw std::invalid_argument(m.str());
  }
  advance_floor(control_ms_, pre_spikes, post_spikes, false);
  if (!floored(k)) {
    const std::uint32_t g = group_of(k);
    bring_to(k, pre_of_group(g), g, control_ms_, pre_spikes, post_spikes);
  }
  g_nS_[k] = -std::fabs(g_nS);  // floored at the control time (-0.0 written as a floored 0)
}

void EisProjection::set_gate_factors(double a_pre, double a_post) {
  require_control("set_gate_factors");
  for (const auto& [name, a] : {std::pair{"a_pre", a_pre}, std::pair{"a_post", a_post}})
    if (!(a >= -100.0 && a <= 100.0))
      throw std::invalid_argument("EIS projection '" + name_ + "': set_gate_factors: " + name + " = " +
                                  std::to_string(a) + " is outside [-100, 100]");
  if (epochs_.back().after_ms == control_ms_)
    epochs_.back() = {control_ms_, a_pre, a_post};
  else
    epochs_.push_back({control_ms_, a_pre, a_post});
  p_.a_pre = a_pre;
  p_.a_post = a_post;
}

void EisProjection::set_frozen(bool frozen, const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes) {
  require_control("set_frozen");
  if (frozen == frozen_) return;
  if (frozen) {
    advance_floor(control_ms_, pre_spikes, post_spikes, true);  // every synapse held at its value now
    frozen_ = true;
  } else {
    floor_ms_ = control_ms_;  // every synapse is floored: the frozen interval is skipped
    frozen_ = false;
  }
}

}  // namespace ionspike

namespace ionspike {

void EisProjection::checkpoint(StateArchive& ar) {
  ar.values("g_nS", g_nS_);  // negative: floored
  ar.value("energy", energy_);
  ar.values("synapse_energy_fJ", synapse_energy_fJ_);
  ar.growing("gate_epochs", epochs_);
  ar.value("floor_ms", floor_ms_);
  ar.value("control_ms", control_ms_);
  ar.flag("control_open", control_open_);
  ar.flag("frozen", frozen_);
  std::uint64_t fold_limit = da_fold_limit_;
  ar.value("dopamine_fold_limit", fold_limit);
  ar.value("dopamine_catch_ups", catch_ups_);
  if (da_) {
    const auto scope = ar.scope("dopamine");
    da_->checkpoint(ar);
  }
  if (!ar.restoring()) return;
  if (!energy_.in_range()) ar.fail("energy", "a total is beyond 2^62 fJ");
  if (epochs_.empty() || !std::is_sorted(epochs_.begin(), epochs_.end(),
                                         [](const GateEpoch& a, const GateEpoch& b) { return a.after_ms < b.after_ms; }))
    ar.fail("gate_epochs", "must be non-empty and ascending in after_ms");
  da_fold_limit_ = static_cast<std::size_t>(fold_limit);
  const double lo = p_.device.g_min_nS(), hi = p_.device.g_max_nS();
  for (const double g : g_nS_)
    if (!(std::fabs(g) >= lo && std::fabs(g) <= hi))
      ar.fail("g_nS", "a conductance is outside the device's range [" + std::to_string(lo) + ", " +
                          std::to_string(hi) + "] nS or not a number");
}

}  // namespace ionspike
