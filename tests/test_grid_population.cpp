// Grid mode of the time-driven populations (`input_timing: ON_GRID`, neurons/grid_population.hpp,
// neurons/lif_cond_exp_grid.hpp, neurons/hodgkin_huxley_grid.hpp): the schemes against their
// closed forms or an independent loop, accumulation of inputs at the step boundary, refractory
// steps, injected currents, continuation, and agreement with the exact mode on network rates.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <bit>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "neurons/grid_population.hpp"
#include "neurons/hh_traub_miles.hpp"
#include "neurons/hodgkin_huxley_grid.hpp"
#include "neurons/lif_cond_exp_grid.hpp"
#include "neurons/lif_exp_grid.hpp"
#include "test_support.hpp"

using namespace ionspike;
using namespace ionspike::test;

namespace {

// One lif_cond_exp neuron ('cell', id 0) in grid mode; `extra` adds populations, projections,
// current sources. V, g_ex and g_in are sampled every step (0.1 ms).
std::string lif_cell(double t_stop_ms, const std::string& cell_fields, const std::string& extra = "",
                     double v_init_mV = -70.0) {
  return "format_version: 1 simulation { t_stop_ms: " + num(t_stop_ms) +
         " min_delay_ms: 0.1 } populations { name: 'cell' size: 1 dt_ms: 0.1 input_timing: ON_GRID lif_cond_exp { " +
         cell_fields + " v_init_mV { constant: " + num(v_init_mV) + " } } } " + extra +
         " spike_recorders { name: 's' populations: ['cell'] } "
         "state_recorders { name: 'v' population: 'cell' variable: 'v_mV' neurons: [0] interval_ms: 0.1 } "
         "state_recorders { name: 'ge' population: 'cell' variable: 'g_ex_nS' neurons: [0] interval_ms: 0.1 } "
         "state_recorders { name: 'gi' population: 'cell' variable: 'g_in_nS' neurons: [0] interval_ms: 0.1 }";
}

// Spike sources 'input' (id 1) onto the cell: one train per source neuron, all_to_all, delay 0.1 ms.
std::string input_to_cell(const std::vector<std::vector<double>>& trains, double w_nS) {
  std::string t;
  for (const auto& train : trains) t += spike_train_text(train);
  return "populations { name: 'input' size: " + std::to_string(trains.size()) + " spike_source_array { " + t +
         "} } projections { name: 'in' pre: 'input' post: 'cell' all_to_all {} weight_nS { constant: " + num(w_nS) +
         " } delay_ms { constant: 0.1 }" + (w_nS < 0 ? " receptor: INHIBITORY" : "") + " }";
}

const std::vector<double>& samples(const Simulator& sim, std::size_t recorder) {
  return sim.network().state_recorders.at(recorder).values();
}

// E/I network of `model` ('lif' = lif_cond_exp, 'hh' = hh_traub_miles) in the given timing,
// driven by Poisson sources; COBA's weights and initial conductances.
std::string ei_network(const std::string& model, const std::string& timing, double t_stop_ms, std::uint64_t seed,
                       double dt_ms = 0.1) {
  const std::string body =
      model == "lif"
          ? "lif_cond_exp { c_m_pF: 200 g_l_nS: 10 e_l_mV: -60 v_th_mV: -50 v_reset_mV: -60 t_ref_ms: 5 "
            "synapses { g_ex_init_nS { normal { mean: 40 stddev: 15 } } g_in_init_nS { normal { mean: 200 stddev: "
            "120 } } } v_init_mV { normal { mean: -65 stddev: 5 } } }"
          : "hh_traub_miles { membrane { v_init_mV { normal { mean: -65 stddev: 5 } } } synapses { "
            "g_ex_init_nS { normal { mean: 40 stddev: 15 } } g_in_init_nS { normal { mean: 200 stddev: 120 } } } }";
  const std::string pop_fields = " dt_ms: " + num(dt_ms) + " input_timing: " + timing + " " + body;
  return "format_version: 1 simulation { t_stop_ms: " + num(t_stop_ms) + " seed: " + std::to_string(seed) +
         " min_delay_ms: 0.1 } "
         "populations { name: 'exc' size: 800" + pop_fields + " } "
         "populations { name: 'inh' size: 200" + pop_fields + " } "
         "populations { name: 'drive' size: 200 poisson_source { rate_Hz: 20 } } "
         "projections { name: 'drive_exc' pre: 'drive' post: 'exc' fixed_in_degree { k: 20 } weight_nS { constant: 6 } } "
         "projections { name: 'drive_inh' pre: 'drive' post: 'inh' fixed_in_degree { k: 20 } weight_nS { constant: 6 } } "
         "projections { name: 'ee' pre: 'exc' post: 'exc' fixed_probability { p: 0.02 } weight_nS { constant: 6 } } "
         "projections { name: 'ei' pre: 'exc' post: 'inh' fixed_probability { p: 0.02 } weight_nS { constant: 6 } } "
         "projections { name: 'ie' pre: 'inh' post: 'exc' fixed_probability { p: 0.02 } weight_nS { constant: 67 } "
         "receptor: INHIBITORY } "
         "projections { name: 'ii' pre: 'inh' post: 'inh' fixed_probability { p: 0.02 } weight_nS { constant: 67 } "
         "receptor: INHIBITORY } "
         "spike_recorders { name: 'spikes' populations: ['exc', 'inh'] }";
}

double mean_rate_Hz(const Simulator& sim, double t_stop_ms, double neurons) {
  return static_cast<double>(sim.network().spike_recorders.at(0).spikes().size()) / neurons / (t_stop_ms * 1e-3);
}

// The whole state of a population as its checkpoint saves it (raw bytes per field).
std::vector<std::pair<std::string, std::string>> saved_state(NeuronPopulation& pop) {
  StateArchive ar;
  pop.checkpoint(ar);
  std::vector<std::pair<std::string, std::string>> fields;
  for (const ArchivedField& f : ar.fields()) fields.emplace_back(f.name, f.bytes);
  return fields;
}

std::vector<SpikeRecord> sorted_spikes(const Simulator& sim) {
  auto s = sim.network().spike_recorders.at(0).spikes();
  std::sort(s.begin(), s.end(), [](const SpikeRecord& a, const SpikeRecord& b) {
    return std::tie(a.t_ms, a.population, a.neuron) < std::tie(b.t_ms, b.population, b.neuron);
  });
  return s;
}

}  // namespace

