// Column helpers for NeuronPopulation::make_slice and absorb_slice (parallel runs,
// engine/parallel_run.hpp): a slice copies neurons [begin, end) of every per-neuron column,
// and its state is pasted back at the same place when the run ends.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ionspike {

template <class T>
std::vector<T> slice_column(const std::vector<T>& column, std::uint32_t begin, std::uint32_t end) {
  return std::vector<T>(column.begin() + begin, column.begin() + end);
}

template <class T>
void paste_column(const std::vector<T>& slice, std::vector<T>& column, std::uint32_t begin) {
  std::copy(slice.begin(), slice.end(), column.begin() + begin);
}

}  // namespace ionspike
