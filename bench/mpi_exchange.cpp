// Per-window cost of the MPI spike exchange (engine/mpi_world.hpp), measured without a
// network: what every window end will cost when the parallel windows run across ranks.
// One window's communication is
//   min_over_ranks(next event time) + any_rank(interrupted) + allgather(K records of 48 bytes)
// with K records contributed by every rank. For each K, each repetition aligns the ranks with
// a barrier (untimed), then times one window on every rank; the repetition's time is that of
// the slowest rank, and the table gives the median (and 90th percentile) over repetitions.
// The barrier keeps load imbalance out: this is the cost of the communication alone.
// MB/s is the volume every rank ends up holding, ranks * K * 48 bytes, over the median time.
//
//   mpiexec -n 2 build-mpi/bench/mpi_exchange [--repetitions 2001] [--warmup 50] [--records 0,10,100]
// (Open MPI as root: OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; more ranks
// than cores: --oversubscribe. docs/benchmarks.md, "MPI spike exchange".)
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <span>
#include <vector>

#include "engine/mpi_world.hpp"

namespace {

// The size of an engine spike-log record.
struct SpikeRecord {
  double time_ms;
  std::uint64_t tag;
  std::uint32_t population;
  std::uint32_t neuron;
  std::uint32_t shard;
  std::uint32_t flags;
  double payload[2];
};
static_assert(sizeof(SpikeRecord) == 48);

double quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
  return values[index];
}

struct Measurement {
  double median_us;
  double p90_us;
};

Measurement measure(ionspike::MpiWorld& world, std::size_t records_per_rank, int repetitions, int warmup) {
  std::vector<SpikeRecord> mine(records_per_rank);
  for (std::size_t i = 0; i < mine.size(); ++i) {
    mine[i] = SpikeRecord{0.1 * static_cast<double>(i), i, static_cast<std::uint32_t>(world.rank()),
                          static_cast<std::uint32_t>(i), 0, 0, {0.0, 0.0}};
  }
  std::vector<SpikeRecord> all;
  std::vector<std::size_t> offsets;
  std::vector<double> local_seconds;
  local_seconds.reserve(static_cast<std::size_t>(repetitions));
  double window_start_ms = 0.0;
  bool stop = false;
  for (int repetition = -warmup; repetition < repetitions; ++repetition) {
    world.barrier();
    const auto start = std::chrono::steady_clock::now();
    window_start_ms = world.min_over_ranks(window_start_ms + 0.1 + 0.01 * world.rank());
    stop = world.any_rank(stop);
    world.allgather(std::span<const SpikeRecord>(mine), all, offsets);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (repetition >= 0) local_seconds.push_back(seconds);
  }
  if (stop || all.size() != records_per_rank * static_cast<std::size_t>(world.size())) {
    throw std::runtime_error("mpi_exchange: the exchange returned the wrong number of records");
  }
  // Per repetition, the slowest rank (untimed: one allgather of every rank's timings).
  std::vector<std::size_t> timing_offsets;
  const std::vector<double> every_rank = world.allgather(std::span<const double>(local_seconds), timing_offsets);
  std::vector<double> slowest(local_seconds.size(), 0.0);
  for (int r = 0; r < world.size(); ++r) {
    for (std::size_t i = 0; i < slowest.size(); ++i) slowest[i] = std::max(slowest[i], every_rank[timing_offsets[r] + i]);
  }
  return {quantile(slowest, 0.5) * 1e6, quantile(slowest, 0.9) * 1e6};
}

}  // namespace

int main(int argc, char** argv) {
  ionspike::MpiWorld world(argc, argv);
  CLI::App app{"Per-window cost of the MPI spike exchange (min + any + allgather of K 48-byte records per rank)"};
  int repetitions = 2001;
  int warmup = 50;
  std::vector<std::size_t> record_counts{0, 10, 100, 1000, 10000};
  app.add_option("--repetitions", repetitions, "timed windows per K (median over them)")->check(CLI::PositiveNumber);
  app.add_option("--warmup", warmup, "untimed windows before them")->check(CLI::NonNegativeNumber);
  app.add_option("--records", record_counts, "records per rank and window (K)")->delimiter(',');
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return world.rank() == 0 ? app.exit(error) : error.get_exit_code();  // every rank parses the same
  }
  try {
    if (world.rank() == 0) {
      std::printf("MPI spike exchange: %d rank(s), per window min_over_ranks + any_rank + allgather of K records "
                  "(48 bytes) per rank; median and p90 over %d windows of the slowest rank\n",
                  world.size(), repetitions);
      std::printf("%6s %7s %14s %11s %10s\n", "ranks", "K", "us/window p50", "p90", "MB/s");
    }
    for (const std::size_t k : record_counts) {
      const Measurement m = measure(world, k, repetitions, warmup);
      const double megabytes = static_cast<double>(world.size()) * static_cast<double>(k) * 48.0 / 1e6;
      if (world.rank() == 0) {
        std::printf("%6d %7zu %14.1f %11.1f %10.1f\n", world.size(), k, m.median_us, m.p90_us,
                    megabytes / (m.median_us * 1e-6));
      }
    }
    if (world.rank() == 0) {
      std::printf("rank 0: %.3f s in the layer's collectives, %llu bytes contributed, %llu calls\n",
                  world.communication_seconds(), static_cast<unsigned long long>(world.bytes_sent()),
                  static_cast<unsigned long long>(world.collective_calls()));
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "mpi_exchange (rank %d): %s\n", world.rank(), error.what());
    return 1;
  }
  return 0;
}