TEST_CASE("grid lif_cond_exp: constant drive follows the closed form of forward Euler, refractory steps held",
          "[grid]") {
  // V_inf = e_l + i_e / g_l = -45 mV, tau = 20 ms; forward Euler: V_j = V_inf + (V_0 - V_inf) q^j,
  // q = 1 - dt / tau. Spikes at the linear interpolation of the crossing step; after a spike
  // in step k, V is held at -60 mV through step k + 50 (t_ref 5 ms / 0.1 ms), free from k + 51.
  const double dt = 0.1, q = 1.0 - dt / 20.0, v_inf = -45.0, thr = -50.0, v_reset = -60.0;
  const double t_stop = 100.0;
  const Simulator sim = run_text(lif_cell(t_stop, "i_e_pA: 150 t_ref_ms: 5"), t_stop);
  const auto& v = samples(sim, 0);
  REQUIRE(v.size() >= 1000);
  // The closed form, segment by segment: a segment starts at step s from V = v0.
  std::vector<double> expected_spikes;
  std::vector<double> expected_v(v.size());
  std::size_t s = 0;
  double v0 = -70.0;
  std::size_t held_until = 0;  // V held at reset through this step
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (k <= held_until && k > 0 && !expected_spikes.empty()) {
      expected_v[k] = v_reset;
      continue;
    }
    const double vk = v_inf + (v0 - v_inf) * std::pow(q, static_cast<double>(k - s));
    if (vk >= thr) {
      const double vp = v_inf + (v0 - v_inf) * std::pow(q, static_cast<double>(k - 1 - s));
      expected_spikes.push_back(static_cast<double>(k - 1) * dt + dt * (thr - vp) / (vk - vp));
      expected_v[k] = v_reset;
      held_until = k + 50;
      s = held_until;
      v0 = v_reset;
      continue;
    }
    expected_v[k] = vk;
  }
  for (std::size_t k = 0; k < v.size(); ++k) CHECK(v[k] == Approx(expected_v[k]).margin(1e-9));
  const auto spikes = spike_times(sim, 0, 0);
  REQUIRE(spikes.size() == expected_spikes.size());
  REQUIRE(spikes.size() >= 3);
  for (std::size_t i = 0; i < spikes.size(); ++i) CHECK(spikes[i] == Approx(expected_spikes[i]).margin(1e-9));
  // The first crossing: -45 - 25 q^j >= -50 first at j = 322 (32.2 ms).
  CHECK(spikes[0] > 32.1);
  CHECK(spikes[0] <= 32.2);
}

TEST_CASE("grid lif_cond_exp: inputs of one step act together at its end (two inputs == their sum)", "[grid]") {
  // Arrivals 1.12 and 1.17 ms (3 nS each) and one arrival at 1.15 ms of 6 nS all fall in the
  // step (1.1, 1.2]: the conductance is 0 at 1.1 ms, 6 nS at 1.2 ms (to rounding: the column
  // holds g / D, neurons/grid_population.hpp "Scaled receivers"), then decays by
  // exp(-dt / 5 ms) per step; the two runs are identical bit for bit.
  const double t_stop = 20.0;
  const Simulator two = run_text(lif_cell(t_stop, "", input_to_cell({{1.02}, {1.07}}, 3.0)), t_stop);
  const Simulator one = run_text(lif_cell(t_stop, "", input_to_cell({{1.05}}, 6.0)), t_stop);
  const auto& ge = samples(two, 1);
  REQUIRE(ge.size() > 100);
  CHECK(ge[11] == 0.0);
  CHECK(ge[12] == Approx(6.0).epsilon(1e-15));
  CHECK(ge[13] == Approx(6.0 * std::exp(-0.1 / 5.0)).epsilon(1e-14));
  CHECK(ge == samples(one, 1));
  CHECK(samples(two, 0) == samples(one, 0));
  // V moves first in the step after the jump: forward Euler uses the conductance at its start.
  const auto& v = samples(two, 0);
  const double a = 0.1 / 200.0;  // dt / c_m
  const double v12 = v[12];
  CHECK(v[13] == Approx(v12 + a * (10.0 * (-60.0 - v12) + 6.0 * (0.0 - v12))).epsilon(1e-13));
  // Inhibitory weights go to g_in as |w|.
  const Simulator inh = run_text(lif_cell(t_stop, "", input_to_cell({{1.02}, {1.07}}, -4.0)), t_stop);
  CHECK(samples(inh, 2)[11] == 0.0);
  CHECK(samples(inh, 2)[12] == Approx(8.0).epsilon(1e-15));
  CHECK(samples(inh, 1)[12] == 0.0);
  // An arrival in the next step (1.21 ms) waits for the next boundary.
  const Simulator later = run_text(lif_cell(t_stop, "", input_to_cell({{1.11}}, 6.0)), t_stop);
  CHECK(samples(later, 1)[12] == 0.0);
  CHECK(samples(later, 1)[13] == Approx(6.0).epsilon(1e-15));
}

TEST_CASE("grid lif_cond_exp: a change of injected current acts from the next step boundary", "[grid]") {
  // 200 pA from 5.05 ms on: V stays at rest through 5.1 ms and moves from there.
  const double t_stop = 10.0;
  const Simulator sim = run_text(
      lif_cell(t_stop, "", "current_sources { name: 'i' target: 'cell' times_ms: [5.05] amplitudes_pA: [200] }", -60.0),
      t_stop);
  const auto& v = samples(sim, 0);
  REQUIRE(v.size() > 60);
  for (std::size_t k = 0; k <= 51; ++k) CHECK(v[k] == -60.0);
  CHECK(v[52] == Approx(-60.0 + 0.1 / 200.0 * 200.0).epsilon(1e-14));
  CHECK(v[60] > v[52]);
}

