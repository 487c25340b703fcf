// Tests of the MPI communication layer (engine/mpi_world.hpp), run by ctest under mpiexec
// with 1, 2 and 4 ranks (tests/mpi/CMakeLists.txt, label mpi; tools/test-mpi.sh).
//
// Every rank runs every test case; each rank builds rank-dependent data whose expected
// exchange result it can compute itself, and checks it. Collectives must be reached by every
// rank in the same order, so a failed check must never skip one: the test cases use CHECK
// (which records and continues), never REQUIRE, and never stop a test case early; indexing
// into a result is guarded by a size check first. Do not run with --abort. A failure on any
// rank makes that rank exit 1, and so mpiexec; rank 0 also prints how many ranks failed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <mpi.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/mpi_world.hpp"

namespace {

using ionspike::MpiWorld;

MpiWorld* the_world = nullptr;  // created by main before Catch runs
MpiWorld& world() { return *the_world; }

// A spike-log record of the size the engine's will have (48 bytes).
struct SpikeRecord {
  double time_ms;
  std::uint64_t tag;
  std::uint32_t population;
  std::uint32_t neuron;
  std::uint32_t shard;
  std::uint32_t flags;
  double payload[2];
  bool operator==(const SpikeRecord&) const = default;
};
static_assert(sizeof(SpikeRecord) == 48);

// An odd-sized record (no alignment padding to hide an offset error).
struct ThreeBytes {
  unsigned char b[3];
  bool operator==(const ThreeBytes&) const = default;
};
static_assert(sizeof(ThreeBytes) == 3);

template <class T>
T make_record(int rank, std::size_t i);

template <>
SpikeRecord make_record<SpikeRecord>(int rank, std::size_t i) {
  return SpikeRecord{rank * 1000.0 + static_cast<double>(i) * 0.125,
                     (static_cast<std::uint64_t>(rank) << 40) | i,
                     static_cast<std::uint32_t>(rank),
                     static_cast<std::uint32_t>(i),
                     static_cast<std::uint32_t>(3 * rank + 1),
                     static_cast<std::uint32_t>(i % 7),
                     {-static_cast<double>(i), rank + 0.5}};
}

template <>
ThreeBytes make_record<ThreeBytes>(int rank, std::size_t i) {
  return ThreeBytes{{static_cast<unsigned char>(rank), static_cast<unsigned char>(i),
                     static_cast<unsigned char>(rank * 37 + i * 11)}};
}

template <>
std::byte make_record<std::byte>(int rank, std::size_t i) {
  return static_cast<std::byte>((rank * 131 + i * 7 + 3) & 0xff);
}

template <class T>
std::vector<T> make_records(int rank, std::size_t count) {
  std::vector<T> records(count);
  for (std::size_t i = 0; i < count; ++i) records[i] = make_record<T>(rank, i);
  return records;
}

// Records per rank: a named pattern of counts that every rank can evaluate for every rank.
struct CountPattern {
  const char* name;
  std::function<std::size_t(int rank, int size)> count;
};

std::vector<CountPattern> count_patterns() {
  return {
      {"odd ranks only (rank 0 empty)", [](int r, int) { return r % 2 == 0 ? 0 : 3 * static_cast<std::size_t>(r) + 2; }},
      {"every rank, growing", [](int r, int) { return 2 * static_cast<std::size_t>(r) + 1; }},
      {"nobody", [](int, int) { return std::size_t{0}; }},
      {"last rank only", [](int r, int size) { return r == size - 1 ? std::size_t{1000} : 0; }},
      {"first rank only", [](int r, int) { return r == 0 ? std::size_t{257} : 0; }},
  };
}

// Checks an exchange result against the expected one: offsets, then every record in place.
// Counts mismatches instead of checking each record, so that a failure prints one line.
template <class T>
void check_exchange(const std::vector<T>& all, const std::vector<std::size_t>& offsets,
                    const std::function<std::size_t(int rank)>& count_of, int size) {
  std::vector<std::size_t> expected_offsets(static_cast<std::size_t>(size) + 1, 0);
  for (int r = 0; r < size; ++r) expected_offsets[r + 1] = expected_offsets[r] + count_of(r);
  CHECK(offsets == expected_offsets);
  CHECK(all.size() == expected_offsets.back());
  if (offsets != expected_offsets || all.size() != expected_offsets.back()) return;
  std::size_t mismatches = 0;
  std::string first_mismatch;
  for (int r = 0; r < size; ++r) {
    for (std::size_t i = 0; i < count_of(r); ++i) {
      if (!(all[offsets[r] + i] == make_record<T>(r, i))) {
        if (mismatches++ == 0) first_mismatch = "rank " + std::to_string(r) + " record " + std::to_string(i);
      }
    }
  }
  INFO("first wrong record: " << first_mismatch);
  CHECK(mismatches == 0);
}

template <class T>
void check_allgather_patterns() {
  MpiWorld& w = world();
  for (const CountPattern& pattern : count_patterns()) {
    INFO("rank " << w.rank() << " of " << w.size() << ", pattern: " << pattern.name << ", record bytes "
                 << sizeof(T) << ", max message bytes " << w.max_message_bytes());
    const auto count_of = [&](int r) { return pattern.count(r, w.size()); };
    const std::vector<T> mine = make_records<T>(w.rank(), count_of(w.rank()));
    std::vector<std::size_t> offsets{42};  // stale content must be replaced
    const std::vector<T> all = w.allgather(std::span<const T>(mine), offsets);
    check_exchange(all, offsets, count_of, w.size());
  }
}

void check_gather_to_root() {
  MpiWorld& w = world();
  for (const CountPattern& pattern : count_patterns()) {
    INFO("rank " << w.rank() << " of " << w.size() << ", pattern: " << pattern.name << ", max message bytes "
                 << w.max_message_bytes());
    const auto count_of = [&](int r) { return pattern.count(r, w.size()); };
    const std::vector<std::byte> mine = make_records<std::byte>(w.rank(), count_of(w.rank()));
    std::vector<std::size_t> offsets;
    const std::vector<std::byte> all = w.gather_to_root(mine, offsets);
    if (w.rank() == 0) {
      check_exchange(all, offsets, count_of, w.size());
    } else {
      CHECK(all.empty());
      CHECK(offsets.size() == static_cast<std::size_t>(w.size()) + 1);
    }
  }
}

void check_broadcast_from_root() {
  MpiWorld& w = world();
  for (const std::size_t root_length : {std::size_t{0}, std::size_t{1}, std::size_t{1000}, std::size_t{4099}}) {
    INFO("rank " << w.rank() << ", root length " << root_length << ", max message bytes " << w.max_message_bytes());
    // Rank 0 holds the data; the others hold something else, of another length.
    std::vector<std::byte> data = w.rank() == 0
                                      ? make_records<std::byte>(0, root_length)
                                      : std::vector<std::byte>(static_cast<std::size_t>(w.rank()) * 3 + 5, std::byte{0xEE});
    w.broadcast_from_root(data);
    CHECK(data == make_records<std::byte>(0, root_length));
  }
}

// Restores the default message limit when a test case that lowered it ends.
struct MessageLimit {
  explicit MessageLimit(std::size_t bytes) { world().set_max_message_bytes(bytes); }
  ~MessageLimit() { world().set_max_message_bytes(INT_MAX); }
};

}  // namespace

