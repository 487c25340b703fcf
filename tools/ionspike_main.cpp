// The ionspike command line: a thin layer over ionspike::core.
//
//   ionspike run NETWORK [--t-stop MS] [--seed N] [--out DIR] [--threads N]
//                        [--checkpoint-every MS] [--checkpoint FILE]
//   ionspike resume CHECKPOINT [--t-stop MS] [--out DIR] [--checkpoint-every MS] [--checkpoint FILE]
//   ionspike validate NETWORK
//   ionspike presets | stdp-curve ... | pulse-response ...   (tools/eis_commands.hpp)
//   ionspike demo [--out DIR]                                (tools/eis_demo.hpp)
//   ionspike --version
// Exit codes: 0 success, 1 runtime failure, 2 bad input (network file, checkpoint or
// arguments), 128 + signal when SIGINT/SIGTERM stopped a run (after its checkpoint). A
// failure on one MPI rank ends every rank (MPI_Abort by the failing rank, after its message).
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "engine/checkpoint.hpp"
#include "engine/rank_exchange.hpp"
#include "engine/run_report.hpp"
#include "engine/simulator.hpp"
#include "networks/memory_estimate.hpp"
#include "networks/network_builder.hpp"
#include "networks/network_loader.hpp"
#include "networks/network_validator.hpp"
#include "tools/eis_commands.hpp"
#include "tools/eis_demo.hpp"
#include "tools/progress_bar.hpp"
#ifdef IONSPIKE_HAVE_MPI
#include "engine/mpi_rank_exchange.hpp"
#endif

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

// Raised by SIGINT/SIGTERM; run_until polls it and stops at the next event boundary. A
// signal handler can only reach process-wide storage, hence these two file-scope variables
// (the only ones of the program; read by simulate() and report_signal_before_run()).
std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};  // (atomic, not volatile: the handler may run on a worker thread)
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int signal) {
  g_signal.store(signal, std::memory_order_relaxed);
  g_interrupted.store(true, std::memory_order_release);
}

// Installs the handlers for a whole run or resume, from before the network is loaded: a signal
// during the build (which can take minutes) stops the run at its first event, with a checkpoint
// and outputs like any stop; a second signal of the same kind kills the process as usual
// (SA_RESETHAND).
class StopSignals {
 public:
  StopSignals() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// Refuse before simulating, not after: an existing non-directory cannot receive outputs.
void refuse_output_dir(const std::filesystem::path& out_dir, const std::string& source, const std::string& field) {
  if (std::filesystem::exists(out_dir) && !std::filesystem::is_directory(out_dir))
    throw InputError({source}, field, "'" + out_dir.string() + "' exists and is not a directory");
}

struct CheckpointOptions {
  std::optional<double> every_ms;           // absent: the stored interval on resume, none on run
  std::optional<std::string> file;          // absent: <output dir>/checkpoint.ckpt
};

// A SIGINT/SIGTERM that arrived while the network was built or the checkpoint was read (the
// handlers are installed before): said at once, since the run will stop at its start.
void report_signal_before_run(const char* while_doing) {
  if (g_interrupted.load(std::memory_order_acquire))
    spdlog::warn("{} arrived while {}: the run stops at its start, with a checkpoint and its outputs",
                 g_signal.load(std::memory_order_relaxed) == SIGINT ? "SIGINT" : "SIGTERM", while_doing);
}

// Runs `sim` to its network's t_stop, writing a checkpoint every `every_ms` of simulated time
// (at its multiples, so a resumed run checkpoints at the same times), at the end when
// checkpointing, and whenever SIGINT/SIGTERM stops the run; then writes the outputs.
int simulate(Simulator& sim, const pb::Network& message, const std::string& network_file, double every_ms,
             const std::optional<std::string>& checkpoint_file, double build_s) {
  // A distributed run (mpiexec): every rank runs its part; rank 0 alone reports and writes.
  const bool distributed = sim.distributed();
  const bool writer = !distributed || sim.rank_exchange()->rank() == 0;
  const auto out_dir = sim.network().settings.output_dir;
  const std::filesystem::path ckpt = checkpoint_file ? std::filesystem::path(*checkpoint_file) : out_dir / "checkpoint.ckpt";
  // (Across MPI ranks: every rank writes its part, rank 0 the manifest at `ckpt`.)
  const auto save = [&] {
    if (ckpt.has_parent_path()) std::filesystem::create_directories(ckpt.parent_path());
    save_checkpoint(sim, message, network_file, every_ms, ckpt);
    spdlog::info("checkpoint at {} ms written to {}", sim.time_ms(), ckpt.string());
  };
  const double t_stop = sim.network().settings.t_stop_ms;
  ProgressBar bar;
  const auto t1 = Clock::now();
  bool complete = true;
  {
    sim.set_interrupt_flag(&g_interrupted);  // (the command has installed StopSignals)
    // Index of the next checkpoint time k * every_ms strictly after now.
    std::uint64_t k = every_ms > 0.0 ? static_cast<std::uint64_t>(std::floor(sim.time_ms() / every_ms)) : 0;
    do {
      double next = t_stop;
      if (every_ms > 0.0) {
        while (static_cast<double>(k) * every_ms <= sim.time_ms()) ++k;
        next = std::min(t_stop, static_cast<double>(k) * every_ms);
      }
      complete = sim.run_until(next, [&](double t, double) {
        if (writer) bar.update(t, t_stop);
      });
      if (complete && every_ms > 0.0 && next < t_stop) save();
    } while (complete && sim.time_ms() < t_stop);
    sim.set_interrupt_flag(nullptr);
  }
  if (writer) bar.finish();
  const double run_s = seconds_since(t1);
  // The signal that stopped the run, as every rank learns it (it may have reached only some).
  int signal = g_interrupted.load(std::memory_order_acquire) ? g_signal.load(std::memory_order_relaxed) : 0;
  if (!complete && distributed) {
    const double first = sim.rank_exchange()->min_over_ranks(signal > 0 ? signal : std::numeric_limits<double>::infinity());
    signal = std::isfinite(first) ? static_cast<int>(first) : SIGTERM;
  }
  if (!complete || every_ms > 0.0) save();
  // The weights other ranks own, for the outputs (a collective of all ranks).
  sim.consolidate_plastic_synapses();
  if (!writer) return complete ? kExitOk : 128 + signal;

  RunReport report = make_report(sim, network_file, build_s, run_s);
  write_outputs(sim, out_dir, report);
  std::fputs(format_report(report, out_dir).c_str(), stdout);
  if (complete) return kExitOk;
  const std::string launcher = distributed ? fmt::format("mpiexec -n {} ", sim.rank_exchange()->ranks()) : "";
  std::fprintf(stderr,
               "ionspike: stopped by %s at %.17g ms; outputs so far written to %s, checkpoint to %s\n"
               "  continue with: %sionspike resume %s\n",
               signal == SIGTERM ? "SIGTERM" : "SIGINT", sim.time_ms(), out_dir.string().c_str(),
               ckpt.string().c_str(), launcher.c_str(), ckpt.string().c_str());
  return 128 + signal;
}

// The process's peak resident memory (VmHWM of /proc/self/status), or "unknown".
std::string peak_memory() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return line.substr(line.find_first_not_of(" \t", 6));
  return "unknown";
}

