// Determinism of plastic networks (issue 8): the same seed gives the same complete final
// state — every spike, weight, conductance, trace, eligibility, device energy and random
// stream — whatever the declaration order of populations, projections, neuromodulators and
// recorders in the file, and whatever the thread count used to build the network. The state
// is compared as checkpoint archives (engine/state_archive.hpp), byte for byte; objects are
// addressed by name there, and the engine orders them by name, so the archives of equivalent
// networks must be identical.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/state_archive.hpp"
#include "test_support.hpp"

using namespace ionspike;

namespace {

std::vector<ArchivedField> final_state(const pb::Network& message, double t_stop_ms) {
  LoadedNetwork loaded;
  loaded.message = message;
  loaded.file = "permuted";
  Simulator sim(build_network(loaded));
  sim.run_until(t_stop_ms);
  REQUIRE(sim.counters().spikes > 0);
  StateArchive ar;
  sim.checkpoint(ar);
  return ar.take_fields();
}

// Reverses, then rotates, every repeated top-level block (populations, projections, ...).
pb::Network permuted(const pb::Network& in) {
  pb::Network out = in;
  const auto* reflection = out.GetReflection();
  const auto* descriptor = out.GetDescriptor();
  for (int f = 0; f < descriptor->field_count(); ++f) {
    const auto* field = descriptor->field(f);
    if (!field->is_repeated()) continue;
    const int n = reflection->FieldSize(out, field);
    for (int i = 0; i < n / 2; ++i) reflection->SwapElements(&out, field, i, n - 1 - i);
    for (int i = 0; i + 1 < n; ++i) reflection->SwapElements(&out, field, i, i + 1);
  }
  return out;
}

bool same(const std::vector<ArchivedField>& a, const std::vector<ArchivedField>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].bytes != b[i].bytes) {
      UNSCOPED_INFO("first difference: " << a[i].name << " vs " << b[i].name);
      return false;
    }
  return true;
}

}  // namespace

TEST_CASE("plastic networks: declaration order and build threads leave the final state bit-identical",
          "[determinism][checkpoint]") {
  std::ifstream in(std::string(IONSPIKE_SOURCE_DIR) + "/tests/cli/networks/dopamine_plastic.pbtxt");
  std::stringstream text;
  text << in.rdbuf();
  const pb::Network original = parse_network_text(text.str(), "dopamine_plastic.pbtxt").message;
  constexpr double kRunMs = 600.0;
  const auto reference = final_state(original, kRunMs);

  const pb::Network reordered = permuted(original);
  REQUIRE(reordered.populations(0).name() != original.populations(0).name());
  REQUIRE(reordered.projections(0).name() != original.projections(0).name());
  CHECK(same(final_state(reordered, kRunMs), reference));

  pb::Network threaded = original;
  threaded.mutable_simulation()->set_threads(2);
  CHECK(same(final_state(threaded, kRunMs), reference));

  pb::Network reseeded = original;
  reseeded.mutable_simulation()->set_seed(12);
  CHECK_FALSE(same(final_state(reseeded, kRunMs), reference));
}
