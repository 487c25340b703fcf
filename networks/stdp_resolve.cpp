#include "networks/stdp_resolve.hpp"

namespace ionspike {

WeightUnit stdp_w_min_unit(const pb::StdpSynapses& stdp) {
  switch (stdp.w_min_case()) {
    case pb::StdpSynapses::kWMinMV: return WeightUnit::mV;
    case pb::StdpSynapses::kWMinPA: return WeightUnit::pA;
    case pb::StdpSynapses::kWMinNS: return WeightUnit::nS;
    case pb::StdpSynapses::W_MIN_NOT_SET: break;
  }
  return WeightUnit::None;
}

WeightUnit stdp_w_max_unit(const pb::StdpSynapses& stdp) {
  switch (stdp.w_max_case()) {
    case pb::StdpSynapses::kWMaxMV: return WeightUnit::mV;
    case pb::StdpSynapses::kWMaxPA: return WeightUnit::pA;
    case pb::StdpSynapses::kWMaxNS: return WeightUnit::nS;
    case pb::StdpSynapses::W_MAX_NOT_SET: break;
  }
  return WeightUnit::None;
}

double stdp_w_min(const pb::StdpSynapses& stdp) {
  switch (stdp.w_min_case()) {
    case pb::StdpSynapses::kWMinMV: return stdp.w_min_mv();
    case pb::StdpSynapses::kWMinPA: return stdp.w_min_pa();
    case pb::StdpSynapses::kWMinNS: return stdp.w_min_ns();
    case pb::StdpSynapses::W_MIN_NOT_SET: break;
  }
  return 0.0;
}

double stdp_w_max(const pb::StdpSynapses& stdp) {
  switch (stdp.w_max_case()) {
    case pb::StdpSynapses::kWMaxMV: return stdp.w_max_mv();
    case pb::StdpSynapses::kWMaxPA: return stdp.w_max_pa();
    case pb::StdpSynapses::kWMaxNS: return stdp.w_max_ns();
    case pb::StdpSynapses::W_MAX_NOT_SET: break;
  }
  return 0.0;
}

StdpRule resolve_stdp_rule(const pb::StdpSynapses& stdp) {
  StdpRule rule;
  rule.tau_plus_ms = stdp.tau_plus_ms();
  rule.tau_minus_ms = stdp.tau_minus_ms();
  rule.a2_plus = stdp.a2_plus();
  rule.a2_minus = stdp.a2_minus();
  rule.a3_plus = stdp.a3_plus();
  rule.a3_minus = stdp.a3_minus();
  rule.tau_x_ms = stdp.tau_x_ms();
  rule.tau_y_ms = stdp.tau_y_ms();
  rule.w_min = stdp_w_min(stdp);
  rule.w_max = stdp_w_max(stdp);
  rule.pairing = stdp.pairing() == pb::StdpSynapses::NEAREST ? StdpPairing::Nearest : StdpPairing::AllToAll;
  rule.dependence = stdp.weight_dependence() == pb::StdpSynapses::MULTIPLICATIVE
                        ? StdpWeightDependence::Multiplicative
                        : StdpWeightDependence::Additive;
  return rule;
}

}  // namespace ionspike
