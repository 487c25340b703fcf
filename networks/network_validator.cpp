#include "networks/network_validator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "engine/event.hpp"
#include "networks/checks.hpp"
#include "networks/eis_resolve.hpp"
#include "networks/stdp_resolve.hpp"
#include "synapses/eis_device.hpp"
#include "synapses/waveform.hpp"
#include "networks/memory_estimate.hpp"
#include "networks/model_registry.hpp"

namespace ionspike {
namespace {

// Largest weight magnitude: weights are stored as 32-bit floats.
constexpr double kMaxWeight = std::numeric_limits<float>::max();
// Samples of one state recorder (32-bit sample index in its events).
constexpr std::uint64_t kMaxSamples = 0xFFFFFFFFull;

class NetworkValidator {
 public:
  explicit NetworkValidator(const LoadedNetwork& net) : net_(net), msg_(net.message), check_(net) {}

  void run() {
    const FieldPath root = FieldPath::root();
    if (!msg_.has_format_version())
      check_.fail(root / "format_version",
                  fmt::format("missing: add 'format_version: {}' at the top of the file", kNetworkFormatVersion));
    if (msg_.format_version() != kNetworkFormatVersion)
      check_.fail(root / "format_version", fmt::format("this simulator reads format version {}, got {}",
                                                       kNetworkFormatVersion, msg_.format_version()));
    simulation();
    counts();
    populations();
    neuromodulators();
    for (int j = 0; j < msg_.projections_size(); ++j) projection(j);
    for (int k = 0; k < msg_.current_sources_size(); ++k) current_source(k);
    recorders();
    memory();
  }

 private:
  void simulation() {
    const FieldPath at = FieldPath::root() / "simulation";
    const pb::Simulation& s = msg_.simulation();
    check_.in_range(at / "t_stop_ms", s.t_stop_ms(), 0.0, kMaxTStopMs, "ms", true);
    check_.in_range(at / "min_delay_ms", s.min_delay_ms(), 0.0, 1e6, "ms", true);
    check_.in_range(at / "threads", s.threads(), 1, kMaxThreads, "");
    if (s.output_dir().empty()) check_.fail(at / "output_dir", "must not be empty");
    for (int i = 0; i < s.output_formats_size(); ++i)
      if (s.output_formats(i) == pb::OUTPUT_FORMAT_UNSPECIFIED)
        check_.fail(at.at("output_formats", i), "must be CSV or NPY");
  }

  // Event keys hold 24-bit object ids (engine/event.hpp).
  void counts() const {
    const std::pair<const char*, int> items[] = {{"populations", msg_.populations_size()},
                                                 {"projections", msg_.projections_size()},
                                                 {"current_sources", msg_.current_sources_size()},
                                                 {"state_recorders", msg_.state_recorders_size()}};
    for (const auto& [field, n] : items)
      if (static_cast<std::uint64_t>(n) >= Event::kMaxObjects)
        check_.fail(FieldPath::root().at(field, static_cast<int>(Event::kMaxObjects - 1)),
                    fmt::format("at most {} {} are supported, got {}", Event::kMaxObjects - 1, field, n));
  }

  void populations() {
    if (msg_.populations_size() == 0)
      check_.fail(FieldPath::root() / "populations", "the network has no population");
    for (int i = 0; i < msg_.populations_size(); ++i) {
      const pb::Population& p = msg_.populations(i);
      const FieldPath at = FieldPath::root().at("populations", i);
      check_.name(at / "name", p.name());
      if (!population_index_.emplace(p.name(), i).second)
        check_.fail(at / "name", "duplicate population name '" + p.name() + "'");
      if (!p.has_size() || p.size() < 1 || p.size() > kMaxPopulationSize)
        check_.fail(at / "size", fmt::format("must be in [1, {}] neurons, got {}", kMaxPopulationSize,
                                             p.has_size() ? std::to_string(p.size()) : "nothing"));
      if (p.model_case() == pb::Population::MODEL_NOT_SET)
        check_.fail(at, "no model: set one of " + model_names());
      const NeuronModelEntry& model = neuron_model(p.model_case());
      model.validate(p, check_, at);
      if (p.has_input_timing()) input_timing(p, model, at / "input_timing");
      for (int d = 0; d < p.poisson_inputs_size(); ++d) poisson_input(p, model, at.at("poisson_inputs", d), d);
      if (clocked(p))
        check_.in_range(at / "dt_ms", p.dt_ms(), 1e-4, 100.0, "ms");
      else if (p.has_dt_ms())
        check_.fail(at / "dt_ms", std::string(model.name) +
                                      " is simulated exactly, event by event; dt_ms applies to the time-driven models only" +
                                      (model.on_grid ? " and to input_timing: ON_GRID" : ""));
      if (p.has_pre_waveform()) waveform_ref(at / "pre_waveform", p.pre_waveform(), true);
      if (p.has_post_waveform()) waveform_ref(at / "post_waveform", p.post_waveform(), false);
    }
  }

