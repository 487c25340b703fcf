#include "synapses/uniform_weight_group.hpp"

#include <cstddef>
#include <cstring>
#include <vector>

namespace ionspike {

namespace {
thread_local std::vector<StaticSynapse> expanded_group;
}  // namespace

std::span<const StaticSynapse> expand_uniform_group(std::span<const std::uint32_t> targets, float weight) {
  std::vector<StaticSynapse>& buffer = expanded_group;
  if (buffer.size() < targets.size()) buffer.resize(targets.size());
  // As 64-bit words {target | weight << 32} (the StaticSynapse layout): a loop the compiler
  // vectorises (an interleave of the targets with the broadcast weight).
  static_assert(sizeof(StaticSynapse) == 8 && offsetof(StaticSynapse, post) == 0 && offsetof(StaticSynapse, weight) == 4);
  std::uint32_t weight_bits;
  std::memcpy(&weight_bits, &weight, sizeof weight_bits);
  const std::uint64_t high = static_cast<std::uint64_t>(weight_bits) << 32;
  StaticSynapse* out = buffer.data();
  const std::uint32_t* in = targets.data();
  for (std::size_t k = 0; k < targets.size(); ++k) {
    const std::uint64_t word = high | in[k];
    std::memcpy(out + k, &word, sizeof word);
  }
  return {out, targets.size()};
}

}  // namespace ionspike
