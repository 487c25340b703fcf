// A population of neurons integrated on a clock (dt_ms), living in the event-driven engine.
//
// Models whose equations have no closed-form solution (Hodgkin–Huxley, conductance-based
// LIF, AdEx, Izhikevich) are integrated step by step with the exponential midpoint method
// (neurons/exponential_midpoint.hpp, second order). A model is one header defining a struct
// with (see neurons/lif_cond_exp.hpp for a complete example):
//   kName, kWeightUnit, kVariables, kV (index of the membrane potential), kResets,
//   kDecayFrom and decay_tau_ms(p, k) (variables from kDecayFrom on decay exponentially),
//   Parameters, variables(), linearize(p, i_pA, y, A, B), receive(p, y, weight),
//   threshold_mV(p), refractory_ms(p), reset(p, y) (models with kResets).
// A model whose threshold depends on its state (an adaptive threshold,
// neurons/lif_cond_exp_adaptive.hpp) defines threshold_mV(p, y) instead; the population
// then looks for crossings of V - threshold_mV(p, y(t)) along the solution (model_threshold_mV).
//
// This is the exact mode (network field input_timing: EXACT, the default). The grid mode
// (input_timing: ON_GRID: inputs summed per step and applied at its end, the whole population
// advanced by one vectorised first-order loop, as in NEST and Brian2) is a separate class,
// GridPopulation (neurons/grid_population.hpp), for the models that have a grid kernel.
//
// Design note: how a clocked group meets exact event times.
// - The engine pops one Step event per population and step (EventKind::Step, after every
//   delivery at the same time): the step ending at t_k = k dt integrates (t_{k-1}, t_k]. One
//   virtual call per population per step; the neuron loop inside is the model's inlined code.
// - Inputs are not aligned to the grid. Spikes delivered (and current steps made) during the
//   step are queued per neuron, in arrival order, which is time order. Each neuron's step is
//   then cut at its own input times: it is integrated up to the input, the input is applied
//   exactly at its time (a conductance or voltage jump, or a change of injected current), and
//   integration resumes. A neuron without input takes one full step.
// - Outgoing spikes. Models with kResets (integrate-and-fire types) fire when V reaches
//   threshold_mV; the crossing time is located on the integrator's own solution within the
//   (sub)step (crossing_delay: second order, also where V diverges; with a state-dependent
//   threshold, the root of V - threshold along the same solution), the neuron is
//   re-integrated to that time, reset, and
//   held for refractory_ms with V clamped, after which the step continues. Models without a
//   reset (Hodgkin–Huxley) fire on an upward crossing of threshold_mV, located the same
//   way, and ignore further crossings for refractory_ms. Spikes thus carry off-grid times.
// - Causality. A spike found in the step ending at t_k may lie up to dt before t_k, so every
//   projection leaving a clocked population needs delays >= its dt_ms (checked at validation).
// - Sampling at any t reads a copy of the neuron advanced from the last step to t with the
//   inputs queued up to t; it never changes the state.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "neurons/exponential_midpoint.hpp"
#include "neurons/neuron_population.hpp"
#include "neurons/zero_interval_error.hpp"

namespace ionspike {

// Threshold of a time-driven model in state y: threshold_mV(p, y) where the model defines it
// (a state-dependent threshold), threshold_mV(p) otherwise.
template <class Model>
double model_threshold_mV(const typename Model::Parameters& p, const typename Model::State& y) {
  if constexpr (requires { Model::threshold_mV(p, y); })
    return Model::threshold_mV(p, y);
  else
    return Model::threshold_mV(p);
}

// Not final: a model may add a driver-facing API in a subclass (LifCondExpAdaptivePopulation).
template <class Model>
class TimeDrivenPopulation : public NeuronPopulation {
 public:
  static constexpr std::size_t K = Model::kVariables;
  using State = std::array<double, K>;
  using Parameters = typename Model::Parameters;
  using Columns = std::array<std::vector<double>, K>;

  // initial: one column per state variable, all of the population's size.
  TimeDrivenPopulation(std::string name, std::uint32_t id, const Parameters& params, double dt_ms,
                       Columns initial)
      : NeuronPopulation(std::move(name), id, static_cast<std::uint32_t>(initial[0].size())),
        p_(params),
        dt_ms_(dt_ms),
        y_(std::move(initial)),
        refractory_until_ms_(size(), -std::numeric_limits<double>::infinity()),
        last_spike_ms_(size(), -std::numeric_limits<double>::infinity()),
        i_inj_pA_(size(), 0.0),
        head_(size(), kNone),
        tail_(size(), kNone),
        step_decay_(decay_factors(dt_ms)) {}

