#include "networks/network_builder.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <tuple>
#include <numeric>
#include <stdexcept>

#include <boost/graph/adjacency_list.hpp>
#include <fmt/format.h>
#include <tbb/global_control.h>

#include "networks/checks.hpp"
#include "engine/parallel_run.hpp"
#include "engine/random_stream.hpp"
#include "engine/rank_exchange.hpp"
#include "engine/simulator.hpp"
#include "networks/connectivity.hpp"
#include "networks/eis_resolve.hpp"
#include "networks/model_registry.hpp"
#include "networks/network_validator.hpp"
#include "networks/stdp_resolve.hpp"
#include "neurons/poisson_input.hpp"

namespace ionspike {
namespace {

struct PopulationVertex {
  int message_index;
};
struct ProjectionEdge {
  int message_index;
};
using PopulationGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS,
                                              PopulationVertex, ProjectionEdge>;

template <class Repeated>
std::vector<int> indices_by_name(const Repeated& items) {
  std::vector<int> order(static_cast<std::size_t>(items.size()));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return items[a].name() < items[b].name(); });
  return order;
}

// A LIF population fires without input only if its drive or initial state reach threshold.
template <class Model>
bool lif_fires_alone(const Model& m) {
  const double v_inf = m.e_l_mv() + m.tau_m_ms() / m.c_m_pf() * m.i_e_pa();
  // A distribution of initial potentials may reach threshold; a constant must.
  const bool v_init_may_reach =
      m.has_v_init_mv() && (m.v_init_mv().kind_case() != pb::Value::kConstant ||
                            m.v_init_mv().constant() >= m.v_th_mv());
  return v_inf > m.v_th_mv() || v_init_may_reach;
}

bool fires_without_input(const pb::Population& p) {
  for (const pb::PoissonInput& in : p.poisson_inputs())  // an excitatory drive of its own
    if (in.rate_hz() > 0.0 && (in.weight_mv() > 0.0 || in.weight_pa() > 0.0 || in.weight_ns() > 0.0)) return true;
  switch (p.model_case()) {
    case pb::Population::kLifDelta: return lif_fires_alone(p.lif_delta());
    case pb::Population::kLifExp: return lif_fires_alone(p.lif_exp());
    default: return true;  // sources, and the time-driven models (left to their dynamics)
  }
}

// Populations that can never fire: no drive of their own and no input from a population
// that can fire (transitively), nor a current source.
std::vector<std::string> silent_populations(const PopulationGraph& g, const pb::Network& msg) {
  std::vector<char> can_fire(boost::num_vertices(g), 0);
  std::vector<char> has_current(boost::num_vertices(g), 0);
  std::map<std::string, std::size_t> vertex_of;
  for (std::size_t v = 0; v < boost::num_vertices(g); ++v)
    vertex_of[msg.populations(g[v].message_index).name()] = v;
  for (const auto& cs : msg.current_sources()) has_current[vertex_of[cs.target()]] = 1;
  for (std::size_t v = 0; v < can_fire.size(); ++v)
    can_fire[v] = has_current[v] || fires_without_input(msg.populations(g[v].message_index));
  for (bool changed = true; changed;) {  // propagate along projections to a fixed point
    changed = false;
    for (auto [e, end] = boost::edges(g); e != end; ++e) {
      const auto s = boost::source(*e, g), t = boost::target(*e, g);
      if (can_fire[s] && !can_fire[t]) can_fire[t] = changed = true;
    }
  }
  std::vector<std::string> silent;
  for (std::size_t v = 0; v < can_fire.size(); ++v)
    if (!can_fire[v]) silent.push_back(msg.populations(g[v].message_index).name());
  return silent;
}

