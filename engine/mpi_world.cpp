// MpiWorld: see the header for the design (why Allgatherv, the large-message path, errors,
// thread model).
#include "engine/mpi_world.hpp"

#include <cstdlib>

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace ionspike {

namespace {

constexpr int kRoot = 0;
constexpr int kGatherTag = 7301;  // point-to-point pieces of gather_to_root's large path

// Pieces [offset, offset + length) of `bytes` bytes, each at most `max_piece` long.
template <class Function>
void for_each_piece(std::size_t bytes, std::size_t max_piece, Function&& function) {
  for (std::size_t offset = 0; offset < bytes; offset += max_piece) {
    function(offset, static_cast<int>(std::min(max_piece, bytes - offset)));
  }
}

std::size_t checked_product(std::size_t count, std::size_t element_bytes) {
  if (element_bytes != 0 && count > std::numeric_limits<std::size_t>::max() / element_bytes) {
    throw std::length_error("MpiWorld: exchange larger than the address space");
  }
  return count * element_bytes;
}

// Counts (in elements) to offsets (size + 1 entries); returns the total.
std::size_t offsets_from_counts(const std::vector<std::uint64_t>& counts, std::vector<std::size_t>& offsets) {
  offsets.resize(counts.size() + 1);
  offsets[0] = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    if (counts[r] > std::numeric_limits<std::size_t>::max() - offsets[r]) {
      throw std::length_error("MpiWorld: exchange larger than the address space");
    }
    offsets[r + 1] = offsets[r] + static_cast<std::size_t>(counts[r]);
  }
  return offsets.back();
}

}  // namespace

void throw_on_mpi_error(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  std::string message = std::string(call) + " failed: ";
  if (MPI_Error_string(code, text, &length) == MPI_SUCCESS) {
    message.append(text, static_cast<std::size_t>(length));
  } else {
    message += "MPI error code " + std::to_string(code);
  }
  throw std::runtime_error(message);
}

struct MpiWorld::Communicator {
  MPI_Comm comm = MPI_COMM_NULL;
};

