// Checkpoint and resume of a whole simulation (the `ionspike run --checkpoint-every` and
// `ionspike resume` commands, and the embedding APIs).
//
// A checkpoint holds the network description the simulation was built from and its complete
// dynamic state (Simulator::checkpoint). Resuming rebuilds the network from that description
// (build_network is a deterministic function of it and its seed), restores the state and
// continues: the run's further spikes, samples, weights and conductances are bit-identical
// to those of the uninterrupted run (tests/test_checkpoint.cpp, tests/cli/kill_resume.sh).
#pragma once

#include <filesystem>
#include <string>

#include "engine/checkpoint_file.hpp"
#include "engine/simulator.hpp"
#include "networks/network_loader.hpp"

namespace ionspike {

// Writes `sim`'s state and `network` (the description it was built from, overrides applied)
// to `file`, atomically. Call between runs (never from inside an event handler).
void save_checkpoint(Simulator& sim, const pb::Network& network, const std::string& network_file,
                     double checkpoint_every_ms, const std::filesystem::path& file);

struct ResumedSimulation {
  pb::Network network;           // as stored (with the changes passed to resume_checkpoint)
  std::string network_file;      // the file the first run started from
  double checkpoint_every_ms;    // the stored interval (0: none)
  Simulator simulator;           // at the checkpoint's time, ready to run_until
};

// What a resumed run may change: when it stops and where it writes (nothing that would
// change the network built).
struct ResumeChanges {
  std::optional<double> t_stop_ms;
  std::optional<std::string> output_dir;
};

// Reads, rebuilds, restores. Throws CheckpointError for a corrupt or mismatched checkpoint,
// InputError if its network description does not validate.
ResumedSimulation resume_checkpoint(const std::filesystem::path& file, const ResumeChanges& changes = {},
                                    const CheckpointReadOptions& options = {});
// The same from checkpoint contents already read (the checkpoint fuzzer's entry point).
ResumedSimulation resume_checkpoint(CheckpointContents contents, const std::string& source,
                                    const ResumeChanges& changes = {});

}  // namespace ionspike