  // input_timing: EXACT for every time-driven model, ON_GRID for those with a grid kernel
  // (also lif_exp, event-driven in EXACT and clocked in ON_GRID).
  void input_timing(const pb::Population& p, const NeuronModelEntry& model, const FieldPath& at) const {
    std::string grid_models;
    for (const auto& m : neuron_models())
      if (m.on_grid) grid_models += (grid_models.empty() ? "" : ", ") + std::string(m.name);
    if (!model.time_driven && !model.on_grid)
      check_.fail(at, std::string(model.name) + " is simulated exactly, event by event; input_timing applies to the "
                                                "time-driven models and to the event-driven ones with a grid mode (" +
                          grid_models + ")");
    if (p.input_timing() == pb::ON_GRID && !model.on_grid)
      check_.fail(at, fmt::format("ON_GRID is not available for {} (allowed: EXACT; ON_GRID exists for {})",
                                  model.name, grid_models));
    if (p.input_timing() != pb::EXACT && p.input_timing() != pb::ON_GRID)
      check_.fail(at, fmt::format("must be EXACT or ON_GRID{}, got {}",
                                  model.on_grid ? "" : fmt::format(" (ON_GRID only for {})", grid_models),
                                  pb::InputTiming_Name(p.input_timing())));
  }

  // An external Poisson drive (neurons/poisson_input.hpp): ON_GRID populations only, a rate
  // in [0, 1e7] Hz, a weight in the model's unit that fits a 32-bit float.
  void poisson_input(const pb::Population& p, const NeuronModelEntry& model, const FieldPath& at, int d) const {
    if (p.input_timing() != pb::ON_GRID)
      check_.fail(at, fmt::format("poisson_inputs drive input_timing: ON_GRID populations only; '{}' ({}) is {}: "
                                  "use a poisson_source population and a one_to_one projection instead{}",
                                  p.name(), model.name,
                                  p.has_input_timing() ? pb::InputTiming_Name(p.input_timing()) : "simulated exactly",
                                  model.on_grid ? ", or set input_timing: ON_GRID" : ""));
    const pb::PoissonInput& in = p.poisson_inputs(d);
    if (!in.has_rate_hz()) check_.fail(at / "rate_Hz", "missing: the rate of each neuron's Poisson train, in Hz");
    check_.in_range(at / "rate_Hz", in.rate_hz(), 0.0, 1e7, "Hz");
    const std::string expected = std::string(weight_field(model.weight_unit));
    WeightUnit given = WeightUnit::None;
    double w = 0.0;
    switch (in.weight_case()) {
      case pb::PoissonInput::kWeightMV: given = WeightUnit::mV; w = in.weight_mv(); break;
      case pb::PoissonInput::kWeightPA: given = WeightUnit::pA; w = in.weight_pa(); break;
      case pb::PoissonInput::kWeightNS: given = WeightUnit::nS; w = in.weight_ns(); break;
      case pb::PoissonInput::WEIGHT_NOT_SET:
        check_.fail(at / expected, "missing: the weight of each input spike; '" + p.name() + "' is " +
                                       std::string(model.name) + ", give it as " + expected);
    }
    const FieldPath w_at = at / std::string(weight_field(given));
    if (given != model.weight_unit)
      check_.fail(w_at, "wrong unit: '" + p.name() + "' is " + std::string(model.name) + ", which takes " + expected);
    check_.in_range(w_at, w, -kMaxWeight, kMaxWeight, std::string(unit_symbol(given)) + " (a 32-bit float)");
  }

