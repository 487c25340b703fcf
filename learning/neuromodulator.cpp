#include "learning/neuromodulator.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ionspike {

Neuromodulator::Neuromodulator(std::string name, std::uint32_t source_population, NeuromodulatorParameters p)
    : name_(std::move(name)), source_(source_population), p_(p) {}

void Neuromodulator::release(double t_ms) {
  if (t_ms < t_.back())
    throw std::logic_error("neuromodulator '" + name_ + "': release at " + std::to_string(t_ms) +
                           " ms before the previous one");
  ++releases_;
  if (t_ms == t_.back()) {
    excess_.back() += p_.release_uM;
    return;
  }
  const double e = excess_.back() * std::exp(-(t_ms - t_.back()) / p_.tau_d_ms) + p_.release_uM;
  t_.push_back(t_ms);
  excess_.push_back(e);
}

std::size_t Neuromodulator::entry_at(double t_ms) const {
  if (t_ms < t_.front())
    throw std::logic_error("neuromodulator '" + name_ + "': time " + std::to_string(t_ms) +
                           " ms is before its history (" + std::to_string(t_.front()) + " ms)");
  return static_cast<std::size_t>(std::upper_bound(t_.begin(), t_.end(), t_ms) - t_.begin()) - 1;
}

double Neuromodulator::concentration_uM(double t_ms) const {
  const std::size_t i = entry_at(t_ms);
  return p_.baseline_uM + excess_[i] * std::exp(-(t_ms - t_[i]) / p_.tau_d_ms);
}

// Between two entries c(t) d(t) = c_a e^{-s/tau_c} (b + e_a e^{-s/tau_d}), s = t - a, so
//   integral over [a, a + L] = c_a [b tau_c (1 - e^{-L/tau_c}) + e_a tau_cd (1 - e^{-L/tau_cd})]
// with 1/tau_cd = 1/tau_c + 1/tau_d.
double Neuromodulator::eligibility_integral(double t1_ms, double t2_ms, double c1, double tau_c_ms) const {
  if (c1 == 0.0 || !(t2_ms > t1_ms)) return 0.0;
  const double tau_cd = 1.0 / (1.0 / tau_c_ms + 1.0 / p_.tau_d_ms);
  std::size_t i = entry_at(t1_ms);
  double a = t1_ms;
  double e = excess_[i] * std::exp(-(t1_ms - t_[i]) / p_.tau_d_ms);
  double c = c1;
  double sum = 0.0;
  for (;;) {
    const bool last = i + 1 >= t_.size() || t_[i + 1] >= t2_ms;
    const double b = last ? t2_ms : t_[i + 1];
    const double len = b - a;
    sum += c * (-p_.baseline_uM * tau_c_ms * std::expm1(-len / tau_c_ms) - e * tau_cd * std::expm1(-len / tau_cd));
    if (last) return sum;
    c *= std::exp(-len / tau_c_ms);
    ++i;
    e = excess_[i];
    a = b;
  }
}

void Neuromodulator::forget_before(double t_ms) {
  const std::size_t i = entry_at(t_ms);
  const double e = excess_[i] * std::exp(-(t_ms - t_[i]) / p_.tau_d_ms);
  // Entries after t_ms stay; entries 0..i become one at t_ms (exact when t_[i] == t_ms).
  const double keep_e = t_[i] == t_ms ? excess_[i] : e;
  t_.erase(t_.begin(), t_.begin() + static_cast<std::ptrdiff_t>(i));
  excess_.erase(excess_.begin(), excess_.begin() + static_cast<std::ptrdiff_t>(i));
  t_.front() = t_ms;
  excess_.front() = keep_e;
}

void Neuromodulator::checkpoint(StateArchive& ar) {
  ar.growing("entry_times_ms", t_);
  ar.growing("entry_excess_uM", excess_);
  ar.value("releases", releases_);
  if (ar.restoring() && (t_.empty() || t_.size() != excess_.size() || !std::is_sorted(t_.begin(), t_.end())))
    ar.fail("entry_times_ms", "the release history must be non-empty, ascending and as long as entry_excess_uM");
}

}  // namespace ionspike