// EIS synapses: connectivity as for static ones, then per synapse an initial conductance
// (stream "g_init:" + name) in the order the connector produced the synapses (the device
// prefactors are counter-based, drawn by the projection). With `keep` (a rank of a
// distributed build): only the synapses onto targets [keep->first, keep->second), with the
// values the whole projection gives them (every value is drawn, those of the kept synapses kept).
EisProjection build_eis_projection(const pb::Projection& pr, const ConnectivityInput& in, std::uint32_t pre,
                                   std::uint32_t post, const LoadedNetwork& loaded, const pb::Network& msg,
                                   const std::map<std::string, std::uint32_t>& modulator_of,
                                   const std::vector<Neuromodulator>& modulators,
                                   const std::pair<std::uint32_t, std::uint32_t>* keep = nullptr,
                                   RankExchange* exchange = nullptr) {
  const pb::EisSynapses& eis = pr.eis();
  EisDevice device(resolve_device(eis), std::filesystem::path(loaded.file).parent_path());
  const std::uint64_t seed = msg.simulation().seed();
  std::optional<EisPart> part;
  std::vector<SynapseSpec> synapses;
  std::vector<double> g_init;
  if (keep == nullptr) {
    synapses = generate_synapses(in);
    g_init = draw_values(eis.g_init_ns(), synapses.size(), seed, "g_init:" + pr.name());
  } else {
    part.emplace();
    KeptSynapsePositions at;
    synapses = exchange != nullptr
                   ? generate_synapses(in, keep->first, keep->second, *exchange, part->groups, part->whole_synapses, &at)
                   : generate_synapses(in, keep->first, keep->second, part->groups, part->whole_synapses, &at);
    part->part_first = std::move(at.part_first);
    g_init = draw_values_at(eis.g_init_ns(), at.generation_index, part->whole_synapses, seed, "g_init:" + pr.name());
  }
  std::vector<EisSynapseSpec> specs;
  specs.reserve(synapses.size());
  for (std::size_t k = 0; k < synapses.size(); ++k)
    specs.push_back({synapses[k].pre, synapses[k].post, synapses[k].delay_ms, g_init[k]});
  std::vector<SynapseSpec>().swap(synapses);
  const pb::Population& pre_pop = *std::find_if(msg.populations().begin(), msg.populations().end(),
                                                [&](const auto& p) { return p.name() == pr.pre(); });
  const pb::Population& post_pop = *std::find_if(msg.populations().begin(), msg.populations().end(),
                                                 [&](const auto& p) { return p.name() == pr.post(); });
  EisProjectionParameters params{std::move(device),
                                 Waveform(resolve_waveform(pre_pop.pre_waveform(), true)),
                                 Waveform(resolve_waveform(post_pop.post_waveform(), false)),
                                 eis.a_pre(),
                                 eis.a_post(),
                                 eis_gain(eis),
                                 eis.account_energy(),
                                 seed,
                                 std::nullopt};
  if (eis.has_dopamine()) {
    const pb::EisDopamine& da = eis.dopamine();
    const std::uint32_t m = modulator_of.at(da.neuromodulator());
    const NeuromodulatorParameters& release = modulators.at(m).parameters();
    params.dopamine = EisDopamine{m,
                                  release,
                                  da.pre_gain_per_um(),
                                  da.post_gain_per_um(),
                                  da.has_reference_um() ? da.reference_um() : release.baseline_uM,
                                  da.factor_min(),
                                  da.factor_max()};
  }
  return EisProjection(pr.name(), pre, post, in.pre_size, in.post_size, std::move(specs), std::move(params),
                       part ? &*part : nullptr);
}

}  // namespace

void apply_overrides(pb::Network& network, const SimulationOverrides& o) {
  // Checked here, so that an error names the option rather than the file's field.
  const SourceLocation cli{"command line"};
  if (o.t_stop_ms && !(*o.t_stop_ms > 0.0 && *o.t_stop_ms <= kMaxTStopMs))
    throw InputError(cli, "--t-stop", fmt::format("must be in (0, {}] ms, got {}", format_number(kMaxTStopMs),
                                                  format_number(*o.t_stop_ms)));
  if (o.threads && (*o.threads < 1 || *o.threads > kMaxThreads))
    throw InputError(cli, "--threads", fmt::format("must be in [1, {}], got {}", kMaxThreads, *o.threads));
  if (o.output_dir && o.output_dir->empty()) throw InputError(cli, "--out", "must not be empty");
  pb::Simulation* s = network.mutable_simulation();
  if (o.t_stop_ms) s->set_t_stop_ms(*o.t_stop_ms);
  if (o.seed) s->set_seed(*o.seed);
  if (o.output_dir) s->set_output_dir(*o.output_dir);
  if (o.threads) s->set_threads(*o.threads);
}

