// Tests for EisDevice::advance (synapses/eis_device.hpp): the exact piecewise solution against
// the paper's slicing method, against the adaptive Dormand-Prince path, and the adaptive path
// against an independent classical RK4 at a tiny step; jumps, overlapping copies (bursts,
// triplets), hard and soft bounds, open-circuit voltage, energy units, argument checks.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "synapses/eis_device.hpp"
#include "synapses/eis_presets.hpp"
#include "synapses/eis_protocols.hpp"

using namespace ionspike;
using Pt = Waveform::Point;

namespace {

pb::EisDevice sinh_msg(double g_min, double g_max, double exponent) {
  pb::EisDevice m;
  m.set_name("sinh");
  auto* s = m.mutable_sinh();
  s->set_k_insert_ns_per_ms(0.02);
  s->set_v0_insert_v(0.5);
  s->set_k_extract_ns_per_ms(0.03);
  s->set_v0_extract_v(0.45);
  m.set_g_min_ns(g_min);
  m.set_g_max_ns(g_max);
  m.set_soft_bound_exponent(exponent);
  return m;
}

// A waveform with jumps at both ends and several slopes (ms, V).
Waveform jumpy() {
  return Waveform(std::vector<Pt>{{0.5, -6.0}, {2.0, -6.0}, {2.1, 4.5}, {10.0, 3.0}, {30.0, 1.0}, {60.0, 0.7}});
}
Waveform negated(const Waveform& w) {
  std::vector<Pt> p;
  for (const Pt& q : w.points()) p.push_back({q.t_ms, -q.v_V});
  return Waveform(p);
}

// Independent reference: classical RK4 at a fixed tiny step on dG/dt = rate(V_G(t), G), V_G
// from point evaluation of the copies (no breakpoint logic). Steps are aligned with the given
// breakpoints so that no step straddles a jump.
double rk4(const EisDevice& d, double g, std::vector<double> knots, std::span<const WaveformCopy> copies, double h) {
  std::sort(knots.begin(), knots.end());
  for (std::size_t i = 0; i + 1 < knots.size(); ++i) {
    const double a = knots[i], b = knots[i + 1];
    if (!(b > a)) continue;
    const int n = std::max(1, static_cast<int>(std::ceil((b - a) / h)));
    const double s = (b - a) / n;
    // Evaluate V_G strictly inside the piece: shrink the end points by a relative 1e-12.
    auto v = [&](double t) { return gate_voltage_V(copies, std::clamp(t, a + 1e-12 * (b - a), b - 1e-12 * (b - a))); };
    for (int k = 0; k < n; ++k) {
      const double t = a + k * s;
      const double k1 = d.rate_nS_per_ms(v(t), g);
      const double k2 = d.rate_nS_per_ms(v(t + s / 2), g + s / 2 * k1);
      const double k3 = d.rate_nS_per_ms(v(t + s / 2), g + s / 2 * k2);
      const double k4 = d.rate_nS_per_ms(v(t + s), g + s * k3);
      g += s / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
      g = std::clamp(g, d.g_min_nS(), d.g_max_nS());
    }
  }
  return g;
}

std::vector<double> knots_of(std::span<const WaveformCopy> copies, double t0, double t1) {
  std::vector<double> k{t0, t1};
  for (const auto& c : copies)
    for (const auto& p : c.shape->points())
      if (c.start_ms + p.t_ms > t0 && c.start_ms + p.t_ms < t1) k.push_back(c.start_ms + p.t_ms);
  return k;
}

double rel(double a, double b) { return std::fabs(a - b) / std::max(std::fabs(b), 1e-300); }

}  // namespace

