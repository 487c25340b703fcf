// LIF with exponential current synapses (lif_exp) against an independent RK4 integration of
// its ODE (tiny fixed steps, threshold crossings located by bisection), and against the
// analytic period under constant current.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "engine/event_queue.hpp"
#include "neurons/lif_exp.hpp"
#include "test_support.hpp"

using namespace ionspike;
using test::num;

namespace {


bool close_rel(double a, double b, double rel, double abs = 0.0) {
  return std::abs(a - b) <= std::max(rel * std::max(std::abs(a), std::abs(b)), abs);
}

// Independent reference: the ODE of neurons/lif_exp.hpp integrated by classical RK4 in the
// deviation u = V - e_l (smaller numbers, less rounding):
//   du/dt = -u / tau_m + (I_ex + I_in + I_drive) / c_m,   dI_x/dt = -I_x / tau_syn_x.
// Refractoriness: u pinned at v_reset - e_l for t_ref while the currents keep decaying.
// Threshold crossings are located by bisection on one RK4 step from the step's start.
class Reference {
 public:
  struct Input {
    double t_ms;
    double weight_pA;  // > 0 excitatory, < 0 inhibitory; 0 with drive_change for current steps
    double drive_change_pA = 0.0;
  };

  Reference(const LifExpParameters& p, double dt_ms = 1e-4) : p_(p), dt_(dt_ms) {
    y_ = {0.0, 0.0, 0.0};
    drive_ = p.i_e_pA;
  }
  void set_v(double v_mV) { y_[0] = v_mV - p_.e_l_mV; }

  using Y = std::array<double, 3>;

  Y rk4(const Y& y, double h) const {
    auto f = [&](const Y& s) {
      return Y{-s[0] / p_.tau_m_ms + (s[1] + s[2] + drive_) / p_.c_m_pF, -s[1] / p_.tau_syn_ex_ms,
               -s[2] / p_.tau_syn_in_ms};
    };
    auto add = [](const Y& a, const Y& b, double c) { return Y{a[0] + c * b[0], a[1] + c * b[1], a[2] + c * b[2]}; };
    const Y k1 = f(y);
    const Y k2 = f(add(y, k1, h / 2));
    const Y k3 = f(add(y, k2, h / 2));
    const Y k4 = f(add(y, k3, h));
    return Y{y[0] + h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]),
             y[1] + h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]),
             y[2] + h / 6 * (k1[2] + 2 * k2[2] + 2 * k3[2] + k4[2])};
  }
  // Currents only (refractory).
  Y rk4_currents(const Y& y, double h) const {
    Y z = rk4(Y{0.0, y[1], y[2]}, h);
    return Y{y[0], z[1], z[2]};
  }

  // Advances to t_ms (>= now), firing on the way; returns nothing, spikes are collected.
  void run_to(double t_ms) {
    const double theta = p_.v_th_mV - p_.e_l_mV;
    while (t_ < t_ms) {
      if (t_ < t_ref_end_) {  // refractory part
        const double end = std::min(t_ms, t_ref_end_);
        const long n = std::max(1L, static_cast<long>(std::ceil((end - t_) / dt_)));
        const double h = (end - t_) / static_cast<double>(n);
        for (long k = 0; k < n; ++k) y_ = rk4_currents(y_, h);
        y_[0] = p_.v_reset_mV - p_.e_l_mV;
        t_ = end;
        continue;
      }
      // Free part: n equal steps from t0 (step times computed, not accumulated).
      const double t0 = t_;
      const long n = std::max(1L, static_cast<long>(std::ceil((t_ms - t0) / dt_)));
      const double h = (t_ms - t0) / static_cast<double>(n);
      bool fired = false;
      for (long k = 0; k < n && !fired; ++k) {
        const Y next = rk4(y_, h);
        if (next[0] < theta) {
          y_ = next;
          continue;
        }
        // Bisection on the step: smallest s in (0, h] with u(s) >= theta.
        const double tk = t0 + static_cast<double>(k) * h;
        double lo = 0.0, hi = h;
        while (hi - lo > 1e-15 * std::max(1.0, tk)) {
          const double mid = 0.5 * (lo + hi);
          if (mid <= lo || mid >= hi) break;
          (rk4(y_, mid)[0] >= theta ? hi : lo) = mid;
        }
        const Y at = rk4(y_, hi);
        t_ = tk + hi;
        spikes_.push_back(t_);
        y_ = {p_.v_reset_mV - p_.e_l_mV, at[1], at[2]};
        t_ref_end_ = t_ + p_.t_ref_ms;
        fired = true;
      }
      if (!fired) t_ = t_ms;
    }
  }

  // Runs through the inputs (sorted by time) up to t_end_ms.
  void run(std::vector<Input> inputs, double t_end_ms) {
    std::stable_sort(inputs.begin(), inputs.end(), [](const Input& a, const Input& b) { return a.t_ms < b.t_ms; });
    for (const Input& in : inputs) {
      if (in.t_ms > t_end_ms) break;
      run_to(in.t_ms);
      apply(in);
    }
    run_to(t_end_ms);
  }
  void apply(const Input& in) {
    if (in.weight_pA > 0) y_[1] += in.weight_pA;
    if (in.weight_pA < 0) y_[2] += in.weight_pA;
    drive_ += in.drive_change_pA;
  }

  double v_mV() const { return y_[0] + p_.e_l_mV; }
  double i_ex() const { return y_[1]; }
  double i_in() const { return y_[2]; }
  double now() const { return t_; }
  const std::vector<double>& spikes() const { return spikes_; }

 private:
  LifExpParameters p_;
  double dt_;
  Y y_;
  double drive_;
  double t_ = 0.0;
  double t_ref_end_ = -1e300;
  std::vector<double> spikes_;
};

