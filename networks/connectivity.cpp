#include "networks/connectivity.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <numeric>
#include <span>
#include <stdexcept>
#include <unordered_set>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "engine/random_stream.hpp"
#include "engine/rank_exchange.hpp"
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

GroupKey make_entry(GroupKey*, std::uint32_t pre, double delay_ms, std::uint64_t, std::uint64_t) {
  return {pre, delay_ms};
}
KeyCount make_entry(KeyCount*, std::uint32_t pre, double delay_ms, std::uint64_t total, std::uint64_t below) {
  return {{pre, delay_ms}, total, below};
}

// The keys of the synapses of `block` that `take` accepts, sorted and merged (with their counts,
// and how many of them target neurons below below_target). With one delay for every synapse
// the keys are the distinct presynaptic neurons, found by sorting 8-byte words (presynaptic
// neuron and a below-flag) rather than whole keys: the bulk of a build's sorting.
template <class Entry, class Take>
void collect_keys(const std::vector<SynapseSpec>& block, bool one_delay, std::uint32_t below_target, const Take& take,
                  std::vector<Entry>& out, std::vector<std::uint64_t>& packed) {
  out.clear();
  if (!one_delay || block.empty()) {
    for (const SynapseSpec& syn : block)
      if (take(syn)) out.push_back(entry_of(syn, below_target, static_cast<Entry*>(nullptr)));
    sort_and_merge(out);
    return;
  }
  packed.clear();
  for (const SynapseSpec& syn : block)
    if (take(syn)) packed.push_back(static_cast<std::uint64_t>(syn.pre) << 1 | (syn.post < below_target ? 1u : 0u));
  std::sort(packed.begin(), packed.end());
  const double delay_ms = block.front().delay_ms;
  for (std::size_t i = 0; i < packed.size();) {
    const std::uint64_t pre = packed[i] >> 1;
    std::uint64_t total = 0, below = 0;
    for (; i < packed.size() && packed[i] >> 1 == pre; ++i, ++total) below += packed[i] & 1u;
    out.push_back(make_entry(static_cast<Entry*>(nullptr), static_cast<std::uint32_t>(pre), delay_ms, total, below));
  }
}

// What generate_part saw besides the kept synapses.
struct PartScan {
  std::vector<std::uint64_t> block_counts;  // synapses of each generated block
  // If asked for: per kept synapse, (its block - the first block) << 32 | its position in the block.
  std::vector<std::uint64_t> kept_at;
};

