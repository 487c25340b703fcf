#include "synapses/waveform.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace ionspike {

namespace {

std::string describe(std::size_t i, double v) { return fmt::format("[{}] = {:g}", i, v); }

void validate(const std::vector<Waveform::Point>& p) {
  if (p.empty()) throw std::invalid_argument("Waveform: needs at least one point (t_ms, v_V)");
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (!std::isfinite(p[i].t_ms))
      throw std::invalid_argument("Waveform: t_ms" + describe(i, p[i].t_ms) + " is not finite");
    if (!std::isfinite(p[i].v_V))
      throw std::invalid_argument("Waveform: v_V" + describe(i, p[i].v_V) + " is not finite");
    if (std::abs(p[i].v_V) > kMaxWaveformVoltage_V)
      throw std::invalid_argument("Waveform: v_V" + describe(i, p[i].v_V) + " must be in [-1000, 1000] V");
  }
  if (p[0].t_ms < 0.0)
    throw std::invalid_argument("Waveform: t_ms[0] = " + std::to_string(p[0].t_ms) +
                                " must be >= 0");
  for (std::size_t i = 1; i < p.size(); ++i)
    if (!(p[i].t_ms > p[i - 1].t_ms))
      throw std::invalid_argument("Waveform: times must be strictly increasing, but t_ms" +
                                  describe(i, p[i].t_ms) + " <= t_ms" +
                                  describe(i - 1, p[i - 1].t_ms));
}

std::vector<Waveform::Point> from_message(const pb::Waveform& m) {
  if (m.t_ms_size() != m.v_v_size())
    throw std::invalid_argument("Waveform: t_ms has " + std::to_string(m.t_ms_size()) +
                                " values but v_V has " + std::to_string(m.v_v_size()) +
                                "; they must have equal lengths >= 1");
  std::vector<Waveform::Point> p(static_cast<std::size_t>(m.t_ms_size()));
  for (int i = 0; i < m.t_ms_size(); ++i) p[static_cast<std::size_t>(i)] = {m.t_ms(i), m.v_v(i)};
  return p;
}

}  // namespace

Waveform::Waveform(const pb::Waveform& message) : Waveform(from_message(message)) {}

Waveform::Waveform(std::vector<Point> points) : points_(std::move(points)) {
  validate(points_);
  for (std::size_t j = 0; j + 1 < points_.size(); ++j) {
    const Point& p = points_[j];
    const Point& q = points_[j + 1];
    slopes_V_per_ms_.push_back((q.v_V - p.v_V) / (q.t_ms - p.t_ms));
  }
}

Waveform Waveform::rectangular(double duration_ms, double v_V) {
  if (!(duration_ms > 0.0) || !std::isfinite(duration_ms))
    throw std::invalid_argument("Waveform::rectangular: duration_ms = " +
                                std::to_string(duration_ms) + " must be finite and > 0");
  return Waveform(std::vector<Point>{{0.0, v_V}, {duration_ms, v_V}});
}

double Waveform::value_V(double t) const {
  if (t < points_.front().t_ms || t > points_.back().t_ms) return 0.0;
  // First point with time > t; t lies in [p[i-1], p[i]].
  const auto it = std::upper_bound(points_.begin(), points_.end(), t,
                                   [](double x, const Point& p) { return x < p.t_ms; });
  if (it == points_.end()) return points_.back().v_V;
  const Point& b = *it;
  const Point& a = *(it - 1);
  return a.v_V + (b.v_V - a.v_V) * ((t - a.t_ms) / (b.t_ms - a.t_ms));
}

Waveform::Line Waveform::line_on(double a, double b) const {
  const double mid = 0.5 * (a + b);
  if (points_.size() < 2 || mid <= points_.front().t_ms || mid >= points_.back().t_ms)
    return {0.0, 0.0};
  const auto it = std::upper_bound(points_.begin(), points_.end(), mid,
                                   [](double x, const Point& p) { return x < p.t_ms; });
  const auto j = static_cast<std::size_t>(it - points_.begin()) - 1;
  const Point& p = points_[j];
  const double slope = slopes_V_per_ms_[j];
  return {p.v_V + slope * (a - p.t_ms), p.v_V + slope * (b - p.t_ms)};
}

pb::Waveform Waveform::to_message() const {
  pb::Waveform m;
  for (const Point& p : points_) {
    m.add_t_ms(p.t_ms);
    m.add_v_v(p.v_V);
  }
  return m;
}

}  // namespace ionspike
