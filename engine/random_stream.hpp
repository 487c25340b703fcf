// ionspike — seeded, reproducible, construction-order-independent random streams.
//
// EVERY source of randomness in the simulator (Poisson inputs, connectivity, initial conditions,
// delays, weight jitter, ...) MUST be a RandomStream built from (master seed, name, index).
// Do not use std::rand, std::random_device, std:: engines or std:: distributions anywhere.
//
// ---------------------------------------------------------------------------------------------
// Why not <random>?
//   * The std:: distributions (uniform_real_distribution, normal_distribution, poisson_...,
//     bernoulli_..., ...) have implementation-defined algorithms: the same engine output gives
//     different numbers under libstdc++, libc++ and MSVC, and may change between library versions.
//     A simulation saved with "seed 42" would then not replay elsewhere.
//   * The std:: engines are not wanted either: minstd is statistically weak, ranlux is slow,
//     mt19937_64 carries 2.5 KB of state and is awkward to seed well (std::seed_seq). We need
//     many small, cheap, independently keyed streams.
//   Everything below is defined bit for bit in this file.
//
// Algorithms
//   * Generator: xoshiro256++ (Blackman & Vigna, 2019; reference code xoshiro256plusplus.c at
//     https://prng.di.unimi.it/). 256-bit state, period 2^256-1, passes BigCrush/PractRand.
//     output = rotl(s0 + s3, 23) + s0, followed by the reference state transition.
//   * mix64: the SplitMix64 output finaliser (Stafford "Mix13" variant used by SplitMix64):
//         z = (z ^ z>>30) * 0xbf58476d1ce4e5b9;  z = (z ^ z>>27) * 0x94d049bb133111eb;  z ^ z>>31
//     It is a bijection on 64-bit integers with full avalanche.
//   * hash_name: FNV-1a 64 over the bytes of the name, then mix64.
//   * Stream key from the triple (master_seed, name, index):
//         k = mix64(master_seed + 0x9e3779b97f4a7c15)
//         k = mix64(k ^ hash_name(name))
//         k = mix64(k ^ mix64(index + 0x632be59bd9b4e019))
//     Each step is a bijection in the component it absorbs, so two triples that differ in exactly
//     one component always get different keys (for the name: unless the two names have the same
//     64-bit hash, probability 2^-64). The key depends on nothing but the triple: no global
//     counter, no registry, so streams are independent of how many other streams exist and of
//     the order in which they are created or used.
//   * Seeding: the four xoshiro state words are the first four outputs of SplitMix64 started at k
//     (state += 0x9e3779b97f4a7c15; output mix64(state)), as recommended by the xoshiro authors.
//     Four consecutive SplitMix64 outputs are never all zero (mix64 is a bijection and only
//     mix64(0) == 0), so the forbidden all-zero xoshiro state cannot arise.
//
// Variates
//   * uniform01       (next >> 11) * 2^-53                     in [0,1), all multiples of 2^-53
//   * uniform_open01  ((next >> 12) + 0.5) * 2^-52              in (0,1), min 2^-53, max 1-2^-53
//   * uniform(lo,hi)  lo + (hi-lo)*uniform01()                  in [lo,hi) (see below)
//   * below(n)        Lemire's multiply-shift with rejection    exactly uniform on [0,n)
//   * exponential     -log(uniform_open01())/rate
//   * normal          Marsaglia polar method; the second value of each pair is cached and
//                     returned (as a standard normal, rescaled) by the next normal() call
//   * truncated_normal  redraw normal() until inside [low, high]; never clamps
//   * geometric_skips floor(log(uniform_open01()) / log1p(-p)), saturating at UINT64_MAX
//   Every call consumes a fixed, documented number of 64-bit outputs except below() (rejection,
//   rarely), normal()/truncated_normal() (polar rejection) and geometric_skips(1.0) (consumes
//   none).
//
// Portability of the bits
//   next_u64, below, uniform01, uniform_open01 and uniform are bit-identical on every IEEE-754
//   platform (only correctly rounded +,-,*,/). normal, truncated_normal, exponential and
//   geometric_skips also call std::log / std::log1p (and sqrt, which is exact-rounded): across
//   different libm implementations they may differ in the last ulp. Never build with
//   -ffast-math or -ffp-contract=fast (GCC contracts by default in C++ where the target has
//   FMA; the build passes -ffp-contract=off, CMakeLists.txt).
//
// Streams are ordinary values: copying one duplicates its future sequence (two copies produce the
// same numbers). Pass by reference; create a new (name, index) for new independent randomness.
// ---------------------------------------------------------------------------------------------
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ionspike {

// SplitMix64 output finaliser: a bijective 64-bit mixer.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Plain FNV-1a 64 of the bytes of s (exposed for testing against published vectors).
constexpr std::uint64_t fnv1a64(std::string_view s) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) {
    h ^= static_cast<std::uint64_t>(static_cast<unsigned char>(c));
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Stable, platform-independent 64-bit hash of a stream name.
constexpr std::uint64_t hash_name(std::string_view s) noexcept { return mix64(fnv1a64(s)); }

// The 64-bit key of the stream (master_seed, name, index); see the header comment.
constexpr std::uint64_t stream_key(std::uint64_t master_seed, std::string_view name,
                                   std::uint64_t index) noexcept {
  std::uint64_t k = mix64(master_seed + 0x9e3779b97f4a7c15ULL);
  k = mix64(k ^ hash_name(name));
  k = mix64(k ^ mix64(index + 0x632be59bd9b4e019ULL));
  return k;
}

// A key derived from `key` and a counter (counter-based draws: the stream of an EIS synapse's
// update at one time is keyed by (projection key, synapse, time), so the draws do not depend
// on the order in which updates happen; engine/parallel_run.hpp). Bijective in the counter.
constexpr std::uint64_t derive_key(std::uint64_t key, std::uint64_t counter) noexcept {
  return mix64(key ^ mix64(counter + 0x632be59bd9b4e019ULL));
}

namespace detail {

constexpr std::uint64_t rotl64(std::uint64_t x, int k) noexcept {
  return (x << k) | (x >> (64 - k));
}

// High and low halves of the 128-bit product a*b.
struct Mul128 {
  std::uint64_t hi;
  std::uint64_t lo;
};

// Portable version (always compiled, so it can be tested against the native one).
constexpr Mul128 mul128_portable(std::uint64_t a, std::uint64_t b) noexcept {
  const std::uint64_t a_lo = a & 0xffffffffULL, a_hi = a >> 32;
  const std::uint64_t b_lo = b & 0xffffffffULL, b_hi = b >> 32;
  const std::uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
  const std::uint64_t mid = (ll >> 32) + (lh & 0xffffffffULL) + (hl & 0xffffffffULL);
  return {hh + (lh >> 32) + (hl >> 32) + (mid >> 32), (mid << 32) | (ll & 0xffffffffULL)};
}

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 uint128_t;
constexpr Mul128 mul128(std::uint64_t a, std::uint64_t b) noexcept {
  const uint128_t p = static_cast<uint128_t>(a) * b;
  return {static_cast<std::uint64_t>(p >> 64), static_cast<std::uint64_t>(p)};
}
#else
constexpr Mul128 mul128(std::uint64_t a, std::uint64_t b) noexcept {
  return mul128_portable(a, b);
}
#endif

}  // namespace detail

class RandomStream {
 public:
  using State = std::array<std::uint64_t, 4>;

  // Consecutive out-of-interval draws tolerated by truncated_normal before it gives up.
  static constexpr std::uint64_t kMaxTruncatedNormalRejections = 10'000;

  RandomStream(std::uint64_t master_seed, std::string_view name, std::uint64_t index = 0) noexcept
      : RandomStream(stream_key(master_seed, name, index), KeyTag{}) {}

  // The stream of a 64-bit key (stream_key, or derive_key for counter-based draws); seeded as
  // described in the header comment. RandomStream(seed, name, index) is keyed(stream_key(...)).
  static RandomStream keyed(std::uint64_t key) noexcept { return RandomStream(key, KeyTag{}); }

  // xoshiro256++ (reference algorithm, bit for bit).
  std::uint64_t next_u64() noexcept {
    const std::uint64_t result = detail::rotl64(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = detail::rotl64(s_[3], 45);
    return result;
  }

  // Uniform in [0,1) on the grid k * 2^-53. One u64.
  double uniform01() noexcept { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // Uniform in (0,1) on the grid (k + 1/2) * 2^-52: never 0 nor 1, safe for log. One u64.
  double uniform_open01() noexcept {
    return (static_cast<double>(next_u64() >> 12) + 0.5) * 0x1.0p-52;
  }

  // Uniform in [low, high) (returns low when low == high). Rounding of low + (high-low)*u can
  // reach high; such a result is replaced by the largest double below high. One u64.
  // Throws std::invalid_argument unless low <= high and high - low is finite.
  double uniform(double low, double high) {
    if (!(low <= high) || !std::isfinite(high - low))
      throw std::invalid_argument("RandomStream::uniform: need finite low <= high");
    const double r = low + (high - low) * uniform01();
    if (r >= high && high > low) return std::nextafter(high, low);
    return r;
  }

  // Uniform integer in [0, n), exactly unbiased (Lemire 2019, "Fast random integer generation in
  // an interval", with the rejection step). Throws std::invalid_argument for n == 0.
  std::uint64_t below(std::uint64_t n) {
    if (n == 0) throw std::invalid_argument("RandomStream::below: n must be > 0");
    detail::Mul128 m = detail::mul128(next_u64(), n);
    if (m.lo < n) {
      const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
      while (m.lo < threshold) m = detail::mul128(next_u64(), n);
    }
    return m.hi;
  }

  // Exponential with mean 1/rate. One u64. Throws std::invalid_argument unless rate > 0.
  double exponential(double rate) {
    if (!(rate > 0.0)) throw std::invalid_argument("RandomStream::exponential: rate must be > 0");
    return -std::log(uniform_open01()) / rate;
  }

  // Normal(mean, stddev) by the Marsaglia polar method. Each accepted pair yields two standard
  // normals; the second is cached and used by the next call (whatever its mean/stddev).
  // Throws std::invalid_argument unless stddev >= 0 and finite.
  double normal(double mean, double stddev) {
    if (!(stddev >= 0.0) || !std::isfinite(stddev))
      throw std::invalid_argument("RandomStream::normal: stddev must be finite and >= 0");
    return mean + stddev * standard_normal();
  }

  // Normal(mean, stddev) conditioned on [low, high], by redrawing normal() (never clamping).
  // Throws std::invalid_argument if low > high (or either is NaN), and std::runtime_error if more
  // than kMaxTruncatedNormalRejections consecutive draws fall outside the interval.
  double truncated_normal(double mean, double stddev, double low, double high) {
    if (!(low <= high))
      throw std::invalid_argument("RandomStream::truncated_normal: need low <= high, got [" +
                                  std::to_string(low) + ", " + std::to_string(high) + "]");
    std::uint64_t rejections = 0;
    for (;;) {
      const double x = normal(mean, stddev);
      if (x >= low && x <= high) return x;
      if (++rejections > kMaxTruncatedNormalRejections)
        throw std::runtime_error(
            "RandomStream::truncated_normal: interval [" + std::to_string(low) + ", " +
            std::to_string(high) + "] is too improbable under Normal(mean=" + std::to_string(mean) +
            ", stddev=" + std::to_string(stddev) + "): more than " +
            std::to_string(kMaxTruncatedNormalRejections) + " consecutive draws fell outside");
    }
  }

  // Number of failures before the first success in Bernoulli(p) trials, 0 < p <= 1:
  // floor(log(U)/log1p(-p)) with U = uniform_open01() (one u64); p == 1 returns 0 and consumes
  // nothing. Saturates at UINT64_MAX for astronomically small p (callers adding the result to an
  // index must still check for overflow). Throws std::invalid_argument unless 0 < p <= 1.
  std::uint64_t geometric_skips(double p) {
    if (!(p > 0.0 && p <= 1.0))
      throw std::invalid_argument("RandomStream::geometric_skips: need 0 < p <= 1");
    if (p == 1.0) return 0;
    const double k = std::floor(std::log(uniform_open01()) / std::log1p(-p));
    // 2^64 as a double; anything at or above it (including +inf) saturates.
    if (!(k < 18446744073709551616.0)) return std::numeric_limits<std::uint64_t>::max();
    return static_cast<std::uint64_t>(k);
  }

  // Generator state, for checkpoints. set_state discards any cached normal; to restore exactly,
  // also save/restore cached_normal().
  State state() const noexcept { return s_; }
  void set_state(const State& s) {
    if (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0)
      throw std::invalid_argument("RandomStream::set_state: the all-zero state is invalid");
    s_ = s;
    cached_normal_.reset();
  }

  // The standard normal (mean 0, stddev 1) that the next normal() call will use, if any.
  std::optional<double> cached_normal() const noexcept { return cached_normal_; }
  void set_cached_normal(std::optional<double> z) noexcept { cached_normal_ = z; }

 private:
  struct KeyTag {};
  RandomStream(std::uint64_t key, KeyTag) noexcept {
    std::uint64_t sm = key;
    for (auto& word : s_) {
      sm += 0x9e3779b97f4a7c15ULL;
      word = mix64(sm);
    }
  }

  double standard_normal() noexcept {
    if (cached_normal_) {
      const double z = *cached_normal_;
      cached_normal_.reset();
      return z;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform01() - 1.0;
      v = 2.0 * uniform01() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    cached_normal_ = v * f;
    return u * f;
  }

  State s_{};
  std::optional<double> cached_normal_{};
};

}  // namespace ionspike
