#include "engine/checkpoint_file.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>

#include "engine/atomic_file.hpp"
#include "networks/checkpoint.pb.h"
#include "networks/network_validator.hpp"

namespace ionspike {
namespace {

namespace ck = ::ionspike::checkpoint::v1;

constexpr char kMagic[] = "IONSPIKE-CHECKPOINT\n";
constexpr std::size_t kMagicBytes = sizeof(kMagic) - 1;
constexpr std::uint64_t kByteOrderMark = 0x0102030405060708ULL;
constexpr std::size_t kChunkBytes = std::size_t{32} << 20;
// The header carries the network description, which may list synapses one by one.
constexpr std::uint64_t kMaxRecordBytes = std::uint64_t{1} << 30;

std::uint32_t crc32_of(const std::string& bytes) {
  return static_cast<std::uint32_t>(
      ::crc32_z(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<z_size_t>(bytes.size())));
}

template <typename T>
void put_le(std::ostream& out, T v) {
  std::array<char, sizeof(T)> b;
  for (std::size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.write(b.data(), b.size());
}

void write_record(std::ostream& out, const google::protobuf::MessageLite& message) {
  const std::string payload = message.SerializeAsString();
  put_le<std::uint64_t>(out, payload.size());
  out.write(payload.data(), static_cast<std::streamsize>(payload.size()));
  put_le<std::uint32_t>(out, crc32_of(payload));
}

class RecordReader {
 public:
  RecordReader(std::istream& in, std::uint64_t size_bytes, std::string source, bool verify)
      : in_(in), remaining_(size_bytes), source_(std::move(source)), verify_(verify) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw CheckpointError(source_ + ": not a valid ionspike checkpoint: " + what);
  }
  std::uint64_t remaining() const { return remaining_; }

  void read_bytes(char* to, std::uint64_t n, const char* what) {
    if (n > remaining_) fail(std::string("truncated (") + what + ")");
    in_.read(to, static_cast<std::streamsize>(n));
    if (static_cast<std::uint64_t>(in_.gcount()) != n) fail(std::string("truncated (") + what + ")");
    remaining_ -= n;
  }
  template <typename T>
  T read_le(const char* what) {
    std::array<char, sizeof(T)> b;
    read_bytes(b.data(), b.size(), what);
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<unsigned char>(b[i])) << (8 * i);
    return v;
  }
  void read_message(google::protobuf::MessageLite& message, const std::string& what) {
    const auto length = read_le<std::uint64_t>(what.c_str());
    if (length > kMaxRecordBytes) fail(what + " record of " + std::to_string(length) + " bytes (at most 1 GiB)");
    if (length + 4 > remaining_) fail("truncated (" + what + " record)");
    std::string payload(length, '\0');
    read_bytes(payload.data(), length, what.c_str());
    const auto crc = read_le<std::uint32_t>(what.c_str());
    if (verify_ && crc != crc32_of(payload)) fail("checksum mismatch in the " + what + " record (the file is corrupt)");
    if (!message.ParseFromString(payload)) fail("the " + what + " record does not parse");
  }

 private:
  std::istream& in_;
  std::uint64_t remaining_;
  std::string source_;
  bool verify_;
};

}  // namespace

void write_checkpoint_file(const std::filesystem::path& path, const pb::Network& network,
                           const std::string& network_file, double time_ms, double checkpoint_every_ms,
                           const std::vector<ArchivedField>& fields, CheckpointPart part) {
  std::uint64_t records = 0;
  for (const ArchivedField& f : fields) records += std::max<std::uint64_t>(1, (f.bytes.size() + kChunkBytes - 1) / kChunkBytes);
  ck::CheckpointHeader header;
  header.set_format_version(kCheckpointFormatVersion);
  header.set_ionspike_version(IONSPIKE_VERSION);
  *header.mutable_network() = network;
  header.set_time_ms(time_ms);
  header.set_field_records(records);
  header.set_network_file(network_file);
  header.set_byte_order_mark(kByteOrderMark);
  header.set_checkpoint_every_ms(checkpoint_every_ms);
  if (!part.whole()) {
    header.set_rank(part.rank);
    header.set_ranks(part.ranks);
    if (part.build_threads > 0) header.set_build_threads(part.build_threads);
  }

  AtomicFile file(path);
  std::ostream& out = file.stream();
  out.write(kMagic, kMagicBytes);
  write_record(out, header);
  ck::CheckpointField record;
  for (const ArchivedField& f : fields) {
    std::uint32_t chunk = 0;
    std::size_t at = 0;
    do {
      const std::size_t n = std::min(kChunkBytes, f.bytes.size() - at);
      record.set_name(f.name);
      record.set_element_bytes(f.element_bytes);
      record.set_chunk(chunk++);
      record.set_data(f.bytes.data() + at, n);
      write_record(out, record);
      at += n;
    } while (at < f.bytes.size());
  }
  file.commit();
}

