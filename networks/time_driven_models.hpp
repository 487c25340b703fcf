// Network-file bindings of the time-driven neuron models (neurons/time_driven_population.hpp):
// for each model, the check of its parameters and the construction of its population. The
// registry (networks/model_registry.cpp) lists them next to the event-driven models.
#pragma once

#include <cstdint>
#include <memory>

#include "networks/checks.hpp"
#include "neurons/neuron_population.hpp"

namespace ionspike {

void validate_lif_cond_exp(const pb::Population& pop, const Checker& check, const FieldPath& at);
std::unique_ptr<NeuronPopulation> make_lif_cond_exp(const pb::Population& pop, std::uint32_t id, std::uint64_t seed);

void validate_lif_cond_exp_adaptive(const pb::Population& pop, const Checker& check, const FieldPath& at);
std::unique_ptr<NeuronPopulation> make_lif_cond_exp_adaptive(const pb::Population& pop, std::uint32_t id,
                                                             std::uint64_t seed);

void validate_hh_1952(const pb::Population& pop, const Checker& check, const FieldPath& at);
std::unique_ptr<NeuronPopulation> make_hh_1952(const pb::Population& pop, std::uint32_t id, std::uint64_t seed);

void validate_hh_traub_miles(const pb::Population& pop, const Checker& check, const FieldPath& at);
std::unique_ptr<NeuronPopulation> make_hh_traub_miles(const pb::Population& pop, std::uint32_t id,
                                                      std::uint64_t seed);

void validate_adex(const pb::Population& pop, const Checker& check, const FieldPath& at);
std::unique_ptr<NeuronPopulation> make_adex(const pb::Population& pop, std::uint32_t id, std::uint64_t seed);

void validate_izhikevich(const pb::Population& pop, const Checker& check, const FieldPath& at);
std::unique_ptr<NeuronPopulation> make_izhikevich(const pb::Population& pop, std::uint32_t id, std::uint64_t seed);

}  // namespace ionspike
