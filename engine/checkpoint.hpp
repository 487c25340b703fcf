// Checkpoint and resume of a whole simulation (the `ionspike run --checkpoint-every` and
// `ionspike resume` commands, and the embedding APIs).
//
// A checkpoint holds the network description the simulation was built from and its complete
// dynamic state (Simulator::checkpoint). Resuming rebuilds the network from that description
// (build_network is a deterministic function of it and its seed), restores the state and
// continues: the run's further spikes, samples, weights and conductances are bit-identical
// to those of the uninterrupted run (tests/test_checkpoint.cpp, tests/cli/kill_resume.sh).
//
// A run across ranks (Simulator::distributed) checkpoints in parts, one per rank, under a
// manifest at the checkpoint's path (engine/distributed_checkpoint.hpp); save and resume are
// then collectives: every rank calls them, in the same order as its other collectives.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "engine/checkpoint_file.hpp"
#include "engine/simulator.hpp"
#include "networks/network_loader.hpp"

namespace ionspike {

// Writes `sim`'s state and `network` (the description it was built from, overrides applied)
// to `file`, atomically. Call between runs (never from inside an event handler). A
// distributed simulator writes its rank's part beside `file` and rank 0 the manifest at
// `file`; a failure on any rank throws on every rank.
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
// InputError if its network description does not validate. With `ranks` of R > 1 ranks (every
// rank calls it), the simulator resumes as one rank of a distributed run: from its own part
// if `file` is the manifest of a checkpoint across R ranks, from the whole state if `file` is
// a single-process checkpoint; a failure on any rank throws on every rank.
ResumedSimulation resume_checkpoint(const std::filesystem::path& file, const ResumeChanges& changes = {},
                                    const CheckpointReadOptions& options = {},
                                    const std::shared_ptr<RankExchange>& ranks = nullptr);
// The same from checkpoint contents already read (the checkpoint fuzzer's entry point).
ResumedSimulation resume_checkpoint(CheckpointContents contents, const std::string& source,
                                    const ResumeChanges& changes = {});

}  // namespace ionspike
