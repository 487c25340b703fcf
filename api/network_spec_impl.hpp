// Internal to the API library: what a NetworkSpec holds (the parsed or built protobuf
// message, with the source positions of a parsed text for error messages).
#pragma once

#include "ionspike/network_spec.hpp"
#include "networks/network_loader.hpp"

namespace ionspike {

struct NetworkSpec::Impl {
  LoadedNetwork loaded;  // loaded.file is the label
};

}  // namespace ionspike
