// Tests for synapses/eis_presets.hpp: every embedded preset parses and validates; lookups of
// unknown names list the known ones.
#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "synapses/eis_device.hpp"
#include "synapses/eis_presets.hpp"

using namespace ionspike;

TEST_CASE("preset names", "[eis][presets]") {
  const auto devices = preset_names("devices");
  const std::vector<std::string> expect_devices{"li_licoo2_two_terminal", "protonic_wo3_ysz_14nm", "protonic_wo3_ysz_7nm"};
  CHECK(devices == expect_devices);
  const auto waves = preset_names("waveforms");
  for (const char* n : {"antisymmetric", "ltp_only", "symmetric", "dead_zone", "cumulative_ltp", "cumulative_ltd",
                        "antisymmetric_100us", "antisymmetric_100ns", "li_two_terminal"})
    CHECK(std::find(waves.begin(), waves.end(), n) != waves.end());
  CHECK_THROWS_AS(preset_names("other"), std::invalid_argument);
}

TEST_CASE("every preset parses, validates and starts with a design comment", "[eis][presets]") {
  for (const EmbeddedPreset& p : embedded_presets()) {
    INFO(p.kind << "/" << p.name);
    CHECK(std::string(p.text).rfind("# ", 0) == 0);
    if (std::string(p.kind) == "devices") {
      const pb::EisDevice m = device_preset(p.name);
      CHECK(m.name() == p.name);
      CHECK_NOTHROW(EisDevice(m));
    } else {
      const pb::WaveformPair m = waveform_preset(p.name);
      CHECK(m.name() == p.name);
      CHECK(m.has_pre());
      CHECK(m.has_post());
      CHECK_NOTHROW(Waveform(m.pre()));
      CHECK_NOTHROW(Waveform(m.post()));
    }
  }
}

TEST_CASE("unknown presets list the known names", "[eis][presets]") {
  CHECK_THROWS_WITH(device_preset("nope"), Catch::Contains("unknown EIS device preset 'nope'") &&
                                                Catch::Contains("protonic_wo3_ysz_14nm"));
  CHECK_THROWS_WITH(waveform_preset("nope"), Catch::Contains("known:") && Catch::Contains("antisymmetric_100ns"));
}