LifExpParameters params(double tau_m, double tau_ex, double tau_in, double t_ref = 2.0, double i_e = 0.0) {
  LifExpParameters p;
  p.tau_m_ms = tau_m;
  p.c_m_pF = 250.0;
  p.e_l_mV = -70.0;
  p.v_th_mV = -55.0;
  p.v_reset_mV = -70.0;
  p.t_ref_ms = t_ref;
  p.i_e_pA = i_e;
  p.tau_syn_ex_ms = tau_ex;
  p.tau_syn_in_ms = tau_in;
  return p;
}

std::string lif_exp_text(const LifExpParameters& p) {
  return "lif_exp { tau_m_ms: " + num(p.tau_m_ms) + " c_m_pF: " + num(p.c_m_pF) + " e_l_mV: " + num(p.e_l_mV) +
         " v_th_mV: " + num(p.v_th_mV) + " v_reset_mV: " + num(p.v_reset_mV) + " t_ref_ms: " + num(p.t_ref_ms) +
         " i_e_pA: " + num(p.i_e_pA) + " tau_syn_ex_ms: " + num(p.tau_syn_ex_ms) +
         " tau_syn_in_ms: " + num(p.tau_syn_in_ms) + " }";
}

// One lif_exp neuron "n" fed by a spike_source_array "src" (one neuron per listed spike time),
// from_list connections src[i] -> n[0] with weight w_i (pA) and delay 1 ms.
struct Drive {
  std::vector<double> times_ms;
  std::vector<double> weights_pA;
};
constexpr double kDelay = 1.0;

std::string network_text(const LifExpParameters& p, const Drive& d, const std::string& extra = "") {
  std::string text = "format_version: 1\nsimulation { min_delay_ms: 0.1 }\n"
                     "populations { name: 'n' size: 1 " + lif_exp_text(p) + " }\n"
                     "spike_recorders { name: 'spikes' populations: 'n' }\n" + extra;
  if (!d.times_ms.empty()) {
    text += "populations { name: 'src' size: " + std::to_string(d.times_ms.size()) + " spike_source_array {";
    for (double t : d.times_ms) text += " trains { times_ms: [" + num(t) + "] }";
    text += " } }\nprojections { name: 'in' pre: 'src' post: 'n' delay_ms { constant: " + num(kDelay) +
            "} from_list {";
    for (std::size_t i = 0; i < d.times_ms.size(); ++i)
      text += " connections { pre: " + std::to_string(i) + " post: 0 weight: " + num(d.weights_pA[i]) + " }";
    text += " } }\n";
  }
  return text;
}

