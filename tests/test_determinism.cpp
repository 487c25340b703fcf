// Reproducibility: same seed -> bit-identical spikes, independent of thread count and of the
// declaration order in the file; a different seed gives different results. And the Brette
// et al. (2007) benchmark 4 example sustains its activity.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "test_support.hpp"

using namespace ionspike;

namespace {

// Blocks of the network file; the populations have more than kConnectBlock (1024) neurons so
// that connectivity is generated in several blocks (in parallel with threads > 1).
struct Blocks {
  std::vector<std::string> populations, projections;
};

Blocks balanced_blocks() {
  Blocks b;
  b.populations = {
      R"(populations { name: "exc" size: 1600 lif_exp { tau_m_ms: 20 e_l_mV: -60 v_th_mV: -50 v_reset_mV: -60
         t_ref_ms: 2 tau_syn_ex_ms: 5 tau_syn_in_ms: 10 v_init_mV { uniform { low: -60 high: -50 } } } })",
      R"(populations { name: "inh" size: 1100 lif_delta { tau_m_ms: 10 e_l_mV: -60 v_th_mV: -50 v_reset_mV: -60
         t_ref_ms: 1 v_init_mV { normal { mean: -55 stddev: 3 low: -60 high: -50 } } } })",
      R"(populations { name: "ext" size: 300 poisson_source { rate_Hz: 20 } })",
  };
  b.projections = {
      R"(projections { name: "ext_exc" pre: "ext" post: "exc" fixed_in_degree { k: 30 }
         weight_pA { uniform { low: 40 high: 80 } } delay_ms { uniform { low: 0.5 high: 2 } } })",
      R"(projections { name: "ext_inh" pre: "ext" post: "inh" fixed_probability { p: 0.1 }
         weight_mV { normal { mean: 0.6 stddev: 0.2 low: 0 high: 2 } } })",
      R"(projections { name: "ee" pre: "exc" post: "exc" fixed_probability { p: 0.02 allow_autapses: false }
         weight_pA { normal { mean: 20 stddev: 5 low: 0 high: 40 } } delay_ms { uniform { low: 1 high: 3 } } })",
      R"(projections { name: "ei" pre: "exc" post: "inh" fixed_in_degree { k: 40 allow_multapses: false }
         weight_mV { uniform { low: 0.1 high: 0.4 } } delay_ms { normal { mean: 1.5 stddev: 0.5 low: 0.5 high: 3 } } })",
      R"(projections { name: "ie" pre: "inh" post: "exc" fixed_in_degree { k: 20 } weight_pA { constant: 60 }
         receptor: INHIBITORY delay_ms { constant: 0.8 } })",
      R"(projections { name: "ii" pre: "inh" post: "inh" fixed_probability { p: 0.02 allow_autapses: false }
         weight_mV { uniform { low: 0.5 high: 1 } } receptor: INHIBITORY delay_ms { uniform { low: 0.5 high: 1.5 } } })",
  };
  return b;
}

std::string network_text(const Blocks& b, std::uint64_t seed, std::uint32_t threads) {
  std::string text = "format_version: 1\nsimulation { seed: " + std::to_string(seed) +
                     " threads: " + std::to_string(threads) + " min_delay_ms: 0.5 }\n";
  for (const auto& p : b.populations) text += p + "\n";
  for (const auto& p : b.projections) text += p + "\n";
  return text + "spike_recorders { name: \"spikes\" }\n";
}

constexpr double kRunMs = 150.0;

struct Result {
  std::vector<std::tuple<double, std::string, std::uint32_t>> spikes;  // by population name
  std::map<std::string, std::vector<std::tuple<std::uint32_t, std::uint32_t, float, double>>> synapses;
  std::map<std::string, std::vector<std::tuple<std::uint32_t, std::uint32_t>>> csr;  // row ranges
};

Result run(const std::string& text) {
  Simulator sim = test::run_text(text, kRunMs);
  const RuntimeNetwork& net = sim.network();
  Result r;
  for (const SpikeRecord& s : net.spike_recorders.at(0).spikes())
    r.spikes.emplace_back(s.t_ms, net.populations[s.population]->name(), s.neuron);
  for (const StaticProjection& p : net.projections) {
    const auto pre = p.presynaptic_indices();
    const auto delays = p.delays_ms();
    auto& syn = r.synapses[p.name()];
    for (std::size_t i = 0; i < p.synapse_count(); ++i)
      syn.emplace_back(pre[i], p.synapses()[i].post, p.synapses()[i].weight, delays[i]);
    for (std::uint32_t i = 0; i < net.populations[p.pre_population()]->size(); ++i)
      r.csr[p.name()].emplace_back(p.row_begin(i), p.row_end(i));
  }
  return r;
}

bool bit_identical(const Result& a, const Result& b) {
  if (a.spikes.size() != b.spikes.size()) return false;
  for (std::size_t i = 0; i < a.spikes.size(); ++i) {
    const double ta = std::get<0>(a.spikes[i]), tb = std::get<0>(b.spikes[i]);
    if (std::memcmp(&ta, &tb, sizeof ta) != 0 || std::get<1>(a.spikes[i]) != std::get<1>(b.spikes[i]) ||
        std::get<2>(a.spikes[i]) != std::get<2>(b.spikes[i]))
      return false;
  }
  return a.synapses == b.synapses && a.csr == b.csr;
}

