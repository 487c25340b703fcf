// ionspike-distal-reward: Izhikevich (2007) "Solving the distal reward problem through
// linkage of STDP and dopamine signaling" (Cereb. Cortex 17:2443), experiment of Fig. 1.
//
// The network (examples/distal_reward.pbtxt) has 800 excitatory and 200 inhibitory
// Izhikevich neurons with dopamine-modulated STDP on the excitatory synapses. One synapse
// n -> m between excitatory neurons is chosen at random (--seed). Whenever m fires within
// 10 ms after a spike of n has arrived at m (1 ms delay), a reward is scheduled 1 to 3 s
// (uniform) later: a spike of the 'reward' spike_source_array, which releases dopamine
// (SpikeSourceArrayPopulation::fire through Simulator::modify_population). The simulation
// runs in chunks of --chunk-ms (10 ms); spikes of n and m are read from the spike recorder
// after each chunk and a reward is delivered at the first chunk boundary at or after its
// time. Every second of simulated time: the chosen weight and the mean of the other
// exc -> exc weights (exact, StdpProjection::weight_at) go to OUT/distal_reward.csv.
//
// --check-min-chosen / --check-max-chosen / --check-max-others / --check-min-lead /
// --check-max-lead (mV; lead = chosen - others' mean) turn the run into a
// test: exit code 3 if the final weights miss them.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/simulator.hpp"
#include "networks/network_builder.hpp"
#include "networks/network_loader.hpp"
#include "neurons/spike_sources.hpp"

using namespace ionspike;

