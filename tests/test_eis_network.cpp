// EIS synapses inside the full engine: spike arrays drive pre and post neurons, and the
// conductance each synapse ends with must equal the single-device STDP protocol
// (synapses/eis_protocols) at the same effective timing, point by point.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "networks/eis_resolve.hpp"
#include "synapses/eis_presets.hpp"
#include "synapses/eis_protocols.hpp"
#include "test_support.hpp"

using namespace ionspike;

namespace {

// N independent pairs: pre neuron k fires at 300 ms, post neuron k is made to fire (teacher
// input, 100 mV jump) at about 300 + dt_k ms. The EIS projection pre -> post is one-to-one,
// with gain 0 so it does not disturb the post neurons.
std::string pair_network(const std::vector<double>& dt_ms, const std::string& waveforms,
                         double delay_ms, double a_post = 1.0) {
  std::ostringstream pre_trains, teacher_trains;
  for (double dt : dt_ms) {
    pre_trains << "trains { times_ms: [300] } ";
    teacher_trains << "trains { times_ms: [" << 300.0 + dt - 0.1 << "] } ";
  }
  const std::size_t n = dt_ms.size();
  std::ostringstream s;
  s << "format_version: 1\n"
    << "simulation { min_delay_ms: 0.1 }\n"
    << "populations { name: 'pre' size: " << n << " spike_source_array { " << pre_trains.str()
    << "} pre_waveform { preset: '" << waveforms << "' } }\n"
    << "populations { name: 'teacher' size: " << n << " spike_source_array { " << teacher_trains.str() << "} }\n"
    << "populations { name: 'post' size: " << n
    << " lif_delta { tau_m_ms: 10 e_l_mV: -70 v_th_mV: -55 v_reset_mV: -70 t_ref_ms: 2 }"
    << " post_waveform { preset: '" << waveforms << "' } }\n"
    << "projections { name: 'teach' pre: 'teacher' post: 'post' one_to_one {} weight_mV { constant: 100 } }\n"
    << "projections { name: 'syn' pre: 'pre' post: 'post' one_to_one {} delay_ms { constant: " << delay_ms << " }\n"
    << "  eis { device_preset: 'protonic_wo3_ysz_14nm' g_init_nS { constant: 1000 } a_post: " << a_post
    << " weight_mV_per_nS: 0 device_spread_sigma: 0 cycle_noise_sigma: 0 } }\n"
    << "spike_recorders { name: 'spikes' }\n";
  return s.str();
}

}  // namespace

TEST_CASE("EIS pairs through the engine reproduce the single-device STDP curve point by point", "[eis][engine]") {
  const std::vector<double> dts = {-160, -80, -40, -20, -10, -5, -2, 2, 5, 10, 15, 20, 40, 80, 160};
  for (const char* form : {"antisymmetric", "symmetric", "dead_zone", "ltp_only"}) {
    for (double delay : {0.1, 3.0}) {
      Simulator sim(test::build_text(pair_network(dts, form, delay)));
      sim.run_until(1500.0);  // every waveform has ended (they last < 600 ms)
      const RuntimeNetwork& net = sim.network();
      REQUIRE(net.eis_projections.size() == 1);
      const EisProjection& proj = net.eis_projections[0];
      pb::EisDevice ideal = device_preset("protonic_wo3_ysz_14nm");
      ideal.set_device_spread_sigma(0);
      ideal.set_cycle_noise_sigma(0);
      const EisDevice device(ideal);
      const pb::WaveformPair pair = waveform_preset(form);
      const Waveform pre(pair.pre()), post(pair.post());
      const std::uint32_t post_pop = net.population_id("post");
      for (std::uint64_t k = 0; k < proj.synapse_count(); ++k) {
        const std::uint32_t j = proj.post_of(k);
        const auto t_post = test::spike_times(sim, post_pop, j);
        REQUIRE(t_post.size() == 1);
        // The pre waveform reaches the device with the spike, after the axonal delay.
        const double dt_device = t_post[0] - (300.0 + delay);
        const double expected = pair_delta_g(device, pre, post, dt_device, 1000.0);
        const double got = proj.conductance_at(k, sim.time_ms(), net.spike_histories[net.population_id("pre")],
                                               net.spike_histories[post_pop]) - 1000.0;
        INFO(form << " delay " << delay << " dt " << dt_device);
        CHECK(got == Approx(expected).epsilon(1e-9).margin(1e-9));
      }
    }
  }
}

