// Recent spike times of every neuron of a population, as far back as a waveform they
// started may still be unintegrated by some synapse. EIS synapses rebuild their gate
// voltage lazily from these histories (synapses/eis_projection.hpp).
//
// Design note: which spikes may be forgotten. A synapse is brought up to date at every
// arrival of a presynaptic spike and at every postsynaptic spike. A spike e whose waveform
// lasts D (and reaches the synapse after a delay of at most d_max) is therefore no longer
// needed once a later spike e* >= e + D of the same neuron has arrived everywhere, which is
// certain when e* + d_max < now (strictly: deliveries at exactly `now` may still be queued). add() forgets exactly those spikes, so the latest spike
// and everything whose waveform may still be pending are always kept, however long the
// neuron stays silent afterwards; memory stays bounded by the spikes within about
// D + d_max + one inter-spike interval.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "engine/state_archive.hpp"

namespace ionspike {

class SpikeHistory {
 public:
  SpikeHistory() = default;
  SpikeHistory(std::uint32_t neurons, double waveform_ms, double max_delay_ms)
      : waveform_ms_(waveform_ms), max_delay_ms_(max_delay_ms), spikes_(neurons) {}

  std::uint32_t size() const { return static_cast<std::uint32_t>(spikes_.size()); }
  void widen(double waveform_ms, double max_delay_ms) {
    waveform_ms_ = std::max(waveform_ms_, waveform_ms);
    max_delay_ms_ = std::max(max_delay_ms_, max_delay_ms);
  }

  // Appends a spike at t_ms (non-decreasing per neuron) and forgets spikes no longer needed.
  void add(std::uint32_t n, double t_ms) {
    std::vector<double>& s = spikes_[n];
    // Latest spike certainly delivered everywhere: arrival (computed as the engine computes
    // it, spike + delay) strictly before now; an arrival exactly at now may still be pending.
    auto arrived = s.end();
    while (arrived != s.begin() && !(*(arrived - 1) + max_delay_ms_ < t_ms)) --arrived;
    if (arrived != s.begin()) {
      const double settled = *(arrived - 1) - waveform_ms_;
      s.erase(s.begin(), std::lower_bound(s.begin(), s.end(), settled));
    }
    s.push_back(t_ms);
  }

  // Neurons [begin, end) take the histories they have in `from` (a parallel run's shard
  // copy, engine/parallel_run.cpp; the same population's history).
  void assign_neurons(const SpikeHistory& from, std::uint32_t begin, std::uint32_t end) {
    std::copy(from.spikes_.begin() + begin, from.spikes_.begin() + end, spikes_.begin() + begin);
  }

  // Replaces neuron n's kept spikes (ascending; a distributed run's consolidation).
  void set_spikes(std::uint32_t n, const std::vector<double>& times) { spikes_[n] = times; }

  // Spike times of neuron n, oldest first.
  const std::vector<double>& spikes(std::uint32_t n) const { return spikes_[n]; }

  // The kept spikes (engine/state_archive.hpp); the window is the builder's.
  void checkpoint(StateArchive& ar) {
    ar.rows("spikes_ms", spikes_);
    if (ar.restoring())
      for (const std::vector<double>& s : spikes_)
        if (!std::is_sorted(s.begin(), s.end())) ar.fail("spikes_ms", "spike times must be ascending per neuron");
  }

  // Latest spike time of n strictly before t_ms, or -infinity.
  double last_before(std::uint32_t n, double t_ms) const {
    const std::vector<double>& s = spikes_[n];
    const auto it = std::lower_bound(s.begin(), s.end(), t_ms);
    return it == s.begin() ? -std::numeric_limits<double>::infinity() : *(it - 1);
  }

 private:
  double waveform_ms_ = 0.0;
  double max_delay_ms_ = 0.0;
  std::vector<std::vector<double>> spikes_;
};

}  // namespace ionspike
