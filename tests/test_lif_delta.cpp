// LIF with delta synapses against its closed-form solution.
#include <catch2/catch.hpp>

#include <cmath>

#include "neurons/lif_delta.hpp"
#include "test_support.hpp"

using namespace ionspike;

namespace {

// One lif_delta neuron driven by i_e_pA, plus optional spike-array input through a weight.
std::string single_neuron(double i_e_pA, double t_ref_ms, const std::string& extra = "") {
  return "format_version: 1\n"
         "populations { name: 'n' size: 1 lif_delta { tau_m_ms: 20 c_m_pF: 250 e_l_mV: -65 "
         "v_th_mV: -50 v_reset_mV: -65 t_ref_ms: " + std::to_string(t_ref_ms) +
         " i_e_pA: " + std::to_string(i_e_pA) + " } }\n"
         "spike_recorders { name: 'spikes' }\n" + extra;
}

}  // namespace

TEST_CASE("lif_delta membrane equals the closed form at arbitrary times", "[lif_delta]") {
  // Sub-threshold drive: V(t) = V_inf + (V0 - V_inf) exp(-t / tau), V_inf = E_L + R I.
  const double tau = 20.0, R = 20.0 / 250.0, e_l = -65.0, i_e = 150.0;  // V_inf = -53 mV
  Simulator sim(test::build_text(single_neuron(i_e, 2.0)));
  sim.run_until(0.0);
  const auto& pop = dynamic_cast<const LifDeltaPopulation&>(*sim.network().populations[0]);
  for (double t : {0.0, 1e-6, 0.37, 3.14159, 17.0, 59.9, 123.456, 999.0}) {
    const double expected = e_l + R * i_e + (e_l - (e_l + R * i_e)) * std::exp(-t / tau);
    REQUIRE(pop.membrane_mV(0, t) == Approx(expected).epsilon(1e-12));
  }
  sim.run_until(500.0);
  CHECK(sim.counters().spikes == 0);
}

TEST_CASE("lif_delta under constant current fires with the analytic period", "[lif_delta]") {
  // Period = t_ref + tau ln(R I / (R I - theta)), theta = V_th - E_L, reset to E_L.
  const double tau = 20.0, R = 20.0 / 250.0, theta = 15.0;
  for (double t_ref : {0.0, 2.0}) {
    for (double i_e : {200.0, 500.0, 2000.0}) {
      const double period = t_ref + tau * std::log(R * i_e / (R * i_e - theta));
      Simulator sim = test::run_text(single_neuron(i_e, t_ref), 1000.0);
      const auto t = test::spike_times(sim, 0, 0);
      // Spike k (from 0) at (k+1) T - t_ref <= 1000 ms.
      REQUIRE(t.size() == static_cast<std::size_t>(std::floor((1000.0 + t_ref) / period)));
      // The first crossing starts from E_L at t = 0, so spike k is at (k+1) T - t_ref.
      for (std::size_t k = 0; k < t.size(); ++k)
        REQUIRE(t[k] == Approx((k + 1) * period - t_ref).epsilon(1e-9));
    }
  }
}

TEST_CASE("lif_delta: inputs jump the membrane, fire at arrival, are lost when refractory", "[lif_delta]") {
  // Three input spikes of 10 mV at 1, 2, 3 ms; threshold 15 mV above rest; t_ref 5 ms.
  const std::string text = single_neuron(0.0, 5.0,
      "populations { name: 'in' size: 1 spike_source_array { trains { times_ms: [1, 2, 3, 20] } } }\n"
      "projections { name: 'p' pre: 'in' post: 'n' one_to_one {} weight_mV { constant: 10 } delay_ms { constant: 1 } }\n");
  Simulator sim(test::build_text(text));
  sim.run_until(2.5);
  const std::uint32_t n = sim.network().population_id("n");  // ids follow name order: "in" < "n"
  const auto& pop = dynamic_cast<const LifDeltaPopulation&>(*sim.network().populations[n]);
  // Arrivals at 2 and 3 ms: V(2) = -55, V(3-) = -65 + 10 e^{-1/20}, then +10 -> above -50: spike at 3.
  CHECK(pop.membrane_mV(0, 2.5) == Approx(-65.0 + 10.0 * std::exp(-0.5 / 20.0)).epsilon(1e-12));
  sim.run_until(100.0);
  const auto t = test::spike_times(sim, n, 0);
  REQUIRE(t.size() == 1);
  CHECK(t[0] == 3.0);
  // The arrival at 4 ms falls in the refractory period [3, 8): lost. The one at 21 ms: 10 mV.
  CHECK(pop.membrane_mV(0, 21.0) == Approx(-55.0).epsilon(1e-12));
}
