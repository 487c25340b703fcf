// Trace STDP (learning/stdp_rule.hpp, synapses/stdp_projection.hpp) inside the engine,
// against references that do not use traces: the pair window in closed form, and a direct
// enumeration of every spike pair (and triplet) of random spike trains.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <sstream>

#include "test_support.hpp"

using namespace ionspike;

namespace {

std::string train(const std::vector<double>& times) { return test::spike_train_text(times); }

// Pair k: presynaptic spike trains pre[k] through an STDP synapse of delay `delay_ms` onto
// post neuron k, which fires when its teacher makes it (100 mV jump, 0.1 ms after the
// teacher's spike). The STDP weights (mV, at most 1e-3) are too small to make it fire.
std::string pairs_network(const std::vector<std::vector<double>>& pre, const std::vector<std::vector<double>>& teacher,
                          double delay_ms, const std::string& stdp, const std::string& post_model =
                              "lif_delta { tau_m_ms: 10 e_l_mV: -70 v_th_mV: -55 v_reset_mV: -70 t_ref_ms: 0.5 }",
                          const std::string& weight = "weight_mV { constant: 0.0005 }",
                          const std::string& teach_weight = "weight_mV { constant: 100 }") {
  std::ostringstream pre_trains, teacher_trains;
  for (const auto& t : pre) pre_trains << train(t);
  for (const auto& t : teacher) teacher_trains << train(t);
  std::ostringstream s;
  s << "format_version: 1\n"
    << "simulation { min_delay_ms: 0.1 }\n"
    << "populations { name: 'pre' size: " << pre.size() << " spike_source_array { " << pre_trains.str() << "} }\n"
    << "populations { name: 'teacher' size: " << teacher.size() << " spike_source_array { " << teacher_trains.str()
    << "} }\n"
    << "populations { name: 'post' size: " << pre.size() << " " << post_model << " }\n"
    << "projections { name: 'teach' pre: 'teacher' post: 'post' one_to_one {} " << teach_weight << " }\n"
    << "projections { name: 'syn' pre: 'pre' post: 'post' one_to_one {} delay_ms { constant: " << test::num(delay_ms)
    << " } " << weight << "\n  stdp { " << stdp << " } }\n"
    << "spike_recorders { name: 'spikes' }\n";
  return s.str();
}

double weight_of(const Simulator& sim, std::uint32_t post) {
  const StdpProjection& proj = sim.network().stdp_projections.at(0);
  for (std::uint64_t k = 0; k < proj.synapse_count(); ++k)
    if (proj.synapses()[k].post == post) return proj.weight(k);
  FAIL("no synapse onto " << post);
  return 0.0;
}

}  // namespace

TEST_CASE("Pair STDP through the engine: one pairing gives the exponential window", "[stdp][engine]") {
  const std::vector<double> dts = {-80, -40, -20, -10, -5, -1, 1, 5, 10, 20, 40, 80};
  const double delay = 1.5, w0 = 0.0005, w_max = 0.001;
  std::vector<std::vector<double>> pre, teacher;
  for (double dt : dts) {  // arrival at 301.5, post spike at 301.5 + dt
    pre.push_back({300.0});
    teacher.push_back({300.0 + delay + dt - 0.1});
  }
  for (const char* dependence : {"ADDITIVE", "MULTIPLICATIVE"}) {
    const std::string rule = std::string("tau_plus_ms: 16.8 tau_minus_ms: 33.7 a2_plus: 0.01 a2_minus: 0.02 ") +
                             "w_max_mV: 0.001 weight_dependence: " + dependence;
    const Simulator sim = test::run_text(pairs_network(pre, teacher, delay, rule), 600.0);
    for (std::size_t k = 0; k < dts.size(); ++k) {
      REQUIRE(test::spike_times(sim, sim.network().population_id("post"), k).size() == 1);
      const double dt = test::spike_times(sim, sim.network().population_id("post"), k)[0] - (300.0 + delay);
      REQUIRE(dt == Approx(dts[k]).margin(1e-9));
      const bool additive = std::string(dependence) == "ADDITIVE";
      const double expected = dt > 0 ? w0 + 0.01 * (additive ? w_max : w_max - w0) * std::exp(-dt / 16.8)
                                      : w0 - 0.02 * (additive ? w_max : w0) * std::exp(dt / 33.7);
      INFO(dependence << " dt " << dt);
      CHECK(weight_of(sim, static_cast<std::uint32_t>(k)) == Approx(expected).margin(1e-10));
    }
  }
}

