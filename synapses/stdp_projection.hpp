// Run-time storage and updates of a projection whose synapses learn by trace STDP
// (learning/stdp_rule.hpp).
//
// Layout: the synapses are a StaticProjection (CSR by presynaptic neuron, rows split into
// delay groups, 8-byte synapses {target, weight}), so an arriving spike is transmitted
// exactly as a static one, from the same contiguous run. Plasticity adds
//   - presynaptic traces per delay group (a group is one presynaptic neuron and one delay:
//     every synapse in it sees the same arrivals, so the trace is shared, not per synapse);
//   - postsynaptic traces per target neuron;
//   - a by-target index {synapse, group} (8 bytes per synapse) for postsynaptic spikes.
// 16 bytes per synapse in all, plus 24 bytes per delay group and per target neuron.
//
// Dopamine-modulated STDP (Izhikevich 2007; docs/dopamine.md). With a DopamineModulation the
// rule's updates go to a per-synapse eligibility trace c (decaying with tau_c_ms) instead of
// the weight, and the weight magnitude obeys dw/dt = c(t) d(t) (d: the neuromodulator's
// concentration in uM, c in weight units per (uM ms)), clipped to [w_min, w_max]. Each
// synapse is brought up to date lazily, exactly, at its own events (before it transmits, at
// postsynaptic spikes), in catch_up, and read-only by weight_at: between its events c and d
// are sums of exponentials (Neuromodulator::eligibility_integral), and the integrand has the
// sign of c (d > 0), so w is monotone between events and clipping once at the end of the
// interval is the exact clipped solution. Only the additive dependence (F = w_max) is
// allowed. Extra state: {w (double), c (double), t of the last update (double)}, 24 bytes per
// synapse, 40 bytes per synapse in all. The unmodulated path is unchanged.
//
// Weights are stored signed (inhibitory projections negative, as static synapses); the rule
// acts on the magnitude. Updates are exact in continuous time: traces are decayed to the
// event's time with exp(), nothing is stepped.
//
// Timing. Presynaptic spikes act at their arrival (spike time + axonal delay). A postsynaptic
// spike acts when the engine calls on_post_spike: at the spike time for event-driven targets,
// one step (dt) later for time-driven targets, whose spikes are known only when the step that
// found them ends (the same rule as the start of V_post for EIS synapses, engine/simulator).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/state_archive.hpp"
#include "learning/neuromodulator.hpp"
#include "learning/stdp_rule.hpp"
#include "synapses/static_projection.hpp"

namespace ionspike {

// Which neuromodulator gates a projection's weights, and the eligibility time constant.
struct DopamineModulation {
  std::uint32_t neuromodulator = 0;  // index in RuntimeNetwork::neuromodulators
  double tau_c_ms = 1000.0;          // Izhikevich 2007: 1 s
};

class StdpProjection {
 public:
  // specs: initial weights signed, magnitudes within [rule.w_min, rule.w_max] (validated).
  StdpProjection(std::string name, std::uint32_t pre_population, std::uint32_t post_population,
                 std::uint32_t pre_size, std::uint32_t post_size, std::vector<SynapseSpec> specs, StdpRule rule,
                 bool inhibitory, std::optional<DopamineModulation> dopamine = std::nullopt,
                 const std::vector<GroupKey>* groups = nullptr);  // as for StaticProjection

  const std::string& name() const { return table_.name(); }
  std::uint32_t pre_population() const { return table_.pre_population(); }
  std::uint32_t post_population() const { return table_.post_population(); }
  std::uint64_t synapse_count() const { return table_.synapse_count(); }
  std::uint32_t pre_size() const { return table_.pre_size(); }
  const StdpRule& rule() const { return rule_; }
  bool inhibitory() const { return sign_ < 0.0; }

  std::uint32_t row_begin(std::uint32_t pre) const { return table_.row_begin(pre); }
  std::uint32_t row_end(std::uint32_t pre) const { return table_.row_end(pre); }
  double group_delay_ms(std::uint32_t group) const { return table_.group_delay_ms(group); }
  // The synapses of a group, with the weights an arrival at this moment transmits.
  std::span<const StaticSynapse> group_synapses(std::uint32_t group) const { return table_.group_synapses(group); }

  // After a spike arriving at t_ms through `group` has been transmitted: depression of the
  // group's synapses, then the jump of the group's presynaptic traces.
  void after_pre_arrival(double t_ms, std::uint32_t group) {
    after_pre_arrival(t_ms, group, table_.group_first(group), table_.group_first(group + 1), 0);
  }
  // Postsynaptic neuron `post` fires (its spike acting at t_ms): potentiation of its incoming
  // synapses, then the jump of its postsynaptic traces.
  void on_post_spike(double t_ms, std::uint32_t post) { on_post_spike(t_ms, post, 0); }

