// Parameters given by field name, for networks built in code (ionspike/network_spec.hpp).
//
// A name is a field of the network format (networks/network.proto, docs/network-format.md)
// and carries its unit: {"tau_m_ms", 20.0}, {"v_th_mV", -50.0}, {"rate_Hz", 40.0}. Nested
// messages are reached with dots: {"synapses.tau_ex_ms", 5.0}, {"membrane.area_um2", 20000.0}.
// A value is a number, a bool, a string (string fields and enum names such as "NEAREST"), or
// a Distribution for fields that take one value per neuron or synapse (v_init_mV, g_init_nS).
// Unknown names and values of the wrong kind throw NetworkError naming the field.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace ionspike {

// A constant, or a draw per element (neuron or synapse) from a distribution. Normal draws
// outside [low, high] are redrawn (truncated normal), never clamped.
class Distribution {
 public:
  enum class Kind { constant, uniform, normal };
  Distribution(double constant) : kind_(Kind::constant), a_(constant) {}  // NOLINT: implicit on purpose
  static Distribution uniform(double low, double high) { return {Kind::uniform, low, high}; }
  static Distribution normal(double mean, double stddev, double low = -std::numeric_limits<double>::infinity(),
                             double high = std::numeric_limits<double>::infinity()) {
    return {Kind::normal, mean, stddev, low, high};
  }
  Kind kind() const { return kind_; }
  double constant() const { return a_; }  // Kind::constant
  double low() const { return kind_ == Kind::uniform ? a_ : low_; }
  double high() const { return kind_ == Kind::uniform ? b_ : high_; }
  double mean() const { return a_; }      // Kind::normal
  double stddev() const { return b_; }    // Kind::normal

 private:
  Distribution(Kind kind, double a, double b, double low = 0.0, double high = 0.0)
      : kind_(kind), a_(a), b_(b), low_(low), high_(high) {}
  Kind kind_;
  double a_ = 0.0, b_ = 0.0, low_ = 0.0, high_ = 0.0;
};

// The value of one named parameter. Integer fields (size-like: k, seed, neurons) take
// non-negative whole numbers, given as integers or as whole doubles.
class ParameterValue {
 public:
  enum class Kind { number, boolean, text, distribution };
  ParameterValue(double v) : kind_(Kind::number), number_(v), distribution_(v) {}  // NOLINT: implicit on purpose
  ParameterValue(int v) : ParameterValue(static_cast<long long>(v)) {}  // NOLINT
  ParameterValue(long v) : ParameterValue(static_cast<long long>(v)) {}  // NOLINT
  ParameterValue(long long v) : ParameterValue(static_cast<double>(v)) {  // NOLINT
    if (v >= 0) whole_ = static_cast<unsigned long long>(v), has_whole_ = true;
  }
  ParameterValue(unsigned v) : ParameterValue(static_cast<unsigned long long>(v)) {}  // NOLINT
  ParameterValue(unsigned long v) : ParameterValue(static_cast<unsigned long long>(v)) {}  // NOLINT
  ParameterValue(unsigned long long v) : ParameterValue(static_cast<double>(v)) {  // NOLINT
    whole_ = v, has_whole_ = true;
  }
  ParameterValue(bool v) : kind_(Kind::boolean), boolean_(v), distribution_(0.0) {}  // NOLINT
  ParameterValue(const char* v) : kind_(Kind::text), text_(v), distribution_(0.0) {}  // NOLINT
  ParameterValue(std::string v) : kind_(Kind::text), text_(std::move(v)), distribution_(0.0) {}  // NOLINT
  ParameterValue(Distribution v) : kind_(Kind::distribution), distribution_(v) {}  // NOLINT
  Kind kind() const { return kind_; }
  double number() const { return number_; }
  // Set when the value was given as a non-negative integer (exact beyond 2^53).
  bool has_whole() const { return has_whole_; }
  unsigned long long whole() const { return whole_; }
  bool boolean() const { return boolean_; }
  const std::string& text() const { return text_; }
  const Distribution& distribution() const { return distribution_; }

 private:
  Kind kind_;
  double number_ = 0.0;
  unsigned long long whole_ = 0;
  bool has_whole_ = false;
  bool boolean_ = false;
  std::string text_;
  Distribution distribution_;
};

using Parameters = std::vector<std::pair<std::string, ParameterValue>>;

}  // namespace ionspike
