// Piecewise-linear neuron voltage waveform V(t) applied (through a divider) to an EIS gate.
//
//   V(t) = linear interpolation of the points (t_i, v_i) for t_0 <= t <= t_last,
//   V(t) = 0 for t < t_0 and for t > t_last.
//
// Times are in ms after the neuron's spike (or after the start of a pulse), voltages in V.
// The first and last points may be nonzero: V then jumps at t_0 (from 0) and at t_last (to 0).
// Interior jumps are not representable (times are strictly increasing); use a short ramp.
// At t_0 and t_last the point value itself is returned (the waveform is closed on its
// support); integrals never depend on that choice.
//
// A Waveform is an immutable value; it is built from the protobuf message and validated.
#pragma once

#include <span>
#include <vector>

#include "networks/eis.pb.h"

namespace ionspike {

namespace pb = ::ionspike::network::v1;

// Largest |V| a waveform may reach (V): far beyond any device, small enough that squares and
// sums of many copies stay finite.
inline constexpr double kMaxWaveformVoltage_V = 1000.0;

class Waveform {
 public:
  struct Point {
    double t_ms;
    double v_V;
  };

  // Throws std::invalid_argument naming the problem: t_ms and v_V of different lengths, no
  // points, a non-finite value, t_ms[0] < 0, or times not strictly increasing.
  explicit Waveform(const pb::Waveform& message);
  explicit Waveform(std::vector<Point> points);

  // A rectangular pulse: V = v_V on [0, duration_ms] (duration_ms > 0).
  static Waveform rectangular(double duration_ms, double v_V);

  // Time of the last point (ms after the start); V = 0 afterwards.
  double duration_ms() const { return points_.back().t_ms; }
  double start_ms() const { return points_.front().t_ms; }
  // V(t) in V at t ms after the start.
  double value_V(double t_ms) const;
  std::span<const Point> points() const { return points_; }
  // Slope of segment j, (v_{j+1} - v_j) / (t_{j+1} - t_j) in V/ms, computed once (what
  // line_on and the EIS piece sweep use, so both give the same lines).
  std::span<const double> slopes_V_per_ms() const { return slopes_V_per_ms_; }

  // The straight line V takes on an open interval (a_ms, b_ms) that contains no point time:
  // the one-sided limits V(a+) and V(b-). Both are 0 when the interval lies outside the
  // support. (For a jump at t_0 or t_last this gives the values on the correct side.)
  struct Line {
    double v_a_V;
    double v_b_V;
  };
  Line line_on(double a_ms, double b_ms) const;

  pb::Waveform to_message() const;

 private:
  std::vector<Point> points_;
  std::vector<double> slopes_V_per_ms_;  // one per segment (points_.size() - 1)
};

}  // namespace ionspike
