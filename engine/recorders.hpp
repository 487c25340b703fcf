// Recorders: spikes of chosen populations, and state variables sampled on a regular grid.
//
// Files (written atomically: temporary name, then rename):
//   <dir>/<name>.csv   spikes: "time_ms,population,neuron"; state: "time_ms,<pop>[<i>],..."
//   <dir>/<name>.npy   spikes: structured array (time_ms <f8, population <u4, neuron <u4),
//                      population is an index into the network's population list (sorted by
//                      name; listed in summary.json); state: float64 matrix, column 0 is
//                      time_ms, then one column per recorded neuron.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/state_archive.hpp"

namespace ionspike {

struct OutputFormats {
  bool csv = true;
  bool npy = true;
};

#pragma pack(push, 1)
struct SpikeRecord {
  double t_ms;
  std::uint32_t population;
  std::uint32_t neuron;
};
#pragma pack(pop)
static_assert(sizeof(SpikeRecord) == 16);

class SpikeRecorder {
 public:
  SpikeRecorder(std::string name, std::vector<std::uint32_t> populations);
  const std::string& name() const { return name_; }
  const std::vector<std::uint32_t>& populations() const { return populations_; }
  void record(double t_ms, std::uint32_t population, std::uint32_t neuron) {
    spikes_.push_back({t_ms, population, neuron});
  }
  const std::vector<SpikeRecord>& spikes() const { return spikes_; }
  // Forgets the spikes recorded so far (drivers that consume spikes between runs).
  void clear() { spikes_.clear(); }
  // The spikes recorded so far (engine/state_archive.hpp).
  void checkpoint(StateArchive& ar) { ar.growing("spikes", spikes_); }
  // Writes the recorded spikes; population_names indexed by population id.
  void write(const std::filesystem::path& dir, const OutputFormats& formats,
             const std::vector<std::string>& population_names) const;

 private:
  std::string name_;
  std::vector<std::uint32_t> populations_;
  std::vector<SpikeRecord> spikes_;
};

class StateRecorder {
 public:
  StateRecorder(std::string name, std::uint32_t population, std::string population_name,
                std::size_t variable, std::string variable_name, std::vector<std::uint32_t> neurons,
                double interval_ms);
  const std::string& name() const { return name_; }
  std::uint32_t population() const { return population_; }
  std::size_t variable() const { return variable_; }
  const std::vector<std::uint32_t>& neurons() const { return neurons_; }
  double interval_ms() const { return interval_ms_; }
  std::size_t sample_count() const { return times_ms_.size(); }
  const std::vector<double>& times_ms() const { return times_ms_; }
  // Row-major samples: sample_count() rows of neurons().size() values.
  const std::vector<double>& values() const { return values_; }
  // Appends one row; returns where its neurons().size() values go.
  double* append_row(double t_ms);
  void write(const std::filesystem::path& dir, const OutputFormats& formats) const;
  // The samples taken so far (engine/state_archive.hpp).
  void checkpoint(StateArchive& ar) {
    ar.growing("times_ms", times_ms_);
    ar.growing("values", values_);
    if (ar.restoring() && values_.size() != times_ms_.size() * neurons_.size())
      ar.fail("values", "must hold one row of " + std::to_string(neurons_.size()) + " values per sample time");
  }

 private:
  std::string name_;
  std::uint32_t population_;
  std::string population_name_;
  std::size_t variable_;
  std::string variable_name_;
  std::vector<std::uint32_t> neurons_;
  double interval_ms_;
  std::vector<double> times_ms_;
  std::vector<double> values_;
};

}  // namespace ionspike
