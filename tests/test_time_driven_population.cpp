// The time-driven population in the event-driven engine (neurons/time_driven_population.hpp):
// mixed networks, causality of off-grid spikes, continuation, read-only sampling, validation.
#include <catch2/catch.hpp>

#include <cmath>

#include "networks/input_error.hpp"
#include "test_support.hpp"

using namespace ionspike;
using namespace ionspike::test;

namespace {

// Event-driven LIF (lif_exp) and HH (hh_traub_miles) groups connected both ways, each with
// its own Poisson drive.
std::string mixed_network(double t_stop_ms, const std::string& extra = "") {
  return "format_version: 1 simulation { t_stop_ms: " + num(t_stop_ms) + " seed: 5 } "
         "populations { name: 'hh' size: 50 hh_traub_miles { membrane { i_e_pA: -100 } } } "
         "populations { name: 'lif' size: 50 lif_exp { tau_m_ms: 20 c_m_pF: 250 e_l_mV: -65 v_th_mV: -50 "
         "v_reset_mV: -65 t_ref_ms: 2 tau_syn_ex_ms: 5 tau_syn_in_ms: 10 } } "
         "populations { name: 'drive' size: 100 poisson_source { rate_Hz: 20 } } "
         "projections { name: 'drive_hh' pre: 'drive' post: 'hh' fixed_in_degree { k: 20 } weight_nS { constant: 6 } } "
         "projections { name: 'drive_lif' pre: 'drive' post: 'lif' fixed_in_degree { k: 20 } weight_pA { constant: 120 } } "
         "projections { name: 'hh_lif' pre: 'hh' post: 'lif' fixed_probability { p: 0.2 } weight_pA { constant: 80 } "
         "delay_ms { uniform { low: 0.5 high: 2.0 } } } "
         "projections { name: 'lif_hh' pre: 'lif' post: 'hh' fixed_probability { p: 0.2 } weight_nS { constant: 3 } "
         "delay_ms { constant: 0.3 } } "
         "spike_recorders { name: 'spikes' populations: ['hh', 'lif'] } " + extra;
}

std::vector<SpikeRecord> sorted_spikes(const Simulator& sim) {
  auto s = sim.network().spike_recorders.at(0).spikes();
  std::sort(s.begin(), s.end(), [](const SpikeRecord& a, const SpikeRecord& b) {
    return std::tie(a.t_ms, a.population, a.neuron) < std::tie(b.t_ms, b.population, b.neuron);
  });
  return s;
}

bool same(const std::vector<SpikeRecord>& a, const std::vector<SpikeRecord>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].t_ms != b[i].t_ms || a[i].population != b[i].population || a[i].neuron != b[i].neuron) return false;
  return true;
}

}  // namespace

TEST_CASE("time-driven: a mixed network of event-driven LIF and HH groups runs, both ways", "[time_driven]") {
  const Simulator sim = run_text(mixed_network(500.0), 500.0);
  const auto& counts = sim.counters().spikes_per_population;
  // Population ids in name order: drive 0, hh 1, lif 2.
  CHECK(counts[1] > 50);
  CHECK(counts[2] > 50);
  // Off-grid spike times from the HH group.
  std::size_t off_grid = 0;
  for (const SpikeRecord& s : sim.network().spike_recorders.at(0).spikes())
    if (s.population == 1 && std::abs(s.t_ms / 0.1 - std::round(s.t_ms / 0.1)) > 1e-6) ++off_grid;
  CHECK(off_grid > 40);
  // Same seed, same spikes; and the HH -> LIF projection matters (without it, LIF differs).
  CHECK(same(sorted_spikes(run_text(mixed_network(500.0), 500.0)), sorted_spikes(sim)));
}