TEST_CASE("mpi: rank and size", "[mpi]") {
  MpiWorld& w = world();
  INFO("rank " << w.rank() << " of " << w.size());
  CHECK(w.size() >= 1);
  CHECK(w.rank() >= 0);
  CHECK(w.rank() < w.size());
  int world_size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  CHECK(w.size() == world_size);
  // Each rank contributes its own number: the ranks are 0 .. size - 1, each exactly once.
  const auto n = static_cast<std::uint64_t>(w.size());
  CHECK(w.sum_over_ranks(1) == n);
  CHECK(w.sum_over_ranks(static_cast<std::uint64_t>(w.rank())) == n * (n - 1) / 2);
  CHECK(w.sum_over_ranks(static_cast<std::uint64_t>(w.rank()) * w.rank()) == (n - 1) * n * (2 * n - 1) / 6);
}

TEST_CASE("mpi: the world owns MPI, returns errors, and a second world neither initialises nor finalises", "[mpi]") {
  MpiWorld& w = world();
  INFO("rank " << w.rank());
  CHECK(w.owns_mpi());  // main created it before anything else initialised MPI
  CHECK(w.errors_return());
  {
    MpiWorld inner;  // MPI is initialised already: only a communicator of its own
    CHECK_FALSE(inner.owns_mpi());
    CHECK(inner.errors_return());
    CHECK(inner.rank() == w.rank());
    CHECK(inner.size() == w.size());
    CHECK(inner.sum_over_ranks(3) == 3 * static_cast<std::uint64_t>(w.size()));
  }
  // inner did not finalise MPI: the outer world still works.
  int finalized = 1;
  MPI_Finalized(&finalized);
  CHECK(finalized == 0);
  CHECK(w.sum_over_ranks(2) == 2 * static_cast<std::uint64_t>(w.size()));
}

