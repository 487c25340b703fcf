// The ionspike command line: a thin layer over ionspike::core.
//
//   ionspike run NETWORK [--t-stop MS] [--seed N] [--out DIR] [--threads N]
//   ionspike validate NETWORK
//   ionspike presets | stdp-curve ... | pulse-response ...   (tools/eis_commands.hpp)
//   ionspike demo [--out DIR]                                (tools/eis_demo.hpp)
//   ionspike --version
// Exit codes: 0 success, 1 runtime failure, 2 bad input (network file or arguments).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "engine/run_report.hpp"
#include "engine/simulator.hpp"
#include "networks/memory_estimate.hpp"
#include "networks/network_builder.hpp"
#include "networks/network_loader.hpp"
#include "networks/network_validator.hpp"
#include "tools/eis_commands.hpp"
#include "tools/eis_demo.hpp"
#include "tools/progress_bar.hpp"

namespace {

using namespace ionspike;
using Clock = std::chrono::steady_clock;

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitBadInput = 2;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

int cmd_validate(const std::string& file) {
  LoadedNetwork net = load_network_file(file);
  validate_network(net);
  const MemoryEstimate est = estimate_memory(net.message);
  std::printf("%s: valid (format version %u): %d populations, %d projections, ~%.4g synapses, "
              "~%.3g GiB to build\n",
              file.c_str(), net.message.format_version(), net.message.populations_size(),
              net.message.projections_size(), est.synapses, est.total_bytes / 1073741824.0);
  return kExitOk;
}

int cmd_run(const std::string& file, const SimulationOverrides& overrides) {
  const auto t0 = Clock::now();
  LoadedNetwork loaded = load_network_file(file);
  apply_overrides(loaded.message, overrides);
  BuildNotes notes;
  RuntimeNetwork network = build_network(loaded, &notes);
  for (const std::string& w : notes.warnings) spdlog::warn("{}", w);
  const double build_s = seconds_since(t0);
  spdlog::info("built {} neurons, {} synapses in {:.3f} s", network.neuron_count(), network.synapse_count(),
               build_s);

  const auto out_dir = network.settings.output_dir;
  // Refuse before simulating, not after: an existing non-directory cannot receive outputs.
  if (std::filesystem::exists(out_dir) && !std::filesystem::is_directory(out_dir))
    throw InputError({overrides.output_dir ? "command line" : file},
                     overrides.output_dir ? "--out" : "simulation.output_dir",
                     "'" + out_dir.string() + "' exists and is not a directory");
  const double t_stop = network.settings.t_stop_ms;
  Simulator sim(std::move(network));
  ProgressBar bar;
  const auto t1 = Clock::now();
  sim.run_until(t_stop, [&](double t, double stop) { bar.update(t, stop); });
  bar.finish();
  const double run_s = seconds_since(t1);

  RunReport report = make_report(sim, file, build_s, run_s);
  write_outputs(sim, out_dir, report);
  std::fputs(format_report(report, out_dir).c_str(), stdout);
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ionspike: event-driven spiking neural network simulator with electrochemical ionic synapses"};
  app.set_version_flag("--version", std::string("ionspike ") + IONSPIKE_VERSION);
  app.require_subcommand(1);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));

  std::string network_file;
  SimulationOverrides overrides;
  CLI::App* run = app.add_subcommand("run", "build and simulate a network, write its recordings");
  run->add_option("network", network_file, "network file (.pbtxt text or .pb binary)")->required();
  run->add_option("--t-stop", overrides.t_stop_ms, "simulated time in ms (overrides the file)")
      ->check(CLI::PositiveNumber);
  run->add_option("--seed", overrides.seed, "master random seed (overrides the file)");
  run->add_option("--out", overrides.output_dir, "output directory (overrides the file)");
  run->add_option("--threads", overrides.threads, "threads for building the network")
      ->check(CLI::Range(1u, 1024u));

  CLI::App* validate = app.add_subcommand("validate", "check a network file and report its size");
  validate->add_option("network", network_file, "network file (.pbtxt text or .pb binary)")->required();

  CLI::App* presets = app.add_subcommand("presets", "list the EIS device and waveform presets");

  std::string demo_out = "out/demo";
  CLI::App* demo = app.add_subcommand("demo", "EIS synapses in the engine: four STDP forms, cumulative LTP/LTD");
  demo->add_option("--out", demo_out, "output directory")->capture_default_str();

  StdpCurveOptions stdp;
  CLI::App* stdp_cmd = app.add_subcommand("stdp-curve", "dG vs dt of one EIS device for a waveform pair (CSV, SVG)");
  stdp_cmd->add_option("--device", stdp.device, "device preset or EisDevice .pbtxt file")->capture_default_str();
  stdp_cmd->add_option("--waveforms", stdp.waveforms, "waveform preset or WaveformPair .pbtxt file")->capture_default_str();
  stdp_cmd->add_option("--g0", stdp.g0_nS, "initial conductance, nS")->capture_default_str();
  stdp_cmd->add_option("--dt-min", stdp.dt_min_ms, "first dt = t_post - t_pre, ms")->capture_default_str();
  stdp_cmd->add_option("--dt-max", stdp.dt_max_ms, "last dt, ms")->capture_default_str();
  stdp_cmd->add_option("--dt-step", stdp.dt_step_ms, "dt step, ms")->capture_default_str();
  stdp_cmd->add_option("--a-pre", stdp.a_pre, "scale of V_pre at the gate")->capture_default_str();
  stdp_cmd->add_option("--a-post", stdp.a_post, "scale of V_post at the gate (dopamine: -1 .. 1)")->capture_default_str();
  stdp_cmd->add_option("--scale", stdp.scale, "factor on dG (the seed paper fits 0.5-0.7)")->capture_default_str();
  stdp_cmd->add_option("--out", stdp.out_dir, "output directory")->capture_default_str();

  PulseResponseOptions pulse;
  CLI::App* pulse_cmd = app.add_subcommand("pulse-response", "dG vs pulse voltage and length of one EIS device (Fig. 2)");
  pulse_cmd->add_option("--device", pulse.device, "device preset or EisDevice .pbtxt file")->capture_default_str();
  pulse_cmd->add_option("--voltages", pulse.voltages_V, "gate pulse voltages, V")->delimiter(',');
  pulse_cmd->add_option("--durations", pulse.durations_ms, "pulse lengths, ms")->delimiter(',');
  pulse_cmd->add_option("--g0", pulse.g0_nS, "initial conductance, nS")->capture_default_str();
  pulse_cmd->add_option("--out", pulse.out_dir, "output directory")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitBadInput;
  }

  auto logger = spdlog::stderr_color_mt("ionspike");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(log_level));
  spdlog::set_pattern("[%l] %v");

  try {
    if (run->parsed()) return cmd_run(network_file, overrides);
    if (presets->parsed()) return cmd_presets();
    if (demo->parsed()) return cmd_demo(demo_out);
    if (stdp_cmd->parsed()) return cmd_stdp_curve(stdp);
    if (pulse_cmd->parsed()) return cmd_pulse_response(pulse);
    return cmd_validate(network_file);
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ionspike: error: %s\n", e.what());
    return kExitRuntime;
  }
}
