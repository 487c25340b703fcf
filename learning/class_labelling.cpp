#include "learning/class_labelling.hpp"

#include <stdexcept>
#include <string>

namespace ionspike {

void ResponseTable::add(std::span<const std::uint32_t> counts, std::uint32_t label) {
  if (counts.size() != neurons_ || label >= classes_)
    throw std::invalid_argument("ResponseTable::add: " + std::to_string(counts.size()) + " counts for " +
                                std::to_string(neurons_) + " neurons, label " + std::to_string(label) + " of " +
                                std::to_string(classes_) + " classes");
  counts_.insert(counts_.end(), counts.begin(), counts.end());
  labels_.push_back(label);
}

void ResponseTable::clear() {
  counts_.clear();
  labels_.clear();
}

std::vector<std::int32_t> ResponseTable::assign_labels() const {
  std::vector<double> sum(static_cast<std::size_t>(neurons_) * classes_, 0.0);
  std::vector<double> presentations(classes_, 0.0);
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    presentations[labels_[i]] += 1.0;
    for (std::uint32_t n = 0; n < neurons_; ++n) sum[n * classes_ + labels_[i]] += counts_[i * neurons_ + n];
  }
  std::vector<std::int32_t> label(neurons_, kNoLabel);
  for (std::uint32_t n = 0; n < neurons_; ++n) {
    double best = 0.0;
    for (std::uint32_t c = 0; c < classes_; ++c) {
      if (presentations[c] == 0.0) continue;
      const double mean = sum[n * classes_ + c] / presentations[c];
      if (mean > best) {
        best = mean;
        label[n] = static_cast<std::int32_t>(c);
      }
    }
  }
  return label;
}

std::int32_t classify(std::span<const std::uint32_t> counts, std::span<const std::int32_t> neuron_labels,
                      std::uint32_t classes) {
  if (counts.size() != neuron_labels.size())
    throw std::invalid_argument("classify: counts and labels differ in size");
  std::vector<double> sum(classes, 0.0), members(classes, 0.0);
  for (std::size_t n = 0; n < counts.size(); ++n)
    if (neuron_labels[n] != kNoLabel) {
      sum[static_cast<std::size_t>(neuron_labels[n])] += counts[n];
      members[static_cast<std::size_t>(neuron_labels[n])] += 1.0;
    }
  std::int32_t best_class = kNoLabel;
  double best = 0.0;
  for (std::uint32_t c = 0; c < classes; ++c)
    if (members[c] > 0.0 && sum[c] / members[c] > best) {
      best = sum[c] / members[c];
      best_class = static_cast<std::int32_t>(c);
    }
  return best_class;
}

}  // namespace ionspike