int main(int argc, char** argv) {
  std::string network_file = "examples/distal_reward.pbtxt", out_dir = "out/distal_reward";
  double minutes = 60.0, chunk_ms = 10.0;
  double check_min_chosen = -1.0, check_max_chosen = -1.0, check_max_others = -1.0;
  double check_min_lead = std::nan(""), check_max_lead = std::nan("");
  std::uint64_t seed = 1;
  bool no_reward = false;
  CLI::App app{"Izhikevich 2007 distal reward experiment with dopamine-modulated STDP"};
  app.add_option("--network", network_file, "network file")->capture_default_str();
  app.add_option("--minutes", minutes, "simulated time, minutes")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "seed of the synapse choice and the reward delays (the network has its own)")
      ->capture_default_str();
  app.add_option("--chunk-ms", chunk_ms, "run_until chunk, ms")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--out", out_dir, "output directory")->capture_default_str();
  app.add_flag("--no-reward", no_reward, "never release dopamine (control)");
  app.add_option("--check-min-chosen", check_min_chosen, "fail unless the chosen weight ends >= this (mV)");
  app.add_option("--check-max-chosen", check_max_chosen, "fail unless the chosen weight ends <= this (mV)");
  app.add_option("--check-max-others", check_max_others, "fail unless the others' mean ends <= this (mV)");
  app.add_option("--check-min-lead", check_min_lead, "fail unless chosen - others' mean ends >= this (mV)");
  app.add_option("--check-max-lead", check_max_lead, "fail unless chosen - others' mean ends <= this (mV)");
  CLI11_PARSE(app, argc, argv);

  try {
    const auto wall0 = std::chrono::steady_clock::now();
    Simulator sim(build_network(load_network_file(network_file)));
    RuntimeNetwork& net = sim.network();
    const std::uint32_t exc = net.population_id("exc"), reward = net.population_id("reward");
    const StdpProjection* ee = nullptr;
    for (const StdpProjection& p : net.stdp_projections)
      if (p.name() == "ee") ee = &p;
    if (!ee || !ee->modulated() || ee->pre_population() != exc || ee->post_population() != exc)
      throw std::runtime_error("the network needs a dopamine-modulated STDP projection 'ee' from 'exc' to 'exc'");
    const Neuromodulator& da = net.neuromodulators.at(ee->dopamine()->neuromodulator);
    if (net.spike_recorders.empty()) throw std::runtime_error("the network needs a spike recorder of 'exc'");
    SpikeRecorder& recorder = net.spike_recorders[0];

    std::mt19937_64 rng(seed);
    const std::uint64_t k = std::uniform_int_distribution<std::uint64_t>(0, ee->synapse_count() - 1)(rng);
    const std::uint32_t n = ee->presynaptic_indices()[k], m = ee->synapses()[k].post;
    const double delay = ee->delays_ms()[k], w_max = ee->rule().w_max;
    std::fprintf(stderr, "distal reward: synapse %llu, %u -> %u (delay %g ms), %g min, %s\n",
                 static_cast<unsigned long long>(k), n, m, delay, minutes, no_reward ? "no reward" : "rewarded");

    std::filesystem::create_directories(out_dir);
    std::ofstream csv(std::filesystem::path(out_dir) / "distal_reward.csv");
    csv << "time_s,chosen_mV,others_mean_mV,others_max_mV,rewards,pairings,exc_rate_Hz,dopamine_uM\n";
    const auto others = [&](double t, double& mean, double& max) {
      double sum = 0.0;
      max = 0.0;
      for (std::uint64_t j = 0; j < ee->synapse_count(); ++j) {
        if (j == k) continue;
        const double w = ee->weight_at(j, t, da);
        sum += w;
        max = std::max(max, w);
      }
      mean = sum / static_cast<double>(ee->synapse_count() - 1);
    };

    std::deque<double> n_spikes;       // recent spikes of n
    std::vector<double> pending;       // reward times, ascending
    std::uniform_real_distribution<double> reward_delay(1000.0, 3000.0);
    std::uint64_t rewards = 0, pairings = 0, exc_spikes_second = 0;
    const double t_end = minutes * 60000.0;
    double next_sample = 0.0, w_chosen = 0.0, mean = 0.0, max = 0.0;
    auto last_report = wall0;
    for (double t = 0.0;;) {
      // Deliver the rewards that are due, then sample, then run the next chunk.
      std::size_t due = 0;
      while (due < pending.size() && pending[due] <= t) ++due;
      for (std::size_t i = 0; i < due; ++i, ++rewards)
        sim.modify_population(reward, [](NeuronPopulation& pop, EventContext& ctx, double now) {
          dynamic_cast<SpikeSourceArrayPopulation&>(pop).fire(0, now, ctx);
        });
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(due));
      if (t >= next_sample - 1e-9) {
        w_chosen = ee->weight_at(k, t, da);
        others(t, mean, max);
        csv << t / 1000.0 << ',' << w_chosen << ',' << mean << ',' << max << ',' << rewards << ',' << pairings << ','
            << (t > 0 ? exc_spikes_second / 800.0 : 0.0) << ',' << da.concentration_uM(t) << '\n';
        exc_spikes_second = 0;
        next_sample += 1000.0;
      }
      if (t >= t_end) break;
      const double t_next = std::min(t + chunk_ms, t_end);
      sim.run_until(t_next);
      for (const SpikeRecord& s : recorder.spikes()) {
        if (s.population != exc) continue;
        ++exc_spikes_second;
        if (s.neuron == n) n_spikes.push_back(s.t_ms);
      }
      for (const SpikeRecord& s : recorder.spikes()) {  // m fires within 10 ms after n's spike arrived
        if (s.population != exc || s.neuron != m) continue;
        for (double tn : n_spikes)
          if (s.t_ms > tn + delay && s.t_ms <= tn + delay + 10.0) {
            ++pairings;
            if (!no_reward) {
              pending.push_back(s.t_ms + reward_delay(rng));
              std::sort(pending.begin(), pending.end());
            }
            break;
          }
      }
      recorder.clear();
      while (!n_spikes.empty() && n_spikes.front() < t_next - 20.0) n_spikes.pop_front();
      t = t_next;
      const auto now = std::chrono::steady_clock::now();
      if (now - last_report > std::chrono::seconds(5)) {
        last_report = now;
        const double wall = std::chrono::duration<double>(now - wall0).count();
        std::fprintf(stderr, "  t %.0f / %.0f s, wall %.0f s, ETA %.0f s: chosen %.3f mV, others %.3f mV, %llu rewards\n",
                     t / 1000.0, t_end / 1000.0, wall, wall * (t_end - t) / t, w_chosen, mean,
                     static_cast<unsigned long long>(rewards));
      }
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    std::printf("distal reward (%s): %g min simulated in %.1f s wall; synapse %u -> %u: %.4f mV (%.1f %% of w_max), "
                "others: mean %.4f mV (%.1f %%), max %.4f mV; %llu pairings, %llu rewards, %llu dopamine releases\n",
                no_reward ? "no reward" : "rewarded", minutes, wall, n, m, w_chosen, 100.0 * w_chosen / w_max, mean,
                100.0 * mean / w_max, max, static_cast<unsigned long long>(pairings),
                static_cast<unsigned long long>(rewards), static_cast<unsigned long long>(da.release_count()));
    std::printf("wrote %s/distal_reward.csv\n", out_dir.c_str());
    bool ok = true;
    if (check_min_chosen >= 0 && !(w_chosen >= check_min_chosen)) {
      std::printf("CHECK FAILED: chosen weight %.4f < %.4f mV\n", w_chosen, check_min_chosen);
      ok = false;
    }
    if (check_max_chosen >= 0 && !(w_chosen <= check_max_chosen)) {
      std::printf("CHECK FAILED: chosen weight %.4f > %.4f mV\n", w_chosen, check_max_chosen);
      ok = false;
    }
    if (check_max_others >= 0 && !(mean <= check_max_others)) {
      std::printf("CHECK FAILED: others' mean %.4f > %.4f mV\n", mean, check_max_others);
      ok = false;
    }
    if (!std::isnan(check_min_lead) && !(w_chosen - mean >= check_min_lead)) {
      std::printf("CHECK FAILED: chosen - others' mean %.4f < %.4f mV\n", w_chosen - mean, check_min_lead);
      ok = false;
    }
    if (!std::isnan(check_max_lead) && !(w_chosen - mean <= check_max_lead)) {
      std::printf("CHECK FAILED: chosen - others' mean %.4f > %.4f mV\n", w_chosen - mean, check_max_lead);
      ok = false;
    }
    return ok ? 0 : 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ionspike-distal-reward: %s\n", e.what());
    return 1;
  }
}
