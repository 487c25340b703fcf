// Sequential reading of a file that may be gzip-compressed (zlib's gz* interface).
//
// A gzip file (RFC 1952, possibly several concatenated members) is decompressed on the fly; any
// other file is read as it is, so callers need not know which one they have. Errors throw
// std::runtime_error whose message starts with the path ("<path>: error: ..."): the file cannot be
// opened, the compressed data are corrupt (bad header, bad block, CRC or length check failed), or
// the compressed stream stops before its end (a truncated .gz file).
#pragma once

#include <cstddef>
#include <filesystem>

struct gzFile_s;  // zlib's file state (gzFile is gzFile_s*); <zlib.h> stays out of this header

namespace ionspike {

class GzipReader {
 public:
  explicit GzipReader(const std::filesystem::path& path);
  ~GzipReader();
  GzipReader(const GzipReader&) = delete;
  GzipReader& operator=(const GzipReader&) = delete;

  // Reads up to `size` bytes into `out` and returns how many were read: fewer than `size` only at
  // the end of the (decompressed) data, 0 once there is nothing left.
  std::size_t read(void* out, std::size_t size);

  // True if the file is gzip-compressed, false if it is read as it is.
  bool compressed() const;

  // Decompressed bytes read so far.
  std::size_t position() const { return position_; }

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  gzFile_s* file_ = nullptr;
  std::size_t position_ = 0;
};

}  // namespace ionspike