TEST_CASE("EIS weight seen by the target is gain times G at the spike's arrival", "[eis][engine]") {
  // Gain 0.001 mV/nS at G = 1000 nS: the first pre spike makes the post membrane jump by 1 mV.
  const std::string text =
      "format_version: 1\n"
      "populations { name: 'pre' size: 1 spike_source_array { trains { times_ms: [10] } } "
      "  pre_waveform { preset: 'antisymmetric' } }\n"
      "populations { name: 'post' size: 1 lif_delta { tau_m_ms: 10 e_l_mV: -70 v_th_mV: -55 v_reset_mV: -70 } "
      "  post_waveform { preset: 'antisymmetric' } }\n"
      "projections { name: 'syn' pre: 'pre' post: 'post' one_to_one {} delay_ms { constant: 1 }\n"
      "  eis { device_preset: 'protonic_wo3_ysz_14nm' g_init_nS { constant: 1000 } weight_mV_per_nS: 0.001 } }\n"
      "state_recorders { name: 'v' population: 'post' variable: 'v_mV' interval_ms: 11 }\n";
  Simulator sim(test::build_text(text));
  sim.run_until(11.0);
  const auto& rows = sim.network().state_recorders[0].values();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == -70.0);
  // Jump of 0.001 * G(11 ms) mV; G has not moved before the first waveform reached the device.
  CHECK(rows[1] == Approx(-70.0 + 1.0).epsilon(1e-6));

  // Frozen (every synapse floored, so its stored G is marked), a spike still carries +gain * G.
  std::string frozen_text = text;
  frozen_text.replace(frozen_text.find("times_ms: [10]"), 14, "times_ms: [10, 2000]");
  frozen_text.replace(frozen_text.find("interval_ms: 11"), 15, "interval_ms: 1");
  Simulator frozen(test::build_text(frozen_text));
  frozen.run_until(1500.0);
  double g_frozen = 0.0;
  frozen.modify_eis_projection("syn", [&](EisProjection& p, const SpikeHistory& pre, const SpikeHistory& post, double) {
    p.set_frozen(true, pre, post);
    g_frozen = p.conductance(0, pre, post);
    CHECK(p.floored(0));
  });
  frozen.run_until(2002.0);
  const auto& v = frozen.network().state_recorders[0].values();
  REQUIRE(v.size() == 2003);
  CHECK(v[2002] - v[2000] * std::exp(-2.0 / 10.0) - (-70.0) * (1.0 - std::exp(-2.0 / 10.0)) ==
        Approx(0.001 * g_frozen * std::exp(-1.0 / 10.0)).epsilon(1e-6));
}

