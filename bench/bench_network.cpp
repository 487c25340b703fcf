// Benchmark of one network file: build time, simulation wall time, spikes, synaptic events,
// time per delivered synaptic event, bytes per synapse (measured from the allocator) and
// peak resident memory. Prints a markdown table row per repetition and the median.
// Synaptic events are the deliveries to single synapses plus the input spikes of the grid
// populations' poisson_inputs (each stands for one delivery of an explicit Poisson source;
// counted separately on the last lines).
//
//   bench_network NETWORK [--t-stop MS] [--repeat N]
//
// Bytes per synapse: heap in use (glibc mallinfo2) after building the network, minus the
// heap in use after building the same network without its projections, divided by the
// synapse count. This counts everything a synapse costs at run time (8-byte synapse, delay
// groups, row index, allocator overhead), not sizeof.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <cstdio>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/simulator.hpp"
#include "networks/network_builder.hpp"
#include "networks/network_loader.hpp"
#include "neurons/poisson_input.hpp"

namespace {

using namespace ionspike;
using Clock = std::chrono::steady_clock;

std::size_t heap_in_use() {
  malloc_trim(0);
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// Peak resident memory of this process: VmHWM from /proc/self/status. (getrusage's
// ru_maxrss survives exec, so a benchmark launched from a large process, e.g. Python with
// Brian2 loaded, would report its parent's peak.)
double peak_rss_MiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // in kB
  return 0.0;
}

struct Result {
  double build_s, run_s;
  std::uint64_t spikes, synaptic_events, synapses, neurons;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ionspike network benchmark"};
  std::string file;
  double t_stop_ms = 0.0;
  int repeat = 3;
  unsigned threads = 0;
  app.add_option("network", file, "network file")->required();
  app.add_option("--threads", threads, "threads to build and run with (default: the file's)")->check(CLI::Range(1, 256));
  app.add_option("--t-stop", t_stop_ms, "simulated time in ms (default: the file's)");
  app.add_option("--repeat", repeat, "repetitions")->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);

  try {
    LoadedNetwork loaded = load_network_file(file);
    if (t_stop_ms > 0) loaded.message.mutable_simulation()->set_t_stop_ms(t_stop_ms);
    if (threads > 0) loaded.message.mutable_simulation()->set_threads(threads);
    const double t_stop = loaded.message.simulation().t_stop_ms();

    // Heap cost of the synapses.
    double bytes_per_synapse = 0.0;
    {
      LoadedNetwork bare = load_network_file(file);
      bare.message.clear_projections();
      bare.message.clear_conductance_recorders();  // they name EIS projections (a few bytes each)
      const std::size_t h0 = heap_in_use();
      std::size_t without = 0, with = 0, synapses = 0;
      {
        RuntimeNetwork net = build_network(bare);
        without = heap_in_use() - h0;
      }
      {
        RuntimeNetwork net = build_network(loaded);
        with = heap_in_use() - h0;
        synapses = net.synapse_count();
      }
      bytes_per_synapse = synapses ? static_cast<double>(with - without) / static_cast<double>(synapses) : 0.0;
    }

    std::printf("# %s, %g ms simulated, %d repetitions, %u threads\n\n", file.c_str(), t_stop, repeat,
                loaded.message.simulation().threads());
    std::printf("| run | neurons | synapses | build s | sim s | spikes | rate Hz | synaptic events | ns / syn. event |\n");
    std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    std::vector<double> build_s, run_s, ns_per_event;
    Result r{};
    std::uint64_t neuron_spikes = 0, neurons_only = 0;  // populations that take input (no sources)
    std::uint64_t events_popped = 0, events_pending = 0, poisson_input_spikes = 0;
    std::string serial_reason;
    for (int k = 0; k < repeat; ++k) {
      const auto t0 = Clock::now();
      Simulator sim(build_network(loaded));
      const auto t1 = Clock::now();
      sim.run_until(t_stop);
      const auto t2 = Clock::now();
      poisson_input_spikes = 0;
      for (const auto& pop : sim.network().populations)
        if (const auto* receiver = dynamic_cast<const PoissonInputReceiver*>(pop.get()))
          poisson_input_spikes += receiver->poisson_input_spikes();
      r = {std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count(),
           sim.counters().spikes, sim.counters().synaptic_events + poisson_input_spikes,
           sim.network().synapse_count(), sim.network().neuron_count()};
      const double ns = r.synaptic_events ? 1e9 * r.run_s / static_cast<double>(r.synaptic_events) : 0.0;
      events_popped = sim.counters().events;
      serial_reason = sim.parallel_obstacle();
      events_pending = sim.pending_events();
      neuron_spikes = neurons_only = 0;
      for (std::uint32_t p = 0; p < sim.network().populations.size(); ++p)
        if (sim.network().populations[p]->weight_unit() != WeightUnit::None) {
          neuron_spikes += sim.counters().spikes_per_population[p];
          neurons_only += sim.network().populations[p]->size();
        }
      build_s.push_back(r.build_s);
      run_s.push_back(r.run_s);
      ns_per_event.push_back(ns);
      std::printf("| %d | %llu | %llu | %.3f | %.3f | %llu | %.2f | %llu | %.1f |\n", k + 1,
                  static_cast<unsigned long long>(r.neurons), static_cast<unsigned long long>(r.synapses),
                  r.build_s, r.run_s, static_cast<unsigned long long>(r.spikes),
                  static_cast<double>(r.spikes) / (static_cast<double>(r.neurons) * t_stop * 1e-3),
                  static_cast<unsigned long long>(r.synaptic_events), ns);
    }
    std::printf("\nmedian: build %.3f s, simulation %.3f s, %.1f ns per delivered synaptic event\n",
                median(build_s), median(run_s), median(ns_per_event));
    if (!serial_reason.empty()) std::printf("ran on one thread: %s\n", serial_reason.c_str());
    std::printf("bytes per synapse (allocator): %.2f\n", bytes_per_synapse);
    std::printf("peak resident memory: %.1f MiB\n", peak_rss_MiB());
    std::printf("(rate counts every population, spike sources included)\n");
    std::printf("events popped: %llu (%.2f per synaptic event), pending at the end: %llu\n",
                static_cast<unsigned long long>(events_popped),
                r.synaptic_events ? static_cast<double>(events_popped) / static_cast<double>(r.synaptic_events) : 0.0,
                static_cast<unsigned long long>(events_pending));
    std::printf("neuron rate (sources excluded): %.4f Hz, %llu spikes of %llu neurons\n",
                neurons_only ? static_cast<double>(neuron_spikes) / (static_cast<double>(neurons_only) * t_stop * 1e-3) : 0.0,
                static_cast<unsigned long long>(neuron_spikes), static_cast<unsigned long long>(neurons_only));
    std::printf("poisson_inputs input spikes (included in the synaptic events): %llu\n",
                static_cast<unsigned long long>(poisson_input_spikes));
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_network: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
