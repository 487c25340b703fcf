#include "networks/connectivity.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <stdexcept>
#include <unordered_set>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "engine/random_stream.hpp"
#include "networks/model_registry.hpp"

namespace ionspike {
namespace {

double draw(const pb::Value& v, RandomStream& rng) {
  switch (v.kind_case()) {
    case pb::Value::kUniform: return rng.uniform(v.uniform().low(), v.uniform().high());
    case pb::Value::kNormal:
      return rng.truncated_normal(v.normal().mean(), v.normal().stddev(), v.normal().low(), v.normal().high());
    default: return v.constant();
  }
}

class SynapseMaker {
 public:
  explicit SynapseMaker(const ConnectivityInput& in) : in_(in), pr_(*in.projection) {
    if (pr_.weight_case() != pb::Projection::WEIGHT_NOT_SET) weight_ = &projection_weight(pr_);
    inhibitory_ = pr_.receptor() == pb::INHIBITORY;
  }

  // Appends pre -> post with the projection's weight and delay (or the given overrides).
  void add(std::vector<SynapseSpec>& out, RandomStream& rng, std::uint32_t pre, std::uint32_t post,
           const double* weight_override = nullptr, const double* delay_override = nullptr) const {
    // EIS projections have no weight value (their weight is gain * G): 0 here.
    double w = weight_override ? *weight_override : weight_ ? draw(*weight_, rng) : 0.0;
    if (inhibitory_) w = -std::abs(w);
    const double d = delay_override ? *delay_override
                     : pr_.has_delay_ms() ? draw(pr_.delay_ms(), rng)
                                          : in_.default_delay_ms;
    out.push_back({pre, post, static_cast<float>(w), d});
  }

 private:
  const ConnectivityInput& in_;
  const pb::Projection& pr_;
  const pb::Value* weight_ = nullptr;
  bool inhibitory_ = false;
};

void generate_block(const ConnectivityInput& in, const SynapseMaker& make, std::uint32_t first,
                    std::uint32_t last, RandomStream& rng, std::vector<SynapseSpec>& out) {
  const pb::Projection& pr = *in.projection;
  const auto excluded = [&](std::uint32_t pre, std::uint32_t post, bool autapses) {
    return in.same_population && !autapses && pre == post;
  };
  for (std::uint32_t post = first; post < last; ++post) {
    switch (pr.connector_case()) {
      case pb::Projection::kAllToAll:
        for (std::uint32_t pre = 0; pre < in.pre_size; ++pre)
          if (!excluded(pre, post, pr.all_to_all().allow_autapses()) &&
              !(pr.all_to_all().skip_same_index() && pre == post))
            make.add(out, rng, pre, post);
        break;
      case pb::Projection::kOneToOne:
        make.add(out, rng, post, post);
        break;
      case pb::Projection::kFixedProbability: {
        const double p = pr.fixed_probability().p();
        if (p <= 0.0) break;
        // Geometric skipping: gaps between successive Bernoulli(p) successes. A gap saturates
        // at UINT64_MAX for tiny p, so it is compared with the room left, never added blindly.
        for (std::uint64_t pre = rng.geometric_skips(p); pre < in.pre_size;) {
          if (!excluded(static_cast<std::uint32_t>(pre), post, pr.fixed_probability().allow_autapses()))
            make.add(out, rng, static_cast<std::uint32_t>(pre), post);
          const std::uint64_t skip = rng.geometric_skips(p);
          if (skip >= in.pre_size - pre - 1) break;
          pre += 1 + skip;
        }
        break;
      }
      case pb::Projection::kFixedInDegree: {
        const auto& c = pr.fixed_in_degree();
        const bool skip_self = in.same_population && !c.allow_autapses();
        const std::uint64_t eligible = in.pre_size - (skip_self ? 1 : 0);
        // Maps a draw in [0, eligible) to a presynaptic index, skipping the target itself.
        const auto pre_of = [&](std::uint64_t x) {
          return static_cast<std::uint32_t>(skip_self && x >= post ? x + 1 : x);
        };
        std::vector<std::uint32_t> chosen;
        chosen.reserve(c.k());
        if (c.allow_multapses()) {
          for (std::uint64_t i = 0; i < c.k(); ++i) chosen.push_back(pre_of(rng.below(eligible)));
        } else {
          // Floyd's algorithm: k distinct values out of `eligible`, O(k).
          std::unordered_set<std::uint64_t> taken;
          for (std::uint64_t j = eligible - c.k(); j < eligible; ++j) {
            const std::uint64_t t = rng.below(j + 1);
            const std::uint64_t pick = taken.insert(t).second ? t : (taken.insert(j), j);
            chosen.push_back(pre_of(pick));
          }
        }
        std::sort(chosen.begin(), chosen.end());
        for (std::uint32_t pre : chosen) make.add(out, rng, pre, post);
        break;
      }
      case pb::Projection::kFromList:
      case pb::Projection::CONNECTOR_NOT_SET:
        break;
    }
  }
}

// A connection list's synapses, in list order (one stream for the values it leaves unset).
void generate_list(const ConnectivityInput& in, const SynapseMaker& make, RandomStream& rng,
                   std::vector<SynapseSpec>& out) {
  for (const auto& c : in.projection->from_list().connections()) {
    const double w = c.weight(), d = c.delay_ms();
    make.add(out, rng, static_cast<std::uint32_t>(c.pre()), static_cast<std::uint32_t>(c.post()),
             c.has_weight() ? &w : nullptr, c.has_delay_ms() ? &d : nullptr);
  }
}

}  // namespace

std::vector<SynapseSpec> generate_synapses(const ConnectivityInput& in) {
  const pb::Projection& pr = *in.projection;
  const SynapseMaker make(in);
  const std::string stream_name = "connect:" + pr.name();
  if (pr.has_from_list()) {
    std::vector<SynapseSpec> out;
    RandomStream rng(in.seed, stream_name, 0);
    generate_list(in, make, rng, out);
    return out;
  }
  const std::uint32_t blocks = (in.post_size + kConnectBlock - 1) / kConnectBlock;
  std::vector<std::vector<SynapseSpec>> per_block(blocks);
  tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, blocks, 1), [&](const auto& range) {
    for (std::uint32_t b = range.begin(); b != range.end(); ++b) {
      RandomStream rng(in.seed, stream_name, b);
      const std::uint32_t first = b * kConnectBlock;
      generate_block(in, make, first, std::min(first + kConnectBlock, in.post_size), rng, per_block[b]);
    }
  });
  std::size_t total = 0;
  for (const auto& v : per_block) total += v.size();
  std::vector<SynapseSpec> out;
  out.reserve(total);
  for (auto& v : per_block) {
    out.insert(out.end(), v.begin(), v.end());
    std::vector<SynapseSpec>().swap(v);
  }
  return out;
}

