// NetworkSpec: a network description held as the format's protobuf message, loaded or
// built in code through the message's descriptor (api/field_setter).
#include "ionspike/network_spec.hpp"

#include <stdexcept>
#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/text_format.h>

#include "api/field_setter.hpp"
#include "api/network_spec_impl.hpp"
#include "api/public_errors.hpp"
#include "ionspike/errors.hpp"

namespace ionspike {
namespace {

std::string indexed(const char* list, int index) { return std::string(list) + "[" + std::to_string(index) + "]"; }

api::FieldContext at(const NetworkSpec::Impl& impl, std::string path) { return {impl.loaded.file, std::move(path)}; }

}  // namespace

NetworkSpec::NetworkSpec(std::string label) : impl_(std::make_unique<Impl>()) {
  impl_->loaded.file = std::move(label);
  impl_->loaded.message.set_format_version(1);
}
NetworkSpec::NetworkSpec(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NetworkSpec::~NetworkSpec() = default;
NetworkSpec::NetworkSpec(NetworkSpec&&) noexcept = default;
NetworkSpec& NetworkSpec::operator=(NetworkSpec&&) noexcept = default;

NetworkSpec NetworkSpec::copy() const {
  auto impl = std::make_unique<Impl>();
  impl->loaded.file = impl_->loaded.file;
  impl->loaded.message = impl_->loaded.message;
  return NetworkSpec(std::move(impl));
}

NetworkSpec NetworkSpec::from_file(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->loaded = api::with_public_errors([&] { return load_network_file(path); });
  return NetworkSpec(std::move(impl));
}

NetworkSpec NetworkSpec::from_text(const std::string& text, const std::string& label) {
  auto impl = std::make_unique<Impl>();
  impl->loaded = api::with_public_errors([&] { return parse_network_text(text, label); });
  return NetworkSpec(std::move(impl));
}

NetworkSpec& NetworkSpec::simulation(const Parameters& settings) {
  api::set_fields(*impl_->loaded.message.mutable_simulation(), at(*impl_, "simulation"), settings);
  return *this;
}

namespace {

// Sets parameters of population p (at `path`): the model's own fields first; dt_ms and
// input_timing belong to the population.
void set_population_fields(const NetworkSpec::Impl& impl, pb::Population& p, const std::string& path,
                           const Parameters& parameters) {
  const auto* model_oneof = p.GetDescriptor()->FindOneofByName("model");
  const auto* model_field = p.GetReflection()->GetOneofFieldDescriptor(p, model_oneof);
  if (!model_field)
    throw NetworkError(impl.loaded.file, 0, 0, path + ".model", "the population has no model to set parameters of");
  google::protobuf::Message& m = *p.GetReflection()->MutableMessage(&p, model_field);
  for (const auto& [field, value] : parameters) {
    const std::string head = field.substr(0, field.find('.'));
    const auto* own = p.GetDescriptor()->FindFieldByName(head);
    const bool of_population =
        !api::has_field(m, field) && own && !own->containing_oneof() && head != "name" && head != "size";
    if (of_population)
      api::set_field(p, at(impl, path), field, value);
    else
      api::set_field(m, at(impl, path + "." + model_field->name()), field, value);
  }
}

// Runs `change` on an element of the description; restores the element if it throws.
template <typename Message, typename F>
void changing(Message& element, F&& change) {
  const Message before = element;
  try {
    change();
  } catch (...) {
    element = before;
    throw;
  }
}

}  // namespace

NetworkSpec& NetworkSpec::population(const std::string& name, std::uint64_t size, const std::string& model,
                                     const Parameters& parameters) {
  pb::Network& net = impl_->loaded.message;
  const std::string path = indexed("populations", net.populations_size());
  pb::Population& p = *net.add_populations();
  p.set_name(name);
  p.set_size(size);
  try {
    api::mutable_member(p, at(*impl_, path), "model", model);
    set_population_fields(*impl_, p, path, parameters);
  } catch (...) {
    net.mutable_populations()->RemoveLast();  // the description stays as it was
    throw;
  }
  return *this;
}

NetworkSpec& NetworkSpec::set_population_parameters(const std::string& population, const Parameters& parameters) {
  pb::Network& net = impl_->loaded.message;
  for (int i = 0; i < net.populations_size(); ++i)
    if (net.populations(i).name() == population) {
      pb::Population& p = *net.mutable_populations(i);
      changing(p, [&] { set_population_fields(*impl_, p, indexed("populations", i), parameters); });
      return *this;
    }
  throw UnknownNameError("set_population_parameters: no population named '" + population + "'");
}

NetworkSpec& NetworkSpec::set_projection_parameters(const std::string& projection, const Parameters& parameters) {
  pb::Network& net = impl_->loaded.message;
  for (int i = 0; i < net.projections_size(); ++i)
    if (net.projections(i).name() == projection) {
      pb::Projection& p = *net.mutable_projections(i);
      changing(p, [&] { api::set_fields(p, at(*impl_, indexed("projections", i)), parameters); });
      return *this;
    }
  throw UnknownNameError("set_projection_parameters: no projection named '" + projection + "'");
}

NetworkSpec& NetworkSpec::spike_source_array(const std::string& name, std::uint64_t size,
                                             const std::vector<std::vector<double>>& trains_ms) {
  pb::Population& p = *impl_->loaded.message.add_populations();
  p.set_name(name);
  p.set_size(size);
  auto* source = p.mutable_spike_source_array();
  for (const auto& train : trains_ms) source->add_trains()->mutable_times_ms()->Add(train.begin(), train.end());
  return *this;
}

namespace {

pb::Population& population_named(NetworkSpec::Impl& impl, const std::string& name, const char* call) {
  for (auto& p : *impl.loaded.message.mutable_populations())
    if (p.name() == name) return p;
  throw UnknownNameError(std::string(call) + ": no population named '" + name + "' (add it first)");
}

pb::Projection& add_projection(NetworkSpec::Impl& impl, const std::string& name, const std::string& pre,
                               const std::string& post, const Connector& connector, const Distribution& delay_ms) {
  pb::Network& net = impl.loaded.message;
  const std::string path = indexed("projections", net.projections_size());
  pb::Projection& p = *net.add_projections();
  p.set_name(name);
  p.set_pre(pre);
  p.set_post(post);
  try {
    google::protobuf::Message& c = api::mutable_member(p, at(impl, path), "connector", connector.kind());
    api::set_fields(c, at(impl, path + "." + connector.kind()), connector.parameters());
    api::set_field(p, at(impl, path), "delay_ms", delay_ms);
  } catch (...) {
    net.mutable_projections()->RemoveLast();
    throw;
  }
  return p;
}

// Runs `fill` on the projection just added; removes it again if `fill` throws.
template <typename F>
void completing(NetworkSpec::Impl& impl, F&& fill) {
  try {
    fill(impl.loaded.message.mutable_projections()->at(impl.loaded.message.projections_size() - 1),
         indexed("projections", impl.loaded.message.projections_size() - 1));
  } catch (...) {
    impl.loaded.message.mutable_projections()->RemoveLast();
    throw;
  }
}

}  // namespace

NetworkSpec& NetworkSpec::pre_waveform(const std::string& population, const std::string& preset) {
  population_named(*impl_, population, "pre_waveform").mutable_pre_waveform()->set_preset(preset);
  return *this;
}

NetworkSpec& NetworkSpec::post_waveform(const std::string& population, const std::string& preset) {
  population_named(*impl_, population, "post_waveform").mutable_post_waveform()->set_preset(preset);
  return *this;
}

NetworkSpec& NetworkSpec::projection(const std::string& name, const std::string& pre, const std::string& post,
                                     const Connector& connector, const Weight& weight, const Distribution& delay_ms,
                                     Receptor receptor) {
  add_projection(*impl_, name, pre, post, connector, delay_ms);
  completing(*impl_, [&](pb::Projection& p, const std::string& path) {
    api::set_field(p, at(*impl_, path), weight.field(), weight.value());
    if (receptor == Receptor::inhibitory) p.set_receptor(pb::INHIBITORY);
  });
  return *this;
}

NetworkSpec& NetworkSpec::stdp_projection(const std::string& name, const std::string& pre, const std::string& post,
                                          const Connector& connector, const Weight& initial_weight,
                                          const Distribution& delay_ms, const Parameters& stdp, Receptor receptor) {
  add_projection(*impl_, name, pre, post, connector, delay_ms);
  completing(*impl_, [&](pb::Projection& p, const std::string& path) {
    api::set_field(p, at(*impl_, path), initial_weight.field(), initial_weight.value());
    if (receptor == Receptor::inhibitory) p.set_receptor(pb::INHIBITORY);
    api::set_fields(*p.mutable_stdp(), at(*impl_, path + ".stdp"), stdp);
  });
  return *this;
}

NetworkSpec& NetworkSpec::eis_projection(const std::string& name, const std::string& pre, const std::string& post,
                                         const Connector& connector, const Distribution& delay_ms,
                                         const Parameters& eis) {
  add_projection(*impl_, name, pre, post, connector, delay_ms);
  completing(*impl_, [&](pb::Projection& p, const std::string& path) {
    api::set_fields(*p.mutable_eis(), at(*impl_, path + ".eis"), eis);
  });
  return *this;
}

NetworkSpec& NetworkSpec::add_connections(const std::string& projection, std::span<const std::uint64_t> pre,
                                          std::span<const std::uint64_t> post, std::span<const double> weight,
                                          std::span<const double> delay_ms) {
  pb::Projection* proj = nullptr;
  for (auto& p : *impl_->loaded.message.mutable_projections())
    if (p.name() == projection) proj = &p;
  if (!proj) throw UnknownNameError("connections given for projection '" + projection + "', which the network lacks");
  if (!proj->has_from_list())
    throw std::invalid_argument("connections given for projection '" + projection +
                                "', whose connector is not from_list {}");
  const std::size_t n = pre.size();
  const auto check = [&](std::size_t size, const char* what, bool optional) {
    if (size != n && !(optional && size == 0))
      throw std::invalid_argument("projection '" + projection + "': " + what + " has " + std::to_string(size) +
                                  " entries, pre has " + std::to_string(n));
  };
  check(post.size(), "post", false);
  check(weight.size(), "weight", true);
  check(delay_ms.size(), "delay_ms", true);
  auto* list = proj->mutable_from_list()->mutable_connections();
  list->Reserve(static_cast<int>(list->size() + n));
  for (std::size_t i = 0; i < n; ++i) {
    auto* conn = list->Add();
    conn->set_pre(pre[i]);
    conn->set_post(post[i]);
    if (!weight.empty()) conn->set_weight(weight[i]);
    if (!delay_ms.empty()) conn->set_delay_ms(delay_ms[i]);
  }
  return *this;
}

NetworkSpec& NetworkSpec::current_source(const std::string& name, const std::string& target,
                                         const std::vector<double>& times_ms,
                                         const std::vector<double>& amplitudes_pA,
                                         const std::vector<std::uint64_t>& neurons) {
  pb::CurrentSource& c = *impl_->loaded.message.add_current_sources();
  c.set_name(name);
  c.set_target(target);
  c.mutable_times_ms()->Add(times_ms.begin(), times_ms.end());
  c.mutable_amplitudes_pa()->Add(amplitudes_pA.begin(), amplitudes_pA.end());
  c.mutable_neurons()->Add(neurons.begin(), neurons.end());
  return *this;
}

NetworkSpec& NetworkSpec::neuromodulator(const std::string& name, const std::string& source,
                                         const Parameters& parameters) {
  pb::Network& net = impl_->loaded.message;
  const std::string path = indexed("neuromodulators", net.neuromodulators_size());
  pb::Neuromodulator& m = *net.add_neuromodulators();
  m.set_name(name);
  m.set_source(source);
  try {
    api::set_fields(m, at(*impl_, path), parameters);
  } catch (...) {
    net.mutable_neuromodulators()->RemoveLast();
    throw;
  }
  return *this;
}

NetworkSpec& NetworkSpec::spike_recorder(const std::string& name, const std::vector<std::string>& populations) {
  pb::SpikeRecorder& r = *impl_->loaded.message.add_spike_recorders();
  r.set_name(name);
  for (const auto& p : populations) r.add_populations(p);
  return *this;
}

NetworkSpec& NetworkSpec::state_recorder(const std::string& name, const std::string& population,
                                         const std::string& variable, double interval_ms,
                                         const std::vector<std::uint64_t>& neurons) {
  pb::StateRecorder& r = *impl_->loaded.message.add_state_recorders();
  r.set_name(name);
  r.set_population(population);
  r.set_variable(variable);
  r.set_interval_ms(interval_ms);
  r.mutable_neurons()->Add(neurons.begin(), neurons.end());
  return *this;
}

NetworkSpec& NetworkSpec::conductance_recorder(const std::string& name, const std::string& projection,
                                               double interval_ms, const std::vector<std::uint64_t>& synapses) {
  pb::ConductanceRecorder& r = *impl_->loaded.message.add_conductance_recorders();
  r.set_name(name);
  r.set_projection(projection);
  r.set_interval_ms(interval_ms);
  r.mutable_synapses()->Add(synapses.begin(), synapses.end());
  return *this;
}

const std::string& NetworkSpec::label() const { return impl_->loaded.file; }

std::string NetworkSpec::text() const {
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(impl_->loaded.message, &text))
    throw std::runtime_error("cannot print the network as text");
  return text;
}

std::string NetworkSpec::binary() const {
  std::string bytes;
  if (!impl_->loaded.message.SerializeToString(&bytes)) throw std::runtime_error("cannot serialise the network");
  return bytes;
}

void NetworkSpec::save(const std::string& path) const {
  api::with_public_errors([&] { save_network_file(impl_->loaded.message, path); });
}

}  // namespace ionspike