TEST_CASE("EIS projections are validated: missing waveform, unknown preset, g_init outside the bounds", "[eis][validation]") {
  const std::string base =
      "format_version: 1\n"
      "populations { name: 'pre' size: 1 spike_source_array { trains { times_ms: [10] } } PREWAVE }\n"
      "populations { name: 'post' size: 1 lif_delta {} post_waveform { preset: 'antisymmetric' } }\n"
      "projections { name: 'syn' pre: 'pre' post: 'post' one_to_one {}\n"
      "  eis { device_preset: 'DEVICE' g_init_nS { constant: GINIT } weight_mV_per_nS: 0.001 } }\n";
  auto with = [&](std::string prewave, std::string device, std::string g) {
    std::string s = base;
    s.replace(s.find("PREWAVE"), 7, prewave);
    s.replace(s.find("DEVICE"), 6, device);
    s.replace(s.find("GINIT"), 5, g);
    return s;
  };
  const std::string ok_wave = "pre_waveform { preset: 'antisymmetric' }";
  CHECK_NOTHROW(test::build_text(with(ok_wave, "protonic_wo3_ysz_14nm", "1000")));
  CHECK_THROWS_WITH(test::build_text(with("", "protonic_wo3_ysz_14nm", "1000")),
                    Catch::Contains("test.pbtxt:2:") && Catch::Contains("needs a pre_waveform"));
  CHECK_THROWS_WITH(test::build_text(with(ok_wave, "no_such_device", "1000")),
                    Catch::Contains("eis.device_preset") && Catch::Contains("protonic_wo3_ysz_14nm"));
  CHECK_THROWS_WITH(test::build_text(with(ok_wave, "protonic_wo3_ysz_14nm", "1e9")),
                    Catch::Contains("eis.g_init_nS.constant") && Catch::Contains("got 1e+09"));
  CHECK_THROWS_WITH(test::build_text(with("pre_waveform { preset: 'nope' }", "protonic_wo3_ysz_14nm", "1000")),
                    Catch::Contains("populations[0].pre_waveform.preset"));
}

TEST_CASE("conductance recorders sample G on a grid without changing it", "[eis][engine]") {
  const std::vector<double> dts = {-20, 15};
  const std::string text = pair_network(dts, "antisymmetric", 0.1);
  const std::string recorded = text + "conductance_recorders { name: 'g' projection: 'syn' interval_ms: 0.5 }\n";
  Simulator plain(test::build_text(text));
  Simulator sampled(test::build_text(recorded));
  plain.run_until(1200.0);
  sampled.run_until(1200.0);
  const RuntimeNetwork& a = plain.network();
  const RuntimeNetwork& b = sampled.network();
  REQUIRE(b.conductance_recorders.size() == 1);
  const StateRecorder& rec = b.conductance_recorders[0];
  REQUIRE(rec.sample_count() == 2401);
  const auto& values = rec.values();
  const auto pre_a = a.population_id("pre"), post_a = a.population_id("post");
  for (std::uint64_t k = 0; k < 2; ++k) {
    // Sampling is read-only: the stored conductances are bit-identical with and without it.
    CHECK(a.eis_projections[0].stored_conductance(k) == b.eis_projections[0].stored_conductance(k));
    // The last sample is G at 1200 ms.
    CHECK(values[2400 * 2 + k] == a.eis_projections[0].conductance_at(k, 1200.0, a.spike_histories[pre_a],
                                                                      a.spike_histories[post_a]));
    // Before any spike G is the initial value; the pairing moves it.
    CHECK(values[0 * 2 + k] == 1000.0);
    CHECK(values[2400 * 2 + k] != 1000.0);
  }
}

TEST_CASE("a conductance recorder naming a synapse that was not built is refused", "[eis][validation]") {
  const std::string text = pair_network({10.0}, "antisymmetric", 0.1) +
                           "conductance_recorders { name: 'g' projection: 'syn' synapses: [0, 5] }\n";
  CHECK_THROWS_WITH(test::build_text(text), Catch::Contains("conductance_recorders[0].synapses[1]") &&
                                                Catch::Contains("[0, 0]") && Catch::Contains("got 5"));
  CHECK_THROWS_WITH(test::build_text(pair_network({10.0}, "antisymmetric", 0.1) +
                                     "conductance_recorders { name: 'g' projection: 'teach' }\n"),
                    Catch::Contains("'teach' is not an EIS projection"));
}