TEST_CASE("grid hh_traub_miles: exponential Euler matches an independent loop with exact rates", "[grid]") {
  // A driven Traub-Miles neuron (COBAHH membrane, i_e 1 nA) fires regularly; the population's
  // tabulated gates agree with exact rate functions to the table's interpolation error.
  const double dt = 0.1, t_stop = 100.0;
  const std::string text =
      "format_version: 1 simulation { t_stop_ms: 100 } populations { name: 'cell' size: 1 dt_ms: 0.1 "
      "input_timing: ON_GRID hh_traub_miles { membrane { i_e_pA: 1000 v_init_mV { constant: -65 } } } } "
      "spike_recorders { name: 's' } state_recorders { name: 'v' population: 'cell' variable: 'v_mV' neurons: [0] "
      "interval_ms: 0.1 }";
  const Simulator sim = run_text(text, t_stop);
  const auto& v = samples(sim, 0);
  // The reference: Brian2's exponential_euler written out, rates evaluated exactly.
  const HhTraubMilesKinetics::Parameters kin{-63.0};
  const double area = 20000.0 * 0.01;  // densities (mS/cm^2, uF/cm^2) -> nS, pF
  const double c_m = 1.0 * area, g_na = 100.0 * area, g_k = 30.0 * area, g_l = 0.05 * area;
  const double e_na = 50.0, e_k = -90.0, e_l = -60.0, i_e = 1000.0;
  double y_v = -65.0;
  GateRates r0 = HhTraubMilesKinetics::rates(kin, y_v);
  double m = r0.alpha_m / (r0.alpha_m + r0.beta_m), h = r0.alpha_h / (r0.alpha_h + r0.beta_h),
         n = r0.alpha_n / (r0.alpha_n + r0.beta_n);
  std::vector<double> ref_v{y_v}, ref_spikes;
  double free_from = 0.0;
  for (int k = 1; k <= 1000; ++k) {
    const GateRates r = HhTraubMilesKinetics::rates(kin, y_v);
    const double gna = g_na * m * m * m * h, gk = g_k * n * n * n * n, gt = gna + gk + g_l;
    const double v_inf = (gna * e_na + gk * e_k + g_l * e_l + i_e) / gt;
    const double v_new = v_inf + (y_v - v_inf) * std::exp(-gt * dt / c_m);
    const auto gate = [&](double x, double a, double b) { return a / (a + b) + (x - a / (a + b)) * std::exp(-(a + b) * dt); };
    m = gate(m, r.alpha_m, r.beta_m);
    h = gate(h, r.alpha_h, r.beta_h);
    n = gate(n, r.alpha_n, r.beta_n);
    if (y_v < -20.0 && v_new >= -20.0 && k >= free_from) {
      ref_spikes.push_back((k - 1) * dt + dt * (-20.0 - y_v) / (v_new - y_v));
      free_from = k + 30 + 1;
    }
    y_v = v_new;
    ref_v.push_back(y_v);
  }
  REQUIRE(v.size() == ref_v.size());
  // The table's interpolation error (< 2e-6 in the gates) is amplified on the upstrokes, where
  // V moves by tens of mV per step: compare the slow parts tightly, the whole trace loosely.
  double worst = 0.0, worst_slow = 0.0;
  for (std::size_t k = 1; k < v.size(); ++k) {
    const double error = std::abs(v[k] - ref_v[k]);
    worst = std::max(worst, error);
    if (std::abs(ref_v[k] - ref_v[k - 1]) < 1.0) worst_slow = std::max(worst_slow, error);
  }
  CHECK(worst_slow < 5e-3);  // mV (measured 1.9e-3 mV)
  CHECK(worst < 0.1);        // mV
  const auto spikes = spike_times(sim, 0, 0);
  REQUIRE(ref_spikes.size() >= 5);
  REQUIRE(spikes.size() == ref_spikes.size());
  for (std::size_t i = 0; i < spikes.size(); ++i) CHECK(spikes[i] == Approx(ref_spikes[i]).margin(1e-5));
}

TEST_CASE("grid lif_exp: exact propagation from the step boundary (NEST iaf_psc_exp)", "[grid]") {
  // 500 pA (excitatory) and -300 pA (inhibitory) arriving in (1.1, 1.2] act at 1.2 ms; from there
  // V - e_l = sum_s w_s (e^{-s/tau_s} - e^{-s/tau_m}) / (c_m (1/tau_m - 1/tau_s)), exactly at
  // every grid point, and the currents decay as w e^{-s/tau_s}. Over 300 ms the receivers'
  // scales (neurons/grid_population.hpp) are rescaled twice (I_ex) and once (I_in): the same
  // relative precision before and after.
  const double t_stop = 300.0, tau_m = 20.0, c_m = 200.0, tau_ex = 5.0, tau_in = 10.0;
  const std::string text =
      "format_version: 1 simulation { t_stop_ms: 300 min_delay_ms: 0.1 } populations { name: 'cell' size: 1 "
      "dt_ms: 0.1 input_timing: ON_GRID lif_exp { tau_m_ms: 20 c_m_pF: 200 e_l_mV: -70 v_th_mV: -40 v_reset_mV: -70 "
      "tau_syn_ex_ms: 5 tau_syn_in_ms: 10 v_init_mV { constant: -70 } } } "
      "populations { name: 'ex' size: 1 spike_source_array { trains { times_ms: [1.05] } } } "
      "populations { name: 'in' size: 1 spike_source_array { trains { times_ms: [1.08] } } } "
      "projections { name: 'pe' pre: 'ex' post: 'cell' one_to_one {} weight_pA { constant: 500 } delay_ms { constant: 0.1 } } "
      "projections { name: 'pi' pre: 'in' post: 'cell' one_to_one {} weight_pA { constant: -300 } delay_ms { constant: 0.1 } } "
      "state_recorders { name: 'v' population: 'cell' variable: 'v_mV' neurons: [0] interval_ms: 0.1 } "
      "state_recorders { name: 'ie' population: 'cell' variable: 'i_syn_ex_pA' neurons: [0] interval_ms: 0.1 } "
      "state_recorders { name: 'ii' population: 'cell' variable: 'i_syn_in_pA' neurons: [0] interval_ms: 0.1 }";
  const Simulator sim = run_text(text, t_stop);
  const auto &v = samples(sim, 0), &ie = samples(sim, 1), &ii = samples(sim, 2);
  REQUIRE(v.size() == 3001);
  const auto kernel = [&](double s, double tau_s) {
    return (std::exp(-s / tau_s) - std::exp(-s / tau_m)) / (c_m * (1.0 / tau_m - 1.0 / tau_s));
  };
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (k <= 12) {
      CHECK(v[k] == -70.0);
      CHECK(ie[k] == Approx(k == 12 ? 500.0 : 0.0).epsilon(1e-15));  // scaled receivers: to rounding
      continue;
    }
    const double s = static_cast<double>(k - 12) * 0.1;
    CHECK(v[k] == Approx(-70.0 + 500.0 * kernel(s, tau_ex) - 300.0 * kernel(s, tau_in)).margin(1e-10));
    CHECK(ie[k] == Approx(500.0 * std::exp(-s / tau_ex)).epsilon(1e-12));
    CHECK(ii[k] == Approx(-300.0 * std::exp(-s / tau_in)).epsilon(1e-12));
  }
}