// Accounting of one public call: counts it, adds its wall time on exit (also when it throws).
class MpiWorld::CallScope {
 public:
  explicit CallScope(MpiWorld& world) : world_(world), start_(std::chrono::steady_clock::now()) {
    world_.require_owner_thread();
    ++world_.collective_calls_;
  }
  ~CallScope() {
    world_.communication_seconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  MpiWorld& world_;
  std::chrono::steady_clock::time_point start_;
};

MpiWorld::MpiWorld() : max_message_bytes_(INT_MAX) { initialise(nullptr, nullptr); }

MpiWorld::MpiWorld(int& argc, char**& argv) : max_message_bytes_(INT_MAX) { initialise(&argc, &argv); }

void MpiWorld::initialise(int* argc, char*** argv) {
  owner_thread_ = std::this_thread::get_id();
  int finalized = 0;
  throw_on_mpi_error(MPI_Finalized(&finalized), "MPI_Finalized");
  if (finalized) throw std::logic_error("MpiWorld: MPI has already been finalised in this process");
  int initialized = 0;
  throw_on_mpi_error(MPI_Initialized(&initialized), "MPI_Initialized");
  int provided = MPI_THREAD_SINGLE;
  if (!initialized) {
    throw_on_mpi_error(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    owns_mpi_ = true;
  } else {
    throw_on_mpi_error(MPI_Query_thread(&provided), "MPI_Query_thread");
    int is_main = 0;
    throw_on_mpi_error(MPI_Is_thread_main(&is_main), "MPI_Is_thread_main");
    if (!is_main) {
      throw std::logic_error("MpiWorld: MPI was initialised by another thread; MPI_THREAD_FUNNELED needs the main thread");
    }
  }
  try {
    if (provided < MPI_THREAD_FUNNELED) {
      throw std::runtime_error("MpiWorld: the MPI library provides thread level " + std::to_string(provided) +
                               ", below MPI_THREAD_FUNNELED");
    }
    communicator_ = std::make_unique<Communicator>();
    throw_on_mpi_error(MPI_Comm_dup(MPI_COMM_WORLD, &communicator_->comm), "MPI_Comm_dup");
    throw_on_mpi_error(MPI_Comm_set_errhandler(communicator_->comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    throw_on_mpi_error(MPI_Comm_rank(communicator_->comm, &rank_), "MPI_Comm_rank");
    throw_on_mpi_error(MPI_Comm_size(communicator_->comm, &size_), "MPI_Comm_size");
  } catch (...) {
    if (communicator_ && communicator_->comm != MPI_COMM_NULL) MPI_Comm_free(&communicator_->comm);
    if (owns_mpi_) MPI_Finalize();
    throw;
  }
  counts_scratch_.resize(static_cast<std::size_t>(size_));
  mpi_counts_scratch_.resize(static_cast<std::size_t>(size_));
  mpi_displacements_scratch_.resize(static_cast<std::size_t>(size_));
}

MpiWorld::~MpiWorld() {
  // Errors cannot be reported from here; a failure to free or finalise is ignored.
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;  // someone else finalised MPI before this object ended
  if (communicator_->comm != MPI_COMM_NULL) MPI_Comm_free(&communicator_->comm);
  if (owns_mpi_) MPI_Finalize();
}

bool MpiWorld::errors_return() const {
  require_owner_thread();
  MPI_Errhandler handler = MPI_ERRHANDLER_NULL;
  throw_on_mpi_error(MPI_Comm_get_errhandler(communicator_->comm, &handler), "MPI_Comm_get_errhandler");
  const bool is_return = handler == MPI_ERRORS_RETURN;
  MPI_Errhandler_free(&handler);
  return is_return;
}

void MpiWorld::require_owner_thread() const {
  if (std::this_thread::get_id() != owner_thread_) {
    throw std::logic_error("MpiWorld: called from a thread other than the one that created it (MPI_THREAD_FUNNELED)");
  }
}

void MpiWorld::set_max_message_bytes(std::size_t bytes) {
  if (bytes == 0 || bytes > static_cast<std::size_t>(INT_MAX)) {
    throw std::invalid_argument("MpiWorld::set_max_message_bytes: must be in [1, INT_MAX], got " + std::to_string(bytes));
  }
  max_message_bytes_ = bytes;
}

void MpiWorld::allgather_records(const std::byte* mine, std::size_t my_count, std::size_t record_bytes,
                                 std::vector<std::size_t>& offsets, ResizeRecords resize, void* records) {
  CallScope scope(*this);
  const std::uint64_t count = my_count;
  const std::size_t my_bytes = checked_product(my_count, record_bytes);
  bytes_sent_ += sizeof count + my_bytes;
  throw_on_mpi_error(
      MPI_Allgather(&count, 1, MPI_UINT64_T, counts_scratch_.data(), 1, MPI_UINT64_T, communicator_->comm),
      "MPI_Allgather");
  const std::size_t total = offsets_from_counts(counts_scratch_, offsets);
  const std::size_t total_bytes = checked_product(total, record_bytes);
  std::byte* all = resize(records, total);
  if (total_bytes == 0) return;  // every rank knows it: all skip the second collective

  if (total_bytes <= max_message_bytes_) {
    for (std::size_t q = 0; q < static_cast<std::size_t>(size_); ++q) {
      mpi_counts_scratch_[q] = static_cast<int>((offsets[q + 1] - offsets[q]) * record_bytes);
      mpi_displacements_scratch_[q] = static_cast<int>(offsets[q] * record_bytes);
    }
    throw_on_mpi_error(MPI_Allgatherv(mine, static_cast<int>(my_bytes), MPI_BYTE, all, mpi_counts_scratch_.data(),
                                      mpi_displacements_scratch_.data(), MPI_BYTE, communicator_->comm),
                       "MPI_Allgatherv");
    return;
  }
  // Large path: each rank's part, broadcast by that rank in pieces, lands in place.
  const auto r = static_cast<std::size_t>(rank_);
  if (my_bytes != 0) std::memcpy(all + offsets[r] * record_bytes, mine, my_bytes);
  for (int root = 0; root < size_; ++root) {
    const auto q = static_cast<std::size_t>(root);
    std::byte* part = all + offsets[q] * record_bytes;
    const std::size_t part_bytes = (offsets[q + 1] - offsets[q]) * record_bytes;
    for_each_piece(part_bytes, max_message_bytes_, [&](std::size_t offset, int length) {
      throw_on_mpi_error(MPI_Bcast(part + offset, length, MPI_BYTE, root, communicator_->comm), "MPI_Bcast");
    });
  }
}

double MpiWorld::min_over_ranks(double value) {
  if (std::isnan(value)) throw std::invalid_argument("MpiWorld::min_over_ranks: NaN");
  CallScope scope(*this);
  double result = value;
  bytes_sent_ += sizeof value;
  throw_on_mpi_error(MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_MIN, communicator_->comm), "MPI_Allreduce");
  return result;
}

bool MpiWorld::any_rank(bool flag) {
  CallScope scope(*this);
  const int mine = flag ? 1 : 0;
  int result = 0;
  bytes_sent_ += sizeof mine;
  throw_on_mpi_error(MPI_Allreduce(&mine, &result, 1, MPI_INT, MPI_LOR, communicator_->comm), "MPI_Allreduce");
  return result != 0;
}

std::uint64_t MpiWorld::sum_over_ranks(std::uint64_t value) {
  CallScope scope(*this);
  std::uint64_t result = 0;
  bytes_sent_ += sizeof value;
  throw_on_mpi_error(MPI_Allreduce(&value, &result, 1, MPI_UINT64_T, MPI_SUM, communicator_->comm), "MPI_Allreduce");
  return result;
}

std::vector<std::byte> MpiWorld::gather_to_root(std::span<const std::byte> mine, std::vector<std::size_t>& offsets) {
  CallScope scope(*this);
  // Every rank learns every count, so all agree on the path (fast or large) below.
  const std::uint64_t my_count = mine.size();
  bytes_sent_ += sizeof my_count + mine.size();
  throw_on_mpi_error(
      MPI_Allgather(&my_count, 1, MPI_UINT64_T, counts_scratch_.data(), 1, MPI_UINT64_T, communicator_->comm),
      "MPI_Allgather");
  const std::size_t total = offsets_from_counts(counts_scratch_, offsets);
  const bool is_root = rank_ == kRoot;
  std::vector<std::byte> all(is_root ? total : 0);
  if (total == 0) return all;

  if (total <= max_message_bytes_) {
    if (is_root) {
      for (std::size_t q = 0; q < static_cast<std::size_t>(size_); ++q) {
        mpi_counts_scratch_[q] = static_cast<int>(offsets[q + 1] - offsets[q]);
        mpi_displacements_scratch_[q] = static_cast<int>(offsets[q]);
      }
    }
    throw_on_mpi_error(MPI_Gatherv(mine.data(), static_cast<int>(mine.size()), MPI_BYTE, all.data(),
                                   mpi_counts_scratch_.data(), mpi_displacements_scratch_.data(), MPI_BYTE, kRoot,
                                   communicator_->comm),
                       "MPI_Gatherv");
    return all;
  }
  // Large path: rank 0 receives each rank's bytes in pieces, in rank order, in place.
  if (is_root) {
    if (!mine.empty()) std::memcpy(all.data() + offsets[kRoot], mine.data(), mine.size());
    for (int source = 0; source < size_; ++source) {
      if (source == kRoot) continue;
      const auto q = static_cast<std::size_t>(source);
      std::byte* part = all.data() + offsets[q];
      for_each_piece(offsets[q + 1] - offsets[q], max_message_bytes_, [&](std::size_t offset, int length) {
        MPI_Status status;
        throw_on_mpi_error(MPI_Recv(part + offset, length, MPI_BYTE, source, kGatherTag, communicator_->comm, &status),
                           "MPI_Recv");
        int received = 0;
        throw_on_mpi_error(MPI_Get_count(&status, MPI_BYTE, &received), "MPI_Get_count");
        if (received != length) {
          throw std::runtime_error("MpiWorld::gather_to_root: rank " + std::to_string(source) + " sent " +
                                   std::to_string(received) + " bytes, expected " + std::to_string(length));
        }
      });
    }
  } else {
    for_each_piece(mine.size(), max_message_bytes_, [&](std::size_t offset, int length) {
      throw_on_mpi_error(MPI_Send(mine.data() + offset, length, MPI_BYTE, kRoot, kGatherTag, communicator_->comm),
                         "MPI_Send");
    });
  }
  return all;
}

void MpiWorld::broadcast_from_root(std::vector<std::byte>& data) {
  CallScope scope(*this);
  std::uint64_t length = data.size();
  if (rank_ == kRoot) bytes_sent_ += sizeof length + data.size();
  throw_on_mpi_error(MPI_Bcast(&length, 1, MPI_UINT64_T, kRoot, communicator_->comm), "MPI_Bcast");
  if (length > std::numeric_limits<std::size_t>::max()) {
    throw std::length_error("MpiWorld::broadcast_from_root: larger than the address space");
  }
  data.resize(static_cast<std::size_t>(length));
  for_each_piece(data.size(), max_message_bytes_, [&](std::size_t offset, int piece) {
    throw_on_mpi_error(MPI_Bcast(data.data() + offset, piece, MPI_BYTE, kRoot, communicator_->comm), "MPI_Bcast");
  });
}

void MpiWorld::barrier() {
  CallScope scope(*this);
  throw_on_mpi_error(MPI_Barrier(communicator_->comm), "MPI_Barrier");
}

void MpiWorld::abort(int exit_code) {
  MPI_Abort(communicator_->comm, exit_code);
  std::abort();  // MPI_Abort does not return; should it, end this process at least
}

}  // namespace ionspike
