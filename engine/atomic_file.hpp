// AtomicFile: write an output file so that readers never see it half-written.
//
// Atomicity guarantee
// -------------------
// Everything written through stream() goes to a temporary file "<path>.tmp-<pid>" in the same
// directory as <path>.  commit() flushes the stream, checks its state, closes it, fsync()s the
// temporary file and rename()s it onto <path>; rename(2) within one file system is atomic, so
// <path> is at every moment either absent, its old complete content, or the new complete
// content.  If the AtomicFile is destroyed without a successful commit() (an exception, an early
// return, a failed commit) the temporary file is removed and <path> is left untouched.
//
// Errors (cannot open the temporary file, write failure, rename failure) throw std::runtime_error
// whose message names the path and strerror(errno).
//
// Limitations: the temporary name depends only on the process id, so two AtomicFile objects in
// one process must not target the same path at the same time.  The new file gets the default
// permissions (0666 & ~umask); those of a replaced file are not preserved.
#pragma once

#include <filesystem>
#include <fstream>
#include <ostream>

namespace ionspike {

class AtomicFile {
 public:
  // Opens "<path>.tmp-<pid>" for binary writing (truncating any stale temporary of that name).
  explicit AtomicFile(std::filesystem::path path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  AtomicFile(AtomicFile&&) = delete;
  AtomicFile& operator=(AtomicFile&&) = delete;
  // Removes the temporary file unless commit() succeeded.  Never throws.
  ~AtomicFile();

  // The binary-mode std::ofstream writing the temporary file.  Do not close it yourself.
  std::ostream& stream();

  // Flush, check the stream state, close, fsync, rename onto path().  Throws std::runtime_error
  // on failure (the temporary is then removed by the destructor) or when already committed.
  void commit();

  const std::filesystem::path& path() const noexcept { return path_; }
  const std::filesystem::path& temp_path() const noexcept { return temp_path_; }
  bool committed() const noexcept { return committed_; }

 private:
  std::filesystem::path path_;
  std::filesystem::path temp_path_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace ionspike