  // Parallel runs (engine/parallel_run.hpp). Each thread owns the synapses onto its own target
  // neurons; a group's synapses to one thread's targets are a contiguous storage range (groups
  // are sorted by target). The group's presynaptic traces are kept in one copy per thread:
  // each thread jumps its copy at the group's arrivals, which it handles in the same order at
  // the same times, so every copy holds bit for bit the value of the single trace of a serial
  // run. set_pre_trace_copies(n) replicates the traces n times (1: back to one copy, taking
  // copy source_copy[g] of group g).
  void set_pre_trace_copies(std::uint32_t copies);
  void merge_pre_trace_copies(std::span<const std::uint32_t> source_copy);
  std::uint32_t pre_trace_copies() const { return trace_copies_; }
  // after_pre_arrival restricted to storage range [first, last) of the group, with trace copy `copy`.
  void after_pre_arrival(double t_ms, std::uint32_t group, std::uint64_t first, std::uint64_t last, std::uint32_t copy);
  // on_post_spike reading the presynaptic traces of copy `copy`.
  void on_post_spike(double t_ms, std::uint32_t post, std::uint32_t copy);
  // Storage range of the synapses of `group`, and of the group's synapses as 8-byte {target, weight}.
  std::uint32_t group_count() const { return table_.group_count(); }
  std::uint64_t group_first(std::uint32_t group) const { return table_.group_first(group); }
  bool targets_sorted_in_groups() const { return table_.targets_sorted_in_groups(); }
  std::span<const StaticSynapse> stored_synapses() const { return table_.stored_synapses(); }

  // Dopamine modulation (nullopt: plain STDP). The overloads taking a Neuromodulator are the
  // modulated path; the engine calls them for modulated projections only.
  const std::optional<DopamineModulation>& dopamine() const { return dopamine_; }
  bool modulated() const { return dopamine_.has_value(); }
  // Brings the synapses of `group` up to t_ms, so that group_synapses() transmits exact weights.
  void advance_group(double t_ms, std::uint32_t group, const Neuromodulator& da);
  void after_pre_arrival(double t_ms, std::uint32_t group, const Neuromodulator& da);
  void on_post_spike(double t_ms, std::uint32_t post, const Neuromodulator& da);
  // Every synapse up to t_ms (then the neuromodulator may forget its history before t_ms).
  void catch_up(double t_ms, const Neuromodulator& da);
  // Signed weight of synapse k at t_ms (>= its last update), without changing anything.
  double weight_at(std::uint64_t k, double t_ms, const Neuromodulator& da) const;
  // Eligibility c of synapse k at t_ms (acts on the magnitude; weight unit per uM ms).
  double eligibility_at(std::uint64_t k, double t_ms) const;

  // Storage order (the order of <name>.weights.csv): presynaptic neuron, target, delay,
  // signed weight of every synapse.
  std::span<const StaticSynapse> synapses() const { return table_.stored_synapses(); }
  std::vector<std::uint32_t> presynaptic_indices() const { return table_.presynaptic_indices(); }
  std::vector<double> delays_ms() const { return table_.delays_ms(); }
  // Signed weight of synapse k; set_weight takes a signed weight whose magnitude must lie
  // within the rule's bounds (for drivers, e.g. weight normalisation between runs). For a
  // modulated projection weight() is the weight at the synapse's last update (use weight_at),
  // and set_weight replaces the weight at the synapse's last update, leaving its eligibility
  // as it is: exact before the first run (every synapse is at t = 0, c = 0; e.g. the chosen
  // synapse of the distal reward study starting at 0), or after catch_up(t) for a weight at t.
  double weight(std::uint64_t k) const { return table_.stored_synapses()[k].weight; }
  void set_weight(std::uint64_t k, double signed_weight);
  // The stored (float) weight of synapse k as another copy of this projection holds it (a
  // distributed run's consolidation: Simulator::consolidate_plastic_synapses). Unchecked: a
  // stored weight may lie an ulp of float outside bounds that floats cannot hold exactly.
  void set_stored_weight(std::uint64_t k, float signed_weight) { table_.mutable_synapses()[k].weight = signed_weight; }
  // Replaces the rule between runs (e.g. amplitudes 0 to freeze learning for a test phase);
  // the weight bounds and time constants must stay the same (the traces carry over).
  void set_rule(const StdpRule& rule);
  // Weights, traces, eligibilities and the rule's amplitudes (engine/state_archive.hpp).
  void checkpoint(StateArchive& ar);
  // Incoming synapses of target `post`, as storage indices.
  std::vector<std::uint64_t> incoming_synapses(std::uint32_t post) const;

 private:
  struct Incoming {
    std::uint32_t synapse;
    std::uint32_t group;
  };
  double magnitude(const StaticSynapse& s) const { return sign_ * s.weight; }
  struct Eligibility {
    double w;     // weight magnitude at t_ms
    double c;     // eligibility at t_ms
    double t_ms;  // last update
  };
  void advance(std::uint64_t k, double t_ms, const Neuromodulator& da);

  StaticProjection table_;
  StdpRule rule_;
  double sign_;               // +1 excitatory, -1 inhibitory
  double tau_x_ms_, tau_y_ms_;  // triplet trace time constants, 0 when the rule has no triplet terms
  std::vector<StdpTraces> pre_traces_;   // per delay group and copy: [group * trace_copies_ + copy]
  std::uint32_t trace_copies_ = 1;
  std::vector<StdpTraces> post_traces_;  // per target neuron
  std::vector<std::uint64_t> incoming_begin_;  // by target: incoming_[incoming_begin_[j] ..)
  std::vector<Incoming> incoming_;
  std::optional<DopamineModulation> dopamine_;
  std::vector<Eligibility> eligibility_;  // per synapse, modulated projections only
};

}  // namespace ionspike
