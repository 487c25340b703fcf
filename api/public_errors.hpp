// Internal to the API library: turns the engine's InputError into the public NetworkError.
#pragma once

#include <utility>

#include "ionspike/errors.hpp"
#include "networks/input_error.hpp"

namespace ionspike::api {

[[noreturn]] inline void throw_public(const InputError& e) {
  throw NetworkError(e.where().file, e.where().line, e.where().column, e.field(), e.message());
}

// Calls f(); an InputError it throws leaves as NetworkError.
template <typename F>
decltype(auto) with_public_errors(F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (const InputError& e) {
    throw_public(e);
  }
}

}  // namespace ionspike::api
