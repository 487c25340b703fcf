// `ionspike demo`: the idea of the project in one command. Networks of spiking neurons with
// EIS synapses, run through the full engine:
//   1. the four STDP forms of the seed paper's Fig. 4: for each waveform preset, pairs of a
//      presynaptic spike source and a LIF neuron made to fire dt later; each pair's synapse
//      ends with dG(dt). Devices are ideal here, and every point is checked against the
//      single-device protocol (synapses/eis_protocols) — the two must agree to rounding;
//   2. cumulative LTP/LTD (Fig. 6): one synapse, 10 cycles of 80 pairs at dt = +12 ms then
//      80 at dt = -12 ms, with the preset's device spread and cycle-to-cycle noise.
// Writes CSV, SVG plots and the network files it ran (re-runnable with `ionspike run`).
#pragma once

#include <string>

namespace ionspike {

int cmd_demo(const std::string& out_dir);

}  // namespace ionspike