TEST_CASE("grid: a scaled receiver reads and sets as its value over rescalings", "[grid]") {
  // The receivers' columns hold x / D (neurons/grid_population.hpp "Scaled receivers"): a state
  // variable and a sample read x = column * D, a set writes x exactly (the column is rescaled
  // to D = 1 first), and steps keep D above kRescaleBelow with x to rounding.
  using Pop = GridPopulation<LifExpGrid>;
  LifExpParameters p;
  p.tau_syn_ex_ms = 0.5;  // decay e^-0.2 per step: rescaled every 104 steps
  Pop::Columns columns;
  for (auto& column : columns) column.assign(3, 0.0);
  columns[LifExpGridModel::kIEx] = {300.0, -0.0, 1e-300};
  columns[LifExpGridModel::kV] = {-70.0, -70.0, -70.0};
  Pop pop("cells", 0, p, 0.1, columns);
  CHECK(std::signbit(pop.state_variable(LifExpGridModel::kIEx, 1)) == false);  // -0.0 held as +0.0
  EventQueue queue;
  EventContext ctx(queue);
  pop.start(ctx);
  for (int step = 1; step <= 250; ++step) {
    pop.on_own_event(queue.pop(), ctx);
    const double expected = 300.0 * std::exp(-0.2 * step);
    REQUIRE(pop.state_variable(LifExpGridModel::kIEx, 0) == Approx(expected).epsilon(1e-13));
    double sampled = 0.0;
    const std::uint32_t neuron = 0;
    pop.sample(LifExpGridModel::kIEx, std::span(&neuron, 1), 0.0, &sampled);
    CHECK(sampled == pop.state_variable(LifExpGridModel::kIEx, 0));
  }
  // Rescaled at steps 104 and 208 (e^{-0.2 k} < 2^-30 from k = 104 on): D = e^{-0.2 * 42} now,
  // not e^{-50} as without rescaling.
  const auto saved_scale = [&](const std::string& name) {
    for (const auto& [field, bytes] : saved_state(pop))
      if (field == name) {
        double d = 0.0;
        std::memcpy(&d, bytes.data(), sizeof d);
        return d;
      }
    FAIL("no field " << name);
    return 0.0;
  };
  CHECK(saved_scale("receiver_scale_ex") == Approx(std::exp(-0.2 * 42)).epsilon(1e-12));
  CHECK(saved_scale("receiver_scale_in") == Approx(std::exp(-0.1 / 2.0 * 250)).epsilon(1e-12));  // tau 2 ms: not yet
  pop.set_state_variable(LifExpGridModel::kIEx, 2, 12.25);
  CHECK(saved_scale("receiver_scale_ex") == 1.0);
  CHECK(saved_scale("receiver_scale_in") == 1.0);
  CHECK(pop.state_variable(LifExpGridModel::kIEx, 2) == 12.25);
  CHECK(pop.state_variable(LifExpGridModel::kIEx, 0) == Approx(300.0 * std::exp(-0.2 * 250)).epsilon(1e-13));
}

TEST_CASE("grid: running in pieces equals one run, bit for bit", "[grid]") {
  for (const std::string model : {"lif", "hh"}) {
    const std::string text = ei_network(model, "ON_GRID", 300.0, 3);
    Simulator pieces(build_text(text));
    for (double t : {33.33, 100.0, 150.05, 300.0}) pieces.run_until(t);
    const Simulator whole = run_text(text, 300.0);
    const auto a = sorted_spikes(pieces), b = sorted_spikes(whole);
    REQUIRE(a.size() > 100);
    REQUIRE(a.size() == b.size());
    bool same = true;
    for (std::size_t i = 0; i < a.size(); ++i)
      same = same && a[i].t_ms == b[i].t_ms && a[i].neuron == b[i].neuron && a[i].population == b[i].population;
    CHECK(same);
  }
}