TEST_CASE("heterogeneous STDP: one presynaptic population, two targets emitting different V_post (Fig. 5a-b)",
          "[eis][engine]") {
  // Target A emits the antisymmetric preset's V_post; target B emits the inverted one (the
  // preset's V_pre shape), which is the same as a_post = -1 on the device.
  const std::vector<double> dts = {-40, -12, -4, 0, 4, 12, 40};
  const pb::WaveformPair pair = waveform_preset("antisymmetric");
  std::ostringstream inverted;
  inverted << "waveform { t_ms: [";
  for (int i = 0; i < pair.pre().t_ms_size(); ++i) inverted << (i ? ", " : "") << test::num(pair.pre().t_ms(i));
  inverted << "] v_V: [";
  for (int i = 0; i < pair.pre().v_v_size(); ++i) inverted << (i ? ", " : "") << test::num(pair.pre().v_v(i));
  inverted << "] }";
  std::ostringstream pre_trains, teacher_trains;
  for (double dt : dts) {
    pre_trains << "trains { times_ms: [300] } ";
    teacher_trains << "trains { times_ms: [" << test::num(300.0 + dt) << "] } ";
  }
  const std::string n = std::to_string(dts.size());
  std::string text = "format_version: 1\n"
      "populations { name: 'pre' size: " + n + " spike_source_array { " + pre_trains.str() +
      "} pre_waveform { preset: 'antisymmetric' } }\n"
      "populations { name: 'teacher' size: " + n + " spike_source_array { " + teacher_trains.str() + "} }\n";
  for (const std::string target : {"a", "b"}) {
    text += "populations { name: 'post_" + target + "' size: " + n + " lif_delta {} post_waveform { " +
            (target == "a" ? std::string("preset: 'antisymmetric'") : inverted.str()) + " } }\n"
            "projections { name: 'teach_" + target + "' pre: 'teacher' post: 'post_" + target +
            "' one_to_one {} weight_mV { constant: 100 } }\n"
            "projections { name: 'syn_" + target + "' pre: 'pre' post: 'post_" + target +
            "' one_to_one {} eis { device_preset: 'protonic_wo3_ysz_14nm' g_init_nS { constant: 1000 } "
            "weight_mV_per_nS: 0 device_spread_sigma: 0 cycle_noise_sigma: 0 } }\n";
  }
  text += "spike_recorders { name: 'spikes' }\n";
  Simulator sim(test::build_text(text));
  sim.run_until(1200.0);
  const RuntimeNetwork& net = sim.network();
  pb::EisDevice ideal = device_preset("protonic_wo3_ysz_14nm");
  ideal.set_device_spread_sigma(0);
  ideal.set_cycle_noise_sigma(0);
  const EisDevice device(ideal);
  const Waveform pre(pair.pre()), post(pair.post());
  REQUIRE(net.eis_projections.size() == 2);
  std::vector<std::vector<double>> dg(2, std::vector<double>(dts.size()));
  for (int p = 0; p < 2; ++p) {
    const EisProjection& proj = net.eis_projections[p];  // name order: syn_a, syn_b
    const std::uint32_t post_pop = proj.post_population();
    for (std::uint64_t k = 0; k < proj.synapse_count(); ++k) {
      const auto t_post = test::spike_times(sim, post_pop, proj.post_of(k));
      REQUIRE(t_post.size() == 1);
      const double dt_device = t_post[0] - (300.0 + 0.1);
      const double got = proj.conductance_at(k, sim.time_ms(), net.spike_histories[proj.pre_population()],
                                             net.spike_histories[post_pop]) - 1000.0;
      CHECK(got == Approx(pair_delta_g(device, pre, post, dt_device, 1000.0, 1.0, p == 0 ? 1.0 : -1.0))
                       .epsilon(1e-9).margin(1e-9));
      dg[p][proj.post_of(k)] = got;
    }
  }
  // A: antisymmetric. B: negative near dt = 0 and on both sides (the dopamine-like form).
  CHECK(dg[0][5] > 0.0);   // +12 ms
  CHECK(dg[0][1] < 0.0);   // -12 ms
  CHECK(dg[0][5] == Approx(-dg[0][1]).epsilon(1e-6));
  CHECK(dg[1][3] < 0.0);   // 0 ms
  CHECK(dg[1][3] < dg[1][0]);
  CHECK(dg[1][3] < dg[1][6]);
}

