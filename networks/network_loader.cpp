#include "networks/network_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/unknown_field_set.h>

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
    if (st.index >= 0) s += fmt::format("[{}]", st.index);
  }
  return s;
}

namespace {

// ---- positions in network text -----------------------------------------------------------
//
// ParseInfoTree records one location per field *statement*: with list syntax
// ("times_ms: [1, 2, 3]", "connections: [{...}, {...}]") element i of a repeated field is
// not its i-th location. TextWalker reads the text again token by token, as TextFormat does
// (same tokenizer settings), and reports where every field name and every element begins,
// with its path. It assumes the text is valid up to where it stops, which holds for a parsed
// file and, for a file with a syntax error, up to the error.
class TextWalker {
 public:
  struct Position {
    int line = -1, column = -1;  // 0-based, as the tokenizer counts
  };
  class Visitor {
   public:
    virtual ~Visitor() = default;
    // Before every token; false stops the walk before it.
    virtual bool token(const gp::io::Tokenizer::Token&) { return true; }
    // A field name (path without element index); depth = number of steps of the path.
    virtual bool field(const std::string&, int, Position) { return true; }
    // An element of a field (path with [index] for repeated fields) begins.
    virtual bool element(const std::string&, int, Position) { return true; }
  };

  TextWalker(const std::string& text, const gp::Descriptor* root)
      : input_(text.data(), text.size() > INT_MAX ? 0 : static_cast<int>(text.size())),
        tokenizer_(&input_, &errors_) {
    tokenizer_.set_allow_f_after_float(true);
    tokenizer_.set_comment_style(gp::io::Tokenizer::SH_COMMENT_STYLE);
    frames_.push_back({root, "", 0, {}, "", nullptr, false});
  }

  void walk(Visitor& v) {
    while (tokenizer_.Next())
      if (!v.token(tokenizer_.current()) || !step(tokenizer_.current(), v)) return;
  }

  // Path of the field being read where the walk stopped: right after a value, that value's
  // (TextFormat reports an unknown enum value, for one, after reading it); between fields,
  // that of the enclosing message.
  std::string current_path() const {
    switch (phase_) {
      case Phase::Field:
        return frames_.back().path;
      case Phase::Sign:
      case Phase::Scalar:
        return element_path(index_);
      case Phase::ListNext:
        return element_path(std::max(0, count_of(name_) - 1));
      default:
        return element_path(count_of(name_));
    }
  }
  // Schema of the message being read (null inside an unknown field), and the field.
  const gp::Descriptor* current_type() const { return frames_.back().type; }
  const gp::FieldDescriptor* current_field() const { return phase_ == Phase::Field ? nullptr : field_; }

 private:
  enum class Phase { Field, Extension, Name, Value, Sign, Scalar, List, ListNext };
  struct Frame {
    const gp::Descriptor* type;
    std::string path;
    int depth;
    std::map<std::string, int> count;  // elements read per field name
    // The field this message is an element of, to continue its list after the message.
    std::string parent_name;
    const gp::FieldDescriptor* parent_field;
    bool parent_in_list;
  };

  class SilentErrors : public gp::io::ErrorCollector {
   public:
    void AddError(int, gp::io::ColumnNumber, const std::string&) override {}
  };

  int count_of(const std::string& name) const {
    const auto it = frames_.back().count.find(name);
    return it == frames_.back().count.end() ? 0 : it->second;
  }
  std::string field_path() const {
    const std::string& p = frames_.back().path;
    return p.empty() ? name_ : p + "." + name_;
  }
  std::string element_path(int index) const {
    if (field_ && field_->is_repeated()) return field_path() + "[" + std::to_string(index) + "]";
    return field_path();
  }

  bool step(const gp::io::Tokenizer::Token& t, Visitor& v) {
    const bool symbol = t.type == gp::io::Tokenizer::TYPE_SYMBOL;
    const std::string& s = t.text;
    switch (phase_) {
      case Phase::Scalar:
        if (t.type == gp::io::Tokenizer::TYPE_STRING && last_was_string_) return true;  // "a" "b"
        phase_ = Phase::Field;
        [[fallthrough]];
      case Phase::Field: {
        if (symbol && (s == "," || s == ";")) return true;
        if (symbol && (s == "}" || s == ">")) return close_message();
        name_at_ = {t.line, t.column};
        if (symbol && s == "[") {  // [extension or Any type name]
          name_ = s;
          field_ = nullptr;
          phase_ = Phase::Extension;
          return true;
        }
        name_ = s;
        const gp::Descriptor* type = frames_.back().type;
        field_ = type ? type->FindFieldByName(s) : nullptr;
        phase_ = Phase::Name;
        return v.field(field_path(), frames_.back().depth + 1, name_at_);
      }
      case Phase::Extension:
        name_ += s;
        if (symbol && s == "]") phase_ = Phase::Name;
        return true;
      case Phase::Name:
        if (symbol && s == ":") {
          phase_ = Phase::Value;
          return true;
        }
        [[fallthrough]];  // "name { ... }", "name [ {...} ]"
      case Phase::Value:
        if (symbol && s == "[") {
          phase_ = Phase::List;
          in_list_ = true;
          return true;
        }
        return begin_value(t, v, name_at_);
      case Phase::Sign:  // the number or identifier after '-'
        phase_ = in_list_ ? Phase::ListNext : Phase::Scalar;
        last_was_string_ = false;
        return true;
      case Phase::List:
        if (symbol && s == "]") return end_list();
        return begin_value(t, v, {t.line, t.column});
      case Phase::ListNext:
        if (symbol && s == ",") {
          phase_ = Phase::List;
          return true;
        }
        if (symbol && s == "]") return end_list();
        return true;  // "a" "b" inside a list
    }
    return true;
  }

