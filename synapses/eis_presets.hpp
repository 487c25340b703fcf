// Built-in EIS presets: device parameter sets and designed waveform pairs, kept as protobuf
// text files under synapses/presets/{devices,waveforms}/*.pbtxt (each file's leading comment
// explains its design and calibration; docs/eis.md summarises them). The build embeds the
// files into the library (synapses/presets/embed_presets.cmake generates embedded_presets()),
// so no files are needed at run time.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "networks/eis.pb.h"

namespace ionspike {

namespace pb = ::ionspike::network::v1;

struct EmbeddedPreset {
  const char* kind;  // "devices" or "waveforms" (the directory)
  const char* name;  // file name without .pbtxt
  const char* text;  // protobuf text
};

// Defined in the generated source (embed_presets.cmake), sorted by kind/name.
std::span<const EmbeddedPreset> embedded_presets();

// The parsed preset. Unknown names throw std::invalid_argument listing the known ones; a preset
// whose text does not parse throws std::runtime_error (a build defect).
pb::EisDevice device_preset(std::string_view name);
pb::WaveformPair waveform_preset(std::string_view name);

// Names of the presets of one kind ("devices" or "waveforms"), sorted. Any other kind throws
// std::invalid_argument.
std::vector<std::string> preset_names(std::string_view kind);

}  // namespace ionspike
