// Exact piecewise integration of EIS devices against the paper's slicing method, at equal
// accuracy (docs/eis.md, "Integration cost").
//
// For each case the reference is EisDevice::advance (exact per linear piece) on a grid of 12
// Delta t values. The slicing integrator (slice_integrate, the paper's method) is run with
// tau = 1 ms * time_scale / 2^k, k = 0, 1, ..., until max |dG_slice - dG_exact| over the grid is
// below target * max |dG_exact| (the accuracy of the whole STDP curve); the time of that run is
// compared with the time of advance() and of the adaptive Dormand-Prince path
// (advance_adaptive). Times are the minimum over repetitions of the loop over the grid.
//
//   bench_eis_integration [target_relative_error = 1e-6]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "synapses/eis_device.hpp"
#include "synapses/eis_presets.hpp"
#include "synapses/eis_protocols.hpp"

using namespace ionspike;

namespace {

struct Case {
  std::string name;
  pb::EisDevice device;
  std::string waveforms;
  double time_scale;  // of the Delta t grid
  double a_pre = 1, a_post = 1;
};

double seconds_per_call(const std::function<double()>& f, double min_total = 0.3) {
  volatile double sink = 0;
  double best = 1e300;
  int reps = 1;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i) sink = sink + f();
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, dt / reps);
    if (dt > min_total) break;
    reps *= 2;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const double target = argc > 1 ? std::atof(argv[1]) : 1e-6;
  pb::EisDevice plain;  // a pure sinh device with hard bounds (closed form, no table)
  plain.set_name("sinh_hard");
  plain.mutable_sinh()->set_k_insert_ns_per_ms(2.4e-5);
  plain.mutable_sinh()->set_v0_insert_v(0.4785);
  plain.mutable_sinh()->set_k_extract_ns_per_ms(2.4e-5);
  plain.mutable_sinh()->set_v0_extract_v(0.4785);
  plain.set_g_min_ns(10);
  plain.set_g_max_ns(1990);
  const std::vector<Case> cases = {
      {"protonic 14 nm, antisymmetric (100 ms)", device_preset("protonic_wo3_ysz_14nm"), "antisymmetric", 1.0},
      {"protonic 14 nm, symmetric (100 ms)", device_preset("protonic_wo3_ysz_14nm"), "symmetric", 1.0},
      {"protonic 7 nm, antisymmetric_100ns", device_preset("protonic_wo3_ysz_7nm"), "antisymmetric_100ns", 1e-6},
      {"pure sinh (hard bounds), antisymmetric", plain, "antisymmetric", 1.0},
      {"Li-ion two-terminal, li_two_terminal", device_preset("li_licoo2_two_terminal"), "li_two_terminal", 1.0, -2, 2},
  };
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("target: max |dG error| <= %g * max |dG| over a grid of 12 Delta t values\n\n", target);
  std::printf("%-42s %12s %12s %12s %10s %12s %10s %9s\n", "case", "exact us", "adaptive us", "slicing us",
              "slices", "slice err", "speed-up", "vs DP45");
  for (const Case& c : cases) {
    const EisDevice d(c.device);
    const pb::WaveformPair wp = waveform_preset(c.waveforms);
    const Waveform pre(wp.pre()), post(wp.post());
    std::vector<double> grid;
    for (double x : {-160., -80., -40., -20., -10., -5., 5., 10., 20., 40., 80., 160.}) grid.push_back(x * c.time_scale);
    const double g0 = c.a_pre < 0 ? 500.0 : 1000.0;
    // Reference values and the slice count that meets the target on every grid point.
    std::vector<double> ref;
    double ref_scale = 0;
    for (double dt : grid) {
      ref.push_back(pair_delta_g(d, pre, post, dt, g0, c.a_pre, c.a_post));
      ref_scale = std::max(ref_scale, std::fabs(ref.back()));
    }
    auto slice_all = [&](double tau, double* worst) {
      double sum = 0;
      for (std::size_t i = 0; i < grid.size(); ++i) {
        const WaveformCopy copies[2] = {{&pre, 0.0, c.a_pre, +1}, {&post, grid[i], c.a_post, -1}};
        const CopySpan s = copies_span(copies);
        const double dg = slice_integrate(d, g0, s.begin_ms, s.end_ms, copies, tau) - g0;
        if (worst) *worst = std::max(*worst, std::fabs(dg - ref[i]) / ref_scale);
        sum += dg;
      }
      return sum;
    };
    double tau = c.time_scale, err = 1e300;
    long long slices = 0;
    for (int k = 0; k < 24; ++k, tau /= 2) {
      err = 0;
      slice_all(tau, &err);
      if (err <= target) break;
    }
    for (std::size_t i = 0; i < grid.size(); ++i) {
      const CopySpan s = copies_span(std::vector<WaveformCopy>{{&pre, 0.0, 1, 1}, {&post, grid[i], 1, -1}});
      slices += static_cast<long long>(std::ceil((s.end_ms - s.begin_ms) / tau));
    }
    const double t_exact = seconds_per_call([&] {
      double sum = 0;
      for (double dt : grid) sum += pair_delta_g(d, pre, post, dt, g0, c.a_pre, c.a_post);
      return sum;
    });
    const double t_adaptive = seconds_per_call([&] {
      double sum = 0;
      for (double dt : grid) {
        const WaveformCopy copies[2] = {{&pre, 0.0, c.a_pre, +1}, {&post, dt, c.a_post, -1}};
        const CopySpan s = copies_span(copies);
        sum += d.advance_adaptive(g0, s.begin_ms, s.end_ms * (1 + 1e-9), copies) - g0;
      }
      return sum;
    });
    const double t_slice = seconds_per_call([&] { return slice_all(tau, nullptr); });
    std::printf("%-42s %12.2f %12.2f %12.0f %10lld %12.2e %9.0fx %8.0fx\n", c.name.c_str(), t_exact * 1e6,
                t_adaptive * 1e6, t_slice * 1e6, slices / static_cast<long long>(grid.size()), err, t_slice / t_exact,
                t_adaptive / t_exact);
  }
  std::printf("\nexact us / adaptive us / slicing us: time for the whole grid (12 pairs); slices: per pair.\n"
              "speed-up: slicing time / exact time at the target accuracy; vs DP45: adaptive / exact.\n");
  return 0;
}
