// Run-time control of EIS projections between runs (Simulator::modify_eis_projection):
// reading and setting conductances, freezing, changing the gate factors. References are
// single devices integrated directly (EisDevice::advance) with the same waveform copies.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>

#include "synapses/eis_presets.hpp"
#include "synapses/eis_protocols.hpp"
#include "eis_test_support.hpp"
#include "test_support.hpp"

using namespace ionspike;

namespace {

// Poisson inputs onto a few LIF neurons through EIS synapses with the preset's variability
// (device spread and cycle noise on): every update draws noise, so any extra or split update
// would show.
std::string poisson_network() {
  return "format_version: 1\n"
         "simulation { seed: 11 }\n"
         "populations { name: 'pre' size: 20 poisson_source { rate_Hz: 20 } pre_waveform { preset: 'antisymmetric' } }\n"
         "populations { name: 'post' size: 4 lif_exp { tau_m_ms: 20 e_l_mV: -70 v_th_mV: -54 v_reset_mV: -70 "
         "t_ref_ms: 2 tau_syn_ex_ms: 5 tau_syn_in_ms: 10 } post_waveform { preset: 'antisymmetric' } }\n"
         "projections { name: 'plastic' pre: 'pre' post: 'post' all_to_all {} delay_ms { constant: 1 }\n"
         "  eis { device_preset: 'protonic_wo3_ysz_14nm' g_init_nS { uniform { low: 800 high: 1200 } }\n"
         "        weight_pA_per_nS: 0.15 } }\n"
         "spike_recorders { name: 'spikes' }\n";
}

// One pre neuron per entry of pre_times (spikes at the listed times) onto its own post neuron,
// which a teacher makes fire at the listed post times (100 mV jump, delay 0.1 ms). Ideal
// devices (no spread, no noise), gain 0: the synapses do not disturb the post neurons.
std::string pairs_network(const std::vector<std::vector<double>>& pre_times,
                          const std::vector<std::vector<double>>& post_times) {
  auto trains = [](const std::vector<std::vector<double>>& times, double shift) {
    std::string s;
    for (const auto& t : times) s += test::spike_train_text(t, shift);
    return s;
  };
  const std::string n = std::to_string(pre_times.size());
  return "format_version: 1\n"
         "populations { name: 'pre' size: " + n + " spike_source_array { " + trains(pre_times, 0.0) +
         "} pre_waveform { preset: 'antisymmetric' } }\n"
         "populations { name: 'teacher' size: " + n + " spike_source_array { " + trains(post_times, -0.1) + "} }\n"
         "populations { name: 'post' size: " + n +
         " lif_delta { tau_m_ms: 10 e_l_mV: -70 v_th_mV: -55 v_reset_mV: -70 t_ref_ms: 2 }"
         " post_waveform { preset: 'antisymmetric' } }\n"
         "projections { name: 'teach' pre: 'teacher' post: 'post' one_to_one {} weight_mV { constant: 100 } }\n"
         "projections { name: 'syn' pre: 'pre' post: 'post' one_to_one {} delay_ms { constant: 1 }\n"
         "  eis { device_preset: 'protonic_wo3_ysz_14nm' g_init_nS { constant: 1000 } weight_mV_per_nS: 0\n"
         "        device_spread_sigma: 0 cycle_noise_sigma: 0 } }\n"
         "spike_recorders { name: 'spikes' }\n";
}

using test::g_now;
using test::ideal_device;

// Post spike times of post neuron j (from the recorder).
std::vector<double> post_spikes(const Simulator& sim, std::uint32_t j) {
  return test::spike_times(sim, sim.network().population_id("post"), j);
}

}  // namespace

