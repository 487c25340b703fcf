// EIS subcommands of the ionspike command line (single-device protocols of the seed paper).
//
//   ionspike presets
//   ionspike stdp-curve    --device D --waveforms W [--g0 NS] [--dt-min MS --dt-max MS --dt-step MS]
//                          [--a-pre A --a-post A] [--scale S] [--out DIR]
//   ionspike pulse-response --device D [--voltages V,...] [--durations MS,...] [--g0 NS] [--out DIR]
// D and W are preset names (see `ionspike presets`) or protobuf text files holding an
// EisDevice or a WaveformPair message.
#pragma once

#include <string>
#include <vector>

#include "networks/eis.pb.h"

namespace ionspike {

namespace pb = ::ionspike::network::v1;

struct StdpCurveOptions {
  std::string device = "protonic_wo3_ysz_14nm";
  std::string waveforms = "antisymmetric";
  double g0_nS = 1000.0;
  double dt_min_ms = -200.0, dt_max_ms = 200.0, dt_step_ms = 2.0;
  double a_pre = 1.0, a_post = 1.0, scale = 1.0;
  std::string out_dir = "out/stdp-curve";
};

struct PulseResponseOptions {
  std::string device = "protonic_wo3_ysz_14nm";
  std::vector<double> voltages_V = {-6, -4, -2, 2, 4, 6};
  std::vector<double> durations_ms = {0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100};
  double g0_nS = 1000.0;
  std::string out_dir = "out/pulse-response";
};

// A device or waveform pair by preset name or from a .pbtxt file; throws InputError.
pb::EisDevice load_device(const std::string& name_or_file);
pb::WaveformPair load_waveform_pair(const std::string& name_or_file);

int cmd_presets();
int cmd_stdp_curve(const StdpCurveOptions& options);
int cmd_pulse_response(const PulseResponseOptions& options);

}  // namespace ionspike
