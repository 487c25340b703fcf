#include "engine/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

namespace ionspike {
namespace {

std::string errno_text(int err) {
  // errno 0 would print "Success", which is misleading in an error message.
  return err != 0 ? std::string(std::strerror(err)) : std::string("unknown I/O error");
}

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path,
                       const std::filesystem::path& temp, int err) {
  std::string msg = "AtomicFile: " + what + " '" + path.string() + "'";
  if (!temp.empty()) msg += " (temporary '" + temp.string() + "')";
  msg += ": " + errno_text(err);
  throw std::runtime_error(msg);
}

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path path) : path_(std::move(path)) {
  if (path_.empty() || !path_.has_filename())
    throw std::runtime_error("AtomicFile: path '" + path_.string() + "' does not name a file");
  temp_path_ = path_;
  temp_path_ += ".tmp-" + std::to_string(static_cast<long long>(::getpid()));

  errno = 0;
  out_.open(temp_path_, std::ios::out | std::ios::binary | std::ios::trunc);
  if (!out_.is_open()) fail("cannot open for writing", path_, temp_path_, errno);
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  if (out_.is_open()) out_.close();
  std::error_code ec;
  std::filesystem::remove(temp_path_, ec);  // best effort; destructor must not throw
}

std::ostream& AtomicFile::stream() { return out_; }

void AtomicFile::commit() {
  if (committed_)
    throw std::runtime_error("AtomicFile: '" + path_.string() + "' already committed");
  if (!out_.is_open()) fail("stream is not open for", path_, temp_path_, EBADF);

  // A write that already failed inside stream() left its errno behind; report that one.
  if (!out_) fail("write failed for", path_, temp_path_, errno);
  errno = 0;
  out_.flush();
  if (!out_) fail("write failed for", path_, temp_path_, errno);
  errno = 0;
  out_.close();
  if (out_.fail()) fail("write failed (on close) for", path_, temp_path_, errno);

  // Make the data durable before it becomes visible under the final name, so a crash after the
  // rename cannot leave an empty or truncated <path> (delayed allocation on ext4/xfs).
  const int fd = ::open(temp_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot reopen temporary to sync", path_, temp_path_, errno);
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail("fsync failed for", path_, temp_path_, err);
  }
  ::close(fd);

  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0)
    fail("cannot rename temporary onto", path_, temp_path_, errno);
  committed_ = true;

  // Best effort: persist the directory entry too.  Failure here does not undo the commit.
  std::filesystem::path dir = path_.parent_path();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace ionspike
