// MpiWorld: the communication layer for running ionspike across MPI processes (ranks).
// Built only with -DIONSPIKE_MPI=ON (target ionspike_mpi, compile definition
// IONSPIKE_HAVE_MPI=1; docs/mpi.md). The engine reaches it through MpiRankExchange
// (engine/mpi_rank_exchange.hpp), which uses allgather, min_over_ranks and any_rank.
//
// What it is for. The parallel engine (engine/parallel_run.hpp) advances shards through
// conservative windows [T, T + L) and, at each window end, merges the spike logs of all
// shards in the serial order. Across ranks, each rank runs a group of shards, and at
// every window end the ranks must
//   - exchange their shards' spike logs (variable-length arrays of fixed-size records):
//     allgather(),
//   - agree on the next window start, the earliest pending event over all ranks:
//     min_over_ranks(),
//   - agree on whether to stop (an interrupt seen by any rank): any_rank(),
// The layer also offers gather_to_root() and broadcast_from_root() (byte buffers to and
// from rank 0), which runs do not use yet: at a run's end every rank takes every other rank's
// plastic synapses through the allgather, although only rank 0 writes them.
//
// Design.
// - Allgather, not point-to-point routing. Every rank needs every spike of a window: the
//   spike recorders and counters see the merged log in the serial order (merge by tag, then
//   shard), and that order is only defined over all shards. So each rank contributes its
//   log and receives everyone's, as in NEST's spike exchange (MPI_Allgather(v) of the spike
//   buffers at every min-delay interval). Each rank then routes the spikes to its own
//   targets. Records go as raw bytes (MPI_BYTE): the ranks must share one record layout
//   (same binary, homogeneous machines), and no MPI datatype has to be registered per type.
// - Two collectives per exchange: an MPI_Allgather of the record counts (8 bytes per rank),
//   then one MPI_Allgatherv of the records, written straight into the result in rank order;
//   offsets[r] .. offsets[r + 1] are rank r's records. An exchange with no record anywhere
//   skips the second collective (every rank knows the counts, so all skip it together).
// - Large messages. MPI-3 counts and displacements are `int`: one MPI_Allgatherv moves at
//   most INT_MAX bytes in total. Debian 12 ships Open MPI 4.1.4, which implements MPI 3.1
//   (mpi.h: MPI_VERSION 3, MPI_SUBVERSION 1) and has none of MPI-4's large-count functions
//   (MPI_Allgatherv_c and the other _c variants came with Open MPI 5.0). So when the total
//   exceeds max_message_bytes() (default INT_MAX), the exchange becomes one MPI_Bcast per
//   contributing rank, each in pieces of at most max_message_bytes(), received in place (no
//   staging copy of gigabytes); gather_to_root does the same with MPI_Send/MPI_Recv and
//   broadcast_from_root with MPI_Bcast pieces. Every rank knows all counts, so all take
//   the same path. Below the limit the fast path is a single MPI_Allgatherv.
// - Errors. The layer works on its own duplicate of MPI_COMM_WORLD with the error handler
//   MPI_ERRORS_RETURN; every failing MPI call becomes a std::runtime_error naming the call
//   and MPI_Error_string's text. (MPI_Init_thread and the MPI_Comm_dup itself still run
//   under MPI_COMM_WORLD's handler, by default fatal.)
// - Lifetime. No global state: the program creates one MpiWorld (usually first thing in
//   main). It calls MPI_Init_thread unless MPI is already initialised (by mpi4py, a test
//   harness or an earlier MpiWorld); it calls MPI_Finalize on destruction only if it
//   initialised MPI itself.
// - Accounting. communication_seconds() is the wall time spent inside the layer's
//   collectives (steady clock around each call): it includes the time a rank waits for the
//   slowest rank to arrive, so in a strong-scaling table it is "exchange plus imbalance";
//   bytes_sent() counts the payload this rank handed to MPI as its own contribution (not
//   the traffic that MPI's algorithms generate on the wire).
//
// Thread model. MPI is initialised with MPI_THREAD_FUNNELED (the constructor throws if the
// library provides less): the process may run many threads (the ThreadTeam of the parallel
// windows), but only the thread that created the MpiWorld, the one that runs the windows and
// merges their logs, calls MPI. Every method checks this and throws std::logic_error from
// any other thread. The methods are collectives: every rank must call the same methods in
// the same order with consistent arguments (max_message_bytes() equal on all ranks), or the
// program deadlocks or mismatches messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <thread>
#include <type_traits>
#include <vector>