namespace {

// A delay group's key with the number of its synapses generated in all and onto targets below
// the kept range (KeptSynapsePositions); plain GroupKey when those are not asked for.
struct KeyCount {
  GroupKey key;
  std::uint64_t total;
  std::uint64_t below;
};
const GroupKey& key_of(const GroupKey& k) { return k; }
const GroupKey& key_of(const KeyCount& k) { return k.key; }
void combine(GroupKey&, const GroupKey&) {}
void combine(KeyCount& into, const KeyCount& k) {
  into.total += k.total;
  into.below += k.below;
}
GroupKey entry_of(const SynapseSpec& s, std::uint32_t, GroupKey*) { return {s.pre, s.delay_ms}; }
KeyCount entry_of(const SynapseSpec& s, std::uint32_t keep_begin, KeyCount*) {
  return {{s.pre, s.delay_ms}, 1, s.post < keep_begin ? 1u : 0u};
}

// Sorts by key and merges the entries of equal keys.
template <class Entry>
void sort_and_merge(std::vector<Entry>& entries) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return key_of(a) < key_of(b); });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (kept > 0 && key_of(entries[kept - 1]) == key_of(entries[i]))
      combine(entries[kept - 1], entries[i]);
    else
      entries[kept++] = entries[i];
  entries.resize(kept);
}

