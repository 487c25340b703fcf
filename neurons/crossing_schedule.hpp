// Predicted threshold crossings of the neurons of one population, kept in the event queue
// lazily.
//
// Design note. An input changes a neuron's predicted crossing time. Pushing a new event for
// every change fills the queue with superseded events. Instead each neuron keeps its current
// prediction and the time of its earliest pending event: a prediction that moves earlier gets
// a new event; one that moves later gets none — when the earlier, pending event pops, it is
// re-pushed at the current prediction. Events whose time is no longer the neuron's earliest
// pending time are superseded and ignored. Predictions are the same as with eager pushing, so
// spike times are unchanged; only fewer events go through the queue.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "engine/event_context.hpp"
#include "engine/state_archive.hpp"
#include "neurons/neuron_slice.hpp"

namespace ionspike {

class CrossingSchedule {
 public:
  static constexpr double kNever = std::numeric_limits<double>::infinity();

  CrossingSchedule(std::uint32_t population, std::uint32_t neurons)
      : population_(population), predicted_ms_(neurons, kNever), pending_ms_(neurons, kNever) {}

  // Neurons [begin, end) for a population slice (NeuronPopulation::make_slice): indices are
  // local (from 0), its Threshold events carry the whole population's numbers.
  CrossingSchedule slice(std::uint32_t begin, std::uint32_t end) const {
    CrossingSchedule out(population_, 0);
    out.first_ = first_ + begin;
    out.predicted_ms_ = slice_column(predicted_ms_, begin, end);
    out.pending_ms_ = slice_column(pending_ms_, begin, end);
    return out;
  }
  void absorb(const CrossingSchedule& slice, std::uint32_t begin) {
    paste_column(slice.predicted_ms_, predicted_ms_, begin);
    paste_column(slice.pending_ms_, pending_ms_, begin);
  }

  // Neuron n will cross at t_ms (kNever: it will not, as things stand).
  void predict(std::uint32_t n, double t_ms, EventContext& ctx) {
    predicted_ms_[n] = t_ms;
    if (t_ms < pending_ms_[n]) push(n, t_ms, ctx);
  }

  void checkpoint(StateArchive& ar) {
    ar.values("crossing_predicted_ms", predicted_ms_);
    ar.values("crossing_pending_ms", pending_ms_);
  }

  // A Threshold event of (local) neuron n popped at t_ms: true if the neuron crosses now.
  bool due(std::uint32_t n, double t_ms, EventContext& ctx) {
    if (t_ms != pending_ms_[n]) return false;  // superseded by an earlier event
    pending_ms_[n] = kNever;
    if (predicted_ms_[n] == t_ms) return true;
    if (predicted_ms_[n] != kNever) push(n, predicted_ms_[n], ctx);  // the prediction moved later
    return false;
  }

 private:
  void push(std::uint32_t n, double t_ms, EventContext& ctx) {
    pending_ms_[n] = t_ms;
    ctx.schedule(Event::make(t_ms, EventKind::Threshold, population_, first_ + n));
  }

  std::uint32_t population_;
  std::uint32_t first_ = 0;  // of a slice's neurons in the whole population
  std::vector<double> predicted_ms_;
  std::vector<double> pending_ms_;
};

}  // namespace ionspike