namespace ionspike {

class MpiWorld {
 public:
  // Initialises MPI (MPI_THREAD_FUNNELED) unless it already is, and duplicates
  // MPI_COMM_WORLD. argc/argv are handed to MPI_Init_thread.
  MpiWorld();
  MpiWorld(int& argc, char**& argv);
  ~MpiWorld();
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;
  MpiWorld(MpiWorld&&) = delete;
  MpiWorld& operator=(MpiWorld&&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  // True when this object called MPI_Init_thread (and will call MPI_Finalize).
  bool owns_mpi() const { return owns_mpi_; }
  // True when MPI failures on the layer's communicator come back as error codes (turned into
  // exceptions) instead of aborting the job: MPI_ERRORS_RETURN is installed.
  bool errors_return() const;

  // Every rank's records, in rank order. offsets gets size() + 1 entries: rank r's records
  // are [offsets[r], offsets[r + 1]). Zero-length contributions are allowed.
  template <class T>
  std::vector<T> allgather(std::span<const T> mine, std::vector<std::size_t>& offsets) {
    std::vector<T> all;
    allgather(mine, all, offsets);
    return all;
  }
  // The same into a caller's vector, whose capacity is reused from one window to the next.
  template <class T>
  void allgather(std::span<const T> mine, std::vector<T>& all, std::vector<std::size_t>& offsets) {
    static_assert(std::is_trivially_copyable_v<T>, "records are sent as raw bytes");
    ResizeRecords resize = [](void* records, std::size_t count) {
      auto& vector = *static_cast<std::vector<T>*>(records);
      vector.resize(count);
      return reinterpret_cast<std::byte*>(vector.data());
    };
    allgather_records(reinterpret_cast<const std::byte*>(mine.data()), mine.size(), sizeof(T), offsets, resize, &all);
  }

  // Smallest value over all ranks (+infinity is allowed: no pending event). NaN is refused
  // (std::invalid_argument, before any communication).
  double min_over_ranks(double value);
  // True if `flag` is true on any rank.
  bool any_rank(bool flag);
  // Sum over all ranks (overflow is not checked).
  std::uint64_t sum_over_ranks(std::uint64_t value);

  // Every rank's bytes, concatenated in rank order, on rank 0; an empty vector on the other
  // ranks. offsets gets size() + 1 entries on every rank (all ranks learn the counts): rank
  // r's bytes are [offsets[r], offsets[r + 1]) of rank 0's result.
  std::vector<std::byte> gather_to_root(std::span<const std::byte> mine, std::vector<std::size_t>& offsets);
  // Replaces `data` on every rank by rank 0's `data` (sizes may differ before the call).
  void broadcast_from_root(std::vector<std::byte>& data);

  void barrier();
  // Ends every rank of the job (MPI_Abort with exit_code): for a failure on one rank that the
  // others cannot learn of in a collective (they would wait in their next one forever).
  [[noreturn]] void abort(int exit_code);

  // Cumulative wall seconds inside the layer's collectives and payload bytes this rank
  // contributed (records, byte buffers, the 8-byte count of each exchange, the operand of
  // each reduction, the broadcast payload on rank 0), since construction.
  double communication_seconds() const { return communication_seconds_; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  // Number of public collective calls made since construction.
  std::uint64_t collective_calls() const { return collective_calls_; }

  // Largest byte count handed to a single MPI call; an exchange whose total exceeds it takes
  // the large-message path (header comment). Default INT_MAX, the most MPI-3 allows; smaller
  // values serve to test that path with small data. Must be equal on all ranks.
  std::size_t max_message_bytes() const { return max_message_bytes_; }
  void set_max_message_bytes(std::size_t bytes);

 private:
  void initialise(int* argc, char*** argv);
  void require_owner_thread() const;
  // Resizes the caller's record vector to `count` records, returns its bytes.
  using ResizeRecords = std::byte* (*)(void* records, std::size_t count);
  // allgather() on raw bytes: an Allgather of the counts (fills offsets, in records), then
  // resize(records, total), then the records of every rank into place.
  void allgather_records(const std::byte* mine, std::size_t my_count, std::size_t record_bytes,
                         std::vector<std::size_t>& offsets, ResizeRecords resize, void* records);

  class CallScope;  // accounting of one public call (defined in mpi_world.cpp)

  // The duplicate of MPI_COMM_WORLD, behind a pointer so that this header needs no <mpi.h>
  // (the engine can include it without MPI's include paths).
  struct Communicator;
  std::unique_ptr<Communicator> communicator_;
  int rank_ = 0;
  int size_ = 1;
  bool owns_mpi_ = false;
  std::thread::id owner_thread_;
  std::size_t max_message_bytes_;
  double communication_seconds_ = 0.0;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t collective_calls_ = 0;
  std::vector<std::uint64_t> counts_scratch_;  // per rank, reused by every exchange
  std::vector<int> mpi_counts_scratch_;
  std::vector<int> mpi_displacements_scratch_;
};

// Throws std::runtime_error("<call> failed: <MPI_Error_string(code)>") unless code is
// MPI_SUCCESS. Used for every MPI call of the layer.
void throw_on_mpi_error(int code, const char* call);

}  // namespace ionspike
