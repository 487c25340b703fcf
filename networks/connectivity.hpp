// Generation of the synapses of one projection from its connector.
//
// Design note. Target neurons are cut into fixed blocks of kConnectBlock neurons; block b
// draws from its own stream ("connect:" + projection name, b) and writes its own list.
// Blocks are generated in parallel (oneTBB) and concatenated in block order, so the result
// is identical for any thread count and independent of other projections. Within a block,
// each connection's weight and delay are drawn right after the connection itself.
#pragma once

#include <cstdint>
#include <vector>

#include "networks/network_loader.hpp"
#include "synapses/static_projection.hpp"

namespace ionspike {

class RankExchange;

inline constexpr std::uint32_t kConnectBlock = 1024;

struct ConnectivityInput {
  const pb::Projection* projection;
  std::uint32_t pre_size;
  std::uint32_t post_size;
  bool same_population;
  double default_delay_ms;  // simulation.min_delay_ms
  std::uint64_t seed;
};

// Synapses in a deterministic order (by target block, then target, then source).
std::vector<SynapseSpec> generate_synapses(const ConnectivityInput& in);

// One rank's part (a distributed build, RuntimeNetwork::distribution): the synapses of
// generate_synapses(in) onto targets in [keep_begin, keep_end), in the same order, and in
// `groups` the delay-group keys of all its synapses (sorted, unique), in `generated` their
// count. Every block is generated (the groups need every synapse) but only the kept synapses
// stay in memory; the blocks are generated 64 at a time and their keys merged after each
// batch. A connection list (`from_list`) is one block.
//
// With `positions` (EIS projections, whose per-synapse values are drawn in generation order
// and whose synapses are named by their index in the whole projection), also where the kept
// synapses lie in the whole projection:
struct KeptSynapsePositions {
  // Per kept synapse: its index in generate_synapses(in)'s order.
  std::vector<std::uint64_t> generation_index;
  // Per group (in `groups` order): the storage index, in the whole projection (CSR by group,
  // a group's synapses in generation order), of the group's first kept synapse: the whole
  // size of every earlier group plus the group's synapses onto targets below keep_begin.
  std::vector<std::uint64_t> part_first;
};
std::vector<SynapseSpec> generate_synapses(const ConnectivityInput& in, std::uint32_t keep_begin,
                                           std::uint32_t keep_end, std::vector<GroupKey>& groups,
                                           std::uint64_t& generated, KeptSynapsePositions* positions = nullptr);

// The same, with the construction distributed: a collective of every rank of `ranks` (each
// with its own targets, in ascending rank order, together covering the population, or one
// rank holding all). Each rank generates only the blocks holding its targets; the ranks then
// exchange the synapse count of each block (every block counted by the rank that holds its
// first target) and the group keys of their synapses with their counts (one allgather per
// range of 1/R of the presynaptic neurons, so a rank never holds every rank's keys at once),
// from which each rank learns every group and where its part lies. The result is identical to
// the other overload's. A connection list is read whole by every rank (no exchange).
std::vector<SynapseSpec> generate_synapses(const ConnectivityInput& in, std::uint32_t keep_begin,
                                           std::uint32_t keep_end, RankExchange& ranks, std::vector<GroupKey>& groups,
                                           std::uint64_t& generated, KeptSynapsePositions* positions = nullptr);

}  // namespace ionspike
