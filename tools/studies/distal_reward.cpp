// ionspike-distal-reward: Izhikevich (2007) "Solving the distal reward problem through
// linkage of STDP and dopamine signaling" (Cereb. Cortex 17:2443), experiment of Fig. 1.
//
// The network (examples/distal_reward.pbtxt) has 800 excitatory and 200 inhibitory
// Izhikevich neurons with dopamine-modulated STDP on the excitatory synapses; in
// examples/distal_reward_eis.pbtxt they are EIS devices whose gate factors dopamine scales (the
// driver takes either kind of projection 'ee', class ChosenProjection). One synapse
// n -> m between excitatory neurons is chosen at random (--seed) and starts at
// --chosen-initial-mV (default the lowest weight: 0, as s(n1,syn) = 0 in Izhikevich's daspnet.m;
// for EIS synapses weight_mV_per_nS x g_min). Whenever m fires less
// than --window-ms (20 ms, daspnet.m's `interval`) after the last spike of n, and after that
// spike has arrived at m (1 ms delay), a reward is scheduled 1 to 3 s (uniform) later: a spike
// of the 'reward' spike_source_array, which releases dopamine (SpikeSourceArrayPopulation::fire
// through Simulator::modify_population) at exactly its time: the simulation runs in chunks of
// at most --chunk-ms (100 ms; a reward comes >= 1 s after its pairing, so the spikes of n and
// m read from the spike recorder after each chunk are never late) and stops at every reward.
// Every second of simulated time: the chosen weight and its eligibility (EIS: none, empty), and
// every --others-every seconds the mean and max of the other exc -> exc weights (exact and
// read-only: StdpProjection::weight_at, EisProjection::conductance_at) go to
// OUT/distal_reward.csv.
//
// --check-min-chosen / --check-max-chosen / --check-max-others / --check-min-others-max /
// --check-max-others-max / --check-min-lead / --check-max-lead (mV; lead = chosen - others'
// mean; others-max = the largest other weight) turn the run into a
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
#include <fmt/format.h>

#include "engine/simulator.hpp"
#include "networks/network_builder.hpp"
#include "networks/network_loader.hpp"
#include "neurons/spike_sources.hpp"

using namespace ionspike;

namespace {

// The plastic exc -> exc projection "ee" of the network, either kind: dopamine-modulated trace
// STDP (weights in mV, with an eligibility trace) or EIS devices modulated by dopamine (weight
// = weight_mV_per_nS * G; no eligibility, reported as NaN). Weights are read exactly at t
// without changing state (StdpProjection::weight_at, EisProjection::conductance_at).
class ChosenProjection {
 public:
  static ChosenProjection find(Simulator& sim, std::uint32_t exc) {
    RuntimeNetwork& net = sim.network();
    ChosenProjection c(sim);
    for (StdpProjection& p : net.stdp_projections)
      if (p.name() == "ee") c.stdp_ = &p;
    for (std::size_t i = 0; i < net.eis_projections.size(); ++i)
      if (net.eis_projections[i].name() == "ee") c.eis_ = &net.eis_projections[i];
    if (c.stdp_ && c.stdp_->modulated() && c.stdp_->pre_population() == exc && c.stdp_->post_population() == exc) {
      c.da_ = &net.neuromodulators.at(c.stdp_->dopamine()->neuromodulator);
      c.pre_ = c.stdp_->presynaptic_indices();
      return c;
    }
    if (c.eis_ && c.eis_->modulated() && c.eis_->pre_population() == exc && c.eis_->post_population() == exc) {
      c.da_ = &net.neuromodulators.at(c.eis_->dopamine()->neuromodulator);
      c.pre_.resize(c.eis_->synapse_count());
      for (std::uint64_t k = 0; k < c.eis_->synapse_count(); ++k) c.pre_[k] = c.eis_->pre_of(k);
      return c;
    }
    throw std::runtime_error(
        "the network needs a dopamine-modulated projection 'ee' (STDP or EIS) from 'exc' to 'exc'");
  }
  std::string describe() const {
    if (stdp_) return "dopamine-modulated trace STDP";
    const EisDevice& d = eis_->parameters().device;
    return fmt::format("EIS devices [{}, {}] nS x {} mV/nS, dopamine-scaled gate factors", d.g_min_nS(),
                       d.g_max_nS(), eis_->parameters().weight_per_nS);
  }
  std::uint64_t synapse_count() const { return pre_.size(); }
  std::uint32_t pre_of(std::uint64_t k) const { return pre_[k]; }
  std::uint32_t post_of(std::uint64_t k) const { return stdp_ ? stdp_->synapses()[k].post : eis_->post_of(k); }
  double delay_of(std::uint64_t k) const { return stdp_ ? stdp_->delays_ms()[k] : eis_->delay_of(k); }
  double w_min_mV() const {
    return stdp_ ? stdp_->rule().w_min : eis_->parameters().weight_per_nS * eis_->parameters().device.g_min_nS();
  }
  double w_max_mV() const {
    return stdp_ ? stdp_->rule().w_max : eis_->parameters().weight_per_nS * eis_->parameters().device.g_max_nS();
  }
  double weight_mV(std::uint64_t k, double t_ms) const {
    if (stdp_) return stdp_->weight_at(k, t_ms, *da_);
    const RuntimeNetwork& net = sim_->network();
    return eis_->parameters().weight_per_nS *
           eis_->conductance_at(k, t_ms, net.pre_history(eis_->pre_population()),
                                net.post_history(eis_->post_population()));
  }
  double eligibility(std::uint64_t k, double t_ms) const {
    return stdp_ ? stdp_->eligibility_at(k, t_ms) : std::nan("");
  }
  // Before the run: STDP sets w exactly (c = 0); EIS sets G = w / gain, which must lie within
  // the device bounds (refused otherwise, naming the range).
  void set_initial_weight(std::uint64_t k, double w_mV) const {
    if (stdp_) {
      stdp_->set_weight(k, w_mV);
      return;
    }
    const double g_nS = w_mV / eis_->parameters().weight_per_nS;
    sim_->modify_eis_projection("ee", [&](EisProjection& p, const SpikeHistory& pre, const SpikeHistory& post,
                                          double) { p.set_conductance(k, g_nS, pre, post); });
  }
  double dopamine_uM(double t_ms) const { return da_->concentration_uM(t_ms); }
  std::uint64_t release_count() const { return da_->release_count(); }

