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
//
// Storage. A projection whose synapses all have the same weight (bit for bit as float; most
// static projections: `weight_* { constant: ... }`) stores only the 4-byte targets and the
// weight once (Storage::Auto); the engine hands a group to the target population as its
// targets and the one weight (NeuronPopulation::deliver_uniform): grid populations add the
// weight directly, the others receive the group expanded into {target, weight} pairs in a
// small per-thread buffer (synapses/uniform_weight_group.hpp), so every population sees
// exactly the same synapses in the same order. Other projections, and plastic ones built on
// this table (Storage::PerSynapseWeights), keep 8-byte {target, weight} synapses.
#pragma once

#include <cassert>
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

// A delay group's key: its presynaptic neuron and delay. A rank of a distributed build keeps
// only the synapses onto its own neurons but every group of the whole projection (possibly
// empty here), so that group numbers, which delivery events carry, are the same on every rank.
struct GroupKey {
  std::uint32_t pre;
  double delay_ms;
  friend bool operator<(const GroupKey& a, const GroupKey& b) {
    return a.pre != b.pre ? a.pre < b.pre : a.delay_ms < b.delay_ms;
  }
  friend bool operator==(const GroupKey& a, const GroupKey& b) { return a.pre == b.pre && a.delay_ms == b.delay_ms; }
};

// Read-only view of a projection's synapses in storage order, for either storage: element k
// is {target, weight} by value.
class SynapseView {
 public:
  SynapseView(const StaticSynapse* full, const std::uint32_t* targets, float weight, std::size_t size)
      : full_(full), targets_(targets), weight_(weight), size_(size) {}
  StaticSynapse operator[](std::size_t k) const { return full_ ? full_[k] : StaticSynapse{targets_[k], weight_}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  const StaticSynapse* full_;
  const std::uint32_t* targets_;
  float weight_;
  std::size_t size_;
};

class StaticProjection {
 public:
  struct DelayGroup {
    double delay_ms;
    std::uint64_t first;
  };
  enum class Storage {
    Auto,               // targets only when every weight is the same, else {target, weight}
    PerSynapseWeights,  // always {target, weight} (plastic projections write the weights)
  };

  // Flattens specs (any order) into rows grouped by delay. Within a group, synapses keep
  // their order in `specs`, so the result is a deterministic function of the input order.
  // With `groups` (sorted, unique; every spec's key among them): exactly these groups, in
  // this order, some possibly empty (a distributed build's part of a projection, GroupKey).
  StaticProjection(std::string name, std::uint32_t pre_population, std::uint32_t post_population,
                   std::uint32_t pre_size, std::vector<SynapseSpec> specs, Storage storage = Storage::Auto,
                   const std::vector<GroupKey>* groups = nullptr);

  const std::string& name() const { return name_; }
  std::uint32_t pre_population() const { return pre_population_; }
  std::uint32_t post_population() const { return post_population_; }
  std::uint64_t synapse_count() const { return groups_.back().first; }
  std::uint32_t pre_size() const { return static_cast<std::uint32_t>(row_begin_.size() - 1); }
  // True when the weights are stored once (every synapse has weight uniform_weight()).
  bool has_uniform_weight() const { return uniform_; }
  float uniform_weight() const { return uniform_weight_; }

  // Delay groups of presynaptic neuron `pre`, as global group indices [begin, end).
  std::uint32_t row_begin(std::uint32_t pre) const { return row_begin_[pre]; }
  std::uint32_t row_end(std::uint32_t pre) const { return row_begin_[pre + 1]; }
  double group_delay_ms(std::uint32_t group) const { return groups_[group].delay_ms; }
  std::size_t group_size(std::uint32_t group) const {
    return static_cast<std::size_t>(groups_[group + 1].first - groups_[group].first);
  }
  // The {target, weight} synapses of a group; per-synapse storage only (!has_uniform_weight()).
  std::span<const StaticSynapse> group_synapses(std::uint32_t group) const {
    assert(!uniform_);
    return {synapses_.data() + groups_[group].first, group_size(group)};
  }
  // The targets of a group; uniform-weight storage only (has_uniform_weight()).
  std::span<const std::uint32_t> group_targets(std::uint32_t group) const {
    assert(uniform_);
    return {targets_.data() + groups_[group].first, group_size(group)};
  }
  // Every synapse in storage order, {target, weight} by value (either storage).
  SynapseView synapses() const {
    return {uniform_ ? nullptr : synapses_.data(), targets_.data(), uniform_weight_,
            static_cast<std::size_t>(synapse_count())};
  }
  // For plastic projections built on this table (Storage::PerSynapseWeights;
  // synapses/stdp_projection.hpp).
  std::span<const StaticSynapse> stored_synapses() const { return synapses_; }
  std::span<StaticSynapse> mutable_synapses() { return synapses_; }
  std::uint32_t group_count() const { return static_cast<std::uint32_t>(groups_.size() - 1); }
  // Whether every delay group lists its targets in ascending order (the connectors generate
  // them so; a connection list may not): parallel runs then split groups by target range.
  bool targets_sorted_in_groups() const { return targets_sorted_; }
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
  bool uniform_ = false;
  bool targets_sorted_ = true;
  float uniform_weight_ = 0.0f;
  std::vector<StaticSynapse> synapses_;  // per-synapse storage (empty when uniform_)
  std::vector<std::uint32_t> targets_;   // uniform-weight storage (empty otherwise)
};

}  // namespace ionspike
