#include "neurons/spike_sources.hpp"

#include <algorithm>
#include <cmath>
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

std::uint32_t PoissonSourcePopulation::draw_neuron() {
  if (cumulative_rate_per_ms_.empty()) return static_cast<std::uint32_t>(stream_.below(size()));
  // Neuron i owns [C_{i-1}, C_i) of [0, C_N); zero-rate neurons own an empty interval.
  const double u = stream_.uniform01() * cumulative_rate_per_ms_.back();
  const auto it = std::upper_bound(cumulative_rate_per_ms_.begin(), cumulative_rate_per_ms_.end(), u);
  return static_cast<std::uint32_t>(std::min<std::ptrdiff_t>(it - cumulative_rate_per_ms_.begin(), size() - 1));
}

void PoissonSourcePopulation::schedule_after(double t_ms, EventContext& ctx) {
  if (!(total_rate_per_ms_ > 0.0)) return;
  const double next_ms = t_ms + stream_.exponential(total_rate_per_ms_);
  if (next_ms >= p_.stop_ms) return;
  ctx.schedule(Event::make(next_ms, EventKind::SourceSpike, id(), draw_neuron(), generation_));
}

void PoissonSourcePopulation::start(EventContext& ctx) { schedule_after(p_.start_ms, ctx); }

void PoissonSourcePopulation::on_own_event(const Event& e, EventContext& ctx) {
  if (e.b != generation_) return;  // superseded by a change of rates
  ctx.emit_spike(id(), e.a, e.t_ms);
  schedule_after(e.t_ms, ctx);
}

void PoissonSourcePopulation::set_rates(std::span<const double> rates_Hz, double t_ms, EventContext& ctx) {
  if (rates_Hz.size() != size())
    throw std::invalid_argument("poisson source '" + name() + "': " + std::to_string(rates_Hz.size()) +
                                " rates for " + std::to_string(size()) + " neurons");
  std::vector<double> cumulative(size());
  double sum = 0.0;
  for (std::uint32_t i = 0; i < size(); ++i) {
    if (!(rates_Hz[i] >= 0.0 && std::isfinite(rates_Hz[i])))
      throw std::invalid_argument("poisson source '" + name() + "': rate of neuron " + std::to_string(i) +
                                  " must be a finite number >= 0 Hz, got " + std::to_string(rates_Hz[i]));
    sum += rates_Hz[i] * 1e-3;
    cumulative[i] = sum;
  }
  cumulative_rate_per_ms_ = std::move(cumulative);
  total_rate_per_ms_ = sum;
  ++generation_;
  schedule_after(std::max(t_ms, p_.start_ms), ctx);
}

void PoissonSourcePopulation::set_rate(double rate_Hz, double t_ms, EventContext& ctx) {
  set_rates(std::vector<double>(size(), rate_Hz), t_ms, ctx);
}

double PoissonSourcePopulation::rate_Hz(std::uint32_t neuron) const {
  if (cumulative_rate_per_ms_.empty()) return p_.rate_Hz;
  const double below = neuron > 0 ? cumulative_rate_per_ms_[neuron - 1] : 0.0;
  return (cumulative_rate_per_ms_[neuron] - below) * 1e3;
}

void PoissonSourcePopulation::checkpoint(StateArchive& ar) {
  ar.stream("stream", stream_);
  ar.value("generation", generation_);
  ar.value("total_rate_per_ms", total_rate_per_ms_);
  ar.growing("cumulative_rate_per_ms", cumulative_rate_per_ms_);
  if (ar.restoring() && !cumulative_rate_per_ms_.empty() && cumulative_rate_per_ms_.size() != size())
    ar.fail("cumulative_rate_per_ms", "must hold no value or one per neuron");
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

void SpikeSourceArrayPopulation::fire(std::uint32_t neuron, double t_ms, EventContext& ctx) {
  if (neuron >= size())
    throw std::out_of_range("spike_source_array '" + name() + "': no neuron " + std::to_string(neuron));
  ctx.emit_spike(id(), neuron, t_ms);
}

}  // namespace ionspike