RuntimeNetwork build_network(const LoadedNetwork& loaded, BuildNotes* notes, const BuildOptions& options) {
  validate_network(loaded);
  const pb::Network& msg = loaded.message;
  const pb::Simulation& sim = msg.simulation();

  RuntimeNetwork net;
  net.settings.t_stop_ms = sim.t_stop_ms();
  net.settings.seed = sim.seed();
  net.settings.threads = sim.threads();
  net.settings.output_dir = sim.output_dir();
  net.settings.min_delay_ms = sim.min_delay_ms();
  if (sim.output_formats_size() > 0) {
    net.settings.formats = {false, false};
    for (int f : sim.output_formats()) (f == pb::CSV ? net.settings.formats.csv : net.settings.formats.npy) = true;
  }
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, sim.threads());

  // Population graph, in name order.
  PopulationGraph graph;
  std::map<std::string, std::uint32_t> id_of;
  for (int i : indices_by_name(msg.populations())) {
    id_of[msg.populations(i).name()] = static_cast<std::uint32_t>(boost::add_vertex({i}, graph));
  }
  for (int j : indices_by_name(msg.projections()))
    boost::add_edge(id_of.at(msg.projections(j).pre()), id_of.at(msg.projections(j).post()), {j}, graph);
  if (notes)
    for (const std::string& name : silent_populations(graph, msg))
      notes->warnings.push_back("population '" + name + "' can never fire: it has no drive, no current "
                                "source and no input from a population that can fire");

  for (std::size_t v = 0; v < boost::num_vertices(graph); ++v) {
    const pb::Population& p = msg.populations(graph[v].message_index);
    net.populations.push_back(neuron_model(p.model_case()).make(p, static_cast<std::uint32_t>(v), sim.seed()));
    if (p.poisson_inputs_size() > 0) {  // validated: ON_GRID populations only (GridPopulation)
      std::vector<PoissonInputSpec> drives;
      for (const pb::PoissonInput& in : p.poisson_inputs())
        drives.push_back({in.rate_hz(), in.weight_mv() + in.weight_pa() + in.weight_ns()});  // the one set
      auto* receiver = dynamic_cast<PoissonInputReceiver*>(net.populations.back().get());
      if (receiver == nullptr)
        throw std::logic_error("population '" + p.name() + "' does not accept poisson_inputs");
      receiver->set_poisson_inputs(std::move(drives), sim.seed());
    }
  }

  std::map<std::string, std::uint32_t> modulator_of;
  for (int m : indices_by_name(msg.neuromodulators())) {
    const pb::Neuromodulator& nm = msg.neuromodulators(m);
    modulator_of[nm.name()] = static_cast<std::uint32_t>(net.neuromodulators.size());
    net.neuromodulators.emplace_back(nm.name(), id_of.at(nm.source()),
                                     NeuromodulatorParameters{nm.release_um(), nm.tau_d_ms(), nm.baseline_um()});
  }
  for (int k : indices_by_name(msg.current_sources())) {  // name order: declaration order never matters
    const pb::CurrentSource& cs = msg.current_sources(k);
    net.current_sources.push_back({cs.name(), id_of.at(cs.target()),
                                   {cs.neurons().begin(), cs.neurons().end()},
                                   {cs.times_ms().begin(), cs.times_ms().end()},
                                   {cs.amplitudes_pa().begin(), cs.amplitudes_pa().end()}});
  }

  // A distributed build (BuildOptions): every projection keeps only this rank's synapses, onto
  // the targets the plan gives it. The plan splits populations by their sizes alone
  // (plan_populations), so it is known before any synapse, except that a connection list out
  // of target order keeps its target population whole: lists are generated first to learn
  // that (and dropped: they are built again, per rank, below).
  const std::uint32_t ranks = std::max<std::uint32_t>(options.ranks, 1);
  if (options.rank >= ranks)
    throw std::invalid_argument("build_network: rank " + std::to_string(options.rank) + " of " +
                                std::to_string(ranks) + " ranks");
  const std::uint32_t threads = options.threads.value_or(sim.threads());
  if (options.exchange != nullptr && (options.exchange->ranks() != std::max<std::uint32_t>(options.ranks, 1) ||
                                      options.exchange->rank() != options.rank))
    throw std::invalid_argument("build_network: BuildOptions' exchange is rank " +
                                std::to_string(options.exchange->rank()) + " of " +
                                std::to_string(options.exchange->ranks()) + ", not rank " +
                                std::to_string(options.rank) + " of " + std::to_string(options.ranks));
  if (ranks > (1u << 20) || threads < 1 || threads > kMaxThreads)
    throw std::invalid_argument("build_network: BuildOptions needs rank < ranks <= 2^20 and threads in [1, " +
                                std::to_string(kMaxThreads) + "], got rank " + std::to_string(options.rank) + " of " +
                                std::to_string(ranks) + ", " + std::to_string(threads) + " threads");
  bool distribute = ranks > 1 && msg.neuromodulators_size() == 0;
  for (const pb::Projection& pr : msg.projections())
    if ((pr.has_stdp() && pr.stdp().has_dopamine()) || (pr.has_eis() && pr.eis().has_dopamine())) distribute = false;
  std::map<int, StaticProjection> whole_static;
  std::map<int, EisProjection> whole_eis;
  std::map<int, StdpProjection> whole_stdp;
  const auto input_of = [&](const pb::Projection& pr) {
    const std::uint32_t pre = id_of.at(pr.pre()), post = id_of.at(pr.post());
    return ConnectivityInput{&pr, net.populations[pre]->size(), net.populations[post]->size(),
                             pre == post, sim.min_delay_ms(), sim.seed()};
  };
  std::vector<std::string> unsorted(net.populations.size());
  for (int j : indices_by_name(msg.projections())) {
    const pb::Projection& pr = msg.projections(j);
    if (distribute && !pr.has_from_list()) continue;  // (per rank, below)
    const std::uint32_t pre = id_of.at(pr.pre()), post = id_of.at(pr.post());
    const ConnectivityInput in = input_of(pr);
    bool sorted = true;
    if (distribute) {  // a connection list: only whether it is in target order
      sorted = StaticProjection(pr.name(), pre, post, in.pre_size, generate_synapses(in)).targets_sorted_in_groups();
    } else if (pr.has_eis()) {
      sorted = whole_eis.emplace(j, build_eis_projection(pr, in, pre, post, loaded, msg, modulator_of,
                                                         net.neuromodulators)).first->second.targets_sorted_in_groups();
    } else if (pr.has_stdp()) {
      sorted = whole_stdp.emplace(j, StdpProjection(pr.name(), pre, post, in.pre_size, in.post_size,
                                                    generate_synapses(in), resolve_stdp_rule(pr.stdp()),
                                                    pr.receptor() == pb::INHIBITORY,
                                                    pr.stdp().has_dopamine()
                                                        ? std::optional<DopamineModulation>(DopamineModulation{
                                                              modulator_of.at(pr.stdp().dopamine().neuromodulator()),
                                                              pr.stdp().dopamine().tau_c_ms()})
                                                        : std::nullopt))
                   .first->second.targets_sorted_in_groups();
    } else {
      sorted = whole_static.emplace(j, StaticProjection(pr.name(), pre, post, in.pre_size, generate_synapses(in)))
                   .first->second.targets_sorted_in_groups();
    }
    if (!sorted) unsorted[post] = "the connection list of '" + pr.name() + "' is not in target order";
  }
  std::vector<std::pair<std::uint32_t, std::uint32_t>> local_targets;
  if (distribute) {
    const std::shared_ptr<ParallelPlan> plan =
        plan_populations(net.populations, net.current_sources, unsorted, threads, 1, ranks, options.rank);
    // As Simulator::parallel_obstacle: a network whose work cannot be spread runs serially on
    // every rank, which needs every synapse.
    if (plan->expected_speedup() < Simulator::kMinParallelSpeedup) distribute = false;
    for (std::uint32_t p = 0; p < net.populations.size(); ++p) {
      const std::uint32_t first = plan->first_local_shard(), last = plan->end_local_shard() - 1;
      if (plan->sliced[p])
        local_targets.emplace_back(plan->ranges[p][first].begin, plan->ranges[p][last].end);
      else if (plan->local(plan->first_shard[p]))
        local_targets.emplace_back(0, net.populations[p]->size());
      else
        local_targets.emplace_back(0, 0);
    }
  }
  if (distribute) {
    DistributedBuild d;
    d.ranks = ranks;
    d.rank = options.rank;
    d.threads = threads;
    d.local_targets = local_targets;
    d.unsorted_post = unsorted;
    net.distribution = std::move(d);
    net.settings.threads = threads;  // the Simulator's default: the threads the build is for
  }
  for (int j : indices_by_name(msg.projections())) {
    const pb::Projection& pr = msg.projections(j);
    const std::uint32_t pre = id_of.at(pr.pre()), post = id_of.at(pr.post());
    const ConnectivityInput in = input_of(pr);
    if (pr.has_eis()) {
      // Whole (built above) or, distributed, this rank's synapses with every group.
      auto it = whole_eis.find(j);
      if (it != whole_eis.end())
        net.eis_projections.push_back(std::move(it->second));
      else if (!distribute)
        net.eis_projections.push_back(
            build_eis_projection(pr, in, pre, post, loaded, msg, modulator_of, net.neuromodulators));
      else
        net.eis_projections.push_back(build_eis_projection(pr, in, pre, post, loaded, msg, modulator_of,
                                                           net.neuromodulators, &local_targets[post], options.exchange));
      if (net.distribution) net.distribution->eis_local.push_back(net.eis_projections.back().is_part());
    } else if (!distribute) {
      const bool local = false;
      if (pr.has_stdp()) {
        auto it = whole_stdp.find(j);
        if (it != whole_stdp.end())
          net.stdp_projections.push_back(std::move(it->second));
        else
          net.stdp_projections.emplace_back(pr.name(), pre, post, in.pre_size, in.post_size, generate_synapses(in),
                                            resolve_stdp_rule(pr.stdp()), pr.receptor() == pb::INHIBITORY,
                                            std::nullopt);  // (dopamine: never distributed, so prebuilt)
      } else {
        auto it = whole_static.find(j);
        if (it != whole_static.end())
          net.projections.push_back(std::move(it->second));
        else
          net.projections.emplace_back(pr.name(), pre, post, net.populations[pre]->size(), generate_synapses(in));
      }
      if (net.distribution) {
        if (pr.has_stdp()) {
          net.distribution->stdp_local.push_back(local);
          net.distribution->stdp_synapses.push_back(net.stdp_projections.back().synapse_count());
        } else {
          net.distribution->static_local.push_back(local);
          net.distribution->static_synapses.push_back(net.projections.back().synapse_count());
        }
      }
    } else {
      // This rank's synapses, every group of the whole projection.
      std::vector<GroupKey> groups;
      std::uint64_t whole_count = 0;  // of the whole projection (for reports)
      const auto [keep_begin, keep_end] = local_targets[post];
      std::vector<SynapseSpec> specs =
          options.exchange != nullptr
              ? generate_synapses(in, keep_begin, keep_end, *options.exchange, groups, whole_count)
              : generate_synapses(in, keep_begin, keep_end, groups, whole_count);
      if (pr.has_stdp()) {
        net.stdp_projections.emplace_back(pr.name(), pre, post, in.pre_size, in.post_size, std::move(specs),
                                          resolve_stdp_rule(pr.stdp()), pr.receptor() == pb::INHIBITORY,
                                          std::nullopt, &groups);
        net.distribution->stdp_local.push_back(true);
        net.distribution->stdp_synapses.push_back(whole_count);
      } else {
        net.projections.emplace_back(pr.name(), pre, post, in.pre_size, std::move(specs),
                                     StaticProjection::Storage::Auto, &groups);
        net.distribution->static_local.push_back(true);
        net.distribution->static_synapses.push_back(whole_count);
      }
    }
  }
  // Populations emitting waveforms keep their recent spikes (engine/spike_history.hpp).
  net.spike_histories.resize(net.populations.size());
  net.delayed_post_histories.resize(net.populations.size());
  net.post_waveform_delay_ms.assign(net.populations.size(), 0.0);
  for (std::uint32_t pop = 0; pop < net.populations.size(); ++pop)
    net.post_waveform_delay_ms[pop] = net.populations[pop]->spike_report_delay_ms();
  for (const EisProjection& proj : net.eis_projections) {
    const std::uint32_t post = proj.post_population();
    for (const auto& [history, pop, waveform_ms, delay_ms] :
         {std::tuple{&net.spike_histories, proj.pre_population(), proj.parameters().pre_waveform.duration_ms(),
                     proj.max_delay_ms()},
          std::tuple{net.post_waveform_delay_ms[post] > 0.0 ? &net.delayed_post_histories : &net.spike_histories,
                     post, proj.parameters().post_waveform.duration_ms(), 0.0}}) {
      SpikeHistory& h = (*history)[pop];
      if (h.size() == 0) h = SpikeHistory(net.populations[pop]->size(), waveform_ms, delay_ms);
      h.widen(waveform_ms, delay_ms);
    }
  }


  for (const pb::SpikeRecorder& r : msg.spike_recorders()) {
    std::vector<std::uint32_t> pops;
    if (r.populations_size() == 0)
      for (std::uint32_t v = 0; v < net.populations.size(); ++v) pops.push_back(v);
    for (const std::string& name : r.populations()) pops.push_back(id_of.at(name));
    std::sort(pops.begin(), pops.end());
    pops.erase(std::unique(pops.begin(), pops.end()), pops.end());
    net.spike_recorders.emplace_back(r.name(), std::move(pops));
  }
  for (const pb::StateRecorder& r : msg.state_recorders()) {
    const std::uint32_t pop = id_of.at(r.population());
    const auto variables = net.populations[pop]->state_variables();
    const auto variable = static_cast<std::size_t>(
        std::find(variables.begin(), variables.end(), r.variable()) - variables.begin());
    std::vector<std::uint32_t> neurons(r.neurons().begin(), r.neurons().end());
    if (neurons.empty()) {
      neurons.resize(net.populations[pop]->size());
      std::iota(neurons.begin(), neurons.end(), 0u);
    }
    net.state_recorders.emplace_back(r.name(), pop, r.population(), variable, r.variable(),
                                     std::move(neurons), r.interval_ms());
  }
  for (int r = 0; r < msg.conductance_recorders_size(); ++r) {
    const pb::ConductanceRecorder& rec = msg.conductance_recorders(r);
    std::uint32_t index = 0;
    while (net.eis_projections[index].name() != rec.projection()) ++index;
    const std::uint64_t count = net.eis_projections[index].whole_synapse_count();  // (a part: of the whole)
    std::vector<std::uint32_t> synapses;
    for (int i = 0; i < rec.synapses_size(); ++i) {
      if (rec.synapses(i) >= count)
        loaded.fail(FieldPath::root().at("conductance_recorders", r).at("synapses", i),
                    "must be a synapse index in [0, " + std::to_string(count - 1) + "] of projection '" +
                        rec.projection() + "' (" + std::to_string(count) + " synapses were built), got " +
                        std::to_string(rec.synapses(i)));
      synapses.push_back(static_cast<std::uint32_t>(rec.synapses(i)));
    }
    if (synapses.empty()) {
      synapses.resize(count);
      std::iota(synapses.begin(), synapses.end(), 0u);
    }
    net.conductance_recorders.emplace_back(rec.name(), index, rec.projection(), 0, "g_nS", std::move(synapses),
                                           rec.interval_ms());
  }
  // A network whose windows would be too short runs serially on every rank (known only now,
  // from the delays): it needs every synapse.
  if (net.distribution && !parallel_run_obstacle(net).empty()) {
    net = RuntimeNetwork{};  // (this rank's part goes before the whole is built)
    return build_network(loaded, nullptr);
  }
  return net;
}

}  // namespace ionspike
