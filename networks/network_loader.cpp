#include "networks/network_loader.hpp"

#include <fstream>
#include <sstream>

#include <google/protobuf/io/tokenizer.h>

#include "engine/atomic_file.hpp"

namespace ionspike {
namespace gp = google::protobuf;

FieldPath FieldPath::extend(std::string_view name, int index) const {
  const gp::Descriptor* current = steps_.empty() ? root_ : steps_.back().field->message_type();
  const gp::FieldDescriptor* f = current ? current->FindFieldByName(std::string(name)) : nullptr;
  if (!f) throw std::logic_error("FieldPath: no field '" + std::string(name) + "'");
  FieldPath p = *this;
  p.steps_.push_back({f, index});
  return p;
}

std::string FieldPath::str() const {
  std::string s;
  for (const Step& st : steps_) {
    if (!s.empty()) s += '.';
    s += st.field->name();
    if (st.index >= 0) s += "[" + std::to_string(st.index) + "]";
  }
  return s;
}

SourceLocation LoadedNetwork::locate(const FieldPath& path) const {
  SourceLocation where{file, 0, 0};
  const gp::TextFormat::ParseInfoTree* tree = locations.get();
  for (const FieldPath::Step& st : path.steps()) {
    if (!tree) break;
    if (st.field->is_repeated() && st.index < 0) break;
    const gp::TextFormat::ParseLocation loc = tree->GetLocation(st.field, st.index);
    if (loc.line < 0) break;
    where.line = loc.line + 1;
    where.column = loc.column + 1;
    tree = st.field->message_type() ? tree->GetTreeForNested(st.field, st.index) : nullptr;
  }
  return where;
}

void LoadedNetwork::fail(const FieldPath& path, const std::string& message) const {
  throw InputError(locate(path), path.str(), message);
}

namespace {

class CollectFirstError : public gp::io::ErrorCollector {
 public:
  void AddError(int line, gp::io::ColumnNumber column, const std::string& message) override {
    if (!has_error) {
      has_error = true;
      this->line = line + 1;
      this->column = column + 1;
      this->message = message;
    }
  }
  bool has_error = false;
  int line = 0, column = 0;
  std::string message;
};

enum class FileFormat { Text, Binary };

FileFormat format_of(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".pbtxt" || ext == ".txtpb" || ext == ".textproto") return FileFormat::Text;
  if (ext == ".pb" || ext == ".bin") return FileFormat::Binary;
  throw InputError({path.string()}, "",
                   "unknown network file extension '" + ext +
                       "': use .pbtxt/.txtpb/.textproto (text) or .pb/.bin (binary)");
}

}  // namespace

LoadedNetwork parse_network_text(const std::string& text, const std::string& file_label) {
  LoadedNetwork net;
  net.file = file_label;
  net.locations = std::make_unique<gp::TextFormat::ParseInfoTree>();
  CollectFirstError errors;
  gp::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(net.locations.get());
  if (!parser.ParseFromString(text, &net.message)) {
    throw InputError({file_label, errors.line, errors.column}, "",
                     errors.has_error ? "syntax error: " + errors.message : "syntax error");
  }
  return net;
}

LoadedNetwork load_network_file(const std::filesystem::path& path) {
  const FileFormat format = format_of(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({path.string()}, "", "cannot open network file: " + std::string(std::strerror(errno)));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (format == FileFormat::Text) return parse_network_text(buffer.str(), path.string());
  LoadedNetwork net;
  net.file = path.string();
  if (!net.message.ParseFromString(buffer.str()))
    throw InputError({path.string()}, "", "not a valid binary ionspike network (protobuf Network message)");
  return net;
}

void save_network_file(const pb::Network& network, const std::filesystem::path& path) {
  const FileFormat format = format_of(path);
  AtomicFile file(path);
  if (format == FileFormat::Text) {
    std::string text;
    if (!gp::TextFormat::PrintToString(network, &text))
      throw std::runtime_error("cannot print network as text");
    file.stream() << text;
  } else if (!network.SerializeToOstream(&file.stream())) {
    throw std::runtime_error("cannot serialise network to " + path.string());
  }
  file.commit();
}

}  // namespace ionspike
