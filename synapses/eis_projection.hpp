// Run-time storage and lazy update of the EIS synapses of one projection.
//
// Each synapse is an electrochemical ionic synapse (synapses/eis_device.hpp) whose gate sees
//   V_G(t) = (a_pre * sum_k V_pre(t - e_k - d) + a_post * sum_m V_post(t - p_m)) / 2
// over every waveform copy of its presynaptic neuron (spikes e_k, axonal delay d: the V_pre
// waveform reaches the device with the spike) and of its postsynaptic neuron (spikes p_m,
// no dendritic delay). The weight the postsynaptic neuron receives is weight_per_nS * G.
//
// Lazy bookkeeping (DESIGN.md §3). A synapse is brought up to date only when it is touched:
// at each arrival of a presynaptic spike (before transmitting, so the spike is carried by
// G at its arrival time) and at each postsynaptic spike; read-outs integrate a copy. Its
// last touch is derived from the two neurons' spike histories, not stored:
//   t_prev = max(latest arrival e_k + d < t (or = t once that arrival has been handled),
//                latest postsynaptic spike <= t, 0),
// and the copies that can act on (t_prev, t] are those with start < t and start + duration
// > t_prev. The integration over that interval is exact (EisDevice::advance).
//
// Layout (16 bytes per synapse): CSR by presynaptic neuron, rows split into delay groups (as
// StaticProjection), synapses as structure of arrays: G (double) and target (uint32), plus a
// by-target index of synapse indices (uint32) for the postsynaptic touches; when energy is
// accounted, 8 more bytes per synapse of cumulative device energy. The by-target index holds
// only k: a target's synapses are listed in ascending k, i.e. ascending presynaptic neuron and
// group, so a touch walks the rows and groups forward (a galloping search) to learn each one's
// neuron and delay. Per-device variability is not stored either: the kinetic prefactor of
// synapse k is drawn when needed from the counter-based stream keyed by (seed,
// "eis_device:" + name, whole index of k), the same value at every touch, in every part of a
// distributed build and on any thread.
//
// Control between runs (drivers, Simulator::modify_eis_projection; docs/eis.md "Run-time
// control"). A value written at t must not be integrated again from the derived last touch.
// The projection keeps one "touch floor" t_floor (one double); a synapse whose stored G is
// its value at t_floor is *floored*, marked by the sign bit of its stored G (G >= g_min >= 0,
// so the bit is free), so the synapse stays 16 bytes. For a floored synapse
//   t_prev = max(t_prev from the histories, t_floor)
// and copies that started before t_floor but are still active contribute only their part
// after it. The mark is cleared by the synapse's next touch (which stores G at a later time).
//  * synchronise(t) only declares the control time: it integrates nothing, so a run in
//    chunks with read-only sessions in between is bit-identical to one run (splitting an
//    update changes rounding and, with cycle noise, the noise draws).
//  * The first write at t (set_conductance, set_frozen(true)) moves the floor to t: synapses
//    still floored at an earlier floor are integrated to t (a touch, energy and noise as
//    usual). The written synapse is integrated to t, floored, and overwritten.
//  * Gate factors belong to the waveform copy: a copy keeps the a_pre/a_post in force when
//    its spike was emitted (spikes at or before the change keep the old ones), so changing
//    them integrates nothing; the changes are kept as a short list of epochs.
//  * Frozen: touches do nothing (G is held, no energy); every synapse is brought to the
//    freeze time first. Unfreezing moves the floor to the unfreeze time without integrating:
//    the frozen interval is skipped entirely, even by copies active across its ends.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "engine/event.hpp"
#include "engine/random_stream.hpp"
#include "engine/spike_history.hpp"
#include "engine/state_archive.hpp"
#include "learning/neuromodulator.hpp"
#include "synapses/eis_device.hpp"
#include "synapses/exact_energy_sum.hpp"
#include "synapses/static_projection.hpp"
#include "synapses/static_synapse.hpp"
#include "synapses/waveform.hpp"