  std::string_view model_name() const override { return Model::kName; }
  WeightUnit weight_unit() const override { return Model::kWeightUnit; }
  static std::vector<std::string> variables() { return Model::variables(); }
  std::vector<std::string> state_variables() const override { return Model::variables(); }
  double dt_ms() const { return dt_ms_; }
  double spike_report_delay_ms() const override { return dt_ms_; }
  const Parameters& parameters() const { return p_; }
  // Time up to which every neuron has been integrated (the end of the last step).
  double integrated_until_ms() const { return t_last_ms_; }

  void start(EventContext& ctx) override { schedule_step(1, ctx); }

  void deliver(double t_ms, std::span<const StaticSynapse> synapses, EventContext&) override {
    for (const StaticSynapse& s : synapses) queue_input(s.post, {t_ms, s.weight, kNone, InputKind::Spike});
  }

  void add_injected_current(std::span<const std::uint32_t> neurons, double delta_pA, double t_ms,
                            EventContext&) override {
    if (neurons.empty()) {
      all_neuron_currents_.push_back({t_ms, delta_pA});
      return;
    }
    for (std::uint32_t n : neurons) queue_input(n, {t_ms, delta_pA, kNone, InputKind::Current});
  }

  void on_own_event(const Event& e, EventContext& ctx) override {
    const std::uint64_t k = e.a | (static_cast<std::uint64_t>(e.b) << 32);
    const double t1 = e.t_ms;
    const auto emit = [&](std::uint32_t n, double t_ms) {
      if (!(t_ms > last_spike_ms_[n])) throw_zero_interval(name(), n, t_ms);
      last_spike_ms_[n] = t_ms;
      ctx.emit_spike(id(), n, t_ms);
    };
    for (std::uint32_t n = 0; n < size(); ++n) {
      State y = load(n);
      NeuronClock c{refractory_until_ms_[n], i_inj_pA_[n]};
      integrate(n, y, c, t1, [&](double t_ms) { emit(n, t_ms); });
      store(n, y);
      refractory_until_ms_[n] = c.refractory_until_ms;
      i_inj_pA_[n] = c.i_inj_pA;
    }
    for (const Input& in : inputs_) head_[in.neuron] = tail_[in.neuron] = kNone;
    inputs_.clear();
    all_neuron_currents_.clear();
    t_last_ms_ = t1;
    schedule_step(k + 1, ctx);
  }

  void sample(std::size_t variable, std::span<const std::uint32_t> neurons, double t_ms,
              double* out) const override {
    for (std::uint32_t n : neurons) *out++ = state_at(n, t_ms)[variable];
  }

  // State variable `variable` (index into variables()) of neuron n at integrated_until_ms(),
  // and its change there (between runs, by a driver; the next step starts from it).
  double state_variable(std::size_t variable, std::uint32_t n) const { return y_.at(variable).at(n); }
  void set_state_variable(std::size_t variable, std::uint32_t n, double value) { y_.at(variable).at(n) = value; }

  void checkpoint(StateArchive& ar) override {
    ar.value("t_last_ms", t_last_ms_);
    for (std::size_t k = 0; k < K; ++k) ar.values(Model::variables()[k], y_[k]);
    ar.values("refractory_until_ms", refractory_until_ms_);
    ar.values("last_spike_ms", last_spike_ms_);
    ar.values("i_inj_pA", i_inj_pA_);
    // Inputs queued for the step in progress, with their per-neuron lists.
    ar.growing("inputs", inputs_);
    ar.values("input_head", head_);
    ar.values("input_tail", tail_);
    ar.growing("all_neuron_currents", all_neuron_currents_);
    if (ar.restoring()) {
      const auto valid = [&](std::uint32_t i) { return i == kNone || i < inputs_.size(); };
      for (const Input& in : inputs_)
        if (!valid(in.next) || in.neuron >= size() || static_cast<std::uint32_t>(in.kind) > 1)
          ar.fail("inputs", "an input names a neuron, list link or kind out of range");
      for (std::uint32_t n = 0; n < size(); ++n)
        if (!valid(head_[n]) || !valid(tail_[n])) ar.fail("input_head", "a list head or tail is out of range");
    }
  }

  // State of neuron n at t_ms (>= integrated_until_ms()), from a copy.
  State state_at(std::uint32_t n, double t_ms) const {
    State y = load(n);
    NeuronClock c{refractory_until_ms_[n], i_inj_pA_[n]};
    integrate(n, y, c, t_ms, [](double) {});
    return y;
  }

 protected:
  // Replaces the parameters (between runs); the decay factors of a full step follow them.
  void set_parameters(const Parameters& p) {
    p_ = p;
    step_decay_ = decay_factors(dt_ms_);
  }

