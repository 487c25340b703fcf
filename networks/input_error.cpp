#include "networks/input_error.hpp"

#include <fmt/format.h>

namespace ionspike {
namespace {

std::string format(const SourceLocation& w, const std::string& field, const std::string& message) {
  std::string where = w.file;
  if (w.line > 0) where += w.column > 0 ? fmt::format(":{}:{}", w.line, w.column) : fmt::format(":{}", w.line);
  if (field.empty()) return fmt::format("{}: error: {}", where, message);
  return fmt::format("{}: error in field '{}': {}", where, field, message);
}

}  // namespace

InputError::InputError(SourceLocation where, std::string field, std::string message)
    : std::runtime_error(format(where, field, message)),
      where_(std::move(where)),
      field_(std::move(field)),
      message_(std::move(message)) {}

}  // namespace ionspike
