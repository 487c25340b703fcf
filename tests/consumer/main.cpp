// A third-party program on the installed package, through the public API only
// (<ionspike/ionspike.hpp>): builds a network in code, runs it, continues it after changing
// a parameter, reads spikes and weights, saves the network text, reloads it and checks that
// the reloaded network gives the same spikes. Exits 1 if any check fails.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <ionspike/ionspike.hpp>

namespace {

int failures = 0;
void check(bool ok, const char* what) {
  std::printf("  %-58s %s\n", what, ok ? "ok" : "FAILED");
  if (!ok) ++failures;
}

ionspike::NetworkSpec small_network() {
  using ionspike::Connector, ionspike::Distribution, ionspike::Weight;
  ionspike::NetworkSpec net("consumer network");
  net.simulation({{"t_stop_ms", 400.0}, {"seed", 3}, {"min_delay_ms", 0.5}})
      .population("drive", 20, "poisson_source", {{"rate_Hz", 40.0}})
      .population("cells", 10, "lif_exp",
                  {{"tau_m_ms", 20.0}, {"e_l_mV", -65.0}, {"v_th_mV", -50.0}, {"v_reset_mV", -65.0},
                   {"tau_syn_ex_ms", 5.0}})
      .stdp_projection("in", "drive", "cells", Connector::fixed_probability(0.5),
                       Weight::pA(Distribution::uniform(100.0, 300.0)), 1.0, {{"w_max_pA", 400.0}})
      .spike_recorder("spikes")
      .state_recorder("v", "cells", "v_mV", 0.5, {0, 3});
  return net;
}

std::size_t count_of(const ionspike::SpikeArrays& s, std::uint32_t population, double after_ms) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) n += s.population[i] == population && s.times_ms[i] > after_ms;
  return n;
}

}  // namespace

int main() {
  std::printf("ionspike %s, public API\n", ionspike::version());
  ionspike::Session sim(small_network());
  const std::uint32_t drive = sim.population("drive").id, cells = sim.population("cells").id;
  const std::vector<double> w_start = sim.weights("in");

  sim.run_for(200.0);
  const ionspike::SpikeArrays first = sim.spikes("spikes");
  const std::vector<double> w_200 = sim.weights("in");
  std::printf("t = %.0f ms: %zu spikes (%zu of cells), %zu STDP synapses, weight[0] %.3f -> %.3f pA\n",
              sim.time_ms(), first.size(), count_of(first, cells, 0.0), w_200.size(), w_start[0], w_200[0]);

  sim.set_poisson_rate("drive", 0.0);  // between runs: silence the input from now on
  sim.run_for(200.0);                  // continues from 200 ms
  const ionspike::SpikeArrays all = sim.spikes("spikes");
  const ionspike::StateArrays v = sim.state("v");
  std::printf("t = %.0f ms: %zu spikes, drive spikes after 200 ms: %zu, v samples %zu x %zu\n", sim.time_ms(),
              all.size(), count_of(all, drive, 200.0), v.rows(), v.columns.size());

  const std::string path = "consumer_network.pbtxt";
  sim.save(path);
  ionspike::Session again = ionspike::Session::from_file(path);
  again.run_until(200.0);
  const ionspike::SpikeArrays replay = again.spikes("spikes");
  std::printf("reloaded %s: %zu spikes in 200 ms\n", path.c_str(), replay.size());

  std::string field;
  try {
    ionspike::NetworkSpec bad("bad network");
    bad.population("cells", 10, "lif_exp", {{"tau_m_ms", -5.0}});
    ionspike::Session s(std::move(bad));
  } catch (const ionspike::NetworkError& e) {
    field = e.field();
    std::printf("NetworkError: %s\n", e.what());
  }

  std::printf("checks:\n");
  check(count_of(first, cells, 0.0) > 0, "cells spiked in the first run");
  check(w_200 != w_start, "STDP changed the weights");
  check(count_of(all, drive, 200.0) == 0 && count_of(first, drive, 0.0) > 0, "rate 0 Hz silenced the drive");
  check(v.rows() == 801 && v.columns.size() == 2, "801 samples of 2 neurons in 400 ms");
  check(replay.times_ms == first.times_ms && replay.neuron == first.neuron, "reloaded network: the same spikes");
  std::ifstream saved(path);
  const std::string text((std::istreambuf_iterator<char>(saved)), std::istreambuf_iterator<char>());
  check(text == sim.network_text(), "saved file equals network_text()");
  check(field == "populations[0].lif_exp.tau_m_ms", "bad parameter names its field");
  std::printf("%s\n", failures ? "consumer: FAILED" : "consumer: all checks passed");
  return failures ? 1 : 0;
}
