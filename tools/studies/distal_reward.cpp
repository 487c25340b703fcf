// ionspike-distal-reward: Izhikevich (2007) "Solving the distal reward problem through
// linkage of STDP and dopamine signaling" (Cereb. Cortex 17:2443), experiment of Fig. 1.
//
// The network (examples/distal_reward.pbtxt) has 800 excitatory and 200 inhibitory
// Izhikevich neurons with dopamine-modulated STDP on the excitatory synapses. One synapse
// n -> m between excitatory neurons is chosen at random (--seed) and starts at
// --chosen-initial-mV (0, as s(n1,syn) = 0 in Izhikevich's daspnet.m). Whenever m fires less
// than --window-ms (20 ms, daspnet.m's `interval`) after the last spike of n, and after that
// spike has arrived at m (1 ms delay), a reward is scheduled 1 to 3 s (uniform) later: a spike
// of the 'reward' spike_source_array, which releases dopamine (SpikeSourceArrayPopulation::fire
// through Simulator::modify_population) at exactly its time: the simulation runs in chunks of
// at most --chunk-ms (100 ms; a reward comes >= 1 s after its pairing, so the spikes of n and
// m read from the spike recorder after each chunk are never late) and stops at every reward.
// Every second of simulated time: the chosen weight and its eligibility, and the mean and max
// of the other exc -> exc weights (exact, StdpProjection::weight_at) go to
// OUT/distal_reward.csv.
//
// --check-min-chosen / --check-max-chosen / --check-max-others / --check-min-lead /
// --check-max-lead (mV; lead = chosen - others' mean) turn the run into a
// test: exit code 3 if the final weights miss them.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/simulator.hpp"
#include "networks/network_builder.hpp"
#include "networks/network_loader.hpp"
#include "neurons/spike_sources.hpp"

using namespace ionspike;