TEST_CASE("EIS energy: per-synapse energies add up to the projection's total, and can be switched off",
          "[eis][engine]") {
  const std::vector<double> dts = {-20, -5, 5, 20};
  std::string text = pair_network(dts, "antisymmetric", 0.1);
  Simulator on(test::build_text(text));
  on.run_until(1200.0);
  const EisProjection& proj = on.network().eis_projections[0];
  double sum = 0.0;
  for (std::uint64_t k = 0; k < proj.synapse_count(); ++k) {
    CHECK(proj.synapse_energy_fJ(k) > 0.0);
    sum += proj.synapse_energy_fJ(k);
  }
  CHECK(sum == Approx(proj.energy().total_fJ()).epsilon(1e-12));
  CHECK(proj.energy().insertion_fJ > 0.0);
  CHECK(proj.energy().gate_fJ > 0.0);
  CHECK(proj.energy().divider_fJ > 0.0);

  text.replace(text.find("cycle_noise_sigma: 0"), 20, "cycle_noise_sigma: 0 account_energy: false");
  Simulator off(test::build_text(text));
  off.run_until(1200.0);
  const EisProjection& quiet = off.network().eis_projections[0];
  CHECK(quiet.energy().total_fJ() == 0.0);
  for (std::uint64_t k = 0; k < quiet.synapse_count(); ++k) {
    CHECK(quiet.synapse_energy_fJ(k) == 0.0);
    CHECK(quiet.stored_conductance(k) == proj.stored_conductance(k));  // energy never changes G
  }
}

namespace {

double conductance_now(const Simulator& sim, std::uint64_t k) {
  const RuntimeNetwork& net = sim.network();
  const EisProjection& proj = net.eis_projections.at(0);
  return proj.conductance_at(k, sim.time_ms(), net.spike_histories[proj.pre_population()],
                             net.spike_histories[proj.post_population()]);
}

}  // namespace

TEST_CASE("a postsynaptic spike caused by an EIS delivery does not integrate those synapses twice",
          "[eis][engine]") {
  // Two presynaptic spikes arrive together at 51 ms; with v_th -50 they make the target fire
  // at 51 ms (inside the delivery), with v_th -30 they do not. A spike starting at 51 ms
  // cannot change G at 51 ms, so G(51) must be the same either way.
  auto network = [](const char* v_th) {
    return std::string("format_version: 1\n"
        "populations { name: 'pre' size: 2 spike_source_array { trains { times_ms: [10, 50] } trains { times_ms: [50] } }"
        "  pre_waveform { preset: 'ltp_only' } }\n"
        "populations { name: 'post' size: 1 lif_delta { tau_m_ms: 20 e_l_mV: -70 v_th_mV: ") + v_th +
        " v_reset_mV: -70 t_ref_ms: 2 } post_waveform { preset: 'ltp_only' } }\n"
        "projections { name: 'plastic' pre: 'pre' post: 'post' all_to_all {} delay_ms { constant: 1 }\n"
        "  eis { device_preset: 'protonic_wo3_ysz_14nm' g_init_nS { constant: 1000 } weight_mV_per_nS: 0.015\n"
        "        device_spread_sigma: 0 cycle_noise_sigma: 0 } }\n"
        "spike_recorders { name: 'spikes' }\n";
  };
  Simulator fires(test::build_text(network("-50")));
  Simulator silent(test::build_text(network("-30")));
  fires.run_until(51.0);
  silent.run_until(51.0);
  REQUIRE(test::spike_times(fires, fires.network().population_id("post"), 0) == std::vector<double>{51.0});
  REQUIRE(test::spike_times(silent, silent.network().population_id("post"), 0).empty());
  for (std::uint64_t k = 0; k < 2; ++k) CHECK(conductance_now(fires, k) == conductance_now(silent, k));
  CHECK(conductance_now(fires, 0) > 1000.0);
}