TEST_CASE("EIS control: a run in chunks with read-only sessions in between is bit-identical to one run",
          "[eis][engine][control]") {
  Simulator one(test::build_text(poisson_network()));
  one.run_until(3000.0);
  Simulator chunks(test::build_text(poisson_network()));
  double checksum = 0.0;
  for (double t = 100.0; t <= 3000.0; t += 100.0) {
    chunks.run_until(t);
    chunks.modify_eis_projection("plastic", [&](EisProjection& p, const SpikeHistory& pre, const SpikeHistory& post,
                                                double now) {
      CHECK(now == t);
      CHECK(p.control_time_ms() == t);
      for (std::uint32_t j = 0; j < p.post_size(); ++j) {
        REQUIRE(p.incoming(j).size() == 20);
        for (const EisProjection::Incoming& in : p.incoming(j)) {
          CHECK(p.post_of(in.synapse) == j);
          CHECK(p.pre_of(in.synapse) == in.pre);
          checksum += p.conductance(in.synapse, pre, post);
        }
      }
      CHECK(p.a_pre() == 1.0);
      CHECK(!p.frozen());
    });
  }
  CHECK(checksum > 0.0);
  const EisProjection& a = one.network().eis_projections[0];
  const EisProjection& b = chunks.network().eis_projections[0];
  REQUIRE(a.synapse_count() == 80);
  std::uint64_t moved = 0;
  for (std::uint64_t k = 0; k < a.synapse_count(); ++k) {
    CHECK(a.stored_conductance(k) == b.stored_conductance(k));
    CHECK(g_now(one, k) == g_now(chunks, k));
    CHECK(a.synapse_energy_fJ(k) == b.synapse_energy_fJ(k));
    CHECK(!b.floored(k));
    moved += std::abs(g_now(one, k) - 1000.0) > 1.0;
  }
  CHECK(moved > 0);
  const auto& sa = one.network().spike_recorders[0].spikes();
  const auto& sb = chunks.network().spike_recorders[0].spikes();
  REQUIRE(sa.size() == sb.size());
  REQUIRE(sa.size() > 100);
  for (std::size_t i = 0; i < sa.size(); ++i) {
    CHECK(sa[i].t_ms == sb[i].t_ms);
    CHECK(sa[i].neuron == sb[i].neuron);
  }
}

TEST_CASE("EIS control: a conductance written as -0 (g_min 0) is stored as a floored 0", "[eis][control]") {
  // The sign bit of the stored G is the floored mark: -0 must neither lose the mark when
  // written nor set it when given as g_min or an initial value.
  pb::EisDevice d = device_preset("protonic_wo3_ysz_14nm");
  d.set_g_min_ns(-0.0);
  d.set_device_spread_sigma(0);
  d.set_cycle_noise_sigma(0);
  const pb::WaveformPair pair = waveform_preset("antisymmetric");
  EisProjectionParameters params{EisDevice(d), Waveform(pair.pre()), Waveform(pair.post())};
  params.account_energy = false;
  EisProjection p("p", 0, 1, 2, 2, {{0, 0, 1.0, -0.0}, {1, 1, 1.0, 500.0}}, params);
  CHECK(!std::signbit(p.parameters().device.g_min_nS()));
  CHECK(!p.floored(0));
  CHECK(p.stored_conductance(0) == 0.0);
  const SpikeHistory pre(2, 600.0, 1.0), post(2, 600.0, 0.0);
  p.synchronise(10.0, pre, post);
  p.set_conductance(1, -0.0, pre, post);
  CHECK(p.floored(1));
  CHECK(p.conductance(1, pre, post) == 0.0);
  CHECK(p.touch_floor_ms() == 10.0);
}

