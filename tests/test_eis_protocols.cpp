// Tests of the seed paper's protocols on the preset devices and waveforms (Huang et al.,
// Adv. Mater. 2025; docs/eis.md): Fig. 2 speed-ups and linearity, the four STDP forms of
// Fig. 4, lone waveforms, dopamine modulation (Fig. 5d), cumulative cycling (Fig. 6), the
// timescales of Fig. 7, energy per event, cycle noise, device spread, and the Li-ion
// two-terminal preset (seed 004: tau+ = 8.01 ms, tau- = 7.27 ms).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/random_stream.hpp"
#include "synapses/eis_device.hpp"
#include "synapses/eis_presets.hpp"
#include "synapses/eis_protocols.hpp"
#include "synapses/eis_variability.hpp"

using namespace ionspike;

namespace {

struct Pair {
  Waveform pre, post;
};
Pair pair_of(const char* name) {
  const pb::WaveformPair m = waveform_preset(name);
  return {Waveform(m.pre()), Waveform(m.post())};
}
EisDevice device_of(const char* name) { return EisDevice(device_preset(name)); }

// The paper's Delta t grid (ms), scaled.
std::vector<double> grid(double scale = 1.0) {
  std::vector<double> g;
  for (double x : {-160., -120., -80., -60., -40., -30., -20., -15., -10., -5., -2., 0., 2., 5., 10., 15., 20., 30.,
                   40., 60., 80., 120., 160.})
    g.push_back(x * scale);
  return g;
}
double at(const std::vector<StdpPoint>& c, double dt) {
  for (const auto& p : c)
    if (std::fabs(p.dt_ms - dt) <= 1e-12 * std::max(1.0, std::fabs(dt))) return p.dG_nS;
  FAIL("dt not on the grid");
  return 0;
}
double peak(const std::vector<StdpPoint>& c) {
  double m = 0;
  for (const auto& p : c) m = std::max(m, std::fabs(p.dG_nS));
  return m;
}
double lone(const EisDevice& d, const Waveform& w, double amplitude, int side, double g0 = 1000) {
  const WaveformCopy c{&w, 0.0, amplitude, side};
  return d.advance(g0, 0.0, w.duration_ms() * (1 + 1e-9), std::span(&c, 1)) - g0;
}

// Canonical-form checks shared by Figs. 3/4a and 7: antisymmetric, LTP for dt > 0, decaying
// towards +-160 (grid units), and lone waveforms below 10 % of the peak.
void check_canonical(const EisDevice& d, const Pair& w, double scale) {
  const auto c = stdp_curve(d, w.pre, w.post, grid(scale), 1000);
  const double pk = peak(c);
  INFO("peak " << pk << " nS; dG(+20) " << at(c, 20 * scale) << " dG(-20) " << at(c, -20 * scale));
  CHECK(at(c, 20 * scale) > 0.0);
  CHECK(at(c, -20 * scale) < 0.0);
  // Magnitudes decay monotonically from +-20 to +-160 (grid units).
  const double tail[] = {20., 30., 40., 60., 80., 120., 160.};
  for (int i = 0; i + 1 < 7; ++i) {
    CHECK(at(c, tail[i] * scale) > at(c, tail[i + 1] * scale));
    CHECK(at(c, -tail[i] * scale) < at(c, -tail[i + 1] * scale));
  }
  CHECK(std::fabs(at(c, 160 * scale)) < 0.15 * pk);
  for (const auto& p : c) CHECK(at(c, -p.dt_ms) == Approx(-p.dG_nS).margin(1e-9 * pk));
  CHECK(std::fabs(lone(d, w.pre, 1, +1)) < 0.1 * pk);
  CHECK(std::fabs(lone(d, w.post, 1, -1)) < 0.1 * pk);
}

}  // namespace

