// The network as the engine runs it: flat arrays only (no protobuf, no graph).
// Produced by networks/network_builder from a validated description.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "engine/recorders.hpp"
#include "engine/spike_history.hpp"
#include "learning/neuromodulator.hpp"
#include "neurons/neuron_population.hpp"
#include "synapses/eis_projection.hpp"
#include "synapses/static_projection.hpp"
#include "synapses/stdp_projection.hpp"

namespace ionspike {

struct CurrentSource {
  std::string name;
  std::uint32_t population;
  std::vector<std::uint32_t> neurons;  // empty: all
  std::vector<double> times_ms;        // strictly increasing
  std::vector<double> amplitudes_pA;   // amplitude from times_ms[i] on
};

struct SimulationSettings {
  double t_stop_ms = 1000.0;
  std::uint64_t seed = 1;
  std::uint32_t threads = 1;
  std::filesystem::path output_dir = "ionspike-out";
  double min_delay_ms = 0.1;
  OutputFormats formats;
};

// A network built for one rank of a distributed run (networks/network_builder.hpp,
// BuildOptions): the static, STDP and EIS projections built from connectors keep only the
// synapses onto the targets of this rank's shards (the plan of make_parallel_plan for `ranks`,
// `rank` and `threads`, one shard per thread), but every delay group of the whole projection
// (so group numbers agree over the ranks; GroupKey). Storage indices of such a projection are
// local (an EIS part also knows each synapse's index in the whole projection: EisPart).
struct DistributedBuild {
  std::uint32_t ranks = 1;
  std::uint32_t rank = 0;
  std::uint32_t threads = 1;
  // Per population: the targets [first, second) whose incoming synapses this rank keeps.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> local_targets;
  // Per population: why it is kept whole (a connection list into it out of target order), or
  // "": the plan's input (plan_populations), which a rank's part of such a list (possibly
  // empty, so in order) no longer shows.
  std::vector<std::string> unsorted_post;
  // Per static / STDP projection: whether it stores only this rank's synapses, and the whole
  // projection's synapse count.
  std::vector<bool> static_local, stdp_local;
  std::vector<std::uint64_t> static_synapses, stdp_synapses;
  // Per EIS projection: whether it is a part (EisProjection::is_part; it knows its whole size).
  std::vector<bool> eis_local;
  // Rank 0, after Simulator::consolidate_plastic_synapses: per local STDP projection, every
  // rank's synapses with their final weights in the single-process storage order, and the
  // whole size of each delay group (the groups' presynaptic neurons and delays are those of
  // this rank's table); null otherwise. For the outputs.
  struct GatheredSynapses {
    std::vector<std::uint32_t> group_sizes;
    std::vector<StaticSynapse> synapses;
  };
  std::vector<std::shared_ptr<const GatheredSynapses>> gathered_stdp;
  // Rank 0, after consolidation: per EIS part, every synapse of the whole projection read out
  // at `t_ms` (G and the device energy of the run so far) in the single-process storage order,
  // and the projection's energy until then; null otherwise. For the outputs.
  struct GatheredEis {
    struct Row {
      std::uint32_t pre, post;
      double delay_ms, g_nS, energy_fJ;
    };
    double t_ms = 0.0;
    std::vector<Row> rows;
    EisEnergy energy;
  };
  std::vector<std::shared_ptr<const GatheredEis>> gathered_eis;
  bool any_local() const {
    for (bool b : static_local) if (b) return true;
    for (bool b : stdp_local) if (b) return true;
    for (bool b : eis_local) if (b) return true;
    return false;
  }
};

struct RuntimeNetwork {
  SimulationSettings settings;
  std::vector<std::unique_ptr<NeuronPopulation>> populations;  // index = population id
  std::vector<StaticProjection> projections;                   // index = projection id
  // EIS projections; in events their id is projections.size() + index.
  std::vector<EisProjection> eis_projections;
  // Projections learning by trace STDP; in events their id is
  // projections.size() + eis_projections.size() + index.
  std::vector<StdpProjection> stdp_projections;
  // Network-level neuromodulators (dopamine), released by the spikes of their source
  // populations; modulated STDP projections name one by index (DopamineModulation).
  std::vector<Neuromodulator> neuromodulators;
  // Spike histories of populations that emit waveforms (empty for the others).
  std::vector<SpikeHistory> spike_histories;  // index = population id
  // V_post of a time-driven neuron starts post_waveform_delay_ms (its dt) after its spike,
  // when the step that found the spike is over; those starts have their own history. Zero
  // delay (event-driven populations): V_post starts with the spike, in spike_histories.
  std::vector<double> post_waveform_delay_ms;    // index = population id
  std::vector<SpikeHistory> delayed_post_histories;
  // Histories an EIS projection reads: spikes of its pre population, V_post starts of its post.
  const SpikeHistory& pre_history(std::uint32_t pop) const { return spike_histories[pop]; }
  const SpikeHistory& post_history(std::uint32_t pop) const {
    return post_waveform_delay_ms[pop] > 0.0 ? delayed_post_histories[pop] : spike_histories[pop];
  }
  std::vector<CurrentSource> current_sources;
  std::vector<SpikeRecorder> spike_recorders;
  std::vector<StateRecorder> state_recorders;
  // G of EIS synapses: "population" is the EIS projection index, "neurons" synapse indices.
  // In Sample events their id is state_recorders.size() + index.
  std::vector<StateRecorder> conductance_recorders;

  // Set when built for one rank of a distributed run with per-rank synapses (else none).
  std::optional<DistributedBuild> distribution;

  std::uint64_t neuron_count() const;
  // Synapses of the whole network (also on a rank of a distributed build).
  std::uint64_t synapse_count() const;
  // Synapses stored in this object (a distributed build: this rank's share).
  std::uint64_t stored_synapse_count() const;
  // Id of the population with this name; throws std::out_of_range if none.
  std::uint32_t population_id(const std::string& name) const;
};

}  // namespace ionspike