TEST_CASE("exact path equals the analytic solution for a rectangular pulse", "[eis][integration]") {
  const EisDevice d(sinh_msg(0, 1e6, 0));
  const Waveform pulse = Waveform::rectangular(3.0, 2.0);
  const WaveformCopy c{&pulse, 1.0, 2.0, 0};  // V_G = 2 V on [1, 4]
  const double g = d.advance(500, 0.0, 10.0, std::span(&c, 1));
  CHECK(g - 500 == Approx(3.0 * 0.02 * std::sinh(4.0)).epsilon(1e-14));
  // Splitting the interval anywhere gives the same result.
  const double g1 = d.advance(500, 0.0, 2.345, std::span(&c, 1));
  CHECK(d.advance(g1, 2.345, 10.0, std::span(&c, 1)) == Approx(g).epsilon(1e-15));
}

TEST_CASE("exact path vs the paper's slicing and vs Dormand-Prince (all laws, all bounds)", "[eis][integration]") {
  const Waveform w = jumpy(), p = negated(w);
  // A triplet and a burst: pre at 0 and 7, post at 3 and a modulatory copy at 12; overlapping.
  const WaveformCopy copies[] = {{&w, 0.0, 1.0, +1}, {&p, 3.0, 1.0, -1}, {&w, 7.0, 0.8, +1}, {&p, 12.0, -0.5, 0}};
  const double t1 = 80.0;

  std::vector<pb::EisDevice> devices = {sinh_msg(0, 1e6, 0), sinh_msg(400, 520, 0), sinh_msg(0, 2000, 1),
                                        sinh_msg(0, 1500, 2.5), sinh_msg(0, 1500, 0.5), device_preset("protonic_wo3_ysz_14nm"),
                                        device_preset("li_licoo2_two_terminal")};
  pb::EisDevice bv;
  bv.set_name("bv");
  bv.mutable_butler_volmer()->set_j0_ns_per_ms(2e-3);
  bv.mutable_butler_volmer()->set_alpha(0.4);
  bv.mutable_butler_volmer()->set_temperature_k(3000);  // f = 3.9 /V: a gentle law for this test
  bv.set_g_min_ns(0);
  bv.set_g_max_ns(2000);
  bv.set_soft_bound_exponent(1);
  devices.push_back(bv);
  pb::EisDevice tab;
  tab.set_name("tab");
  for (auto [v, h] : {std::pair{-4.0, -3.0}, {-1.0, -0.01}, {1.0, 0.01}, {3.0, 1.0}, {5.0, 20.0}}) {
    tab.mutable_tabulated()->add_v_v(v);
    tab.mutable_tabulated()->add_rate_ns_per_ms(h);
  }
  tab.set_g_min_ns(0);
  tab.set_g_max_ns(2000);
  devices.push_back(tab);

  for (const auto& m : devices) {
    const EisDevice d(m);
    const double g0 = 500;
    const double exact = d.advance(g0, -1.0, t1, copies);
    const double adaptive = d.advance_adaptive(g0, -1.0, t1, copies);
    const double sliced = slice_integrate(d, g0, -1.0, t1, copies, 2e-5);
    INFO(m.name() << ": exact dG " << exact - g0 << ", adaptive dG " << adaptive - g0 << ", sliced dG " << sliced - g0);
    CHECK(std::fabs(exact - g0) > 1.0);  // the test moves G appreciably
    CHECK(rel(adaptive - g0, exact - g0) < 1e-8);
    CHECK(rel(sliced - g0, exact - g0) < 1e-6);
  }
}

