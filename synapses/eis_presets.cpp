#include "synapses/eis_presets.hpp"

#include <algorithm>
#include <stdexcept>

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

namespace ionspike {

namespace {

class CollectErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    text += "line " + std::to_string(line + 1) + " column " + std::to_string(column + 1) + ": " + message + "; ";
  }
  std::string text;
};

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

const EmbeddedPreset& find(std::string_view kind, std::string_view name) {
  for (const EmbeddedPreset& p : embedded_presets())
    if (kind == p.kind && name == p.name) return p;
  throw std::invalid_argument("unknown EIS " + std::string(kind == "devices" ? "device" : "waveform") +
                              " preset '" + std::string(name) + "'; known: " + joined(preset_names(kind)));
}

template <class Message>
Message parse(std::string_view kind, std::string_view name) {
  const EmbeddedPreset& p = find(kind, name);
  Message m;
  google::protobuf::TextFormat::Parser parser;
  CollectErrors errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(p.text, &m))
    throw std::runtime_error("EIS preset " + std::string(kind) + "/" + std::string(name) +
                             ".pbtxt does not parse: " + errors.text);
  return m;
}

}  // namespace

pb::EisDevice device_preset(std::string_view name) { return parse<pb::EisDevice>("devices", name); }

pb::WaveformPair waveform_preset(std::string_view name) { return parse<pb::WaveformPair>("waveforms", name); }

std::vector<std::string> preset_names(std::string_view kind) {
  if (kind != "devices" && kind != "waveforms")
    throw std::invalid_argument("unknown EIS preset kind '" + std::string(kind) + "'; known: devices, waveforms");
  std::vector<std::string> names;
  for (const EmbeddedPreset& p : embedded_presets())
    if (kind == p.kind) names.emplace_back(p.name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace ionspike
