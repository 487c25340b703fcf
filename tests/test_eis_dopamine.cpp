// Dopamine-modulated EIS synapses (seed 001 Fig. 5c-d): each waveform copy's amplitude is
// a * m(d(t_e)) with d the neuromodulator's concentration at the copy's emission. References:
// single devices (EisDevice::advance) with the copy amplitudes computed here from the closed
// form of d(t).
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "synapses/eis_presets.hpp"
#include "synapses/eis_protocols.hpp"
#include "eis_test_support.hpp"
#include "test_support.hpp"

using namespace ionspike;

namespace {

std::string list(const std::vector<double>& t) {
  std::ostringstream s;
  for (std::size_t i = 0; i < t.size(); ++i) s << (i ? ", " : "") << test::num(t[i]);
  return s.str();
}

// Pre neuron k spikes at pre[k], post neuron k is made to fire at post[k] (teacher, 100 mV);
// one-to-one EIS synapses (delay 1 ms, ideal devices, gain 0); a reward population releases
// dopamine (0.5 uM, tau 200 ms, baseline 0.01 uM) at `rewards`. `dopamine` is the eis
// dopamine block (empty: none).
std::string da_network(const std::vector<std::vector<double>>& pre, const std::vector<std::vector<double>>& post,
                    const std::vector<double>& rewards, const std::string& dopamine) {
  std::ostringstream pre_trains, teacher_trains;
  for (const auto& t : pre) pre_trains << "trains { times_ms: [" << list(t) << "] } ";
  for (const auto& t : post) {
    std::vector<double> shifted;
    for (double x : t) shifted.push_back(x - 0.1);
    teacher_trains << "trains { times_ms: [" << list(shifted) << "] } ";
  }
  const std::string n = std::to_string(pre.size());
  return "format_version: 1\n"
         "populations { name: 'pre' size: " + n + " spike_source_array { " + pre_trains.str() +
         "} pre_waveform { preset: 'antisymmetric' } }\n"
         "populations { name: 'teacher' size: " + n + " spike_source_array { " + teacher_trains.str() + "} }\n"
         "populations { name: 'post' size: " + n +
         " lif_delta { tau_m_ms: 10 e_l_mV: -70 v_th_mV: -55 v_reset_mV: -70 t_ref_ms: 2 }"
         " post_waveform { preset: 'antisymmetric' } }\n"
         "populations { name: 'reward' size: 1 spike_source_array { trains { times_ms: [" + list(rewards) + "] } } }\n"
         "neuromodulators { name: 'dopamine' source: 'reward' release_uM: 0.5 tau_d_ms: 200 baseline_uM: 0.01 }\n"
         "projections { name: 'teach' pre: 'teacher' post: 'post' one_to_one {} weight_mV { constant: 100 } }\n"
         "projections { name: 'syn' pre: 'pre' post: 'post' one_to_one {} delay_ms { constant: 1 }\n"
         "  eis { device_preset: 'protonic_wo3_ysz_14nm' g_init_nS { constant: 1000 } weight_mV_per_nS: 0\n"
         "        device_spread_sigma: 0 cycle_noise_sigma: 0 " + dopamine + " } }\n"
         "spike_recorders { name: 'spikes' }\n";
}

// d(t) in uM from the release times (closed form, independent of the simulator's history).
double concentration(const std::vector<double>& rewards, double t) {
  double d = 0.01;
  for (double r : rewards)
    if (r <= t) d += 0.5 * std::exp(-(t - r) / 200.0);
  return d;
}

using test::g_now;
using test::ideal_device;

}  // namespace

TEST_CASE("EIS dopamine: at the reference level the modulated projection is bit-identical to a plain one",
          "[eis][dopamine]") {
  const std::vector<std::vector<double>> pre = {{300, 700}, {300}};
  const std::vector<std::vector<double>> post = {{310, 690}, {295}};
  Simulator plain(test::build_text(da_network(pre, post, {}, "")));
  Simulator modulated(test::build_text(
      da_network(pre, post, {}, "dopamine { neuromodulator: 'dopamine' pre_gain_per_uM: 3 post_gain_per_uM: -4 }")));
  plain.run_until(1500.0);
  modulated.run_until(1500.0);
  REQUIRE(modulated.network().eis_projections[0].modulated());
  for (std::uint64_t k = 0; k < 2; ++k) {
    CHECK(g_now(modulated, k) == g_now(plain, k));
    CHECK(g_now(plain, k) != 1000.0);
  }
}

