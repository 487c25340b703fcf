// Turns a validated network description into the run-time network.
//
//   1. validate (networks/network_validator) - throws InputError;
//   2. population graph (Boost.Graph): vertices = populations, edges = projections, both in
//      name order, so declaration order never changes ids or results; used to find
//      populations that can never fire (no input, no drive) and report them;
//   3. populations from the model registry, with initial states drawn from their streams;
//   4. connectivity per projection (networks/connectivity, parallel and deterministic),
//      flattened into CSR delay-group tables;
//   5. current sources and recorders.
// The graph and the protobuf message are not used after this point.
#pragma once

#include <optional>
#include <string>

#include "engine/runtime_network.hpp"
#include "networks/network_loader.hpp"

namespace ionspike {

class RankExchange;

// Values given on the command line win over the file's simulation settings.
struct SimulationOverrides {
  std::optional<double> t_stop_ms;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> output_dir;
  std::optional<std::uint32_t> threads;
};

// Applies overrides to the message (so validation sees them).
void apply_overrides(pb::Network& network, const SimulationOverrides& overrides);

struct BuildNotes {
  std::vector<std::string> warnings;  // e.g. populations that can never fire
};

// A build for rank `rank` of `ranks` of a distributed run (engine/parallel_run.hpp, "Ranks";
// RuntimeNetwork::distribution): every projection keeps only the synapses onto the targets
// of this rank's shards (the plan for `ranks` ranks of `threads` threads each, one shard per
// thread, which the Simulator then must use), with every delay group of the whole projection.
// A network that cannot run in parallel (Simulator::parallel_obstacle) is built whole.
// ranks == 1: the whole network, as without options.
// With `exchange` (the ranks of the run), the build is a collective of every rank and each
// generates only the synapses of its own targets (networks/connectivity.hpp); without, each
// rank generates every synapse and keeps its own. Both give the same network.
struct BuildOptions {
  std::uint32_t ranks = 1;
  std::uint32_t rank = 0;
  std::optional<std::uint32_t> threads;  // per rank; absent: simulation.threads
  RankExchange* exchange = nullptr;
};

RuntimeNetwork build_network(const LoadedNetwork& network, BuildNotes* notes = nullptr,
                             const BuildOptions& options = {});

}  // namespace ionspike
