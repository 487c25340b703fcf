// Builds a network in code from the installed headers, runs it, checks it spiked.
#include <cstdio>

#include <ionspike/engine/simulator.hpp>
#include <ionspike/networks/network_builder.hpp>
#include <ionspike/networks/network_loader.hpp>

int main() {
  const char* text = R"(
    format_version: 1
    populations { name: "drive" size: 10 poisson_source { rate_Hz: 50 } }
    populations { name: "cells" size: 10 lif_delta { i_e_pA: 100 } }
    projections { name: "in" pre: "drive" post: "cells" one_to_one {} weight_mV { constant: 5 } }
    spike_recorders { name: "spikes" }
  )";
  ionspike::Simulator sim(ionspike::build_network(ionspike::parse_network_text(text, "consumer")));
  sim.run_until(1000.0);
  const auto spikes = sim.counters().spikes_per_population[sim.network().population_id("cells")];
  std::printf("consumer: %llu spikes from 'cells'\n", static_cast<unsigned long long>(spikes));
  return spikes > 0 ? 0 : 1;
}
