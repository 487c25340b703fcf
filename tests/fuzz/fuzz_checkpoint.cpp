// libFuzzer target: checkpoint files from an untrusted source (issue 8), through what
// `ionspike resume` does before it runs:
//
//   read the records (engine/checkpoint_file) -> validate the embedded network -> memory
//   estimate -> build it -> restore the state into it (Simulator::checkpoint)
//
// Contract: a file is refused with a CheckpointError or an InputError, or it restores. Any
// other exception, crash, sanitizer report, leak or timeout is a finding. The CRC-32 of every
// record is NOT checked here (CheckpointReadOptions::verify_checksums = false), so that the
// mutations reach the decoder and the restoring checks behind the checksums instead of being
// stopped by them. Restored state is not run: values inside a record that passed its
// checksum are trusted (their lengths, indices, enums and orderings are checked, not the
// physics they describe). Networks whose estimate exceeds 64 MiB are not built.
//
// Built by tools/fuzz.sh, whose seed corpus is checkpoints written by small example runs.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "engine/checkpoint.hpp"
#include "networks/input_error.hpp"
#include "networks/memory_estimate.hpp"
#include "networks/network_validator.hpp"

namespace {
constexpr double kBuildLimitBytes = 64.0 * 1024 * 1024;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ionspike;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    CheckpointContents contents = read_checkpoint(in, size, "fuzz.ckpt", CheckpointReadOptions{false});
    LoadedNetwork loaded;
    loaded.message = contents.network;
    loaded.file = "fuzz.ckpt (network)";
    validate_network(loaded);
    if (estimate_memory(loaded.message).total_bytes > kBuildLimitBytes) return 0;
    resume_checkpoint(std::move(contents), "fuzz.ckpt");
  } catch (const CheckpointError&) {
    return 0;  // refused cleanly
  } catch (const InputError&) {
    return 0;  // the embedded network is refused as a network file would be
  }
  return 0;
}
