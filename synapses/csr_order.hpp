// Storage order of a projection's synapse specs for CSR by presynaptic neuron with delay
// groups (StaticProjection, EisProjection): a stable counting sort by presynaptic neuron, then,
// inside each row whose delays are not already ascending, a stable sort by delay. O(n) for the
// common rows of one delay (no comparison sort over the whole projection).
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace ionspike {

struct CsrOrder {
  std::vector<std::uint64_t> order;      // spec indices in storage order
  std::vector<std::uint64_t> row_first;  // row `pre` is order[row_first[pre] .. row_first[pre + 1])
};

// Spec: any type with members `pre` (< pre_size) and `delay_ms`. Throws std::logic_error naming
// `projection` if a spec's presynaptic neuron is not below pre_size.
template <class Spec>
CsrOrder csr_order(const std::vector<Spec>& specs, std::uint32_t pre_size, const std::string& projection) {
  CsrOrder out;
  out.row_first.assign(static_cast<std::size_t>(pre_size) + 1, 0);
  for (const Spec& s : specs) {
    if (s.pre >= pre_size)
      throw std::logic_error("projection '" + projection + "': a synapse names presynaptic neuron " +
                             std::to_string(s.pre) + ", beyond " + std::to_string(pre_size));
    ++out.row_first[s.pre + 1];
  }
  std::partial_sum(out.row_first.begin(), out.row_first.end(), out.row_first.begin());
  out.order.resize(specs.size());
  std::vector<std::uint64_t> cursor(out.row_first.begin(), out.row_first.end() - 1);
  for (std::uint64_t k = 0; k < specs.size(); ++k) out.order[cursor[specs[k].pre]++] = k;
  const auto by_delay = [&](std::uint64_t x, std::uint64_t y) { return specs[x].delay_ms < specs[y].delay_ms; };
  for (std::uint32_t pre = 0; pre < pre_size; ++pre) {
    const auto first = out.order.begin() + static_cast<std::ptrdiff_t>(out.row_first[pre]);
    const auto last = out.order.begin() + static_cast<std::ptrdiff_t>(out.row_first[pre + 1]);
    if (!std::is_sorted(first, last, by_delay)) std::stable_sort(first, last, by_delay);
  }
  return out;
}

}  // namespace ionspike