// Reference inputs of a drive: arrivals at t + delay with the weight rounded to float.
std::vector<Reference::Input> reference_inputs(const Drive& d) {
  std::vector<Reference::Input> in;
  for (std::size_t i = 0; i < d.times_ms.size(); ++i)
    in.push_back({d.times_ms[i] + kDelay, static_cast<double>(static_cast<float>(d.weights_pA[i]))});
  return in;
}

std::vector<double> simulated_spikes(const LifExpParameters& p, const Drive& d, double t_stop) {
  Simulator sim = test::run_text(network_text(p, d), t_stop);
  return test::spike_times(sim, sim.network().population_id("n"), 0);
}

}  // namespace

TEST_CASE("lif_exp state_at matches an RK4 integration of the ODE", "[lif_exp]") {
  // Excitatory and inhibitory currents with different time constants (one close to tau_m,
  // where the closed form has its cancellation-prone regime), injected current steps.
  const LifExpParameters cases[] = {
      params(10.0, 2.0, 5.0, 2.0, 30.0),
      params(10.0, 9.98, 0.5, 2.0, 0.0),
      params(20.0, 3.0, 3.0, 2.0, -20.0),
      params(5.0, 40.0, 1.3, 2.0, 100.0),
  };
  for (const LifExpParameters& p : cases) {
    INFO("tau_m " << p.tau_m_ms << " tau_ex " << p.tau_syn_ex_ms << " tau_in " << p.tau_syn_in_ms);
    // Threshold far away: state_at is pure propagation, nothing may fire.
    LifExpParameters q = p;
    q.v_th_mV = 1e6;
    EventQueue queue;
    EventContext ctx(queue);
    LifExpPopulation pop("n", 0, q, {-62.5});
    pop.start(ctx);
    Reference ref(q);
    ref.set_v(-62.5);

    // Operations in time order: (t, excitatory/inhibitory weight, current change).
    const std::vector<Reference::Input> ops = {
        {0.7, 400.0}, {1.9, 0.0, 150.0}, {2.35, -700.0}, {2.35, 125.0}, {4.0, 0.0, -80.0},
        {6.125, -90.5}, {6.5, 33.0}, {11.0, 0.0, -70.0},
    };
    // Checks at arbitrary times, including right at and just after operations and long after.
    const std::vector<double> checks = {0.3,  0.7,  0.70001, 1.234567, 1.9, 2.0, 2.35, 2.3500001,
                                        3.14159, 5.5, 6.125, 6.3, 7.77, 11.0, 13.0, 25.0, 61.8};
    std::size_t next_op = 0;
    double v_at_777 = 0.0;
    for (double t : checks) {
      while (next_op < ops.size() && ops[next_op].t_ms <= t) {
        const auto& op = ops[next_op++];
        ref.run_to(op.t_ms);
        ref.apply(op);
        if (op.weight_pA != 0.0) {
          const StaticSynapse syn{0, static_cast<float>(op.weight_pA)};
          pop.deliver(op.t_ms, std::span<const StaticSynapse>(&syn, 1), ctx);
        }
        if (op.drive_change_pA != 0.0) pop.add_injected_current({}, op.drive_change_pA, op.t_ms, ctx);
      }
      ref.run_to(t);
      const auto s = pop.state_at(0, t);
      if (t == 7.77) v_at_777 = s.v_mV;
      INFO("t = " << t);
      CHECK(close_rel(s.v_mV, ref.v_mV(), 1e-9));
      CHECK(close_rel(s.i_ex_pA, ref.i_ex(), 1e-9, 1e-280));
      CHECK(close_rel(s.i_in_pA, ref.i_in(), 1e-9, 1e-280));
      // Sampling returns the same values as state_at.
      const std::uint32_t idx = 0;
      double out[3];
      for (std::size_t var = 0; var < 3; ++var) pop.sample(var, std::span<const std::uint32_t>(&idx, 1), t, &out[var]);
      CHECK(out[0] == s.v_mV);
      CHECK(out[1] == s.i_ex_pA);
      CHECK(out[2] == s.i_in_pA);
    }
    // The test is sharp: at 7.77 ms the synaptic currents still hold V well away from the
    // V_inf of the injected currents alone (i_e + 150 - 80 pA).
    CHECK(std::abs(v_at_777 - (-70.0 + q.tau_m_ms / q.c_m_pF * (q.i_e_pA + 70.0))) > 0.5);
  }
}

