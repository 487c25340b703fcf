// Labelling neurons by their responses, and classifying by their votes (Diehl & Cook 2015).
//
// After (or during) unsupervised training every neuron gets the class to which it responded
// most: for each class c the mean spike count of the neuron over the presentations of class
// c, and the label is the argmax (ties to the lower class; a neuron that never fired gets no
// label). An image is then classified by the class whose labelled neurons have the highest
// mean spike count during its presentation (classes without neurons score 0; ties to the
// lower class).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ionspike {

inline constexpr std::int32_t kNoLabel = -1;

// Collects spike counts per (image, neuron) with the image's class.
class ResponseTable {
 public:
  ResponseTable(std::uint32_t neurons, std::uint32_t classes) : neurons_(neurons), classes_(classes) {}
  void add(std::span<const std::uint32_t> counts, std::uint32_t label);
  std::size_t size() const { return labels_.size(); }
  void clear();
  // Class of each neuron (kNoLabel if it never fired).
  std::vector<std::int32_t> assign_labels() const;
  std::uint32_t neurons() const { return neurons_; }
  std::uint32_t classes() const { return classes_; }

 private:
  std::uint32_t neurons_, classes_;
  std::vector<std::uint32_t> counts_;  // size() x neurons_
  std::vector<std::uint32_t> labels_;
};

// The class voted for by the neurons' spike counts during one presentation, or kNoLabel if
// no labelled neuron fired.
std::int32_t classify(std::span<const std::uint32_t> counts, std::span<const std::int32_t> neuron_labels,
                      std::uint32_t classes);

}  // namespace ionspike
