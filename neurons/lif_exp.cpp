#include "neurons/lif_exp.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "neurons/neuron_slice.hpp"
#include "neurons/zero_interval_error.hpp"

#include "neurons/exp_sum_crossing.hpp"

namespace ionspike {
namespace {

double phi(double x) { return std::abs(x) < 1e-300 ? 1.0 : std::expm1(x) / x; }

}  // namespace

LifExpPopulation::LifExpPopulation(std::string name, std::uint32_t id,
                                   const LifExpParameters& params, std::vector<double> v_init_mV)
    : NeuronPopulation(std::move(name), id, static_cast<std::uint32_t>(v_init_mV.size())),
      p_(params),
      r_GOhm_(params.tau_m_ms / params.c_m_pF),
      v_mV_(std::move(v_init_mV)),
      i_ex_pA_(size(), 0.0),
      i_in_pA_(size(), 0.0),
      t_last_ms_(size(), 0.0),
      t_ref_end_ms_(size(), -std::numeric_limits<double>::infinity()),
      last_spike_ms_(size(), -std::numeric_limits<double>::infinity()),
      i_inj_pA_(size(), 0.0),
      crossings_(id, size()) {}

LifExpPopulation::State LifExpPopulation::propagate(const State& s, double v_inf,
                                                    double h_ms) const {
  const double e_m = std::exp(-h_ms / p_.tau_m_ms);
  const double e_ex = std::exp(-h_ms / p_.tau_syn_ex_ms);
  const double e_in = std::exp(-h_ms / p_.tau_syn_in_ms);
  const double inv_m = 1.0 / p_.tau_m_ms;
  // h e_slow phi(-|x|) / c_m: the slower exponential times phi of a non-positive argument,
  // so nothing overflows (e_m underflows long before e_s when tau_s > tau_m).
  const auto p_syn = [&](double e_s, double tau_s) {
    const double x = h_ms * (inv_m - 1.0 / tau_s);
    return h_ms * (x > 0.0 ? e_s : e_m) * phi(-std::abs(x)) / p_.c_m_pF;
  };
  const double p_ex = p_syn(e_ex, p_.tau_syn_ex_ms);
  const double p_in = p_syn(e_in, p_.tau_syn_in_ms);
  return {v_inf + (s.v_mV - v_inf) * e_m + s.i_ex_pA * p_ex + s.i_in_pA * p_in, s.i_ex_pA * e_ex,
          s.i_in_pA * e_in};
}

LifExpPopulation::State LifExpPopulation::state_at(std::uint32_t n, double t_ms) const {
  const State s{v_mV_[n], i_ex_pA_[n], i_in_pA_[n]};
  const double t_last = t_last_ms_[n];
  const double t_ref_end = t_ref_end_ms_[n];
  if (t_ms <= t_ref_end) {  // still refractory: only the currents move
    return {p_.v_reset_mV, s.i_ex_pA * std::exp(-(t_ms - t_last) / p_.tau_syn_ex_ms),
            s.i_in_pA * std::exp(-(t_ms - t_last) / p_.tau_syn_in_ms)};
  }
  if (t_last < t_ref_end) {  // refractory period ends inside (t_last, t]
    const State at_end{p_.v_reset_mV, s.i_ex_pA * std::exp(-(t_ref_end - t_last) / p_.tau_syn_ex_ms),
                       s.i_in_pA * std::exp(-(t_ref_end - t_last) / p_.tau_syn_in_ms)};
    return propagate(at_end, v_inf_mV(n), t_ms - t_ref_end);
  }
  return propagate(s, v_inf_mV(n), t_ms - t_last);
}

void LifExpPopulation::advance(std::uint32_t n, double t_ms) {
  const State s = state_at(n, t_ms);
  v_mV_[n] = s.v_mV;
  i_ex_pA_[n] = s.i_ex_pA;
  i_in_pA_[n] = s.i_in_pA;
  t_last_ms_[n] = t_ms;
}

void LifExpPopulation::predict_crossing(std::uint32_t n, EventContext& ctx) {
  // Start of free evolution: now, or the end of the refractory period.
  double from_ms = t_last_ms_[n];
  State s{v_mV_[n], i_ex_pA_[n], i_in_pA_[n]};
  if (from_ms < t_ref_end_ms_[n]) {
    s = state_at(n, t_ref_end_ms_[n]);
    from_ms = t_ref_end_ms_[n];
  }
  // V(h) = V_inf + (V0 - V_inf - c_ex - c_in) e^{-h/tau_m} + c_ex e^{-h/tau_ex} + c_in e^{-h/tau_in},
  // c_s = I_s0 / (c_m (1/tau_m - 1/tau_s)). Terms with equal rates are merged.
  const double v_inf = v_inf_mV(n);
  const double inv_m = 1.0 / p_.tau_m_ms;
  const double inv_ex = 1.0 / p_.tau_syn_ex_ms;
  const double inv_in = 1.0 / p_.tau_syn_in_ms;
  const double c_ex = s.i_ex_pA / (p_.c_m_pF * (inv_m - inv_ex));
  const double c_in = s.i_in_pA / (p_.c_m_pF * (inv_m - inv_in));
  std::array<ExpTerm, 3> terms{};
  std::size_t count = 0;
  terms[count++] = {s.v_mV - v_inf - c_ex - c_in, inv_m};
  if (inv_ex == inv_in) {
    if (c_ex + c_in != 0.0) terms[count++] = {c_ex + c_in, inv_ex};
  } else {
    if (c_ex != 0.0) terms[count++] = {c_ex, inv_ex};
    if (c_in != 0.0) terms[count++] = {c_in, inv_in};
  }
  const auto h = first_upcrossing(v_inf, std::span<const ExpTerm>(terms.data(), count), p_.v_th_mV);
  crossings_.predict(n, h ? from_ms + *h : CrossingSchedule::kNever, ctx);
}

void LifExpPopulation::fire(std::uint32_t n, double t_ms, EventContext& ctx) {
  // Time would stop: a drive so strong (with t_ref_ms 0) that the next crossing rounds to now.
  if (!(t_ms > last_spike_ms_[n])) throw_zero_interval(name(), first_ + n, t_ms);
  last_spike_ms_[n] = t_ms;
  ctx.emit_spike(id(), first_ + n, t_ms);
  v_mV_[n] = p_.v_reset_mV;
  t_last_ms_[n] = t_ms;
  t_ref_end_ms_[n] = t_ms + p_.t_ref_ms;
  predict_crossing(n, ctx);
}

void LifExpPopulation::start(EventContext& ctx) {
  for (std::uint32_t n = 0; n < size(); ++n) {
    if (v_mV_[n] >= p_.v_th_mV)
      fire(n, 0.0, ctx);
    else
      predict_crossing(n, ctx);
  }
}

void LifExpPopulation::deliver(double t_ms, std::span<const StaticSynapse> synapses,
                               EventContext& ctx) {
  for (const StaticSynapse& syn : synapses) {
    const std::uint32_t n = syn.post - first_;
    advance(n, t_ms);
    if (syn.weight >= 0.0f)
      i_ex_pA_[n] += syn.weight;
    else
      i_in_pA_[n] += syn.weight;
    predict_crossing(n, ctx);
  }
}

void LifExpPopulation::on_own_event(const Event& e, EventContext& ctx) {
  const std::uint32_t n = e.a - first_;
  if (e.kind() != EventKind::Threshold || !crossings_.due(n, e.t_ms, ctx)) return;
  advance(n, e.t_ms);
  fire(n, e.t_ms, ctx);
}

void LifExpPopulation::add_injected_current(std::span<const std::uint32_t> neurons,
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

void LifExpPopulation::sample(std::size_t variable, std::span<const std::uint32_t> neurons,
                              double t_ms, double* out) const {
  if (variable > 2) throw std::out_of_range("lif_exp: unknown state variable index");
  for (std::size_t i = 0; i < neurons.size(); ++i) {
    const State s = state_at(neurons[i] - first_, t_ms);
    out[i] = variable == 0 ? s.v_mV : variable == 1 ? s.i_ex_pA : s.i_in_pA;
  }
}

}  // namespace ionspike

namespace ionspike {

void LifExpPopulation::checkpoint(StateArchive& ar) {
  ar.values("v_mV", v_mV_);
  ar.values("i_ex_pA", i_ex_pA_);
  ar.values("i_in_pA", i_in_pA_);
  ar.values("t_last_ms", t_last_ms_);
  ar.values("t_ref_end_ms", t_ref_end_ms_);
  ar.values("last_spike_ms", last_spike_ms_);
  ar.values("i_inj_pA", i_inj_pA_);
  crossings_.checkpoint(ar);
}

std::unique_ptr<NeuronPopulation> LifExpPopulation::make_slice(std::uint32_t begin, std::uint32_t end) const {
  auto slice = std::make_unique<LifExpPopulation>(name(), id(), p_, slice_column(v_mV_, begin, end));
  slice->first_ = first_ + begin;
  slice_columns(columns(), slice->columns(), begin, end);
  slice->crossings_ = crossings_.slice(begin, end);
  return slice;
}

void LifExpPopulation::absorb_slice(const NeuronPopulation& other, std::uint32_t begin) {
  const auto& slice = dynamic_cast<const LifExpPopulation&>(other);
  paste_columns(slice.columns(), columns(), begin);
  crossings_.absorb(slice.crossings_, begin);
}

}  // namespace ionspike