 private:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  enum class InputKind : std::uint32_t { Spike, Current };
  struct Input {
    double t_ms;
    double value;  // weight (model's unit) or change of injected current (pA)
    std::uint32_t next;
    InputKind kind;
    std::uint32_t neuron = 0;
    std::uint32_t unused = 0;  // explicit padding: inputs are checkpointed byte for byte
  };
  static_assert(sizeof(Input) == 32);
  struct CurrentChange {
    double t_ms;
    double delta_pA;
  };
  // The per-neuron quantities that are not state variables of the equations.
  struct NeuronClock {
    double refractory_until_ms;
    double i_inj_pA;
  };

  void schedule_step(std::uint64_t k, EventContext& ctx) const {
    ctx.schedule(Event::make(static_cast<double>(k) * dt_ms_, EventKind::Step, id(),
                             static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k >> 32)));
  }

  void queue_input(std::uint32_t n, Input in) {
    in.neuron = n;
    const auto index = static_cast<std::uint32_t>(inputs_.size());
    inputs_.push_back(in);
    if (tail_[n] == kNone)
      head_[n] = index;
    else
      inputs_[tail_[n]].next = index;
    tail_[n] = index;
  }

  State load(std::uint32_t n) const {
    State y;
    for (std::size_t k = 0; k < K; ++k) y[k] = y_[k][n];
    return y;
  }
  void store(std::uint32_t n, const State& y) {
    for (std::size_t k = 0; k < K; ++k) y_[k][n] = y[k];
  }

  // Integrates neuron n from the last step end to t_end, applying its queued inputs (and the
  // population-wide current changes) with times <= t_end at their times.
  template <class Emit>
  void integrate(std::uint32_t n, State& y, NeuronClock& c, double t_end, const Emit& emit) const {
    double t = t_last_ms_;
    std::uint32_t k = head_[n];
    std::size_t g = 0;
    constexpr double kInf = std::numeric_limits<double>::infinity();
    // Times of the neuron's next queued input and of the next population-wide current change.
    const auto next_input_ms = [&] { return k != kNone ? inputs_[k].t_ms : kInf; };
    const auto next_all_ms = [&] { return g < all_neuron_currents_.size() ? all_neuron_currents_[g].t_ms : kInf; };
    for (;;) {
      const double t_input = next_input_ms();
      const double t_all = next_all_ms();
      const double t_next = std::min(t_input, t_all);
      if (!(t_next <= t_end)) break;
      if (t_next > t) {
        advance(n, y, c, t, t_next, emit);
        t = t_next;
      }
      if (t_input <= t_all) {
        const Input& in = inputs_[k];
        if (in.kind == InputKind::Spike) {
          const double v_before = y[Model::kV];
          Model::receive(p_, y, in.value);
          // The membrane is clamped while refractory: voltage jumps arriving then are lost
          // (as in NEST); conductance inputs still add to the conductances.
          if (Model::kResets && t < c.refractory_until_ms) y[Model::kV] = v_before;
        } else {
          c.i_inj_pA += in.value;
        }
        k = in.next;
      } else {
        c.i_inj_pA += all_neuron_currents_[g++].delta_pA;
      }
      // Jumps may carry a resetting model over threshold: it fires at once, after every input
      // of this same time has been applied (two simultaneous inputs make one spike).
      if constexpr (Model::kResets) {
        if (std::min(next_input_ms(), next_all_ms()) != t && t >= c.refractory_until_ms &&
            !(y[Model::kV] < threshold_mV(y)))
          fire_and_reset(y, c, t, emit);
      }
    }
    if (t_end > t) advance(n, y, c, t, t_end, emit);
  }

  double threshold_mV(const State& y) const { return model_threshold_mV<Model>(p_, y); }

  template <class Emit>
  void fire_and_reset(State& y, NeuronClock& c, double t_ms, const Emit& emit) const {
    emit(t_ms);
    Model::reset(p_, y);
    c.refractory_until_ms = t_ms + Model::refractory_ms(p_);
  }

  DecayFactors<K> decay_factors(double h_ms) const {
    DecayFactors<K> d;
    d.first = Model::kDecayFrom;
    for (std::size_t k = d.first; k < K; ++k) {
      const double tau = Model::decay_tau_ms(p_, k);
      d.half[k] = std::exp(-0.5 * h_ms / tau);
      d.full[k] = std::exp(-h_ms / tau);
    }
    return d;
  }

  void step(State& y, double i_pA, double h_ms, bool clamp_v) const {
    const auto linearize = [&](const State& s, State& a, State& b) { Model::linearize(p_, i_pA, s, a, b); };
    // Full steps (most of them) reuse the decay factors of dt; k dt - (k-1) dt differs from
    // dt by rounding only (relative 1e-15, far below the integrator's error).
    const bool full_step = std::abs(h_ms - dt_ms_) <= 1e-12 * dt_ms_;
    exponential_midpoint_step(linearize, y, h_ms, clamp_v ? Model::kV : K,
                              full_step ? step_decay_ : decay_factors(h_ms));
  }