TEST_CASE("insertion energy: the exact path's closed form by parts equals Dormand-Prince (all laws, all bounds)",
          "[eis][integration][energy]") {
  // Exact path: |V_b dG - V' int dG dt| per piece with Gauss-Kronrod on the closed-form G(t);
  // adaptive path: Dormand-Prince on (G, energy) at rtol 1e-9. Overlapping copies, jumps,
  // ramps at 6 V, an open-circuit voltage (so eta and V_G change sign at different times).
  const Waveform w = jumpy(), p = negated(w);
  const WaveformCopy copies[] = {{&w, 0.0, 1.0, +1}, {&p, 3.0, 1.0, -1}, {&w, 7.0, 0.8, +1}, {&p, 12.0, -0.5, 0}};
  std::vector<pb::EisDevice> devices = {sinh_msg(0, 1e6, 0), sinh_msg(400, 520, 0), sinh_msg(0, 2000, 1),
                                        sinh_msg(0, 1500, 2.5), sinh_msg(0, 1500, 0.5),
                                        device_preset("protonic_wo3_ysz_14nm"), device_preset("li_licoo2_two_terminal")};
  pb::EisDevice shifted = sinh_msg(0, 2000, 1);
  shifted.set_name("sinh with V_oc 0.8 V");
  shifted.set_v_oc_v(0.8);
  devices.push_back(shifted);
  for (pb::EisDevice m : devices) {
    m.set_charge_per_conductance_fc_per_ns(4.5);
    const EisDevice d(m);
    REQUIRE(d.exact_path());
    EisEnergy exact, adaptive;
    d.advance(500, -1.0, 80.0, copies, 1.0, &exact);
    d.advance_adaptive(500, -1.0, 80.0, copies, 1.0, &adaptive);
    INFO(m.name() << ": insertion exact " << exact.insertion_fJ << " fJ, Dormand-Prince " << adaptive.insertion_fJ);
    CHECK(exact.insertion_fJ > 0.0);
    CHECK(rel(exact.insertion_fJ, adaptive.insertion_fJ) < 1e-8);
  }
}

TEST_CASE("adaptive path vs an independent RK4 for a G-dependent open-circuit voltage", "[eis][integration]") {
  pb::EisDevice m = sinh_msg(50, 3000, 1);
  m.set_v_oc_v(-0.15);
  m.set_v_oc_slope_v_per_decade(0.4);
  const EisDevice d(m);
  REQUIRE_FALSE(d.exact_path());
  const Waveform w = jumpy(), p = negated(w);
  const WaveformCopy copies[] = {{&w, 0.0, 1.0, +1}, {&p, 4.0, 1.0, -1}, {&w, 9.0, 1.0, +1}};
  const double g0 = 800, t1 = 75.0;
  const double adaptive = d.advance(g0, 0.0, t1, copies);
  const double ref = rk4(d, g0, knots_of(copies, 0.0, t1), copies, 1e-4);
  INFO("adaptive dG " << adaptive - g0 << " rk4 dG " << ref - g0);
  CHECK(std::fabs(adaptive - g0) > 1.0);
  CHECK(rel(adaptive - g0, ref - g0) < 1e-6);
  // And the same for an exact-path device run through the adaptive integrator.
  const EisDevice s(sinh_msg(0, 2000, 1));
  const double a2 = s.advance_adaptive(g0, 0.0, t1, copies);
  const double r2 = rk4(s, g0, knots_of(copies, 0.0, t1), copies, 1e-4);
  CHECK(rel(a2 - g0, r2 - g0) < 1e-6);
}

TEST_CASE("jumps: a copy's end points are exact, even at the interval ends", "[eis][integration]") {
  const EisDevice d(sinh_msg(0, 1e6, 0));
  // V_G jumps from 0 to 3 V at t = 2 and back at t = 5 (a single linear segment, flat).
  const Waveform flat(std::vector<Pt>{{0.0, 3.0}, {3.0, 3.0}});
  const WaveformCopy c{&flat, 2.0, 2.0, 0};
  const double expect = 3.0 * 0.02 * std::sinh(6.0);
  CHECK(d.advance(0, 0.0, 10.0, std::span(&c, 1)) == Approx(expect).epsilon(1e-14));
  CHECK(d.advance(0, 2.0, 5.0, std::span(&c, 1)) == Approx(expect).epsilon(1e-14));
  CHECK(d.advance(0, 5.0, 9.0, std::span(&c, 1)) == 0.0);
  CHECK(d.advance(0, 0.0, 2.0, std::span(&c, 1)) == 0.0);
  // A ramp that starts with a jump to -2 V and ends with a jump from +4 V.
  const Waveform ramp(std::vector<Pt>{{1.0, -2.0}, {4.0, 4.0}});
  const WaveformCopy r{&ramp, 0.0, 2.0, 0};
  const double exact = d.advance(100, 0.0, 6.0, std::span(&r, 1));
  const double ref = rk4(d, 100, {0.0, 1.0, 2.0, 4.0, 6.0}, std::span(&r, 1), 1e-5);
  CHECK(rel(exact - 100, ref - 100) < 1e-9);
}