 private:
  explicit ChosenProjection(Simulator& sim) : sim_(&sim) {}
  Simulator* sim_;
  StdpProjection* stdp_ = nullptr;
  EisProjection* eis_ = nullptr;
  const Neuromodulator* da_ = nullptr;
  std::vector<std::uint32_t> pre_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string network_file = "examples/distal_reward.pbtxt", out_dir = "out/distal_reward";
  double minutes = 60.0, chunk_ms = 100.0, window_ms = 20.0, chosen_initial = std::nan("");
  // Checks of the final weights (mV); NaN: not checked.
  double check_min_chosen = std::nan(""), check_max_chosen = std::nan(""), check_max_others = std::nan("");
  double check_min_lead = std::nan(""), check_max_lead = std::nan("");
  double check_min_others_max = std::nan(""), check_max_others_max = std::nan("");
  std::uint64_t seed = 1, others_every = 1;
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
                 "initial weight of the chosen synapse (default: the projection's lowest, 0 mV for STDP as in "
                 "daspnet.m, weight_mV_per_nS x g_min for EIS); negative: keep the network's");
  app.add_option("--chunk-ms", chunk_ms, "longest run_until chunk, ms (<= 1000: rewards come >= 1 s after a pairing)")
      ->capture_default_str()
      ->check(CLI::Range(1e-3, 1000.0));
  app.add_option("--others-every", others_every,
                 "sample the other exc -> exc weights every N seconds (and at the end; EIS reads cost ~1 us each)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--out", out_dir, "output directory")->capture_default_str();
  app.add_flag("--no-reward", no_reward, "never release dopamine (control)");
  app.add_option("--check-min-chosen", check_min_chosen, "fail unless the chosen weight ends >= this (mV)");
  app.add_option("--check-max-chosen", check_max_chosen, "fail unless the chosen weight ends <= this (mV)");
  app.add_option("--check-max-others", check_max_others, "fail unless the others' mean ends <= this (mV)");
  app.add_option("--check-min-others-max", check_min_others_max,
                 "fail unless the largest other weight ends >= this (mV)");
  app.add_option("--check-max-others-max", check_max_others_max,
                 "fail unless the largest other weight ends <= this (mV)");
  app.add_option("--check-min-lead", check_min_lead, "fail unless chosen - others' mean ends >= this (mV)");
  app.add_option("--check-max-lead", check_max_lead, "fail unless chosen - others' mean ends <= this (mV)");
  CLI11_PARSE(app, argc, argv);