  // Neuromodulators: unique names, a known source, finite non-negative amounts, tau_d > 0.
  void neuromodulators() {
    for (int m = 0; m < msg_.neuromodulators_size(); ++m) {
      const pb::Neuromodulator& nm = msg_.neuromodulators(m);
      const FieldPath at = FieldPath::root().at("neuromodulators", m);
      check_.name(at / "name", nm.name());
      if (!neuromodulator_names_.insert(nm.name()).second)
        check_.fail(at / "name", "duplicate neuromodulator name '" + nm.name() + "'");
      if (!nm.has_source()) check_.fail(at / "source", "missing: the population whose spikes release it");
      population_ref(at / "source", nm.source());
      check_.in_range(at / "release_uM", nm.release_um(), 0.0, 1e6, "uM");
      check_.in_range(at / "tau_d_ms", nm.tau_d_ms(), 0.0, 1e7, "ms", true);
      check_.in_range(at / "baseline_uM", nm.baseline_um(), 0.0, 1e6, "uM");
    }
  }

  static std::string model_names() {
    std::string s;
    for (const auto& m : neuron_models()) s += (s.empty() ? "" : ", ") + std::string(m.name);
    return s;
  }

  // Index of the population a reference names, or an error listing the known names.
  const pb::Population& population_ref(const FieldPath& at, const std::string& name) const {
    const auto it = population_index_.find(name);
    if (it == population_index_.end()) {
      std::string known;
      for (const auto& [n, i] : population_index_) known += (known.empty() ? "" : ", ") + n;
      check_.fail(at, "unknown population '" + name + "' (known: " + known + ")");
    }
    return msg_.populations(it->second);
  }

  void projection(int j) {
    const pb::Projection& pr = msg_.projections(j);
    const FieldPath at = FieldPath::root().at("projections", j);
    check_.name(at / "name", pr.name());
    if (!projection_names_.insert(pr.name()).second)
      check_.fail(at / "name", "duplicate projection name '" + pr.name() + "'");
    const pb::Population& pre = population_ref(at / "pre", pr.pre());
    const pb::Population& post = population_ref(at / "post", pr.post());
    const NeuronModelEntry& target = neuron_model(post.model_case());
    if (target.weight_unit == WeightUnit::None)
      check_.fail(at / "post", "population '" + post.name() + "' is a " + std::string(target.name) +
                                   ", which cannot receive spikes");
    if (pr.has_eis() && pr.has_stdp())
      check_.fail(at / "stdp", "a projection is either EIS (device physics) or STDP (a rule), not both");
    if (pr.has_eis())
      eis_projection(pr, pre, post, target, at);
    else
      static_weight(pr, post, target, at);
    if (pr.has_stdp()) stdp_projection(pr, post, target, at);
    // A time-driven source finds a spike up to one step after its time (neurons/time_driven_population.hpp).
    const double sim_min_delay = msg_.simulation().min_delay_ms();
    const bool clocked_pre = clocked(pre);
    const double min_delay = clocked_pre ? std::max(sim_min_delay, pre.dt_ms()) : sim_min_delay;
    const std::string delay_range =
        clocked_pre ? fmt::format("ms (>= simulation.min_delay_ms and >= dt_ms {} of the time-driven pre '{}')",
                                  format_number(pre.dt_ms()), pre.name())
                    : std::string("ms (>= simulation.min_delay_ms)");
    if (pr.has_delay_ms())
      check_.value(at / "delay_ms", pr.delay_ms(), delay_range, min_delay, 1e9);
    else if (sim_min_delay < min_delay && !every_connection_has_delay(pr))
      check_.fail(at / "delay_ms", fmt::format("missing: the default delay simulation.min_delay_ms ({}) is shorter "
                                               "than dt_ms {} of the time-driven pre '{}'; give delay_ms >= {}",
                                               format_number(sim_min_delay), format_number(pre.dt_ms()), pre.name(),
                                               format_number(pre.dt_ms())));
    connector(pr, pre, post, at, min_delay, delay_range);
  }

  static bool every_connection_has_delay(const pb::Projection& pr) {
    return pr.has_from_list() && std::all_of(pr.from_list().connections().begin(), pr.from_list().connections().end(),
                                             [](const auto& c) { return c.has_delay_ms(); });
  }

