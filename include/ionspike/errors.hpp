// Errors of the public API (ionspike/ionspike.hpp).
//
//   NetworkError      a network description is wrong: the file (or label of a text, or of a
//                     network built in code), line and column where known (0 when not: binary
//                     files, networks built in code), the field path such as
//                     "populations[0].lif_exp.tau_m_ms", and what would have been allowed.
//                     what() is the command line's message:
//                     "bad.pbtxt:7:23: error in field 'populations[0].lif_exp.tau_m_ms': must be in (0, inf) ms, got -5"
//   UnknownNameError  a population, projection or recorder name the network lacks.
//   CheckpointFileError  a checkpoint that is truncated, corrupt, of another version or byte
//                     order, or whose state does not fit its network; what() names the file.
//
// Bad arguments of Session calls (a negative rate, a wrong array length) throw
// std::invalid_argument with the allowed range; neuron or synapse indices out of range
// throw std::out_of_range.
#pragma once

#include <stdexcept>
#include <string>

namespace ionspike {

class NetworkError : public std::runtime_error {
 public:
  NetworkError(std::string file, int line, int column, std::string field, std::string message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }      // 1-based; 0 when unknown
  int column() const { return column_; }  // 1-based; 0 when unknown
  const std::string& field() const { return field_; }  // empty when the error is not about one field
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string field_;
  std::string message_;
};

class UnknownNameError : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};

class CheckpointFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ionspike