TEST_CASE("lif_exp threshold crossings under synaptic input match a fine-step reference", "[lif_exp]") {
  struct Case {
    const char* name;
    LifExpParameters p;
    Drive drive;
  };
  std::vector<Case> cases = {
      {"several inputs, repeated firing", params(10.0, 2.0, 5.0, 2.0),
       {{0.5, 1.0, 1.3, 2.0, 6.0, 9.0, 9.2, 9.4, 15.0}, {1200.0, 900.0, -400.0, 1500.0, 2500.0, 800.0, 800.0, -300.0, 3000.0}}},
      {"equal synaptic time constants", params(10.0, 3.0, 3.0, 1.0),
       {{1.0, 2.5, 3.0, 4.0, 9.0, 9.5}, {1100.0, 1300.0, -900.0, 1800.0, 1500.0, 1500.0}}},
      {"fast inhibition, slow excitation", params(20.0, 8.0, 0.7, 3.0, 50.0),
       {{0.2, 0.9, 1.1, 5.0, 5.05}, {600.0, 700.0, -2000.0, 800.0, -100.0}}},
      {"synapses slower than the membrane", params(5.0, 12.0, 30.0, 1.5),
       {{0.5, 2.0, 2.2, 8.0, 15.0}, {600.0, 500.0, -200.0, 1200.0, 900.0}}},
  };

  // Peak just above / just below threshold: three excitatory inputs scaled by lambda; the
  // critical scale (peak exactly at threshold) from the analytic sum of PSP kernels.
  const LifExpParameters pk = params(10.0, 2.0, 6.0, 2.0);
  const std::vector<double> t_in = {1.0, 1.8, 2.2};
  const std::vector<double> base = {1.0, 0.6, 0.8};
  auto kernel = [&](double s) {  // PSP of 1 pA (mV) at s >= 0 after arrival
    if (s <= 0) return 0.0;
    const double a = 1.0 / pk.tau_m_ms, b = 1.0 / pk.tau_syn_ex_ms;
    return (std::exp(-b * s) - std::exp(-a * s)) / (pk.c_m_pF * (a - b));
  };
  auto psp = [&](double t) {
    double v = 0;
    for (std::size_t i = 0; i < t_in.size(); ++i) v += base[i] * kernel(t - (t_in[i] + kDelay));
    return v;
  };
  double best_t = 0, best = -1;
  for (double t = 2.0; t < 20.0; t += 1e-3)
    if (psp(t) > best) best = psp(t), best_t = t;
  {  // golden-section polish of the maximum
    double lo = best_t - 1e-3, hi = best_t + 1e-3;
    while (hi - lo > 1e-12) {
      const double m1 = lo + 0.381966 * (hi - lo), m2 = hi - 0.381966 * (hi - lo);
      if (psp(m1) < psp(m2))
        lo = m1;
      else
        hi = m2;
    }
    best_t = 0.5 * (lo + hi);
  }
  const double lambda_crit = (pk.v_th_mV - pk.e_l_mV) / psp(best_t);
  auto scaled = [&](double f) {
    Drive d{t_in, {}};
    for (double b : base) d.weights_pA.push_back(b * lambda_crit * f);
    return d;
  };
  cases.push_back({"peak 1e-6 relative above threshold", pk, scaled(1.0 + 1e-6)});
  cases.push_back({"peak 1e-4 relative above threshold", pk, scaled(1.0 + 1e-4)});
  cases.push_back({"near miss, peak 1e-6 relative below threshold", pk, scaled(1.0 - 1e-6)});
  cases.push_back({"near miss, peak 1e-4 relative below threshold", pk, scaled(1.0 - 1e-4)});

  const double t_stop = 40.0;
  for (const Case& c : cases) {
    INFO(c.name);
    Reference ref(c.p);
    ref.run(reference_inputs(c.drive), t_stop);
    const auto got = simulated_spikes(c.p, c.drive, t_stop);
    const bool near_miss = std::string(c.name).rfind("near miss", 0) == 0;
    const bool just_above = std::string(c.name).rfind("peak", 0) == 0;
    if (near_miss) CHECK(ref.spikes().empty());
    if (just_above) CHECK(ref.spikes().size() == 1);
    if (!near_miss && !just_above) CHECK(ref.spikes().size() >= 2);
    REQUIRE(got.size() == ref.spikes().size());
    for (std::size_t k = 0; k < got.size(); ++k) {
      INFO("spike " << k << ": " << num(got[k]) << " vs reference " << num(ref.spikes()[k]));
      CHECK(std::abs(got[k] - ref.spikes()[k]) <= 1e-9);
    }
  }
}

