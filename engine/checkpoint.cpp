#include "engine/checkpoint.hpp"

#include <exception>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>

#include "engine/distributed_checkpoint.hpp"
#include "engine/rank_exchange.hpp"
#include "networks/network_builder.hpp"

namespace ionspike {

namespace {

// Runs `work` on every rank; a failure on any rank throws on every rank.
template <class Work>
void on_every_rank(RankExchange& ranks, const std::string& what, const Work& work) {
  run_on_every_rank(ranks, work, what + ": failed on another rank (see its message)");
}

}  // namespace

void save_checkpoint(Simulator& sim, const pb::Network& network, const std::string& network_file,
                     double checkpoint_every_ms, const std::filesystem::path& file) {
  StateArchive archive;
  sim.checkpoint(archive);
  if (!sim.distributed()) {
    if (sim.network().distribution && sim.network().distribution->any_local())
      throw std::logic_error("save_checkpoint: the network holds one rank's synapses; a rank checkpoints in a "
                             "distributed run (set_rank_exchange)");
    write_checkpoint_file(file, network, network_file, sim.time_ms(), checkpoint_every_ms, archive.fields());
    return;
  }
  // One part per rank, in the generation the current manifest (if any) does not name. Rank 0
  // reads the manifest and decides for all: a rank that saw a stale copy, or none, must not
  // pick the generation the manifest names (it would overwrite, then delete, current parts).
  RankExchange& ranks = *sim.rank_exchange();
  const RuntimeNetwork& net = sim.network();
  const std::uint32_t build_threads =
      net.distribution && net.distribution->any_local() ? net.distribution->threads : 0;
  const std::uint32_t rank = ranks.rank(), count = ranks.ranks();
  constexpr double kNone = std::numeric_limits<double>::infinity();
  double previous = kNone;  // the current manifest's generation
  on_every_rank(ranks, "checkpoint manifest " + file.string(), [&] {
    if (rank != 0) return;
    std::optional<CheckpointManifest> manifest;
    try {
      manifest = read_checkpoint_manifest(file);
    } catch (const CheckpointError&) {
      // An unreadable manifest names no usable parts: it is replaced.
    }
    if (manifest && manifest->ranks == count) previous = manifest->generation;
  });
  previous = ranks.min_over_ranks(rank == 0 ? previous : kNone);
  const bool has_previous = previous != kNone;
  const std::uint32_t generation = has_previous ? 1 - static_cast<std::uint32_t>(previous) : 0;
  on_every_rank(ranks, "checkpoint " + file.string(), [&] {
    write_checkpoint_file(rank_checkpoint_file(file, generation, rank, count), network, network_file, sim.time_ms(),
                          checkpoint_every_ms, archive.fields(), CheckpointPart{rank, count, build_threads});
  });
  on_every_rank(ranks, "checkpoint manifest " + file.string(), [&] {
    if (rank == 0) write_checkpoint_manifest(file, count, generation, sim.time_ms());
  });
  // The manifest now names the new parts: the previous generation's part goes.
  if (has_previous) {
    std::error_code ignored;
    std::filesystem::remove(rank_checkpoint_file(file, 1 - generation, rank, count), ignored);
  }
}

ResumedSimulation resume_checkpoint(CheckpointContents contents, const std::string& source,
                                    const ResumeChanges& changes) {
  if (changes.t_stop_ms && *changes.t_stop_ms < contents.time_ms)
    throw InputError(SourceLocation{"command line"}, "--t-stop",
                     "must not be before the checkpoint's time, " + std::to_string(contents.time_ms) + " ms");
  LoadedNetwork loaded;
  loaded.message = std::move(contents.network);
  loaded.file = source + " (network stored in the checkpoint)";
  SimulationOverrides overrides;
  overrides.t_stop_ms = changes.t_stop_ms;
  overrides.output_dir = changes.output_dir;
  apply_overrides(loaded.message, overrides);
  // A rank's part of a per-rank build holds that rank's synapses: built the same way again.
  BuildOptions build;
  if (contents.part.build_threads > 0) build = {contents.part.ranks, contents.part.rank, contents.part.build_threads};
  ResumedSimulation resumed{loaded.message, contents.network_file, contents.checkpoint_every_ms,
                            Simulator(build_network(loaded, nullptr, build))};
  if (contents.part.build_threads > 0 && !(resumed.simulator.network().distribution &&
                                          resumed.simulator.network().distribution->any_local()))
    throw CheckpointError(source + ": rank " + std::to_string(contents.part.rank) +
                          "'s part of a run whose ranks stored only their own synapses, but this build of the "
                          "network keeps every synapse on every rank");
  StateArchive archive(std::move(contents.fields), source);
  resumed.simulator.checkpoint(archive);
  archive.expect_all_consumed();
  if (resumed.simulator.time_ms() != contents.time_ms)
    throw CheckpointError(source + ": the header's time (" + std::to_string(contents.time_ms) +
                          " ms) differs from the engine's (" + std::to_string(resumed.simulator.time_ms()) + " ms)");
  return resumed;
}

ResumedSimulation resume_checkpoint(const std::filesystem::path& file, const ResumeChanges& changes,
                                    const CheckpointReadOptions& options,
                                    const std::shared_ptr<RankExchange>& ranks) {
  const std::uint32_t count = ranks ? ranks->ranks() : 1, rank = ranks ? ranks->rank() : 0;
  const auto read = [&] {
    const std::optional<CheckpointManifest> manifest = read_checkpoint_manifest(file);
    if (!manifest) {
      CheckpointContents contents = read_checkpoint_file(file, options);
      if (!contents.part.whole())
        throw CheckpointError(file.string() + ": rank " + std::to_string(contents.part.rank) + "'s part of a checkpoint across " +
                              std::to_string(contents.part.ranks) + " MPI ranks; resume the checkpoint's manifest (the " +
                              "file named without '.g*.rank*-of*') with mpiexec -n " + std::to_string(contents.part.ranks));
      return resume_checkpoint(std::move(contents), file.string(), changes);
    }
    if (manifest->ranks != count)
      throw CheckpointError(file.string() + ": a checkpoint of a run across " + std::to_string(manifest->ranks) +
                            " MPI ranks; resume it with mpiexec -n " + std::to_string(manifest->ranks) + " (this is " +
                            (count == 1 ? std::string("one process") : std::to_string(count) + " ranks") + ")");
    const std::filesystem::path& part_file = manifest->files[rank];
    CheckpointContents contents = read_checkpoint_file(part_file, options);
    if (contents.part.rank != rank || contents.part.ranks != count)
      throw CheckpointError(part_file.string() + ": holds " +
                            (contents.part.whole() ? std::string("a whole checkpoint")
                                                   : "rank " + std::to_string(contents.part.rank) + " of " +
                                                         std::to_string(contents.part.ranks)) +
                            ", but " + file.string() + " names it as rank " + std::to_string(rank) + " of " +
                            std::to_string(count));
    if (contents.time_ms != manifest->time_ms)
      throw CheckpointError(part_file.string() + ": holds the state at " + std::to_string(contents.time_ms) + " ms, but " +
                            file.string() + " is at " + std::to_string(manifest->time_ms) + " ms");
    return resume_checkpoint(std::move(contents), part_file.string(), changes);
  };
  if (count == 1) return read();
  std::optional<ResumedSimulation> resumed;
  on_every_rank(*ranks, "resume " + file.string(), [&] {
    resumed.emplace(read());
    resumed->simulator.set_rank_exchange(ranks);
  });
  return std::move(*resumed);
}

}  // namespace ionspike
