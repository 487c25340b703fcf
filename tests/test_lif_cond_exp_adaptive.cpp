// Conductance-based LIF with an adaptive threshold (neurons/lif_cond_exp_adaptive.hpp): the
// same spikes as lif_cond_exp without adaptation, theta and spike times against closed forms,
// spike times against a Dormand–Prince reference with a moving threshold, and the driver API.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "neurons/lif_cond_exp.hpp"
#include "neurons/lif_cond_exp_adaptive.hpp"
#include "test_support.hpp"
#include "time_driven_reference.hpp"

using namespace ionspike;
using namespace ionspike::test;

namespace {

using Model = LifCondExpAdaptiveModel;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Replaces every occurrence of `from` in text.
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = 0, count = 0;
  while ((at = text.find(from, at)) != std::string::npos) {
    text.replace(at, from.size(), to);
    at += to.size();
    ++count;
  }
  REQUIRE(count > 0);
  return text;
}

// One lif_cond_exp_adaptive neuron ("cell") with the given model fields, injected current,
// and optional spike input of weight w_nS (arriving 0.1 ms after the listed times);
// records spikes and theta_mV every 0.5 ms.
std::string cell_network(double dt_ms, const std::string& fields, const std::vector<double>& times = {},
                         double w_nS = 0.0, double t_stop_ms = 1000.0, std::size_t size = 1) {
  std::string text = "format_version: 1 simulation { t_stop_ms: " + num(t_stop_ms) +
                     " min_delay_ms: 0.1 } populations { name: 'cell' size: " + std::to_string(size) +
                     " dt_ms: " + num(dt_ms) + " lif_cond_exp_adaptive { " + fields +
                     " } } spike_recorders { name: 's' populations: ['cell'] } "
                     "state_recorders { name: 'theta' population: 'cell' variable: 'theta_mV' interval_ms: 0.5 }";
  if (!times.empty()) {
    std::string train;
    for (double t : times) train += (train.empty() ? "" : ", ") + num(t);
    text += " populations { name: 'input' size: 1 spike_source_array { trains { times_ms: [" + train +
            "] } } } projections { name: 'in' pre: 'input' post: 'cell' all_to_all {} weight_nS { constant: " +
            num(w_nS) + " } delay_ms { constant: 0.1 } }";
  }
  return text;
}

LifCondExpAdaptivePopulation& adaptive_population(Simulator& sim, const std::string& name) {
  auto* pop = dynamic_cast<LifCondExpAdaptivePopulation*>(
      sim.network().populations.at(sim.network().population_id(name)).get());
  REQUIRE(pop != nullptr);
  return *pop;
}

// theta at t from its initial value and the spikes before t: the closed form of
// dtheta/dt = -theta / tau with jumps of theta_plus at the spikes.
double theta_closed_form(double theta_init, double theta_plus, double tau, const std::vector<double>& spikes,
                         double t) {
  double theta = theta_init * std::exp(-t / tau);
  for (double s : spikes)
    if (s <= t) theta += theta_plus * std::exp(-(t - s) / tau);
  return theta;
}

}  // namespace

TEST_CASE("lif_cond_exp_adaptive: with theta_plus 0 it fires exactly as lif_cond_exp (COBA network)",
          "[lif_cond_exp_adaptive]") {
  // Brette et al.'s COBA benchmark, its excitatory group as lif_cond_exp_adaptive without
  // adaptation: every spike of both groups and every membrane sample must be bit-identical.
  const std::string coba = read_file(std::string(IONSPIKE_SOURCE_DIR) + "/examples/brette2007_coba.pbtxt");
  const std::string probe =
      " state_recorders { name: 'v' population: 'exc' variable: 'v_mV' neurons: [0, 1, 2, 3, 4, 5, 6, 7] "
      "interval_ms: 0.1 }";
  const std::string plain = coba + probe;
  // Only "exc" (the first lif_cond_exp block) changes model.
  std::string adaptive = plain;
  const std::size_t at = adaptive.find("lif_cond_exp {");
  REQUIRE(at != std::string::npos);
  adaptive.replace(at, std::string("lif_cond_exp {").size(), "lif_cond_exp_adaptive { theta_plus_mV: 0");
  REQUIRE(adaptive.find("lif_cond_exp {") != std::string::npos);  // inh stays lif_cond_exp

  const double t_stop = 200.0;
  const auto a = run_text(plain, t_stop);
  auto b = run_text(adaptive, t_stop);
  CHECK(b.network().populations[b.network().population_id("exc")]->model_name() == "lif_cond_exp_adaptive");
  const auto& sa = a.network().spike_recorders.at(0).spikes();
  const auto& sb = b.network().spike_recorders.at(0).spikes();
  REQUIRE(sa.size() > 1000);
  REQUIRE(sa.size() == sb.size());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < sa.size(); ++i)
    if (sa[i].t_ms != sb[i].t_ms || sa[i].population != sb[i].population || sa[i].neuron != sb[i].neuron) ++differing;
  CHECK(differing == 0);
  const auto& va = a.network().state_recorders.at(0).values();
  const auto& vb = b.network().state_recorders.at(0).values();
  REQUIRE(va.size() == vb.size());
  CHECK(va == vb);
  // theta stayed exactly 0.
  const auto thetas = adaptive_population(b, "exc").thetas_mV();
  CHECK(std::all_of(thetas.begin(), thetas.end(), [](double x) { return x == 0.0; }));
}

