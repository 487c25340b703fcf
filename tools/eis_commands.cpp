#include "tools/eis_commands.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "networks/input_error.hpp"
#include "networks/network_loader.hpp"
#include "synapses/eis_device.hpp"
#include "synapses/eis_presets.hpp"
#include "synapses/eis_protocols.hpp"
#include "tools/svg_plot.hpp"

namespace ionspike {
namespace {

bool is_file_reference(const std::string& s) {
  return s.find('/') != std::string::npos || s.ends_with(".pbtxt") || s.ends_with(".txtpb");
}

// Reads a text-format message from a file; errors name the file, line and field.
template <class Message>
Message parse_text_file(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) throw InputError({path}, "", std::string("cannot open ") + what + " file");
  std::ostringstream text;
  text << in.rdbuf();
  Message message;
  parse_text_message(text.str(), path, message);
  return message;
}

// Runs fn(); an std::invalid_argument it throws (unknown preset, invalid device or
// waveform) becomes an input error attributed to the command-line option.
template <class Fn>
auto as_input_error(const char* option, Fn&& fn) {
  try {
    return fn();
  } catch (const std::invalid_argument& e) {
    throw InputError({"command line"}, option, e.what());
  }
}

std::filesystem::path make_output_dir(const std::string& dir) {
  std::filesystem::path p(dir);
  if (std::filesystem::exists(p) && !std::filesystem::is_directory(p))
    throw InputError({"command line"}, "--out", "'" + dir + "' exists and is not a directory");
  std::filesystem::create_directories(p);
  return p;
}

}  // namespace

pb::EisDevice load_device(const std::string& name_or_file) {
  if (is_file_reference(name_or_file)) return parse_text_file<pb::EisDevice>(name_or_file, "device");
  return as_input_error("--device", [&] { return device_preset(name_or_file); });
}

pb::WaveformPair load_waveform_pair(const std::string& name_or_file) {
  if (is_file_reference(name_or_file)) return parse_text_file<pb::WaveformPair>(name_or_file, "waveform pair");
  return as_input_error("--waveforms", [&] { return waveform_preset(name_or_file); });
}

int cmd_presets() {
  for (const char* kind : {"devices", "waveforms"}) {
    std::printf("%s:\n", kind);
    for (const std::string& name : preset_names(kind)) {
      std::string description;
      if (std::string(kind) == "waveforms") description = waveform_preset(name).description();
      else description = device_preset(name).name();
      std::printf("  %-24s %s\n", name.c_str(), description.c_str());
    }
  }
  return 0;
}

int cmd_stdp_curve(const StdpCurveOptions& o) {
  const pb::EisDevice device_message = load_device(o.device);
  const pb::WaveformPair pair = load_waveform_pair(o.waveforms);
  const EisDevice device = as_input_error("--device", [&] { return EisDevice(device_message); });
  const Waveform pre = as_input_error("--waveforms", [&] { return Waveform(pair.pre()); });
  const Waveform post = as_input_error("--waveforms", [&] { return Waveform(pair.post()); });
  if (!(o.dt_step_ms > 0) || !(o.dt_max_ms >= o.dt_min_ms) || (o.dt_max_ms - o.dt_min_ms) / o.dt_step_ms > 1e6)
    throw InputError({"command line"}, "--dt-step", "needs dt-step > 0, dt-max >= dt-min and at most 1e6 points");
  if (!(o.g0_nS >= device.g_min_nS() && o.g0_nS <= device.g_max_nS()))
    throw InputError({"command line"}, "--g0",
                     fmt::format("must be in [{:g}, {:g}] nS (the device's bounds), got {:g}", device.g_min_nS(),
                                 device.g_max_nS(), o.g0_nS));
  std::vector<double> dts;
  const auto steps = static_cast<long>(std::floor((o.dt_max_ms - o.dt_min_ms) / o.dt_step_ms + 1e-9));
  for (long i = 0; i <= steps; ++i) dts.push_back(o.dt_min_ms + static_cast<double>(i) * o.dt_step_ms);
  EisEnergy energy;
  const auto curve = stdp_curve(device, pre, post, dts, o.g0_nS, o.a_pre, o.a_post, o.scale, &energy);

  const auto dir = make_output_dir(o.out_dir);
  AtomicFile csv(dir / "stdp_curve.csv");
  csv.stream() << "dt_ms,dG_nS\n";
  for (const auto& p : curve) csv.stream() << fmt::format("{:.17g},{:.17g}\n", p.dt_ms, p.dG_nS);
  csv.commit();
  Plot plot{fmt::format("STDP of {} with waveforms {} (G0 = {:g} nS)", device_message.name(), pair.name(), o.g0_nS),
            "dt = t_post - t_pre (ms)", "dG (nS)", {}};
  PlotSeries series{pair.name(), {}, {}};
  for (const auto& p : curve) series.x.push_back(p.dt_ms), series.y.push_back(p.dG_nS);
  plot.series.push_back(series);
  write_svg(dir / "stdp_curve.svg", plot);

  std::printf("stdp-curve: device %s, waveforms %s, G0 %g nS, a_pre %g, a_post %g, scale %g\n",
              device_message.name().c_str(), pair.name().c_str(), o.g0_nS, o.a_pre, o.a_post, o.scale);
  std::printf("  %12s  %14s\n", "dt_ms", "dG_nS");
  const std::size_t rows = std::min<std::size_t>(curve.size(), 13);  // evenly spread over the grid
  for (std::size_t r = 0; r < rows; ++r) {
    const auto& p = curve[rows > 1 ? r * (curve.size() - 1) / (rows - 1) : 0];
    std::printf("  %12.6g  %14.6g\n", p.dt_ms, p.dG_nS);
  }
  std::printf("  energy per pair event: %.4g fJ (ion insertion %.3g fJ, gate charging %.3g fJ, divider %.3g fJ)\n",
              energy.total_fJ(), energy.insertion_fJ, energy.gate_fJ, energy.divider_fJ);
  std::printf("  wrote %s/stdp_curve.csv, %s/stdp_curve.svg\n", dir.string().c_str(), dir.string().c_str());
  return 0;
}