TEST_CASE("grid: mean rates of a driven E/I network agree with the exact mode, closer as dt shrinks", "[grid]") {
  // 1000 neurons driven by 200 Poisson trains, recurrent COBA weights, 1 s, three seeds. The
  // grid schemes are first order and delay every input to the next step boundary (dt/2 later
  // on average), the exact mode is second order with exact input times. Measured (mean of
  // seeds 1-3, with the first, 0.01 mV gate table): lif_cond_exp exact 48.8 Hz, grid 48.9 Hz;
  // hh_traub_miles exact 82.1 Hz, grid 75.5 Hz at dt 0.1 ms, 79.1 (0.05) and 80.8 Hz (0.025):
  // HH at 80 Hz is sensitive to dt. Tolerances: lif 3 %; hh 12 % at dt 0.1 ms, 4 % at 0.025 ms,
  // and the grid rate must come closer to the exact one as dt shrinks.
  const auto mean_over_seeds = [](const std::string& model, const std::string& timing, double dt_ms) {
    double sum = 0.0;
    for (std::uint64_t seed : {1, 2, 3})
      sum += mean_rate_Hz(run_text(ei_network(model, timing, 1000.0, seed, dt_ms), 1000.0), 1000.0, 1000.0);
    return sum / 3.0;
  };
  const double lif_exact = mean_over_seeds("lif", "EXACT", 0.1), lif_grid = mean_over_seeds("lif", "ON_GRID", 0.1);
  INFO("lif_cond_exp: exact " << lif_exact << " Hz, grid " << lif_grid << " Hz");
  CHECK(lif_exact > 20.0);
  CHECK(lif_grid == Approx(lif_exact).epsilon(0.03));
  const double hh_exact = mean_over_seeds("hh", "EXACT", 0.1), hh_grid = mean_over_seeds("hh", "ON_GRID", 0.1);
  const double hh_grid_fine = mean_over_seeds("hh", "ON_GRID", 0.025);
  INFO("hh_traub_miles: exact " << hh_exact << " Hz, grid " << hh_grid << " Hz, grid at dt 0.025 ms " << hh_grid_fine
                                << " Hz");
  CHECK(hh_exact > 20.0);
  CHECK(hh_grid == Approx(hh_exact).epsilon(0.12));
  CHECK(hh_grid_fine == Approx(hh_exact).epsilon(0.04));
  CHECK(std::abs(hh_grid_fine - hh_exact) < std::abs(hh_grid - hh_exact));
}

TEST_CASE("grid: validation of input_timing", "[grid]") {
  CHECK_NOTHROW(build_text("format_version: 1 populations { name: 'a' size: 2 lif_cond_exp {} input_timing: EXACT }"));
  CHECK_NOTHROW(build_text("format_version: 1 populations { name: 'a' size: 2 hh_1952 {} input_timing: ON_GRID }"));
  CHECK_THROWS_WITH(build_text("format_version: 1 populations { name: 'a' size: 2 adex {} input_timing: ON_GRID }"),
                    Catch::Contains("populations[0].input_timing") && Catch::Contains("not available for adex") &&
                        Catch::Contains("lif_exp, lif_cond_exp, hh_1952, hh_traub_miles"));
  CHECK_THROWS_WITH(build_text("format_version: 1 populations { name: 'a' size: 2 lif_delta {} input_timing: ON_GRID }"),
                    Catch::Contains("populations[0].input_timing") && Catch::Contains("event by event"));
  // lif_exp: event-driven when exact (no dt_ms), clocked on dt_ms in grid mode.
  CHECK_NOTHROW(build_text("format_version: 1 populations { name: 'a' size: 2 lif_exp {} input_timing: ON_GRID "
                           "dt_ms: 0.2 }"));
  CHECK_THROWS_WITH(build_text("format_version: 1 populations { name: 'a' size: 2 lif_exp {} input_timing: EXACT "
                               "dt_ms: 0.2 }"),
                    Catch::Contains("populations[0].dt_ms") && Catch::Contains("and to input_timing: ON_GRID"));
  CHECK_THROWS_WITH(build_text("format_version: 1 populations { name: 'a' size: 2 dt_ms: 0.2 input_timing: ON_GRID "
                               "lif_exp {} } projections { name: 'p' pre: 'a' post: 'a' all_to_all {} "
                               "weight_pA { constant: 1 } delay_ms { constant: 0.1 } }"),
                    Catch::Contains("projections[0].delay_ms.constant") && Catch::Contains("dt_ms 0.2"));
  CHECK_THROWS_WITH(build_text("format_version: 1 populations { name: 'a' size: 2 lif_cond_exp {} "
                               "input_timing: INPUT_TIMING_UNSPECIFIED }"),
                    Catch::Contains("populations[0].input_timing") && Catch::Contains("must be EXACT or ON_GRID"));
  // The causality rule holds in grid mode too: delays leaving it are >= dt.
  CHECK_THROWS_WITH(build_text("format_version: 1 populations { name: 'a' size: 2 dt_ms: 0.2 input_timing: ON_GRID "
                               "lif_cond_exp {} } projections { name: 'p' pre: 'a' post: 'a' all_to_all {} "
                               "weight_nS { constant: 1 } delay_ms { constant: 0.1 } }"),
                    Catch::Contains("projections[0].delay_ms.constant") && Catch::Contains("dt_ms 0.2"));
}

namespace {

// A kernel's view of one step for a model of three columns (V and two synaptic variables).
GridStep<3> three_column_step(std::vector<double>& v, std::vector<double>& x1, std::vector<double>& x2,
                              const std::vector<double>& v_old, std::vector<double>& acc_ex,
                              std::vector<double>& acc_in, double threshold_mV) {
  static_assert(LifExpGridModel::kVariables == 3 && LifCondExpModel::kVariables == 3);
  GridStep<3> s;
  s.y = {v.data(), x1.data(), x2.data()};
  s.v_old_mV = v_old.data();
  s.acc_ex = acc_ex.data();
  s.acc_in = acc_in.data();
  s.threshold_mV = threshold_mV;
  return s;
}

}  // namespace