TEST_CASE("lif_cond_exp_adaptive: constant current, ISIs grow, spike times and theta match closed forms",
          "[lif_cond_exp_adaptive]") {
  // No synapses: V relaxes exactly to V_inf = e_l + i_e / g_l = -40 mV with tau_m = 20 ms
  // (the integrator is exact for a linear membrane), the threshold is -50 + theta(t).
  const double tau_theta = 150.0, theta_plus = 1.0, theta_init = 0.5, t_stop = 400.0;
  const Model::Parameters p;
  const double i_e = 200.0, v_inf = p.e_l_mV + i_e / p.g_l_nS, tau_m = p.c_m_pF / p.g_l_nS;
  auto sim = run_text(cell_network(0.1,
                                   "i_e_pA: 200 v_init_mV { constant: -60 } tau_theta_ms: " + num(tau_theta) +
                                       " theta_plus_mV: " + num(theta_plus) + " theta_init_mV { constant: " +
                                       num(theta_init) + " }",
                                   {}, 0.0, t_stop),
                      t_stop);
  const auto spikes = spike_times(sim, 0, 0);
  REQUIRE(spikes.size() >= 8);

  // Successive interspike intervals grow as theta accumulates.
  for (std::size_t k = 2; k < spikes.size(); ++k) CHECK(spikes[k] - spikes[k - 1] > spikes[k - 1] - spikes[k - 2]);

  // Each spike time is the root of V(t) - (v_th + theta(t)) of the closed-form solutions
  // (bisection to rounding), from the engine's previous spike.
  double t_prev = -1.0;  // no spike yet
  for (std::size_t k = 0; k < spikes.size(); ++k) {
    const double t_free = k == 0 ? 0.0 : t_prev + p.t_ref_ms;
    const double v_free = k == 0 ? -60.0 : p.v_reset_mV;
    const std::vector<double> before(spikes.begin(), spikes.begin() + static_cast<std::ptrdiff_t>(k));
    const auto f = [&](double t) {
      const double v = v_inf + (v_free - v_inf) * std::exp(-(t - t_free) / tau_m);
      return v - (p.v_th_mV + theta_closed_form(theta_init, theta_plus, tau_theta, before, t));
    };
    double lo = t_free, hi = t_free + 200.0;
    REQUIRE(f(lo) < 0.0);
    REQUIRE(f(hi) > 0.0);
    for (int i = 0; i < 200 && hi - lo > 0.0; ++i) {
      const double mid = 0.5 * (lo + hi);
      if (mid == lo || mid == hi) break;
      (f(mid) < 0.0 ? lo : hi) = mid;
    }
    INFO("spike " << k);
    CHECK(spikes[k] == Approx(hi).margin(1e-8));
    t_prev = spikes[k];
  }

  // theta after n spikes at the engine's spike times: sum of theta_plus exp(-(t - t_k)/tau).
  const auto& pop = adaptive_population(sim, "cell");
  const double t_end = pop.integrated_until_ms();
  CHECK(t_end == Approx(t_stop).margin(1e-9));
  CHECK(std::abs(pop.theta_mV(0) - theta_closed_form(theta_init, theta_plus, tau_theta, spikes, t_end)) < 1e-12);
  // The recorded theta_mV follows the same closed form at every sample.
  const auto& rec = sim.network().state_recorders.at(0);
  REQUIRE(rec.sample_count() > 700);
  double worst = 0.0;
  for (std::size_t s = 0; s < rec.sample_count(); ++s) {
    const double t = rec.times_ms()[s];
    worst = std::max(worst, std::abs(rec.values()[s] - theta_closed_form(theta_init, theta_plus, tau_theta, spikes, t)));
  }
  CHECK(worst < 1e-12);
}

