// How a projection connects its two populations (networks/network.proto, Projection.connector).
// The connections of from_list() are given with NetworkSpec::add_connections.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "ionspike/parameters.hpp"

namespace ionspike {

class Connector {
 public:
  // Options left at their defaults are not written into the description (its text then
  // reads as one written by hand).
  static Connector all_to_all(bool allow_autapses = true) {
    return {"all_to_all", allow_autapses ? Parameters{} : Parameters{{"allow_autapses", false}}};
  }
  static Connector one_to_one() { return {"one_to_one", {}}; }
  static Connector fixed_probability(double p, bool allow_autapses = true) {
    Parameters c{{"p", p}};
    if (!allow_autapses) c.emplace_back("allow_autapses", false);
    return {"fixed_probability", std::move(c)};
  }
  static Connector fixed_in_degree(std::uint64_t k, bool allow_autapses = true, bool allow_multapses = true) {
    Parameters c{{"k", k}};
    if (!allow_autapses) c.emplace_back("allow_autapses", false);
    if (!allow_multapses) c.emplace_back("allow_multapses", false);
    return {"fixed_in_degree", std::move(c)};
  }
  static Connector from_list() { return {"from_list", {}}; }
  // Any connector of the format by name, e.g. {"all_to_all", {{"skip_same_index", true}}}.
  Connector(std::string kind, Parameters parameters) : kind_(std::move(kind)), parameters_(std::move(parameters)) {}
  const std::string& kind() const { return kind_; }
  const Parameters& parameters() const { return parameters_; }

 private:
  std::string kind_;
  Parameters parameters_;
};

}  // namespace ionspike