TEST_CASE("time-driven: an HH spike reaches an event-driven target exactly one delay later", "[time_driven]") {
  // One HH neuron driven by current; each of its spikes makes a lif_delta neuron fire at once
  // (a 100 mV jump), so the LIF spike times are the HH spike times plus the delay, exactly.
  const std::string text =
      "format_version: 1 simulation { t_stop_ms: 200 } "
      "populations { name: 'a_hh' size: 1 hh_traub_miles { membrane { i_e_pA: 500 } } } "
      "populations { name: 'b_lif' size: 1 lif_delta { t_ref_ms: 0.1 } } "
      "projections { name: 'p' pre: 'a_hh' post: 'b_lif' one_to_one {} weight_mV { constant: 100 } delay_ms { constant: 1.37 } } "
      "spike_recorders { name: 's' populations: ['a_hh', 'b_lif'] }";
  const Simulator sim = run_text(text, 200.0);
  auto hh = spike_times(sim, 0, 0);
  const auto lif = spike_times(sim, 1, 0);
  while (!hh.empty() && hh.back() + 1.37 > 200.0) hh.pop_back();  // arrivals after the run
  REQUIRE(hh.size() >= 5);
  REQUIRE(lif.size() == hh.size());
  for (std::size_t i = 0; i < hh.size(); ++i) CHECK(lif[i] == hh[i] + 1.37);
}

TEST_CASE("time-driven: running in pieces equals one run, sampling never changes the dynamics", "[time_driven]") {
  Simulator pieces(build_text(mixed_network(400.0)));
  for (double t : {33.33, 100.0, 250.05, 400.0}) pieces.run_until(t);
  const Simulator whole = run_text(mixed_network(400.0), 400.0);
  CHECK(same(sorted_spikes(pieces), sorted_spikes(whole)));
  const Simulator sampled = run_text(
      mixed_network(400.0, "state_recorders { name: 'v' population: 'hh' variable: 'm' neurons: [0, 7] interval_ms: 0.07 }"),
      400.0);
  CHECK(same(sorted_spikes(sampled), sorted_spikes(whole)));
  CHECK(sampled.network().state_recorders.at(0).sample_count() > 5000);
}

TEST_CASE("time-driven: validation of dt_ms, delays and EIS targets", "[time_driven]") {
  const std::string base =
      "format_version: 1 populations { name: 'hh' size: 2 hh_traub_miles {} dt_ms: 0.2 } "
      "populations { name: 'lif' size: 2 lif_exp {} } ";
  // Delays leaving a clocked group must be >= its dt.
  CHECK_THROWS_WITH(build_text(base + "projections { name: 'p' pre: 'hh' post: 'lif' all_to_all {} weight_pA { "
                                      "constant: 1 } delay_ms { constant: 0.1 } }"),
                    Catch::Contains("projections[0].delay_ms.constant") && Catch::Contains("dt_ms 0.2"));
  CHECK_THROWS_WITH(build_text(base + "projections { name: 'p' pre: 'hh' post: 'lif' all_to_all {} weight_pA { "
                                      "constant: 1 } }"),
                    Catch::Contains("projections[0].delay_ms") && Catch::Contains("missing"));
  CHECK_NOTHROW(build_text(base + "projections { name: 'p' pre: 'hh' post: 'lif' all_to_all {} weight_pA { "
                                  "constant: 1 } delay_ms { constant: 0.2 } }"));
  // dt_ms is for time-driven models only, and within (0, 100] ms.
  CHECK_THROWS_WITH(build_text("format_version: 1 populations { name: 'lif' size: 2 lif_exp {} dt_ms: 0.1 }"),
                    Catch::Contains("populations[0].dt_ms") && Catch::Contains("event by event"));
  CHECK_THROWS_WITH(build_text("format_version: 1 populations { name: 'hh' size: 2 hh_1952 {} dt_ms: 0 }"),
                    Catch::Contains("populations[0].dt_ms") && Catch::Contains("[0.0001, 100]"));
  // A from_list whose every connection has its own delay needs no default delay.
  CHECK_NOTHROW(build_text(base + "projections { name: 'p' pre: 'hh' post: 'lif' from_list { connections { pre: 0 "
                                  "post: 1 weight: 1 delay_ms: 0.5 } } weight_pA { constant: 1 } }"));
  // Izhikevich's recovery rate is a rate.
  CHECK_THROWS_WITH(build_text("format_version: 1 populations { name: 'i' size: 1 izhikevich { a_per_ms: -10 } }"),
                    Catch::Contains("izhikevich.a_per_ms"));
  // Weights in the target's unit: nS for conductance-based models.
  CHECK_THROWS_WITH(build_text(base + "projections { name: 'p' pre: 'lif' post: 'hh' all_to_all {} weight_pA { "
                                      "constant: 1 } }"),
                    Catch::Contains("projections[0].weight_pA") && Catch::Contains("weight_nS"));
  // Gates are fractions.
  CHECK_THROWS_WITH(build_text("format_version: 1 populations { name: 'hh' size: 2 hh_1952 { membrane { m_init { "
                               "constant: 1.5 } } } }"),
                    Catch::Contains("populations[0].hh_1952.membrane.m_init.constant") && Catch::Contains("[0, 1]"));
}