  try {
    const auto wall0 = std::chrono::steady_clock::now();
    Simulator sim(build_network(load_network_file(network_file)));
    RuntimeNetwork& net = sim.network();
    const std::uint32_t exc = net.population_id("exc"), reward = net.population_id("reward");
    const ChosenProjection ee = ChosenProjection::find(sim, exc);
    if (net.spike_recorders.empty()) throw std::runtime_error("the network needs a spike recorder of 'exc'");
    SpikeRecorder& recorder = net.spike_recorders[0];

    std::mt19937_64 rng(seed);
    const std::uint64_t k = std::uniform_int_distribution<std::uint64_t>(0, ee.synapse_count() - 1)(rng);
    const std::uint32_t n = ee.pre_of(k), m = ee.post_of(k);
    const double delay = ee.delay_of(k), w_max = ee.w_max_mV();
    if (std::isnan(chosen_initial)) chosen_initial = ee.w_min_mV();
    if (chosen_initial >= 0.0) ee.set_initial_weight(k, chosen_initial);  // before the run (t = 0)
    std::fprintf(stderr, "distal reward (%s): synapse %llu, %u -> %u (delay %g ms, starts at %g mV), %g min, %s\n",
                 ee.describe().c_str(), static_cast<unsigned long long>(k), n, m, delay, ee.weight_mV(k, 0.0),
                 minutes, no_reward ? "no reward" : "rewarded");

    std::filesystem::create_directories(out_dir);
    std::ofstream csv(std::filesystem::path(out_dir) / "distal_reward.csv");
    csv << "time_s,chosen_mV,chosen_eligibility,others_mean_mV,others_max_mV,rewards,pairings,exc_rate_Hz,"
           "dopamine_uM\n";
    const auto others = [&](double t, double& mean, double& max) {
      double sum = 0.0;
      max = 0.0;
      for (std::uint64_t j = 0; j < ee.synapse_count(); ++j) {
        if (j == k) continue;
        const double w = ee.weight_mV(j, t);
        sum += w;
        max = std::max(max, w);
      }
      mean = sum / static_cast<double>(ee.synapse_count() - 1);
    };

    // Pairings (m fires within the window after the arrival of n's last spike) are counted for
    // every exc -> exc synapse too, as a statistic of the network (rewards follow the chosen one).
    const std::uint32_t n_exc = static_cast<std::uint32_t>(net.populations[exc]->size());
    std::vector<std::vector<std::uint32_t>> pre_of(n_exc);
    for (std::uint64_t j = 0; j < ee.synapse_count(); ++j) pre_of[ee.post_of(j)].push_back(ee.pre_of(j));
    std::vector<double> last_spike(n_exc, -1e9);
    std::vector<std::pair<double, std::uint32_t>> chunk_spikes;  // exc spikes of a chunk, by time
    std::uint64_t all_pairings = 0;
    std::vector<double> pending;       // reward times, ascending
    std::uniform_real_distribution<double> reward_delay(1000.0, 3000.0);
    std::uint64_t rewards = 0, pairings = 0, exc_spikes_second = 0, exc_spikes_total = 0;
    const double t_end = minutes * 60000.0;
    double next_sample = 0.0, w_chosen = 0.0, mean = 0.0, max = 0.0;
    std::uint64_t samples = 0;
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
        w_chosen = ee.weight_mV(k, t);
        const bool sample_others = t >= t_end || samples % others_every == 0;
        if (sample_others) others(t, mean, max);
        csv << t / 1000.0 << ',' << w_chosen << ',' << ee.eligibility(k, t) << ',';
        if (sample_others)
          csv << mean << ',' << max;
        else
          csv << ',';
        csv << ',' << rewards << ',' << pairings << ','
            << (t > 0 ? static_cast<double>(exc_spikes_second) / n_exc : 0.0) << ',' << ee.dopamine_uM(t) << '\n';
        ++samples;
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
    std::printf("distal reward (%s, %s): %g min simulated in %.1f s wall; synapse %u -> %u: %.4f mV (%.1f %% of w_max), "
                "others: mean %.4f mV (%.1f %%), max %.4f mV; %llu pairings, %llu rewards, %llu dopamine releases; "
                "network: exc rate %.3f Hz, %.1f pairings per exc -> exc synapse per hour\n",
                ee.describe().c_str(), no_reward ? "no reward" : "rewarded", minutes, wall, n, m, w_chosen, 100.0 * w_chosen / w_max, mean,
                100.0 * mean / w_max, max, static_cast<unsigned long long>(pairings),
                static_cast<unsigned long long>(rewards), static_cast<unsigned long long>(ee.release_count()),
                static_cast<double>(exc_spikes_total) / n_exc / (t_end / 1000.0),
                static_cast<double>(all_pairings) / static_cast<double>(ee.synapse_count()) / (t_end / 3.6e6));
    std::printf("wrote %s/distal_reward.csv\n", out_dir.c_str());
    bool ok = true;
    const auto check = [&](const char* what, double value, double at_least, double at_most) {
      if (!std::isnan(at_least) && !(value >= at_least)) {
        std::printf("CHECK FAILED: %s %.6f < %.6f mV\n", what, value, at_least);
        ok = false;
      }
      if (!std::isnan(at_most) && !(value <= at_most)) {
        std::printf("CHECK FAILED: %s %.6f > %.6f mV\n", what, value, at_most);
        ok = false;
      }
    };
    const double unset = std::nan("");
    check("chosen weight", w_chosen, check_min_chosen, check_max_chosen);
    check("others' mean", mean, unset, check_max_others);
    check("largest other weight", max, check_min_others_max, check_max_others_max);
    check("chosen - others' mean", w_chosen - mean, check_min_lead, check_max_lead);
    return ok ? 0 : 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ionspike-distal-reward: %s\n", e.what());
    return 1;
  }
}
