#include "synapses/static_projection.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "synapses/csr_order.hpp"

namespace ionspike {

StaticProjection::StaticProjection(std::string name, std::uint32_t pre_population,
                                   std::uint32_t post_population, std::uint32_t pre_size,
                                   std::vector<SynapseSpec> specs, Storage storage,
                                   const std::vector<GroupKey>* groups)
    : name_(std::move(name)), pre_population_(pre_population), post_population_(post_population) {
  // Uniform weights: every weight the same float, bit for bit (so -0 and +0 differ, and NaN
  // never matches: such projections keep per-synapse weights).
  const auto bits = [](float w) { std::uint32_t b; std::memcpy(&b, &w, sizeof b); return b; };
  uniform_ = storage == Storage::Auto && !specs.empty();
  if (uniform_) {
    uniform_weight_ = specs.front().weight;
    const std::uint32_t w0 = bits(uniform_weight_);
    for (const SynapseSpec& s : specs)
      if (bits(s.weight) != w0 || s.weight != s.weight) {
        uniform_ = false;
        uniform_weight_ = 0.0f;
        break;
      }
  }
  // By presynaptic neuron, then by delay (stable), then emit groups.
  const CsrOrder sorted = csr_order(specs, pre_size, name_);
  const std::vector<std::uint64_t>& order = sorted.order;
  if (uniform_)
    targets_.reserve(specs.size());
  else
    synapses_.reserve(specs.size());
  std::uint64_t stored = 0;
  const auto store = [&](const SynapseSpec& s) {
    if (uniform_)
      targets_.push_back(s.post);
    else
      synapses_.push_back({s.post, s.weight});
    ++stored;
  };
  const auto check_group_count = [&] {
    if (groups_.size() >= (1ull << 32) - 1)
      throw std::length_error("projection '" + name_ + "' has more than 2^32 delay groups");
  };
  row_begin_.assign(static_cast<std::size_t>(pre_size) + 1, 0);
  for (std::uint32_t pre = 0; pre < pre_size; ++pre) {
    const auto first = order.begin() + static_cast<std::ptrdiff_t>(sorted.row_first[pre]);
    const auto last = order.begin() + static_cast<std::ptrdiff_t>(sorted.row_first[pre + 1]);
    row_begin_[pre] = static_cast<std::uint32_t>(groups_.size());
    if (groups != nullptr) {
      // The given groups of this row, each with its synapses (none if another rank has them).
      auto key = std::lower_bound(groups->begin(), groups->end(), GroupKey{pre, -std::numeric_limits<double>::infinity()});
      auto it = first;
      for (; key != groups->end() && key->pre == pre; ++key) {
        groups_.push_back({key->delay_ms, stored});
        for (; it != last && specs[*it].delay_ms == key->delay_ms; ++it) {
          const SynapseSpec& s = specs[*it];
          if (it != first && specs[*(it - 1)].delay_ms == s.delay_ms && s.post < specs[*(it - 1)].post)
            targets_sorted_ = false;
          store(s);
        }
      }
      if (it != last)
        throw std::logic_error("projection '" + name_ + "': a synapse's delay group is not among the given groups");
      check_group_count();
      continue;
    }
    for (auto it = first; it != last; ++it) {
      const SynapseSpec& s = specs[*it];
      if (it == first || s.delay_ms != groups_.back().delay_ms)
        groups_.push_back({s.delay_ms, stored});
      else if (s.post < specs[*(it - 1)].post)
        targets_sorted_ = false;
      store(s);
    }
    check_group_count();
  }
  row_begin_[pre_size] = static_cast<std::uint32_t>(groups_.size());
  groups_.push_back({0.0, stored});  // sentinel
  groups_.shrink_to_fit();
}

std::vector<std::uint32_t> StaticProjection::presynaptic_indices() const {
  std::vector<std::uint32_t> pre(synapse_count());
  for (std::uint32_t i = 0; i + 1 < row_begin_.size(); ++i)
    for (std::uint32_t g = row_begin_[i]; g < row_begin_[i + 1]; ++g)
      std::fill(pre.begin() + static_cast<std::ptrdiff_t>(groups_[g].first),
                pre.begin() + static_cast<std::ptrdiff_t>(groups_[g + 1].first), i);
  return pre;
}

std::vector<double> StaticProjection::delays_ms() const {
  std::vector<double> d(synapse_count());
  for (std::size_t g = 0; g + 1 < groups_.size(); ++g)
    std::fill(d.begin() + static_cast<std::ptrdiff_t>(groups_[g].first),
              d.begin() + static_cast<std::ptrdiff_t>(groups_[g + 1].first), groups_[g].delay_ms);
  return d;
}

}  // namespace ionspike
