#include "neurons/spike_sources.hpp"

#include <algorithm>
#include <stdexcept>

namespace ionspike {

void SpikeSourcePopulation::deliver(double, std::span<const StaticSynapse>, EventContext&) {
  throw std::logic_error("spike source '" + name() + "' cannot receive spikes");
}
void SpikeSourcePopulation::add_injected_current(std::span<const std::uint32_t>, double, double,
                                                 EventContext&) {
  throw std::logic_error("spike source '" + name() + "' cannot receive current");
}
void SpikeSourcePopulation::sample(std::size_t, std::span<const std::uint32_t>, double,
                                   double*) const {
  throw std::logic_error("spike source '" + name() + "' has no state variables");
}

PoissonSourcePopulation::PoissonSourcePopulation(std::string name, std::uint32_t id,
                                                 std::uint32_t size,
                                                 const PoissonSourceParameters& params,
                                                 std::uint64_t seed)
    : SpikeSourcePopulation(name, id, size),
      p_(params),
      total_rate_per_ms_(params.rate_Hz * 1e-3 * size),
      stream_(seed, "poisson:" + name) {}

void PoissonSourcePopulation::schedule_after(double t_ms, EventContext& ctx) {
  if (!(total_rate_per_ms_ > 0.0)) return;
  const double next_ms = t_ms + stream_.exponential(total_rate_per_ms_);
  if (next_ms >= p_.stop_ms) return;
  const auto neuron = static_cast<std::uint32_t>(stream_.below(size()));
  ctx.schedule(Event::make(next_ms, EventKind::SourceSpike, id(), neuron));
}

void PoissonSourcePopulation::start(EventContext& ctx) { schedule_after(p_.start_ms, ctx); }

void PoissonSourcePopulation::on_own_event(const Event& e, EventContext& ctx) {
  ctx.emit_spike(id(), e.a, e.t_ms);
  schedule_after(e.t_ms, ctx);
}

SpikeSourceArrayPopulation::SpikeSourceArrayPopulation(
    std::string name, std::uint32_t id, std::uint32_t size,
    const std::vector<std::vector<double>>& trains_ms)
    : SpikeSourcePopulation(std::move(name), id, size) {
  const bool shared = trains_ms.size() == 1 && size > 1;
  for (std::uint32_t n = 0; n < size; ++n)
    for (double t : trains_ms[shared ? 0 : n]) spikes_.emplace_back(t, n);
  std::sort(spikes_.begin(), spikes_.end());
}

void SpikeSourceArrayPopulation::schedule(std::size_t index, EventContext& ctx) {
  if (index >= spikes_.size()) return;
  ctx.schedule(Event::make(spikes_[index].first, EventKind::SourceSpike, id(),
                           static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32)));
}

void SpikeSourceArrayPopulation::start(EventContext& ctx) { schedule(0, ctx); }

void SpikeSourceArrayPopulation::on_own_event(const Event& e, EventContext& ctx) {
  const std::size_t index = e.a | (static_cast<std::size_t>(e.b) << 32);
  ctx.emit_spike(id(), spikes_[index].second, spikes_[index].first);
  schedule(index + 1, ctx);
}

}  // namespace ionspike