  // Synapses keep their weight as a 32-bit float (synapses/static_synapse.hpp): every draw
  // must fit, or it would silently become inf. A normal's draws stay within 40 stddev.
  void float_weight(const FieldPath& w, const pb::Value& v, const std::string& unit) const {
    const std::string range = unit + " (a 32-bit float)";
    switch (v.kind_case()) {
      case pb::Value::kConstant:
        return check_.in_range(w / "constant", v.constant(), -kMaxWeight, kMaxWeight, range);
      case pb::Value::kUniform:
        check_.in_range(w / "uniform" / "low", v.uniform().low(), -kMaxWeight, kMaxWeight, range);
        return check_.in_range(w / "uniform" / "high", v.uniform().high(), -kMaxWeight, kMaxWeight, range);
      case pb::Value::kNormal: {
        const pb::Normal& n = v.normal();
        const double lo = std::max(n.low(), n.mean() - 40.0 * n.stddev());
        const double hi = std::min(n.high(), n.mean() + 40.0 * n.stddev());
        if (lo < -kMaxWeight || hi > kMaxWeight)
          check_.fail(w / "normal", fmt::format("draws must be in [{}, {}] {}, but may reach [{}, {}]: set low and high",
                                                format_number(-kMaxWeight), format_number(kMaxWeight), range,
                                                format_number(lo), format_number(hi)));
        return;
      }
      case pb::Value::KIND_NOT_SET:
        return;
    }
  }

  // Weight of a static projection: present (or given per connection), unit of the target.
  void static_weight(const pb::Projection& pr, const pb::Population& post, const NeuronModelEntry& target,
                     const FieldPath& at) const {
    const std::string expected(weight_field(target.weight_unit));
    const bool has_weight = pr.weight_case() != pb::Projection::WEIGHT_NOT_SET;
    const bool list_has_all_weights =
        pr.has_from_list() &&
        std::all_of(pr.from_list().connections().begin(), pr.from_list().connections().end(),
                    [](const auto& c) { return c.has_weight(); });
    if (!has_weight && !list_has_all_weights)
      check_.fail(at / expected, "missing: the target '" + post.name() + "' is " +
                                     std::string(target.name) + ", give the weight as " + expected);
    if (has_weight) {
      const WeightUnit given = projection_weight_unit(pr);
      const FieldPath w = at / std::string(weight_field(given));
      if (given != target.weight_unit)
        check_.fail(w, "wrong unit: the target '" + post.name() + "' is " + std::string(target.name) +
                           ", which takes " + expected);
      const std::string unit(unit_symbol(given));
      check_.value(w, projection_weight(pr), unit);
      float_weight(w, projection_weight(pr), unit);
    }
  }

  // An STDP projection: time constants, amplitudes, weight bounds in the target's unit, and
  // initial weight magnitudes within the bounds (the receptor gives the sign).
  void stdp_projection(const pb::Projection& pr, const pb::Population& post, const NeuronModelEntry& target,
                       const FieldPath& at) const {
    const FieldPath stdp_at = at / "stdp";
    const pb::StdpSynapses& stdp = pr.stdp();
    for (const auto& [field, tau] : {std::pair{"tau_plus_ms", stdp.tau_plus_ms()},
                                     std::pair{"tau_minus_ms", stdp.tau_minus_ms()},
                                     std::pair{"tau_x_ms", stdp.tau_x_ms()}, std::pair{"tau_y_ms", stdp.tau_y_ms()}})
      check_.in_range(stdp_at / field, tau, 0.0, 1e7, "ms", true);
    for (const auto& [field, a] : {std::pair{"a2_plus", stdp.a2_plus()}, std::pair{"a2_minus", stdp.a2_minus()},
                                   std::pair{"a3_plus", stdp.a3_plus()}, std::pair{"a3_minus", stdp.a3_minus()}})
      check_.in_range(stdp_at / field, a, 0.0, 1.0, "(fraction of w_max per pairing)");
    const std::string unit(unit_symbol(target.weight_unit));
    const std::string expected_max = "w_max_" + unit;
    if (stdp.w_max_case() == pb::StdpSynapses::W_MAX_NOT_SET)
      check_.fail(stdp_at / expected_max, "missing: largest weight magnitude, in " + unit + " (the target '" +
                                              post.name() + "' is " + std::string(target.name) + ")");
    for (const auto& [given, field] : {std::pair{stdp_w_min_unit(stdp), "w_min_"},
                                       std::pair{stdp_w_max_unit(stdp), "w_max_"}})
      if (given != WeightUnit::None && given != target.weight_unit)
        check_.fail(stdp_at / (field + std::string(unit_symbol(given))),
                    "wrong unit: the target '" + post.name() + "' is " + std::string(target.name) + ", which takes " +
                        field + unit);
    const double w_min = stdp_w_min(stdp), w_max = stdp_w_max(stdp);
    check_.in_range(stdp_at / ("w_min_" + unit), w_min, 0.0, kMaxWeight, unit + " (a magnitude)");
    check_.in_range(stdp_at / expected_max, w_max, w_min, kMaxWeight,
                    unit + " (> w_min_" + unit + " = " + format_number(w_min) + ")", true);
    if (stdp.has_dopamine()) {
      const FieldPath da_at = stdp_at / "dopamine";
      known_neuromodulator(da_at / "neuromodulator", stdp.dopamine().neuromodulator());
      check_.in_range(da_at / "tau_c_ms", stdp.dopamine().tau_c_ms(), 0.0, 1e7, "ms", true);
      if (stdp.weight_dependence() != pb::StdpSynapses::ADDITIVE)
        check_.fail(stdp_at / "weight_dependence",
                    "dopamine-modulated STDP needs ADDITIVE (its updates go to the eligibility trace, F = w_max)");
    }
    const std::string bounds = fmt::format("{} (within the STDP bounds [{}, {}]; the receptor gives the sign)", unit,
                                           format_number(w_min), format_number(w_max));
    if (pr.weight_case() != pb::Projection::WEIGHT_NOT_SET)
      check_.value(at / std::string(weight_field(target.weight_unit)), projection_weight(pr), bounds, w_min, w_max);
    if (pr.has_from_list())
      for (int i = 0; i < pr.from_list().connections_size(); ++i)
        if (pr.from_list().connections(i).has_weight())
          check_.in_range((at / "from_list").at("connections", i) / "weight", pr.from_list().connections(i).weight(),
                          w_min, w_max, bounds);
  }

