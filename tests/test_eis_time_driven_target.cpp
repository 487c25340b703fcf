// EIS synapses onto a time-driven population: its V_post starts one step (dt_ms) after the
// spike, when the step that found the spike has ended (engine/runtime_network.hpp). The
// conductances the engine ends with equal the single-device STDP protocol at that timing.
#include <catch2/catch.hpp>

#include <sstream>

#include "networks/eis_resolve.hpp"
#include "synapses/eis_presets.hpp"
#include "synapses/eis_protocols.hpp"
#include "test_support.hpp"

using namespace ionspike;

namespace {

// Pre neuron k fires at 300 ms; Izhikevich neuron k is made to fire by a 100 mV jump at an
// off-grid time near 300 + dt_k. EIS pre -> post one-to-one, gain 0.
std::string pair_network(const std::vector<double>& dt_ms, double step_ms) {
  std::ostringstream pre_trains, teacher_trains;
  for (double dt : dt_ms) {
    pre_trains << "trains { times_ms: [300] } ";
    teacher_trains << "trains { times_ms: [" << 300.0 + dt + 0.037 << "] } ";
  }
  const std::size_t n = dt_ms.size();
  std::ostringstream s;
  s << "format_version: 1 simulation { min_delay_ms: 0.1 }\n"
    << "populations { name: 'pre' size: " << n << " spike_source_array { " << pre_trains.str()
    << "} pre_waveform { preset: 'antisymmetric' } }\n"
    << "populations { name: 'teacher' size: " << n << " spike_source_array { " << teacher_trains.str() << "} }\n"
    << "populations { name: 'post' size: " << n << " dt_ms: " << step_ms
    << " izhikevich {} post_waveform { preset: 'antisymmetric' } }\n"
    << "projections { name: 'teach' pre: 'teacher' post: 'post' one_to_one {} weight_mV { constant: 100 } }\n"
    << "projections { name: 'syn' pre: 'pre' post: 'post' one_to_one {} delay_ms { constant: 1 }\n"
    << "  eis { device_preset: 'protonic_wo3_ysz_14nm' g_init_nS { constant: 1000 }"
    << " weight_mV_per_nS: 0 device_spread_sigma: 0 cycle_noise_sigma: 0 } }\n"
    << "spike_recorders { name: 'spikes' }\n";
  return s.str();
}

}  // namespace

TEST_CASE("EIS onto a time-driven target: V_post starts one step after the spike, exact otherwise",
          "[eis][time_driven]") {
  const std::vector<double> dts = {-80, -20, -5, -1, 1, 5, 20, 80};
  for (double step : {0.1, 0.25}) {
    Simulator sim(test::build_text(pair_network(dts, step)));
    sim.run_until(1500.0);
    const RuntimeNetwork& net = sim.network();
    const EisProjection& proj = net.eis_projections.at(0);
    pb::EisDevice ideal = device_preset("protonic_wo3_ysz_14nm");
    ideal.set_device_spread_sigma(0);
    ideal.set_cycle_noise_sigma(0);
    const EisDevice device(ideal);
    const pb::WaveformPair pair = waveform_preset("antisymmetric");
    const Waveform pre(pair.pre()), post(pair.post());
    const std::uint32_t post_pop = net.population_id("post");
    for (std::uint64_t k = 0; k < proj.synapse_count(); ++k) {
      const auto t_post = test::spike_times(sim, post_pop, proj.post_of(k));
      REQUIRE(t_post.size() == 1);
      // The teacher's jump (arriving 0.1 ms after its spike) fires the neuron at its arrival.
      CHECK(t_post[0] == Approx(300.0 + dts[proj.post_of(k)] + 0.037 + 0.1).margin(1e-9));
      const double dt_device = (t_post[0] + step) - (300.0 + 1.0);
      const double expected = pair_delta_g(device, pre, post, dt_device, 1000.0);
      const double got = proj.conductance_at(k, sim.time_ms(), net.pre_history(proj.pre_population()),
                                             net.post_history(post_pop)) - 1000.0;
      INFO("dt " << step << " ms, pair timing " << dt_device << " ms");
      CHECK(got == Approx(expected).epsilon(1e-9).margin(1e-9));
      CHECK(std::abs(got) > 1e-3);
    }
  }
}

TEST_CASE("EIS onto a time-driven target: a spike at a step's start starts V_post once, at the step's end",
          "[eis][time_driven]") {
  // The Izhikevich neuron starts above threshold and fires at t = 0, reported at the end of
  // the first step (0.1 ms), which is also when its V_post starts. A pre arrival at exactly
  // 0.1 ms is handled before that start; the final G must be continuous in the arrival time.
  const auto final_g = [](double second_pre_ms) {
    const std::string text =
        "format_version: 1 simulation { min_delay_ms: 0.05 }\n"
        "populations { name: 'pre' size: 1 spike_source_array { trains { times_ms: [0, " + test::num(second_pre_ms) +
        "] } } pre_waveform { preset: 'antisymmetric' } }\n"
        "populations { name: 'post' size: 1 izhikevich { v_init_mV { constant: 40 } } post_waveform { preset: "
        "'antisymmetric' } }\n"
        "projections { name: 'syn' pre: 'pre' post: 'post' one_to_one {} delay_ms { constant: 0.05 }\n"
        "  eis { device_preset: 'protonic_wo3_ysz_14nm' g_init_nS { constant: 1000 } weight_mV_per_nS: 0 "
        "device_spread_sigma: 0 cycle_noise_sigma: 0 } }\n";
    Simulator sim(test::build_text(text));
    sim.run_until(1000.0);
    const RuntimeNetwork& net = sim.network();
    const EisProjection& proj = net.eis_projections.at(0);
    return proj.conductance_at(0, sim.time_ms(), net.pre_history(proj.pre_population()),
                               net.post_history(proj.post_population()));
  };
  const double below = final_g(0.05 - 1e-8), at = final_g(0.05), above = final_g(0.05 + 1e-8);
  CHECK(at == Approx(below).epsilon(1e-6));
  CHECK(at == Approx(above).epsilon(1e-6));
}
