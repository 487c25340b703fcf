#include "synapses/static_projection.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace ionspike {

StaticProjection::StaticProjection(std::string name, std::uint32_t pre_population,
                                   std::uint32_t post_population, std::uint32_t pre_size,
                                   std::vector<SynapseSpec> specs)
    : name_(std::move(name)), pre_population_(pre_population), post_population_(post_population) {
  // Stable counting sort by presynaptic neuron.
  std::vector<std::uint64_t> row_count(static_cast<std::size_t>(pre_size) + 1, 0);
  for (const SynapseSpec& s : specs) ++row_count[s.pre + 1];
  std::partial_sum(row_count.begin(), row_count.end(), row_count.begin());
  std::vector<std::uint64_t> order(specs.size());
  {
    std::vector<std::uint64_t> cursor(row_count.begin(), row_count.end() - 1);
    for (std::uint64_t k = 0; k < specs.size(); ++k) order[cursor[specs[k].pre]++] = k;
  }
  // Within each row, stable sort by delay, then emit groups.
  synapses_.reserve(specs.size());
  row_begin_.assign(static_cast<std::size_t>(pre_size) + 1, 0);
  for (std::uint32_t pre = 0; pre < pre_size; ++pre) {
    const auto first = order.begin() + static_cast<std::ptrdiff_t>(row_count[pre]);
    const auto last = order.begin() + static_cast<std::ptrdiff_t>(row_count[pre + 1]);
    std::stable_sort(first, last, [&](std::uint64_t x, std::uint64_t y) {
      return specs[x].delay_ms < specs[y].delay_ms;
    });
    row_begin_[pre] = static_cast<std::uint32_t>(groups_.size());
    for (auto it = first; it != last; ++it) {
      const SynapseSpec& s = specs[*it];
      if (it == first || s.delay_ms != groups_.back().delay_ms)
        groups_.push_back({s.delay_ms, synapses_.size()});
      synapses_.push_back({s.post, s.weight});
    }
    if (groups_.size() >= (1ull << 32) - 1)
      throw std::length_error("projection '" + name_ + "' has more than 2^32 delay groups");
  }
  row_begin_[pre_size] = static_cast<std::uint32_t>(groups_.size());
  groups_.push_back({0.0, synapses_.size()});  // sentinel
  groups_.shrink_to_fit();
}

std::vector<std::uint32_t> StaticProjection::presynaptic_indices() const {
  std::vector<std::uint32_t> pre(synapses_.size());
  for (std::uint32_t i = 0; i + 1 < row_begin_.size(); ++i)
    for (std::uint32_t g = row_begin_[i]; g < row_begin_[i + 1]; ++g)
      std::fill(pre.begin() + static_cast<std::ptrdiff_t>(groups_[g].first),
                pre.begin() + static_cast<std::ptrdiff_t>(groups_[g + 1].first), i);
  return pre;
}

std::vector<double> StaticProjection::delays_ms() const {
  std::vector<double> d(synapses_.size());
  for (std::size_t g = 0; g + 1 < groups_.size(); ++g)
    std::fill(d.begin() + static_cast<std::ptrdiff_t>(groups_[g].first),
              d.begin() + static_cast<std::ptrdiff_t>(groups_[g + 1].first), groups_[g].delay_ms);
  return d;
}

}  // namespace ionspike