template <class Entry>
std::vector<SynapseSpec> generate_part(const ConnectivityInput& in, std::uint32_t keep_begin, std::uint32_t keep_end,
                                       std::vector<Entry>& keys_out, std::uint64_t& generated,
                                       std::vector<std::uint64_t>* generation_index) {
  const pb::Projection& pr = *in.projection;
  const SynapseMaker make(in);
  const std::string stream_name = "connect:" + pr.name();
  // (A connection list is one block: its list, from stream 0.)
  const std::uint32_t blocks = pr.has_from_list() ? 1 : (in.post_size + kConnectBlock - 1) / kConnectBlock;
  constexpr std::uint32_t kBatch = 64;
  std::vector<SynapseSpec> out;
  keys_out.clear();
  std::vector<std::vector<SynapseSpec>> kept(kBatch);
  std::vector<std::vector<std::uint32_t>> kept_at(kBatch);  // positions of the kept in their block
  std::vector<std::vector<Entry>> keys(kBatch);
  std::vector<std::uint64_t> counts(kBatch);
  generated = 0;
  if (generation_index) generation_index->clear();
  for (std::uint32_t batch = 0; batch < blocks; batch += kBatch) {
    const std::uint32_t end = std::min(blocks, batch + kBatch);
    // A block's synapses and keys are scratch of its task; only the kept synapses and the
    // distinct keys stay (in vectors of exactly their size).
    tbb::parallel_for(tbb::blocked_range<std::uint32_t>(batch, end, 1), [&](const auto& range) {
      std::vector<SynapseSpec> block;
      std::vector<Entry> block_keys;
      for (std::uint32_t b = range.begin(); b != range.end(); ++b) {
        block.clear();
        RandomStream rng(in.seed, stream_name, b);
        const std::uint32_t first = b * kConnectBlock;
        if (pr.has_from_list())
          generate_list(in, make, rng, block);
        else
          generate_block(in, make, first, std::min(first + kConnectBlock, in.post_size), rng, block);
        counts[b - batch] = block.size();
        block_keys.clear();
        for (const SynapseSpec& syn : block) block_keys.push_back(entry_of(syn, keep_begin, static_cast<Entry*>(nullptr)));
        sort_and_merge(block_keys);
        keys[b - batch].assign(block_keys.begin(), block_keys.end());
        const auto local = [&](const SynapseSpec& syn) { return syn.post >= keep_begin && syn.post < keep_end; };
        std::vector<SynapseSpec>& mine = kept[b - batch];
        mine.clear();
        mine.reserve(static_cast<std::size_t>(std::count_if(block.begin(), block.end(), local)));
        std::copy_if(block.begin(), block.end(), std::back_inserter(mine), local);
        if (generation_index) {
          std::vector<std::uint32_t>& at = kept_at[b - batch];
          at.clear();
          at.reserve(mine.size());
          for (std::size_t i = 0; i < block.size(); ++i)
            if (local(block[i])) at.push_back(static_cast<std::uint32_t>(i));
        }
      }
    });
    std::size_t batch_kept = 0, batch_keys = 0;
    for (std::uint32_t b = batch; b < end; ++b) {
      batch_kept += kept[b - batch].size();
      batch_keys += keys[b - batch].size();
    }
    out.reserve(out.size() + batch_kept);
    keys_out.reserve(keys_out.size() + batch_keys);
    if (generation_index) generation_index->reserve(generation_index->size() + batch_kept);
    for (std::uint32_t b = batch; b < end; ++b) {
      if (generation_index)
        for (std::uint32_t i : kept_at[b - batch]) generation_index->push_back(generated + i);
      generated += counts[b - batch];
      out.insert(out.end(), kept[b - batch].begin(), kept[b - batch].end());
      std::vector<SynapseSpec>().swap(kept[b - batch]);
      std::vector<std::uint32_t>().swap(kept_at[b - batch]);
      keys_out.insert(keys_out.end(), keys[b - batch].begin(), keys[b - batch].end());
      std::vector<Entry>().swap(keys[b - batch]);
    }
    sort_and_merge(keys_out);
  }
  keys_out.shrink_to_fit();
  out.shrink_to_fit();
  return out;
}

}  // namespace

std::vector<SynapseSpec> generate_synapses(const ConnectivityInput& in, std::uint32_t keep_begin,
                                           std::uint32_t keep_end, std::vector<GroupKey>& groups,
                                           std::uint64_t& generated, KeptSynapsePositions* positions) {
  if (positions == nullptr) return generate_part(in, keep_begin, keep_end, groups, generated, nullptr);
  std::vector<KeyCount> counted;
  std::vector<SynapseSpec> out =
      generate_part(in, keep_begin, keep_end, counted, generated, &positions->generation_index);
  groups.clear();
  groups.reserve(counted.size());
  positions->part_first.clear();
  positions->part_first.reserve(counted.size());
  std::uint64_t whole_first = 0;  // of the group in the whole projection
  for (const KeyCount& k : counted) {
    groups.push_back(k.key);
    positions->part_first.push_back(whole_first + k.below);
    whole_first += k.total;
  }
  return out;
}

}  // namespace ionspike
