#include "engine/distributed_checkpoint.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <string>

#include "engine/atomic_file.hpp"
#include "engine/checkpoint_file.hpp"

namespace ionspike {

namespace {
constexpr const char* kMagic = "IONSPIKE-CHECKPOINT-MANIFEST 1";
constexpr long long kMaxRanks = 1 << 20;
}  // namespace

std::filesystem::path rank_checkpoint_file(const std::filesystem::path& manifest, std::uint32_t generation,
                                           std::uint32_t rank, std::uint32_t ranks) {
  return manifest.string() + ".g" + std::to_string(generation) + ".rank" + std::to_string(rank) + "-of" +
         std::to_string(ranks);
}

void write_checkpoint_manifest(const std::filesystem::path& manifest, std::uint32_t ranks, std::uint32_t generation,
                               double time_ms) {
  char time[64];
  const auto end = std::to_chars(time, time + sizeof time, time_ms).ptr;  // shortest exact form
  AtomicFile file(manifest);
  file.stream() << kMagic << "\nranks " << ranks << "\ntime_ms " << std::string(time, end) << "\ngeneration "
                << generation << "\n";
  for (std::uint32_t r = 0; r < ranks; ++r)
    file.stream() << "rank " << r << " " << rank_checkpoint_file(manifest, generation, r, ranks).filename().string()
                  << "\n";
  file.stream() << "end\n";
  file.commit();
}

std::optional<CheckpointManifest> read_checkpoint_manifest(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;  // the checkpoint reader reports the missing file
  std::string line;
  if (!std::getline(in, line) || line != kMagic) return std::nullopt;
  int line_number = 1;
  const auto fail = [&](const std::string& what) {
    throw CheckpointError(path.string() + ":" + std::to_string(line_number) + ": checkpoint manifest: " + what);
  };
  // The next line, "<key> <value...>"; returns the value part.
  const auto next = [&](const std::string& key) {
    ++line_number;
    if (!std::getline(in, line)) fail("missing '" + key + "' line (truncated manifest)");
    if (line.rfind(key + " ", 0) != 0) fail("expected '" + key + " ...', got '" + line + "'");
    return line.substr(key.size() + 1);
  };
  const auto integer = [&](const std::string& key, long long lo, long long hi) {
    const std::string text = next(key);
    long long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < lo || value > hi)
      fail("'" + key + "' must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" +
           text + "'");
    return value;
  };
  CheckpointManifest m;
  m.ranks = static_cast<std::uint32_t>(integer("ranks", 2, kMaxRanks));
  {
    const std::string text = next("time_ms");
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), m.time_ms);
    if (error != std::errc() || end != text.data() + text.size() || !(m.time_ms >= 0.0) || !std::isfinite(m.time_ms))
      fail("'time_ms' must be a finite time >= 0 ms, got '" + text + "'");
  }
  m.generation = static_cast<std::uint32_t>(integer("generation", 0, 1));
  for (std::uint32_t r = 0; r < m.ranks; ++r) {
    // "rank <r> <file name>": the name is the rest of the line (it may hold spaces).
    const std::string text = next("rank");
    const std::string expected = std::to_string(r) + " ";
    if (text.rfind(expected, 0) != 0 || text.size() == expected.size())
      fail("expected 'rank " + std::to_string(r) + " FILE', got 'rank " + text + "'");
    m.files.push_back(path.parent_path() / text.substr(expected.size()));
  }
  ++line_number;
  if (!std::getline(in, line) || line != "end") fail("expected 'end' after the last rank's part (truncated manifest?)");
  ++line_number;
  if (std::getline(in, line)) fail("unexpected line after 'end': '" + line + "'");
  return m;
}

}  // namespace ionspike