TEST_CASE("hard bounds saturate exactly and release", "[eis][integration]") {
  const EisDevice d(sinh_msg(400, 520, 0));
  const Waveform up = Waveform::rectangular(50.0, 6.0), down = Waveform::rectangular(1.0, -3.0);
  const WaveformCopy cu{&up, 0.0, 2.0, 0};
  CHECK(d.advance(500, 0.0, 60.0, std::span(&cu, 1)) == 520.0);
  CHECK(d.advance_adaptive(500, 0.0, 60.0, std::span(&cu, 1)) == 520.0);
  CHECK(d.rate_nS_per_ms(3.0, 520.0) == 0.0);
  CHECK(d.rate_nS_per_ms(-3.0, 520.0) < 0.0);
  const WaveformCopy cd{&down, 0.0, 2.0, 0};
  CHECK(d.advance(520, 0.0, 2.0, std::span(&cd, 1)) == Approx(520.0 + 0.03 * std::sinh(-3.0 / 0.45)).epsilon(1e-14));
  const WaveformCopy strong{&up, 0.0, -2.0, 0};
  CHECK(d.advance(520, 0.0, 60.0, std::span(&strong, 1)) == 400.0);
}

TEST_CASE("soft bounds follow the separable solution", "[eis][integration]") {
  const Waveform pulse = Waveform::rectangular(20.0, 2.5);
  const WaveformCopy c{&pulse, 0.0, 2.0, 0};
  const double h = 0.02 * std::sinh(5.0);  // raw rate at 2.5 V
  {  // exponent 1: G = g_max - (g_max - G0) exp(-h t / span)
    const EisDevice d(sinh_msg(100, 1100, 1));
    CHECK(d.advance(300, 0.0, 20.0, std::span(&c, 1)) == Approx(1100 - 800 * std::exp(-h * 20 / 1000)).epsilon(1e-14));
    CHECK(d.rate_nS_per_ms(2.5, 300) == Approx(h * 0.8).epsilon(1e-14));
  }
  {  // exponent 2: u' = -(h/span) u^2 -> u = u0 / (1 + u0 h t / span)
    const EisDevice d(sinh_msg(100, 1100, 2));
    const double u0 = 0.8, u = u0 / (1 + u0 * h * 20 / 1000);
    CHECK(d.advance(300, 0.0, 20.0, std::span(&c, 1)) == Approx(1100 - 1000 * u).epsilon(1e-13));
  }
  {  // exponent 0.5 reaches the bound in finite time 2 span sqrt(u0) / h and stays there exactly
    const EisDevice d(sinh_msg(100, 1100, 0.5));
    const double h4 = 0.02 * std::sinh(8.0);  // raw rate at 4 V
    const double t_hit = std::sqrt(0.8) * 2 * 1000 / h4;
    const Waveform hold = Waveform::rectangular(2 * t_hit, 4.0);
    const WaveformCopy ch{&hold, 0.0, 2.0, 0};
    CHECK(d.advance(300, 0.0, 2 * t_hit, std::span(&ch, 1)) == 1100.0);
    const double u = std::pow(std::sqrt(0.8) - 0.5 * h4 * 0.5 * t_hit / 1000, 2.0);  // = 0.2
    CHECK(d.advance(300, 0.0, 0.5 * t_hit, std::span(&ch, 1)) == Approx(1100 - 1000 * u).epsilon(1e-12));
    CHECK(u == Approx(0.2));
  }
}