TEST_CASE("EIS control: set_conductance mid-waveform, then the device integrates from the set value",
          "[eis][engine][control]") {
  // Synapse 0: pre spike 300 (arrives 301), post 310: the waveforms overlap at 320, where G is
  // set; a second pair (800 -> 805) is integrated through its touches. Synapse 1: the same
  // spikes, not written: it must end bit-identical to a run without any write.
  const std::vector<std::vector<double>> pre = {{300, 800}, {300, 800}};
  const std::vector<std::vector<double>> post = {{310, 805}, {310, 805}};
  Simulator plain(test::build_text(pairs_network(pre, post)));
  plain.run_until(1500.0);
  Simulator sim(test::build_text(pairs_network(pre, post)));
  sim.run_until(320.0);
  sim.modify_eis_projection(0, [](EisProjection& p, const SpikeHistory& pre_h, const SpikeHistory& post_h, double) {
    CHECK(p.conductance(0, pre_h, post_h) != 1000.0);  // the overlap has moved it already
    p.set_conductance(0, 1500.0, pre_h, post_h);
    CHECK(p.conductance(0, pre_h, post_h) == 1500.0);
    CHECK(p.floored(0));
    CHECK(!p.floored(1));
  });
  sim.run_until(1500.0);
  REQUIRE(post_spikes(sim, 0) == std::vector<double>{310.0, 805.0});

  const EisDevice device = ideal_device();
  const pb::WaveformPair pair = waveform_preset("antisymmetric");
  const Waveform w_pre(pair.pre()), w_post(pair.post());
  const std::vector<WaveformCopy> copies = {
      {&w_pre, 301.0, 1.0, +1}, {&w_pre, 801.0, 1.0, +1}, {&w_post, 310.0, 1.0, -1}, {&w_post, 805.0, 1.0, -1}};
  // The projection integrates [320, 801], [801, 805] (touches), then the read-out [805, 1500].
  double g = device.advance(1500.0, 320.0, 801.0, copies);
  g = device.advance(g, 801.0, 805.0, copies);
  g = device.advance(g, 805.0, 1500.0, copies);
  CHECK(g_now(sim, 0) == Approx(g).epsilon(1e-14));
  CHECK(g_now(sim, 0) > 1500.0);  // the second (causal) pair potentiates
  // One advance over [320, 1500]: the same up to rounding.
  CHECK(g_now(sim, 0) == Approx(device.advance(1500.0, 320.0, 1500.0, copies)).epsilon(1e-12));
  // The synapse that was not written is untouched by the session.
  CHECK(g_now(sim, 1) == g_now(plain, 1));
  CHECK(sim.network().eis_projections[0].stored_conductance(1) ==
        plain.network().eis_projections[0].stored_conductance(1));
  CHECK(!sim.network().eis_projections[0].floored(0));  // cleared by its next touch (801)
}

TEST_CASE("EIS control: Diehl & Cook normalisation of the incoming conductances per target",
          "[eis][engine][control]") {
  Simulator sim(test::build_text(poisson_network()));
  const double total = 10000.0;  // 20 inputs, mean 500 nS
  for (double t = 250.0; t <= 1000.0; t += 250.0) {
    sim.run_until(t);
    sim.modify_eis_projection("plastic", [&](EisProjection& p, const SpikeHistory& pre, const SpikeHistory& post,
                                             double) {
      for (std::uint32_t j = 0; j < p.post_size(); ++j) {
        double sum = 0.0;
        for (const auto& in : p.incoming(j)) sum += p.conductance(in.synapse, pre, post);
        INFO("t " << t << " j " << j << " sum " << sum);
        for (const auto& in : p.incoming(j))
          p.set_conductance(in.synapse, p.conductance(in.synapse, pre, post) * total / sum, pre, post);
        double after = 0.0;
        for (const auto& in : p.incoming(j)) after += p.conductance(in.synapse, pre, post);
        CHECK(after == Approx(total).epsilon(1e-12));
      }
    });
  }
  // Integration continues from the set values (the lone waveforms pull G towards 1000 nS).
  sim.run_until(1100.0);
  const EisProjection& p = sim.network().eis_projections[0];
  double sum = 0.0;
  for (const auto& in : p.incoming(0)) sum += g_now(sim, in.synapse);
  CHECK(sum == Approx(total).epsilon(0.3));
  CHECK(sum != Approx(total).epsilon(1e-9));
}

