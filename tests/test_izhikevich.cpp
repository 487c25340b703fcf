// Izhikevich neuron (neurons/izhikevich.hpp) against a Dormand–Prince reference, and its
// delta synapses.
#include <catch2/catch.hpp>

#include <cmath>

#include "neurons/izhikevich.hpp"
#include "test_support.hpp"
#include "time_driven_reference.hpp"

using namespace ionspike;
using namespace ionspike::test;

namespace {

std::string cell(double dt_ms, double i_e_pA, const std::string& extra = "") {
  return "format_version: 1 simulation { t_stop_ms: 200 } populations { name: 'cell' size: 1 dt_ms: " + num(dt_ms) +
         " izhikevich { i_e_pA: " + num(i_e_pA) + " } } spike_recorders { name: 's' populations: ['cell'] } " + extra;
}

}  // namespace

TEST_CASE("izhikevich: regular spiking under I = 10 matches the reference, order 2", "[izhikevich]") {
  const IzhikevichModel::Parameters p;
  const auto reference = reference_run<IzhikevichModel>(p, {-65.0, 0.2 * -65.0}, 10.0, 200.0, 0.005).spikes_ms;
  REQUIRE(reference.size() >= 5);
  CHECK(reference[2] - reference[1] > reference[1] - reference[0]);  // regular spiking adapts
  std::vector<double> errors;
  for (double dt : {0.1, 0.05, 0.025}) {
    const auto engine = spike_times(run_text(cell(dt, 10.0), 200.0), 0, 0);
    REQUIRE(engine.size() == reference.size());
    double e = 0.0;
    for (std::size_t i = 0; i < engine.size(); ++i) e = std::max(e, std::abs(engine[i] - reference[i]));
    errors.push_back(e);
  }
  INFO("max spike time error at dt 0.1, 0.05, 0.025 ms: " << errors[0] << ", " << errors[1] << ", " << errors[2]);
  CHECK(errors[0] < 0.05);
  CHECK(errors[0] / errors[1] > 3.0);
  CHECK(errors[1] / errors[2] > 3.0);
}

TEST_CASE("izhikevich: a delta input of w mV moves v by w at its arrival", "[izhikevich]") {
  // At rest (I = 0, v = -65 ... its fixed point is near -70), sample v just before and after
  // an arrival at 50.1 ms (spike at 50 ms + 0.1 ms delay).
  const std::string extra =
      "populations { name: 'input' size: 1 spike_source_array { trains { times_ms: [50] } } } "
      "projections { name: 'in' pre: 'input' post: 'cell' one_to_one {} weight_mV { constant: 5 } } "
      "state_recorders { name: 'v' population: 'cell' variable: 'v_mV' neurons: [0] interval_ms: 0.0125 }";
  const auto with_input = run_text(cell(0.1, 0.0, extra), 60.0);
  const auto& rec = with_input.network().state_recorders.at(0);
  const auto at = [&](double t) {
    for (std::size_t k = 0; k < rec.sample_count(); ++k)
      if (std::abs(rec.times_ms()[k] - t) < 1e-9) return rec.values()[k];
    FAIL("no sample at " << t);
    return 0.0;
  };
  CHECK(at(50.1) - at(50.0875) == Approx(5.0).margin(0.01));
}

TEST_CASE("izhikevich: a hyperpolarised neuron recovers as the reference does, also at dt 0.5 ms", "[izhikevich]") {
  // v far below rest with u of a neuron that has just fired repeatedly: the membrane must
  // recover towards rest as the equations say (the exponential-midpoint step with v's
  // coefficient 0.04 v + 5 once moved it the wrong way at dt 0.5 ms and ran off to -inf).
  const IzhikevichModel::Parameters p;
  for (const double v0 : {-90.0, -120.0, -200.0}) {
    const double u0 = 10.0;
    const auto v_reference = [&](double t_ms) {
      return reference_run<IzhikevichModel>(p, {v0, u0}, 0.0, t_ms, 0.05).final_state[IzhikevichModel::kV];
    };
    for (double dt : {0.5, 0.25, 0.1}) {
      const std::string text =
          "format_version: 1 simulation { t_stop_ms: 200 } populations { name: 'cell' size: 1 dt_ms: " + num(dt) +
          " izhikevich { v_init_mV { constant: " + num(v0) + " } u_init_mV_per_ms { constant: " + num(u0) +
          " } } } state_recorders { name: 'v' population: 'cell' variable: 'v_mV' neurons: [0] interval_ms: 10 }";
      const auto sim = run_text(text, 200.0);
      const auto& rec = sim.network().state_recorders.at(0);
      double worst = 0.0;
      for (std::size_t k = 0; k < rec.sample_count(); ++k)
        worst = std::max(worst, std::abs(rec.values()[k] - v_reference(rec.times_ms()[k])));
      INFO("v0 " << v0 << " mV, dt " << dt << " ms: max |v - v_ref| " << worst << " mV over 200 ms");
      CHECK(worst < (dt > 0.3 ? 0.05 : 0.01));
    }
  }
}
