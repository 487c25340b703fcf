// ionspike's public C++ API: everything a program needs to build or load a network, run
// and continue it, change it between runs, read its spikes, state and synapses as arrays,
// and save it. docs/cpp-api.md has a complete example.
//
//   find_package(ionspike 0.1 REQUIRED)
//   target_link_libraries(my_target PRIVATE ionspike::ionspike)
//   #include <ionspike/ionspike.hpp>
#pragma once

#include "ionspike/arrays.hpp"
#include "ionspike/connector.hpp"
#include "ionspike/errors.hpp"
#include "ionspike/network_info.hpp"
#include "ionspike/network_spec.hpp"
#include "ionspike/parameters.hpp"
#include "ionspike/session.hpp"
#include "ionspike/version.hpp"
#include "ionspike/weight.hpp"