TEST_CASE("EIS control: frozen devices hold G exactly through activity, and learn again once released",
          "[eis][engine][control]") {
  // Pairs at 300/310 (before the freeze at 320, still overlapping), 600/605 (during the
  // freeze), 1200/1210 (after the release at 1000). The 600 pair's waveforms outlast the
  // release (they end at ~1096) and act after it.
  const std::vector<std::vector<double>> pre = {{300, 600, 1200}};
  const std::vector<std::vector<double>> post = {{310, 605, 1210}};
  Simulator sim(test::build_text(pairs_network(pre, post)));
  sim.run_until(320.0);
  double g_frozen = 0.0;
  sim.modify_eis_projection("syn", [&](EisProjection& p, const SpikeHistory& pre_h, const SpikeHistory& post_h, double) {
    p.set_frozen(true, pre_h, post_h);
    CHECK(p.frozen());
    g_frozen = p.conductance(0, pre_h, post_h);
  });
  CHECK(g_frozen != 1000.0);
  const double energy_at_freeze = sim.network().eis_projections[0].energy().total_fJ();
  for (double t = 400.0; t <= 1000.0; t += 100.0) {
    sim.run_until(t);
    CHECK(g_now(sim, 0) == g_frozen);
  }
  REQUIRE(post_spikes(sim, 0) == std::vector<double>{310.0, 605.0});
  CHECK(sim.network().eis_projections[0].energy().total_fJ() == energy_at_freeze);
  sim.modify_eis_projection("syn", [&](EisProjection& p, const SpikeHistory& pre_h, const SpikeHistory& post_h, double) {
    p.set_frozen(false, pre_h, post_h);
    CHECK(p.conductance(0, pre_h, post_h) == g_frozen);
  });
  sim.run_until(2000.0);
  const EisDevice device = ideal_device();
  const pb::WaveformPair pair = waveform_preset("antisymmetric");
  const Waveform w_pre(pair.pre()), w_post(pair.post());
  const std::vector<WaveformCopy> copies = {{&w_pre, 601.0, 1.0, +1}, {&w_pre, 1201.0, 1.0, +1},
                                            {&w_post, 605.0, 1.0, -1}, {&w_post, 1210.0, 1.0, -1}};
  double g = device.advance(g_frozen, 1000.0, 1201.0, copies);
  g = device.advance(g, 1201.0, 1210.0, copies);
  g = device.advance(g, 1210.0, 2000.0, copies);
  CHECK(g_now(sim, 0) == Approx(g).epsilon(1e-14));
  CHECK(std::abs(g_now(sim, 0) - g_frozen) > 1.0);
}

