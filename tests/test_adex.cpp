// AdEx (neurons/adex.hpp) against a Dormand–Prince reference: adapting spike train under a
// current step, and the second-order convergence of the spike times.
#include <catch2/catch.hpp>

#include <cmath>

#include "neurons/adex.hpp"
#include "test_support.hpp"
#include "time_driven_reference.hpp"

using namespace ionspike;
using namespace ionspike::test;

namespace {

std::vector<double> engine_spikes(double dt_ms, double i_e_pA) {
  const std::string text = "format_version: 1 simulation { t_stop_ms: 300 } populations { name: 'cell' size: 1 dt_ms: " +
                           num(dt_ms) + " adex { i_e_pA: " + num(i_e_pA) +
                           " } } spike_recorders { name: 's' populations: ['cell'] }";
  return spike_times(run_text(text, 300.0), 0, 0);
}

}  // namespace

TEST_CASE("adex: adapting spike train under a step current matches the reference", "[adex]") {
  const AdexModel::Parameters p;  // Brette & Gerstner 2005 defaults
  const double i_pA = 800.0;
  const auto reference = reference_run<AdexModel>(p, {p.e_l_mV, 0.0, 0.0, 0.0}, i_pA, 300.0, 0.005).spikes_ms;
  REQUIRE(reference.size() >= 6);
  // Spike-frequency adaptation: inter-spike intervals grow.
  CHECK(reference[2] - reference[1] > reference[1] - reference[0]);
  CHECK(reference.back() - reference[reference.size() - 2] > reference[1] - reference[0]);
  std::vector<double> errors;
  for (double dt : {0.04, 0.02, 0.01}) {
    const auto engine = engine_spikes(dt, i_pA);
    REQUIRE(engine.size() == reference.size());
    double e = 0.0;
    for (std::size_t i = 0; i < engine.size(); ++i) e = std::max(e, std::abs(engine[i] - reference[i]));
    errors.push_back(e);
  }
  INFO("max spike time error at dt 0.04, 0.02, 0.01 ms: " << errors[0] << ", " << errors[1] << ", " << errors[2]);
  // First order in the spike times: the membrane runs away (exp term) within a step, where a
  // fixed step cannot follow it; the subthreshold part is second order (neurons/adex.hpp).
  CHECK(errors[2] < 0.05);
  CHECK(errors[0] / errors[1] > 1.8);
  CHECK(errors[1] / errors[2] > 1.8);
  // The default step still gives the right number of spikes.
  CHECK(engine_spikes(0.1, i_pA).size() == reference.size());
}