TEST_CASE("Fig. 2: 2 -> 4 V speeds up ~60x, 2 -> 6 V ~1000x, dG ~ linear in pulse length", "[eis][protocols]") {
  const EisDevice d = device_of("protonic_wo3_ysz_14nm");
  // Pulse lengths chosen so that every dG is ~1 nS (small changes, as in the paper's fits).
  const double v[] = {2.0, 4.0, 6.0};
  const double len[] = {40.0, 0.68, 0.04};
  double rate[3];
  for (int i = 0; i < 3; ++i) {
    const auto r = pulse_response(d, std::span(&v[i], 1), std::span(&len[i], 1), 1000.0);
    REQUIRE(r.size() == 1);
    CHECK(r[0].dG_nS == Approx(1.0).epsilon(0.1));
    rate[i] = r[0].dG_nS / len[i];
  }
  const double r42 = rate[1] / rate[0], r62 = rate[2] / rate[0];
  INFO("speed-up 4 V / 2 V = " << r42 << ", 6 V / 2 V = " << r62);
  CHECK(r42 == Approx(60.0).epsilon(0.25));
  CHECK(r62 == Approx(1000.0).epsilon(0.30));
  // A pure sinh with the same v0 would give > 4000x: the series limitation matters.
  CHECK(std::sinh(6 / 0.4785) / std::sinh(2 / 0.4785) > 4000.0);
  // Nearly linear in pulse length for small changes: doubling the pulse doubles dG within 1 %.
  const double v4 = 4.0;
  const double lens[] = {0.25, 0.5, 1.0, 2.0};
  const auto r = pulse_response(d, std::span(&v4, 1), lens, 1000.0);
  for (int i = 0; i + 1 < 4; ++i) CHECK(r[i + 1].dG_nS / r[i].dG_nS == Approx(2.0).epsilon(0.01));
  // Negative pulses depress symmetrically at the operating point.
  const double vm = -4.0;
  const auto rm = pulse_response(d, std::span(&vm, 1), std::span(&lens[1], 1), 1000.0);
  CHECK(rm[0].dG_nS == Approx(-r[1].dG_nS).epsilon(0.02));
}

TEST_CASE("Fig. 3/4a: canonical antisymmetric STDP over +-160 ms, a few % of G", "[eis][protocols]") {
  const EisDevice d = device_of("protonic_wo3_ysz_14nm");
  const Pair w = pair_of("antisymmetric");
  check_canonical(d, w, 1.0);
  const auto c = stdp_curve(d, w.pre, w.post, grid(), 1000);
  CHECK(peak(c) > 10.0);   // > 1 % of G
  CHECK(peak(c) < 100.0);  // < 10 % of G
  // The paper's fitted factor scales the curve.
  const auto c07 = stdp_curve(d, w.pre, w.post, grid(), 1000, 1, 1, 0.7);
  CHECK(at(c07, 20) == Approx(0.7 * at(c, 20)));
}

TEST_CASE("Fig. 4b: LTP-only form, dG >= 0 everywhere with its peak at dt ~ 0", "[eis][protocols]") {
  const EisDevice d = device_of("protonic_wo3_ysz_14nm");
  const Pair w = pair_of("ltp_only");
  const auto c = stdp_curve(d, w.pre, w.post, grid(), 1000);
  const double pk = peak(c);
  for (const auto& p : c) CHECK(p.dG_nS >= 0.0);
  CHECK(at(c, 0) == pk);
  CHECK(at(c, 20) < 0.5 * pk);
  CHECK(at(c, -20) < 0.5 * pk);
  CHECK(std::fabs(lone(d, w.pre, 1, +1)) < 0.1 * pk);
  CHECK(std::fabs(lone(d, w.post, 1, -1)) < 0.1 * pk);
}

TEST_CASE("Fig. 4c: symmetric bidirectional form", "[eis][protocols]") {
  const EisDevice d = device_of("protonic_wo3_ysz_14nm");
  const Pair w = pair_of("symmetric");
  const auto c = stdp_curve(d, w.pre, w.post, grid(), 1000);
  const double pk = peak(c);
  for (const auto& p : c) {
    if (p.dt_ms <= 0) continue;
    const double m = at(c, -p.dt_ms);
    CHECK((p.dG_nS > 0) == (m > 0));
    CHECK(std::fabs(p.dG_nS) == Approx(std::fabs(m)).margin(1e-6 * pk));
  }
  CHECK(at(c, 0) > 0.5 * pk);     // potentiation near coincidence
  CHECK(at(c, 20) < -0.2 * pk);   // depression on the flanks
  CHECK(at(c, -20) < -0.2 * pk);
  CHECK(std::fabs(lone(d, w.pre, 1, +1)) < 0.1 * pk);
}

