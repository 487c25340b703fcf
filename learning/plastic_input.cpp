#include "learning/plastic_input.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "learning/weight_normalisation.hpp"

namespace ionspike {

namespace {

class StdpInput final : public PlasticInput {
 public:
  StdpInput(StdpProjection& projection, std::uint32_t sources, std::uint32_t targets, double stdp_scale)
      : p_(projection), sources_(sources), targets_(targets) {
    if (stdp_scale != 1.0) {
      StdpRule scaled = p_.rule();
      scaled.a2_plus *= stdp_scale;
      scaled.a2_minus *= stdp_scale;
      scaled.a3_plus *= stdp_scale;
      scaled.a3_minus *= stdp_scale;
      p_.set_rule(scaled);
    }
  }
  void normalise(double weight_sum) override { normalise_incoming_weights(p_, targets_, weight_sum); }
  void freeze() override {
    StdpRule frozen = p_.rule();
    frozen.a2_plus = frozen.a2_minus = frozen.a3_plus = frozen.a3_minus = 0.0;
    p_.set_rule(frozen);
  }
  std::vector<double> weight_matrix() override {
    std::vector<double> m(static_cast<std::size_t>(targets_) * sources_, 0.0);
    const auto pre = p_.presynaptic_indices();
    for (std::uint64_t k = 0; k < p_.synapse_count(); ++k)
      m[static_cast<std::size_t>(p_.synapses()[k].post) * sources_ + pre[k]] = p_.weight(k);
    return m;
  }
  double min_weight() const override { return p_.rule().w_min; }
  double max_weight() const override { return p_.rule().w_max; }
  std::uint32_t source_count() const override { return sources_; }
  std::uint32_t target_count() const override { return targets_; }
  std::string describe() const override { return "trace STDP projection '" + p_.name() + "'"; }

 private:
  StdpProjection& p_;
  std::uint32_t sources_, targets_;
};

class EisInput final : public PlasticInput {
 public:
  EisInput(Simulator& sim, std::uint32_t index) : sim_(sim), index_(index) {}
  void normalise(double weight_sum) override {
    sim_.modify_eis_projection(index_, [&](EisProjection& p, const SpikeHistory& pre, const SpikeHistory& post, double) {
      const double gain = p.parameters().weight_per_nS;
      const EisDevice& d = p.parameters().device;
      std::vector<double> g;
      for (std::uint32_t j = 0; j < p.post_size(); ++j) {
        const auto incoming = p.incoming(j);
        g.resize(incoming.size());
        for (std::size_t i = 0; i < incoming.size(); ++i) g[i] = p.conductance(incoming[i].synapse, pre, post);
        scale_to_sum(g, weight_sum / gain, d.g_min_nS(), d.g_max_nS());
        for (std::size_t i = 0; i < incoming.size(); ++i) p.set_conductance(incoming[i].synapse, g[i], pre, post);
      }
    });
  }
  void freeze() override {
    sim_.modify_eis_projection(index_, [](EisProjection& p, const SpikeHistory& pre, const SpikeHistory& post, double) {
      p.set_frozen(true, pre, post);
    });
  }
  std::vector<double> weight_matrix() override {
    std::vector<double> m;
    sim_.modify_eis_projection(index_, [&](EisProjection& p, const SpikeHistory& pre, const SpikeHistory& post, double) {
      m.assign(static_cast<std::size_t>(p.post_size()) * p.pre_size(), 0.0);
      for (std::uint32_t j = 0; j < p.post_size(); ++j)
        for (const auto& in : p.incoming(j))
          m[static_cast<std::size_t>(j) * p.pre_size() + in.pre] =
              p.parameters().weight_per_nS * p.conductance(in.synapse, pre, post);
    });
    return m;
  }
  double min_weight() const override { return gain() * device().g_min_nS(); }
  double max_weight() const override { return gain() * device().g_max_nS(); }
  std::uint32_t source_count() const override { return projection().pre_size(); }
  std::uint32_t target_count() const override { return projection().post_size(); }
  std::string describe() const override {
    return fmt::format("EIS projection '{}' (G in [{}, {}] nS, weight {} per nS)", projection().name(),
                       device().g_min_nS(), device().g_max_nS(), gain());
  }

 private:
  const EisProjection& projection() const { return sim_.network().eis_projections[index_]; }
  const EisDevice& device() const { return projection().parameters().device; }
  double gain() const { return projection().parameters().weight_per_nS; }
  Simulator& sim_;
  std::uint32_t index_;
};

}  // namespace

std::unique_ptr<PlasticInput> find_plastic_input(Simulator& sim, std::uint32_t post_population, double stdp_scale,
                                                 const std::string& network_file) {
  RuntimeNetwork& net = sim.network();
  std::unique_ptr<PlasticInput> found;
  const auto add = [&](std::unique_ptr<PlasticInput> input) {
    if (found)
      throw std::invalid_argument(network_file + ": needs exactly one plastic projection onto the learning "
                                  "population, found " + found->describe() + " and " + input->describe());
    found = std::move(input);
  };
  for (StdpProjection& p : net.stdp_projections)
    if (p.post_population() == post_population)
      add(std::make_unique<StdpInput>(p, net.populations[p.pre_population()]->size(),
                                      net.populations[post_population]->size(), stdp_scale));
  for (std::uint32_t i = 0; i < net.eis_projections.size(); ++i)
    if (net.eis_projections[i].post_population() == post_population) {
      if (stdp_scale != 1.0)
        throw std::invalid_argument(network_file + ": the plastic projection '" + net.eis_projections[i].name() +
                                    "' is EIS: its learning rate is the device's, --stdp-scale must be 1");
      add(std::make_unique<EisInput>(sim, i));
    }
  if (!found)
    throw std::invalid_argument(network_file + ": needs one plastic (stdp or eis) projection onto the learning "
                                "population");
  return found;
}

}  // namespace ionspike