int cmd_run(const std::string& file, const SimulationOverrides& overrides, const CheckpointOptions& checkpoint,
            const std::shared_ptr<RankExchange>& ranks, bool whole_network) {
  const StopSignals signals;
  const auto t0 = Clock::now();
  LoadedNetwork loaded = load_network_file(file);
  apply_overrides(loaded.message, overrides);
  if (checkpoint.every_ms && !(*checkpoint.every_ms > 0.0 && std::isfinite(*checkpoint.every_ms)))
    throw InputError({"command line"}, "--checkpoint-every", "must be a finite time > 0 ms");
  BuildNotes notes;
  // Across MPI ranks each rank generates and stores only the synapses onto its own neurons
  // (BuildOptions; the build is then a collective of the ranks).
  BuildOptions build;
  if (ranks && ranks->ranks() > 1 && !whole_network) build = {ranks->ranks(), ranks->rank(), std::nullopt, ranks.get()};
  spdlog::info("building the network of {}", file);
  RuntimeNetwork network = build_network(loaded, &notes, build);
  for (const std::string& w : notes.warnings) spdlog::warn("{}", w);
  const double build_s = seconds_since(t0);
  spdlog::info("built {} neurons, {} synapses in {:.3f} s", network.neuron_count(), network.synapse_count(),
               build_s);
  if (network.distribution && network.distribution->any_local())
    spdlog::info("rank {} of {} stores {} of the {} synapses (peak memory so far {})", network.distribution->rank,
                 network.distribution->ranks, network.stored_synapse_count(), network.synapse_count(),
                 peak_memory());
  refuse_output_dir(network.settings.output_dir, overrides.output_dir ? "command line" : file,
                    overrides.output_dir ? "--out" : "simulation.output_dir");
  Simulator sim(std::move(network));
  if (ranks && ranks->ranks() > 1) sim.set_rank_exchange(ranks);
  report_signal_before_run("the network was loaded and built");
  return simulate(sim, loaded.message, file, checkpoint.every_ms.value_or(0.0), checkpoint.file, build_s);
}

