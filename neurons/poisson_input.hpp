// External Poisson drive of a grid population (network field `poisson_inputs` of an
// `input_timing: ON_GRID` population; Brian2's PoissonInput): in every step and for every
// neuron, a count c ~ Poisson(rate_Hz * dt) of input spikes of weight w is added to the step's
// input accumulator (acc_ex += c w for w >= 0, acc_in += c |w| for w < 0), as if that many
// spikes of an independent Poisson train had been delivered in the step. No events: the
// population draws the counts itself, block by block, just before its kernel advances the
// block (neurons/grid_population.hpp).
//
// Random streams. Drive d of population P, block b (neurons [512 b, 512 b + 512)) draws from
// RandomStream(seed, "poisson_input:" + P + ":" + d, b). The drives of a population are
// numbered in the order of (rate_Hz, weight), not of their declaration, so reordering them
// in the file changes nothing (two drives with equal rate and weight are interchangeable).
// Each block's stream is advanced only by that block's draws, so the counts depend on
// nothing but (seed, P, d, b, step): not on threads, other populations or declaration order.
//
// Algorithms, with lambda = rate_Hz * dt_ms * 1e-3 (the mean count of a neuron per step):
//   * lambda <= 1 (e.g. 2 kHz at 0.1 ms: 0.2), "merged": the counts of the n neurons of a
//     block are n independent Poisson(lambda) variables exactly when their total is
//     M ~ Poisson(n lambda) and each of the M spikes belongs to a uniformly chosen neuron
//     (the multinomial split of a Poisson total; PoissonSourcePopulation uses the same fact
//     in time). Cost: one Poisson(n lambda) draw and M draws of below(n) per block and step,
//     i.e. about lambda random numbers per neuron and step instead of one or more.
//   * lambda > 1: one Poisson(lambda) draw per neuron.
//   A Poisson(mu) draw (poisson_count) is
//   * mu < 10: inversion by sequential search, K = min{k : U < F(k)} with U = uniform01() and
//     F the cumulative distribution built term by term (p_0 = exp(-mu), p_k = p_{k-1} mu / k);
//     one random number, O(mu) multiplications. The search stops at k = 1000 mu + 100 (where
//     F(k) has rounded to 1; unreachable in practice).
//   * mu >= 10: PTRS, the transformed rejection method with squeeze of W. Hoermann (1993),
//     "The transformed rejection method for generating Poisson random variables",
//     Insurance: Mathematics and Economics 12:39-45 (the algorithm NumPy uses): two uniforms
//     per trial; measured acceptance 0.75 at mu = 10, 0.85 at 102.4, 0.89 at 1e5, i.e. 2.66,
//     2.35 and 2.25 random numbers per draw (O(1) expected cost whatever mu; tested in
//     tests/test_poisson_input.cpp), log k! by a table below 10 and the Stirling series above.
//   Both are exact in distribution up to the 2^-53 resolution of the uniforms; std::exp,
//   std::log and std::sqrt are the only libm calls (engine/random_stream.hpp: last-ulp
//   differences across libm implementations are possible for them).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/random_stream.hpp"
#include "engine/state_archive.hpp"