  bool begin_value(const gp::io::Tokenizer::Token& t, Visitor& v, Position at) {
    index_ = frames_.back().count[name_]++;
    const int depth = frames_.back().depth + 1;
    const std::string path = element_path(index_);
    const bool symbol = t.type == gp::io::Tokenizer::TYPE_SYMBOL;
    if (symbol && (t.text == "{" || t.text == "<")) {
      frames_.push_back({field_ ? field_->message_type() : nullptr, path, depth, {}, name_, field_, in_list_});
      phase_ = Phase::Field;
      in_list_ = false;
    } else if (symbol && t.text == "-") {
      phase_ = Phase::Sign;
    } else {
      last_was_string_ = t.type == gp::io::Tokenizer::TYPE_STRING;
      phase_ = in_list_ ? Phase::ListNext : Phase::Scalar;
    }
    return v.element(path, depth, at);
  }

  bool close_message() {
    if (frames_.size() == 1) return true;  // unbalanced: the parser reports it
    Frame done = std::move(frames_.back());
    frames_.pop_back();
    name_ = done.parent_name;
    field_ = done.parent_field;
    in_list_ = done.parent_in_list;
    phase_ = in_list_ ? Phase::ListNext : Phase::Field;
    last_was_string_ = false;
    return true;
  }

  bool end_list() {
    in_list_ = false;
    phase_ = Phase::Field;
    return true;
  }

  gp::io::ArrayInputStream input_;
  SilentErrors errors_;
  gp::io::Tokenizer tokenizer_;
  std::vector<Frame> frames_;
  Phase phase_ = Phase::Field;
  std::string name_;
  const gp::FieldDescriptor* field_ = nullptr;
  Position name_at_;
  int index_ = 0;
  bool in_list_ = false;
  bool last_was_string_ = false;
};

// Finds the deepest prefix of a path that is present in the text.
class Locator : public TextWalker::Visitor {
 public:
  explicit Locator(const FieldPath& path) {
    FieldPath p = FieldPath::root();
    prefixes_.push_back("");
    for (const FieldPath::Step& st : path.steps()) {
      p = p.at(st.field->name(), st.index);
      prefixes_.push_back(p.str());
    }
  }
  bool field(const std::string& path, int depth, TextWalker::Position at) override { return see(path, depth, at); }
  bool element(const std::string& path, int depth, TextWalker::Position at) override { return see(path, depth, at); }
  int depth() const { return depth_; }
  TextWalker::Position position() const { return at_; }

 private:
  bool see(const std::string& path, int depth, TextWalker::Position at) {
    if (depth > depth_ && depth < static_cast<int>(prefixes_.size()) && path == prefixes_[depth]) {
      depth_ = depth;
      at_ = at;
    }
    return depth_ + 1 < static_cast<int>(prefixes_.size());
  }
  std::vector<std::string> prefixes_;
  int depth_ = 0;
  TextWalker::Position at_;
};

// Stops before the token at (or after) the position of a syntax error.
class StopAt : public TextWalker::Visitor {
 public:
  StopAt(int line, int column) : line_(line), column_(column) {}
  bool token(const gp::io::Tokenizer::Token& t) override {
    return t.line < line_ || (t.line == line_ && t.column < column_);
  }

 private:
  int line_, column_;
};

}  // namespace

SourceLocation LoadedNetwork::locate(const FieldPath& path) const {
  SourceLocation where{file, 0, 0};
  if (text) {
    TextWalker walker(*text, pb::Network::descriptor());
    Locator locator(path);
    walker.walk(locator);
    if (locator.depth() == 0) return {file, 1, 1};  // the root message: the whole file
    return {file, locator.position().line + 1, locator.position().column + 1};
  }
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
      this->line = line;
      this->column = column;
      this->message = message;
    }
  }
  bool has_error = false;
  int line = -1, column = -1;  // 0-based
  std::string message;
};