namespace ionspike {

struct EisSynapseSpec {
  std::uint32_t pre;
  std::uint32_t post;
  double delay_ms;
  double g_init_nS;
};

// Dopamine-modulated gate factors (docs/eis.md § 10; seed 001 Fig. 5c-d). A copy emitted at
// t_e (pre: the spike; post: the start of V_post) has amplitude a_pre * m_pre(d(t_e)) (post:
// a_post * m_post(d(t_e))), m(d) = clamp(1 + gain_per_uM * (d - reference_uM), factor_min,
// factor_max), d the concentration of the neuromodulator (uM). The projection keeps its own
// copy of the release history (the engine forwards every release, on_release), folded after
// bringing every synapse up to date, so that d(t_e) is known for every copy that can still act.
struct EisDopamine {
  std::uint32_t neuromodulator = 0;     // index in RuntimeNetwork::neuromodulators
  NeuromodulatorParameters release;     // that neuromodulator's parameters
  double pre_gain_per_uM = 0.0;
  double post_gain_per_uM = 0.0;
  double reference_uM = 0.0;
  double factor_min = -1.0;
  double factor_max = 1.0;
  double factor(double gain_per_uM, double d_uM) const {
    return std::clamp(1.0 + gain_per_uM * (d_uM - reference_uM), factor_min, factor_max);
  }
};

struct EisProjectionParameters {
  EisDevice device;
  Waveform pre_waveform;
  Waveform post_waveform;
  double a_pre = 1.0;
  double a_post = 1.0;
  double weight_per_nS = 0.0;  // in the target model's weight unit per nS
  bool account_energy = true;  // sum the device energy of every update into energy()
  // Cycle-to-cycle noise: the draws of synapse k's update ending at t come from the stream
  // keyed by ("eis_cycle_noise:" + name, seed), k and the bits of t (counter-based: the same
  // draws whatever the order of the updates, so on any number of threads).
  std::uint64_t seed = 1;
  std::optional<EisDopamine> dopamine;  // absent: constant gate factors
};

// One rank's part of a projection (a distributed build; networks/connectivity.hpp,
// KeptSynapsePositions): every delay group of the whole projection (sorted, unique; some
// empty here), so that group numbers agree over the ranks, and per group the index in the
// whole projection of its first synapse stored here, so that the part names its synapses
// (cycle noise, conductance recorders) as the whole projection does.
struct EisPart {
  std::vector<GroupKey> groups;
  std::vector<std::uint64_t> part_first;
  std::uint64_t whole_synapses = 0;
};

class EisProjection {
 public:
  // part: null for a whole projection; else `specs` are the part's synapses (each one's group
  // among part->groups).
  EisProjection(std::string name, std::uint32_t pre_population, std::uint32_t post_population,
                std::uint32_t pre_size, std::uint32_t post_size, std::vector<EisSynapseSpec> specs,
                EisProjectionParameters params, const EisPart* part = nullptr);

  const std::string& name() const { return name_; }
  std::uint32_t pre_population() const { return pre_population_; }
  std::uint32_t post_population() const { return post_population_; }
  // Synapses stored here (a part: this rank's); storage indices k are in [0, synapse_count()).
  std::uint64_t synapse_count() const { return g_nS_.size(); }
  // ---- A part of a distributed build (EisPart) ----
  bool is_part() const { return part_; }
  // Synapses of the whole projection (= synapse_count() unless a part).
  std::uint64_t whole_synapse_count() const { return whole_synapses_; }
  // Index in the whole projection of stored synapse k (k itself unless a part).
  std::uint64_t whole_index(std::uint64_t k) const { return part_ ? whole_index(k, group_of(k)) : k; }
  // The same for synapse k of delay group g.
  std::uint64_t whole_index(std::uint64_t k, std::uint32_t g) const {
    return part_ ? part_first_[g] + (k - groups_[g].first) : k;
  }
  // Device-to-device prefactor of the synapse with index `whole` in the whole projection
  // (exp(device_spread_sigma * N(0, 1)) from its counter-based stream; 1 without spread).
  double device_prefactor(std::uint64_t whole) const {
    if (p_.device.device_spread_sigma() == 0.0) return 1.0;
    RandomStream rng = RandomStream::keyed(derive_key(prefactor_key_, whole));
    return p_.device.draw_prefactor(rng);
  }
  // Storage index of the synapse with index `whole` in the whole projection, if stored here.
  std::optional<std::uint64_t> stored_index(std::uint64_t whole) const;
  const EisProjectionParameters& parameters() const { return p_; }
  double max_delay_ms() const { return max_delay_ms_; }

  std::uint32_t row_begin(std::uint32_t pre) const { return row_begin_[pre]; }
  std::uint32_t row_end(std::uint32_t pre) const { return row_begin_[pre + 1]; }
  double group_delay_ms(std::uint32_t g) const { return groups_[g].delay_ms; }

