#include "engine/checkpoint.hpp"

#include "networks/network_builder.hpp"

namespace ionspike {

void save_checkpoint(Simulator& sim, const pb::Network& network, const std::string& network_file,
                     double checkpoint_every_ms, const std::filesystem::path& file) {
  StateArchive archive;
  sim.checkpoint(archive);
  write_checkpoint_file(file, network, network_file, sim.time_ms(), checkpoint_every_ms, archive.fields());
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
  ResumedSimulation resumed{loaded.message, contents.network_file, contents.checkpoint_every_ms,
                            Simulator(build_network(loaded))};
  StateArchive archive(std::move(contents.fields), source);
  resumed.simulator.checkpoint(archive);
  archive.expect_all_consumed();
  if (resumed.simulator.time_ms() != contents.time_ms)
    throw CheckpointError(source + ": the header's time (" + std::to_string(contents.time_ms) +
                          " ms) differs from the engine's (" + std::to_string(resumed.simulator.time_ms()) + " ms)");
  return resumed;
}

ResumedSimulation resume_checkpoint(const std::filesystem::path& file, const ResumeChanges& changes,
                                    const CheckpointReadOptions& options) {
  return resume_checkpoint(read_checkpoint_file(file, options), file.string(), changes);
}

}  // namespace ionspike
