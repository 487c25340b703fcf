#include "networks/time_driven_models.hpp"

#include <cmath>
#include <string>
#include <type_traits>

#include <fmt/format.h>

#include "networks/model_registry.hpp"
#include "neurons/adex.hpp"
#include "neurons/hh_1952.hpp"
#include "neurons/grid_population.hpp"
#include "neurons/hh_traub_miles.hpp"
#include "neurons/hodgkin_huxley_grid.hpp"
#include "neurons/izhikevich.hpp"
#include "neurons/lif_cond_exp.hpp"
#include "neurons/lif_cond_exp_adaptive.hpp"
#include "neurons/lif_cond_exp_grid.hpp"
#include "neurons/time_driven_population.hpp"

namespace ionspike {
namespace {

// Column of initial values: a Value drawn from stream "<what>:<population>", or a constant.
std::vector<double> initial_column(const pb::Population& pop, bool has_value, const pb::Value& value,
                                   double fallback, std::uint64_t seed, const std::string& what) {
  if (!has_value) return std::vector<double>(pop.size(), fallback);
  return draw_values(value, pop.size(), seed, what + ":" + pop.name());
}

// ---- exponential conductances (shared) ----

void validate_conductances(const pb::ExpConductances& s, const Checker& check, const FieldPath& at) {
  check.positive(at / "tau_ex_ms", s.tau_ex_ms(), "ms");
  check.positive(at / "tau_in_ms", s.tau_in_ms(), "ms");
  check.finite(at / "e_ex_mV", s.e_ex_mv(), "mV");
  check.finite(at / "e_in_mV", s.e_in_mv(), "mV");
  // Initial conductances may be negative: Brette et al.'s benchmark initialisation draws them
  // from normals that reach below 0, and the benchmarks are reproduced as published.
  if (s.has_g_ex_init_ns()) check.value(at / "g_ex_init_nS", s.g_ex_init_ns(), "nS");
  if (s.has_g_in_init_ns()) check.value(at / "g_in_init_nS", s.g_in_init_ns(), "nS");
}

ExpConductanceParameters conductance_parameters(const pb::ExpConductances& s) {
  return {s.tau_ex_ms(), s.tau_in_ms(), s.e_ex_mv(), s.e_in_mv()};
}

template <class Columns>
void initial_conductances(Columns& y, std::size_t g_ex, std::size_t g_in, const pb::Population& pop,
                          const pb::ExpConductances& s, std::uint64_t seed) {
  y[g_ex] = initial_column(pop, s.has_g_ex_init_ns(), s.g_ex_init_ns(), 0.0, seed, "g_ex_init");
  y[g_in] = initial_column(pop, s.has_g_in_init_ns(), s.g_in_init_ns(), 0.0, seed, "g_in_init");
}

// The population of a time-driven model: exact input timing (TimeDrivenPopulation), or the
// grid kernel's GridPopulation for `input_timing: ON_GRID` (validated: only models with one).
template <class Model, class GridKernel = void>
std::unique_ptr<NeuronPopulation> make_population(const pb::Population& pop, std::uint32_t id,
                                                  const typename Model::Parameters& p,
                                                  typename TimeDrivenPopulation<Model>::Columns columns) {
  if constexpr (!std::is_void_v<GridKernel>) {
    static_assert(std::is_same_v<typename GridKernel::Model, Model>);
    if (pop.input_timing() == pb::ON_GRID)
      return std::make_unique<GridPopulation<GridKernel>>(pop.name(), id, p, pop.dt_ms(), std::move(columns));
  }
  return std::make_unique<TimeDrivenPopulation<Model>>(pop.name(), id, p, pop.dt_ms(), std::move(columns));
}

}  // namespace

// ---- lif_cond_exp, lif_cond_exp_adaptive ----

namespace {

// The conductance-based LIF membrane fields both messages share (LifCondExp, LifCondExpAdaptive).
template <class Msg>
void validate_cond_lif_membrane(const Msg& m, const Checker& check, const FieldPath& model) {
  check.positive(model / "c_m_pF", m.c_m_pf(), "pF");
  check.non_negative(model / "g_l_nS", m.g_l_ns(), "nS");
  check.finite(model / "e_l_mV", m.e_l_mv(), "mV");
  check.finite(model / "v_th_mV", m.v_th_mv(), "mV");
  check.in_range(model / "v_reset_mV", m.v_reset_mv(), -std::numeric_limits<double>::infinity(), m.v_th_mv(),
                 "mV (below v_th_mV)", true, true);
  check.non_negative(model / "t_ref_ms", m.t_ref_ms(), "ms");
  check.finite(model / "i_e_pA", m.i_e_pa(), "pA");
  validate_conductances(m.synapses(), check, model / "synapses");
  if (m.has_v_init_mv()) check.value(model / "v_init_mV", m.v_init_mv(), "mV");
}

}  // namespace

// The conductance-based LIF membrane and synapses of LifCondExp or LifCondExpAdaptive.
template <class Msg>
LifCondExpModel::Parameters cond_lif_parameters(const Msg& m) {
  return {m.c_m_pf(), m.g_l_ns(),   m.e_l_mv(), m.v_th_mv(), m.v_reset_mv(),
          m.t_ref_ms(), m.i_e_pa(), conductance_parameters(m.synapses())};
}

void validate_lif_cond_exp(const pb::Population& pop, const Checker& check, const FieldPath& at) {
  validate_cond_lif_membrane(pop.lif_cond_exp(), check, at / "lif_cond_exp");
}

std::unique_ptr<NeuronPopulation> make_lif_cond_exp(const pb::Population& pop, std::uint32_t id,
                                                    std::uint64_t seed) {
  using M = LifCondExpModel;
  const pb::LifCondExp& m = pop.lif_cond_exp();
  const M::Parameters p = cond_lif_parameters(m);
  TimeDrivenPopulation<M>::Columns y;
  y[M::kV] = initial_column(pop, m.has_v_init_mv(), m.v_init_mv(), m.e_l_mv(), seed, "v_init");
  initial_conductances(y, M::kGEx, M::kGIn, pop, m.synapses(), seed);
  return make_population<M, LifCondExpGrid>(pop, id, p, std::move(y));
}

void validate_lif_cond_exp_adaptive(const pb::Population& pop, const Checker& check, const FieldPath& at) {
  const pb::LifCondExpAdaptive& m = pop.lif_cond_exp_adaptive();
  const FieldPath model = at / "lif_cond_exp_adaptive";
  validate_cond_lif_membrane(m, check, model);
  check.positive(model / "tau_theta_ms", m.tau_theta_ms(), "ms");
  check.non_negative(model / "theta_plus_mV", m.theta_plus_mv(), "mV");
  if (m.has_theta_init_mv()) check.value(model / "theta_init_mV", m.theta_init_mv(), "mV", 0.0);
}

std::unique_ptr<NeuronPopulation> make_lif_cond_exp_adaptive(const pb::Population& pop, std::uint32_t id,
                                                             std::uint64_t seed) {
  using M = LifCondExpAdaptiveModel;
  const pb::LifCondExpAdaptive& m = pop.lif_cond_exp_adaptive();
  const M::Parameters p{cond_lif_parameters(m), m.tau_theta_ms(), m.theta_plus_mv()};
  LifCondExpAdaptivePopulation::Columns y;
  y[M::kV] = initial_column(pop, m.has_v_init_mv(), m.v_init_mv(), m.e_l_mv(), seed, "v_init");
  y[M::kTheta] = initial_column(pop, m.has_theta_init_mv(), m.theta_init_mv(), 0.0, seed, "theta_init");
  initial_conductances(y, M::kGEx, M::kGIn, pop, m.synapses(), seed);
  return std::make_unique<LifCondExpAdaptivePopulation>(pop.name(), id, p, pop.dt_ms(), std::move(y));
}

// ---- Hodgkin-Huxley (hh_1952, hh_traub_miles) ----

namespace {

// The membrane a model uses when a field is unset.
struct HhDefaults {
  double area_um2, g_na_mS_per_cm2, g_k_mS_per_cm2, g_l_mS_per_cm2, e_k_mV, e_l_mV, threshold_mV, t_ref_ms,
      v_init_mV;
};
constexpr HhDefaults kHh1952Defaults{10000.0, 120.0, 36.0, 0.3, -77.0, -54.387, 0.0, 2.0, -65.0};
constexpr HhDefaults kTraubMilesDefaults{20000.0, 100.0, 30.0, 0.05, -90.0, -60.0, -20.0, 3.0, -60.0};

HhMembrane hh_membrane(const pb::HhMembrane& m, const HhDefaults& d) {
  const auto value = [](bool has, double v, double fallback) { return has ? v : fallback; };
  // Densities on the area: uF/cm^2 * um^2 * 1e-8 cm^2/um^2 * 1e6 pF/uF = 0.01 pF per (uF/cm^2 um^2);
  // likewise mS/cm^2 * um^2 -> 0.01 nS.
  const double area_um2 = value(m.has_area_um2(), m.area_um2(), d.area_um2);
  const double to_absolute = 0.01 * area_um2;
  HhMembrane h;
  h.c_m_pF = m.c_m_uf_per_cm2() * to_absolute;
  h.g_na_nS = value(m.has_g_na_ms_per_cm2(), m.g_na_ms_per_cm2(), d.g_na_mS_per_cm2) * to_absolute;
  h.g_k_nS = value(m.has_g_k_ms_per_cm2(), m.g_k_ms_per_cm2(), d.g_k_mS_per_cm2) * to_absolute;
  h.g_l_nS = value(m.has_g_l_ms_per_cm2(), m.g_l_ms_per_cm2(), d.g_l_mS_per_cm2) * to_absolute;
  h.e_na_mV = m.e_na_mv();
  h.e_k_mV = value(m.has_e_k_mv(), m.e_k_mv(), d.e_k_mV);
  h.e_l_mV = value(m.has_e_l_mv(), m.e_l_mv(), d.e_l_mV);
  h.i_e_pA = m.i_e_pa();
  h.threshold_mV = value(m.has_threshold_mv(), m.threshold_mv(), d.threshold_mV);
  h.t_ref_ms = value(m.has_t_ref_ms(), m.t_ref_ms(), d.t_ref_ms);
  return h;
}

void validate_hh_membrane(const pb::HhMembrane& m, const Checker& check, const FieldPath& at) {
  if (m.has_area_um2()) check.in_range(at / "area_um2", m.area_um2(), 0.0, 1e12, "um^2", true);
  check.positive(at / "c_m_uF_per_cm2", m.c_m_uf_per_cm2(), "uF/cm^2");
  check.non_negative(at / "g_na_mS_per_cm2", m.g_na_ms_per_cm2(), "mS/cm^2");
  check.non_negative(at / "g_k_mS_per_cm2", m.g_k_ms_per_cm2(), "mS/cm^2");
  check.non_negative(at / "g_l_mS_per_cm2", m.g_l_ms_per_cm2(), "mS/cm^2");
  check.finite(at / "e_na_mV", m.e_na_mv(), "mV");
  check.finite(at / "e_k_mV", m.e_k_mv(), "mV");
  check.finite(at / "e_l_mV", m.e_l_mv(), "mV");
  check.finite(at / "i_e_pA", m.i_e_pa(), "pA");
  check.finite(at / "threshold_mV", m.threshold_mv(), "mV");
  check.non_negative(at / "t_ref_ms", m.t_ref_ms(), "ms");
  if (m.has_v_init_mv()) check.value(at / "v_init_mV", m.v_init_mv(), "mV");
  if (m.has_m_init()) check.value(at / "m_init", m.m_init(), "", 0.0, 1.0);
  if (m.has_h_init()) check.value(at / "h_init", m.h_init(), "", 0.0, 1.0);
  if (m.has_n_init()) check.value(at / "n_init", m.n_init(), "", 0.0, 1.0);
}

template <class Model, class GridKernel>
std::unique_ptr<NeuronPopulation> make_hh(const pb::Population& pop, std::uint32_t id, std::uint64_t seed,
                                          const pb::HhMembrane& m, const pb::ExpConductances& s,
                                          const typename Model::Parameters& p, double v_init_default_mV) {
  typename TimeDrivenPopulation<Model>::Columns y;
  y[Model::kV] = initial_column(pop, m.has_v_init_mv(), m.v_init_mv(), v_init_default_mV, seed, "v_init");
  const bool has[3] = {m.has_m_init(), m.has_h_init(), m.has_n_init()};
  const pb::Value* values[3] = {&m.m_init(), &m.h_init(), &m.n_init()};
  const char* names[3] = {"m_init", "h_init", "n_init"};
  const std::size_t index[3] = {Model::kM, Model::kH, Model::kN};
  for (int g = 0; g < 3; ++g) {
    if (has[g]) {
      y[index[g]] = draw_values(*values[g], pop.size(), seed, std::string(names[g]) + ":" + pop.name());
    } else {
      y[index[g]].resize(pop.size());
      for (std::size_t n = 0; n < pop.size(); ++n) y[index[g]][n] = Model::steady_gates(p, y[Model::kV][n])[g];
    }
  }
  initial_conductances(y, Model::kGEx, Model::kGIn, pop, s, seed);
  return make_population<Model, GridKernel>(pop, id, p, std::move(y));
}

}  // namespace

void validate_hh_1952(const pb::Population& pop, const Checker& check, const FieldPath& at) {
  const FieldPath model = at / "hh_1952";
  validate_hh_membrane(pop.hh_1952().membrane(), check, model / "membrane");
  validate_conductances(pop.hh_1952().synapses(), check, model / "synapses");
}

std::unique_ptr<NeuronPopulation> make_hh_1952(const pb::Population& pop, std::uint32_t id, std::uint64_t seed) {
  const pb::HodgkinHuxley1952& m = pop.hh_1952();
  const Hh1952Model::Parameters p{hh_membrane(m.membrane(), kHh1952Defaults), {},
                                  conductance_parameters(m.synapses()), Hh1952Model::make_rate_table({})};
  return make_hh<Hh1952Model, HodgkinHuxleyGrid<Hh1952Kinetics>>(pop, id, seed, m.membrane(), m.synapses(), p, kHh1952Defaults.v_init_mV);
}

void validate_hh_traub_miles(const pb::Population& pop, const Checker& check, const FieldPath& at) {
  const FieldPath model = at / "hh_traub_miles";
  validate_hh_membrane(pop.hh_traub_miles().membrane(), check, model / "membrane");
  validate_conductances(pop.hh_traub_miles().synapses(), check, model / "synapses");
  check.finite(model / "v_t_mV", pop.hh_traub_miles().v_t_mv(), "mV");
}

std::unique_ptr<NeuronPopulation> make_hh_traub_miles(const pb::Population& pop, std::uint32_t id,
                                                      std::uint64_t seed) {
  const pb::HhTraubMiles& m = pop.hh_traub_miles();
  const HhMembrane membrane = hh_membrane(m.membrane(), kTraubMilesDefaults);
  const HhTraubMilesKinetics::Parameters kinetics{m.v_t_mv()};
  const HhTraubMilesModel::Parameters p{membrane, kinetics, conductance_parameters(m.synapses()),
                                        HhTraubMilesModel::make_rate_table(kinetics)};
  return make_hh<HhTraubMilesModel, HodgkinHuxleyGrid<HhTraubMilesKinetics>>(pop, id, seed, m.membrane(), m.synapses(), p, membrane.e_l_mV);
}

// ---- adex ----

void validate_adex(const pb::Population& pop, const Checker& check, const FieldPath& at) {
  const pb::Adex& m = pop.adex();
  const FieldPath model = at / "adex";
  check.positive(model / "c_m_pF", m.c_m_pf(), "pF");
  check.non_negative(model / "g_l_nS", m.g_l_ns(), "nS");
  check.finite(model / "e_l_mV", m.e_l_mv(), "mV");
  check.finite(model / "v_t_mV", m.v_t_mv(), "mV");
  check.in_range(model / "delta_t_mV", m.delta_t_mv(), 0.0, 1e3, "mV", true);
  check.finite(model / "a_nS", m.a_ns(), "nS");
  check.finite(model / "b_pA", m.b_pa(), "pA");
  check.positive(model / "tau_w_ms", m.tau_w_ms(), "ms");
  check.finite(model / "v_peak_mV", m.v_peak_mv(), "mV");
  check.in_range(model / "v_reset_mV", m.v_reset_mv(), -std::numeric_limits<double>::infinity(), m.v_peak_mv(),
                 "mV (below v_peak_mV)", true, true);
  check.non_negative(model / "t_ref_ms", m.t_ref_ms(), "ms");
  check.finite(model / "i_e_pA", m.i_e_pa(), "pA");
  validate_conductances(m.synapses(), check, model / "synapses");
  if (m.has_v_init_mv()) check.value(model / "v_init_mV", m.v_init_mv(), "mV");
  if (m.has_w_init_pa()) check.value(model / "w_init_pA", m.w_init_pa(), "pA");
}

std::unique_ptr<NeuronPopulation> make_adex(const pb::Population& pop, std::uint32_t id, std::uint64_t seed) {
  using M = AdexModel;
  const pb::Adex& m = pop.adex();
  const M::Parameters p{m.c_m_pf(),     m.g_l_ns(),     m.e_l_mv(),   m.v_t_mv(),  m.delta_t_mv(),
                        m.a_ns(),       m.b_pa(),       m.tau_w_ms(), m.v_reset_mv(), m.v_peak_mv(),
                        m.t_ref_ms(),   m.i_e_pa(),     conductance_parameters(m.synapses())};
  TimeDrivenPopulation<M>::Columns y;
  y[M::kV] = initial_column(pop, m.has_v_init_mv(), m.v_init_mv(), m.e_l_mv(), seed, "v_init");
  y[M::kW] = initial_column(pop, m.has_w_init_pa(), m.w_init_pa(), 0.0, seed, "w_init");
  initial_conductances(y, M::kGEx, M::kGIn, pop, m.synapses(), seed);
  return make_population<M>(pop, id, p, std::move(y));
}

// ---- izhikevich ----

void validate_izhikevich(const pb::Population& pop, const Checker& check, const FieldPath& at) {
  const pb::Izhikevich& m = pop.izhikevich();
  const FieldPath model = at / "izhikevich";
  check.non_negative(model / "a_per_ms", m.a_per_ms(), "1/ms (a recovery rate)");
  check.finite(model / "b_per_ms", m.b_per_ms(), "1/ms");
  check.finite(model / "v_peak_mV", m.v_peak_mv(), "mV");
  check.in_range(model / "c_mV", m.c_mv(), -std::numeric_limits<double>::infinity(), m.v_peak_mv(),
                 "mV (below v_peak_mV)", true, true);
  check.finite(model / "d_mV_per_ms", m.d_mv_per_ms(), "mV/ms");
  check.non_negative(model / "t_ref_ms", m.t_ref_ms(), "ms");
  check.finite(model / "i_e_pA", m.i_e_pa(), "pA");
  if (m.has_v_init_mv()) check.value(model / "v_init_mV", m.v_init_mv(), "mV");
  if (m.has_u_init_mv_per_ms()) check.value(model / "u_init_mV_per_ms", m.u_init_mv_per_ms(), "mV/ms");
}

std::unique_ptr<NeuronPopulation> make_izhikevich(const pb::Population& pop, std::uint32_t id,
                                                  std::uint64_t seed) {
  using M = IzhikevichModel;
  const pb::Izhikevich& m = pop.izhikevich();
  const M::Parameters p{m.a_per_ms(), m.b_per_ms(), m.c_mv(), m.d_mv_per_ms(), m.v_peak_mv(), m.t_ref_ms(),
                        m.i_e_pa()};
  TimeDrivenPopulation<M>::Columns y;
  y[M::kV] = initial_column(pop, m.has_v_init_mv(), m.v_init_mv(), m.c_mv(), seed, "v_init");
  if (m.has_u_init_mv_per_ms()) {
    y[M::kU] = draw_values(m.u_init_mv_per_ms(), pop.size(), seed, "u_init:" + pop.name());
  } else {
    y[M::kU] = y[M::kV];
    for (double& u : y[M::kU]) u *= m.b_per_ms();
  }
  return make_population<M>(pop, id, p, std::move(y));
}

}  // namespace ionspike