  // A spike of `pre` arrives at t_ms through delay group g: every synapse of the group is
  // brought up to date and `transmit` receives (target, weight_per_nS * G) for each.
  void on_pre_arrival(double t_ms, std::uint32_t pre, std::uint32_t group, const SpikeHistory& pre_spikes,
                      const SpikeHistory& post_spikes, std::vector<StaticSynapse>& transmit) {
    on_pre_arrival(t_ms, pre, group, groups_[group].first, groups_[group + 1].first, pre_spikes, post_spikes,
                   transmit, kSerial);
  }
  // The same for the synapses at storage positions [first, last) of the group only (a shard's
  // part in a parallel run; shard: its index, or kSerial).
  void on_pre_arrival(double t_ms, std::uint32_t pre, std::uint32_t group, std::uint64_t first, std::uint64_t last,
                      const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes,
                      std::vector<StaticSynapse>& transmit, std::uint32_t shard);
  // Neuron `post` fires at t_ms (called before the spike enters post_spikes), while the
  // engine handles event `current` (of any kind); self_object is this projection's id in
  // Delivery events (it tells which arrivals at exactly t_ms have already been handled).
  // shard: the shard of `post` in a parallel run, or kSerial.
  void on_post_spike(double t_ms, std::uint32_t post, const SpikeHistory& pre_spikes,
                     const SpikeHistory& post_spikes, std::uint32_t self_object, const Event& current,
                     std::uint32_t shard = kSerial);

  // ---- Parallel runs (engine/parallel_run.hpp) ----
  // A synapse is changed only by the arrivals at it and by its target's spikes, so the shard
  // of its target owns it. What the projection sums over synapses (energy) and its control
  // state are kept per shard during the run (begin_shards) and combined after it
  // (end_shards); the energy sum is exact (synapses/exact_energy_sum.hpp), so the totals are
  // those of the serial run.
  static constexpr std::uint32_t kSerial = 0xffffffffu;
  void begin_shards(std::uint32_t shards) { shard_accounts_.assign(shards, {}); }
  void end_shards();
  // Energy of the shards' updates since begin_shards (a distributed run sends it to the other
  // ranks, which add it after their end_shards).
  ExactEnergySum run_energy() const {
    ExactEnergySum sum;
    for (const ShardAccount& account : shard_accounts_) sum.add(account.energy);
    return sum;
  }
  void add_energy(const ExactEnergySum& energy) { energy_.add(energy); }
  // Storage: synapses of delay group g are [group_first(g), group_first(g + 1)).
  std::uint32_t group_count() const { return static_cast<std::uint32_t>(groups_.size() - 1); }
  std::uint64_t group_first(std::uint32_t g) const { return groups_[g].first; }
  // Whether the synapses of each delay group are stored in ascending target order (the
  // connectors generate them so), as a parallel run needs to split groups by shard.
  bool targets_sorted_in_groups() const { return targets_sorted_; }
  // Conductance of synapse k at t_ms (after every event at t_ms), without changing state.
  double conductance_at(std::uint64_t k, double t_ms, const SpikeHistory& pre_spikes,
                        const SpikeHistory& post_spikes) const;

