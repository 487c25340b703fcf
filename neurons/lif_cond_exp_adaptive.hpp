// Conductance-based leaky integrate-and-fire neuron with an adaptive threshold (Diehl & Cook
// 2015, "Unsupervised learning of digit recognition using spike-timing-dependent plasticity",
// Front. Comput. Neurosci. 9:99: their excitatory layer), integrated on a clock.
//
//   c_m_pF dV/dt = g_l_nS (e_l_mV - V) + g_ex (e_ex - V) + g_in (e_in - V) + i_e_pA + I_inj
//   dtheta/dt    = -theta / tau_theta_ms                                     (theta in mV, >= 0)
//   conductances: neurons/exp_conductances.hpp (weights in nS)
//   V >= v_th_mV + theta -> spike, V = v_reset_mV held for t_ref_ms, theta += theta_plus_mV
//   (theta and the conductances keep decaying during the refractory period)
//
// With theta_plus_mV = 0 and theta = 0 this is lif_cond_exp, spike for spike (the membrane's
// equations and their evaluation are the same). Defaults: lif_cond_exp's membrane (Brette et
// al. 2007 benchmark 1) with Diehl & Cook's adaptation, tau_theta 1e7 ms, theta_plus 0.05 mV.
// Diehl & Cook's excitatory cells (their published Brian code) in these units: c_m_pF 100 and
// g_l_nS 1 (tau_m 100 ms; their dimensionless conductances become nS), e_l_mV -65,
// v_reset_mV -65, t_ref_ms 5, synapses tau_ex_ms 1, tau_in_ms 2, e_ex_mV 0, e_in_mV -100;
// threshold v_thresh_e - offset + theta = -72 mV + theta with theta starting at 20 mV in
// training; in their test phase theta is loaded and constant (ThetaAdaptation::Held below).
// Note: validation requires v_reset_mV < v_th_mV (as lif_cond_exp), so v_th_mV -72 with
// v_reset_mV -65 is refused; v_th_mV -52 with theta_init_mV 0 has the same threshold at the
// start, but the threshold then relaxes toward -52 mV instead of -72 mV (a difference of
// 20 mV (1 - exp(-t / tau_theta_ms)), 0.2 mV after 1e5 ms at the default tau_theta).
//
// Integration: exponential midpoint (neurons/exponential_midpoint.hpp), second order; theta
// and the conductances decay exactly (products of exp(-h / tau) factors). The threshold
// depends on the state: the spike is the first time the integrator's own solution has
// V - (v_th + theta) >= 0, located within the step by regula falsi
// (neurons/time_driven_population.hpp). Units: ms, mV, pA, pF, nS.
//
// Drivers (training and test phases, as in Diehl & Cook) use LifCondExpAdaptivePopulation,
// the type of every lif_cond_exp_adaptive population a network builds:
//
//   auto* exc = dynamic_cast<LifCondExpAdaptivePopulation*>(sim.network().populations[id].get());
//   exc->theta_mV(n);  exc->set_theta_mV(n, value);  exc->thetas_mV();  exc->set_thetas_mV(v);
//   exc->set_adaptation(ThetaAdaptation::Frozen);   // or Held, or Learning (the default)
//
// All of them act between runs (Simulator::run_until returning), on the state at
// integrated_until_ms() (the end of the last step).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "neurons/exp_conductances.hpp"
#include "neurons/lif_cond_exp.hpp"
#include "neurons/neuron_population.hpp"
#include "neurons/time_driven_population.hpp"

namespace ionspike {

struct LifCondExpAdaptiveModel : ConductanceInputs<4> {
  static constexpr std::string_view kName = "lif_cond_exp_adaptive";
  static constexpr WeightUnit kWeightUnit = WeightUnit::nS;
  enum Variable : std::size_t { kV, kTheta, kGEx, kGIn, kVariables };
  static constexpr bool kResets = true;
  using State = std::array<double, kVariables>;
  // theta, g_ex and g_in decay exponentially (the integrator moves them by exact factors).
  static constexpr std::size_t kDecayFrom = kTheta;
  static_assert(kGEx == ConductanceInputs<4>::kDecayFrom && kGIn == kVariables - 1);

  // lif_cond_exp's membrane and synapses, plus the threshold's adaptation.
  struct Parameters : LifCondExpModel::Parameters {
    double tau_theta_ms = 1e7;     // may be +inf: theta held constant
    double theta_plus_mV = 0.05;   // added to theta at each spike
  };

  static std::vector<std::string> variables() { return {"v_mV", "theta_mV", "g_ex_nS", "g_in_nS"}; }

  static double decay_tau_ms(const Parameters& p, std::size_t k) {
    return k == kTheta ? p.tau_theta_ms : Synapses::decay_tau_ms(p.synapses, k);
  }

