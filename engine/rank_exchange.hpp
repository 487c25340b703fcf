// What the processes (ranks) of a distributed run exchange (engine/parallel_run.hpp,
// "Ranks"). A distributed run is a parallel run whose shards are divided among ranks: each
// rank handles its own shards' events and, at the end of every window, hands every other
// rank its shards' spike logs and samples, so that all ranks merge and record the same
// spikes in the serial order. Three collectives suffice: an allgather of bytes, the minimum
// of a time and an "any" of a flag. Every rank must make the same calls in the same order.
//
// Implementations: MpiRankExchange (engine/mpi_rank_exchange.hpp, over MPI, built with
// -DIONSPIKE_MPI=ON) and LocalRankGroup (engine/local_rank_group.hpp: ranks as threads of
// one process, for tests of the distributed algorithm without MPI).
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace ionspike {

// Thrown on the ranks that did not fail when the ranks agreed (any_rank) that one failed: the
// failing rank throws its own error, with the message that matters; every rank leaves the
// collective sequence at the same point, so none waits for the others.
class FailedOnAnotherRank : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RankExchange {
 public:
  virtual ~RankExchange() = default;
  virtual std::uint32_t rank() const = 0;
  virtual std::uint32_t ranks() const = 0;
  // Every rank's bytes in rank order into `all`; offsets gets ranks() + 1 entries (rank r's
  // bytes are all[offsets[r], offsets[r + 1])).
  virtual void allgather(std::span<const std::byte> mine, std::vector<std::byte>& all,
                         std::vector<std::size_t>& offsets) = 0;
  // Every rank's bytes in rank order into `all` on rank 0 only (the others get an empty
  // `all`); offsets as for allgather, on every rank. By default an allgather whose result the
  // other ranks drop; MpiRankExchange sends to rank 0 alone (nothing else holds the whole).
  virtual void gather_to_root(std::span<const std::byte> mine, std::vector<std::byte>& all,
                              std::vector<std::size_t>& offsets) {
    allgather(mine, all, offsets);
    if (rank() != 0) std::vector<std::byte>().swap(all);
  }
  // The smallest value over all ranks (+infinity allowed).
  virtual double min_over_ranks(double value) = 0;
  // Whether `flag` is true on any rank.
  virtual bool any_rank(bool flag) = 0;
  // Wall seconds spent inside the collectives so far (waiting for other ranks included).
  virtual double communication_seconds() const = 0;
};

// Runs `work` on this rank, then agrees with the other ranks whether it failed on any: if so,
// every rank throws (the failing ones their own error, the others FailedOnAnotherRank with
// `failed_elsewhere`), so that no rank goes on to wait in a collective the others never reach.
template <class Work>
void run_on_every_rank(RankExchange& ranks, const Work& work, const std::string& failed_elsewhere) {
  std::exception_ptr failure;
  try {
    work();
  } catch (...) {
    failure = std::current_exception();
  }
  if (ranks.any_rank(failure != nullptr)) {
    if (failure) std::rethrow_exception(failure);
    throw FailedOnAnotherRank(failed_elsewhere);
  }
}

}  // namespace ionspike
