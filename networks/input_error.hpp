// Errors in user input (network files, command-line values): they name the file, the line
// and column where known, the field path, and what would have been allowed. The CLI maps
// them to exit code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace ionspike {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown (binary files, or a missing field's parent unknown)
  int column = 0;  // 1-based; 0 when unknown
};

class InputError : public std::runtime_error {
 public:
  InputError(SourceLocation where, std::string field, std::string message);
  const SourceLocation& where() const { return where_; }
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }

 private:
  SourceLocation where_;
  std::string field_;
  std::string message_;
};

}  // namespace ionspike
