// Field checks used by the validator and the model registry. Each failure throws an
// InputError naming file, line, field and the allowed range.
#pragma once

#include <limits>
#include <string>
#include <string_view>

#include "networks/network_loader.hpp"

namespace ionspike {

// Smallest probability a truncated normal may keep of its normal (see Checker::value).
inline constexpr double kMinTruncatedNormalMass = 0.01;

class Checker {
 public:
  explicit Checker(const LoadedNetwork& net) : net_(net) {}
  const LoadedNetwork& network() const { return net_; }

  [[noreturn]] void fail(const FieldPath& path, const std::string& message) const {
    net_.fail(path, message);
  }
  // value in the interval from lo to hi (open or closed ends), finite unless an end is infinite.
  void in_range(const FieldPath& path, double value, double lo, double hi, std::string_view unit,
                bool lo_open = false, bool hi_open = false) const;
  void finite(const FieldPath& path, double value, std::string_view unit) const;
  void positive(const FieldPath& path, double value, std::string_view unit) const;
  void non_negative(const FieldPath& path, double value, std::string_view unit) const;
  // A Value (constant or distribution) all of whose draws lie in [lo, hi] (and are finite).
  void value(const FieldPath& path, const pb::Value& v, std::string_view unit,
             double lo = -std::numeric_limits<double>::infinity(),
             double hi = std::numeric_limits<double>::infinity()) const;
  // A name usable in file names and references: [A-Za-z0-9_][A-Za-z0-9_.-]*, at most 128 chars.
  void name(const FieldPath& path, const std::string& name) const;

 private:
  const LoadedNetwork& net_;
};

std::string format_number(double v);

}  // namespace ionspike