TEST_CASE("grid kernels: the clone chosen at load time (AVX-512, AVX2 or SSE2) gives the scalar IEEE results bit for bit",
          "[grid]") {
  // The kernels are compiled for several instruction sets (neurons/target_clones.hpp) and run
  // here in whichever the CPU offers; the reference is the same arithmetic written out in this
  // file's scalar code (baseline x86-64, no FMA contraction). Any contraction or reordering in
  // a clone shows as a difference in the last bits.
  constexpr std::size_t n = 1031;  // not a multiple of any vector width: the remainder loop too
  RandomStream rng(7, "clone_test");
  const auto column = [&](double lo, double hi) {
    std::vector<double> c(n);
    for (double& x : c) x = rng.uniform(lo, hi);
    return c;
  };
  const auto same_bits = [](const std::vector<double>& a, const std::vector<double>& b) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) return false;
    return a.size() == b.size();
  };
  const std::vector<double> v_old = column(-80, -40), x1 = column(0, 300), x2 = column(-300, 0), a1 = column(0, 50),
                            a2 = column(0, 50), inj = column(-100, 100);
  // Receiver scales of a step without rescaling and of one that rescales the inhibitory
  // column (keep = D_k, input scale 1), with values that round.
  ReceiverScales plain;
  plain.scale_ex = 0.3711;
  plain.scale_in = 0.0123;
  plain.input_scale_ex = 1.0 / (0.3711 * 0.98);
  plain.input_scale_in = 1.0 / (0.0123 * 0.99);
  ReceiverScales rescaling = plain;
  rescaling.keep_in = 0.0123 * 0.99;
  rescaling.input_scale_in = 1.0;
  // A kernel without inputs (the sparse path) on the receivers x1_0, x2_0: V as rv, receivers
  // and accumulators untouched. advance(GridStep) runs the kernel.
  const auto check_without_inputs = [&](const auto& advance, const std::vector<double>& x1_0,
                                        const std::vector<double>& x2_0, const std::vector<double>& rv,
                                        const double* i_inj, const ReceiverScales& r) {
    std::vector<double> v2(n), x1_2 = x1_0, x2_2 = x2_0, ae2 = a1, ai2 = a2;
    GridStep<3> s2 = three_column_step(v2, x1_2, x2_2, v_old, ae2, ai2, 1e9);
    s2.i_inj_pA = i_inj;
    s2.scales = r;
    CHECK(advance(s2) == 0);
    CHECK(same_bits(v2, rv));
    CHECK(same_bits(x1_2, x1_0));
    CHECK(same_bits(x2_2, x2_0));
    CHECK(same_bits(ae2, a1));
    CHECK(same_bits(ai2, a2));
  };
  for (const ReceiverScales& r : {plain, rescaling}) {
    INFO("keep_in " << r.keep_in);
    {
      LifExpParameters p;
      p.i_e_pA = 12.5;
      const LifExpGridConstants k = LifExpGrid::constants(p, 0.1);
      std::vector<double> v(n), ie = x1, ii = x2, ae = a1, ai = a2;
      GridStep<3> s = three_column_step(v, ie, ii, v_old, ae, ai, 1e9);
      s.i_inj_pA = inj.data();
      s.scales = r;
      CHECK(LifExpGrid::advance<true, true>(k, s, n) == 0);  // every V below 1e9 mV: no candidate block
      std::vector<double> rv(n), rie(n), rii(n);
      for (std::size_t i = 0; i < n; ++i) {
        double x = k.rest_mV + v_old[i] * k.decay_m + x1[i] * r.scale_ex * k.p_ex_mV_per_pA +
                   x2[i] * r.scale_in * k.p_in_mV_per_pA;
        x += k.inj_mV_per_pA * inj[i];
        rv[i] = x;
        rie[i] = x1[i] * r.keep_ex + a1[i] * r.input_scale_ex;
        rii[i] = x2[i] * r.keep_in - a2[i] * r.input_scale_in;
      }
      CHECK(same_bits(v, rv));
      CHECK(same_bits(ie, rie));
      CHECK(same_bits(ii, rii));
      CHECK(std::all_of(ae.begin(), ae.end(), [](double a) { return a == 0.0; }));
      CHECK(std::all_of(ai.begin(), ai.end(), [](double a) { return a == 0.0; }));
      check_without_inputs([&](const GridStep<3>& s2) { return LifExpGrid::advance<true, false>(k, s2, n); }, x1, x2,
                           rv, inj.data(), r);
    }
    {
      LifCondExpModel::Parameters p;
      const LifCondExpGridConstants k = LifCondExpGrid::constants(p, 0.1);
      const std::vector<double> ge0 = column(0, 100), gi0 = column(0, 300);
      std::vector<double> v(n), ge = ge0, gi = gi0, ae = a1, ai = a2;
      GridStep<3> s = three_column_step(v, ge, gi, v_old, ae, ai, 1e9);
      s.scales = r;
      CHECK(LifCondExpGrid::advance<false, true>(k, s, n) == 0);
      std::vector<double> rv(n), rge(n), rgi(n);
      for (std::size_t i = 0; i < n; ++i) {
        const double a_ex = k.dt_over_c_ms_per_pF * r.scale_ex, a_in = k.dt_over_c_ms_per_pF * r.scale_in;
        rv[i] = (k.rest_step_mV + v_old[i] * k.leak_keep) + (ge0[i] * a_ex) * (k.e_ex_mV - v_old[i]) +
                (gi0[i] * a_in) * (k.e_in_mV - v_old[i]);
        rge[i] = ge0[i] * r.keep_ex + a1[i] * r.input_scale_ex;
        rgi[i] = gi0[i] * r.keep_in + a2[i] * r.input_scale_in;
      }
      CHECK(same_bits(v, rv));
      CHECK(same_bits(ge, rge));
      CHECK(same_bits(gi, rgi));
      check_without_inputs([&](const GridStep<3>& s2) { return LifCondExpGrid::advance<false, false>(k, s2, n); },
                           ge0, gi0, rv, nullptr, r);
    }
  }
}