namespace ionspike {

// log(k!) for k >= 0: exact table below 10, Stirling series (error < 1e-12) from 10 on.
inline double log_factorial(double k) {
  static constexpr std::array<double, 10> kTable = {
      0.0, 0.0, 0.69314718055994530942, 1.79175946922805500081, 3.17805383034794561964,
      4.78749174278204599424, 6.57925121201010099506, 8.52516136106541430017, 10.60460290274525022842,
      12.80182748008146961121};
  if (k < 10.0) return kTable[static_cast<std::size_t>(k)];
  const double x = k + 1.0;  // log Gamma(x), x = k + 1 >= 11
  const double x2 = 1.0 / (x * x);
  return (x - 0.5) * std::log(x) - x + 0.91893853320467274178 +
         (1.0 / 12.0 - x2 * (1.0 / 360.0 - x2 * (1.0 / 1260.0 - x2 / 1680.0))) / x;
}

// The constants of Poisson(mu) variates, computed once per mean (mu >= 0 finite; see the
// header comment for the algorithms): exp(-mu) for inversion below 10, PTRS's above.
struct PoissonConstants {
  explicit PoissonConstants(double mean) : mu(mean) {
    if (!(mu > 0.0)) return;
    if (mu < 10.0) {
      exp_neg_mu = std::exp(-mu);
      return;
    }
    // PTRS (Hoermann 1993), constants as in the paper.
    slam = std::sqrt(mu);
    loglam = std::log(mu);
    b = 0.931 + 2.53 * slam;
    a = -0.059 + 0.02483 * b;
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    v_r = 0.9277 - 3.6224 / (b - 2.0);
    log_inv_alpha = std::log(inv_alpha);
  }
  double mu;
  double exp_neg_mu = 0.0;
  double slam = 0.0, loglam = 0.0, b = 0.0, a = 0.0, inv_alpha = 0.0, v_r = 0.0, log_inv_alpha = 0.0;
};

// One Poisson variate with the given constants.
inline std::uint64_t poisson_count(RandomStream& rng, const PoissonConstants& c) {
  const double mu = c.mu;
  if (!(mu > 0.0)) return 0;
  if (mu < 10.0) {
    const double u = rng.uniform01();
    double p = c.exp_neg_mu;
    double f = p;
    std::uint64_t k = 0;
    const double k_max = 1000.0 * mu + 100.0;
    while (u >= f && static_cast<double>(k) < k_max) {
      ++k;
      p *= mu / static_cast<double>(k);
      f += p;
    }
    return k;
  }
  for (;;) {
    const double u = rng.uniform01() - 0.5;
    const double v = rng.uniform01();
    const double us = 0.5 - std::abs(u);
    const double k = std::floor((2.0 * c.a / us + c.b) * u + mu + 0.43);
    if (us >= 0.07 && v <= c.v_r) return static_cast<std::uint64_t>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    // log(v) of v == 0 is -inf: accepted, as it should be (probability 2^-53).
    if (std::log(v) + c.log_inv_alpha - std::log(c.a / (us * us) + c.b) <= -mu + k * c.loglam - log_factorial(k))
      return static_cast<std::uint64_t>(k);
  }
}

// One Poisson(mu) variate, mu >= 0 finite.
inline std::uint64_t poisson_count(RandomStream& rng, double mu) { return poisson_count(rng, PoissonConstants(mu)); }

// One drive as the network gives it: rate and weight in the target model's unit (signed).
struct PoissonInputSpec {
  double rate_Hz = 0.0;
  double weight = 0.0;
  friend bool operator<(const PoissonInputSpec& a, const PoissonInputSpec& b) {
    return a.rate_Hz < b.rate_Hz || (a.rate_Hz == b.rate_Hz && a.weight < b.weight);
  }
};

// The drives of one population: random streams per (drive, block), a count buffer.
class PoissonInputs {
 public:
  static constexpr std::size_t kBlock = 512;  // neurons per stream (fixed: part of the keys)
  static constexpr double kMergedMaxMean = 1.0;

  PoissonInputs() = default;
  // specs in any order (they are sorted); population_size neurons; dt_ms the step.
  PoissonInputs(std::vector<PoissonInputSpec> specs, std::size_t population_size, double dt_ms,
                std::uint64_t seed, const std::string& population)
      : specs_(std::move(specs)), size_(population_size), counts_(kBlock, 0) {
    std::sort(specs_.begin(), specs_.end());
    const std::size_t blocks = (size_ + kBlock - 1) / kBlock;
    for (std::size_t d = 0; d < specs_.size(); ++d) {
      mean_.push_back(specs_[d].rate_Hz * dt_ms * 1e-3);
      for (std::size_t b = 0; b < blocks; ++b)
        streams_.emplace_back(seed, "poisson_input:" + population + ":" + std::to_string(d), b);
    }
  }

  bool empty() const { return specs_.empty(); }
  std::size_t drives() const { return specs_.size(); }
  const PoissonInputSpec& spec(std::size_t d) const { return specs_[d]; }  // sorted order
  double mean_count(std::size_t d) const { return mean_[d]; }  // per neuron and step

