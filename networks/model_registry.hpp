// The neuron models a network file may name, with their validation and construction.
//
// Adding a model: write its header + source in neurons/ (equations and units in the header
// comment), add its parameter message to network.proto's Population.model oneof, add one
// entry to the table in model_registry.cpp, and one test.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "networks/checks.hpp"
#include "neurons/neuron_population.hpp"

namespace ionspike {

struct NeuronModelEntry {
  pb::Population::ModelCase model;
  std::string_view name;  // field name in the network file
  WeightUnit weight_unit;
  bool time_driven;  // integrated on a clock of dt_ms (neurons/time_driven_population.hpp)
  std::vector<std::string> (*state_variables)();
  // Checks the model's parameters; pop is the path of the population.
  void (*validate)(const pb::Population& population, const Checker& check, const FieldPath& pop);
  std::unique_ptr<NeuronPopulation> (*make)(const pb::Population& population, std::uint32_t id,
                                            std::uint64_t seed);
  // Has a grid kernel (`input_timing: ON_GRID`, neurons/grid_population.hpp); make() then
  // builds a grid population when the file asks for one. An event-driven model with a grid
  // kernel (lif_exp) becomes clocked on dt_ms in grid mode (see clocked()).
  bool on_grid = false;
};

std::span<const NeuronModelEntry> neuron_models();

// Name of the projection field that carries weights of this unit ("weight_mV", ...), and
// the unit's symbol ("mV", ...). Not defined for WeightUnit::None.
std::string_view weight_field(WeightUnit unit);
std::string_view unit_symbol(WeightUnit unit);
// The weight field a projection sets (WeightUnit::None if it sets none) and its value.
WeightUnit projection_weight_unit(const pb::Projection& projection);
const pb::Value& projection_weight(const pb::Projection& projection);
// The gain an EIS block sets ("weight_mV_per_nS", ...): its unit (None if unset) and value.
WeightUnit eis_gain_unit(const pb::EisSynapses& eis);
double eis_gain(const pb::EisSynapses& eis);
// Entry of the population's model; throws std::logic_error if the model is unset.
const NeuronModelEntry& neuron_model(pb::Population::ModelCase model);
// Whether the population is integrated on a clock of dt_ms: a time-driven model, or any model
// in grid mode (input_timing: ON_GRID).
bool clocked(const pb::Population& population);

// Draws `count` values from v (a constant, or a distribution sampled from `stream_name`).
std::vector<double> draw_values(const pb::Value& v, std::size_t count, std::uint64_t seed,
                                const std::string& stream_name);
// The values draw_values(v, count, seed, stream_name) gives at the strictly ascending indices `at`
// (each below count): every value up to the last index is drawn, only those are kept (a rank
// of a distributed build keeps its synapses' values).
std::vector<double> draw_values_at(const pb::Value& v, std::span<const std::uint64_t> at, std::uint64_t count,
                                   std::uint64_t seed, const std::string& stream_name);

}  // namespace ionspike