int cmd_pulse_response(const PulseResponseOptions& o) {
  const pb::EisDevice device_message = load_device(o.device);
  const EisDevice device = as_input_error("--device", [&] { return EisDevice(device_message); });
  for (double d : o.durations_ms)
    if (!(d > 0) || !std::isfinite(d))
      throw InputError({"command line"}, "--durations", fmt::format("must be > 0 ms, got {:g}", d));
  for (double v : o.voltages_V)
    if (!std::isfinite(v) || std::abs(v) > 100)
      throw InputError({"command line"}, "--voltages", fmt::format("must be in [-100, 100] V, got {:g}", v));
  if (!(o.g0_nS >= device.g_min_nS() && o.g0_nS <= device.g_max_nS()))
    throw InputError({"command line"}, "--g0", fmt::format("must be in [{:g}, {:g}] nS, got {:g}",
                                                           device.g_min_nS(), device.g_max_nS(), o.g0_nS));
  const auto points = pulse_response(device, o.voltages_V, o.durations_ms, o.g0_nS);
  const auto dir = make_output_dir(o.out_dir);
  AtomicFile csv(dir / "pulse_response.csv");
  csv.stream() << "v_V,duration_ms,dG_nS\n";
  for (const auto& p : points) csv.stream() << fmt::format("{:.17g},{:.17g},{:.17g}\n", p.v_V, p.duration_ms, p.dG_nS);
  csv.commit();
  Plot plot{fmt::format("Pulse response of {} (G0 = {:g} nS)", device_message.name(), o.g0_nS), "pulse length (ms)",
            "|dG| (nS)", {}};
  plot.log_x = plot.log_y = true;
  for (double v : o.voltages_V) {
    PlotSeries s{fmt::format("{:+g} V", v), {}, {}};
    for (const auto& p : points)
      if (p.v_V == v) s.x.push_back(p.duration_ms), s.y.push_back(std::abs(p.dG_nS));
    plot.series.push_back(s);
  }
  write_svg(dir / "pulse_response.svg", plot);

  std::printf("pulse-response: device %s, G0 %g nS; dG (nS) for a rectangular gate pulse\n",
              device_message.name().c_str(), o.g0_nS);
  std::printf("  %8s", "V \\ ms");
  for (double d : o.durations_ms) std::printf(" %10g", d);
  std::printf("\n");
  for (double v : o.voltages_V) {
    std::printf("  %8g", v);
    for (const auto& p : points)
      if (p.v_V == v) std::printf(" %10.4g", p.dG_nS);
    std::printf("\n");
  }
  // Speed-up of the rate between voltages (the seed paper's Fig. 2 anchors: 2->4 V ~60x, 2->6 V ~1000x).
  const double r2 = device.rate_nS_per_ms(2.0, o.g0_nS), r4 = device.rate_nS_per_ms(4.0, o.g0_nS),
               r6 = device.rate_nS_per_ms(6.0, o.g0_nS);
  if (r2 > 0) std::printf("  rate ratios at G0: 4 V / 2 V = %.1f, 6 V / 2 V = %.0f\n", r4 / r2, r6 / r2);
  std::printf("  wrote %s/pulse_response.csv, %s/pulse_response.svg\n", dir.string().c_str(), dir.string().c_str());
  return 0;
}

}  // namespace ionspike