  void known_neuromodulator(const FieldPath& at, const std::string& name) const {
    if (neuromodulator_names_.contains(name)) return;
    std::string known;
    for (const auto& n : neuromodulator_names_) known += (known.empty() ? "" : ", ") + n;
    check_.fail(at, "unknown neuromodulator '" + name + "' (known: " +
                        (known.empty() ? "none; add a neuromodulators { ... } entry" : known) + ")");
  }

  // Dopamine-scaled gate factors of an EIS projection (EisDopamine).
  void eis_dopamine(const pb::EisDopamine& da, const FieldPath& da_at) const {
    known_neuromodulator(da_at / "neuromodulator", da.neuromodulator());
    check_.in_range(da_at / "pre_gain_per_uM", da.pre_gain_per_um(), -1e6, 1e6, "per uM");
    check_.in_range(da_at / "post_gain_per_uM", da.post_gain_per_um(), -1e6, 1e6, "per uM");
    if (da.has_reference_um()) check_.in_range(da_at / "reference_uM", da.reference_um(), 0.0, 1e6, "uM");
    check_.in_range(da_at / "factor_min", da.factor_min(), -100.0, 100.0, "");
    check_.in_range(da_at / "factor_max", da.factor_max(), da.factor_min(), 100.0,
                    "(>= factor_min = " + format_number(da.factor_min()) + ")");
  }