TEST_CASE("Fig. 4d: antisymmetric form with a dead zone near dt = 0", "[eis][protocols]") {
  const EisDevice d = device_of("protonic_wo3_ysz_14nm");
  const Pair w = pair_of("dead_zone");
  const auto c = stdp_curve(d, w.pre, w.post, grid(), 1000);
  const double pk = peak(c);
  for (double x : {0., 2., 5., 10., 15., 20.}) {
    CHECK(std::fabs(at(c, x)) < 0.05 * pk);
    CHECK(std::fabs(at(c, -x)) < 0.05 * pk);
  }
  CHECK(at(c, 30) > 0.5 * pk);
  CHECK(at(c, -30) < -0.5 * pk);
  CHECK(at(c, 40) > at(c, 80));
  CHECK(std::fabs(lone(d, w.pre, 1, +1)) < 0.1 * pk);
  CHECK(std::fabs(lone(d, w.post, 1, -1)) < 0.1 * pk);
}

TEST_CASE("Fig. 5d: dopamine a_post from +1 to -1 turns the form symmetric and negative near 0", "[eis][protocols]") {
  const EisDevice d = device_of("protonic_wo3_ysz_14nm");
  const Pair w = pair_of("antisymmetric");
  const auto g = grid();
  // Asymmetry index sum|dG(dt) + dG(-dt)| / sum|dG(dt) - dG(-dt)| over dt > 0: 0 antisymmetric, inf symmetric.
  auto asym = [&](const std::vector<StdpPoint>& c) {
    double s = 0, a = 0;
    for (const auto& p : c)
      if (p.dt_ms > 0) {
        s += std::fabs(p.dG_nS + at(c, -p.dt_ms));
        a += std::fabs(p.dG_nS - at(c, -p.dt_ms));
      }
    return s / std::max(a, 1e-300);
  };
  double previous = -1;
  for (double a_post : {1.0, 0.5, 0.0, -0.5, -1.0}) {
    const auto c = stdp_curve(d, w.pre, w.post, g, 1000, 1.0, a_post);
    const double index = a_post == 0.0 ? 0.0 : asym(c);
    INFO("a_post " << a_post << " asymmetry index " << index);
    if (a_post == 1.0) CHECK(index < 1e-9);
    if (a_post != 0.0) CHECK(index >= previous);
    if (a_post != 0.0) previous = index;
  }
  const auto c = stdp_curve(d, w.pre, w.post, g, 1000, 1.0, -1.0);
  const double pk = peak(c);
  for (const auto& p : c) CHECK(p.dG_nS == Approx(at(c, -p.dt_ms)).margin(1e-9 * pk));  // symmetric
  CHECK(at(c, 0) == -pk);  // the most negative point is dt = 0
  CHECK(at(c, 2) < 0.0);
  CHECK(at(c, 5) < 0.0);
  CHECK(at(c, -5) < 0.0);
}

TEST_CASE("Fig. 6: alternating cumulative LTP / LTD blocks cycle G by more than 10x", "[eis][protocols]") {
  const EisDevice d = device_of("protonic_wo3_ysz_14nm");
  const Pair ltp = pair_of("cumulative_ltp"), ltd = pair_of("cumulative_ltd");
  const int pairs_per_block = 40;
  const double period = 200.0;  // ms between pairs; longer than every waveform here
  double g = 1000, t = 0;
  std::vector<double> maxima, minima;
  for (int cycle = 0; cycle < 10; ++cycle) {
    for (int block = 0; block < 2; ++block) {
      const Pair& w = block == 0 ? ltp : ltd;
      const double dt = block == 0 ? 10.0 : -10.0;
      for (int i = 0; i < pairs_per_block; ++i) {
        const WaveformCopy copies[2] = {{&w.pre, t, 1.0, +1}, {&w.post, t + dt, 1.0, -1}};
        g = d.advance(g, t - 20.0, t + period - 20.0, copies);
        t += period;
      }
      (block == 0 ? maxima : minima).push_back(g);
    }
  }
  for (int cycle = 0; cycle < 10; ++cycle) {
    INFO("cycle " << cycle << ": max " << maxima[cycle] << " nS, min " << minima[cycle] << " nS");
    CHECK(maxima[cycle] / minima[cycle] > 10.0);
    if (cycle > 0) {  // consistent cycling
      CHECK(maxima[cycle] == Approx(maxima[cycle - 1]).epsilon(0.02));
      CHECK(minima[cycle] == Approx(minima[cycle - 1]).epsilon(0.05));
    }
  }
}