  // Draws this step's counts of drive d for block `block` (neurons [block * kBlock, +len))
  // into counts[0, len) (overwritten). Advances that block's stream only.
  void draw_counts(std::size_t d, std::size_t block, std::size_t len, std::int32_t* counts) {
    RandomStream& rng = streams_[d * blocks() + block];
    const double lambda = mean_[d];
    std::fill(counts, counts + len, 0);
    if (lambda <= kMergedMaxMean) {
      const std::uint64_t total = poisson_count(rng, lambda * static_cast<double>(len));
      for (std::uint64_t i = 0; i < total; ++i) ++counts[rng.below(len)];
      spikes_ += total;
    } else {
      const PoissonConstants constants(lambda);  // once per block and step, not per neuron
      for (std::size_t j = 0; j < len; ++j) {
        const std::uint64_t c = poisson_count(rng, constants);
        counts[j] = static_cast<std::int32_t>(c);
        spikes_ += c;
      }
    }
  }

  // Adds this step's drive of block `block` (len neurons) to the accumulators (offset to the
  // block's first neuron): every drive's counts times its weight, to acc_ex (w >= 0) or acc_in.
  void add_block(std::size_t block, std::size_t len, double* __restrict acc_ex, double* __restrict acc_in) {
    std::int32_t* const c = counts_.data();
    for (std::size_t d = 0; d < specs_.size(); ++d) {
      draw_counts(d, block, len, c);
      const double w = specs_[d].weight;
      double* __restrict acc = w >= 0.0 ? acc_ex : acc_in;
      const double magnitude = std::abs(w);
      for (std::size_t j = 0; j < len; ++j) acc[j] += magnitude * static_cast<double>(c[j]);
    }
  }

  // Input spikes drawn so far, all drives (each the equivalent of one synaptic delivery).
  std::uint64_t spikes() const { return spikes_; }

  // Parallel runs: the drives of neurons [first_block * kBlock, + slice_size) with their
  // streams' current positions and no spikes counted yet; absorb() takes a slice's stream
  // positions back and adds its spikes.
  PoissonInputs slice(std::size_t first_block, std::size_t slice_size) const {
    PoissonInputs out;
    out.specs_ = specs_;
    out.mean_ = mean_;
    out.size_ = slice_size;
    out.counts_.assign(kBlock, 0);
    const std::size_t blocks_out = (slice_size + kBlock - 1) / kBlock;
    for (std::size_t d = 0; d < specs_.size(); ++d)
      for (std::size_t b = 0; b < blocks_out; ++b) out.streams_.push_back(streams_[d * blocks() + first_block + b]);
    return out;
  }
  void absorb(const PoissonInputs& slice, std::size_t first_block) {
    const std::size_t blocks_in = slice.blocks();
    for (std::size_t d = 0; d < specs_.size(); ++d)
      for (std::size_t b = 0; b < blocks_in; ++b)
        streams_[d * blocks() + first_block + b] = slice.streams_[d * blocks_in + b];
    spikes_ += slice.spikes_;
  }

  // Stream positions and the spike count (the drives come from the network description).
  void checkpoint(StateArchive& ar) {
    if (specs_.empty()) return;
    ar.value("poisson_input_spikes", spikes_);
    std::vector<RandomStream::State> states(streams_.size());
    for (std::size_t i = 0; i < streams_.size(); ++i) states[i] = streams_[i].state();
    ar.values("poisson_input_streams", states);
    if (ar.restoring()) {
      for (std::size_t i = 0; i < streams_.size(); ++i) {
        const RandomStream::State& s = states[i];
        if (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0)
          ar.fail("poisson_input_streams", "a stream state is all zero (invalid)");
        streams_[i].set_state(s);
      }
    }
  }

 private:
  std::size_t blocks() const { return (size_ + kBlock - 1) / kBlock; }

  std::vector<PoissonInputSpec> specs_;  // sorted by (rate_Hz, weight)
  std::vector<double> mean_;             // rate_Hz * dt_ms * 1e-3 per drive
  std::size_t size_ = 0;
  std::vector<RandomStream> streams_;    // [drive * blocks + block]
  std::vector<std::int32_t> counts_;     // one block's counts
  std::uint64_t spikes_ = 0;
};

// Implemented by populations that accept `poisson_inputs` (GridPopulation); the network
// builder hands them their drives after construction.
class PoissonInputReceiver {
 public:
  virtual void set_poisson_inputs(std::vector<PoissonInputSpec> specs, std::uint64_t seed) = 0;
  // Input spikes its drives have added so far.
  virtual std::uint64_t poisson_input_spikes() const = 0;

 protected:
  ~PoissonInputReceiver() = default;
};

}  // namespace ionspike
