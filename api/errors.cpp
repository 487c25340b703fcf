// ionspike::NetworkError: the public form of networks/input_error.hpp's InputError, with
// the same message text (formatted by InputError itself, so the two never differ).
#include "ionspike/errors.hpp"

#include "networks/input_error.hpp"

namespace ionspike {

NetworkError::NetworkError(std::string file, int line, int column, std::string field, std::string message)
    : std::runtime_error(InputError({file, line, column}, field, message).what()),
      file_(std::move(file)),
      line_(line),
      column_(column),
      field_(std::move(field)),
      message_(std::move(message)) {}

}  // namespace ionspike