TEST_CASE("EIS dopamine: copy amplitudes are a * m(d) at emission, against a single device", "[eis][dopamine]") {
  // Release at 290 ms. Synapse 0: pair 300 -> 303 under high dopamine (m_post clamped at -1,
  // m_pre > 1 within factor_max 2). Synapse 1: pair 1500 -> 1503, dopamine nearly back to the
  // baseline.
  const std::vector<double> rewards = {290};
  const std::vector<std::vector<double>> pre = {{300}, {1500}};
  const std::vector<std::vector<double>> post = {{303}, {1503}};
  const std::string block =
      "dopamine { neuromodulator: 'dopamine' pre_gain_per_uM: 0.5 post_gain_per_uM: -6 factor_max: 2 }";
  Simulator sim(test::build_text(da_network(pre, post, rewards, block)));
  sim.run_until(2500.0);
  REQUIRE(test::spike_times(sim, sim.network().population_id("post"), 0) == std::vector<double>{303.0});
  REQUIRE(test::spike_times(sim, sim.network().population_id("post"), 1) == std::vector<double>{1503.0});
  const EisProjection& proj = sim.network().eis_projections[0];
  auto m = [&](double gain, double t) { return std::clamp(1.0 + gain * (concentration(rewards, t) - 0.01), -1.0, 2.0); };
  const EisDevice device = ideal_device();
  const pb::WaveformPair pair = waveform_preset("antisymmetric");
  const Waveform w_pre(pair.pre()), w_post(pair.post());
  for (std::uint64_t k = 0; k < 2; ++k) {
    const double e = pre[k][0], p = post[k][0];
    const double a_pre = m(0.5, e), a_post = m(-6.0, p);
    CHECK(proj.pre_amplitude(e) == Approx(a_pre).epsilon(1e-14));
    CHECK(proj.post_amplitude(p) == Approx(a_post).epsilon(1e-14));
    if (k == 0) {
      CHECK(a_post == -1.0);  // clamped
      CHECK(a_pre > 1.2);
    } else {
      CHECK(a_post == Approx(1.0).epsilon(0.01));
    }
    const std::vector<WaveformCopy> copies = {{&w_pre, e + 1.0, a_pre, +1}, {&w_post, p, a_post, -1}};
    double g = device.advance(1000.0, 0.0, e + 1.0, copies);
    g = device.advance(g, e + 1.0, p, copies);
    g = device.advance(g, p, 2500.0, copies);
    INFO("synapse " << k);
    CHECK(g_now(sim, k) == Approx(g).epsilon(1e-12));
  }
  // Dopamine turned synapse 0's causal pair (dt 2 ms) into depression (Fig. 5d, a_post = -1).
  CHECK(g_now(sim, 0) < 1000.0);
  CHECK(g_now(sim, 1) > 1000.0);
}

TEST_CASE("EIS dopamine: a reward after the pairing's waveforms have ended changes nothing (no eligibility)",
          "[eis][dopamine]") {
  const std::vector<std::vector<double>> pre = {{300}};
  const std::vector<std::vector<double>> post = {{310}};
  const std::string block = "dopamine { neuromodulator: 'dopamine' post_gain_per_uM: -4 }";
  Simulator rewarded(test::build_text(da_network(pre, post, {1300, 2300}, block)));  // 1-2 s later
  Simulator control(test::build_text(da_network(pre, post, {}, block)));
  rewarded.run_until(3000.0);
  control.run_until(3000.0);
  CHECK(g_now(rewarded, 0) == g_now(control, 0));
  CHECK(g_now(control, 0) > 1000.0);
}