TEST_CASE("lif_exp refractory period: V held at v_reset while the currents keep decaying", "[lif_exp]") {
  const LifExpParameters p = params(10.0, 2.0, 4.0, 5.0);
  // A strong input fires the neuron; more inputs arrive during the refractory period.
  const Drive d{{1.0, 3.0, 3.5}, {12000.0, 1500.0, -1000.0}};
  const std::string extra =
      "state_recorders { name: 'v' population: 'n' variable: 'v_mV' interval_ms: 0.03125 }\n"
      "state_recorders { name: 'ie' population: 'n' variable: 'i_syn_ex_pA' interval_ms: 0.03125 }\n"
      "state_recorders { name: 'ii' population: 'n' variable: 'i_syn_in_pA' interval_ms: 0.03125 }\n";
  Simulator sim = test::run_text(network_text(p, d, extra), 30.0);
  const auto spikes = test::spike_times(sim, sim.network().population_id("n"), 0);
  REQUIRE(!spikes.empty());
  const double t_spike = spikes[0];
  REQUIRE(t_spike > 2.0);
  REQUIRE(t_spike < 2.5);  // before the inputs at 4 and 4.5 ms, which arrive while refractory
  const double t_ref_end = t_spike + p.t_ref_ms;

  Reference ref(p);
  ref.run(reference_inputs(d), 0.0);
  const auto inputs = reference_inputs(d);
  const auto& v = sim.network().state_recorders.at(0);
  const auto& ie = sim.network().state_recorders.at(1);
  const auto& ii = sim.network().state_recorders.at(2);
  REQUIRE(v.sample_count() == 961);
  std::size_t in_refractory = 0;
  std::size_t next_input = 0;
  for (std::size_t k = 0; k < v.sample_count(); ++k) {
    const double t = v.times_ms()[k];
    REQUIRE(t == static_cast<double>(k) * 0.03125);
    // Exact currents: sum of decaying jumps (inputs during refractoriness are not lost).
    double i_ex = 0, i_in = 0;
    for (const auto& in : inputs) {
      if (in.t_ms > t) continue;
      (in.weight_pA > 0 ? i_ex : i_in) +=
          in.weight_pA * std::exp(-(t - in.t_ms) / (in.weight_pA > 0 ? p.tau_syn_ex_ms : p.tau_syn_in_ms));
    }
    INFO("t = " << t);
    CHECK(close_rel(ie.values()[k], i_ex, 1e-12, 1e-300));
    CHECK(close_rel(ii.values()[k], i_in, 1e-12, 1e-300));
    if (t >= t_spike && t <= t_ref_end) {
      ++in_refractory;
      CHECK(v.values()[k] == p.v_reset_mV);
    }
    while (next_input < inputs.size() && inputs[next_input].t_ms <= t) {
      ref.run_to(inputs[next_input].t_ms);
      ref.apply(inputs[next_input++]);
    }
    ref.run_to(t);
    CHECK(close_rel(v.values()[k], ref.v_mV(), 1e-9));
  }
  CHECK(in_refractory >= 159);
  // The currents that arrived during the refractory period drive V after it ends.
  CHECK(v.values()[static_cast<std::size_t>(std::ceil((t_ref_end + 1.0) / 0.03125))] > p.v_reset_mV + 1.0);
  REQUIRE(ref.spikes().size() == spikes.size());
  for (std::size_t k = 0; k < spikes.size(); ++k) CHECK(std::abs(spikes[k] - ref.spikes()[k]) <= 1e-9);
}

