// Checkpoints of runs across ranks (docs/checkpoints.md, "Runs across MPI ranks").
//
// Each rank saves its own part: a complete checkpoint file of its Simulator (its shards'
// neurons, synapses and pending events are current; its recorders hold every spike and
// sample), marked in its header as rank r of R. When every part is complete, rank 0 writes a
// small text manifest at the checkpoint's path naming the R parts (relative to the manifest's
// folder, so the set can be moved) and the time they hold:
//
//   IONSPIKE-CHECKPOINT-MANIFEST 1
//   ranks 2
//   time_ms 40
//   generation 1
//   rank 0 checkpoint.ckpt.g1.rank0-of2
//   rank 1 checkpoint.ckpt.g1.rank1-of2
//   end
//
// Design note: the parts alternate between two generations (file names .g0. and .g1.), so
// writing a new checkpoint never overwrites a part the current manifest names; the manifest
// is replaced atomically (AtomicFile) last, and only then are the previous generation's parts
// removed. A run killed at any moment leaves the previous checkpoint whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace ionspike {

struct CheckpointManifest {
  std::uint32_t ranks = 0;
  std::uint32_t generation = 0;  // 0 or 1
  double time_ms = 0.0;
  std::vector<std::filesystem::path> files;  // rank r's part: files[r] (the manifest's folder prepended)
};

// <manifest>.g<generation>.rank<r>-of<R>
std::filesystem::path rank_checkpoint_file(const std::filesystem::path& manifest, std::uint32_t generation,
                                           std::uint32_t rank, std::uint32_t ranks);
// Writes the manifest atomically; call after every rank's part is complete.
void write_checkpoint_manifest(const std::filesystem::path& manifest, std::uint32_t ranks, std::uint32_t generation,
                               double time_ms);
// The manifest's contents, or nullopt if `file` is missing or not a manifest (e.g. a
// single-process checkpoint). Throws CheckpointError for a manifest it cannot read, naming
// the file, the line and what was expected.
std::optional<CheckpointManifest> read_checkpoint_manifest(const std::filesystem::path& file);

}  // namespace ionspike
