// The plastic input projection of a learning study, seen through what a Diehl & Cook style
// protocol does with it: normalise every target's incoming weights before an image, switch
// learning off for labelling and testing, read the receptive fields. Two implementations:
// trace STDP (a rule, synapses/stdp_projection.hpp) and EIS devices (no rule: the weight is
// gain * G and learning comes from the waveforms, synapses/eis_projection.hpp), so one driver
// runs the same network with either kind of plastic synapse.
//
// Units: weights in the target model's unit (nS for conductance-based targets); for EIS the
// weight of a synapse is weight_per_nS * G, and normalising the weights to a sum S sets the
// conductances to the sum S / weight_per_nS within the device bounds [g_min, g_max].
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/simulator.hpp"

namespace ionspike {

class PlasticInput {
 public:
  virtual ~PlasticInput() = default;
  // Scales every target neuron's incoming weights to sum to weight_sum (scale_to_sum within
  // the bounds). Throws std::invalid_argument if the bounds make the sum unreachable.
  virtual void normalise(double weight_sum) = 0;
  // Learning off from now on (weights held exactly).
  virtual void freeze() = 0;
  // Weights now, as a targets x sources matrix (row-major; 0 where there is no synapse).
  virtual std::vector<double> weight_matrix() = 0;
  // Range a weight can take (for checking a normalisation target before the run).
  virtual double min_weight() const = 0;
  virtual double max_weight() const = 0;
  virtual std::uint32_t source_count() const = 0;
  virtual std::uint32_t target_count() const = 0;
  // "trace STDP" or "EIS <device bounds>", for reports.
  virtual std::string describe() const = 0;
};

// The network's only plastic projection onto post_population (one STDP or one EIS projection);
// throws std::invalid_argument naming network_file if there is none or more than one.
// stdp_scale multiplies the amplitudes of an STDP rule; for EIS it must be 1 (the device sets
// the learning rate).
std::unique_ptr<PlasticInput> find_plastic_input(Simulator& sim, std::uint32_t post_population,
                                                 double stdp_scale, const std::string& network_file);

}  // namespace ionspike