TEST_CASE("STDP equals direct enumeration of all pairs, nearest pairs and triplets", "[stdp][engine]") {
  // Random trains: 30 neurons, pre arrivals and post spikes at distinct times (>= 3 ms apart
  // within a train, so the teacher always succeeds), over 1 s.
  std::mt19937_64 rng(42);
  const double delay = 2.0, w0 = 0.0005, w_max = 0.001;
  const auto random_train = [&](double rate_per_ms, double offset_ms) {
    std::vector<double> t;
    std::exponential_distribution<double> isi(rate_per_ms);
    for (double x = 5.0 + isi(rng);; x += 3.0 + isi(rng)) {
      if (x > 1000.0) break;
      t.push_back(std::round(x * 1e4) / 1e4 + offset_ms);  // distinct offsets: never coincident
    }
    return t;
  };
  std::vector<std::vector<double>> pre, teacher, arrivals, posts;
  for (int k = 0; k < 30; ++k) {
    pre.push_back(random_train(0.03, 0.00003));
    teacher.push_back(random_train(0.02, 0.00007));
    std::vector<double> a, p;
    for (double t : pre.back()) a.push_back(t + delay);
    for (double t : teacher.back()) p.push_back(t + 0.1);
    arrivals.push_back(a);
    posts.push_back(p);
  }
  struct Case {
    const char* name;
    std::string rule;
    bool nearest;
    double a3_plus, a3_minus;
  };
  const double tp = 16.8, tm = 33.7, tx = 101.0, ty = 125.0, a2p = 0.005, a2m = 0.0052;
  const std::string common = "tau_plus_ms: 16.8 tau_minus_ms: 33.7 a2_plus: 0.005 a2_minus: 0.0052 "
                             "tau_x_ms: 101 tau_y_ms: 125 w_max_mV: 0.001 ";
  for (const Case& c : {Case{"all-to-all pairs", common, false, 0.0, 0.0},
                        Case{"nearest pairs", common + "pairing: NEAREST", true, 0.0, 0.0},
                        Case{"all-to-all triplets", common + "a3_plus: 0.0062 a3_minus: 0.0003", false, 0.0062, 0.0003}}) {
    const Simulator sim = test::run_text(pairs_network(pre, teacher, delay, c.rule), 1100.0);
    for (std::uint32_t k = 0; k < pre.size(); ++k) {
      REQUIRE(test::spike_times(sim, sim.network().population_id("post"), k).size() == posts[k].size());
      // Enumeration. Potentiation at each post spike t: sum over earlier-or-equal arrivals
      // (nearest: the latest only), times (a2+ + a3+ * sum over earlier post spikes).
      double dw = 0.0;
      for (double t : posts[k]) {
        double r1 = 0.0, o2 = 0.0;
        for (double a : arrivals[k])
          if (a <= t) r1 = c.nearest ? std::exp(-(t - a) / tp) : r1 + std::exp(-(t - a) / tp);
        for (double q : posts[k])
          if (q < t) o2 += std::exp(-(t - q) / ty);
        dw += w_max * r1 * (a2p + c.a3_plus * o2);
      }
      for (double t : arrivals[k]) {
        double o1 = 0.0, r2 = 0.0;
        for (double q : posts[k])
          if (q < t) o1 = c.nearest ? std::exp(-(t - q) / tm) : o1 + std::exp(-(t - q) / tm);
        for (double a : arrivals[k])
          if (a < t) r2 += std::exp(-(t - a) / tx);
        dw -= w_max * o1 * (a2m + c.a3_minus * r2);
      }
      INFO(c.name << ", neuron " << k << ": " << arrivals[k].size() << " arrivals, " << posts[k].size() << " posts");
      REQUIRE(std::abs(w0 + dw - 0.0005) < 0.0005);  // never clipped, so the sum is exact
      CHECK(weight_of(sim, k) == Approx(w0 + dw).margin(2e-10));
    }
  }
}