TEST_CASE("grid kernels report the test blocks that may hold a V at threshold (the fused pre-test)", "[grid]") {
  // One neuron of 1031 at or above threshold, in a vector body or the remainder of its block of
  // 64: each kernel's candidate mask must have that block's bit (hot / 64) and no other; none:
  // an empty mask. grid_reached_mask then finds exactly that neuron in its block. The
  // Hodgkin-Huxley kernel works in chunks of 256 (its masks shifted by chunk).
  constexpr std::size_t n = 1031;
  const auto check_kernel = [&](const char* kernel, std::size_t hot, const auto& advance, std::vector<double>& v,
                                double threshold_mV) {
    INFO(kernel << ", neuron above threshold: " << hot);
    const std::uint64_t expected = hot < n ? std::uint64_t{1} << (hot / kTestBlock) : 0;
    CHECK(advance(threshold_mV) == expected);
    if (hot >= n) return;
    const std::size_t first = hot / kTestBlock * kTestBlock;
    CHECK(grid_reached_mask(v.data() + first, std::min(kTestBlock, n - first), threshold_mV) ==
          std::uint64_t{1} << (hot - first));
    const double at = v[hot];  // exactly at threshold counts as reached
    CHECK(advance(at) == expected);
    CHECK(grid_reached_mask(v.data() + first, std::min(kTestBlock, n - first), at) == std::uint64_t{1} << (hot - first));
  };
  for (const std::size_t hot : {std::size_t{0}, std::size_t{63}, std::size_t{64}, std::size_t{300},
                                std::size_t{517}, std::size_t{1030}, std::size_t{9999}}) {
    {
      const LifExpGridConstants k = LifExpGrid::constants(LifExpParameters{}, 0.1);
      std::vector<double> v_old(n, -70.0), v(n), ie(n, 0.0), ii(n, 0.0), ae(n, 0.0), ai(n, 0.0);
      if (hot < n) v_old[hot] = -40.0;  // with decay_m < 1 it stays above -50 mV after one step
      check_kernel("lif_exp", hot, [&](double thr) {
        return LifExpGrid::advance<false, true>(k, three_column_step(v, ie, ii, v_old, ae, ai, thr), n);
      }, v, -50.0);
    }
    {
      const LifCondExpGridConstants k = LifCondExpGrid::constants(LifCondExpModel::Parameters{}, 0.1);
      std::vector<double> v_old(n, -70.0), v(n), ge(n, 0.0), gi(n, 0.0), ae(n, 0.0), ai(n, 0.0);
      if (hot < n) v_old[hot] = -40.0;  // one Euler step of dt/tau_m towards rest keeps it above -50 mV
      check_kernel("lif_cond_exp", hot, [&](double thr) {
        return LifCondExpGrid::advance<false, true>(k, three_column_step(v, ge, gi, v_old, ae, ai, thr), n);
      }, v, -50.0);
    }
    {
      using Kernel = HodgkinHuxleyGrid<HhTraubMilesKinetics>;
      const Kernel::Constants k = Kernel::constants(HhTraubMilesModel::Parameters{}, 0.1);
      std::vector<double> v_old(n, -65.0), v(n);
      if (hot < n) v_old[hot] = 40.0;  // the gates below pull it towards ~ -85 mV by ~4 mV in a step
      check_kernel("hh_traub_miles", hot, [&](double thr) {
        std::vector<double> m(n, 0.05), h(n, 0.6), nn(n, 0.3), ge(n, 0.0), gi(n, 0.0), ae(n, 0.0), ai(n, 0.0);
        GridStep<HhTraubMilesModel::kVariables> s;
        s.y = {v.data(), m.data(), h.data(), nn.data(), ge.data(), gi.data()};
        s.v_old_mV = v_old.data();
        s.acc_ex = ae.data();
        s.acc_in = ai.data();
        s.threshold_mV = thr;
        return Kernel::advance<false, true>(k, s, n);
      }, v, -20.0);
    }
  }
}

TEST_CASE("grid: a uniform-weight group adds exactly what its expanded synapses add, in a slice too", "[grid]") {
  // deliver_uniform (one column, one weight) against deliver of the same run expanded to
  // {target, weight} synapses: the accumulators, checkpointed as input_ex / input_in, must be
  // equal bit for bit, for excitatory and inhibitory weights, with repeated targets, on the
  // whole population and on a slice [512, 1100) that speaks the whole population's numbers.
  constexpr std::uint32_t n = 1100;
  LifCondExpModel::Parameters p;
  GridPopulation<LifCondExpGrid>::Columns columns;
  for (auto& column : columns) column.assign(n, 0.0);
  const auto make = [&] { return std::make_unique<GridPopulation<LifCondExpGrid>>("cells", 0, p, 0.1, columns); };
  auto by_synapse = make(), by_group = make();
  auto slice_by_synapse = by_synapse->make_slice(512, n), slice_by_group = by_group->make_slice(512, n);
  EventQueue queue;
  EventContext ctx(queue);
  RandomStream rng(11, "uniform_group_test");
  for (int run = 0; run < 40; ++run) {
    const float w = static_cast<float>(rng.uniform(-70.0, 30.0));
    const bool in_slice = run % 2 == 1;
    std::vector<std::uint32_t> targets(1 + static_cast<std::size_t>(rng.uniform(0.0, 60.0)));
    for (std::uint32_t& t : targets) t = static_cast<std::uint32_t>(rng.uniform(in_slice ? 512.0 : 0.0, n - 0.5));
    std::vector<StaticSynapse> expanded;
    for (std::uint32_t t : targets) expanded.push_back({t, w});
    (in_slice ? *slice_by_synapse : *by_synapse).deliver(1.0, expanded, ctx);
    (in_slice ? *slice_by_group : *by_group).deliver_uniform(1.0, targets, w, ctx);
  }
  // The accumulator columns as saved by checkpoint (raw bytes: equality is bit for bit).
  const auto inputs = [](NeuronPopulation& pop) {
    StateArchive ar;
    pop.checkpoint(ar);
    std::vector<std::string> columns;
    for (const ArchivedField& f : ar.fields())
      if (f.name == "input_ex" || f.name == "input_in") columns.push_back(f.bytes);
    REQUIRE(columns.size() == 2);
    return columns;
  };
  const auto nonzero = [](const std::string& bytes) {
    return bytes.find_first_not_of('\0') != std::string::npos;
  };
  const std::vector<std::string> whole = inputs(*by_group), slice = inputs(*slice_by_group);
  CHECK(nonzero(whole[0]));
  CHECK(nonzero(whole[1]));
  CHECK(nonzero(slice[0]));
  CHECK(nonzero(slice[1]));
  CHECK(inputs(*by_synapse) == whole);
  CHECK(inputs(*slice_by_synapse) == slice);
}

