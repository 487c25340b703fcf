// Helpers shared by the EIS tests that drive networks: an ideal device and the conductance of
// a synapse of the first EIS projection now.
#pragma once

#include "engine/simulator.hpp"
#include "synapses/eis_device.hpp"
#include "synapses/eis_presets.hpp"

namespace ionspike::test {

// The 14 nm protonic preset without device spread or cycle noise.
inline EisDevice ideal_device() {
  pb::EisDevice d = device_preset("protonic_wo3_ysz_14nm");
  d.set_device_spread_sigma(0);
  d.set_cycle_noise_sigma(0);
  return EisDevice(d);
}

// G of synapse k of the network's first EIS projection at the simulator's time (read-only).
inline double g_now(const Simulator& sim, std::uint64_t k) {
  const RuntimeNetwork& net = sim.network();
  const EisProjection& p = net.eis_projections.at(0);
  return p.conductance_at(k, sim.time_ms(), net.pre_history(p.pre_population()),
                          net.post_history(p.post_population()));
}

}  // namespace ionspike::test