TEST_CASE("mpi: a failing MPI call becomes a runtime_error naming the call and the MPI error", "[mpi]") {
  CHECK_NOTHROW(ionspike::throw_on_mpi_error(MPI_SUCCESS, "MPI_Barrier"));
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(MPI_ERR_COUNT, text, &length);
  const std::string mpi_text(text, static_cast<std::size_t>(length));
  CHECK_FALSE(mpi_text.empty());
  std::string message;
  try {
    ionspike::throw_on_mpi_error(MPI_ERR_COUNT, "MPI_Allgatherv");
  } catch (const std::runtime_error& error) {
    message = error.what();
  }
  CHECK(message == "MPI_Allgatherv failed: " + mpi_text);
}

TEST_CASE("mpi: min_over_ranks", "[mpi]") {
  MpiWorld& w = world();
  const int last = w.size() - 1;
  INFO("rank " << w.rank() << " of " << w.size());
  CHECK(w.min_over_ranks(100.0 - w.rank()) == 100.0 - last);
  CHECK(w.min_over_ranks(5.25 + w.rank()) == 5.25);
  // The next window start when only one rank has pending events, and when none has.
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(w.min_over_ranks(w.rank() == last ? 12.5 : inf) == 12.5);
  CHECK(w.min_over_ranks(inf) == inf);
  CHECK(w.min_over_ranks(w.rank() == 0 ? -1e-300 : 1e300) == -1e-300);
  // NaN is refused locally, before any communication (so every rank throws alike).
  const std::uint64_t calls = w.collective_calls();
  CHECK_THROWS_AS(w.min_over_ranks(std::nan("")), std::invalid_argument);
  CHECK(w.collective_calls() == calls);
}

TEST_CASE("mpi: any_rank", "[mpi]") {
  MpiWorld& w = world();
  const int last = w.size() - 1;
  INFO("rank " << w.rank() << " of " << w.size());
  CHECK_FALSE(w.any_rank(false));
  CHECK(w.any_rank(true));
  CHECK(w.any_rank(w.rank() == last));
  CHECK(w.any_rank(w.rank() == 0));
  CHECK(w.any_rank(w.rank() % 2 == 1) == (w.size() > 1));
}

TEST_CASE("mpi: sum_over_ranks keeps 64 bits", "[mpi]") {
  MpiWorld& w = world();
  INFO("rank " << w.rank() << " of " << w.size());
  const auto n = static_cast<std::uint64_t>(w.size());
  const std::uint64_t big = std::uint64_t{1} << 40;
  CHECK(w.sum_over_ranks(big + static_cast<std::uint64_t>(w.rank())) == n * big + n * (n - 1) / 2);
  const std::uint64_t top = std::uint64_t{1} << 63;
  CHECK(w.sum_over_ranks(w.rank() == 0 ? top : 0) == top);
  CHECK(w.sum_over_ranks(0) == 0);
}

TEST_CASE("mpi: allgather of 48-byte spike records, zero-length ranks included", "[mpi]") {
  check_allgather_patterns<SpikeRecord>();
}

TEST_CASE("mpi: allgather of odd-sized records and of bytes", "[mpi]") {
  check_allgather_patterns<ThreeBytes>();
  check_allgather_patterns<std::byte>();
}

