// Reading network files: protobuf text format (.pbtxt, .txtpb, .textproto) with the source
// position of every field kept for error messages, or binary (.pb, .bin) for large networks.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/text_format.h>

#include "networks/input_error.hpp"
#include "networks/network.pb.h"

namespace ionspike {

namespace pb = ::ionspike::network::v1;

// A path from the root message to a field, e.g. populations[2].lif_exp.tau_m_ms.
class FieldPath {
 public:
  struct Step {
    const google::protobuf::FieldDescriptor* field;
    int index;  // element of a repeated field, or -1
  };
  explicit FieldPath(const google::protobuf::Descriptor* root) : root_(root) {}
  static FieldPath root() { return FieldPath(pb::Network::descriptor()); }
  // Singular field of the current message (throws std::logic_error for unknown names).
  FieldPath operator/(std::string_view name) const { return extend(name, -1); }
  // Element `index` of a repeated field.
  FieldPath at(std::string_view name, int index) const { return extend(name, index); }
  std::string str() const;
  const std::vector<Step>& steps() const { return steps_; }

 private:
  FieldPath extend(std::string_view name, int index) const;
  const google::protobuf::Descriptor* root_;
  std::vector<Step> steps_;
};

class LoadedNetwork {
 public:
  pb::Network message;
  std::string file;  // as given by the user, for messages
  // Position of the field in the text file (of the element itself for list syntax,
  // "times_ms: [1, 2]"); for an unset field, that of the nearest parent present (the whole
  // file starts at 1:1); line 0 for binary files.
  SourceLocation locate(const FieldPath& path) const;
  [[noreturn]] void fail(const FieldPath& path, const std::string& message) const;

  std::unique_ptr<google::protobuf::TextFormat::ParseInfoTree> locations;  // null if binary
  // The text that was parsed (null if binary): read again, only when an error is reported,
  // for positions ParseInfoTree does not keep (elements given with list syntax).
  std::shared_ptr<const std::string> text;
};

// Reads and parses a network file (format chosen by extension). Throws InputError.
LoadedNetwork load_network_file(const std::filesystem::path& path);
// Parses network text; `file_label` names the source in messages. Throws InputError.
LoadedNetwork parse_network_text(const std::string& text, const std::string& file_label);
// Parses any message (e.g. an EisDevice file) from text; a syntax error throws InputError
// naming file, line, column and the field being read, as for networks.
void parse_text_message(const std::string& text, const std::string& file_label,
                        google::protobuf::Message& message);
// Writes a network in binary or text form (by extension), atomically.
void save_network_file(const pb::Network& network, const std::filesystem::path& path);

}  // namespace ionspike