  // An EIS projection: device, initial conductance, gain in the target's unit, waveforms of
  // both populations; the weight is gain * G, so no weight_mV/weight_pA.
  void eis_projection(const pb::Projection& pr, const pb::Population& pre, const pb::Population& post,
                      const NeuronModelEntry& target, const FieldPath& at) const {
    const FieldPath eis_at = at / "eis";
    const pb::EisSynapses& eis = pr.eis();
    if (pr.weight_case() != pb::Projection::WEIGHT_NOT_SET)
      check_.fail(at / std::string(weight_field(projection_weight_unit(pr))),
                  "an EIS projection's weight is gain * G: set eis." + std::string(weight_field(target.weight_unit)) +
                      "_per_nS instead");

    if (pr.has_from_list())
      for (int i = 0; i < pr.from_list().connections_size(); ++i)
        if (pr.from_list().connections(i).has_weight())
          check_.fail((at / "from_list").at("connections", i) / "weight",
                      "an EIS synapse's weight is gain * G; give eis.g_init_nS instead");
    const FieldPath device_at = eis_at / (eis.has_device() ? "device" : "device_preset");
    double g_min = 0.0, g_max = 0.0;
    try {
      const EisDevice device(resolve_device(eis), std::filesystem::path(net_.file).parent_path());
      g_min = device.g_min_nS();
      g_max = device.g_max_nS();
    } catch (const std::invalid_argument& e) {
      check_.fail(device_at, e.what());
    }
    if (!eis.has_g_init_ns()) check_.fail(eis_at / "g_init_nS", "missing: initial conductance of the devices, in nS");
    check_.value(eis_at / "g_init_nS", eis.g_init_ns(), "nS (within the device's bounds)", g_min, g_max);
    const std::string expected = std::string(weight_field(target.weight_unit)) + "_per_nS";
    if (eis.gain_case() == pb::EisSynapses::GAIN_NOT_SET)
      check_.fail(eis_at / expected, "missing: weight per nS of conductance for target '" + post.name() + "' (" +
                                         std::string(target.name) + ")");
    const WeightUnit given = eis_gain_unit(eis);
    const FieldPath gain_at = eis_at / (std::string(weight_field(given)) + "_per_nS");
    if (given != target.weight_unit)
      check_.fail(gain_at, "wrong unit: the target '" + post.name() + "' is " + std::string(target.name) +
                               ", which takes " + expected);
    // The transmitted weight gain * G is stored as a 32-bit float.
    const double gain_limit = kMaxWeight / std::max(1.0, g_max);
    check_.in_range(gain_at, eis_gain(eis), -gain_limit, gain_limit,
                    std::string(unit_symbol(given)) + "/nS (gain * g_max must fit a 32-bit float)");
    check_.in_range(eis_at / "a_pre", eis.a_pre(), -100.0, 100.0, "");
    check_.in_range(eis_at / "a_post", eis.a_post(), -100.0, 100.0, "");
    if (eis.has_dopamine()) eis_dopamine(eis.dopamine(), eis_at / "dopamine");
    if (pr.has_receptor())
      check_.fail(at / "receptor", "an EIS projection acts with the sign of its gain: give a negative "
                                   "eis.weight_*_per_nS for an inhibitory effect, not a receptor");
    const FieldPath pops = FieldPath::root();
    if (!pre.has_pre_waveform())
      check_.fail(pops.at("populations", population_index_.at(pre.name())),
                  "population '" + pre.name() + "' is the source of EIS projection '" + pr.name() +
                      "' and needs a pre_waveform");
    if (!post.has_post_waveform())
      check_.fail(pops.at("populations", population_index_.at(post.name())),
                  "population '" + post.name() + "' is the target of EIS projection '" + pr.name() +
                      "' and needs a post_waveform");
  }

  void waveform_ref(const FieldPath& at, const pb::WaveformRef& ref, bool pre_side) const {
    try {
      const Waveform shape(resolve_waveform(ref, pre_side));
      (void)shape;
    } catch (const std::invalid_argument& e) {
      check_.fail(at / (ref.has_waveform() ? "waveform" : "preset"), e.what());
    }
  }

