// Hodgkin–Huxley 1952 (neurons/hh_1952.hpp) against a Dormand–Prince reference of the same
// equations (tests/time_driven_reference.hpp) and the literature's f–I curve.
#include <catch2/catch.hpp>

#include <cmath>

#include "neurons/hh_1952.hpp"
#include "neurons/time_driven_population.hpp"
#include "test_support.hpp"
#include "time_driven_reference.hpp"

using namespace ionspike;
using namespace ionspike::test;

namespace {

// 1 uA/cm^2 on the default 10000 um^2 membrane is 100 pA.
constexpr double kPaPerUaCm2 = 100.0;

std::vector<double> engine_spikes(double i_uA_per_cm2, double dt_ms, double t_stop_ms) {
  const std::string text = "format_version: 1 simulation { t_stop_ms: " + num(t_stop_ms) +
                           " } populations { name: 'axon' size: 1 dt_ms: " + num(dt_ms) +
                           " hh_1952 { membrane { i_e_pA: " + num(i_uA_per_cm2 * kPaPerUaCm2) +
                           " } } } spike_recorders { name: 's' populations: ['axon'] }";
  return spike_times(run_text(text, t_stop_ms), 0, 0);
}

Hh1952Model::State resting_state(const Hh1952Model::Parameters& p) {
  const auto g = Hh1952Model::steady_gates(p, -65.0);
  return {-65.0, g[0], g[1], g[2], 0.0, 0.0};
}

double max_spike_error(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double e = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) e = std::max(e, std::abs(a[i] - b[i]));
  return e;
}

double late_rate_Hz(const std::vector<double>& spikes, double from_ms, double to_ms) {
  const auto n = std::count_if(spikes.begin(), spikes.end(), [&](double t) { return t >= from_ms && t < to_ms; });
  return 1000.0 * static_cast<double>(n) / (to_ms - from_ms);
}

}  // namespace

TEST_CASE("hh_1952: spike train under a 10 uA/cm2 step matches the reference within 0.1 ms per spike", "[hh_1952]") {
  const Hh1952Model::Parameters p;
  const auto reference = reference_run<Hh1952Model>(p, resting_state(p), 10.0 * kPaPerUaCm2, 100.0).spikes_ms;
  REQUIRE(reference.size() == 7);  // 68 Hz
  // dt 0.025 ms (NEURON's default step): every spike within 0.1 ms over 100 ms.
  CHECK(max_spike_error(engine_spikes(10.0, 0.025, 100.0), reference) < 0.1);
  // Second order: halving dt divides the error by about 4 (>= 3 allowed).
  const double e100 = max_spike_error(engine_spikes(10.0, 0.1, 100.0), reference);
  const double e050 = max_spike_error(engine_spikes(10.0, 0.05, 100.0), reference);
  const double e025 = max_spike_error(engine_spikes(10.0, 0.025, 100.0), reference);
  const double e0125 = max_spike_error(engine_spikes(10.0, 0.0125, 100.0), reference);
  INFO("errors at dt 0.1, 0.05, 0.025, 0.0125 ms: " << e100 << ", " << e050 << ", " << e025 << ", " << e0125);
  CHECK(e100 < 1.0);
  CHECK(e100 / e050 > 3.0);
  CHECK(e050 / e025 > 3.0);
  CHECK(e025 / e0125 > 3.0);
}

TEST_CASE("hh_1952: f-I curve: class-2 onset near 6.3 uA/cm2 at about 50 Hz, 68 Hz at 10 uA/cm2", "[hh_1952]") {
  const Hh1952Model::Parameters p;
  // Rates over [500, 1000) ms, after the onset transient.
  struct Point {
    double i_uA_per_cm2, lo_Hz, hi_Hz;
  };
  // Literature (Hodgkin & Huxley 1952 at 6.3 degC; Rinzel & Ermentrout 1989): repetitive firing
  // from rest needs about 6.3 uA/cm2 and starts at a non-zero rate near 50 Hz (class 2).
  const Point points[] = {{3.0, 0.0, 0.0}, {6.0, 0.0, 0.0}, {6.5, 48.0, 58.0}, {10.0, 64.0, 72.0}, {20.0, 80.0, 92.0}};
  for (const Point& pt : points) {
    const double engine = late_rate_Hz(engine_spikes(pt.i_uA_per_cm2, 0.025, 1000.0), 500.0, 1000.0);
    const double reference = late_rate_Hz(
        reference_run<Hh1952Model>(p, resting_state(p), pt.i_uA_per_cm2 * kPaPerUaCm2, 1000.0, 0.05).spikes_ms, 500.0,
        1000.0);
    INFO("I = " << pt.i_uA_per_cm2 << " uA/cm2: engine " << engine << " Hz, reference " << reference << " Hz");
    CHECK(engine == Approx(reference).margin(2.0));
    CHECK(engine >= pt.lo_Hz);
    CHECK(engine <= pt.hi_Hz);
  }
}

TEST_CASE("hh_1952: a current step at an off-grid time acts at its time", "[hh_1952]") {
  const Hh1952Model::Parameters p;
  const double t_on = 10.03;  // not a multiple of dt
  const std::string text =
      "format_version: 1 simulation { t_stop_ms: 60 } populations { name: 'axon' size: 1 dt_ms: 0.025 hh_1952 {} } "
      "current_sources { name: 'step' target: 'axon' times_ms: [" + num(t_on) + "] amplitudes_pA: [1000] } "
      "spike_recorders { name: 's' populations: ['axon'] }";
  const auto engine = spike_times(run_text(text, 60.0), 0, 0);
  const auto before = reference_run<Hh1952Model>(p, resting_state(p), 0.0, t_on);
  auto after = reference_run<Hh1952Model>(p, before.final_state, 1000.0, 60.0 - t_on).spikes_ms;
  for (double& t : after) t += t_on;
  REQUIRE(after.size() == 4);
  CHECK(max_spike_error(engine, after) < 0.05);
}