TEST_CASE("spike histories keep a spike whose waveform is pending when an arrival ties with now",
          "[eis][engine]") {
  // Pre spikes at 10 and 250 ms, then at 251 (its emission ties with the arrival of the 250
  // spike, delay 1 ms) or at 251.5. Neither third spike can affect G at 252 ms.
  auto network = [](const char* third) {
    return std::string("format_version: 1\n"
        "populations { name: 'pre' size: 1 spike_source_array { trains { times_ms: [10, 250, ") + third +
        "] } } pre_waveform { preset: 'ltp_only' } }\n"
        "populations { name: 'post' size: 1 lif_delta {} post_waveform { preset: 'ltp_only' } }\n"
        "projections { name: 'plastic' pre: 'pre' post: 'post' all_to_all {} delay_ms { constant: 1 }\n"
        "  eis { device_preset: 'protonic_wo3_ysz_14nm' g_init_nS { constant: 1000 } weight_mV_per_nS: 0.001\n"
        "        device_spread_sigma: 0 cycle_noise_sigma: 0 } }\n";
  };
  Simulator tie(test::build_text(network("251")));
  Simulator later(test::build_text(network("251.5")));
  tie.run_until(252.0);
  later.run_until(252.0);
  CHECK(conductance_now(tie, 0) == conductance_now(later, 0));
  CHECK(conductance_now(tie, 0) > 1000.5);  // the 10 ms copy's lone-waveform change is included
}