  void connector(const pb::Projection& pr, const pb::Population& pre, const pb::Population& post,
                 const FieldPath& at, double min_delay, const std::string& delay_range) const {
    const bool same = pr.pre() == pr.post();
    switch (pr.connector_case()) {
      case pb::Projection::kAllToAll:
        return;
      case pb::Projection::kOneToOne:
        if (pre.size() != post.size())
          check_.fail(at / "one_to_one", fmt::format("needs equal sizes, but pre '{}' has {} and post '{}' has {}",
                                                     pre.name(), pre.size(), post.name(), post.size()));
        return;
      case pb::Projection::kFixedProbability: {
        const FieldPath p = at / "fixed_probability" / "p";
        if (!pr.fixed_probability().has_p()) check_.fail(p, "missing: connection probability in [0, 1]");
        check_.in_range(p, pr.fixed_probability().p(), 0.0, 1.0, "");
        return;
      }
      case pb::Projection::kFixedInDegree: {
        const auto& c = pr.fixed_in_degree();
        const FieldPath k = at / "fixed_in_degree" / "k";
        if (!c.has_k()) check_.fail(k, "missing: number of incoming connections per neuron");
        const std::uint64_t eligible = pre.size() - ((same && !c.allow_autapses()) ? 1 : 0);
        if (c.k() > 1'000'000'000ull) check_.fail(k, fmt::format("must be in [0, 1e9], got {}", c.k()));
        if (c.k() > 0 && eligible == 0)
          check_.fail(k, "no presynaptic neuron is eligible (autapses excluded in a population of 1)");
        if (!c.allow_multapses() && c.k() > eligible)
          check_.fail(k, fmt::format("must be in [0, {}] without multapses (pre '{}' has {} neurons{}), got {}",
                                     eligible, pre.name(), pre.size(),
                                     same && !c.allow_autapses() ? ", autapses excluded" : "", c.k()));
        return;
      }
      case pb::Projection::kFromList: {
        const auto& list = pr.from_list();
        for (int i = 0; i < list.connections_size(); ++i) {
          const auto& c = list.connections(i);
          const FieldPath ci = (at / "from_list").at("connections", i);
          if (!c.has_pre() || c.pre() >= pre.size())
            check_.fail(ci / "pre", fmt::format("must be a neuron index in [0, {}] of '{}', got {}", pre.size() - 1,
                                                pre.name(), c.has_pre() ? std::to_string(c.pre()) : "nothing"));
          if (!c.has_post() || c.post() >= post.size())
            check_.fail(ci / "post", fmt::format("must be a neuron index in [0, {}] of '{}', got {}", post.size() - 1,
                                                 post.name(), c.has_post() ? std::to_string(c.post()) : "nothing"));
          if (c.has_weight())
            check_.in_range(ci / "weight", c.weight(), -kMaxWeight, kMaxWeight,
                            std::string(unit_symbol(neuron_model(post.model_case()).weight_unit)) +
                                " (a 32-bit float)");
          if (c.has_delay_ms()) check_.in_range(ci / "delay_ms", c.delay_ms(), min_delay, 1e9, delay_range);
        }
        return;
      }
      case pb::Projection::CONNECTOR_NOT_SET:
        check_.fail(at, "no connector: set one of all_to_all, one_to_one, fixed_probability, "
                        "fixed_in_degree, from_list");
    }
  }

  struct LifMembrane {
    double e_l_mV, r_GOhm, i_e_pA;
  };
  static std::optional<LifMembrane> lif_membrane(const pb::Population& p) {
    if (p.has_lif_delta())
      return LifMembrane{p.lif_delta().e_l_mv(), p.lif_delta().tau_m_ms() / p.lif_delta().c_m_pf(), p.lif_delta().i_e_pa()};
    if (p.has_lif_exp())
      return LifMembrane{p.lif_exp().e_l_mv(), p.lif_exp().tau_m_ms() / p.lif_exp().c_m_pf(), p.lif_exp().i_e_pa()};
    return std::nullopt;
  }

  void current_source(int k) {
    const pb::CurrentSource& cs = msg_.current_sources(k);
    const FieldPath at = FieldPath::root().at("current_sources", k);
    check_.name(at / "name", cs.name());
    if (!current_source_names_.insert(cs.name()).second)
      check_.fail(at / "name", "duplicate current source name '" + cs.name() + "'");
    const pb::Population& target = population_ref(at / "target", cs.target());
    if (neuron_model(target.model_case()).weight_unit == WeightUnit::None)
      check_.fail(at / "target", "population '" + target.name() + "' is a spike source and takes no current");
    std::map<std::uint64_t, int> first_of;  // a neuron listed twice would get the current twice
    for (int i = 0; i < cs.neurons_size(); ++i) {
      if (cs.neurons(i) >= target.size())
        check_.fail(at.at("neurons", i), fmt::format("must be a neuron index in [0, {}] of '{}', got {}",
                                                     target.size() - 1, target.name(), cs.neurons(i)));
      const auto [it, fresh] = first_of.emplace(cs.neurons(i), i);
      if (!fresh)
        check_.fail(at.at("neurons", i), fmt::format("duplicate neuron index {} (also neurons[{}])",
                                                     cs.neurons(i), it->second));
    }
    if (cs.times_ms_size() == 0) check_.fail(at / "times_ms", "needs at least one step time");
    if (cs.times_ms_size() != cs.amplitudes_pa_size())
      check_.fail(at / "amplitudes_pA", fmt::format("needs one amplitude per step time ({}), got {}",
                                                    cs.times_ms_size(), cs.amplitudes_pa_size()));
    for (int i = 0; i < cs.times_ms_size(); ++i) {
      check_.non_negative(at.at("times_ms", i), cs.times_ms(i), "ms");
      if (i > 0 && !(cs.times_ms(i) > cs.times_ms(i - 1)))
        check_.fail(at.at("times_ms", i), "step times must be strictly increasing");
      check_.finite(at.at("amplitudes_pA", i), cs.amplitudes_pa(i), "pA");
      // The target's V_inf = e_l + R (i_e + amplitude) must stay a number (see model_registry).
      if (const auto m = lif_membrane(target)) {
        const double v_inf = m->e_l_mV + m->r_GOhm * (m->i_e_pA + cs.amplitudes_pa(i));
        if (!std::isfinite(v_inf))
          check_.fail(at.at("amplitudes_pA", i),
                      fmt::format("must keep the resting potential of '{}', e_l_mV + tau_m_ms / c_m_pF * (i_e_pA + "
                                  "amplitude), a finite number (mV); got {} pA, which makes it {}",
                                  target.name(), format_number(cs.amplitudes_pa(i)), format_number(v_inf)));
      }
    }
  }

  void recorders() {
    std::set<std::string> names;
    for (int r = 0; r < msg_.spike_recorders_size(); ++r) {
      const auto& rec = msg_.spike_recorders(r);
      const FieldPath at = FieldPath::root().at("spike_recorders", r);
      recorder_name(at / "name", rec.name(), names);
      for (int i = 0; i < rec.populations_size(); ++i) population_ref(at.at("populations", i), rec.populations(i));
    }
    for (int r = 0; r < msg_.state_recorders_size(); ++r) {
      const auto& rec = msg_.state_recorders(r);
      const FieldPath at = FieldPath::root().at("state_recorders", r);
      recorder_name(at / "name", rec.name(), names);
      const pb::Population& pop = population_ref(at / "population", rec.population());
      const auto variables = neuron_model(pop.model_case()).state_variables();
      if (std::find(variables.begin(), variables.end(), rec.variable()) == variables.end()) {
        std::string known;
        for (const auto& v : variables) known += (known.empty() ? "" : ", ") + v;
        check_.fail(at / "variable", "'" + rec.variable() + "' is not a state variable of " +
                                         pop.name() + " (" + (known.empty() ? "it has none" : known) + ")");
      }
      for (int i = 0; i < rec.neurons_size(); ++i)
        if (rec.neurons(i) >= pop.size())
          check_.fail(at.at("neurons", i), fmt::format("must be a neuron index in [0, {}] of '{}', got {}",
                                                       pop.size() - 1, pop.name(), rec.neurons(i)));
      sample_interval(at / "interval_ms", rec.interval_ms());
    }
    for (int r = 0; r < msg_.conductance_recorders_size(); ++r) {
      const auto& rec = msg_.conductance_recorders(r);
      const FieldPath at = FieldPath::root().at("conductance_recorders", r);
      recorder_name(at / "name", rec.name(), names);
      const auto it = std::find_if(msg_.projections().begin(), msg_.projections().end(),
                                   [&](const pb::Projection& p) { return p.name() == rec.projection(); });
      if (it == msg_.projections().end() || !it->has_eis())
        check_.fail(at / "projection", "'" + rec.projection() + "' is not an EIS projection of this network");
      // Synapse indices are checked when the synapses exist (network_builder).
      sample_interval(at / "interval_ms", rec.interval_ms());
    }
  }

  // Recorder names become file names: valid and unique across every kind of recorder.
  void recorder_name(const FieldPath& at, const std::string& name, std::set<std::string>& names) const {
    check_.name(at, name);
    if (!names.insert(name).second) check_.fail(at, "duplicate recorder name '" + name + "' (names become file names)");
  }

  // Sample indices are 32-bit: at most kMaxSamples samples in [0, t_stop_ms].
  void sample_interval(const FieldPath& at, double interval_ms) const {
    check_.in_range(at, interval_ms, 1e-6, 1e9, "ms");
    const double t_stop = msg_.simulation().t_stop_ms();
    if (t_stop / interval_ms > static_cast<double>(kMaxSamples - 1))
      check_.fail(at, fmt::format("must be in [{}, 1e+09] ms for t_stop_ms {} (at most {} samples), got {}",
                                  format_number(t_stop / static_cast<double>(kMaxSamples - 1)), format_number(t_stop),
                                  kMaxSamples, format_number(interval_ms)));
  }

  void memory() const {
    const MemoryEstimate est = estimate_memory(msg_);
    const double available = static_cast<double>(available_memory_bytes());
    if (est.total_bytes > 0.9 * available) {
      const FieldPath at = est.largest_field.empty()
                               ? FieldPath::root()
                               : FieldPath::root().at(est.largest_field, est.largest_index);
      check_.fail(at, fmt::format("the network needs an estimated {:.1f} GiB ({:.3g} synapses; this item "
                                  "alone {:.1f} GiB), more than 90 % of the {:.1f} GiB available",
                                  est.total_bytes / 1073741824.0, est.synapses,
                                  est.largest_bytes / 1073741824.0, available / 1073741824.0));
    }
  }

  const LoadedNetwork& net_;
  const pb::Network& msg_;
  Checker check_;
  std::map<std::string, int> population_index_;
  std::set<std::string> projection_names_;
  std::set<std::string> neuromodulator_names_;
  std::set<std::string> current_source_names_;
};

}  // namespace

void validate_network(const LoadedNetwork& network) { NetworkValidator(network).run(); }

}  // namespace ionspike