TEST_CASE("Additive STDP clips at the bounds, inhibitory synapses keep their sign", "[stdp][engine]") {
  // Many causal pairings drive the weight to w_max and no further; acausal ones to w_min.
  std::vector<double> pre_t, post_t, pre_late;
  for (int i = 0; i < 40; ++i) {
    pre_t.push_back(10.0 + 20.0 * i);
    post_t.push_back(10.0 + 20.0 * i + 1.0 + 2.0 - 0.1);  // 2 ms after the arrival
    pre_late.push_back(10.0 + 20.0 * i + 6.0);            // arrives 5 ms after the post spike
  }
  const std::string rule = "a2_plus: 0.2 a2_minus: 0.2 w_min_mV: 0.0001 w_max_mV: 0.001";
  for (const char* receptor : {"EXCITATORY", "INHIBITORY"}) {
    const std::string weight = std::string("weight_mV { constant: 0.0005 } receptor: ") + receptor;
    const Simulator sim = test::run_text(
        pairs_network({pre_t, pre_late}, {post_t, post_t}, 1.0, rule,
                      "lif_delta { tau_m_ms: 10 e_l_mV: -70 v_th_mV: -55 v_reset_mV: -70 t_ref_ms: 0.5 }", weight),
        1000.0);
    const double sign = std::string(receptor) == "INHIBITORY" ? -1.0 : 1.0;
    CHECK(weight_of(sim, 0) == Approx(sign * 0.001).margin(1e-10));  // float storage
    CHECK(weight_of(sim, 1) == Approx(sign * 0.0001).margin(1e-10));
  }
}

TEST_CASE("STDP onto a time-driven target: the postsynaptic spike acts one step after its time", "[stdp][engine]") {
  const double delay = 1.0, dt_step = 0.1, w0 = 0.5, w_max = 1.0;
  const std::vector<double> dts = {-20, -3, 4, 15};
  std::vector<std::vector<double>> pre, teacher;
  for (double dt : dts) {
    pre.push_back({100.0});
    teacher.push_back({100.0 + delay + dt - 0.1});
  }
  const Simulator sim = test::run_text(
      pairs_network(pre, teacher, delay, "a2_plus: 0.01 a2_minus: 0.01 w_max_nS: 1",
                    "lif_cond_exp { t_ref_ms: 20 } dt_ms: 0.1", "weight_nS { constant: 0.5 }",
                    "weight_nS { constant: 40 }"),
      300.0);
  for (std::size_t k = 0; k < dts.size(); ++k) {
    const auto spikes = test::spike_times(sim, sim.network().population_id("post"), static_cast<std::uint32_t>(k));
    REQUIRE(spikes.size() == 1);
    const double acts = spikes[0] + dt_step - (100.0 + delay);  // post spike reaches the synapse
    const double expected = acts > 0 ? w0 + 0.01 * w_max * std::exp(-acts / 20.0) : w0 - 0.01 * w_max * std::exp(acts / 20.0);
    INFO("dt " << dts[k] << ", post spike at " << spikes[0]);
    CHECK(weight_of(sim, static_cast<std::uint32_t>(k)) == Approx(expected).margin(1e-7));
  }
}

TEST_CASE("set_weight keeps STDP weights within their bounds", "[stdp]") {
  Simulator sim = test::run_text(pairs_network({{10.0}}, {{12.0}}, 1.0, "w_max_mV: 0.001"), 50.0);
  StdpProjection& proj = sim.network().stdp_projections.at(0);
  CHECK_THROWS_WITH(proj.set_weight(0, 0.002), Catch::Contains("outside its bounds"));
  proj.set_weight(0, 0.0007);
  CHECK(proj.weight(0) == Approx(0.0007));
}
