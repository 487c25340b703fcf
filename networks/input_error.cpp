#include "networks/input_error.hpp"

namespace ionspike {
namespace {

std::string format(const SourceLocation& w, const std::string& field, const std::string& message) {
  std::string s = w.file;
  if (w.line > 0) {
    s += ":" + std::to_string(w.line);
    if (w.column > 0) s += ":" + std::to_string(w.column);
  }
  s += ": error";
  if (!field.empty()) s += " in field '" + field + "'";
  return s + ": " + message;
}

}  // namespace

InputError::InputError(SourceLocation where, std::string field, std::string message)
    : std::runtime_error(format(where, field, message)),
      where_(std::move(where)),
      field_(std::move(field)),
      message_(std::move(message)) {}

}  // namespace ionspike