// The synapses onto targets [keep_begin, keep_end) of the blocks [block_first, block_end), and
// in keys_out the merged group keys of every synapse of those blocks, or, with
// keys_of_kept_only, of the kept synapses only (each counted in `total`).
template <class Entry>
std::vector<SynapseSpec> generate_part(const ConnectivityInput& in, std::uint32_t keep_begin, std::uint32_t keep_end,
                                       std::uint32_t block_first, std::uint32_t block_end, bool keys_of_kept_only,
                                       std::vector<Entry>& keys_out, PartScan& scan, bool want_positions) {
  const pb::Projection& pr = *in.projection;
  const SynapseMaker make(in);
  const std::string stream_name = "connect:" + pr.name();
  constexpr std::uint32_t kBatch = 64;
  std::vector<SynapseSpec> out;
  keys_out.clear();
  scan.block_counts.assign(block_end - block_first, 0);
  scan.kept_at.clear();
  std::vector<std::vector<SynapseSpec>> kept(kBatch);
  std::vector<std::vector<std::uint32_t>> kept_at(kBatch);  // positions of the kept in their block
  std::vector<std::vector<Entry>> keys(kBatch);
  const auto local = [&](const SynapseSpec& syn) { return syn.post >= keep_begin && syn.post < keep_end; };
  // Whether every synapse has the same delay (a constant or the default; not a list, whose
  // connections may set their own).
  const bool one_delay = !pr.has_from_list() && (!pr.has_delay_ms() || pr.delay_ms().kind_case() == pb::Value::kConstant);
  for (std::uint32_t batch = block_first; batch < block_end; batch += kBatch) {
    const std::uint32_t end = std::min(block_end, batch + kBatch);
    // A block's synapses and keys are scratch of its task; only the kept synapses and the
    // distinct keys stay (in vectors of exactly their size).
    tbb::parallel_for(tbb::blocked_range<std::uint32_t>(batch, end, 1), [&](const auto& range) {
      std::vector<SynapseSpec> block;
      std::vector<Entry> block_keys;
      std::vector<std::uint64_t> packed;
      for (std::uint32_t b = range.begin(); b != range.end(); ++b) {
        block.clear();
        RandomStream rng(in.seed, stream_name, b);
        const std::uint32_t first = b * kConnectBlock;
        if (pr.has_from_list())  // (a connection list is one block: its list, from stream 0)
          generate_list(in, make, rng, block);
        else
          generate_block(in, make, first, std::min(first + kConnectBlock, in.post_size), rng, block);
        scan.block_counts[b - block_first] = block.size();
        collect_keys(block, one_delay, keep_begin,
                     [&](const SynapseSpec& syn) { return !keys_of_kept_only || local(syn); }, block_keys, packed);
        keys[b - batch].assign(block_keys.begin(), block_keys.end());
        std::vector<SynapseSpec>& mine = kept[b - batch];
        mine.clear();
        mine.reserve(static_cast<std::size_t>(std::count_if(block.begin(), block.end(), local)));
        std::copy_if(block.begin(), block.end(), std::back_inserter(mine), local);
        if (want_positions) {
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
    if (want_positions) scan.kept_at.reserve(scan.kept_at.size() + batch_kept);
    for (std::uint32_t b = batch; b < end; ++b) {
      if (want_positions)
        for (std::uint32_t i : kept_at[b - batch])
          scan.kept_at.push_back(static_cast<std::uint64_t>(b - block_first) << 32 | i);
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

std::uint32_t block_count(const ConnectivityInput& in) {
  return in.projection->has_from_list() ? 1 : (in.post_size + kConnectBlock - 1) / kConnectBlock;
}

// The groups and part_first of KeptSynapsePositions from counted keys (sorted, unique), and
// the kept synapses' generation indices from where they lie in their blocks, the scanned
// blocks starting at block_first, and the first generation index of every block.
void positions_from(const std::vector<KeyCount>& counted, const PartScan& scan, std::uint32_t block_first,
                    const std::vector<std::uint64_t>& block_offset, std::vector<GroupKey>& groups,
                    KeptSynapsePositions& positions) {
  groups.clear();
  groups.reserve(counted.size());
  positions.part_first.clear();
  positions.part_first.reserve(counted.size());
  std::uint64_t whole_first = 0;  // of the group in the whole projection
  for (const KeyCount& k : counted) {
    groups.push_back(k.key);
    positions.part_first.push_back(whole_first + k.below);
    whole_first += k.total;
  }
  positions.generation_index.clear();
  positions.generation_index.reserve(scan.kept_at.size());
  for (std::uint64_t at : scan.kept_at)
    positions.generation_index.push_back(block_offset[block_first + (at >> 32)] + (at & 0xffffffffu));
}

}  // namespace

std::vector<SynapseSpec> generate_synapses(const ConnectivityInput& in, std::uint32_t keep_begin,
                                           std::uint32_t keep_end, std::vector<GroupKey>& groups,
                                           std::uint64_t& generated, KeptSynapsePositions* positions) {
  const std::uint32_t blocks = block_count(in);
  PartScan scan;
  const auto total = [&] { return std::accumulate(scan.block_counts.begin(), scan.block_counts.end(), std::uint64_t{0}); };
  if (positions == nullptr) {
    std::vector<SynapseSpec> out = generate_part(in, keep_begin, keep_end, 0, blocks, false, groups, scan, false);
    generated = total();
    return out;
  }
  std::vector<KeyCount> counted;
  std::vector<SynapseSpec> out = generate_part(in, keep_begin, keep_end, 0, blocks, false, counted, scan, true);
  generated = total();
  std::vector<std::uint64_t> block_offset(blocks + 1, 0);
  std::partial_sum(scan.block_counts.begin(), scan.block_counts.end(), block_offset.begin() + 1);
  positions_from(counted, scan, 0, block_offset, groups, *positions);
  return out;
}

std::vector<SynapseSpec> generate_synapses(const ConnectivityInput& in, std::uint32_t keep_begin,
                                           std::uint32_t keep_end, RankExchange& ranks, std::vector<GroupKey>& groups,
                                           std::uint64_t& generated, KeptSynapsePositions* positions) {
  // A connection list is small: every rank reads all of it (no exchange).
  if (in.projection->has_from_list()) return generate_synapses(in, keep_begin, keep_end, groups, generated, positions);
  const std::uint32_t blocks = block_count(in);
  // The blocks holding this rank's targets (the first and last may be shared with its
  // neighbours); it counts for all the blocks whose first target is its own.
  const bool any = keep_begin < keep_end;
  const std::uint32_t block_first = any ? keep_begin / kConnectBlock : 0;
  const std::uint32_t block_end = any ? (keep_end + kConnectBlock - 1) / kConnectBlock : 0;
  const std::uint32_t owned_first = any ? (keep_begin + kConnectBlock - 1) / kConnectBlock : 0;
  const std::uint32_t owned_end = any ? (keep_end + kConnectBlock - 1) / kConnectBlock : 0;
  PartScan scan;
  std::vector<KeyCount> mine;  // keys of the kept synapses, each with their count
  std::vector<SynapseSpec> out =
      generate_part(in, keep_begin, keep_end, block_first, block_end, true, mine, scan, positions != nullptr);
  const std::string what = "generate_synapses: projection '" + in.projection->name() + "'";

  // Every block's count, from the rank that owns it.
  std::vector<std::uint64_t> block_counts(blocks, 0);
  {
    std::vector<std::byte> sent, all;
    std::vector<std::size_t> offsets;
    const auto put = [&](const auto& x) {
      const auto* p = reinterpret_cast<const std::byte*>(&x);
      sent.insert(sent.end(), p, p + sizeof x);
    };
    put(owned_first);
    for (std::uint32_t b = owned_first; b < owned_end; ++b) put(scan.block_counts[b - block_first]);
    ranks.allgather(sent, all, offsets);
    std::vector<char> counted(blocks, 0);
    for (std::uint32_t r = 0; r < ranks.ranks(); ++r) {
      const std::size_t bytes = offsets[r + 1] - offsets[r];
      if (bytes < sizeof(std::uint32_t) || (bytes - sizeof(std::uint32_t)) % sizeof(std::uint64_t) != 0)
        throw std::logic_error(what + ": rank " + std::to_string(r) + " sent a malformed block count message");
      std::uint32_t first;
      std::memcpy(&first, all.data() + offsets[r], sizeof first);
      const std::size_t n = (bytes - sizeof first) / sizeof(std::uint64_t);
      for (std::size_t i = 0; i < n; ++i) {
        if (first + i >= blocks || counted[first + i])
          throw std::logic_error(what + ": block " + std::to_string(first + i) + " counted twice or beyond the last");
        std::memcpy(&block_counts[first + i], all.data() + offsets[r] + sizeof first + i * sizeof(std::uint64_t),
                    sizeof(std::uint64_t));
        counted[first + i] = 1;
      }
    }
    if (std::find(counted.begin(), counted.end(), 0) != counted.end())
      throw std::logic_error(what + ": a block of targets belongs to no rank");
  }
  std::vector<std::uint64_t> block_offset(blocks + 1, 0);
  std::partial_sum(block_counts.begin(), block_counts.end(), block_offset.begin() + 1);
  generated = block_offset[blocks];

  // Every rank's keys with their counts, one range of presynaptic neurons at a time (so that no
  // rank holds every rank's keys at once): the union is the whole projection's groups; a
  // group's synapses on the ranks before this one precede its own in the whole projection.
#pragma pack(push, 1)
  struct Sent {
    std::uint32_t pre;
    double delay_ms;
    std::uint64_t count;
  };
#pragma pack(pop)
  std::vector<KeyCount> counted;  // (with positions; else the keys go straight to `groups`)
  groups.clear();
  const std::uint32_t chunks = ranks.ranks();
  const std::uint64_t step = (static_cast<std::uint64_t>(in.pre_size) + chunks - 1) / chunks;
  std::size_t next = 0;
  for (std::uint32_t c = 0; c < chunks; ++c) {
    const std::uint64_t pre_end = std::min<std::uint64_t>(in.pre_size, (c + 1) * step);
    std::vector<Sent> slice;
    for (; next < mine.size() && mine[next].key.pre < pre_end; ++next)
      slice.push_back({mine[next].key.pre, mine[next].key.delay_ms, mine[next].total});
    std::vector<std::byte> all;
    std::vector<std::size_t> offsets;
    ranks.allgather(std::as_bytes(std::span(slice)), all, offsets);
    struct Tagged {
      GroupKey key;
      std::uint32_t rank;
      std::uint64_t count;
    };
    std::vector<Tagged> received;
    received.reserve((all.size()) / sizeof(Sent));
    for (std::uint32_t r = 0; r < ranks.ranks(); ++r) {
      if ((offsets[r + 1] - offsets[r]) % sizeof(Sent) != 0)
        throw std::logic_error(what + ": rank " + std::to_string(r) + " sent a malformed key message");
      for (std::size_t at = offsets[r]; at < offsets[r + 1]; at += sizeof(Sent)) {
        Sent x;
        std::memcpy(&x, all.data() + at, sizeof x);
        received.push_back({{x.pre, x.delay_ms}, r, x.count});
      }
    }
    std::vector<std::byte>().swap(all);
    std::sort(received.begin(), received.end(), [](const Tagged& a, const Tagged& b) {
      return a.key < b.key || (a.key == b.key && a.rank < b.rank);
    });
    for (const Tagged& t : received) {
      if (positions == nullptr) {  // the keys alone
        if (groups.empty() || !(groups.back() == t.key)) groups.push_back(t.key);
        continue;
      }
      if (counted.empty() || !(counted.back().key == t.key)) counted.push_back({t.key, 0, 0});
      counted.back().total += t.count;
      if (t.rank < ranks.rank()) counted.back().below += t.count;
    }
  }
  if (next != mine.size()) throw std::logic_error(what + ": a key's presynaptic neuron lies beyond the population");
  std::vector<KeyCount>().swap(mine);
  if (positions != nullptr) positions_from(counted, scan, block_first, block_offset, groups, *positions);
  groups.shrink_to_fit();
  return out;
}

}  // namespace ionspike