  // The membrane exactly as lif_cond_exp evaluates it (same operations, same order).
  static void linearize(const Parameters& p, double i_pA, const State& y, State& a, State& b) {
    double drive_pA = p.g_l_nS * p.e_l_mV + p.i_e_pA + i_pA;
    const double g_syn = Synapses::linearize(p.synapses, y, a, b, drive_pA);
    a[kV] = -(p.g_l_nS + g_syn) / p.c_m_pF;
    b[kV] = drive_pA / p.c_m_pF;
    a[kTheta] = -1.0 / p.tau_theta_ms;
    b[kTheta] = 0.0;
  }
  static double threshold_mV(const Parameters& p, const State& y) { return p.v_th_mV + y[kTheta]; }
  static double refractory_ms(const Parameters& p) { return p.t_ref_ms; }
  static void reset(const Parameters& p, State& y) {
    y[kV] = p.v_reset_mV;
    y[kTheta] += p.theta_plus_mV;
  }
};

// What spikes do to theta, and whether it decays (Diehl & Cook train with Learning and test
// with theta fixed, i.e. Held).
enum class ThetaAdaptation {
  Learning,  // the model's equations: theta += theta_plus_mV per spike, decay with tau_theta_ms
  Frozen,    // theta_plus_mV taken as 0: spikes leave theta unchanged; it still decays
  Held,      // theta_plus_mV as 0 and no decay: theta stays exactly as it is (Diehl & Cook's test phase)
};

// The population type of lif_cond_exp_adaptive, with the API a learning driver needs. Every
// method acts on the state at integrated_until_ms() and is meant to be called between runs
// (not from inside an event); the next step starts from what it leaves.
class LifCondExpAdaptivePopulation final : public TimeDrivenPopulation<LifCondExpAdaptiveModel> {
 public:
  using Model = LifCondExpAdaptiveModel;

  LifCondExpAdaptivePopulation(std::string name, std::uint32_t id, const Parameters& params, double dt_ms,
                               Columns initial)
      : TimeDrivenPopulation(std::move(name), id, params, dt_ms, std::move(initial)), learning_(params) {}

  // Threshold offset theta of neuron n (mV), at integrated_until_ms().
  double theta_mV(std::uint32_t n) const { return state_variable(Model::kTheta, n); }
  // Sets it; theta must be finite and >= 0 (throws std::invalid_argument, std::out_of_range).
  void set_theta_mV(std::uint32_t n, double theta) {
    require_valid_theta(n, theta);
    set_state_variable(Model::kTheta, n, theta);
  }
  // Every neuron's theta (index = neuron), e.g. to save it after training.
  std::vector<double> thetas_mV() const {
    std::vector<double> out(size());
    for (std::uint32_t n = 0; n < size(); ++n) out[n] = theta_mV(n);
    return out;
  }
  // Sets every neuron's theta (one value per neuron), e.g. to load it before testing; checks
  // all values before changing any.
  void set_thetas_mV(std::span<const double> theta) {
    if (theta.size() != size())
      throw std::invalid_argument(fmt::format("set_thetas_mV: population '{}' has {} neurons, got {} values",
                                              name(), size(), theta.size()));
    for (std::uint32_t n = 0; n < size(); ++n) require_valid_theta(n, theta[n]);
    for (std::uint32_t n = 0; n < size(); ++n) set_state_variable(Model::kTheta, n, theta[n]);
  }

  // Switches adaptation (see ThetaAdaptation); Learning restores the network file's values.
  void set_adaptation(ThetaAdaptation mode) {
    Parameters p = learning_;
    if (mode != ThetaAdaptation::Learning) p.theta_plus_mV = 0.0;
    if (mode == ThetaAdaptation::Held) p.tau_theta_ms = std::numeric_limits<double>::infinity();
    set_parameters(p);
    adaptation_ = mode;
  }
  ThetaAdaptation adaptation() const { return adaptation_; }
  // Shorthands: freeze = theta_plus 0 (theta keeps decaying), unfreeze = Learning.
  void freeze_adaptation() { set_adaptation(ThetaAdaptation::Frozen); }
  void unfreeze_adaptation() { set_adaptation(ThetaAdaptation::Learning); }
  bool adaptation_frozen() const { return adaptation_ != ThetaAdaptation::Learning; }
  void checkpoint(StateArchive& ar) override {
    TimeDrivenPopulation::checkpoint(ar);
    auto mode = static_cast<std::uint8_t>(adaptation_);
    ar.value("theta_adaptation", mode);
    if (ar.restoring()) {
      if (mode > static_cast<std::uint8_t>(ThetaAdaptation::Held)) ar.fail("theta_adaptation", "unknown mode");
      set_adaptation(static_cast<ThetaAdaptation>(mode));
    }
  }
  // The parameters of the network file (parameters() gives those in effect).
  const Parameters& learning_parameters() const { return learning_; }

 private:
  void require_valid_theta(std::uint32_t n, double theta) const {
    if (n >= size())
      throw std::out_of_range(fmt::format("population '{}' has {} neurons, no neuron {}", name(), size(), n));
    if (!(theta >= 0.0) || !std::isfinite(theta))
      throw std::invalid_argument(fmt::format(
          "theta of neuron {} of population '{}' must be finite and >= 0 mV, got {}", n, name(), theta));
  }

  Parameters learning_;
  ThetaAdaptation adaptation_ = ThetaAdaptation::Learning;
};

}  // namespace ionspike
