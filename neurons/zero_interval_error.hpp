// The error raised when a neuron would fire twice at the same time, which would stop
// simulated time (e.g. t_ref_ms 0 with a drive so far above threshold that the next
// crossing rounds to the current time). Reported as a runtime failure, never a hang.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace ionspike {

[[noreturn]] inline void throw_zero_interval(const std::string& population, std::uint32_t neuron, double t_ms) {
  throw std::runtime_error(fmt::format(
      "neuron {} of population '{}' fires twice at t = {} ms: its inter-spike interval vanishes "
      "(t_ref_ms 0 with a drive far above threshold, or an input arriving exactly as it fires); "
      "give t_ref_ms > 0",
      neuron, population, t_ms));
}

}  // namespace ionspike