// A syntax error, with the path of the field being read where it happened and, for an
// unknown field or enum value, what would have been allowed.
[[noreturn]] void syntax_error(const std::string& text, const std::string& file_label,
                               const gp::Descriptor* root, const CollectFirstError& errors) {
  if (!errors.has_error) throw InputError({file_label}, "", "syntax error");
  TextWalker walker(text, root);
  StopAt stop(errors.line, errors.column);
  walker.walk(stop);
  std::string message = "syntax error: " + errors.message;
  const gp::Descriptor* type = walker.current_type();
  const gp::FieldDescriptor* field = walker.current_field();
  if (type && message.find("has no field named") != std::string::npos) {
    std::string known;
    for (int i = 0; i < type->field_count(); ++i) known += (i ? ", " : "") + type->field(i)->name();
    message += " (fields of " + type->name() + ": " + known + ")";
  } else if (field && field->enum_type() && message.find("Unknown enumeration value") != std::string::npos) {
    std::string known;
    for (int i = 0; i < field->enum_type()->value_count(); ++i)
      known += (i ? ", " : "") + field->enum_type()->value(i)->name();
    message += " (allowed: " + known + ")";
  }
  throw InputError({file_label, errors.line + 1, errors.column + 1}, walker.current_path(), message);
}

// Proto2 keeps fields it does not know, and enum numbers outside the enum, as unknown
// fields; a binary file with any is refused instead of being read without them.
void reject_unknown_fields(const LoadedNetwork& net, const gp::Message& m, const FieldPath& at) {
  const gp::Reflection* r = m.GetReflection();
  const gp::UnknownFieldSet& unknown = r->GetUnknownFields(m);
  if (unknown.field_count() > 0) {
    const int number = unknown.field(0).number();
    const gp::FieldDescriptor* f = m.GetDescriptor()->FindFieldByNumber(number);
    if (f && f->enum_type()) {
      std::string known;
      for (int i = 0; i < f->enum_type()->value_count(); ++i)
        known += (i ? ", " : "") + f->enum_type()->value(i)->name() + " = " +
                 std::to_string(f->enum_type()->value(i)->number());
      std::string value = unknown.field(0).type() == gp::UnknownField::TYPE_VARINT
                              ? std::to_string(static_cast<std::int64_t>(unknown.field(0).varint()))
                              : "?";
      net.fail(at / f->name(), "enum value " + value + " is not one of " + known);
    }
    net.fail(at, "unknown field number " + std::to_string(number) + " in a " + m.GetDescriptor()->name() +
                     ": not part of network format version 1 (written by another program or version?)");
  }
  std::vector<const gp::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const gp::FieldDescriptor* f : fields) {
    if (f->cpp_type() != gp::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (!f->is_repeated()) {
      reject_unknown_fields(net, r->GetMessage(m, f), at / f->name());
      continue;
    }
    for (int i = 0; i < r->FieldSize(m, f); ++i)
      reject_unknown_fields(net, r->GetRepeatedMessage(m, f, i), at.at(f->name(), i));
  }
}

enum class FileFormat { Text, Binary };

FileFormat format_of(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".pbtxt" || ext == ".txtpb" || ext == ".textproto") return FileFormat::Text;
  if (ext == ".pb" || ext == ".bin") return FileFormat::Binary;
  throw InputError({path.string()}, "",
                   "unknown network file extension '" + ext +
                       "': use .pbtxt/.txtpb/.textproto (text) or .pb/.bin (binary)");
}

LoadedNetwork parse_text(std::shared_ptr<const std::string> text, const std::string& file_label) {
  LoadedNetwork net;
  net.file = file_label;
  net.locations = std::make_unique<gp::TextFormat::ParseInfoTree>();
  CollectFirstError errors;
  gp::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(net.locations.get());
  if (!parser.ParseFromString(*text, &net.message)) syntax_error(*text, file_label, net.message.GetDescriptor(), errors);
  net.text = std::move(text);
  return net;
}

}  // namespace

void parse_text_message(const std::string& text, const std::string& file_label, gp::Message& message) {
  CollectFirstError errors;
  gp::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &message)) syntax_error(text, file_label, message.GetDescriptor(), errors);
}

LoadedNetwork parse_network_text(const std::string& text, const std::string& file_label) {
  return parse_text(std::make_shared<const std::string>(text), file_label);
}

LoadedNetwork load_network_file(const std::filesystem::path& path) {
  const FileFormat format = format_of(path);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError({path.string()}, "", "cannot open network file: it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({path.string()}, "", "cannot open network file: " + std::string(std::strerror(errno)));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw InputError({path.string()}, "", "cannot read network file: " + std::string(std::strerror(errno)));
  if (format == FileFormat::Text)
    return parse_text(std::make_shared<const std::string>(std::move(buffer).str()), path.string());
  LoadedNetwork net;
  net.file = path.string();
  if (!net.message.ParseFromString(buffer.str()))
    throw InputError({path.string()}, "", "not a valid binary ionspike network (protobuf Network message)");
  reject_unknown_fields(net, net.message, FieldPath::root());
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