  // ---- Control between runs (docs/eis.md, "Run-time control") ----
  // Declares t_ms as the control time: every event up to t_ms has been handled (the
  // engine's current time). Integrates nothing and changes nothing; a following write acts
  // at t_ms. Throws std::invalid_argument if t_ms is before an earlier control time or floor.
  void synchronise(double t_ms, const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes);
  // True while the control time is current (no event has touched the projection since).
  bool control_open() const { return control_open_; }
  void end_control() { control_open_ = false; }
  double control_time_ms() const { return control_ms_; }
  double touch_floor_ms() const { return floor_ms_; }
  // G of synapse k at the control time (read-only; the same as conductance_at there).
  double conductance(std::uint64_t k, const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes) const;
  // Sets G of synapse k at the control time: from then on the device integrates from g_nS.
  // The synapse is first integrated to the control time (energy accounted; the write itself
  // costs no modelled energy). Throws std::invalid_argument naming the projection, the
  // synapse and the device's range for NaN or a value outside [g_min, g_max] (never clamps),
  // std::logic_error without a current control time.
  void set_conductance(std::uint64_t k, double g_nS, const SpikeHistory& pre_spikes,
                       const SpikeHistory& post_spikes);
  // Synapses onto target neuron `post`: (presynaptic neuron, synapse index) pairs, ascending.
  struct Incoming {
    std::uint32_t pre;
    std::uint32_t synapse;
  };
  std::vector<Incoming> incoming(std::uint32_t post) const {
    std::vector<Incoming> out;
    for_each_incoming(post, [&](std::uint64_t k, std::uint32_t pre, std::uint32_t) {
      out.push_back({pre, static_cast<std::uint32_t>(k)});
    });
    return out;
  }
  std::uint32_t post_size() const { return static_cast<std::uint32_t>(incoming_begin_.size() - 1); }
  std::uint32_t pre_size() const { return static_cast<std::uint32_t>(row_begin_.size() - 1); }
  // Gate factors of the copies of spikes emitted after the control time (earlier spikes keep
  // theirs). Throws std::invalid_argument for values outside [-100, 100] or NaN (the range
  // the network format accepts), std::logic_error without a current control time.
  void set_gate_factors(double a_pre, double a_post);
  double a_pre() const { return epochs_.back().a_pre; }
  double a_post() const { return epochs_.back().a_post; }
  // Freezes (true) or releases (false) every device at the control time. Frozen, G is held
  // exactly: touches integrate nothing and account no energy; waveform copies act only
  // outside frozen intervals. Freezing integrates every synapse to the control time first.
  void set_frozen(bool frozen, const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes);
  bool frozen() const { return frozen_; }
  // Floored synapses (diagnostics and tests).
  bool floored(std::uint64_t k) const { return std::signbit(g_nS_[k]); }

  // ---- Dopamine (parameters().dopamine) ----
  bool modulated() const { return p_.dopamine.has_value(); }
  const EisDopamine* dopamine() const { return p_.dopamine ? &*p_.dopamine : nullptr; }
  // A release of the modulating neuromodulator at t_ms (every release, in order, while the
  // engine handles event `current`; self_object as in on_post_spike). When the projection's
  // release history exceeds its limit, every synapse is brought to t_ms (floored there) and
  // the releases older than t_ms - window_ms() are folded.
  void on_release(double t_ms, const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes,
                  std::uint32_t self_object, const Event& current);
  // Amplitude of the copy of a pre (post) spike emitted at emitted_ms (gate factor epoch and
  // dopamine factor).
  double pre_amplitude(double emitted_ms) const {
    const double a = epoch_of(emitted_ms).a_pre;
    return pre_modulated_ ? a * p_.dopamine->factor(p_.dopamine->pre_gain_per_uM, da_->concentration_uM(emitted_ms))
                          : a;
  }
  double post_amplitude(double emitted_ms) const {
    const double a = epoch_of(emitted_ms).a_post;
    return post_modulated_
               ? a * p_.dopamine->factor(p_.dopamine->post_gain_per_uM, da_->concentration_uM(emitted_ms))
               : a;
  }
  // Longest time from a copy's emission to its end (pre: delay + waveform; post: waveform).
  double window_ms() const { return window_ms_; }
  // Times every synapse was brought up to date because of the release history (diagnostics).
  std::uint64_t dopamine_catch_ups() const { return catch_ups_; }