  // Time tau in (0, h] at which the integrator's own solution from `before` reaches
  // threshold, given that it is below at 0 and at or above at h (state `after`): the root of
  // V(tau) - threshold(y(tau)) where y(tau) is one step of length tau (the threshold is
  // constant for most models, the model's own state otherwise). Bisection while the end value
  // is not finite (a runaway membrane), then the Illinois variant of regula falsi, to 1e-9 ms.
  // Locating the crossing on the solution itself keeps spike times second order even where V
  // diverges within the step (AdEx, Izhikevich), where a linear interpolation is first order.
  double crossing_delay(const State& before, double i_pA, double h, const State& after) const {
    const auto excess = [&](double tau) {
      State y = before;
      step(y, i_pA, tau, false);
      return y[Model::kV] - threshold_mV(y);
    };
    double lo = 0.0, f_lo = before[Model::kV] - threshold_mV(before);
    double hi = h, f_hi = after[Model::kV] - threshold_mV(after);
    int side = 0;
    for (int i = 0; i < 100 && hi - lo > 1e-9; ++i) {
      double tau;
      if (!std::isfinite(f_hi) || f_hi > 1e6)
        tau = 0.5 * (lo + hi);
      else
        tau = std::clamp(lo - f_lo * (hi - lo) / (f_hi - f_lo), lo + 1e-3 * (hi - lo), hi - 1e-3 * (hi - lo));
      const double f = excess(tau);
      if (f < 0.0) {
        lo = tau, f_lo = f;
        if (side == -1) f_hi *= 0.5;
        side = -1;
      } else {
        hi = tau, f_hi = f;
        if (side == 1) f_lo *= 0.5;
        side = 1;
      }
      if (f == 0.0) break;
    }
    return hi;
  }

  // A state the equations cannot leave (NaN, or a variable at infinity other than a resetting
  // membrane running away to +inf within a step) means the model diverged: an error, never
  // silently carried on (a NaN membrane would otherwise look like a spike every step).
  void require_finite(std::uint32_t n, const State& y, double t_ms) const {
    for (std::size_t k = 0; k < K; ++k) {
      const bool runaway_membrane = Model::kResets && k == Model::kV && y[k] == std::numeric_limits<double>::infinity();
      if (!std::isfinite(y[k]) && !runaway_membrane)
        throw std::runtime_error(fmt::format(
            "neuron {} of population '{}' ({}) diverged at t = {} ms: state variable {} became {}; check the "
            "model's parameters and inputs, or reduce dt_ms",
            n, name(), Model::kName, t_ms, Model::variables()[k], y[k]));
    }
  }

  // Advances y from t_a to t_b (no inputs in between), firing as the model says.
  template <class Emit>
  void advance(std::uint32_t n, State& y, NeuronClock& c, double t_a, double t_b, const Emit& emit) const {
    while (t_a < t_b) {
      if constexpr (Model::kResets) {
        if (t_a < c.refractory_until_ms) {  // clamped at reset until the refractory period ends
          const double t_free = std::min(c.refractory_until_ms, t_b);
          step(y, c.i_inj_pA, t_free - t_a, true);
          t_a = t_free;
          continue;
        }
        if (!(y[Model::kV] < threshold_mV(y))) {  // e.g. an initial state above threshold
          fire_and_reset(y, c, t_a, emit);
          continue;
        }
      }
      const State before = y;
      step(y, c.i_inj_pA, t_b - t_a, false);
      require_finite(n, y, t_b);
      if (!(before[Model::kV] < threshold_mV(before)) || y[Model::kV] < threshold_mV(y)) {
        t_a = t_b;  // no upward crossing in (t_a, t_b]
        continue;
      }
      const double tau = crossing_delay(before, c.i_inj_pA, t_b - t_a, y);
      const double t_cross = t_a + tau;
      if constexpr (Model::kResets) {
        y = before;
        if (tau > 0.0) step(y, c.i_inj_pA, tau, false);
        fire_and_reset(y, c, t_cross, emit);
        t_a = t_cross;
      } else {
        if (t_cross >= c.refractory_until_ms) {
          emit(t_cross);
          c.refractory_until_ms = t_cross + Model::refractory_ms(p_);
        }
        t_a = t_b;
      }
    }
  }

  Parameters p_;
  double dt_ms_;
  double t_last_ms_ = 0.0;
  Columns y_;  // state variables, structure of arrays
  std::vector<double> refractory_until_ms_;
  std::vector<double> last_spike_ms_;
  std::vector<double> i_inj_pA_;
  // Inputs of the current step: one list per neuron threaded through inputs_.
  std::vector<Input> inputs_;
  std::vector<std::uint32_t> head_, tail_;
  std::vector<CurrentChange> all_neuron_currents_;
  DecayFactors<K> step_decay_;
};

}  // namespace ionspike