TEST_CASE("open-circuit voltage shifts the overpotential", "[eis][integration]") {
  pb::EisDevice m = sinh_msg(0, 1e6, 0);
  m.set_v_oc_v(0.3);
  const EisDevice d(m);
  CHECK(d.rate_nS_per_ms(1.3, 500) == Approx(0.02 * std::sinh(2.0)).epsilon(1e-14));
  // At rest (V_G = 0) the device relaxes: eta = -0.3 V.
  CHECK(d.advance(500, 0.0, 10.0, {}) == Approx(500 + 10 * 0.03 * std::sinh(-0.3 / 0.45)).epsilon(1e-14));
  // G-dependent OCV: under a constant gate voltage G approaches the state whose V_oc equals it.
  pb::EisDevice s = sinh_msg(10, 1e5, 0);
  s.mutable_sinh()->set_k_insert_ns_per_ms(2.0);
  s.mutable_sinh()->set_k_extract_ns_per_ms(2.0);
  s.set_v_oc_v(0.0);
  s.set_v_oc_slope_v_per_decade(0.5);
  s.set_g_oc_ref_ns(1000);
  const EisDevice ds(s);
  const Waveform hold = Waveform::rectangular(1e5, 0.25);
  const WaveformCopy c{&hold, 0.0, 2.0, 0};
  const double g = ds.advance(1000, 0.0, 1e5, std::span(&c, 1));
  CHECK(ds.v_oc_V(g) == Approx(0.25).margin(1e-6));  // G* = 1000 * 10^(0.25/0.5) = 3162 nS
  CHECK(g == Approx(1000 * std::sqrt(10.0)).epsilon(1e-5));
}

TEST_CASE("energy accounting has the right units", "[eis][integration][energy]") {
  pb::EisDevice m = sinh_msg(0, 1e6, 0);
  m.set_gate_capacitance_ff(2.0);         // fF
  m.set_divider_resistance_kohm(1.0);     // kOhm per resistor
  m.set_charge_per_conductance_fc_per_ns(0.5);
  const EisDevice d(m);
  // Pre copy: 1 V for 1 ms (V_G = 0.5 V). Divider: (1 V)^2 / (2 kOhm) * 1 ms = 0.5e-6 J = 5e8 fJ.
  // Gate: 0 -> 0.5 -> 0 V: 2 fF * (0.125 + 0.125) V^2 = 0.5 fJ. Insertion: 0.5 fC/nS * dG * 0.5 V.
  const Waveform one = Waveform::rectangular(1.0, 1.0);
  const WaveformCopy c{&one, 0.0, 1.0, +1};
  EisEnergy e;
  const double g = d.advance(100, 0.0, 1.5, std::span(&c, 1), 1.0, &e);
  CHECK(e.divider_fJ == Approx(5e8).epsilon(1e-14));
  CHECK(e.gate_fJ == Approx(0.5).epsilon(1e-14));
  CHECK(e.insertion_fJ == Approx(0.5 * (g - 100) * 0.5).epsilon(1e-8));
  CHECK(e.total_fJ() == Approx(e.divider_fJ + e.gate_fJ + e.insertion_fJ));
  // Pre and post copies that are equal cancel in the divider (no current) but not on the gate.
  const WaveformCopy both[] = {{&one, 0.0, 1.0, +1}, {&one, 0.0, 1.0, -1}};
  EisEnergy e2;
  d.advance(100, 0.0, 1.5, both, 1.0, &e2);
  CHECK(e2.divider_fJ == 0.0);
  CHECK(e2.gate_fJ == Approx(2.0).epsilon(1e-14));  // 0 -> 1 V -> 0: 2 fF * 1 V^2
  // A sign change on a piece charges through zero: 2 fF * (1 + 1)/2 for -1 -> +1 V.
  const Waveform cross(std::vector<Pt>{{0.0, -2.0}, {1.0, 2.0}});
  const WaveformCopy cc{&cross, 0.0, 1.0, 0};
  EisEnergy e3;
  d.advance(100, 0.5, 0.9999, std::span(&cc, 1), 1.0, &e3);  // V_G from 0 to ~1 V only
  CHECK(e3.gate_fJ == Approx(2.0 * 0.5 * std::pow(0.9999 - 0.5, 2) * 4).epsilon(1e-9));
  EisEnergy e4;
  d.advance(100, 0.0, 2.0, std::span(&cc, 1), 1.0, &e4);  // jump 0 -> -1, ramp -1 -> 1, jump 1 -> 0
  CHECK(e4.gate_fJ == Approx(2.0 * (0.5 + 0.5 + 0.5 + 0.5)).epsilon(1e-14));
  // Energy requested or not, G is the same.
  CHECK(d.advance(100, 0.0, 2.0, std::span(&cc, 1)) == d.advance(100, 0.0, 2.0, std::span(&cc, 1), 1.0, &e4));
}

