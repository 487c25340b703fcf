#include "neurons/lif_delta.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "neurons/neuron_slice.hpp"
#include "neurons/zero_interval_error.hpp"

namespace ionspike {

LifDeltaPopulation::LifDeltaPopulation(std::string name, std::uint32_t id,
                                       const LifDeltaParameters& params,
                                       std::vector<double> v_init_mV)
    : NeuronPopulation(std::move(name), id, static_cast<std::uint32_t>(v_init_mV.size())),
      p_(params),
      r_GOhm_(params.tau_m_ms / params.c_m_pF),
      v_mV_(std::move(v_init_mV)),
      t_last_ms_(size(), 0.0),
      t_ref_end_ms_(size(), -std::numeric_limits<double>::infinity()),
      last_spike_ms_(size(), -std::numeric_limits<double>::infinity()),
      i_inj_pA_(size(), 0.0),
      crossings_(id, size()) {}

double LifDeltaPopulation::membrane_mV(std::uint32_t n, double t_ms) const {
  if (t_ms < t_ref_end_ms_[n]) return p_.v_reset_mV;
  double start_ms = t_last_ms_[n];
  double v0 = v_mV_[n];
  if (start_ms < t_ref_end_ms_[n]) {  // refractory period ended between t_last and t
    start_ms = t_ref_end_ms_[n];
    v0 = p_.v_reset_mV;
  }
  const double v_inf = v_inf_mV(n);
  return v_inf + (v0 - v_inf) * std::exp(-(t_ms - start_ms) / p_.tau_m_ms);
}

void LifDeltaPopulation::advance(std::uint32_t n, double t_ms) {
  v_mV_[n] = membrane_mV(n, t_ms);
  t_last_ms_[n] = t_ms;
}

void LifDeltaPopulation::predict_crossing(std::uint32_t n, EventContext& ctx) {
  const double v_inf = v_inf_mV(n);
  if (!(v_inf > p_.v_th_mV)) return crossings_.predict(n, CrossingSchedule::kNever, ctx);
  double from_ms = t_last_ms_[n];
  double v0 = v_mV_[n];
  if (from_ms < t_ref_end_ms_[n]) {
    from_ms = t_ref_end_ms_[n];
    v0 = p_.v_reset_mV;
  }
  const double t_cross =
      v0 >= p_.v_th_mV ? from_ms
                       : from_ms + p_.tau_m_ms * std::log((v_inf - v0) / (v_inf - p_.v_th_mV));
  crossings_.predict(n, t_cross, ctx);
}

void LifDeltaPopulation::fire(std::uint32_t n, double t_ms, EventContext& ctx) {
  // Time would stop: a drive so strong (with t_ref_ms 0) that the next crossing rounds to now.
  if (!(t_ms > last_spike_ms_[n])) throw_zero_interval(name(), first_ + n, t_ms);
  last_spike_ms_[n] = t_ms;
  ctx.emit_spike(id(), first_ + n, t_ms);
  v_mV_[n] = p_.v_reset_mV;
  t_last_ms_[n] = t_ms;
  t_ref_end_ms_[n] = t_ms + p_.t_ref_ms;
  predict_crossing(n, ctx);
}

void LifDeltaPopulation::start(EventContext& ctx) {
  for (std::uint32_t n = 0; n < size(); ++n) {
    if (v_mV_[n] >= p_.v_th_mV)
      fire(n, 0.0, ctx);
    else if (v_inf_mV(n) > p_.v_th_mV)
      predict_crossing(n, ctx);
  }
}

inline void LifDeltaPopulation::apply_input(std::uint32_t n, double t_ms, float w_mV,
                                            EventContext& ctx) {
  if (t_ms < t_ref_end_ms_[n]) return;  // refractory: input lost
  advance(n, t_ms);
  v_mV_[n] += w_mV;
  if (v_mV_[n] >= p_.v_th_mV)
    fire(n, t_ms, ctx);
  else if (v_inf_mV(n) > p_.v_th_mV)
    predict_crossing(n, ctx);  // the jump moved the drive-caused crossing
}

void LifDeltaPopulation::deliver(double t_ms, std::span<const StaticSynapse> synapses,
                                 EventContext& ctx) {
  for (const StaticSynapse& s : synapses) apply_input(s.post - first_, t_ms, s.weight, ctx);
}

void LifDeltaPopulation::on_own_event(const Event& e, EventContext& ctx) {
  const std::uint32_t n = e.a - first_;
  if (e.kind() != EventKind::Threshold || !crossings_.due(n, e.t_ms, ctx)) return;
  advance(n, e.t_ms);
  fire(n, e.t_ms, ctx);
}

void LifDeltaPopulation::add_injected_current(std::span<const std::uint32_t> neurons,
                                              double delta_pA, double t_ms, EventContext& ctx) {
  auto change = [&](std::uint32_t n) {
    advance(n, t_ms);
    i_inj_pA_[n] += delta_pA;
    predict_crossing(n, ctx);
  };
  if (neurons.empty())
    for (std::uint32_t n = 0; n < size(); ++n) change(n);
  else
    for (std::uint32_t n : neurons) change(n - first_);
}

void LifDeltaPopulation::sample(std::size_t variable, std::span<const std::uint32_t> neurons,
                                double t_ms, double* out) const {
  if (variable != 0) throw std::out_of_range("lif_delta: unknown state variable index");
  for (std::size_t i = 0; i < neurons.size(); ++i) out[i] = membrane_mV(neurons[i] - first_, t_ms);
}

}  // namespace ionspike

namespace ionspike {

void LifDeltaPopulation::checkpoint(StateArchive& ar) {
  ar.values("v_mV", v_mV_);
  ar.values("t_last_ms", t_last_ms_);
  ar.values("t_ref_end_ms", t_ref_end_ms_);
  ar.values("last_spike_ms", last_spike_ms_);
  ar.values("i_inj_pA", i_inj_pA_);
  crossings_.checkpoint(ar);
}

std::unique_ptr<NeuronPopulation> LifDeltaPopulation::make_slice(std::uint32_t begin, std::uint32_t end) const {
  auto slice = std::make_unique<LifDeltaPopulation>(name(), id(), p_, slice_column(v_mV_, begin, end));
  slice->first_ = first_ + begin;
  slice_columns(columns(), slice->columns(), begin, end);
  slice->crossings_ = crossings_.slice(begin, end);
  return slice;
}

void LifDeltaPopulation::absorb_slice(const NeuronPopulation& other, std::uint32_t begin) {
  const auto& slice = dynamic_cast<const LifDeltaPopulation&>(other);
  paste_columns(slice.columns(), columns(), begin);
  crossings_.absorb(slice.crossings_, begin);
}

}  // namespace ionspike
