// Run-time storage of the static synapses of one projection: compressed sparse rows by
// presynaptic neuron, each row split into groups of equal axonal delay.
//
//   row_begin_[i] .. row_begin_[i+1]   delay groups of presynaptic neuron i (ascending delay)
//   groups_[g].delay_ms, synapses_[groups_[g].first .. groups_[g+1].first)
//
// A spike of neuron i at t becomes one Delivery event per delay group, at t + delay; the
// event hands the group's contiguous run of 8-byte synapses to the target population in one
// call. With one delay per projection this costs one heap event per spike and projection,
// not one per synapse. groups_ ends with a sentinel whose `first` is the synapse count.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "synapses/static_synapse.hpp"

namespace ionspike {

// A synapse before flattening (builder side).
struct SynapseSpec {
  std::uint32_t pre;
  std::uint32_t post;
  float weight;
  double delay_ms;
};

class StaticProjection {
 public:
  struct DelayGroup {
    double delay_ms;
    std::uint64_t first;
  };

  // Flattens specs (any order) into rows grouped by delay. Within a group, synapses keep
  // their order in `specs`, so the result is a deterministic function of the input order.
  StaticProjection(std::string name, std::uint32_t pre_population, std::uint32_t post_population,
                   std::uint32_t pre_size, std::vector<SynapseSpec> specs);

  const std::string& name() const { return name_; }
  std::uint32_t pre_population() const { return pre_population_; }
  std::uint32_t post_population() const { return post_population_; }
  std::uint64_t synapse_count() const { return synapses_.size(); }

  // Delay groups of presynaptic neuron `pre`, as global group indices [begin, end).
  std::uint32_t row_begin(std::uint32_t pre) const { return row_begin_[pre]; }
  std::uint32_t row_end(std::uint32_t pre) const { return row_begin_[pre + 1]; }
  double group_delay_ms(std::uint32_t group) const { return groups_[group].delay_ms; }
  std::span<const StaticSynapse> group_synapses(std::uint32_t group) const {
    return {synapses_.data() + groups_[group].first,
            static_cast<std::size_t>(groups_[group + 1].first - groups_[group].first)};
  }
  std::span<const StaticSynapse> synapses() const { return synapses_; }
  // For plastic projections built on this table (synapses/stdp_projection.hpp).
  std::span<StaticSynapse> mutable_synapses() { return synapses_; }
  std::uint32_t group_count() const { return static_cast<std::uint32_t>(groups_.size() - 1); }
  std::uint64_t group_first(std::uint32_t group) const { return groups_[group].first; }
  // Presynaptic neuron of every synapse, in storage order (for export; O(synapses)).
  std::vector<std::uint32_t> presynaptic_indices() const;
  std::vector<double> delays_ms() const;

 private:
  std::string name_;
  std::uint32_t pre_population_;
  std::uint32_t post_population_;
  std::vector<std::uint32_t> row_begin_;
  std::vector<DelayGroup> groups_;
  std::vector<StaticSynapse> synapses_;
};

}  // namespace ionspike