TEST_CASE("lif_cond_exp_adaptive: spike times with a moving threshold match the reference, order 2",
          "[lif_cond_exp_adaptive]") {
  // Strong, off-grid conductance input and a threshold that moves within interspike
  // intervals (tau_theta 30 ms, theta_plus 2 mV).
  std::vector<double> times;
  for (int k = 0; k < 80; ++k) times.push_back(0.37 + 0.83 * k);
  const double w = 15.0, t_stop = 70.0;
  const std::string fields = "i_e_pA: 50 v_init_mV { constant: -70 } tau_theta_ms: 30 theta_plus_mV: 2";
  Model::Parameters p;
  p.i_e_pA = 50.0;
  p.tau_theta_ms = 30.0;
  p.theta_plus_mV = 2.0;
  std::vector<ReferenceInput> inputs;
  for (double t : times) inputs.push_back({t + 0.1, w});
  const auto reference = reference_run<Model>(p, {-70.0, 0.0, 0.0, 0.0}, 0.0, t_stop, 0.01, inputs);
  REQUIRE(reference.spikes_ms.size() >= 5);
  // Adaptation matters here: without it the same input makes more spikes.
  Model::Parameters fixed = p;
  fixed.theta_plus_mV = 0.0;
  CHECK(reference_run<Model>(fixed, {-70.0, 0.0, 0.0, 0.0}, 0.0, t_stop, 0.01, inputs).spikes_ms.size() >
        reference.spikes_ms.size());
  CHECK(reference.final_state[Model::kTheta] > 1.0);

  std::vector<double> errors;
  for (double dt : {0.1, 0.05, 0.025}) {
    auto sim = run_text(cell_network(dt, fields, times, w, t_stop), t_stop);
    const auto engine = spike_times(sim, 0, 0);
    REQUIRE(engine.size() == reference.spikes_ms.size());
    double e = 0.0;
    for (std::size_t i = 0; i < engine.size(); ++i) e = std::max(e, std::abs(engine[i] - reference.spikes_ms[i]));
    errors.push_back(e);
    // theta is exact given the spike times: the engine's matches the reference to the
    // spike-time error times theta's rate (theta_plus / tau per spike, at most).
    CHECK(adaptive_population(sim, "cell").theta_mV(0) ==
          Approx(reference.final_state[Model::kTheta]).margin(10.0 * e * 2.0 / 30.0 + 1e-9));
  }
  INFO("max spike time error at dt 0.1, 0.05, 0.025 ms: " << errors[0] << ", " << errors[1] << ", " << errors[2]);
  CHECK(errors[0] < 1e-3);
  CHECK(errors[0] / errors[1] > 3.0);
  CHECK(errors[1] / errors[2] > 3.0);
}