TEST_CASE("EIS control: gate factors apply to the copies of spikes emitted after the change",
          "[eis][engine][control]") {
  // Synapse 0: pre spike at 990 (before the change at 1000), post at 1005: the pre copy keeps
  // a_pre = 1, the post copy takes a_post = -1. Synapse 1: a pair 300/310 before the change
  // and 1300/1303 after it; its second pair is the Fig. 5d form with a_post = -1.
  const std::vector<std::vector<double>> pre = {{990}, {300, 1300}};
  const std::vector<std::vector<double>> post = {{1005}, {310, 1303}};
  Simulator sim(test::build_text(pairs_network(pre, post)));
  sim.run_until(1000.0);
  const double g1_before = g_now(sim, 1);
  sim.modify_eis_projection("syn", [](EisProjection& p, const SpikeHistory&, const SpikeHistory&, double) {
    p.set_gate_factors(1.0, -1.0);
    CHECK(p.a_post() == -1.0);
  });
  sim.run_until(2500.0);
  const EisDevice device = ideal_device();
  const pb::WaveformPair pair = waveform_preset("antisymmetric");
  const Waveform w_pre(pair.pre()), w_post(pair.post());
  const std::vector<WaveformCopy> copies = {{&w_pre, 991.0, 1.0, +1}, {&w_post, 1005.0, -1.0, -1}};
  double g = device.advance(1000.0, 0.0, 991.0, copies);
  g = device.advance(g, 991.0, 1005.0, copies);
  g = device.advance(g, 1005.0, 2500.0, copies);
  CHECK(g_now(sim, 0) == Approx(g).epsilon(1e-14));
  // Synapse 1, second pair: dt at the device 1303 - 1301 = 2 ms, a_post = -1.
  const double expected = pair_delta_g(device, w_pre, w_post, 2.0, g1_before, 1.0, -1.0);
  CHECK(g_now(sim, 1) - g1_before == Approx(expected).epsilon(1e-9));
  CHECK(expected < 0.0);  // symmetric form: depression near dt = 0
  // The same pair with the original factors would potentiate.
  CHECK(pair_delta_g(device, w_pre, w_post, 2.0, g1_before) > 0.0);

  // a_pre = a_post = 0 silences new copies (V_oc = 0: G does not move at all).
  Simulator quiet(test::build_text(pairs_network({{1300}}, {{1310}})));
  quiet.run_until(1000.0);
  quiet.modify_eis_projection("syn", [](EisProjection& p, const SpikeHistory&, const SpikeHistory&, double) {
    p.set_gate_factors(0.0, 0.0);
  });
  quiet.run_until(2500.0);
  CHECK(g_now(quiet, 0) == 1000.0);
}

TEST_CASE("EIS control: bad values are refused with the projection, the synapse and the range",
          "[eis][engine][control]") {
  Simulator sim(test::build_text(pairs_network({{300}}, {{310}})));
  sim.run_until(100.0);
  sim.modify_eis_projection("syn", [](EisProjection& p, const SpikeHistory& pre, const SpikeHistory& post, double) {
    for (double bad : {std::numeric_limits<double>::quiet_NaN(), 9.999, 1990.5, 1e300,
                       std::numeric_limits<double>::infinity()})
      CHECK_THROWS_WITH(p.set_conductance(0, bad, pre, post),
                        Catch::Contains("EIS projection 'syn'") && Catch::Contains("synapse 0") &&
                            Catch::Contains("[10, 1990] nS") && Catch::Contains("protonic_wo3_ysz_14nm"));
    CHECK_THROWS_WITH(p.set_conductance(7, 1000.0, pre, post), Catch::Contains("synapse 7"));
    CHECK_THROWS_WITH(p.set_gate_factors(std::nan(""), 1.0), Catch::Contains("a_pre") && Catch::Contains("[-100, 100]"));
    CHECK_THROWS_WITH(p.set_gate_factors(1.0, 101.0), Catch::Contains("a_post"));
    CHECK(p.conductance(0, pre, post) == 1000.0);  // nothing was written
    CHECK(!p.floored(0));
    p.set_conductance(0, 10.0, pre, post);  // the bounds themselves are fine
    p.set_conductance(0, 1990.0, pre, post);
  });
  // Outside a session (after another run) writes are refused.
  sim.run_until(200.0);
  EisProjection& p = sim.network().eis_projections[0];
  const SpikeHistory& pre = sim.network().pre_history(p.pre_population());
  const SpikeHistory& post = sim.network().post_history(p.post_population());
  CHECK_THROWS_WITH(p.set_conductance(0, 1000.0, pre, post), Catch::Contains("synchronise(now) first"));
  CHECK_THROWS_AS(p.set_gate_factors(1.0, 1.0), std::logic_error);
  CHECK_THROWS_AS(sim.modify_eis_projection("nope", {}), std::out_of_range);
  CHECK_THROWS_AS(sim.modify_eis_projection(3, {}), std::out_of_range);
  CHECK(g_now(sim, 0) == 1990.0);
}

