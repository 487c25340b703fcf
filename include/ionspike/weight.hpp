// The weight of a projection's synapses, in the unit its target model expects: mV for
// lif_delta and izhikevich (voltage jump), pA for lif_exp (current jump), nS for the
// conductance-based models (conductance jump). Receptor::inhibitory makes weights
// negative, -|w| (PyNN convention).
#pragma once

#include <string>
#include <utility>

#include "ionspike/parameters.hpp"

namespace ionspike {

enum class Receptor { excitatory, inhibitory };

class Weight {
 public:
  static Weight mV(Distribution w) { return {"weight_mV", w}; }
  static Weight pA(Distribution w) { return {"weight_pA", w}; }
  static Weight nS(Distribution w) { return {"weight_nS", w}; }
  const std::string& field() const { return field_; }  // "weight_mV", "weight_pA" or "weight_nS"
  const Distribution& value() const { return value_; }

 private:
  Weight(std::string field, Distribution value) : field_(std::move(field)), value_(value) {}
  std::string field_;
  Distribution value_;
};

}  // namespace ionspike