TEST_CASE("lif_cond_exp_adaptive: drivers read, set, freeze and hold theta between runs",
          "[lif_cond_exp_adaptive]") {
  const double tau = 50.0, plus = 1.0;
  auto sim = Simulator(build_text(cell_network(
      0.1, "i_e_pA: 300 tau_theta_ms: 50 theta_plus_mV: 1 theta_init_mV { uniform { low: 0 high: 2 } }", {}, 0.0,
      1000.0, 3)));
  auto& pop = adaptive_population(sim, "cell");
  CHECK(pop.state_variables() == std::vector<std::string>{"v_mV", "theta_mV", "g_ex_nS", "g_in_nS"});

  // Per-neuron initial theta from the Value.
  const std::vector<double> initial = pop.thetas_mV();
  REQUIRE(initial.size() == 3);
  for (double x : initial) CHECK((x >= 0.0 && x <= 2.0));
  CHECK(initial[0] != initial[1]);

  const auto spikes_of = [&](std::uint32_t n, double from, double to) {
    std::vector<double> out;
    for (double t : spike_times(sim, 0, n))
      if (t > from && t <= to) out.push_back(t);
    return out;
  };
  // Learning (default): theta follows its closed form with the spikes of the run.
  CHECK(pop.adaptation() == ThetaAdaptation::Learning);
  CHECK_FALSE(pop.adaptation_frozen());
  sim.run_until(100.0);
  double t0 = pop.integrated_until_ms();
  for (std::uint32_t n = 0; n < 3; ++n) {
    const auto s = spikes_of(n, 0.0, t0);
    REQUIRE(s.size() >= 2);
    CHECK(std::abs(pop.theta_mV(n) - theta_closed_form(initial[n], plus, tau, s, t0)) < 1e-12);
  }

  // Frozen: spikes leave theta alone, which keeps decaying exactly.
  pop.freeze_adaptation();
  CHECK(pop.adaptation() == ThetaAdaptation::Frozen);
  CHECK(pop.adaptation_frozen());
  CHECK(pop.parameters().theta_plus_mV == 0.0);
  CHECK(pop.learning_parameters().theta_plus_mV == plus);
  const std::vector<double> at_freeze = pop.thetas_mV();
  sim.run_until(200.0);
  double t1 = pop.integrated_until_ms();
  for (std::uint32_t n = 0; n < 3; ++n) {
    REQUIRE(spikes_of(n, t0, t1).size() >= 2);
    CHECK(pop.theta_mV(n) == Approx(at_freeze[n] * std::exp(-(t1 - t0) / tau)).epsilon(1e-12));
  }

  // Held (Diehl & Cook's test phase): theta stays exactly as it is.
  pop.set_adaptation(ThetaAdaptation::Held);
  CHECK(pop.adaptation_frozen());
  const std::vector<double> at_hold = pop.thetas_mV();
  sim.run_until(300.0);
  const double t2 = pop.integrated_until_ms();
  for (std::uint32_t n = 0; n < 3; ++n) REQUIRE(spikes_of(n, t1, t2).size() >= 2);
  CHECK(pop.thetas_mV() == at_hold);

  // Learning again: theta jumps by theta_plus per spike and decays.
  pop.unfreeze_adaptation();
  CHECK(pop.parameters().theta_plus_mV == plus);
  CHECK(pop.parameters().tau_theta_ms == tau);
  sim.run_until(400.0);
  const double t3 = pop.integrated_until_ms();
  for (std::uint32_t n = 0; n < 3; ++n) {
    const auto s = spikes_of(n, t2, t3);
    REQUIRE(s.size() >= 2);
    double expected = at_hold[n] * std::exp(-(t3 - t2) / tau);
    for (double t : s) expected += plus * std::exp(-(t3 - t) / tau);
    CHECK(pop.theta_mV(n) == Approx(expected).epsilon(1e-12));
  }

  // Set: a high theta silences neuron 0, theta 0 on neuron 1 is read back as set; the
  // recorder sees the new value.
  pop.set_theta_mV(0, 1000.0);
  pop.set_theta_mV(1, 0.0);
  CHECK(pop.theta_mV(0) == 1000.0);
  CHECK(pop.theta_mV(1) == 0.0);
  const std::size_t n_before = spikes_of(0, 0.0, 1e9).size();
  sim.run_until(450.0);
  CHECK(spikes_of(0, 0.0, 1e9).size() == n_before);
  CHECK(spikes_of(1, 400.0, 450.0).size() >= 2);
  const auto& rec = sim.network().state_recorders.at(0);
  const double t_sample = rec.times_ms().back();
  CHECK(t_sample == Approx(450.0));
  CHECK(rec.values()[(rec.sample_count() - 1) * 3 + 0] == Approx(1000.0 * std::exp(-(t_sample - t3) / tau)).epsilon(1e-12));

  // Save and load all thetas; bad values are refused without changing anything.
  const std::vector<double> saved = pop.thetas_mV();
  pop.set_thetas_mV(std::vector<double>{0.25, 0.5, 0.75});
  CHECK(pop.thetas_mV() == std::vector<double>{0.25, 0.5, 0.75});
  CHECK_THROWS_AS(pop.set_theta_mV(0, -1.0), std::invalid_argument);
  CHECK_THROWS_AS(pop.set_theta_mV(0, std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(pop.set_theta_mV(0, std::numeric_limits<double>::infinity()), std::invalid_argument);
  CHECK_THROWS_AS(pop.set_theta_mV(3, 1.0), std::out_of_range);
  CHECK_THROWS_AS(pop.set_thetas_mV(std::vector<double>{1.0, 2.0}), std::invalid_argument);
  CHECK_THROWS_AS(pop.set_thetas_mV(std::vector<double>{1.0, -2.0, 3.0}), std::invalid_argument);
  CHECK(pop.thetas_mV() == std::vector<double>{0.25, 0.5, 0.75});
  pop.set_thetas_mV(saved);
  CHECK(pop.thetas_mV() == saved);
}

TEST_CASE("lif_cond_exp_adaptive: running in pieces with adaptation on equals one run", "[lif_cond_exp_adaptive]") {
  const std::string text = cell_network(0.1, "i_e_pA: 250 tau_theta_ms: 40 theta_plus_mV: 1.5",
                                        {3.07, 9.93, 20.01}, 30.0, 300.0, 2);
  const auto whole = run_text(text, 300.0);
  Simulator pieces(build_text(text));
  for (double t : {37.3, 100.0, 151.05, 300.0}) pieces.run_until(t);
  const auto& a = whole.network().spike_recorders.at(0).spikes();
  const auto& b = pieces.network().spike_recorders.at(0).spikes();
  REQUIRE(a.size() > 10);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].t_ms == b[i].t_ms);
  CHECK(whole.network().state_recorders.at(0).values() == pieces.network().state_recorders.at(0).values());
}