int cmd_resume(const std::string& checkpoint_path, const ResumeChanges& changes, const CheckpointOptions& checkpoint,
               const std::shared_ptr<RankExchange>& ranks) {
  const StopSignals signals;
  const auto t0 = Clock::now();
  if (checkpoint.every_ms && !(*checkpoint.every_ms >= 0.0 && std::isfinite(*checkpoint.every_ms)))
    throw InputError({"command line"}, "--checkpoint-every", "must be a finite time >= 0 ms (0: none)");
  ResumedSimulation resumed = resume_checkpoint(checkpoint_path, changes, {}, ranks);
  refuse_output_dir(resumed.simulator.network().settings.output_dir,
                    changes.output_dir ? "command line" : checkpoint_path,
                    changes.output_dir ? "--out" : "simulation.output_dir");
  const double build_s = seconds_since(t0);
  spdlog::info("resumed {} at {} ms in {:.3f} s", checkpoint_path, resumed.simulator.time_ms(), build_s);
  report_signal_before_run("the checkpoint was read");
  return simulate(resumed.simulator, resumed.network, resumed.network_file,
                  checkpoint.every_ms.value_or(resumed.checkpoint_every_ms), checkpoint.file, build_s);
}

}  // namespace

int main(int argc, char** argv) {
  // Started by mpiexec, a build with -DIONSPIKE_MPI=ON runs `ionspike run` across the ranks
  // (docs/mpi.md): every rank builds the network and runs its shards; rank 0 writes.
  std::shared_ptr<RankExchange> ranks;
#ifdef IONSPIKE_HAVE_MPI
  MpiWorld mpi(argc, argv);
  if (mpi.size() > 1) ranks = std::make_shared<MpiRankExchange>(mpi);
#endif
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
  run->add_option("--threads", overrides.threads, "threads for building and running the network (results are the same for any count)")
      ->check(CLI::Range(1u, 1024u));
  CheckpointOptions checkpoint;
  run->add_option("--checkpoint-every", checkpoint.every_ms,
                  "write a checkpoint every MS of simulated time (and at the end; SIGINT/SIGTERM always write one)");
  run->add_option("--checkpoint", checkpoint.file, "checkpoint file (default: <output dir>/checkpoint.ckpt)");
  bool whole_network = false;
  run->add_flag("--whole-network", whole_network,
                "under mpiexec: every rank builds every synapse (default: each rank only those onto its neurons)");

  std::string checkpoint_path;
  ResumeChanges resume_changes;
  CLI::App* resume = app.add_subcommand("resume", "continue a run from its checkpoint, bit-identically");
  resume->add_option("checkpoint", checkpoint_path, "checkpoint file written by run or resume")->required();
  resume->add_option("--t-stop", resume_changes.t_stop_ms, "run until this time in ms (default: the network's)")
      ->check(CLI::PositiveNumber);
  resume->add_option("--out", resume_changes.output_dir, "output directory (default: the run's)");
  resume->add_option("--checkpoint-every", checkpoint.every_ms, "checkpoint interval in ms (default: the run's; 0: none)");
  resume->add_option("--checkpoint", checkpoint.file, "checkpoint file (default: <output dir>/checkpoint.ckpt)");

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
  spdlog::set_level(ranks && ranks->rank() > 0 ? spdlog::level::err : spdlog::level::from_str(log_level));
  spdlog::set_pattern("[%l] %v");

  // A failure on one rank of several ends the job: the other ranks may wait in a collective.
  const auto fail = [&](int code) {
#ifdef IONSPIKE_HAVE_MPI
    if (mpi.size() > 1) {
      std::fflush(stderr);
      mpi.abort(code);
    }
#endif
    return code;
  };
  try {
    if (run->parsed()) return cmd_run(network_file, overrides, checkpoint, ranks, whole_network);
    if (resume->parsed()) return cmd_resume(checkpoint_path, resume_changes, checkpoint, ranks);
    if (presets->parsed()) return cmd_presets();
    if (demo->parsed()) return cmd_demo(demo_out);
    if (stdp_cmd->parsed()) return cmd_stdp_curve(stdp);
    if (pulse_cmd->parsed()) return cmd_pulse_response(pulse);
    return cmd_validate(network_file);
  } catch (const FailedOnAnotherRank& e) {
    // Every rank knows: this one leaves normally (the failing rank reports and ends the job).
    std::fprintf(stderr, "ionspike: %s\n", e.what());
    return kExitRuntime;
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return fail(kExitBadInput);
  } catch (const CheckpointError& e) {
    std::fprintf(stderr, "ionspike: %s\n", e.what());
    return fail(kExitBadInput);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ionspike: error: %s\n", e.what());
    return fail(kExitRuntime);
  }
}
