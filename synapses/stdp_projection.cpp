#include "synapses/stdp_projection.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace ionspike {

StdpProjection::StdpProjection(std::string name, std::uint32_t pre_population, std::uint32_t post_population,
                               std::uint32_t pre_size, std::uint32_t post_size, std::vector<SynapseSpec> specs,
                               StdpRule rule, bool inhibitory, std::optional<DopamineModulation> dopamine,
                               const std::vector<GroupKey>* groups)
    : table_(std::move(name), pre_population, post_population, pre_size, std::move(specs),
             StaticProjection::Storage::PerSynapseWeights, groups),
      rule_(rule),
      sign_(inhibitory ? -1.0 : 1.0),
      tau_x_ms_(rule.has_triplet_terms() ? rule.tau_x_ms : 0.0),
      tau_y_ms_(rule.has_triplet_terms() ? rule.tau_y_ms : 0.0),
      pre_traces_(table_.group_count()),
      post_traces_(post_size),
      dopamine_(dopamine) {
  if (table_.synapse_count() >= std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("STDP projection '" + table_.name() + "' has 2^32 synapses or more");
  // By-target index: for each target, its synapses in storage order with their group.
  const auto synapses = table_.stored_synapses();
  incoming_begin_.assign(static_cast<std::size_t>(post_size) + 1, 0);
  for (const StaticSynapse& s : synapses) ++incoming_begin_[s.post + 1];
  std::partial_sum(incoming_begin_.begin(), incoming_begin_.end(), incoming_begin_.begin());
  incoming_.resize(synapses.size());
  std::vector<std::uint64_t> cursor(incoming_begin_.begin(), incoming_begin_.end() - 1);
  for (std::uint32_t g = 0; g < table_.group_count(); ++g)
    for (std::uint64_t k = table_.group_first(g); k < table_.group_first(g + 1); ++k)
      incoming_[cursor[synapses[k].post]++] = {static_cast<std::uint32_t>(k), g};
  if (dopamine_) {
    if (rule_.dependence != StdpWeightDependence::Additive)
      throw std::invalid_argument("STDP projection '" + table_.name() +
                                  "': dopamine modulation needs the additive weight dependence");
    eligibility_.reserve(synapses.size());
    for (const StaticSynapse& s : synapses) eligibility_.push_back({magnitude(s), 0.0, 0.0});
  }
}

void StdpProjection::set_pre_trace_copies(std::uint32_t copies) {
  if (copies == 0) throw std::invalid_argument("StdpProjection::set_pre_trace_copies: needs at least one copy");
  if (trace_copies_ != 1) throw std::logic_error("StdpProjection::set_pre_trace_copies: traces are already replicated");
  std::vector<StdpTraces> replicated(pre_traces_.size() * copies);
  for (std::size_t g = 0; g < pre_traces_.size(); ++g)
    std::fill_n(replicated.begin() + static_cast<std::ptrdiff_t>(g * copies), copies, pre_traces_[g]);
  pre_traces_ = std::move(replicated);
  trace_copies_ = copies;
}

void StdpProjection::merge_pre_trace_copies(std::span<const std::uint32_t> source_copy) {
  const std::uint32_t groups = table_.group_count();
  if (source_copy.size() != groups) throw std::invalid_argument("StdpProjection::merge_pre_trace_copies: one copy per group");
  std::vector<StdpTraces> merged(groups);
  for (std::uint32_t g = 0; g < groups; ++g) merged[g] = pre_traces_.at(std::size_t{g} * trace_copies_ + source_copy[g]);
  pre_traces_ = std::move(merged);
  trace_copies_ = 1;
}

void StdpProjection::after_pre_arrival(double t_ms, std::uint32_t group, std::uint64_t first, std::uint64_t last,
                                       std::uint32_t copy) {
  const std::span<StaticSynapse> synapses = table_.mutable_synapses();
  StdpTraces& pre = pre_traces_[std::size_t{group} * trace_copies_ + copy];
  const double r2_before = tau_x_ms_ > 0.0 ? pre.triplet_at(t_ms, tau_x_ms_) : 0.0;
  for (std::uint64_t k = first; k < last; ++k) {
    StaticSynapse& s = synapses[k];
    const double o1 = post_traces_[s.post].pair_at(t_ms, rule_.tau_minus_ms);
    s.weight = static_cast<float>(sign_ * rule_.depress(magnitude(s), o1, r2_before));
  }
  pre.spike(t_ms, rule_.tau_plus_ms, tau_x_ms_, rule_.pairing);
}

void StdpProjection::on_post_spike(double t_ms, std::uint32_t post, std::uint32_t copy) {
  const std::span<StaticSynapse> synapses = table_.mutable_synapses();
  StdpTraces& own = post_traces_[post];
  const double o2_before = tau_y_ms_ > 0.0 ? own.triplet_at(t_ms, tau_y_ms_) : 0.0;
  const StdpTraces* const pre_traces = pre_traces_.data() + copy;
  const std::size_t stride = trace_copies_;
  // The incoming synapses lie scattered over the forward table (one cache miss each in a large
  // projection): their weights and traces are fetched kPrefetch synapses ahead.
  constexpr std::uint64_t kPrefetch = 16;
  const std::uint64_t begin = incoming_begin_[post], end = incoming_begin_[post + 1];
  for (std::uint64_t i = begin; i < std::min(begin + kPrefetch, end); ++i)
    __builtin_prefetch(&synapses[incoming_[i].synapse], 1);
  for (std::uint64_t i = begin; i < end; ++i) {
    if (i + kPrefetch < end) {
      __builtin_prefetch(&synapses[incoming_[i + kPrefetch].synapse], 1);
      __builtin_prefetch(&pre_traces[incoming_[i + kPrefetch].group * stride], 0);
    }
    StaticSynapse& s = synapses[incoming_[i].synapse];
    const double r1 = pre_traces[incoming_[i].group * stride].pair_at(t_ms, rule_.tau_plus_ms);
    s.weight = static_cast<float>(sign_ * rule_.potentiate(magnitude(s), r1, o2_before));
  }
  own.spike(t_ms, rule_.tau_minus_ms, tau_y_ms_, rule_.pairing);
}

void StdpProjection::advance(std::uint64_t k, double t_ms, const Neuromodulator& da) {
  Eligibility& e = eligibility_[k];
  if (t_ms > e.t_ms) {
    if (e.c != 0.0) {
      e.w = rule_.bound(e.w + da.eligibility_integral(e.t_ms, t_ms, e.c, dopamine_->tau_c_ms));
      e.c *= std::exp(-(t_ms - e.t_ms) / dopamine_->tau_c_ms);
      table_.mutable_synapses()[k].weight = static_cast<float>(sign_ * e.w);
    }
    e.t_ms = t_ms;
  }
}

void StdpProjection::advance_group(double t_ms, std::uint32_t group, const Neuromodulator& da) {
  for (std::uint64_t k = table_.group_first(group), end = table_.group_first(group + 1); k < end; ++k)
    advance(k, t_ms, da);
}

// The rule's additive increments (F = w_max) go to c; potentiation and depression as in the
// unmodulated path, at the same moments and with the same traces.
void StdpProjection::after_pre_arrival(double t_ms, std::uint32_t group, const Neuromodulator& da) {
  StdpTraces& pre = pre_traces_[group];
  const double r2_before = tau_x_ms_ > 0.0 ? pre.triplet_at(t_ms, tau_x_ms_) : 0.0;
  const double amplitude = rule_.w_max * (rule_.a2_minus + rule_.a3_minus * r2_before);
  const auto synapses = table_.stored_synapses();
  for (std::uint64_t k = table_.group_first(group), end = table_.group_first(group + 1); k < end; ++k) {
    advance(k, t_ms, da);
    eligibility_[k].c -= amplitude * post_traces_[synapses[k].post].pair_at(t_ms, rule_.tau_minus_ms);
  }
  pre.spike(t_ms, rule_.tau_plus_ms, tau_x_ms_, rule_.pairing);
}

void StdpProjection::on_post_spike(double t_ms, std::uint32_t post, const Neuromodulator& da) {
  StdpTraces& own = post_traces_[post];
  const double o2_before = tau_y_ms_ > 0.0 ? own.triplet_at(t_ms, tau_y_ms_) : 0.0;
  const double amplitude = rule_.w_max * (rule_.a2_plus + rule_.a3_plus * o2_before);
  for (std::uint64_t i = incoming_begin_[post], end = incoming_begin_[post + 1]; i < end; ++i) {
    const std::uint32_t k = incoming_[i].synapse;
    advance(k, t_ms, da);
    eligibility_[k].c += amplitude * pre_traces_[incoming_[i].group].pair_at(t_ms, rule_.tau_plus_ms);
  }
  own.spike(t_ms, rule_.tau_minus_ms, tau_y_ms_, rule_.pairing);
}

void StdpProjection::catch_up(double t_ms, const Neuromodulator& da) {
  for (std::uint64_t k = 0; k < eligibility_.size(); ++k) advance(k, t_ms, da);
}

double StdpProjection::weight_at(std::uint64_t k, double t_ms, const Neuromodulator& da) const {
  if (!dopamine_) return weight(k);
  const Eligibility& e = eligibility_.at(k);
  if (!(t_ms > e.t_ms)) return sign_ * e.w;
  return sign_ * rule_.bound(e.w + da.eligibility_integral(e.t_ms, t_ms, e.c, dopamine_->tau_c_ms));
}

double StdpProjection::eligibility_at(std::uint64_t k, double t_ms) const {
  if (!dopamine_) return 0.0;
  const Eligibility& e = eligibility_.at(k);
  return e.c * std::exp(-(t_ms - e.t_ms) / dopamine_->tau_c_ms);
}

void StdpProjection::set_weight(std::uint64_t k, double signed_weight) {
  if (k >= synapse_count())
    throw std::out_of_range("STDP projection '" + name() + "': no synapse " + std::to_string(k));
  const double m = sign_ * signed_weight;
  if (!(m >= rule_.w_min && m <= rule_.w_max))
    throw std::invalid_argument("STDP projection '" + name() + "': weight " + std::to_string(signed_weight) +
                                " of synapse " + std::to_string(k) + " is outside its bounds [" +
                                std::to_string(sign_ * rule_.w_min) + ", " + std::to_string(sign_ * rule_.w_max) + "]");
  table_.mutable_synapses()[k].weight = static_cast<float>(signed_weight);
  if (dopamine_) eligibility_[k].w = magnitude(table_.stored_synapses()[k]);  // the weight at its last update
}

void StdpProjection::set_rule(const StdpRule& rule) {
  if (rule.w_min != rule_.w_min || rule.w_max != rule_.w_max || rule.tau_plus_ms != rule_.tau_plus_ms ||
      rule.tau_minus_ms != rule_.tau_minus_ms || rule.tau_x_ms != rule_.tau_x_ms || rule.tau_y_ms != rule_.tau_y_ms ||
      rule.pairing != rule_.pairing || (rule.has_triplet_terms() && tau_x_ms_ == 0.0) ||
      !(rule.a2_plus >= 0.0 && rule.a2_minus >= 0.0 && rule.a3_plus >= 0.0 && rule.a3_minus >= 0.0))
    throw std::invalid_argument("STDP projection '" + name() +
                                "': set_rule may change amplitudes (>= 0; triplet terms only if the projection was built with them) "
                                "and the weight dependence only");
  rule_ = rule;
}

void StdpProjection::checkpoint(StateArchive& ar) {
  if (trace_copies_ != 1) throw std::logic_error("StdpProjection::checkpoint: during a parallel run");
  const std::span<StaticSynapse> synapses = table_.mutable_synapses();
  std::vector<float> weights(synapses.size());
  for (std::size_t k = 0; k < synapses.size(); ++k) weights[k] = synapses[k].weight;
  ar.values("weights", weights);
  ar.values("pre_traces", pre_traces_);
  ar.values("post_traces", post_traces_);
  ar.values("eligibility", eligibility_);
  StdpRule rule = rule_;
  auto dependence = static_cast<std::uint8_t>(rule.dependence);
  ar.value("rule.a2_plus", rule.a2_plus);
  ar.value("rule.a2_minus", rule.a2_minus);
  ar.value("rule.a3_plus", rule.a3_plus);
  ar.value("rule.a3_minus", rule.a3_minus);
  ar.value("rule.dependence", dependence);
  if (!ar.restoring()) return;
  if (dependence > static_cast<std::uint8_t>(StdpWeightDependence::Multiplicative))
    ar.fail("rule.dependence", "unknown weight dependence");
  rule.dependence = static_cast<StdpWeightDependence>(dependence);
  try {
    set_rule(rule);
  } catch (const std::invalid_argument& e) {
    ar.fail("rule", e.what());
  }
  for (std::size_t k = 0; k < synapses.size(); ++k) synapses[k].weight = weights[k];
}

std::vector<std::uint64_t> StdpProjection::incoming_synapses(std::uint32_t post) const {
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = incoming_begin_[post]; i < incoming_begin_[post + 1]; ++i) out.push_back(incoming_[i].synapse);
  return out;
}

}  // namespace ionspike
