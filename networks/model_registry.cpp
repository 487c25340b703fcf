#include "networks/model_registry.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "engine/random_stream.hpp"
#include "neurons/lif_delta.hpp"
#include "neurons/grid_population.hpp"
#include "neurons/lif_exp.hpp"
#include "neurons/lif_exp_grid.hpp"
#include "neurons/spike_sources.hpp"
#include "networks/time_driven_models.hpp"
#include "neurons/adex.hpp"
#include "neurons/hh_1952.hpp"
#include "neurons/hh_traub_miles.hpp"
#include "neurons/izhikevich.hpp"
#include "neurons/lif_cond_exp.hpp"
#include "neurons/lif_cond_exp_adaptive.hpp"

namespace ionspike {

namespace {

double draw_value(const pb::Value& v, RandomStream& stream) {
  if (v.kind_case() == pb::Value::kUniform) return stream.uniform(v.uniform().low(), v.uniform().high());
  return stream.truncated_normal(v.normal().mean(), v.normal().stddev(), v.normal().low(), v.normal().high());
}

}  // namespace

std::vector<double> draw_values(const pb::Value& v, std::size_t count, std::uint64_t seed,
                                const std::string& stream_name) {
  std::vector<double> out(count);
  if (v.kind_case() == pb::Value::kConstant) {
    std::fill(out.begin(), out.end(), v.constant());
    return out;
  }
  RandomStream stream(seed, stream_name);
  for (double& x : out) x = draw_value(v, stream);
  return out;
}

std::vector<double> draw_values_at(const pb::Value& v, std::span<const std::uint64_t> at, std::uint64_t count,
                                   std::uint64_t seed, const std::string& stream_name) {
  if (std::adjacent_find(at.begin(), at.end(), std::greater_equal<>()) != at.end() ||
      (!at.empty() && at.back() >= count))
    throw std::logic_error("draw_values_at: the indices must be strictly ascending and below the count");
  if (v.kind_case() == pb::Value::kConstant) return std::vector<double>(at.size(), v.constant());
  RandomStream stream(seed, stream_name);
  std::vector<double> out(at.size());
  for (std::uint64_t i = 0, next = 0; next < at.size(); ++i) {
    const double x = draw_value(v, stream);
    if (i == at[next]) out[next++] = x;
  }
  return out;
}

namespace {

std::vector<double> initial_membrane(const pb::Population& pop, bool has_v_init,
                                     const pb::Value& v_init, double e_l_mV, std::uint64_t seed) {
  if (!has_v_init) return std::vector<double>(pop.size(), e_l_mV);
  return draw_values(v_init, pop.size(), seed, "v_init:" + pop.name());
}

// Shared checks of the integrate-and-fire membrane parameters.
template <class Msg>
void validate_lif_membrane(const Msg& m, const Checker& check, const FieldPath& at) {
  check.positive(at / "tau_m_ms", m.tau_m_ms(), "ms");
  check.positive(at / "c_m_pF", m.c_m_pf(), "pF");
  check.finite(at / "e_l_mV", m.e_l_mv(), "mV");
  check.finite(at / "v_th_mV", m.v_th_mv(), "mV");
  check.finite(at / "v_reset_mV", m.v_reset_mv(), "mV");
  check.in_range(at / "v_reset_mV", m.v_reset_mv(), -std::numeric_limits<double>::infinity(),
                 m.v_th_mv(), "mV (below v_th_mV)", true, true);
  check.non_negative(at / "t_ref_ms", m.t_ref_ms(), "ms");
  check.finite(at / "i_e_pA", m.i_e_pa(), "pA");
  // The membrane is computed with R = tau_m / c_m and V_inf = e_l + R i_e; an overflow there
  // would silently turn every membrane into nan.
  const double r_GOhm = m.tau_m_ms() / m.c_m_pf();
  if (!std::isfinite(r_GOhm))
    check.fail(at / "c_m_pF", fmt::format("tau_m_ms / c_m_pF must be a finite number (GOhm), got {} / {}",
                                          format_number(m.tau_m_ms()), format_number(m.c_m_pf())));
  const double v_inf = m.e_l_mv() + r_GOhm * m.i_e_pa();
  if (!std::isfinite(v_inf))
    check.fail(at / "i_e_pA", fmt::format("e_l_mV + tau_m_ms / c_m_pF * i_e_pA must be a finite number (mV), got {}",
                                          format_number(v_inf)));
  if (m.has_v_init_mv()) check.value(at / "v_init_mV", m.v_init_mv(), "mV");
}

void validate_lif_delta(const pb::Population& pop, const Checker& check, const FieldPath& at) {
  validate_lif_membrane(pop.lif_delta(), check, at / "lif_delta");
}

std::unique_ptr<NeuronPopulation> make_lif_delta(const pb::Population& pop, std::uint32_t id,
                                                 std::uint64_t seed) {
  const pb::LifDelta& m = pop.lif_delta();
  const LifDeltaParameters p{m.tau_m_ms(), m.c_m_pf(), m.e_l_mv(), m.v_th_mv(),
                             m.v_reset_mv(), m.t_ref_ms(), m.i_e_pa()};
  return std::make_unique<LifDeltaPopulation>(
      pop.name(), id, p, initial_membrane(pop, m.has_v_init_mv(), m.v_init_mv(), m.e_l_mv(), seed));
}

void validate_lif_exp(const pb::Population& pop, const Checker& check, const FieldPath& at) {
  const pb::LifExp& m = pop.lif_exp();
  const FieldPath model = at / "lif_exp";
  validate_lif_membrane(m, check, model);
  const std::pair<const char*, double> synaptic_taus[] = {{"tau_syn_ex_ms", m.tau_syn_ex_ms()},
                                                          {"tau_syn_in_ms", m.tau_syn_in_ms()}};
  for (const auto& [field, tau] : synaptic_taus) {
    check.positive(model / field, tau, "ms");
    // The exact crossing search needs distinct time constants (see neurons/lif_exp.hpp).
    if (std::abs(tau - m.tau_m_ms()) < 1e-3 * m.tau_m_ms())
      check.fail(model / field,
                 fmt::format("must differ from tau_m_ms ({}) by at least 0.1 %, got {}",
                             format_number(m.tau_m_ms()), format_number(tau)));
  }
}

std::unique_ptr<NeuronPopulation> make_lif_exp(const pb::Population& pop, std::uint32_t id,
                                               std::uint64_t seed) {
  const pb::LifExp& m = pop.lif_exp();
  const LifExpParameters p{m.tau_m_ms(),   m.c_m_pf(),        m.e_l_mv(),
                           m.v_th_mv(),    m.v_reset_mv(),    m.t_ref_ms(),
                           m.i_e_pa(),     m.tau_syn_ex_ms(), m.tau_syn_in_ms()};
  std::vector<double> v_init = initial_membrane(pop, m.has_v_init_mv(), m.v_init_mv(), m.e_l_mv(), seed);
  if (pop.input_timing() == pb::ON_GRID) {  // clocked, inputs on the grid (neurons/lif_exp_grid.hpp)
    GridPopulation<LifExpGrid>::Columns y;
    y[LifExpGridModel::kIEx].assign(v_init.size(), 0.0);
    y[LifExpGridModel::kIIn].assign(v_init.size(), 0.0);
    y[LifExpGridModel::kV] = std::move(v_init);
    return std::make_unique<GridPopulation<LifExpGrid>>(pop.name(), id, p, pop.dt_ms(), std::move(y));
  }
  return std::make_unique<LifExpPopulation>(pop.name(), id, p, std::move(v_init));
}

void validate_poisson_source(const pb::Population& pop, const Checker& check, const FieldPath& at) {
  const pb::PoissonSource& m = pop.poisson_source();
  const FieldPath model = at / "poisson_source";
  if (!m.has_rate_hz()) check.fail(model / "rate_Hz", "missing: the rate of each train, in Hz");
  check.in_range(model / "rate_Hz", m.rate_hz(), 0.0, 1e6, "Hz");
  check.non_negative(model / "start_ms", m.start_ms(), "ms");
  check.in_range(model / "stop_ms", m.stop_ms(), m.start_ms(),
                 std::numeric_limits<double>::infinity(), "ms (from start_ms)");
}

std::unique_ptr<NeuronPopulation> make_poisson_source(const pb::Population& pop, std::uint32_t id,
                                                      std::uint64_t seed) {
  const pb::PoissonSource& m = pop.poisson_source();
  return std::make_unique<PoissonSourcePopulation>(
      pop.name(), id, static_cast<std::uint32_t>(pop.size()),
      PoissonSourceParameters{m.rate_hz(), m.start_ms(), m.stop_ms()}, seed);
}

void validate_spike_source_array(const pb::Population& pop, const Checker& check,
                                 const FieldPath& at) {
  const pb::SpikeSourceArray& m = pop.spike_source_array();
  const FieldPath model = at / "spike_source_array";
  const auto trains = static_cast<std::uint64_t>(m.trains_size());
  if (trains != 1 && trains != pop.size())
    check.fail(model / "trains", fmt::format("needs 1 train (shared) or one per neuron ({}), got {}",
                                             pop.size(), trains));
  for (int i = 0; i < m.trains_size(); ++i) {
    const auto& times = m.trains(i).times_ms();
    const FieldPath train = model.at("trains", i);
    for (int k = 0; k < times.size(); ++k) {
      const FieldPath t = train.at("times_ms", k);
      check.non_negative(t, times[k], "ms");
      if (k > 0 && !(times[k] > times[k - 1]))
        check.fail(t, fmt::format("spike times must be strictly increasing: {} follows {}",
                                  format_number(times[k]), format_number(times[k - 1])));
    }
  }
}

std::unique_ptr<NeuronPopulation> make_spike_source_array(const pb::Population& pop,
                                                          std::uint32_t id, std::uint64_t) {
  std::vector<std::vector<double>> trains;
  for (const auto& t : pop.spike_source_array().trains())
    trains.emplace_back(t.times_ms().begin(), t.times_ms().end());
  return std::make_unique<SpikeSourceArrayPopulation>(pop.name(), id,
                                                      static_cast<std::uint32_t>(pop.size()), trains);
}

std::vector<std::string> no_variables() { return {}; }

// A time-driven model's entry, from its model struct.
template <class Model>
constexpr NeuronModelEntry time_driven(pb::Population::ModelCase model,
                                       void (*validate)(const pb::Population&, const Checker&, const FieldPath&),
                                       std::unique_ptr<NeuronPopulation> (*make)(const pb::Population&,
                                                                                 std::uint32_t, std::uint64_t),
                                       bool on_grid = false) {
  return {model, Model::kName, Model::kWeightUnit, true, &Model::variables, validate, make, on_grid};
}

const NeuronModelEntry kModels[] = {
    {pb::Population::kLifDelta, "lif_delta", WeightUnit::mV, false, &LifDeltaPopulation::variables,
     &validate_lif_delta, &make_lif_delta},
    {pb::Population::kLifExp, "lif_exp", WeightUnit::pA, false, &LifExpPopulation::variables,
     &validate_lif_exp, &make_lif_exp, true},
    {pb::Population::kPoissonSource, "poisson_source", WeightUnit::None, false, &no_variables,
     &validate_poisson_source, &make_poisson_source},
    {pb::Population::kSpikeSourceArray, "spike_source_array", WeightUnit::None, false, &no_variables,
     &validate_spike_source_array, &make_spike_source_array},
    time_driven<LifCondExpModel>(pb::Population::kLifCondExp, &validate_lif_cond_exp, &make_lif_cond_exp, true),
    time_driven<LifCondExpAdaptiveModel>(pb::Population::kLifCondExpAdaptive, &validate_lif_cond_exp_adaptive,
                                         &make_lif_cond_exp_adaptive),
    time_driven<Hh1952Model>(pb::Population::kHh1952, &validate_hh_1952, &make_hh_1952, true),
    time_driven<HhTraubMilesModel>(pb::Population::kHhTraubMiles, &validate_hh_traub_miles, &make_hh_traub_miles,
                                   true),
    time_driven<AdexModel>(pb::Population::kAdex, &validate_adex, &make_adex),
    time_driven<IzhikevichModel>(pb::Population::kIzhikevich, &validate_izhikevich, &make_izhikevich),
};

}  // namespace

std::span<const NeuronModelEntry> neuron_models() { return kModels; }

std::string_view weight_field(WeightUnit unit) {
  switch (unit) {
    case WeightUnit::mV: return "weight_mV";
    case WeightUnit::pA: return "weight_pA";
    case WeightUnit::nS: return "weight_nS";
    case WeightUnit::None: break;
  }
  throw std::logic_error("weight_field: spike sources take no weight");
}

std::string_view unit_symbol(WeightUnit unit) {
  switch (unit) {
    case WeightUnit::mV: return "mV";
    case WeightUnit::pA: return "pA";
    case WeightUnit::nS: return "nS";
    case WeightUnit::None: break;
  }
  throw std::logic_error("unit_symbol: spike sources take no weight");
}

WeightUnit projection_weight_unit(const pb::Projection& projection) {
  switch (projection.weight_case()) {
    case pb::Projection::kWeightMV: return WeightUnit::mV;
    case pb::Projection::kWeightPA: return WeightUnit::pA;
    case pb::Projection::kWeightNS: return WeightUnit::nS;
    case pb::Projection::WEIGHT_NOT_SET: break;
  }
  return WeightUnit::None;
}

const pb::Value& projection_weight(const pb::Projection& projection) {
  switch (projection.weight_case()) {
    case pb::Projection::kWeightMV: return projection.weight_mv();
    case pb::Projection::kWeightPA: return projection.weight_pa();
    case pb::Projection::kWeightNS: return projection.weight_ns();
    case pb::Projection::WEIGHT_NOT_SET: break;
  }
  throw std::logic_error("projection_weight: the projection sets no weight");
}

const NeuronModelEntry& neuron_model(pb::Population::ModelCase model) {
  for (const NeuronModelEntry& e : kModels)
    if (e.model == model) return e;
  throw std::logic_error("neuron_model: no registered model for this population");
}

bool clocked(const pb::Population& population) {
  return neuron_model(population.model_case()).time_driven || population.input_timing() == pb::ON_GRID;
}

WeightUnit eis_gain_unit(const pb::EisSynapses& eis) {
  switch (eis.gain_case()) {
    case pb::EisSynapses::kWeightMVPerNS: return WeightUnit::mV;
    case pb::EisSynapses::kWeightPAPerNS: return WeightUnit::pA;
    case pb::EisSynapses::kWeightNSPerNS: return WeightUnit::nS;
    case pb::EisSynapses::GAIN_NOT_SET: break;
  }
  return WeightUnit::None;
}

double eis_gain(const pb::EisSynapses& eis) {
  switch (eis.gain_case()) {
    case pb::EisSynapses::kWeightMVPerNS: return eis.weight_mv_per_ns();
    case pb::EisSynapses::kWeightPAPerNS: return eis.weight_pa_per_ns();
    case pb::EisSynapses::kWeightNSPerNS: return eis.weight_ns_per_ns();
    case pb::EisSynapses::GAIN_NOT_SET: break;
  }
  return 0.0;
}

}  // namespace ionspike