TEST_CASE("EIS dopamine: many releases (history catch-ups and folds) stay exact and chunk-independent",
          "[eis][dopamine]") {
  // Releases every 2 ms from 50 to 3050 ms (1501): the projection's release history is caught
  // up and folded several times. Synapse 0: one pre spike at 100 (its copy runs across the
  // first catch-up), post at 2500. Synapse 1: pairs every 400 ms.
  std::vector<double> rewards;
  for (int i = 0; i <= 1500; ++i) rewards.push_back(50.0 + 2.0 * i);
  std::vector<std::vector<double>> pre = {{100}, {}}, post = {{2500}, {}};
  for (double t = 200; t < 3000; t += 400) {
    pre[1].push_back(t);
    post[1].push_back(t + 5);
  }
  const std::string block =
      "dopamine { neuromodulator: 'dopamine' pre_gain_per_uM: 0.01 post_gain_per_uM: -0.03 factor_min: -5 factor_max: 5 }";
  const std::string text = da_network(pre, post, rewards, block);
  Simulator sim(test::build_text(text));
  sim.run_until(3600.0);
  const EisProjection& proj = sim.network().eis_projections[0];
  CHECK(proj.dopamine_catch_ups() >= 3);
  const EisDevice device = ideal_device();
  const pb::WaveformPair pair = waveform_preset("antisymmetric");
  const Waveform w_pre(pair.pre()), w_post(pair.post());
  // d reaches ~50 uM (0.5 uM every 2 ms, tau 200 ms): m_pre up to ~1.5, m_post down to ~-0.5.
  auto m = [&](double gain, double t) { return std::clamp(1.0 + gain * (concentration(rewards, t) - 0.01), -5.0, 5.0); };
  for (std::uint64_t k = 0; k < 2; ++k) {
    REQUIRE(test::spike_times(sim, sim.network().population_id("post"), static_cast<std::uint32_t>(k)) == post[k]);
    std::vector<WaveformCopy> copies;
    for (double e : pre[k]) copies.push_back({&w_pre, e + 1.0, m(0.01, e), +1});
    for (double p : post[k]) copies.push_back({&w_post, p, m(-0.03, p), -1});
    // One advance over the whole run: equal up to the rounding of the split updates.
    const double g = device.advance(1000.0, 0.0, 3600.0, copies);
    INFO("synapse " << k);
    CHECK(g_now(sim, k) == Approx(g).epsilon(1e-10));
    CHECK(std::abs(g - 1000.0) > 0.1);
  }
  // Catch-ups happen at releases, whatever the chunks: a run in pieces is bit-identical.
  Simulator pieces(test::build_text(text));
  for (double t = 137.0; t < 3600.0; t += 137.0) pieces.run_until(t);
  pieces.run_until(3600.0);
  for (std::uint64_t k = 0; k < 2; ++k) CHECK(g_now(pieces, k) == g_now(sim, k));
}

TEST_CASE("EIS dopamine: validation names the field and the allowed range", "[eis][dopamine][validation]") {
  const std::vector<std::vector<double>> pre = {{300}}, post = {{310}};
  auto with = [&](const std::string& block) { return test::build_text(da_network(pre, post, {100}, block)); };
  CHECK_NOTHROW(with("dopamine { neuromodulator: 'dopamine' post_gain_per_uM: -4 }"));
  CHECK_THROWS_WITH(with("dopamine { neuromodulator: 'serotonin' }"),
                    Catch::Contains("projections[1].eis.dopamine.neuromodulator") &&
                        Catch::Contains("unknown neuromodulator 'serotonin'") && Catch::Contains("dopamine"));
  CHECK_THROWS_WITH(with("dopamine { neuromodulator: 'dopamine' post_gain_per_uM: nan }"),
                    Catch::Contains("eis.dopamine.post_gain_per_uM"));
  CHECK_THROWS_WITH(with("dopamine { neuromodulator: 'dopamine' factor_min: 0.5 factor_max: 0.2 }"),
                    Catch::Contains("eis.dopamine.factor_max") && Catch::Contains(">= factor_min = 0.5"));
  CHECK_THROWS_WITH(with("dopamine { neuromodulator: 'dopamine' reference_uM: -1 }"),
                    Catch::Contains("eis.dopamine.reference_uM"));
}