  // Storage order: presynaptic neuron, delay and target of synapse k; its stored G.
  std::uint32_t pre_of(std::uint64_t k) const;
  std::uint32_t post_of(std::uint64_t k) const { return post_[k]; }
  double delay_of(std::uint64_t k) const { return groups_[group_of(k)].delay_ms; }
  double stored_conductance(std::uint64_t k) const { return std::fabs(g_nS_[k]); }
  // Everything stored of synapse k (a distributed run hands it to the ranks that do not own
  // the synapse: Simulator::consolidate_plastic_synapses).
  struct StoredState {
    double marked_g_nS;  // G, negated while the synapse is floored
    double energy_fJ;
  };
  StoredState stored_state(std::uint64_t k) const { return {g_nS_[k], synapse_energy_fJ(k)}; }
  void set_stored_state(std::uint64_t k, const StoredState& state) {
    g_nS_[k] = state.marked_g_nS;
    if (!synapse_energy_fJ_.empty()) synapse_energy_fJ_[k] = state.energy_fJ;
  }
  // Device energy of every update so far (until each synapse's last touch).
  EisEnergy energy() const { return energy_.value(); }
  const ExactEnergySum& energy_sum() const { return energy_; }
  // Device energy spent by synapse k so far (fJ; 0 when energy is not accounted).
  double synapse_energy_fJ(std::uint64_t k) const {
    return synapse_energy_fJ_.empty() ? 0.0 : synapse_energy_fJ_[k];
  }
  // The same, including the part after the last touch up to t_ms (read-only; for reports;
  // the synapses are read in parallel, up to tbb's allowed parallelism, and summed exactly).
  EisEnergy energy_until(double t_ms, const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes) const;
  // The energy the stored synapses would spend from their last touches to t_ms (exact, so the
  // parts of a distributed build add up to the whole projection's).
  ExactEnergySum energy_after_touches(double t_ms, const SpikeHistory& pre_spikes,
                                      const SpikeHistory& post_spikes) const;
  struct Readout {
    double g_nS;       // conductance_at(k, t_ms)
    double energy_fJ;  // device energy of the synapse over the run up to t_ms (0 if not accounted)
  };
  Readout readout(std::uint64_t k, double t_ms, const SpikeHistory& pre_spikes,
                  const SpikeHistory& post_spikes) const {
    const std::uint32_t g = group_of(k);
    return readout(k, pre_of_group(g), g, t_ms, pre_spikes, post_spikes);
  }
  // The same for a synapse whose presynaptic neuron and delay group the caller knows (a walk
  // over the rows: row_begin/row_end, group_first). Read-only: safe on several threads at once.
  Readout readout(std::uint64_t k, std::uint32_t pre, std::uint32_t group, double t_ms, const SpikeHistory& pre_spikes,
                  const SpikeHistory& post_spikes) const;
  // visit(k, pre, delay_ms, readout(k, ..., t_ms)) for every stored synapse, in parallel over
  // the presynaptic rows (up to tbb's allowed parallelism); visit must be safe to call so.
  template <class Visit>
  void for_each_readout(double t_ms, const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes,
                        const Visit& visit) const {
    tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, pre_size()), [&](const tbb::blocked_range<std::uint32_t>& rows) {
      for (std::uint32_t pre = rows.begin(); pre < rows.end(); ++pre)
        for (std::uint32_t g = row_begin_[pre]; g < row_begin_[pre + 1]; ++g)
          for (std::uint64_t k = groups_[g].first; k < groups_[g + 1].first; ++k)
            visit(k, pre, groups_[g].delay_ms, readout(k, pre, g, t_ms, pre_spikes, post_spikes));
    });
  }

  // Conductances, floored marks, energies, gate epochs, control state and the dopamine
  // history (engine/state_archive.hpp).
  void checkpoint(StateArchive& ar);

 private:
  struct DelayGroup {
    double delay_ms;
    std::uint64_t first;
  };
  // Gate factors of the copies of spikes emitted after after_ms (the first epoch: always).
  struct GateEpoch {
    double after_ms;
    double a_pre;
    double a_post;
  };
  std::uint32_t group_of(std::uint64_t k) const;
  std::uint32_t pre_of_group(std::uint32_t g) const;
  // The last i in [from, end) with key(i) <= x, given key(from) <= x and keys ascending:
  // galloping search forward from `from` (O(log distance)).
  template <class Key>
  static std::uint32_t gallop_last_at_most(std::uint32_t from, std::uint32_t end, std::uint64_t x, const Key& key) {
    std::uint32_t lo = from, step = 1, hi = from;
    for (;;) {
      hi = end - lo > step ? lo + step : end;
      if (hi == end || key(hi) > x) break;
      lo = hi;
      if (step < (1u << 31)) step *= 2;
    }
    while (hi - lo > 1) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      (key(mid) <= x ? lo : hi) = mid;
    }
    return lo;
  }
  // f(k, pre, group) for every synapse onto `post`, in ascending k.
  template <class F>
  void for_each_incoming(std::uint32_t post, const F& f) const {
    std::uint32_t g = 0, pre = 0;
    const auto group_first = [&](std::uint32_t i) { return groups_[i].first; };
    const auto row_first = [&](std::uint32_t i) { return std::uint64_t{row_begin_[i]}; };
    for (std::uint64_t i = incoming_begin_[post]; i < incoming_begin_[post + 1]; ++i) {
      const std::uint64_t k = incoming_[i];
      g = gallop_last_at_most(g, group_count(), k, group_first);
      pre = gallop_last_at_most(pre, pre_size(), g, row_first);
      f(k, pre, g);
    }
  }
  const GateEpoch& epoch_of(double emitted_ms) const {
    if (emitted_ms > epochs_.back().after_ms) return epochs_.back();
    auto it = std::lower_bound(epochs_.begin(), epochs_.end(), emitted_ms,
                               [](const GateEpoch& e, double t) { return e.after_ms < t; });
    return *(it - 1);
  }
  void require_control(const char* what) const;
  // Integrates synapse k to t_ms (a touch: energy and cycle noise as usual; nothing while
  // frozen) and marks it floored. The caller sets floor_ms_ = t_ms.
  // arrival_at_t_done: an arrival exactly at t_ms has been handled (always, between runs).
  void bring_to(std::uint64_t k, std::uint32_t pre, std::uint32_t group, double t_ms, const SpikeHistory& pre_spikes,
                const SpikeHistory& post_spikes, bool arrival_at_t_done = true);
  // Moves the floor to t_ms: synapses floored at the old floor are brought to t_ms, and
  // with every_synapse also all others (afterwards every synapse is floored at t_ms).
  // During a run, current/self_object tell which arrivals at t_ms have been handled.
  void advance_floor(double t_ms, const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes,
                     bool every_synapse, const Event* current = nullptr, std::uint32_t self_object = 0);
  // G of synapse k integrated from its last touch to t_ms. arrival_at_t_done: a spike
  // arriving exactly at t_ms has already touched the synapse (read-outs come last at t).
  double integrate(std::uint64_t k, std::uint32_t pre, std::uint32_t group, double t_ms,
                   const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes,
                   bool arrival_at_t_done, EisEnergy* energy) const;
  // Integrates synapse k from its last touch to t_ms and stores G, not floored (energy
  // accounted, cycle noise applied); bring_to marks it floored afterwards.
  void store_integrated(std::uint64_t k, std::uint32_t pre, std::uint32_t group, double t_ms,
                        const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes, bool arrival_at_t_done,
                        ExactEnergySum& energy);
  void touch(std::uint64_t k, std::uint32_t pre, std::uint32_t group, double t_ms,
             const SpikeHistory& pre_spikes, const SpikeHistory& post_spikes, bool arrival_at_t_done,
             ExactEnergySum& energy);
  // Where an event's touches account their energy: the shard's account in a parallel run
  // (which also notes that the projection was touched), else the projection's total (and the
  // control time is no longer current).
  ExactEnergySum& touched_by(std::uint32_t shard) {
    if (shard == kSerial) {
      control_open_ = false;
      return energy_;
    }
    ShardAccount& account = shard_accounts_[shard];
    account.touched = true;
    return account.energy;
  }

  std::string name_;
  std::uint32_t pre_population_, post_population_;
  EisProjectionParameters p_;
  std::vector<std::uint32_t> row_begin_;
  std::vector<DelayGroup> groups_;  // + sentinel
  std::vector<double> g_nS_;             // G of each synapse; negated while floored
  std::vector<std::uint32_t> post_;      // target of each synapse
  std::vector<std::uint64_t> incoming_begin_;  // by target: incoming_[incoming_begin_[j] ..)
  std::vector<std::uint32_t> incoming_;        // synapse indices, ascending per target
  double max_delay_ms_ = 0.0;
  bool targets_sorted_ = true;
  bool part_ = false;                       // EisPart
  std::vector<std::uint64_t> part_first_;   // a part: per group, the whole index of its first synapse
  std::uint64_t whole_synapses_ = 0;
  ExactEnergySum energy_;
  std::vector<double> synapse_energy_fJ_;  // per synapse, when account_energy
  std::uint64_t noise_key_;                // cycle-to-cycle noise (counter-based, see the parameters)
  std::uint64_t prefactor_key_;            // device spread (counter-based, by whole index)
  struct ShardAccount {
    ExactEnergySum energy;
    bool touched = false;
  };
  std::vector<ShardAccount> shard_accounts_;  // during a parallel run, one per shard
  // Control between runs.
  std::vector<GateEpoch> epochs_;  // after_ms ascending; epochs_[0].after_ms = -infinity
  double floor_ms_ = 0.0;          // touch floor of the floored synapses
  double control_ms_ = 0.0;        // control time declared by synchronise
  bool control_open_ = false;
  bool frozen_ = false;
  // Dopamine: the projection's copy of the release history.
  std::optional<Neuromodulator> da_;
  bool pre_modulated_ = false, post_modulated_ = false;
  std::size_t da_fold_limit_ = Neuromodulator::kHistoryLimit;
  double window_ms_ = 0.0;
  std::uint64_t catch_ups_ = 0;
};

}  // namespace ionspike
