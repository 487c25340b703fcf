// Leaky integrate-and-fire neuron with delta synapses (NEST iaf_psc_delta, PyNN IF_curr_delta),
// simulated exactly, event by event.
//
//   tau_m_ms dV/dt = -(V - e_l_mV) + R (i_e_pA + I_inj(t)),    R = tau_m_ms / c_m_pF  [GOhm = mV/pA]
//   a spike of weight w_mV arriving at t:   V(t+) = V(t-) + w_mV
//   V >= v_th_mV  ->  spike, V = v_reset_mV, held there for t_ref_ms; inputs arriving while
//                     refractory are ignored (as in NEST)
//
// Between events the input current is constant, so V follows the closed form
//   V(t) = V_inf + (V(t0) - V_inf) exp(-(t - t0)/tau_m),   V_inf = e_l_mV + R (i_e_pA + I_inj)
// and a crossing caused by the drive (V_inf > v_th) happens exactly at
//   t* = t0 + tau_m ln((V_inf - V(t0)) / (V_inf - v_th)),
// which is scheduled as a Threshold event (neurons/crossing_schedule.hpp keeps it current as
// inputs move it). Crossings caused by an input happen at the input's arrival time.
// Units: time ms, voltage mV, current pA, capacitance pF.
#pragma once

#include <tuple>
#include <vector>

#include "neurons/crossing_schedule.hpp"
#include "neurons/neuron_population.hpp"

namespace ionspike {

struct LifDeltaParameters {
  double tau_m_ms = 10.0;
  double c_m_pF = 250.0;
  double e_l_mV = -70.0;
  double v_th_mV = -55.0;
  double v_reset_mV = -70.0;
  double t_ref_ms = 2.0;
  double i_e_pA = 0.0;
};

class LifDeltaPopulation final : public NeuronPopulation {
 public:
  LifDeltaPopulation(std::string name, std::uint32_t id, const LifDeltaParameters& params,
                     std::vector<double> v_init_mV);

  std::string_view model_name() const override { return "lif_delta"; }
  WeightUnit weight_unit() const override { return WeightUnit::mV; }
  void start(EventContext& ctx) override;
  void deliver(double t_ms, std::span<const StaticSynapse> synapses, EventContext& ctx) override;
  void on_own_event(const Event& e, EventContext& ctx) override;
  void add_injected_current(std::span<const std::uint32_t> neurons, double delta_pA, double t_ms,
                            EventContext& ctx) override;
  static std::vector<std::string> variables() { return {"v_mV"}; }
  std::vector<std::string> state_variables() const override { return variables(); }
  void sample(std::size_t variable, std::span<const std::uint32_t> neurons, double t_ms,
              double* out) const override;
  void checkpoint(StateArchive& ar) override;
  // Slices for parallel runs: any boundary (64 keeps slices apart by cache lines).
  std::uint32_t slice_granularity() const override { return 64; }
  std::unique_ptr<NeuronPopulation> make_slice(std::uint32_t begin, std::uint32_t end) const override;
  void absorb_slice(const NeuronPopulation& slice, std::uint32_t begin) override;

  // Membrane potential of neuron n at t_ms >= its last update, without changing state.
  double membrane_mV(std::uint32_t n, double t_ms) const;
  const LifDeltaParameters& parameters() const { return p_; }

 private:
  double v_inf_mV(std::uint32_t n) const { return p_.e_l_mV + r_GOhm_ * (p_.i_e_pA + i_inj_pA_[n]); }
  void advance(std::uint32_t n, double t_ms);
  void fire(std::uint32_t n, double t_ms, EventContext& ctx);
  void predict_crossing(std::uint32_t n, EventContext& ctx);
  void apply_input(std::uint32_t n, double t_ms, float w_mV, EventContext& ctx);
  // The per-neuron columns (slices copy and paste them all).
  auto columns() { return std::tie(v_mV_, t_last_ms_, t_ref_end_ms_, last_spike_ms_, i_inj_pA_); }
  auto columns() const { return std::tie(v_mV_, t_last_ms_, t_ref_end_ms_, last_spike_ms_, i_inj_pA_); }
  // Inside, neurons are numbered from 0; a slice's interface (deliver's targets, events,
  // emitted spikes, the neurons of currents and samples) uses the whole population's numbers.
  std::uint32_t first_ = 0;

  LifDeltaParameters p_;
  double r_GOhm_;
  std::vector<double> v_mV_;          // at t_last_ms_
  std::vector<double> t_last_ms_;
  std::vector<double> t_ref_end_ms_;
  std::vector<double> last_spike_ms_;
  std::vector<double> i_inj_pA_;      // sum of current sources
  CrossingSchedule crossings_;
};

}  // namespace ionspike
