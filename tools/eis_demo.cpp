#include "tools/eis_demo.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/simulator.hpp"
#include "networks/network_builder.hpp"
#include "networks/network_loader.hpp"
#include "synapses/eis_presets.hpp"
#include "synapses/eis_protocols.hpp"
#include "tools/svg_plot.hpp"

namespace ionspike {
namespace {

constexpr const char* kDevice = "protonic_wo3_ysz_14nm";
constexpr double kG0_nS = 1000.0;
constexpr double kDelay_ms = 0.1;

// Pre neuron k fires at pre_times[k]; post neuron k is driven (100 mV teacher input) to fire
// at post_times[k]. One-to-one EIS synapses pre -> post with gain 0 (they do not disturb the
// post neurons, whose firing times are imposed).
pb::Network pairing_network(const std::string& waveforms, const std::vector<std::vector<double>>& pre_times,
                            const std::vector<std::vector<double>>& post_times, bool ideal, double t_stop_ms) {
  pb::Network net;
  net.set_format_version(1);
  net.mutable_simulation()->set_t_stop_ms(t_stop_ms);
  net.mutable_simulation()->set_min_delay_ms(kDelay_ms);
  net.mutable_simulation()->set_seed(2025);
  const auto n = static_cast<std::uint64_t>(pre_times.size());
  auto* pre = net.add_populations();
  pre->set_name("pre");
  pre->set_size(n);
  for (const auto& times : pre_times) {
    auto* train = pre->mutable_spike_source_array()->add_trains();
    for (double t : times) train->add_times_ms(t);
  }
  pre->mutable_pre_waveform()->set_preset(waveforms);
  auto* teacher = net.add_populations();
  teacher->set_name("teacher");
  teacher->set_size(n);
  for (const auto& times : post_times) {
    auto* train = teacher->mutable_spike_source_array()->add_trains();
    for (double t : times) train->add_times_ms(t - kDelay_ms);
  }
  auto* post = net.add_populations();
  post->set_name("post");
  post->set_size(n);
  post->mutable_lif_delta()->set_t_ref_ms(1.0);
  post->mutable_post_waveform()->set_preset(waveforms);
  auto* teach = net.add_projections();
  teach->set_name("teach");
  teach->set_pre("teacher");
  teach->set_post("post");
  teach->mutable_one_to_one();
  teach->mutable_weight_mv()->set_constant(100.0);
  auto* syn = net.add_projections();
  syn->set_name("eis");
  syn->set_pre("pre");
  syn->set_post("post");
  syn->mutable_one_to_one();
  syn->mutable_delay_ms()->set_constant(kDelay_ms);
  auto* eis = syn->mutable_eis();
  eis->set_device_preset(kDevice);
  eis->mutable_g_init_ns()->set_constant(kG0_nS);
  eis->set_weight_mv_per_ns(0.0);
  if (ideal) {
    eis->set_device_spread_sigma(0.0);
    eis->set_cycle_noise_sigma(0.0);
  }
  auto* rec = net.add_spike_recorders();
  rec->set_name("spikes");
  return net;
}

Simulator run_network(const pb::Network& message, const std::filesystem::path& file) {
  save_network_file(message, file);  // what ran, re-runnable with `ionspike run`
  return Simulator(build_network(load_network_file(file)));
}

double conductance(const Simulator& sim, std::uint64_t k) {
  const RuntimeNetwork& net = sim.network();
  const EisProjection& proj = net.eis_projections.at(0);
  return proj.conductance_at(k, sim.time_ms(), net.pre_history(proj.pre_population()),
                             net.post_history(proj.post_population()));
}

}  // namespace

int cmd_demo(const std::string& out_dir) {
  const std::filesystem::path dir(out_dir);
  std::filesystem::create_directories(dir);
  const auto t0 = std::chrono::steady_clock::now();

  // 1. The four STDP forms.
  const std::vector<std::string> forms = {"antisymmetric", "ltp_only", "symmetric", "dead_zone"};
  std::vector<double> dts;
  for (double dt = -160; dt <= 160; dt += 4) dts.push_back(dt);
  std::vector<std::vector<double>> pre_times, post_times;
  for (double dt : dts) {
    pre_times.push_back({300.0});
    post_times.push_back({300.0 + kDelay_ms + dt});  // dt at the device: the V_pre copy arrives with the spike
  }
  const EisDevice device = [] {
    pb::EisDevice d = device_preset(kDevice);
    d.set_device_spread_sigma(0);
    d.set_cycle_noise_sigma(0);
    return EisDevice(d);
  }();
  std::vector<std::vector<double>> dg(forms.size());
  double worst_mismatch = 0.0;
  Plot forms_plot{"Four STDP forms from four waveform pairs (EIS synapses in the engine)",
                  "dt = t_post - t_pre (ms)", "dG (nS) at G0 = 1000 nS", {}};
  AtomicFile forms_csv(dir / "stdp_forms.csv");
  forms_csv.stream() << "form,dt_ms,dG_nS,dG_single_device_nS\n";
  for (std::size_t f = 0; f < forms.size(); ++f) {
    Simulator sim = run_network(pairing_network(forms[f], pre_times, post_times, true, 1000.0),
                                dir / ("stdp_" + forms[f] + ".pbtxt"));
    sim.run_until(1000.0);
    const pb::WaveformPair pair = waveform_preset(forms[f]);
    const Waveform pre(pair.pre()), post(pair.post());
    PlotSeries series{forms[f], {}, {}};
    const EisProjection& proj = sim.network().eis_projections.at(0);
    dg[f].assign(dts.size(), 0.0);
    for (std::uint64_t k = 0; k < proj.synapse_count(); ++k) {
      const std::uint32_t j = proj.post_of(k);
      const double change = conductance(sim, k) - kG0_nS;
      const double reference = pair_delta_g(device, pre, post, dts[j], kG0_nS);
      worst_mismatch = std::max(worst_mismatch, std::abs(change - reference));
      dg[f][j] = change;
      forms_csv.stream() << fmt::format("{},{:g},{:.17g},{:.17g}\n", forms[f], dts[j], change, reference);
    }
    series.x = dts;
    series.y = dg[f];
    series.markers = false;
    forms_plot.series.push_back(series);
  }
  forms_csv.commit();
  write_svg(dir / "stdp_forms.svg", forms_plot);

  std::printf("ionspike demo: STDP emerges from device physics and waveform design\n\n");
  std::printf("1. Four STDP forms (seed paper Fig. 4): dG (nS) of EIS synapses (%s, G0 = %g nS)\n", kDevice, kG0_nS);
  std::printf("   after one pre/post pair, simulated through the event-driven engine\n");
  std::printf("   %8s", "dt (ms)");
  for (const auto& f : forms) std::printf(" %14s", f.c_str());
  std::printf("\n");
  for (double show : {-160.0, -80.0, -40.0, -20.0, -12.0, -4.0, 0.0, 4.0, 12.0, 20.0, 40.0, 80.0, 160.0}) {
    const auto j = static_cast<std::size_t>(std::find(dts.begin(), dts.end(), show) - dts.begin());
    if (j >= dts.size()) continue;
    std::printf("   %8g", show);
    for (std::size_t f = 0; f < forms.size(); ++f) std::printf(" %14.3f", dg[f][j]);
    std::printf("\n");
  }
  std::printf("   engine vs single-device protocol: largest difference %.2g nS over %zu pairs\n\n", worst_mismatch,
              dts.size() * forms.size());

  // 2. Cumulative LTP/LTD cycling with device variability.
  constexpr int kCycles = 10, kPairs = 80;
  constexpr double kSpacing_ms = 600.0, kDt_ms = 12.0;
  std::vector<double> pre_train, post_train;
  double t = 100.0;
  for (int c = 0; c < kCycles; ++c)
    for (int phase = 0; phase < 2; ++phase)
      for (int p = 0; p < kPairs; ++p, t += kSpacing_ms) {
        pre_train.push_back(t);
        post_train.push_back(t + kDelay_ms + (phase == 0 ? kDt_ms : -kDt_ms));
      }
  const double t_end = t + kSpacing_ms;
  Simulator sim = run_network(pairing_network("antisymmetric", {pre_train}, {post_train}, false, t_end),
                              dir / "cumulative.pbtxt");
  PlotSeries g_series{"G", {}, {}};
  g_series.markers = false;
  AtomicFile cum_csv(dir / "cumulative.csv");
  cum_csv.stream() << "pair,t_ms,g_nS\n";
  std::vector<double> highs, lows;
  for (std::size_t i = 0; i < pre_train.size(); ++i) {
    const double t_read = pre_train[i] + kSpacing_ms - 1.0;
    sim.run_until(t_read);
    const double g = conductance(sim, 0);
    g_series.x.push_back(t_read * 1e-3);
    g_series.y.push_back(g);
    cum_csv.stream() << fmt::format("{},{:.17g},{:.17g}\n", i, t_read, g);
    if ((i + 1) % kPairs == 0) (((i + 1) / kPairs) % 2 ? highs : lows).push_back(g);
  }
  cum_csv.commit();
  Plot cum_plot{"Cumulative LTP / LTD: 10 cycles of 80 pairs at dt = +12 ms, then -12 ms", "time (s)",
                "G (nS)", {g_series}};
  cum_plot.zero_line = false;
  write_svg(dir / "cumulative.svg", cum_plot);
  const auto [hmin, hmax] = std::minmax_element(highs.begin(), highs.end());
  const auto [lmin, lmax] = std::minmax_element(lows.begin(), lows.end());
  const double max_over_min = *hmin / *lmax;
  std::printf("2. Cumulative LTP/LTD (Fig. 6), device spread and cycle noise of the preset on:\n");
  std::printf("   %d cycles x (%d pairs at +%g ms, %d at -%g ms): G high %.0f..%.0f nS, low %.0f..%.0f nS,\n", kCycles,
              kPairs, kDt_ms, kPairs, kDt_ms, *hmin, *hmax, *lmin, *lmax);
  std::printf("   max/min >= %.1fx in every cycle\n\n", max_over_min);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("wrote %s/: stdp_forms.csv stdp_forms.svg cumulative.csv cumulative.svg and the networks that ran "
              "(stdp_<form>.pbtxt, cumulative.pbtxt)\nwall time %.2f s\n",
              dir.string().c_str(), wall);
  return 0;
}

}  // namespace ionspike
