#include "engine/gzip_reader.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace ionspike {
namespace {

constexpr unsigned kBufferBytes = 1u << 17;       // zlib's input and output buffers
constexpr std::size_t kMaxReadBytes = 1u << 30;   // per gzread call (its length is an unsigned int)

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw std::runtime_error(path.string() + ": error: " + what);
}

// gzerror's message is "<path>: <reason>"; the path is already in our message.
std::string zlib_reason(const std::filesystem::path& path, const char* message) {
  std::string_view text = message != nullptr ? message : "unknown error";
  const std::string prefix = path.string() + ": ";
  if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
  return std::string(text);
}

}  // namespace

GzipReader::GzipReader(const std::filesystem::path& path) : path_(path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, "cannot open: it is a directory");
  errno = 0;
  file_ = gzopen(path.c_str(), "rb");
  if (file_ == nullptr)
    fail(path, std::string("cannot open: ") +
                   (errno != 0 ? std::strerror(errno) : "out of memory in zlib"));
  gzbuffer(file_, kBufferBytes);
}

GzipReader::~GzipReader() {
  if (file_ != nullptr) gzclose_r(file_);
}

std::size_t GzipReader::read(void* out, std::size_t size) {
  auto* dest = static_cast<unsigned char*>(out);
  std::size_t total = 0;
  while (total < size) {
    const auto want = static_cast<unsigned>(std::min(size - total, kMaxReadBytes));
    errno = 0;
    const int got = gzread(file_, dest + total, want);
    int err = Z_OK;
    const char* message = gzerror(file_, &err);
    if (got < 0 || (err != Z_OK && err != Z_BUF_ERROR)) {
      if (err == Z_ERRNO) fail(path_, std::string("read failed: ") + std::strerror(errno));
      fail(path_, "corrupt compressed data (zlib: " + zlib_reason(path_, message) + ")");
    }
    total += static_cast<std::size_t>(got);
    position_ += static_cast<std::size_t>(got);
    if (static_cast<unsigned>(got) < want) {
      // zlib reports a compressed stream that stops before its end as Z_BUF_ERROR ("unexpected
      // end of file"), after handing out everything it could decompress.
      if (err == Z_BUF_ERROR)
        fail(path_, "the compressed data end early (truncated .gz file) after " +
                        std::to_string(position_) + " decompressed bytes");
      break;  // end of data
    }
  }
  return total;
}

bool GzipReader::compressed() const { return gzdirect(file_) == 0; }

}  // namespace ionspike
