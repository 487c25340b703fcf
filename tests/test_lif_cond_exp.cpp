// Conductance-based LIF (neurons/lif_cond_exp.hpp) against analytic solutions and a
// Dormand–Prince reference (tests/time_driven_reference.hpp); exact timing of off-grid inputs.
#include <catch2/catch.hpp>

#include <cmath>

#include "neurons/lif_cond_exp.hpp"
#include "neurons/time_driven_population.hpp"
#include "test_support.hpp"
#include "time_driven_reference.hpp"

using namespace ionspike;
using namespace ionspike::test;

namespace {

using Population = TimeDrivenPopulation<LifCondExpModel>;

// One neuron driven by a spike array through weights given in nS; samples V every 0.5 ms.
std::string cell_network(double dt_ms, const std::vector<double>& times, double w_nS, double i_e_pA,
                    double t_stop_ms) {
  std::string train;
  for (double t : times) train += (train.empty() ? "" : ", ") + num(t);
  return "format_version: 1 simulation { t_stop_ms: " + num(t_stop_ms) +
         " min_delay_ms: 0.1 } populations { name: 'cell' size: 1 dt_ms: " + num(dt_ms) +
         " lif_cond_exp { i_e_pA: " + num(i_e_pA) +
         " v_init_mV { constant: -70 } } } populations { name: 'input' size: 1 spike_source_array { trains { "
         "times_ms: [" + train + "] } } } projections { name: 'in' pre: 'input' post: 'cell' one_to_one {} weight_nS { "
         "constant: " + num(w_nS) + " } delay_ms { constant: 0.1 } } spike_recorders { name: 's' populations: ['cell'] } "
         "state_recorders { name: 'v' population: 'cell' variable: 'v_mV' neurons: [0] interval_ms: 0.5 }";
}

std::vector<ReferenceInput> arrivals(const std::vector<double>& times, double w_nS) {
  std::vector<ReferenceInput> in;
  for (double t : times) in.push_back({t + 0.1, w_nS});
  return in;
}

}  // namespace

TEST_CASE("lif_cond_exp: without input the membrane relaxes exactly (exponential, any dt)", "[lif_cond_exp]") {
  const auto sim = run_text(cell_network(0.1, {}, 0.0, 50.0, 40.0), 40.0);
  const auto& rec = sim.network().state_recorders.at(0);
  // V_inf = E_L + i_e / g_L = -60 + 5 = -55 mV, tau = C / g_L = 20 ms.
  for (std::size_t k = 0; k < rec.sample_count(); ++k) {
    const double t = rec.times_ms()[k];
    CHECK(rec.values()[k] == Approx(-55.0 + (-70.0 + 55.0) * std::exp(-t / 20.0)).margin(1e-11));
  }
}

TEST_CASE("lif_cond_exp: off-grid inputs act at their times, second-order convergence", "[lif_cond_exp]") {
  // Inputs between grid points (x.03, x.07 ms): if they were moved to the grid, the error
  // would shrink only like dt.
  const std::vector<double> times = {1.03, 4.07, 7.33, 9.71, 15.49, 15.52, 22.18, 30.07};
  const double w = 3.0;
  const LifCondExpModel::Parameters p;
  const double t_stop = 40.0;
  const auto reference_at = [&](double t) {
    return reference_run<LifCondExpModel>(p, {-70.0, 0.0, 0.0}, 0.0, t, 0.05, arrivals(times, w)).final_state[0];
  };
  std::vector<double> errors;
  for (double dt : {0.1, 0.05, 0.025}) {
    const auto sim = run_text(cell_network(dt, times, w, 0.0, t_stop), t_stop);
    const auto& rec = sim.network().state_recorders.at(0);
    double e = 0.0;
    for (std::size_t k = 0; k < rec.sample_count(); k += 7) e = std::max(e, std::abs(rec.values()[k] - reference_at(rec.times_ms()[k])));
    errors.push_back(e);
  }
  INFO("max V error at dt 0.1, 0.05, 0.025 ms: " << errors[0] << ", " << errors[1] << ", " << errors[2] << " mV");
  CHECK(errors[0] < 1e-3);
  CHECK(errors[0] / errors[1] > 3.0);
  CHECK(errors[1] / errors[2] > 3.0);
}

TEST_CASE("lif_cond_exp: spike times under input match the reference, refractory clamp", "[lif_cond_exp]") {
  std::vector<double> times;
  for (int k = 0; k < 60; ++k) times.push_back(0.37 + 0.83 * k);  // a strong, off-grid drive
  const double w = 20.0;
  const LifCondExpModel::Parameters p;
  const auto reference = reference_run<LifCondExpModel>(p, {-70.0, 0.0, 0.0}, 0.0, 50.0, 0.01, arrivals(times, w)).spikes_ms;
  REQUIRE(reference.size() >= 3);
  const auto sim = run_text(cell_network(0.1, times, w, 0.0, 50.0), 50.0);
  const auto engine = spike_times(sim, 0, 0);
  REQUIRE(engine.size() == reference.size());
  for (std::size_t i = 0; i < engine.size(); ++i) CHECK(engine[i] == Approx(reference[i]).margin(0.01));
  // V is held at v_reset for t_ref after each spike.
  const auto& rec = sim.network().state_recorders.at(0);
  for (std::size_t k = 0; k < rec.sample_count(); ++k)
    for (double s : engine)
      if (rec.times_ms()[k] > s && rec.times_ms()[k] < s + 5.0) CHECK(rec.values()[k] == -60.0);
}
