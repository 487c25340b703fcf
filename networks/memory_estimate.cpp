#include "networks/memory_estimate.hpp"

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace ionspike {

double bytes_per_synapse(const pb::Projection& pr) {
  double bytes = kBuildBytesPerSynapse;
  if (pr.has_stdp()) {
    bytes += kPlasticIndexBytesPerSynapse;
    if (pr.stdp().has_dopamine()) bytes += kEligibilityBytesPerSynapse;
  } else if (pr.has_eis()) {
    bytes += kPlasticIndexBytesPerSynapse + kEisExtraBytesPerSynapse;
    if (pr.eis().account_energy()) bytes += kEisEnergyBytesPerSynapse;
  }
  return bytes;
}

MemoryEstimate estimate_memory(const pb::Network& net) {
  MemoryEstimate est;
  std::map<std::string, double> sizes;
  std::map<std::string, double> synapses_of;  // expected synapses per projection
  auto account = [&](const char* field, int index, double bytes) {
    est.total_bytes += bytes;
    if (bytes > est.largest_bytes) {
      est.largest_bytes = bytes;
      est.largest_field = field;
      est.largest_index = index;
    }
  };
  const double t_stop = net.simulation().t_stop_ms();
  std::map<std::string, double> source_spikes;  // spikes a source population emits until t_stop
  for (int i = 0; i < net.populations_size(); ++i) {
    const auto& p = net.populations(i);
    const double n = static_cast<double>(p.size());
    sizes[p.name()] = n;
    double bytes = kBytesPerNeuron * n;
    if (p.has_spike_source_array()) {
      // Every spike of every neuron is stored; a single train is copied to each neuron.
      const auto& trains = p.spike_source_array().trains();
      double stored = 0.0, until_stop = 0.0;
      for (const auto& t : trains) {
        stored += t.times_ms_size();
        until_stop += static_cast<double>(std::upper_bound(t.times_ms().begin(), t.times_ms().end(), t_stop) -
                                          t.times_ms().begin());
      }
      const double copies = trains.size() == 1 ? n : 1.0;
      bytes += kBytesPerStoredSpike * stored * copies;
      source_spikes[p.name()] = until_stop * copies;
    } else if (p.has_poisson_source()) {
      const auto& m = p.poisson_source();
      const double duration_ms = std::max(0.0, std::min(m.stop_ms(), t_stop) - m.start_ms());
      source_spikes[p.name()] = m.rate_hz() * 1e-3 * duration_ms * n;
    }
    account("populations", i, bytes);
  }
  for (int j = 0; j < net.projections_size(); ++j) {
    const auto& pr = net.projections(j);
    const double n_pre = sizes[pr.pre()], n_post = sizes[pr.post()];
    double count = 0.0;
    switch (pr.connector_case()) {
      case pb::Projection::kAllToAll: count = n_pre * n_post; break;
      case pb::Projection::kOneToOne: count = n_post; break;
      case pb::Projection::kFixedProbability: {
        const double mean = pr.fixed_probability().p() * n_pre * n_post;
        count = mean + 5.0 * std::sqrt(mean);
        break;
      }
      case pb::Projection::kFixedInDegree:
        count = static_cast<double>(pr.fixed_in_degree().k()) * n_post;
        break;
      case pb::Projection::kFromList: count = pr.from_list().connections_size(); break;
      case pb::Projection::CONNECTOR_NOT_SET: break;
    }
    est.synapses += count;
    synapses_of[pr.name()] = count;
    account("projections", j, bytes_per_synapse(pr) * count);
  }
  // Recorded spikes of sources (the counts of neurons are not known before the run).
  for (int r = 0; r < net.spike_recorders_size(); ++r) {
    const auto& rec = net.spike_recorders(r);
    double spikes = 0.0;
    if (rec.populations_size() == 0) {
      for (const auto& [name, count] : source_spikes) spikes += count;
    } else {
      const std::set<std::string> names(rec.populations().begin(), rec.populations().end());
      for (const std::string& name : names)
        if (const auto it = source_spikes.find(name); it != source_spikes.end()) spikes += it->second;
    }
    account("spike_recorders", r, kBytesPerRecordedSpike * spikes);
  }
  for (int r = 0; r < net.state_recorders_size(); ++r) {
    const auto& rec = net.state_recorders(r);
    const double neurons = rec.neurons_size() > 0 ? rec.neurons_size() : sizes[rec.population()];
    const double samples = std::floor(t_stop / rec.interval_ms()) + 1.0;
    // values, plus the matrix assembled for the .npy file
    account("state_recorders", r, 16.0 * samples * (neurons + 1.0));
  }
  for (int r = 0; r < net.conductance_recorders_size(); ++r) {
    const auto& rec = net.conductance_recorders(r);
    const double synapses = rec.synapses_size() > 0 ? rec.synapses_size() : synapses_of[rec.projection()];
    const double samples = std::floor(t_stop / rec.interval_ms()) + 1.0;
    account("conductance_recorders", r, 16.0 * samples * (synapses + 1.0));
  }
  return est;
}

std::uint64_t available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream in(line);
    std::string key;
    std::uint64_t kib = 0;
    if (in >> key >> kib && key == "MemAvailable:") return kib * 1024;
  }
  return static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) *
         static_cast<std::uint64_t>(sysconf(_SC_PAGE_SIZE));
}

}  // namespace ionspike