TEST_CASE("mpi: allgather over many windows reuses the caller's vectors", "[mpi]") {
  MpiWorld& w = world();
  std::vector<SpikeRecord> all;
  std::vector<std::size_t> offsets;
  std::size_t windows_checked = 0;
  for (std::size_t window = 0; window < 60; ++window) {
    // Counts that grow and shrink from one window to the next, differently on each rank.
    const auto count_of = [&](int r) { return (window * 7919 + static_cast<std::size_t>(r) * 104729) % 97 % (window % 5 + 1) * 13; };
    const std::vector<SpikeRecord> mine = make_records<SpikeRecord>(w.rank(), count_of(w.rank()));
    w.allgather(std::span<const SpikeRecord>(mine), all, offsets);
    INFO("rank " << w.rank() << ", window " << window);
    check_exchange(all, offsets, count_of, w.size());
    ++windows_checked;
  }
  CHECK(windows_checked == 60);
}

TEST_CASE("mpi: gather_to_root of byte buffers", "[mpi]") { check_gather_to_root(); }

TEST_CASE("mpi: broadcast_from_root", "[mpi]") { check_broadcast_from_root(); }

TEST_CASE("mpi: the large-message path (pieces of at most max_message_bytes) gives the same results", "[mpi]") {
  MpiWorld& w = world();
  CHECK(w.max_message_bytes() == static_cast<std::size_t>(INT_MAX));
  CHECK_THROWS_AS(w.set_max_message_bytes(0), std::invalid_argument);
  CHECK_THROWS_AS(w.set_max_message_bytes(static_cast<std::size_t>(INT_MAX) + 1), std::invalid_argument);
  // Limits below one record, not a multiple of it, and above the smaller exchanges (which
  // then take the fast path while the larger ones are cut).
  for (const std::size_t limit : {std::size_t{1}, std::size_t{7}, std::size_t{48 * 3 + 5}, std::size_t{1000}}) {
    MessageLimit scoped(limit);
    CHECK(w.max_message_bytes() == limit);
    check_allgather_patterns<SpikeRecord>();
    check_allgather_patterns<ThreeBytes>();
    check_gather_to_root();
    check_broadcast_from_root();
  }
  CHECK(w.max_message_bytes() == static_cast<std::size_t>(INT_MAX));
}

TEST_CASE("mpi: accounting of bytes, calls and time", "[mpi]") {
  MpiWorld& w = world();
  INFO("rank " << w.rank());
  const std::size_t n = static_cast<std::size_t>(w.rank()) + 2;
  const std::vector<SpikeRecord> mine = make_records<SpikeRecord>(w.rank(), n);
  std::vector<std::size_t> offsets;

  const double seconds_before = w.communication_seconds();
  const std::uint64_t bytes_before = w.bytes_sent();
  const std::uint64_t calls_before = w.collective_calls();
  w.allgather(std::span<const SpikeRecord>(mine), offsets);
  CHECK(w.bytes_sent() - bytes_before == 8 + 48 * n);  // the count, then the records
  CHECK(w.collective_calls() - calls_before == 1);
  CHECK(w.communication_seconds() > seconds_before);

  std::uint64_t bytes = w.bytes_sent();
  w.min_over_ranks(1.0);
  CHECK(w.bytes_sent() - bytes == sizeof(double));
  bytes = w.bytes_sent();
  w.any_rank(false);
  CHECK(w.bytes_sent() - bytes == sizeof(int));
  bytes = w.bytes_sent();
  w.sum_over_ranks(1);
  CHECK(w.bytes_sent() - bytes == sizeof(std::uint64_t));

  bytes = w.bytes_sent();
  const std::vector<std::byte> state = make_records<std::byte>(w.rank(), 100 + n);
  w.gather_to_root(state, offsets);
  CHECK(w.bytes_sent() - bytes == 8 + 100 + n);

  bytes = w.bytes_sent();
  std::vector<std::byte> data = make_records<std::byte>(w.rank(), 64);
  w.broadcast_from_root(data);
  CHECK(w.bytes_sent() - bytes == (w.rank() == 0 ? 8 + 64 : 0));

  const std::uint64_t calls = w.collective_calls();
  const double seconds = w.communication_seconds();
  w.barrier();
  CHECK(w.collective_calls() == calls + 1);
  CHECK(w.communication_seconds() > seconds);
  CHECK(w.collective_calls() - calls_before == 7);
}

