#include "networks/eis_resolve.hpp"

#include <stdexcept>

#include "synapses/eis_presets.hpp"

namespace ionspike {

pb::Waveform resolve_waveform(const pb::WaveformRef& ref, bool pre_side) {
  switch (ref.source_case()) {
    case pb::WaveformRef::kPreset: {
      const pb::WaveformPair pair = waveform_preset(ref.preset());
      return pre_side ? pair.pre() : pair.post();
    }
    case pb::WaveformRef::kWaveform: return ref.waveform();
    case pb::WaveformRef::SOURCE_NOT_SET: break;
  }
  throw std::invalid_argument("no waveform: set preset or waveform");
}

pb::EisDevice resolve_device(const pb::EisSynapses& eis) {
  pb::EisDevice device;
  switch (eis.device_source_case()) {
    case pb::EisSynapses::kDevicePreset: device = device_preset(eis.device_preset()); break;
    case pb::EisSynapses::kDevice: device = eis.device(); break;
    case pb::EisSynapses::DEVICE_SOURCE_NOT_SET: throw std::invalid_argument("no device: set device_preset or device");
  }
  if (eis.has_device_spread_sigma()) device.set_device_spread_sigma(eis.device_spread_sigma());
  if (eis.has_cycle_noise_sigma()) device.set_cycle_noise_sigma(eis.cycle_noise_sigma());
  return device;
}

}  // namespace ionspike
