// Column helpers for NeuronPopulation::make_slice and absorb_slice (parallel runs,
// engine/parallel_run.hpp): a slice copies neurons [begin, end) of every per-neuron column,
// and its state is pasted back at the same place when the run ends.
#pragma once

#include <algorithm>
#include <cstdint>
#include <tuple>
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

// Every column of a model at once: `columns` is a std::tie of its per-neuron vectors (the
// model's columns() accessor), so a new column is sliced and pasted once it is listed there.
template <class From, class To>
void slice_columns(const From& from, const To& to, std::uint32_t begin, std::uint32_t end) {
  std::apply([&](auto&... out) { std::apply([&](const auto&... in) { ((out = slice_column(in, begin, end)), ...); }, from); },
             to);
}

template <class From, class To>
void paste_columns(const From& slice, const To& to, std::uint32_t begin) {
  std::apply([&](auto&... out) { std::apply([&](const auto&... in) { (paste_column(in, out, begin), ...); }, slice); },
             to);
}

}  // namespace ionspike