TEST_CASE("lif_exp under constant current fires with the analytic period", "[lif_exp]") {
  // Period = t_ref + tau ln(R I / (R I - theta)), theta = v_th - e_l, reset to e_l; spike k
  // (from 0) at (k+1) T - t_ref since the first crossing starts at e_l at t = 0.
  const double tau = 10.0, c_m = 250.0, R = tau / c_m, theta = 15.0;
  for (bool via_source : {false, true}) {
    for (double t_ref : {0.0, 2.0, 7.5}) {
      for (double i : {380.0, 1000.0, 5000.0}) {
        INFO("current " << i << " t_ref " << t_ref << (via_source ? " from a current source" : " as i_e"));
        LifExpParameters p = params(tau, 2.0, 5.0, t_ref, via_source ? 0.0 : i);
        const std::string extra =
            via_source ? "current_sources { name: 'dc' target: 'n' times_ms: [0] amplitudes_pA: [" + num(i) + "] }\n"
                       : "";
        Simulator sim = test::run_text(network_text(p, Drive{}, extra), 1000.0);
        const auto t = test::spike_times(sim, 0, 0);
        const double period = t_ref + tau * std::log(R * i / (R * i - theta));
        REQUIRE(t.size() == static_cast<std::size_t>(std::floor((1000.0 + t_ref) / period)));
        for (std::size_t k = 0; k < t.size(); ++k)
          REQUIRE(close_rel(t[k], (k + 1) * period - t_ref, 1e-9));
      }
    }
  }
  // Sub-rheobase current (R I < theta) never fires.
  Simulator sim = test::run_text(network_text(params(tau, 2.0, 5.0, 2.0, 374.0), Drive{}), 1000.0);
  CHECK(sim.counters().spikes == 0);
}

TEST_CASE("lif_exp stays exact over long silent intervals (tau_syn > tau_m)", "[lif_exp]") {
  // exp(-h / tau_m) underflows long before exp(-h / tau_syn) when tau_syn > tau_m; the
  // membrane must still relax to V_inf (plus the exact, tiny synaptic term), never NaN.
  for (const auto& [tau_m, tau_ex, tau_in] : {std::tuple{5.0, 40.0, 20.0}, std::tuple{10.0, 20.0, 2.0}, std::tuple{10.0, 2.0, 30.0}}) {
    INFO("tau_m " << tau_m << " tau_ex " << tau_ex << " tau_in " << tau_in);
    LifExpParameters p = params(tau_m, tau_ex, tau_in, 2.0, 100.0);
    EventQueue queue;
    EventContext ctx(queue);
    LifExpPopulation pop("n", 0, p, {-65.0});
    pop.start(ctx);
    const StaticSynapse syn[2] = {{0, 300.0f}, {0, -200.0f}};
    pop.deliver(1.0, syn, ctx);
    const double v_inf = p.e_l_mV + tau_m / p.c_m_pF * p.i_e_pA;
    for (double t : {50.0, 500.0, 3000.0, 3800.0, 5000.0, 20000.0, 1e5, 1e7}) {
      INFO("t = " << t);
      const double h = t - 1.0;
      // Independent closed form, each synaptic term written with its own exponentials.
      auto term = [&](double i0, double tau_s) {
        return i0 * (std::exp(-h / tau_s) - std::exp(-h / tau_m)) / (p.c_m_pF * (1 / tau_m - 1 / tau_s));
      };
      const double v0 = pop.state_at(0, 1.0).v_mV;
      const double expected = v_inf + (v0 - v_inf) * std::exp(-h / tau_m) + term(300.0, tau_ex) + term(-200.0, tau_in);
      const auto s = pop.state_at(0, t);
      REQUIRE(std::isfinite(s.v_mV));
      CHECK(close_rel(s.v_mV, expected, 1e-12));
      CHECK(close_rel(s.i_ex_pA, 300.0 * std::exp(-h / tau_ex), 1e-12, 1e-300));
      CHECK(close_rel(s.i_in_pA, -200.0 * std::exp(-h / tau_in), 1e-12, 1e-300));
    }
  }
  // In a run: a lone input after a long silence still fires the neuron.
  const LifExpParameters p = params(10.0, 20.0, 30.0, 2.0);
  const Drive d{{20000.0}, {3000.0}};
  Reference ref(p, 1e-2);  // coarser steps over the 20 s of silence; still exact to 1e-12
  ref.run(reference_inputs(d), 20100.0);
  REQUIRE(!ref.spikes().empty());
  const auto got = simulated_spikes(p, d, 20100.0);
  REQUIRE(got.size() == ref.spikes().size());
  for (std::size_t k = 0; k < got.size(); ++k) CHECK(std::abs(got[k] - ref.spikes()[k]) <= 1e-9);
}
