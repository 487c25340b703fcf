// A network-level neuromodulator (dopamine) released by the spikes of one population, and
// the exact integral of an eligibility trace times its concentration (learning/README.md,
// docs/dopamine.md; Izhikevich 2007, Cereb. Cortex 17:2443).
//
// Concentration, in uM:
//   d(t) = baseline_uM + sum_k release_uM * exp(-(t - t_k) / tau_d_ms)
// over the releases t_k <= t (one per spike of the source population; a release acts when
// the engine knows the spike: at its time for event-driven sources, at the end of the step
// that found it for time-driven ones).
//
// History. The excess e(t) = d(t) - baseline is a single exponential between two releases,
// so the history is the list of (t_k, e(t_k) just after the release). A synapse last brought
// up to date at t1 integrates over [t1, t2] segment by segment: O(log H + releases in
// between). Entries older than every synapse's last update are folded into the first entry
// (forget_before), which the engine does after bringing every modulated synapse up to date
// (StdpProjection::catch_up) whenever the history exceeds kHistoryLimit entries; the history
// never holds more than kHistoryLimit + 1 entries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/state_archive.hpp"

namespace ionspike {

struct NeuromodulatorParameters {
  double release_uM = 0.5;   // jump of d per spike of the source (Izhikevich 2007: 0.5 uM)
  double tau_d_ms = 200.0;   // decay of the excess (Izhikevich 2007: 200 ms)
  double baseline_uM = 0.01; // tonic level (Izhikevich 2007: 0.01 uM)
};

class Neuromodulator {
 public:
  static constexpr std::size_t kHistoryLimit = 256;

  Neuromodulator(std::string name, std::uint32_t source_population, NeuromodulatorParameters p);

  const std::string& name() const { return name_; }
  std::uint32_t source_population() const { return source_; }
  const NeuromodulatorParameters& parameters() const { return p_; }
  std::uint64_t release_count() const { return releases_; }

  // A release at t_ms (not before the previous one).
  void release(double t_ms);
  // d(t) in uM, for t_ms >= horizon_ms().
  double concentration_uM(double t_ms) const;
  // Integral over [t1, t2] (horizon_ms() <= t1 <= t2) of c(t) * d(t) dt with
  // c(t) = c1 * exp(-(t - t1) / tau_c_ms); unit: c's unit * uM * ms. Its sign is c1's.
  double eligibility_integral(double t1_ms, double t2_ms, double c1, double tau_c_ms) const;

  // Earliest time the history can integrate from.
  double horizon_ms() const { return t_.front(); }
  std::size_t history_size() const { return t_.size(); }
  bool history_full() const { return t_.size() > kHistoryLimit; }
  // Folds the releases up to t_ms into one entry at t_ms: afterwards horizon_ms() == t_ms.
  void forget_before(double t_ms);
  // The release history and count (engine/state_archive.hpp).
  void checkpoint(StateArchive& ar);

 private:
  std::size_t entry_at(double t_ms) const;  // last entry with time <= t_ms
  std::string name_;
  std::uint32_t source_;
  NeuromodulatorParameters p_;
  std::vector<double> t_{0.0};       // entry times, ascending (t_[0]: horizon)
  std::vector<double> excess_{0.0};  // e at t_[i], after the release there
  std::uint64_t releases_ = 0;
};

}  // namespace ionspike
