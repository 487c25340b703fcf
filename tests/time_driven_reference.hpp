// High-accuracy reference solutions for the time-driven neuron models, independent of the
// engine's integrator: the model's equations dy/dt = A(y) y + B(y) integrated by adaptive
// Dormand–Prince 5(4) (synapses/dormand_prince.hpp) at tolerance 1e-11, spike times located
// by bisection to ~1e-12 ms, resets and refractory clamps applied as the model defines them.
// A state-dependent threshold (model_threshold_mV) is evaluated on the reference's own state.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "neurons/time_driven_population.hpp"
#include "synapses/dormand_prince.hpp"

namespace ionspike::test {

template <class Model>
struct ReferenceRun {
  std::vector<double> spikes_ms;
  typename Model::State final_state;
};

struct ReferenceInput {
  double t_ms;
  double weight;  // in the model's weight unit
};

// Integrates one neuron with constant injected current i_pA from 0 to t_end_ms, applying the
// synaptic inputs (sorted by time) at their times, looking for threshold crossings in
// windows of window_ms.
template <class Model>
ReferenceRun<Model> reference_run(const typename Model::Parameters& p, typename Model::State y, double i_pA,
                                  double t_end_ms, double window_ms = 0.01,
                                  const std::vector<ReferenceInput>& inputs = {}) {
  using State = typename Model::State;
  constexpr std::size_t K = Model::kVariables;
  DopriTolerance<K> tol;
  tol.rtol.fill(1e-11);
  tol.atol.fill(1e-11);
  const auto no_projection = [](const State& s) { return s; };
  const auto solve = [&](State from, double h, bool clamped) {
    const auto f = [&](double, const State& s) {
      State a, b, dy;
      Model::linearize(p, i_pA, s, a, b);
      for (std::size_t k = 0; k < K; ++k) dy[k] = a[k] * s[k] + b[k];
      if (clamped) dy[Model::kV] = 0.0;
      return dy;
    };
    return dopri5_integrate<K>(f, 0.0, h, from, tol, no_projection);
  };
  // V - threshold: negative below threshold.
  const auto excess = [&](const State& s) { return s[Model::kV] - model_threshold_mV<Model>(p, s); };
  ReferenceRun<Model> run;
  double t = 0.0;
  double refractory_until = -std::numeric_limits<double>::infinity();
  std::size_t next_input = 0;
  while (t < t_end_ms) {
    while (next_input < inputs.size() && inputs[next_input].t_ms <= t) {
      Model::receive(p, y, inputs[next_input++].weight);
      if constexpr (Model::kResets)
        if (t >= refractory_until && !(excess(y) < 0.0)) {
          run.spikes_ms.push_back(t);
          Model::reset(p, y);
          refractory_until = t + Model::refractory_ms(p);
        }
    }
    const bool clamped = Model::kResets && t < refractory_until;
    double h = std::min(window_ms, t_end_ms - t);
    if (clamped) h = std::min(h, refractory_until - t);
    if (next_input < inputs.size()) h = std::min(h, inputs[next_input].t_ms - t);
    const State next = solve(y, h, clamped);
    if (!clamped && excess(y) < 0.0 && !(excess(next) < 0.0)) {
      double lo = 0.0, hi = h;  // bisection on the crossing time within the window
      for (int i = 0; i < 60 && hi - lo > 1e-13; ++i) {
        const double mid = 0.5 * (lo + hi);
        (excess(solve(y, mid, false)) < 0.0 ? lo : hi) = mid;
      }
      const double t_cross = t + hi;
      if constexpr (Model::kResets) {
        y = solve(y, hi, false);
        run.spikes_ms.push_back(t_cross);
        Model::reset(p, y);
        refractory_until = t_cross + Model::refractory_ms(p);
        t = t_cross;
        continue;
      } else {
        if (t_cross >= refractory_until) {
          run.spikes_ms.push_back(t_cross);
          refractory_until = t_cross + Model::refractory_ms(p);
        }
      }
    }
    y = next;
    t = (next_input < inputs.size() && t + h >= inputs[next_input].t_ms) ? inputs[next_input].t_ms : t + h;
  }
  run.final_state = y;
  return run;
}

}  // namespace ionspike::test