TEST_CASE("time-driven: a diverging model is an error naming neuron, time and variable, not a hang", "[time_driven]") {
  // -500 nA into a 10000 um^2 HH membrane drives V to about -12000 mV, where the rates overflow.
  const std::string text =
      "format_version: 1 simulation { t_stop_ms: 50 } populations { name: 'hh' size: 1 hh_1952 { membrane { "
      "i_e_pA: -500000 } } } spike_recorders { name: 's' }";
  CHECK_THROWS_WITH(run_text(text, 50.0), Catch::Contains("neuron 0 of population 'hh' (hh_1952) diverged at t =") &&
                                              Catch::Contains("became"));
}

TEST_CASE("time-driven: the step ending at t_stop up to rounding belongs to the run", "[time_driven]") {
  // 3 * 0.1 = 0.30000000000000004 > 0.3: the spike at 0.25 ms must still be in a 0.3 ms run.
  const std::string text =
      "format_version: 1 simulation { t_stop_ms: 0.3 } populations { name: 'a_in' size: 1 spike_source_array { "
      "trains { times_ms: [0.15] } } } populations { name: 'cell' size: 1 izhikevich {} } "
      "projections { name: 'p' pre: 'a_in' post: 'cell' one_to_one {} weight_mV { constant: 120 } } "
      "spike_recorders { name: 's' populations: ['cell'] }";
  const auto spikes = spike_times(run_text(text, 0.3), 1, 0);
  REQUIRE(spikes.size() == 1);
  CHECK(spikes[0] == Approx(0.25));
}

TEST_CASE("time-driven: simultaneous jumps act together, jumps during refractoriness are lost", "[time_driven]") {
  // Two 120 mV inputs at the same time: one spike (not an error for firing twice at once).
  const std::string two =
      "format_version: 1 simulation { t_stop_ms: 20 } populations { name: 'a_in' size: 2 spike_source_array { "
      "trains { times_ms: [10] } } } populations { name: 'cell' size: 1 izhikevich {} } "
      "projections { name: 'p' pre: 'a_in' post: 'cell' all_to_all {} weight_mV { constant: 120 } } "
      "spike_recorders { name: 's' populations: ['cell'] }";
  CHECK(spike_times(run_text(two, 20.0), 1, 0).size() == 1);
  // With t_ref 5 ms, a jump 2 ms after the spike does not make the neuron fire when the
  // refractory period ends.
  const std::string refractory =
      "format_version: 1 simulation { t_stop_ms: 30 } populations { name: 'a_in' size: 1 spike_source_array { "
      "trains { times_ms: [10, 12] } } } populations { name: 'cell' size: 1 izhikevich { t_ref_ms: 5 } } "
      "projections { name: 'p' pre: 'a_in' post: 'cell' all_to_all {} weight_mV { constant: 120 } } "
      "spike_recorders { name: 's' populations: ['cell'] }";
  CHECK(spike_times(run_text(refractory, 30.0), 1, 0).size() == 1);
}
