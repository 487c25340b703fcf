// Checkpoint files: a simulation's complete state and the network it runs, to resume from.
//
// Layout (networks/checkpoint.proto): the magic line "IONSPIKE-CHECKPOINT\n", then records
//   <u64 LE payload length> <payload> <u32 LE CRC-32 of the payload>
// the first a CheckpointHeader (format version, ionspike version, byte-order mark, the
// network description, time, number of field records), then the state's named arrays
// (engine/state_archive.hpp) as CheckpointField records, arrays longer than 32 MiB split over
// several records. Nothing may follow the last record.
//
// Writing goes through AtomicFile (temporary name, fsync, rename): a run killed while it
// writes leaves the previous checkpoint intact. Reading refuses, with a CheckpointError
// naming the file and what is wrong: a wrong magic line, a truncated or oversized record, a
// CRC mismatch, a format or ionspike version other than this build's, another byte order,
// fields out of sequence, trailing bytes. The state's fit to the network is checked when it
// is restored (StateArchive).
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <vector>

#include "engine/state_archive.hpp"
#include "networks/network_loader.hpp"

namespace ionspike {

// 1: first format. 2: EIS projections keep exact (fixed-point) energy totals and no cycle-noise
// stream position (their noise became counter-based, for parallel runs). 3: a file may be one
// rank's part of a checkpoint across MPI ranks (header fields rank, ranks). 4: a part of a
// per-rank build holds its rank's share of EIS projections and connection lists too. 5: EIS
// synapses keep no device prefactor (counter-based by synapse) and mark floored synapses by the
// sign of their conductance. 6: grid populations save their receivers scaled (x / D, with the
// scales D; neurons/grid_population.hpp).
inline constexpr std::uint32_t kCheckpointFormatVersion = 6;

// Which part of a run a checkpoint file holds: the whole (ranks == 1), or rank `rank`'s part
// of a run across `ranks` ranks (engine/distributed_checkpoint.hpp).
struct CheckpointPart {
  std::uint32_t rank = 0;
  std::uint32_t ranks = 1;
  // A rank of a per-rank build (RuntimeNetwork::distribution): its threads per rank; 0: the
  // rank built the whole network.
  std::uint32_t build_threads = 0;
  bool whole() const { return ranks == 1; }
};

struct CheckpointContents {
  pb::Network network;        // as built (overrides applied)
  std::string network_file;   // the file the run started from
  double time_ms = 0.0;
  double checkpoint_every_ms = 0.0;  // the run's interval (0: none)
  CheckpointPart part;
  std::vector<ArchivedField> fields;
};

// Writes atomically; throws std::runtime_error on I/O failure.
void write_checkpoint_file(const std::filesystem::path& path, const pb::Network& network,
                           const std::string& network_file, double time_ms, double checkpoint_every_ms,
                           const std::vector<ArchivedField>& fields, CheckpointPart part = {});

struct CheckpointReadOptions {
  // Only for fuzzing the decoder behind the checksums: skips the CRC comparison.
  bool verify_checksums = true;
};
// Throws CheckpointError (or std::runtime_error when the file cannot be opened).
CheckpointContents read_checkpoint_file(const std::filesystem::path& path, const CheckpointReadOptions& options = {});
// The same from a stream of `size_bytes` bytes; `source` names it in errors.
CheckpointContents read_checkpoint(std::istream& in, std::uint64_t size_bytes, const std::string& source,
                                   const CheckpointReadOptions& options = {});

}  // namespace ionspike