int main(int argc, char** argv) {
  std::string network_file = "examples/distal_reward.pbtxt", out_dir = "out/distal_reward";
  double minutes = 60.0, chunk_ms = 100.0, window_ms = 20.0, chosen_initial = 0.0;
  double check_min_chosen = -1.0, check_max_chosen = -1.0, check_max_others = -1.0;
  double check_min_lead = std::nan(""), check_max_lead = std::nan("");
  std::uint64_t seed = 1;
  bool no_reward = false;
  CLI::App app{"Izhikevich 2007 distal reward experiment with dopamine-modulated STDP"};
  app.add_option("--network", network_file, "network file")->capture_default_str();
  app.add_option("--minutes", minutes, "simulated time, minutes")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "seed of the synapse choice and the reward delays (the network has its own)")
      ->capture_default_str();
  app.add_option("--window-ms", window_ms, "m must fire less than this after n's last spike (daspnet.m: 20)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--chosen-initial-mV", chosen_initial,
                 "initial weight of the chosen synapse (daspnet.m: 0); negative: keep the network's")
      ->capture_default_str();
  app.add_option("--chunk-ms", chunk_ms, "longest run_until chunk, ms (<= 1000: rewards come >= 1 s after a pairing)")
      ->capture_default_str()
      ->check(CLI::Range(1e-3, 1000.0));
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
    StdpProjection* ee = nullptr;
    for (StdpProjection& p : net.stdp_projections)
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
    if (chosen_initial >= 0.0) ee->set_weight(k, chosen_initial);  // before the run: exact (t = 0, c = 0)
    std::fprintf(stderr, "distal reward: synapse %llu, %u -> %u (delay %g ms, starts at %g mV), %g min, %s\n",
                 static_cast<unsigned long long>(k), n, m, delay, ee->weight_at(k, 0.0, da), minutes,
                 no_reward ? "no reward" : "rewarded");

    std::filesystem::create_directories(out_dir);
    std::ofstream csv(std::filesystem::path(out_dir) / "distal_reward.csv");
    csv << "time_s,chosen_mV,chosen_eligibility,others_mean_mV,others_max_mV,rewards,pairings,exc_rate_Hz,"
           "dopamine_uM\n";
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

    // Pairings (m fires within the window after the arrival of n's last spike) are counted for
    // every exc -> exc synapse too, as a statistic of the network (rewards follow the chosen one).
    const std::uint32_t n_exc = static_cast<std::uint32_t>(net.populations[exc]->size());
    std::vector<std::vector<std::uint32_t>> pre_of(n_exc);
    {
      const std::vector<std::uint32_t> pre = ee->presynaptic_indices();
      for (std::uint64_t j = 0; j < ee->synapse_count(); ++j) pre_of[ee->synapses()[j].post].push_back(pre[j]);
    }
    std::vector<double> last_spike(n_exc, -1e9);
    std::vector<std::pair<double, std::uint32_t>> chunk_spikes;  // exc spikes of a chunk, by time
    std::uint64_t all_pairings = 0;
    std::vector<double> pending;       // reward times, ascending
    std::uniform_real_distribution<double> reward_delay(1000.0, 3000.0);
    std::uint64_t rewards = 0, pairings = 0, exc_spikes_second = 0, exc_spikes_total = 0;
    const double t_end = minutes * 60000.0;
    double next_sample = 0.0, w_chosen = 0.0, mean = 0.0, max = 0.0;
    auto last_report = wall0;
    for (double t = 0.0;;) {
      // Deliver the rewards due now, then sample, then run up to the next chunk end or reward.
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
        csv << t / 1000.0 << ',' << w_chosen << ',' << ee->eligibility_at(k, t) << ',' << mean << ',' << max << ','
            << rewards << ',' << pairings << ',' << (t > 0 ? static_cast<double>(exc_spikes_second) / n_exc : 0.0) << ','
            << da.concentration_uM(t) << '\n';
        exc_spikes_second = 0;
        next_sample += 1000.0;
      }
      if (t >= t_end) break;
      double t_next = std::min({t + chunk_ms, t_end, next_sample});
      if (!pending.empty()) t_next = std::min(t_next, pending.front());
      sim.run_until(t_next);
      chunk_spikes.clear();
      for (const SpikeRecord& s : recorder.spikes())
        if (s.population == exc) chunk_spikes.emplace_back(s.t_ms, s.neuron);
      exc_spikes_second += chunk_spikes.size();
      exc_spikes_total += chunk_spikes.size();
      std::sort(chunk_spikes.begin(), chunk_spikes.end());
      for (const auto& [ts, j] : chunk_spikes) {
        for (std::uint32_t i : pre_of[j])  // all exc -> exc synapses (1 ms delays)
          if (ts > last_spike[i] + delay && ts < last_spike[i] + window_ms) ++all_pairings;
        if (j == m && ts > last_spike[n] + delay && ts < last_spike[n] + window_ms) {  // after n's spike arrived
          ++pairings;
          if (!no_reward) {
            pending.push_back(ts + reward_delay(rng));  // >= 1 s after ts, so after t_next
            std::sort(pending.begin(), pending.end());
          }
        }
        last_spike[j] = ts;
      }
      recorder.clear();
      t = t_next;
      const auto now = std::chrono::steady_clock::now();
      if (now - last_report > std::chrono::seconds(10)) {
        last_report = now;
        const double wall = std::chrono::duration<double>(now - wall0).count();
        std::fprintf(stderr, "  t %.0f / %.0f s, wall %.0f s, ETA %.0f s: chosen %.3f mV, others %.3f mV, %llu rewards\n",
                     t / 1000.0, t_end / 1000.0, wall, wall * (t_end - t) / t, w_chosen, mean,
                     static_cast<unsigned long long>(rewards));
      }
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    std::printf("distal reward (%s): %g min simulated in %.1f s wall; synapse %u -> %u: %.4f mV (%.1f %% of w_max), "
                "others: mean %.4f mV (%.1f %%), max %.4f mV; %llu pairings, %llu rewards, %llu dopamine releases; "
                "network: exc rate %.3f Hz, %.1f pairings per exc -> exc synapse per hour\n",
                no_reward ? "no reward" : "rewarded", minutes, wall, n, m, w_chosen, 100.0 * w_chosen / w_max, mean,
                100.0 * mean / w_max, max, static_cast<unsigned long long>(pairings),
                static_cast<unsigned long long>(rewards), static_cast<unsigned long long>(da.release_count()),
                static_cast<double>(exc_spikes_total) / n_exc / (t_end / 1000.0),
                static_cast<double>(all_pairings) / static_cast<double>(ee->synapse_count()) / (t_end / 3.6e6));
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
