// Leaky integrate-and-fire neuron with exponentially decaying current synapses
// (NEST iaf_psc_exp, PyNN IF_curr_exp), simulated exactly, event by event.
//
//   c_m_pF dV/dt = -(c_m_pF / tau_m_ms)(V - e_l_mV) + I_ex + I_in + i_e_pA + I_inj(t)
//   dI_ex/dt = -I_ex / tau_syn_ex_ms,   dI_in/dt = -I_in / tau_syn_in_ms
//   a spike of weight w_pA arriving at t:  I_ex += w (w > 0)  or  I_in += w (w < 0)
//   V >= v_th_mV -> spike, V = v_reset_mV held for t_ref_ms (currents keep integrating)
//
// Exact propagation over an interval h without input (R = tau_m / c_m, e_x = exp(-h / tau_x)):
//   V(h)  = V_inf + (V0 - V_inf) e_m + sum_s I_s0 P_s(h),   V_inf = e_l + R (i_e + I_inj)
//   P_s(h) = (e_s - e_m) / (c_m (1/tau_m - 1/tau_s)) = h e_slow phi(-|x|) / c_m,
//   x = h (1/tau_m - 1/tau_s),  e_slow = e_m if tau_s < tau_m else e_s,  phi(x) = expm1(x)/x, phi(0) = 1
// The phi form has no cancellation for small h and stays exact when tau_s = tau_m; taking
// the slower exponential keeps phi's argument <= 0, so long intervals cannot overflow.
// Threshold crossings: V(h) - v_th is a constant plus a sum of at most three exponentials;
// its first up-crossing is found exactly by exp_sum_crossing (root isolation by the
// derivative recursion, then TOMS 748 to a few ulps), and scheduled as a Threshold event
// (neurons/crossing_schedule.hpp keeps it current as inputs move it).
// The crossing search requires tau_syn_x != tau_m (checked at validation).
// Units: time ms, voltage mV, current pA, capacitance pF.
#pragma once

#include <tuple>
#include <vector>

#include "neurons/crossing_schedule.hpp"
#include "neurons/neuron_population.hpp"

namespace ionspike {

struct LifExpParameters {
  double tau_m_ms = 10.0;
  double c_m_pF = 250.0;
  double e_l_mV = -70.0;
  double v_th_mV = -55.0;
  double v_reset_mV = -70.0;
  double t_ref_ms = 2.0;
  double i_e_pA = 0.0;
  double tau_syn_ex_ms = 2.0;
  double tau_syn_in_ms = 2.0;
};

class LifExpPopulation final : public NeuronPopulation {
 public:
  LifExpPopulation(std::string name, std::uint32_t id, const LifExpParameters& params,
                   std::vector<double> v_init_mV);

  std::string_view model_name() const override { return "lif_exp"; }
  WeightUnit weight_unit() const override { return WeightUnit::pA; }
  void start(EventContext& ctx) override;
  void deliver(double t_ms, std::span<const StaticSynapse> synapses, EventContext& ctx) override;
  void on_own_event(const Event& e, EventContext& ctx) override;
  void add_injected_current(std::span<const std::uint32_t> neurons, double delta_pA, double t_ms,
                            EventContext& ctx) override;
  static std::vector<std::string> variables() { return {"v_mV", "i_syn_ex_pA", "i_syn_in_pA"}; }
  std::vector<std::string> state_variables() const override { return variables(); }
  void sample(std::size_t variable, std::span<const std::uint32_t> neurons, double t_ms,
              double* out) const override;
  void checkpoint(StateArchive& ar) override;
  // Slices for parallel runs: any boundary (64 keeps slices apart by cache lines).
  std::uint32_t slice_granularity() const override { return 64; }
  std::unique_ptr<NeuronPopulation> make_slice(std::uint32_t begin, std::uint32_t end) const override;
  void absorb_slice(const NeuronPopulation& slice, std::uint32_t begin) override;

  struct State {
    double v_mV, i_ex_pA, i_in_pA;
  };
  // State of neuron n at t_ms >= its last update, without changing it.
  State state_at(std::uint32_t n, double t_ms) const;
  const LifExpParameters& parameters() const { return p_; }

 private:
  double v_inf_mV(std::uint32_t n) const { return p_.e_l_mV + r_GOhm_ * (p_.i_e_pA + i_inj_pA_[n]); }
  // Free evolution of (V, I_ex, I_in) over h_ms, refractoriness ignored.
  State propagate(const State& s, double v_inf, double h_ms) const;
  void advance(std::uint32_t n, double t_ms);
  void fire(std::uint32_t n, double t_ms, EventContext& ctx);
  void predict_crossing(std::uint32_t n, EventContext& ctx);

  // The per-neuron columns (slices copy and paste them all).
  auto columns() { return std::tie(v_mV_, i_ex_pA_, i_in_pA_, t_last_ms_, t_ref_end_ms_, last_spike_ms_, i_inj_pA_); }
  auto columns() const { return std::tie(v_mV_, i_ex_pA_, i_in_pA_, t_last_ms_, t_ref_end_ms_, last_spike_ms_, i_inj_pA_); }
  // Inside, neurons are numbered from 0; a slice's interface (deliver's targets, events,
  // emitted spikes, the neurons of currents and samples) uses the whole population's numbers.
  std::uint32_t first_ = 0;
  LifExpParameters p_;
  double r_GOhm_;
  std::vector<double> v_mV_, i_ex_pA_, i_in_pA_;  // at t_last_ms_
  std::vector<double> t_last_ms_;
  std::vector<double> t_ref_end_ms_;
  std::vector<double> last_spike_ms_;
  std::vector<double> i_inj_pA_;
  CrossingSchedule crossings_;
};

}  // namespace ionspike