TEST_CASE("EIS validation: receptor, gain range, gate scale factors and waveform voltages", "[eis][validation]") {
  const std::string ok = pair_network({10.0}, "antisymmetric", 0.1);
  CHECK_NOTHROW(test::build_text(ok));
  auto edited = [&](const std::string& from, const std::string& to) {
    std::string s = ok;
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  CHECK_THROWS_WITH(test::build_text(edited("one_to_one {} delay_ms", "one_to_one {} receptor: INHIBITORY delay_ms")),
                    Catch::Contains("projections[1].receptor") && Catch::Contains("sign of its gain"));
  CHECK_THROWS_WITH(test::build_text(edited("weight_mV_per_nS: 0 ", "weight_mV_per_nS: 1e300 ")),
                    Catch::Contains("eis.weight_mV_per_nS") && Catch::Contains("32-bit float"));
  CHECK_THROWS_WITH(test::build_text(edited("a_post: 1", "a_post: 1e6")),
                    Catch::Contains("eis.a_post") && Catch::Contains("[-100, 100]"));
  CHECK_THROWS_WITH(test::build_text(edited("pre_waveform { preset: 'antisymmetric' }",
                                            "pre_waveform { waveform { t_ms: [0, 1] v_V: [1e300, 0] } }")),
                    Catch::Contains("populations[0].pre_waveform.waveform") && Catch::Contains("[-1000, 1000] V"));
}

TEST_CASE("reported EIS energy includes the waveforms after each synapse's last touch", "[eis][engine]") {
  // One presynaptic spike and no postsynaptic one: the synapse is touched only at the
  // arrival, but its waveform keeps costing energy (and moving G) afterwards.
  const std::string text =
      "format_version: 1\n"
      "populations { name: 'pre' size: 1 spike_source_array { trains { times_ms: [10] } }"
      "  pre_waveform { preset: 'antisymmetric' } }\n"
      "populations { name: 'post' size: 1 lif_delta {} post_waveform { preset: 'antisymmetric' } }\n"
      "projections { name: 'syn' pre: 'pre' post: 'post' one_to_one {} delay_ms { constant: 1 }\n"
      "  eis { device_preset: 'protonic_wo3_ysz_14nm' g_init_nS { constant: 1000 } weight_mV_per_nS: 0 } }\n";
  Simulator sim(test::build_text(text));
  sim.run_until(150.0);
  const RuntimeNetwork& net = sim.network();
  const EisProjection& proj = net.eis_projections[0];
  const SpikeHistory& pre = net.spike_histories[proj.pre_population()];
  const SpikeHistory& post = net.spike_histories[proj.post_population()];
  CHECK(proj.energy().total_fJ() == 0.0);  // the only touch (11 ms) integrated [0, 11]: no waveform yet
  const EisEnergy until = proj.energy_until(150.0, pre, post);
  CHECK(until.total_fJ() > 0.0);
  const EisProjection::Readout now = proj.readout(0, 150.0, pre, post);
  CHECK(until.total_fJ() == Approx(now.energy_fJ).epsilon(1e-12));
  CHECK(now.g_nS == proj.conductance_at(0, 150.0, pre, post));
  CHECK(now.g_nS != 1000.0);
}

namespace {

// z looks like independent standard normal draws: mean within 4 / sqrt(n), variance within
// 4 sqrt(2 / n), neighbour correlation within 4 / sqrt(n).
void check_standard_normal(const std::vector<double>& z) {
  const double n = static_cast<double>(z.size());
  double mean = 0, var = 0, lag = 0;
  for (double x : z) mean += x / n;
  for (double x : z) var += (x - mean) * (x - mean) / (n - 1);
  for (std::size_t k = 1; k < z.size(); ++k) lag += (z[k] - mean) * (z[k - 1] - mean) / ((n - 1) * var);
  CHECK(std::fabs(mean) < 4.0 / std::sqrt(n));
  CHECK(std::fabs(var - 1.0) < 4.0 * std::sqrt(2.0 / n));
  CHECK(std::fabs(lag) < 4.0 / std::sqrt(n));
}

}  // namespace

TEST_CASE("cycle noise in a network: each update of each synapse draws its own factor (counter-based)",
          "[eis][engine]") {
  // 800 identical pairs (dt = +15 ms): without noise every synapse makes the same change at
  // its postsynaptic spike; with sigma = 0.03 the changes are dG * (1 + 0.03 Z), independent
  // across synapses, and the same again when the run is repeated.
  const std::vector<double> dts(800, 15.0);
  const std::string ideal = pair_network(dts, "antisymmetric", 0.1);
  std::string noisy = ideal;
  noisy.replace(noisy.find("cycle_noise_sigma: 0"), 20, "cycle_noise_sigma: 0.03");
  const auto changes = [](const std::string& text) {
    Simulator sim(test::build_text(text));
    sim.run_until(330.0);  // after every post spike (~315 ms), the only update with a change
    const EisProjection& proj = sim.network().eis_projections[0];
    std::vector<double> dg(proj.synapse_count());
    for (std::uint64_t k = 0; k < dg.size(); ++k) dg[k] = proj.stored_conductance(k) - 1000.0;
    return dg;
  };
  const std::vector<double> reference = changes(ideal);
  const std::vector<double> dg = changes(noisy);
  REQUIRE(std::fabs(reference[0]) > 0.5);  // nS (the pre pulse and shoulder up to the post spike)
  for (double r : reference) REQUIRE(r == reference[0]);
  std::vector<double> z(dg.size());
  for (std::size_t k = 0; k < dg.size(); ++k) z[k] = (dg[k] / reference[0] - 1.0) / 0.03;
  check_standard_normal(z);
  CHECK(changes(noisy) == dg);
}

TEST_CASE("cycle noise: two updates of one synapse at different times draw independent factors", "[eis][engine]") {
  // 800 identical pairs whose post neuron fires twice (315 and 415 ms): each synapse changes at
  // both spikes. The key of a draw holds the synapse and the time of the update, so the two
  // factors of one synapse are independent (a key without the time would repeat the first).
  std::string text = pair_network(std::vector<double>(800, 15.0), "antisymmetric", 0.1);
  for (std::size_t at = text.find("trains { times_ms: [314.9] }"); at != std::string::npos;
       at = text.find("trains { times_ms: [314.9] }", at))
    text.replace(at, 28, "trains { times_ms: [314.9, 414.9] }");
  std::string noisy = text;
  noisy.replace(noisy.find("cycle_noise_sigma: 0"), 20, "cycle_noise_sigma: 0.03");
  // Changes of every synapse at the two post spikes.
  const auto changes = [](const std::string& t) {
    Simulator sim(test::build_text(t));
    std::vector<double> g0(800, 1000.0), first(800), second(800);
    sim.run_until(330.0);
    const EisProjection& proj = sim.network().eis_projections[0];
    for (std::uint64_t k = 0; k < 800; ++k) first[k] = proj.stored_conductance(k) - g0[k];
    sim.run_until(430.0);
    for (std::uint64_t k = 0; k < 800; ++k) second[k] = proj.stored_conductance(k) - g0[k] - first[k];
    return std::pair{first, second};
  };
  const auto [ref1, ref2] = changes(text);
  const auto [dg1, dg2] = changes(noisy);
  REQUIRE(std::fabs(ref2[0]) > 0.5);
  std::vector<double> z1(800), z2(800);
  for (std::size_t k = 0; k < 800; ++k) {
    z1[k] = (dg1[k] / ref1[k] - 1.0) / 0.03;
    z2[k] = (dg2[k] / ref2[k] - 1.0) / 0.03;  // (G before the second update differs by ~0.03 nS: negligible)
  }
  const auto mean = [](const std::vector<double>& v) {
    double m = 0;
    for (double x : v) m += x / v.size();
    return m;
  };
  const double m1 = mean(z1), m2 = mean(z2);
  double c = 0, v1 = 0, v2 = 0;
  for (std::size_t k = 0; k < 800; ++k) {
    c += (z1[k] - m1) * (z2[k] - m2);
    v1 += (z1[k] - m1) * (z1[k] - m1);
    v2 += (z2[k] - m2) * (z2[k] - m2);
  }
  CHECK(std::fabs(v2 / 799 - 1.0) < 4.0 * std::sqrt(2.0 / 800.0));
  CHECK(std::fabs(c / std::sqrt(v1 * v2)) < 4.0 / std::sqrt(800.0));
}

TEST_CASE("device spread in a network: each synapse's prefactor is its own lognormal draw, applied at every touch",
          "[eis][engine]") {
  // 800 identical pairs (dt = +15 ms) with sigma = 0.06 and no cycle noise: the prefactors are
  // exp(0.06 Z), Z standard normal and independent across synapses (counter-based, by whole
  // index: the same in every run), and each synapse's change is the single-device pair with
  // its prefactor.
  const std::vector<double> dts(800, 15.0);
  std::string text = pair_network(dts, "antisymmetric", 0.1);
  text.replace(text.find("device_spread_sigma: 0"), 22, "device_spread_sigma: 0.06");
  Simulator sim(test::build_text(text));
  sim.run_until(1500.0);
  const RuntimeNetwork& net = sim.network();
  const EisProjection& proj = net.eis_projections[0];
  REQUIRE(proj.synapse_count() == 800);
  std::vector<double> z(800);
  for (std::uint64_t k = 0; k < z.size(); ++k) z[k] = std::log(proj.device_prefactor(k)) / 0.06;
  check_standard_normal(z);

  pb::EisDevice ideal = device_preset("protonic_wo3_ysz_14nm");
  ideal.set_cycle_noise_sigma(0);
  const EisDevice device(ideal);
  const pb::WaveformPair pair = waveform_preset("antisymmetric");
  const Waveform pre(pair.pre()), post(pair.post());
  const std::uint32_t post_pop = net.population_id("post");
  double spread_of_changes = 0;
  for (std::uint64_t k = 0; k < proj.synapse_count(); ++k) {
    const auto t_post = test::spike_times(sim, post_pop, proj.post_of(k));
    REQUIRE(t_post.size() == 1);
    const double p = proj.device_prefactor(proj.whole_index(k));
    const double expected = pair_delta_g(device, pre, post, t_post[0] - 300.1, 1000.0, 1.0, 1.0, p);
    const double got = proj.conductance_at(k, sim.time_ms(), net.spike_histories[net.population_id("pre")],
                                           net.spike_histories[post_pop]) - 1000.0;
    CHECK(got == Approx(expected).epsilon(1e-9).margin(1e-9));
    spread_of_changes = std::max(spread_of_changes, std::fabs(got / pair_delta_g(device, pre, post, 15.0, 1000.0,
                                                                                 1.0, 1.0, 1.0) - 1.0));
  }
  CHECK(spread_of_changes > 0.05);  // the prefactors do act
  Simulator again(test::build_text(text));
  for (std::uint64_t k = 0; k < 800; ++k)
    CHECK(again.network().eis_projections[0].device_prefactor(k) == proj.device_prefactor(k));
}
