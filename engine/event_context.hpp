// What a population may do while it handles an event: emit spikes and schedule its own
// future events. The engine routes emitted spikes (delays, recorders) after the handler
// returns, so populations never see projections or recorders.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/event.hpp"
#include "engine/event_queue.hpp"

namespace ionspike {

struct EmittedSpike {
  double t_ms;
  std::uint32_t population;
  std::uint32_t neuron;
};

class EventContext {
 public:
  explicit EventContext(EventQueue& queue) : queue_(queue) {}

  void emit_spike(std::uint32_t population, std::uint32_t neuron, double t_ms) {
    emitted_.push_back({t_ms, population, neuron});
  }
  void schedule(const Event& e) { queue_.push(e); }

  std::vector<EmittedSpike>& emitted() { return emitted_; }

 private:
  EventQueue& queue_;
  std::vector<EmittedSpike> emitted_;
};

}  // namespace ionspike
