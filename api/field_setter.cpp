#include "api/field_setter.hpp"

#include <cmath>
#include <string_view>

#include <google/protobuf/descriptor.h>

#include "ionspike/errors.hpp"
#include "networks/network.pb.h"

namespace ionspike::api {
namespace {

namespace gp = google::protobuf;
namespace pb = ::ionspike::network::v1;

[[noreturn]] void fail(const FieldContext& where, const std::string& field, const std::string& message) {
  throw NetworkError(where.label, 0, 0, where.path.empty() ? field : where.path + "." + field, message);
}

std::string field_names(const gp::Descriptor& d) {
  std::string names;
  for (int i = 0; i < d.field_count(); ++i) names += (i ? ", " : "") + d.field(i)->name();
  return names;
}

const gp::FieldDescriptor* find(const gp::Message& m, const FieldContext& where, const std::string& name,
                                const std::string& shown) {
  const gp::FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  if (!f)
    fail(where, shown, "no such field in " + m.GetDescriptor()->name() + " (fields: " +
                           field_names(*m.GetDescriptor()) + ")");
  return f;
}

const char* kind_name(ParameterValue::Kind k) {
  switch (k) {
    case ParameterValue::Kind::number: return "a number";
    case ParameterValue::Kind::boolean: return "a bool";
    case ParameterValue::Kind::text: return "a string";
    case ParameterValue::Kind::distribution: return "a distribution";
  }
  return "?";
}

void set_distribution(pb::Value& v, const Distribution& d) {
  switch (d.kind()) {
    case Distribution::Kind::constant: v.set_constant(d.constant()); break;
    case Distribution::Kind::uniform:
      v.mutable_uniform()->set_low(d.low());
      v.mutable_uniform()->set_high(d.high());
      break;
    case Distribution::Kind::normal:
      v.mutable_normal()->set_mean(d.mean());
      v.mutable_normal()->set_stddev(d.stddev());
      if (!std::isinf(d.low())) v.mutable_normal()->set_low(d.low());
      if (!std::isinf(d.high())) v.mutable_normal()->set_high(d.high());
      break;
  }
}

// A non-negative whole number no larger than `max`.
std::uint64_t whole_number(const ParameterValue& value, std::uint64_t max, const FieldContext& where,
                           const std::string& shown) {
  if (value.kind() != ParameterValue::Kind::number)
    fail(where, shown, std::string("expects a whole number >= 0, got ") + kind_name(value.kind()));
  if (value.has_whole() && value.whole() <= max) return value.whole();
  const double x = value.number();
  if (!(x >= 0.0 && x <= 9007199254740992.0 && x == std::floor(x) && static_cast<std::uint64_t>(x) <= max))
    fail(where, shown, "expects a whole number in [0, " + std::to_string(max) + "], got " + std::to_string(x));
  return static_cast<std::uint64_t>(x);
}

}  // namespace

bool has_field(const gp::Message& message, const std::string& name) {
  return message.GetDescriptor()->FindFieldByName(name.substr(0, name.find('.'))) != nullptr;
}

void set_field(gp::Message& message, const FieldContext& where, const std::string& name, const ParameterValue& value) {
  gp::Message* m = &message;
  std::string shown;  // path below `where`
  std::string_view rest = name;
  for (;;) {
    const std::size_t dot = rest.find('.');
    const std::string part(rest.substr(0, dot));
    shown += (shown.empty() ? "" : ".") + part;
    const gp::FieldDescriptor* f = find(*m, where, part, shown);
    const gp::Reflection* r = m->GetReflection();
    if (f->is_repeated())
      fail(where, shown, "is a list; a NetworkSpec call sets it (or give the network as text)");
    if (dot != std::string_view::npos) {
      if (f->cpp_type() != gp::FieldDescriptor::CPPTYPE_MESSAGE)
        fail(where, shown, "is not a message; it has no field '" + std::string(rest.substr(dot + 1)) + "'");
      m = r->MutableMessage(m, f);
      rest = rest.substr(dot + 1);
      continue;
    }
    switch (f->cpp_type()) {
      case gp::FieldDescriptor::CPPTYPE_DOUBLE:
      case gp::FieldDescriptor::CPPTYPE_FLOAT:
        if (value.kind() != ParameterValue::Kind::number)
          fail(where, shown, std::string("expects a number, got ") + kind_name(value.kind()));
        if (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_DOUBLE)
          r->SetDouble(m, f, value.number());
        else
          r->SetFloat(m, f, static_cast<float>(value.number()));
        return;
      case gp::FieldDescriptor::CPPTYPE_UINT64:
        r->SetUInt64(m, f, whole_number(value, UINT64_MAX, where, shown));
        return;
      case gp::FieldDescriptor::CPPTYPE_UINT32:
        r->SetUInt32(m, f, static_cast<std::uint32_t>(whole_number(value, UINT32_MAX, where, shown)));
        return;
      case gp::FieldDescriptor::CPPTYPE_INT64:
        r->SetInt64(m, f, static_cast<std::int64_t>(whole_number(value, INT64_MAX, where, shown)));
        return;
      case gp::FieldDescriptor::CPPTYPE_INT32:
        r->SetInt32(m, f, static_cast<std::int32_t>(whole_number(value, INT32_MAX, where, shown)));
        return;
      case gp::FieldDescriptor::CPPTYPE_BOOL:
        if (value.kind() != ParameterValue::Kind::boolean)
          fail(where, shown, std::string("expects a bool, got ") + kind_name(value.kind()));
        r->SetBool(m, f, value.boolean());
        return;
      case gp::FieldDescriptor::CPPTYPE_STRING:
        if (value.kind() != ParameterValue::Kind::text)
          fail(where, shown, std::string("expects a string, got ") + kind_name(value.kind()));
        r->SetString(m, f, value.text());
        return;
      case gp::FieldDescriptor::CPPTYPE_ENUM: {
        const gp::EnumDescriptor* e = f->enum_type();
        const gp::EnumValueDescriptor* v =
            value.kind() == ParameterValue::Kind::text ? e->FindValueByName(value.text()) : nullptr;
        if (!v || (v->number() == 0 && std::string_view(v->name()).ends_with("_UNSPECIFIED"))) {
          std::string names;
          for (int i = 0; i < e->value_count(); ++i)
            if (!std::string_view(e->value(i)->name()).ends_with("_UNSPECIFIED"))
              names += (names.empty() ? "" : ", ") + e->value(i)->name();
          fail(where, shown, "expects one of " + names + ", got " +
                                 (value.kind() == ParameterValue::Kind::text ? "'" + value.text() + "'"
                                                                             : std::string(kind_name(value.kind()))));
        }
        r->SetEnum(m, f, v);
        return;
      }
      case gp::FieldDescriptor::CPPTYPE_MESSAGE:
        if (f->message_type() == pb::Value::descriptor()) {
          if (value.kind() != ParameterValue::Kind::number && value.kind() != ParameterValue::Kind::distribution)
            fail(where, shown, std::string("expects a number or a distribution, got ") + kind_name(value.kind()));
          auto& v = static_cast<pb::Value&>(*r->MutableMessage(m, f));
          v.Clear();
          set_distribution(v, value.distribution());
          return;
        }
        fail(where, shown, "is a message (" + f->message_type()->name() + "); set its fields as '" + shown +
                               ".<field>' (fields: " + field_names(*f->message_type()) + ")");
    }
  }
}

void set_fields(gp::Message& message, const FieldContext& where, const Parameters& parameters) {
  for (const auto& [name, value] : parameters) set_field(message, where, name, value);
}

gp::Message& mutable_member(gp::Message& message, const FieldContext& where, const std::string& oneof,
                            const std::string& field) {
  const gp::OneofDescriptor* o = message.GetDescriptor()->FindOneofByName(oneof);
  const gp::FieldDescriptor* f = message.GetDescriptor()->FindFieldByName(field);
  if (!o || !f || f->containing_oneof() != o || f->cpp_type() != gp::FieldDescriptor::CPPTYPE_MESSAGE) {
    std::string names;
    if (o)
      for (int i = 0; i < o->field_count(); ++i)
        if (o->field(i)->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE)
          names += (names.empty() ? "" : ", ") + o->field(i)->name();
    fail(where, oneof, "unknown " + oneof + " '" + field + "' (allowed: " + names + ")");
  }
  return *message.GetReflection()->MutableMessage(&message, f);
}

}  // namespace ionspike::api