TEST_CASE("mpi: calls from another thread are refused before any communication", "[mpi]") {
  MpiWorld& w = world();
  const std::uint64_t calls = w.collective_calls();
  bool refused = false;
  std::thread other([&] {
    try {
      w.barrier();
    } catch (const std::logic_error&) {
      refused = true;
    }
  });
  other.join();
  CHECK(refused);
  CHECK(w.collective_calls() == calls);
  w.barrier();  // the owner thread still can
  CHECK(w.collective_calls() == calls + 1);
}

// Sizes above INT_MAX bytes for real (not through a lowered limit). The last rank contributes
// 2^28 + 1 eight-byte records (2 GiB + 8 bytes: its count alone overflows an int, so a single
// MPI-3 Allgatherv could not carry it), the others a few records; then the same is gathered to
// rank 0 (the last rank's part arrives in two pieces). About 4 GiB of memory on the last
// rank, 2 GiB on the others. Hidden ([.]): ctest runs it with 2 ranks as its own test,
// mpi.large_messages_2_ranks.
TEST_CASE("mpi: exchanges above INT_MAX bytes in total", "[.][large]") {
  MpiWorld& w = world();
  INFO("rank " << w.rank() << " of " << w.size());
  CHECK(w.size() >= 2);
  const int last = w.size() - 1;
  const auto count_of = [last](int r) {
    return r == last ? (std::size_t{1} << 28) + 1 : static_cast<std::size_t>(r) + 1;
  };
  const auto value = [](int r, std::size_t i) {
    return (static_cast<std::uint64_t>(r) << 56) ^ (static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ull);
  };
  std::vector<std::uint64_t> mine(count_of(w.rank()));
  for (std::size_t i = 0; i < mine.size(); ++i) mine[i] = value(w.rank(), i);
  {
    std::vector<std::size_t> offsets;
    const std::vector<std::uint64_t> all = w.allgather(std::span<const std::uint64_t>(mine), offsets);
    CHECK(offsets.back() * sizeof(std::uint64_t) > static_cast<std::size_t>(INT_MAX));
    std::size_t mismatches = 0;
    if (offsets.size() == static_cast<std::size_t>(w.size()) + 1 && all.size() == offsets.back()) {
      for (int r = 0; r < w.size(); ++r) {
        CHECK(offsets[r + 1] - offsets[r] == count_of(r));
        for (std::size_t i = 0; i < offsets[r + 1] - offsets[r]; ++i) mismatches += all[offsets[r] + i] != value(r, i);
      }
    } else {
      ++mismatches;
    }
    CHECK(mismatches == 0);
  }
  {
    std::vector<std::size_t> offsets;
    const std::vector<std::byte> all = w.gather_to_root(std::as_bytes(std::span<const std::uint64_t>(mine)), offsets);
    std::size_t mismatches = 0;
    if (w.rank() == 0) {
      if (offsets.size() == static_cast<std::size_t>(w.size()) + 1 && all.size() == offsets.back()) {
        for (int r = 0; r < w.size(); ++r) {
          CHECK(offsets[r + 1] - offsets[r] == count_of(r) * sizeof(std::uint64_t));
          for (std::size_t i = 0; i < (offsets[r + 1] - offsets[r]) / sizeof(std::uint64_t); ++i) {
            std::uint64_t record = 0;
            std::memcpy(&record, all.data() + offsets[r] + i * sizeof record, sizeof record);
            mismatches += record != value(r, i);
          }
        }
      } else {
        ++mismatches;
      }
    }
    CHECK(mismatches == 0);
  }
}

int main(int argc, char** argv) {
  MpiWorld mpi_world(argc, argv);
  the_world = &mpi_world;
  Catch::Session session;
  if (const int status = session.applyCommandLine(argc, argv); status != 0) return status;
  const int failures = session.run();
  const std::uint64_t failing_ranks = mpi_world.sum_over_ranks(failures != 0 ? 1 : 0);
  if (mpi_world.rank() == 0) {
    std::printf("test_mpi_world: %d rank(s), %llu with failures\n", mpi_world.size(),
                static_cast<unsigned long long>(failing_ranks));
  }
  return failing_ranks == 0 ? 0 : 1;
}
