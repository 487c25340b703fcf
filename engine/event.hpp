// Events of the scheduler and their total, deterministic order.
//
// Design note. Every event carries a key (t_ms, kind, object, a, b). Two runs with the same
// network and seed therefore process events in exactly the same order, whatever order the
// events were pushed in and however many threads later build or run the network: no
// sequence numbers assigned at push time take part in the order. At equal time the kinds
// are processed in the order of the enum below:
//   current steps, then source spikes, then predicted threshold crossings, then the delayed
//   V_post waveforms of time-driven neurons (as their spikes would come), then spike
//   deliveries, then steps of time-driven populations (so a step ending at t integrates every
//   input that arrived up to t), then recorder samples (so a sample at t sees every change
//   made at t).
// A threshold crossing predicted for exactly the arrival time of an input is thus taken
// first: the membrane reached threshold before the input arrived.
#pragma once

#include <cstdint>

namespace ionspike {

enum class EventKind : std::uint8_t {
  CurrentStep = 0,   // object = current source, a = step index
  SourceSpike = 1,   // object = population,     a, b = population-defined
  Threshold = 2,     // object = population,     a = neuron (neurons/crossing_schedule.hpp)
  PostWaveform = 3,  // object = population,     a = neuron (a time-driven neuron's spike reaches its plastic synapses)
  Delivery = 4,      // object = projection,     a = pre neuron, b = delay group
  Step = 5,          // object = population,     a, b = low, high 32 bits of the step index
  Sample = 6,        // object = state recorder, a = sample index
};

struct Event {
  double t_ms;
  std::uint32_t kind_and_object;  // kind in the top 8 bits, object id in the low 24
  std::uint32_t a;
  std::uint32_t b;
  // Explicit padding, always 0: events are stored byte for byte in checkpoints, which must
  // not carry indeterminate bytes.
  std::uint32_t unused = 0;

  static constexpr std::uint32_t kMaxObjects = 1u << 24;

  static Event make(double t_ms, EventKind kind, std::uint32_t object, std::uint32_t a = 0,
                    std::uint32_t b = 0) {
    return Event{t_ms, (static_cast<std::uint32_t>(kind) << 24) | object, a, b};
  }
  EventKind kind() const { return static_cast<EventKind>(kind_and_object >> 24); }
  std::uint32_t object() const { return kind_and_object & (kMaxObjects - 1); }

  // Strict total order on keys (time first), lexicographic on (t_ms, kind_and_object, a, b);
  // (kind_and_object, a) compared as one 64-bit word. Small enough to be inlined into the
  // queue's sort and heap (the std::tie form was not).
  friend bool operator<(const Event& x, const Event& y) {
    if (x.t_ms != y.t_ms) return x.t_ms < y.t_ms;
    const std::uint64_t xk = std::uint64_t{x.kind_and_object} << 32 | x.a;
    const std::uint64_t yk = std::uint64_t{y.kind_and_object} << 32 | y.a;
    if (xk != yk) return xk < yk;
    return x.b < y.b;
  }
};

static_assert(sizeof(Event) == 24, "Event: no implicit padding (see Event::unused)");

}  // namespace ionspike