const Result& reference() {
  static const Result r = run(network_text(balanced_blocks(), 2024, 1));
  return r;
}

}  // namespace

TEST_CASE("same seed gives bit-identical synapses and spikes across builds and runs", "[determinism]") {
  const Result& a = reference();
  // The network is active in every population, so the comparison means something.
  std::map<std::string, std::size_t> per_population;
  for (const auto& s : a.spikes) ++per_population[std::get<1>(s)];
  INFO("exc " << per_population["exc"] << " inh " << per_population["inh"] << " ext " << per_population["ext"]);
  CHECK(per_population["exc"] > 1000);
  CHECK(per_population["inh"] > 1000);
  CHECK(per_population["ext"] > 700);  // 300 x 20 Hz x 0.15 s = 900 expected
  const Result b = run(network_text(balanced_blocks(), 2024, 1));
  CHECK(bit_identical(a, b));
}

TEST_CASE("a different seed gives different synapses and spikes", "[determinism]") {
  const Result& a = reference();
  const Result b = run(network_text(balanced_blocks(), 2025, 1));
  CHECK(a.spikes != b.spikes);
  for (const auto& [name, syn] : a.synapses) {
    INFO(name);
    CHECK(syn != b.synapses.at(name));
  }
  // Similar activity all the same (same statistics).
  const double ratio = static_cast<double>(b.spikes.size()) / static_cast<double>(a.spikes.size());
  CHECK(ratio > 0.8);
  CHECK(ratio < 1.25);
}

TEST_CASE("thread count does not change synapse tables or spikes", "[determinism]") {
  const Result& one = reference();
  for (std::uint32_t threads : {2u, 4u}) {
    INFO(threads << " threads");
    CHECK(bit_identical(one, run(network_text(balanced_blocks(), 2024, threads))));
  }
}

TEST_CASE("declaration order of populations and projections does not change results", "[determinism]") {
  const Result& ref = reference();
  Blocks b = balanced_blocks();
  std::reverse(b.populations.begin(), b.populations.end());
  std::rotate(b.projections.begin(), b.projections.begin() + 4, b.projections.end());
  std::swap(b.projections[0], b.projections[3]);
  CHECK(bit_identical(ref, run(network_text(b, 2024, 1))));
  // Interleaved populations and projections.
  Blocks c = balanced_blocks();
  std::string text = "format_version: 1\n" + c.projections[5] + "\n" + c.populations[2] + "\n" + c.projections[1] +
                     "\nspike_recorders { name: \"spikes\" }\n" + c.populations[0] + "\n" + c.projections[3] + "\n" +
                     c.projections[0] + "\n" + c.populations[1] + "\n" + c.projections[4] + "\n" + c.projections[2] +
                     "\nsimulation { seed: 2024 min_delay_ms: 0.5 }\n";
  CHECK(bit_identical(ref, run(text)));
}

TEST_CASE("Brette et al. 2007 benchmark 4 sustains its activity after the kick", "[determinism][example]") {
  LoadedNetwork loaded = load_network_file(IONSPIKE_SOURCE_DIR "/examples/brette2007_benchmark4.pbtxt");
  SimulationOverrides overrides;
  overrides.t_stop_ms = 300.0;
  apply_overrides(loaded.message, overrides);
  Simulator sim(build_network(loaded));
  REQUIRE(sim.network().settings.t_stop_ms == 300.0);
  sim.run_until(sim.network().settings.t_stop_ms);
  const RuntimeNetwork& net = sim.network();
  const std::uint32_t exc = net.population_id("exc"), inh = net.population_id("inh");
  std::size_t late = 0, total = 0;
  std::vector<std::size_t> late_per_population(net.populations.size(), 0);
  for (const SpikeRecord& s : net.spike_recorders.at(0).spikes()) {
    REQUIRE((s.population == exc || s.population == inh));
    ++total;
    if (s.t_ms >= 250.0) ++late, ++late_per_population[s.population];
  }
  // Self-sustained: the kick stops at 50 ms, yet both populations fire in the last 50 ms.
  CHECK(late_per_population[exc] > 0);
  CHECK(late_per_population[inh] > 0);
  // Mean rate over the last 50 ms in a plausible range for this benchmark (Hz).
  const double rate_Hz = static_cast<double>(late) / 4000.0 / 0.050;
  INFO("late rate " << rate_Hz << " Hz, total spikes " << total);
  CHECK(rate_Hz > 2.0);
  CHECK(rate_Hz < 40.0);
  // The kick's spikes are not recorded, but its deliveries were counted.
  CHECK(sim.counters().spikes_per_population[net.population_id("kick")] > 0);
  CHECK(sim.counters().spikes == total + sim.counters().spikes_per_population[net.population_id("kick")]);
}
