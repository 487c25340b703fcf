// Resolution of the EIS references of a network file: device presets and waveform presets
// (synapses/presets/) or inline definitions, into the messages the physics is built from.
#pragma once

#include "networks/network.pb.h"

namespace ionspike {

namespace pb = ::ionspike::network::v1;

// The pre (pre_side) or post half of a waveform preset, or the inline waveform.
// Throws std::invalid_argument for an unknown preset (listing the known ones) or an unset ref.
pb::Waveform resolve_waveform(const pb::WaveformRef& ref, bool pre_side);
// The device preset or the inline device, with the projection's variability overrides.
// Throws std::invalid_argument as above.
pb::EisDevice resolve_device(const pb::EisSynapses& eis);

}  // namespace ionspike