namespace {

// A checkpoint round trip: the population restores its own state. Its next step then adds
// every neuron's accumulators in the kernel (noted targets are not part of the state).
void save_and_restore(NeuronPopulation& pop) {
  StateArchive saved;
  pop.checkpoint(saved);
  StateArchive restore(saved.take_fields(), "test");
  pop.checkpoint(restore);
  restore.expect_all_consumed();
}

// Steps a population that its own queue holds the Step event of; returns the spikes emitted.
std::vector<EmittedSpike> step_once(NeuronPopulation& pop, EventQueue& queue, EventContext& ctx) {
  REQUIRE(!queue.empty());
  const Event e = queue.pop();
  ctx.emitted().clear();
  pop.on_own_event(e, ctx);
  return ctx.emitted();
}

}  // namespace

TEST_CASE("grid: sparse inputs (noted targets, added after the kernel) equal the kernel's inputs bit for bit",
          "[grid]") {
  // Two copies of a lif_exp population (some neurons spiking and held) receive the same inputs
  // each step: a few (the sparse path: targets noted, the kernel without inputs, then receive()
  // per noted neuron) or more than size / kSparseInputShare (the kernel adds every neuron's).
  // The reference copy is saved and restored before each step, which makes its kernel add
  // every neuron's inputs. After every step the whole saved states, accumulators included, and
  // the spikes must be equal bit for bit; likewise for two slices [512, 1100), whose inputs
  // name the whole population's neurons. Inputs: excitatory and inhibitory weights, +0.0 and
  // -0.0 weights, repeated targets, {target, weight} runs and uniform-weight groups; short
  // synaptic time constants, so that steps rescale the receivers (kernel and sparse path).
  // Midway the sparse copy of the whole population continues in a new object restored from
  // its checkpoint, and the later rescalings happen there.
  using Pop = GridPopulation<LifExpGrid>;
  constexpr std::uint32_t n = 1100;
  LifExpParameters p;
  p.v_th_mV = -55.0;
  p.t_ref_ms = 0.3;  // 3 steps held
  p.tau_syn_ex_ms = 0.5;  // receiver scales rescaled every 104 (I_ex) and 52 (I_in) steps
  p.tau_syn_in_ms = 0.25;
  RandomStream init(3, "sparse_inputs_init");
  Pop::Columns columns;
  for (auto& column : columns) column.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    columns[LifExpGridModel::kV][i] = init.uniform(-70.0, -54.0);
    columns[LifExpGridModel::kIEx][i] = init.uniform(0.0, 400.0);
    columns[LifExpGridModel::kIIn][i] = init.uniform(-300.0, 0.0);
  }
  const Pop whole("cells", 0, p, 0.1, columns);
  for (const bool sliced : {false, true}) {
    INFO((sliced ? "slices [512, 1100)" : "whole populations"));
    const std::uint32_t lo = sliced ? 512 : 0;
    std::unique_ptr<NeuronPopulation> sparse = whole.make_slice(lo, n), reference = whole.make_slice(lo, n);
    EventQueue q_sparse, q_reference;
    EventContext c_sparse(q_sparse), c_reference(q_reference);
    sparse->start(c_sparse);
    reference->start(c_reference);
    RandomStream rng(5, "sparse_inputs");
    std::size_t spikes = 0, sparse_steps = 0;
    const std::size_t limit = (n - lo) / Pop::kSparseInputShare;
    for (int step = 1; step <= 150; ++step) {
      const bool many = step % 7 == 0;
      const std::size_t count = many ? limit + 40 : static_cast<std::size_t>(rng.uniform(0.0, 0.8 * limit));
      sparse_steps += many ? 0 : 1;
      std::size_t given = 0;
      while (given < count) {
        const std::size_t run = std::min<std::size_t>(count - given, 1 + static_cast<std::size_t>(rng.uniform(0.0, 20.0)));
        given += run;
        const double draw = rng.uniform(0.0, 1.0);
        const float w = draw < 0.05 ? 0.0f : draw < 0.1 ? -0.0f : static_cast<float>(rng.uniform(-60.0, 40.0));
        std::vector<std::uint32_t> targets(run);
        for (std::uint32_t& t : targets) t = static_cast<std::uint32_t>(rng.uniform(lo, n - 0.5));
        if (run > 2) targets[run - 1] = targets[0];  // a repeated target
        if (rng.uniform(0.0, 1.0) < 0.5) {
          sparse->deliver_uniform(step * 0.1 - 0.05, targets, w, c_sparse);
          reference->deliver_uniform(step * 0.1 - 0.05, targets, w, c_reference);
        } else {
          std::vector<StaticSynapse> synapses;
          for (std::uint32_t t : targets) synapses.push_back({t, static_cast<float>(rng.uniform(-60.0, 40.0))});
          sparse->deliver(step * 0.1 - 0.05, synapses, c_sparse);
          reference->deliver(step * 0.1 - 0.05, synapses, c_reference);
        }
      }
      save_and_restore(*reference);
      if (!sliced && step == 75) {
        // Resume in another object (initial columns of other values) from the sparse copy's
        // checkpoint, between the rescalings at steps 52 and 104: whatever the checkpoint does
        // not carry would show from here on (restoring an object into itself hides it).
        StateArchive saved;
        sparse->checkpoint(saved);
        Pop::Columns other = columns;
        for (auto& column : other)
          for (double& x : column) x = 0.5 * x + 1.0;
        auto resumed = std::make_unique<Pop>("cells", 0, p, 0.1, other);
        StateArchive restore(saved.take_fields(), "test");
        resumed->checkpoint(restore);
        restore.expect_all_consumed();
        sparse = std::move(resumed);  // its next Step event is the one in q_sparse
      }
      const std::vector<EmittedSpike> a = step_once(*sparse, q_sparse, c_sparse);
      const std::vector<EmittedSpike> b = step_once(*reference, q_reference, c_reference);
      INFO("step " << step);
      REQUIRE(a.size() == b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].neuron == b[i].neuron);
        CHECK(a[i].t_ms == b[i].t_ms);
      }
      spikes += a.size();
      REQUIRE(saved_state(*sparse) == saved_state(*reference));
    }
    CHECK(spikes > 20);  // resets and held neurons took part
    CHECK(sparse_steps > 100);
  }
}