TEST_CASE("Fig. 7: the canonical form at ~100 ms, ~100 us and ~100 ns", "[eis][protocols]") {
  const EisDevice d14 = device_of("protonic_wo3_ysz_14nm"), d7 = device_of("protonic_wo3_ysz_7nm");
  const Pair ms = pair_of("antisymmetric"), us = pair_of("antisymmetric_100us"), ns = pair_of("antisymmetric_100ns");
  // Peak voltages: 6.5 V, 10 V, 10 V.
  auto vmax = [](const Pair& p) {
    double m = 0;
    for (const auto& q : p.pre.points()) m = std::max(m, std::fabs(q.v_V));
    return m;
  };
  CHECK(vmax(ms) == 6.5);
  CHECK(vmax(us) == 10.0);
  CHECK(vmax(ns) == 10.0);
  CHECK(ms.pre.duration_ms() < 1000.0);
  CHECK(us.pre.duration_ms() < 1.0);
  CHECK(ns.pre.duration_ms() < 1e-3);
  {
    INFO("100 ms");
    check_canonical(d14, ms, 1.0);
  }
  {
    INFO("100 us");
    check_canonical(d14, us, 1e-3);
  }
  {
    INFO("100 ns");
    check_canonical(d7, ns, 1e-6);
  }
  // What the series-limited law costs: amplitudes relative to the 100 ms form (docs/eis.md).
  const double p_ms = peak(stdp_curve(d14, ms.pre, ms.post, grid(), 1000));
  const double p_us = peak(stdp_curve(d14, us.pre, us.post, grid(1e-3), 1000));
  const double p_ns = peak(stdp_curve(d7, ns.pre, ns.post, grid(1e-6), 1000));
  INFO("peaks: " << p_ms << " nS, " << p_us << " nS, " << p_ns << " nS");
  CHECK(p_us / p_ms == Approx(2.7e-3).epsilon(0.1));
  CHECK(p_ns / p_ms == Approx(8.1e-6).epsilon(0.1));
  // The 7 nm device at V is the 14 nm device at 2 V (thickness scaling of v0 and r_s).
  CHECK(d7.rate_nS_per_ms(5.0, 1000) == Approx(d14.rate_nS_per_ms(10.0, 1000)).epsilon(1e-6));
}

TEST_CASE("energy of a 100 ns STDP pair: tens of fJ, insertion below 1 fJ", "[eis][protocols][energy]") {
  const EisDevice d = device_of("protonic_wo3_ysz_7nm");
  const Pair w = pair_of("antisymmetric_100ns");
  EisEnergy e;
  stdp_curve(d, w.pre, w.post, grid(1e-6), 1000, 1, 1, 1, &e);
  INFO("per pair: insertion " << e.insertion_fJ << " fJ, gate " << e.gate_fJ << " fJ, divider " << e.divider_fJ
                              << " fJ, total " << e.total_fJ() << " fJ");
  CHECK(e.total_fJ() > 20.0);
  CHECK(e.total_fJ() < 60.0);  // Table 1: < 60 fJ per spiking event
  CHECK(e.insertion_fJ < 1.0);
  CHECK(e.insertion_fJ > 0.0);
  CHECK(e.gate_fJ > 0.0);
  CHECK(e.divider_fJ > 0.0);
}

TEST_CASE("cycle noise at the preset default stays below 5 % mean absolute deviation", "[eis][protocols][noise]") {
  const EisDevice d = device_of("protonic_wo3_ysz_14nm");
  const Pair w = pair_of("antisymmetric");
  const auto smooth = stdp_curve(d, w.pre, w.post, grid(), 1000);
  const double pk = peak(smooth);
  RandomStream rng(2025, "eis_cycle_noise:test", 0);
  double mad = 0, mad_rel = 0;
  int n = 0, n_rel = 0;
  for (int repeat = 0; repeat < 200; ++repeat)
    for (const auto& p : smooth) {
      const double noisy = d.apply_cycle_noise(1000, 1000 + p.dG_nS, rng) - 1000;
      mad += std::fabs(noisy - p.dG_nS);
      ++n;
      if (std::fabs(p.dG_nS) > 0.1 * pk) {
        mad_rel += std::fabs(noisy - p.dG_nS) / std::fabs(p.dG_nS);
        ++n_rel;
      }
    }
  mad /= n * pk;
  mad_rel /= n_rel;
  INFO("MAD / peak = " << mad << ", MAD relative to each |dG| = " << mad_rel);
  CHECK(mad < 0.05);
  CHECK(mad_rel < 0.05);
  CHECK(mad_rel == Approx(0.03 * std::sqrt(2 / M_PI)).epsilon(0.1));  // E|sigma Z| = sigma sqrt(2/pi)
  // sigma = 0 leaves the update alone and draws nothing.
  RandomStream a(1, "x", 0), b(1, "x", 0);
  CHECK(apply_cycle_noise(3.0, 0.0, a) == 3.0);
  CHECK(a.next_u64() == b.next_u64());
}

