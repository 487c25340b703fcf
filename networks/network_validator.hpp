// Validation of a loaded network description. Throws InputError (file, line, field,
// allowed range) at the first problem; a network that passes can be built without further
// checks. Overrides from the command line are applied to the message before validation.
#pragma once

#include "networks/network_loader.hpp"

namespace ionspike {

inline constexpr std::uint32_t kNetworkFormatVersion = 1;
// Largest population: neuron indices are 32-bit.
inline constexpr std::uint64_t kMaxPopulationSize = 0xFFFFFFFEull;
// Limits of the simulation settings (also checked for command-line overrides).
inline constexpr double kMaxTStopMs = 1e12;
inline constexpr std::uint32_t kMaxThreads = 1024;

void validate_network(const LoadedNetwork& network);

}  // namespace ionspike
