#include "engine/recorders.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/npy_writer.hpp"

namespace ionspike {

SpikeRecorder::SpikeRecorder(std::string name, std::vector<std::uint32_t> populations)
    : name_(std::move(name)), populations_(std::move(populations)) {}

void SpikeRecorder::write(const std::filesystem::path& dir, const OutputFormats& formats,
                          const std::vector<std::string>& population_names) const {
  // Time-driven populations report the spikes of a step at its end, with their earlier
  // (interpolated) times: files list spikes in the order (time, population, neuron).
  const auto earlier = [](const SpikeRecord& a, const SpikeRecord& b) {
    return std::tie(a.t_ms, a.population, a.neuron) < std::tie(b.t_ms, b.population, b.neuron);
  };
  std::vector<SpikeRecord> sorted;
  if (!std::is_sorted(spikes_.begin(), spikes_.end(), earlier)) {
    sorted = spikes_;
    std::sort(sorted.begin(), sorted.end(), earlier);
  }
  const std::vector<SpikeRecord>& spikes = sorted.empty() ? spikes_ : sorted;
  if (formats.csv) {
    AtomicFile file(dir / (name_ + ".csv"));
    std::ostream& out = file.stream();
    out << "time_ms,population,neuron\n";
    for (const SpikeRecord& s : spikes)
      out << fmt::format("{:.17g},{},{}\n", s.t_ms, population_names[s.population], s.neuron);
    file.commit();
  }
  if (formats.npy) {
    write_npy_records(dir / (name_ + ".npy"),
                      {{"time_ms", "<f8"}, {"population", "<u4"}, {"neuron", "<u4"}},
                      spikes.data(), spikes.size());
  }
}

StateRecorder::StateRecorder(std::string name, std::uint32_t population,
                             std::string population_name, std::size_t variable,
                             std::string variable_name, std::vector<std::uint32_t> neurons,
                             double interval_ms)
    : name_(std::move(name)),
      population_(population),
      population_name_(std::move(population_name)),
      variable_(variable),
      variable_name_(std::move(variable_name)),
      neurons_(std::move(neurons)),
      interval_ms_(interval_ms) {}

double* StateRecorder::append_row(double t_ms) {
  times_ms_.push_back(t_ms);
  values_.resize(values_.size() + neurons_.size());
  return values_.data() + values_.size() - neurons_.size();
}

void StateRecorder::write(const std::filesystem::path& dir, const OutputFormats& formats) const {
  const std::size_t cols = neurons_.size();
  if (formats.csv) {
    AtomicFile file(dir / (name_ + ".csv"));
    std::ostream& out = file.stream();
    out << "time_ms";
    for (std::uint32_t n : neurons_) out << fmt::format(",{}[{}].{}", population_name_, n, variable_name_);
    out << '\n';
    for (std::size_t r = 0; r < times_ms_.size(); ++r) {
      out << fmt::format("{:.17g}", times_ms_[r]);
      for (std::size_t c = 0; c < cols; ++c) out << fmt::format(",{:.17g}", values_[r * cols + c]);
      out << '\n';
    }
    file.commit();
  }
  if (formats.npy) {
    std::vector<double> matrix(times_ms_.size() * (cols + 1));
    for (std::size_t r = 0; r < times_ms_.size(); ++r) {
      matrix[r * (cols + 1)] = times_ms_[r];
      for (std::size_t c = 0; c < cols; ++c) matrix[r * (cols + 1) + 1 + c] = values_[r * cols + c];
    }
    write_npy_matrix(dir / (name_ + ".npy"), matrix.data(), times_ms_.size(), cols + 1);
  }
}

}  // namespace ionspike