CheckpointContents read_checkpoint(std::istream& in, std::uint64_t size_bytes, const std::string& source,
                                   const CheckpointReadOptions& options) {
  RecordReader reader(in, size_bytes, source, options.verify_checksums);
  std::array<char, kMagicBytes> magic;
  if (size_bytes < kMagicBytes) reader.fail("shorter than the magic line");
  reader.read_bytes(magic.data(), kMagicBytes, "magic line");
  if (std::memcmp(magic.data(), kMagic, kMagicBytes) != 0) reader.fail("wrong magic line (not a checkpoint file)");

  ck::CheckpointHeader header;
  reader.read_message(header, "header");
  if (header.format_version() != kCheckpointFormatVersion)
    throw CheckpointError(source + ": checkpoint format version " + std::to_string(header.format_version()) +
                          ", this ionspike reads version " + std::to_string(kCheckpointFormatVersion));
  if (header.ionspike_version() != IONSPIKE_VERSION)
    throw CheckpointError(source + ": written by ionspike " + header.ionspike_version() + ", this is ionspike " +
                          IONSPIKE_VERSION + " (state layouts may differ; resume with the version that wrote it)");
  if (header.byte_order_mark() != kByteOrderMark)
    throw CheckpointError(source + ": written on a machine of another byte order");
  if (!header.has_network()) reader.fail("the header holds no network");
  if (!std::isfinite(header.time_ms()) || header.time_ms() < 0.0) reader.fail("the header's time_ms is not a time >= 0");
  // Each record takes at least 12 bytes: a count beyond that is a lie, not an allocation.
  if (header.field_records() > reader.remaining() / 12) reader.fail("more field records announced than the file holds");

  CheckpointContents out;
  out.network = std::move(*header.mutable_network());
  out.network_file = header.network_file();
  out.time_ms = header.time_ms();
  out.checkpoint_every_ms = header.checkpoint_every_ms();
  if (!(out.checkpoint_every_ms >= 0.0) || !std::isfinite(out.checkpoint_every_ms))
    reader.fail("the header's checkpoint_every_ms is not a time >= 0");
  if (header.has_rank() || header.has_ranks()) {
    if (!(header.ranks() >= 2 && header.rank() < header.ranks()))
      reader.fail("the header's part (rank " + std::to_string(header.rank()) + " of " + std::to_string(header.ranks()) +
                  ") is not a rank r < R of R >= 2 ranks");
    // A run's shards (ranks x threads) number at most 2^20 (engine/parallel_run.cpp).
    if (header.build_threads() > kMaxThreads ||
        std::uint64_t{header.ranks()} * std::max(1u, header.build_threads()) > (1u << 20))
      reader.fail("the header's part (" + std::to_string(header.ranks()) + " ranks of " +
                  std::to_string(header.build_threads()) + " build threads) is above " + std::to_string(kMaxThreads) +
                  " threads or 2^20 shards");
    out.part = {header.rank(), header.ranks(), header.build_threads()};
  }
  ck::CheckpointField record;
  for (std::uint64_t r = 0; r < header.field_records(); ++r) {
    reader.read_message(record, "field");
    const bool continues = !out.fields.empty() && out.fields.back().name == record.name();
    const std::uint32_t expected_chunk =
        continues ? static_cast<std::uint32_t>((out.fields.back().bytes.size() + kChunkBytes - 1) / kChunkBytes) : 0;
    if (record.chunk() != expected_chunk)
      reader.fail("field '" + record.name() + "': chunk " + std::to_string(record.chunk()) + " out of sequence");
    if (record.element_bytes() == 0) reader.fail("field '" + record.name() + "': element size 0");
    if (continues) {
      if (out.fields.back().element_bytes != record.element_bytes())
        reader.fail("field '" + record.name() + "': chunks of different element sizes");
      out.fields.back().bytes += record.data();
    } else {
      out.fields.push_back({record.name(), record.element_bytes(), std::move(*record.mutable_data())});
    }
  }
  if (reader.remaining() != 0) reader.fail(std::to_string(reader.remaining()) + " bytes after the last record");
  return out;
}

CheckpointContents read_checkpoint_file(const std::filesystem::path& path, const CheckpointReadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CheckpointError(path.string() + ": cannot open the checkpoint file");
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) throw CheckpointError(path.string() + ": cannot read its size: " + ec.message());
  return read_checkpoint(in, size, path.string(), options);
}

}  // namespace ionspike
