#include "networks/memory_estimate.hpp"

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

namespace ionspike {

MemoryEstimate estimate_memory(const pb::Network& net) {
  MemoryEstimate est;
  std::map<std::string, double> sizes;
  auto account = [&](const char* field, int index, double bytes) {
    est.total_bytes += bytes;
    if (bytes > est.largest_bytes) {
      est.largest_bytes = bytes;
      est.largest_field = field;
      est.largest_index = index;
    }
  };
  for (int i = 0; i < net.populations_size(); ++i) {
    const auto& p = net.populations(i);
    sizes[p.name()] = static_cast<double>(p.size());
    account("populations", i, kBytesPerNeuron * static_cast<double>(p.size()));
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
    account("projections", j, kBuildBytesPerSynapse * count);
  }
  const double t_stop = net.simulation().t_stop_ms();
  for (int r = 0; r < net.state_recorders_size(); ++r) {
    const auto& rec = net.state_recorders(r);
    const double neurons = rec.neurons_size() > 0 ? rec.neurons_size() : sizes[rec.population()];
    const double samples = std::floor(t_stop / rec.interval_ms()) + 1.0;
    // values, plus the matrix assembled for the .npy file
    account("state_recorders", r, 16.0 * samples * (neurons + 1.0));
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