TEST_CASE("advance rejects bad arguments", "[eis][integration]") {
  const EisDevice d(sinh_msg(100, 200, 0));
  const Waveform w = Waveform::rectangular(1.0, 1.0);
  const WaveformCopy ok{&w, 0.0, 1.0, 1};
  CHECK_THROWS_WITH(d.advance(150, 2.0, 1.0, std::span(&ok, 1)), Catch::Contains("t0_ms <= t1_ms"));
  CHECK_THROWS_WITH(d.advance(250, 0.0, 1.0, std::span(&ok, 1)), Catch::Contains("outside [g_min_nS, g_max_nS]"));
  CHECK_THROWS_WITH(d.advance(150, 0.0, 1.0, std::span(&ok, 1), 0.0), Catch::Contains("prefactor"));
  const WaveformCopy null_shape{nullptr, 0.0, 1.0, 1};
  CHECK_THROWS_WITH(d.advance(150, 0.0, 1.0, std::span(&null_shape, 1)), Catch::Contains("shape is null"));
  const WaveformCopy bad_side{&w, 0.0, 1.0, 2};
  CHECK_THROWS_WITH(d.advance(150, 0.0, 1.0, std::span(&bad_side, 1)), Catch::Contains("side = 2"));
  CHECK(d.advance(150, 1.0, 1.0, std::span(&ok, 1)) == 150.0);
}

TEST_CASE("device validation names the field and the allowed range", "[eis][integration]") {
  auto error_of = [](const pb::EisDevice& m) -> std::string {
    try {
      EisDevice d(m);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  pb::EisDevice m = sinh_msg(100, 50, 0);
  CHECK_THAT(error_of(m), Catch::Contains("g_max_nS = 50") && Catch::Contains("> g_min_nS"));
  m = sinh_msg(100, 200, -1);
  CHECK_THAT(error_of(m), Catch::Contains("soft_bound_exponent"));
  m = sinh_msg(0, 200, 0);
  m.set_v_oc_slope_v_per_decade(0.1);
  CHECK_THAT(error_of(m), Catch::Contains("g_min_nS = 0") && Catch::Contains("log10"));
  m = sinh_msg(1, 200, 0);
  m.set_device_spread_sigma(3);
  CHECK_THAT(error_of(m), Catch::Contains("device_spread_sigma = 3") && Catch::Contains("[0, 2]"));
  m = sinh_msg(1, 200, 0);
  m.set_gate_capacitance_ff(-1);
  CHECK_THAT(error_of(m), Catch::Contains("gate_capacitance_fF"));
  m = sinh_msg(1, 200, 0);
  m.clear_g_max_ns();
  CHECK_THAT(error_of(m), Catch::Contains("g_max_nS is required"));
}
