// libFuzzer target: network text from an untrusted source, through everything a user's file
// goes through (issue 8, "hostile input").
//
//   parse (networks/network_loader) -> validate -> memory estimate -> build -> run (<= 20 ms)
//
// The contract being checked: a file is either refused with an InputError (the CLI prints
// it and exits 2) or it is a network that builds and runs. So any other exception escaping
// parse, validation or building is a finding (a gap in validation), as is every crash,
// sanitizer report, leak or timeout. Exceptions from the run itself (std::runtime_error, e.g.
// a time-driven neuron whose state became non-finite) are the run-time errors the CLI reports
// with exit code 1, not findings. Networks whose estimate exceeds 64 MiB are only validated,
// networks of more than 2000 neurons only built, and the simulated time is cut to 20 ms, so
// every input stays fast (the 4000 Hodgkin-Huxley neurons of the COBAHH example take ~5 s
// for 20 ms under the sanitizers; the mutations of the small examples cover the same code).
//
// Built by tools/fuzz.sh (clang, -fsanitize=fuzzer,address,undefined); the seed corpus is the
// bad-network corpus (tests/bad_networks) and the examples, the dictionary the field names
// of networks/*.proto.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "engine/simulator.hpp"
#include "networks/input_error.hpp"
#include "networks/memory_estimate.hpp"
#include "networks/network_builder.hpp"
#include "networks/network_loader.hpp"
#include "networks/network_validator.hpp"

namespace {
constexpr double kBuildLimitBytes = 64.0 * 1024 * 1024;
constexpr double kRunLimitMs = 20.0;
constexpr std::uint64_t kRunLimitNeurons = 2000;
// A valid network may ask for any amount of work (a 1 MHz Poisson source, say); a run is
// stopped after this much wall time through the progress callback, so only hangs of the
// engine itself (no progress) reach libFuzzer's timeout.
constexpr std::chrono::milliseconds kRunWallLimit{1500};
struct RunBudgetSpent {};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ionspike;
  const std::string text(reinterpret_cast<const char*>(data), size);
  RuntimeNetwork network;
  try {
    LoadedNetwork loaded = parse_network_text(text, "fuzz.pbtxt");
    validate_network(loaded);
    if (estimate_memory(loaded.message).total_bytes > kBuildLimitBytes) return 0;
    auto& settings = *loaded.message.mutable_simulation();
    settings.set_t_stop_ms(std::min(settings.t_stop_ms(), kRunLimitMs));
    network = build_network(loaded);
  } catch (const InputError&) {
    return 0;  // refused cleanly: what a bad file must get
  }
  if (network.neuron_count() > kRunLimitNeurons) return 0;
  const double t_stop_ms = network.settings.t_stop_ms;
  const auto wall_start = std::chrono::steady_clock::now();
  try {
    Simulator sim(std::move(network));
    sim.run_until(t_stop_ms, [&](double, double) {
      if (std::chrono::steady_clock::now() - wall_start > kRunWallLimit) throw RunBudgetSpent{};
    });
  } catch (const std::runtime_error&) {
    // reported by the CLI as a run-time error (exit 1)
  } catch (const RunBudgetSpent&) {
    // a legitimately expensive network: stopped, not a finding
  }
  return 0;
}