TEST_CASE("device spread: lognormal prefactors with sigma 0.06", "[eis][protocols][noise]") {
  const EisDevice d = device_of("protonic_wo3_ysz_14nm");
  CHECK(d.device_spread_sigma() == 0.06);
  const int n = 20000;
  double s1 = 0, s2 = 0, m1 = 0;
  for (int i = 0; i < n; ++i) {
    RandomStream rng(7, "eis_device_spread:test", static_cast<std::uint64_t>(i));
    const double p = d.draw_prefactor(rng);
    CHECK(p > 0.0);
    const double l = std::log(p);
    s1 += l;
    s2 += l * l;
    m1 += p;
  }
  const double mean = s1 / n, sd = std::sqrt(s2 / n - mean * mean);
  INFO("mean ln p " << mean << ", sd ln p " << sd << ", mean p " << m1 / n);
  CHECK(std::fabs(mean) < 4 * 0.06 / std::sqrt(n));
  CHECK(sd == Approx(0.06).epsilon(4 / std::sqrt(2.0 * n)));
  CHECK(m1 / n == Approx(std::exp(0.06 * 0.06 / 2)).epsilon(4 * 0.06 / std::sqrt(n)));
  // The prefactor scales the STDP change (approximately, soft bounds aside).
  const Pair w = pair_of("antisymmetric");
  const double base = pair_delta_g(d, w.pre, w.post, 15.0, 1000);
  CHECK(pair_delta_g(d, w.pre, w.post, 15.0, 1000, 1, 1, 1.06) == Approx(1.06 * base).epsilon(0.01));
}

TEST_CASE("Li-ion two-terminal preset: STDP time constants 8.01 / 7.27 ms", "[eis][protocols][li]") {
  const EisDevice d = device_of("li_licoo2_two_terminal");
  const Pair w = pair_of("li_two_terminal");
  // Two-terminal mapping: V_G = V_post - V_pre (a_pre = -2, a_post = +2).
  auto fit_tau = [&](double sign) {
    std::vector<double> t, y;
    for (double dt = 3; dt <= 40; dt += 1) {
      t.push_back(dt);
      y.push_back(pair_delta_g(d, w.pre, w.post, sign * dt, 500, -2, 2));
    }
    double best = 1e300, tau_best = 0;
    for (double tau = 2; tau < 30; tau *= 1.0002) {
      double sxy = 0, sxx = 0;
      for (std::size_t i = 0; i < t.size(); ++i) {
        const double x = std::exp(-t[i] / tau);
        sxy += x * y[i];
        sxx += x * x;
      }
      const double a = sxy / sxx;
      double r = 0;
      for (std::size_t i = 0; i < t.size(); ++i) r += std::pow(y[i] - a * std::exp(-t[i] / tau), 2);
      if (r < best) {
        best = r;
        tau_best = tau;
      }
    }
    return tau_best;
  };
  const double tau_plus = fit_tau(+1), tau_minus = fit_tau(-1);
  INFO("tau+ " << tau_plus << " ms, tau- " << tau_minus << " ms");
  CHECK(tau_plus == Approx(8.01).epsilon(0.03));
  CHECK(tau_minus == Approx(7.27).epsilon(0.03));
  CHECK(pair_delta_g(d, w.pre, w.post, 5, 500, -2, 2) > 0.0);   // pre before post: LTP
  CHECK(pair_delta_g(d, w.pre, w.post, -5, 500, -2, 2) < 0.0);  // post before pre: LTD
  // Seed pulse calibration: h(V_dev = -1.5 V) = +3 nS/ms, h(+1.1 V) = -3 nS/ms (V_G = -V_dev).
  CHECK(d.rate_nS_per_ms(1.5, 500) == Approx(3.0).epsilon(1e-3));
  CHECK(d.rate_nS_per_ms(-1.1, 500) == Approx(-3.0).epsilon(1e-3));
}
