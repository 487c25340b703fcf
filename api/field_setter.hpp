// Internal to the API library: sets fields of a protobuf message by name (the builder
// calls of NetworkSpec), checking names and value kinds through the message's descriptor.
#pragma once

#include <string>

#include <google/protobuf/message.h>

#include "ionspike/parameters.hpp"

namespace ionspike::api {

// Where errors point: the spec's label and the field path of `message` in the network
// (e.g. "populations[1].lif_exp").
struct FieldContext {
  const std::string& label;
  std::string path;
};

// Sets `name` (dotted for nested messages, "synapses.tau_ex_ms") of `message` to `value`;
// throws NetworkError naming the field path if the name is unknown or the value's kind wrong.
void set_field(google::protobuf::Message& message, const FieldContext& where, const std::string& name,
               const ParameterValue& value);
void set_fields(google::protobuf::Message& message, const FieldContext& where, const Parameters& parameters);

// True if `message` has a field named like the first component of `name`.
bool has_field(const google::protobuf::Message& message, const std::string& name);

// The sub-message named `field` of `message` (a oneof member such as "lif_exp" or
// "fixed_in_degree"), made present; NetworkError listing the allowed names if there is none.
google::protobuf::Message& mutable_member(google::protobuf::Message& message, const FieldContext& where,
                                          const std::string& oneof, const std::string& field);

}  // namespace ionspike::api
