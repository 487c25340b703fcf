// Tests for engine/random_stream.hpp.
//
// Statistical checks use fixed seeds (so they are deterministic) and 4-sigma tolerances computed
// from the exact distribution of the statistic, so a wrong algorithm fails them by a wide margin.
#include <catch2/catch.hpp>

#include <bit>

#include "engine/random_stream.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

using ionspike::RandomStream;

namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

std::vector<std::uint64_t> first_u64(RandomStream r, std::size_t n) {
  std::vector<std::uint64_t> out(n);
  for (auto& x : out) x = r.next_u64();
  return out;
}

struct Moments {
  double n = 0, mean = 0, m2 = 0, m3 = 0, m4 = 0;  // central moments (population)
};

template <class Draw>
Moments moments(std::size_t n, Draw draw) {
  std::vector<double> xs(n);
  double sum = 0;
  for (auto& x : xs) {
    x = draw();
    sum += x;
  }
  Moments m;
  m.n = static_cast<double>(n);
  m.mean = sum / m.n;
  for (const double x : xs) {
    const double d = x - m.mean, d2 = d * d;
    m.m2 += d2;
    m.m3 += d2 * d;
    m.m4 += d2 * d2;
  }
  m.m2 /= m.n;
  m.m3 /= m.n;
  m.m4 /= m.n;
  return m;
}

double std_normal_pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2 * std::numbers::pi); }
double std_normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Known answers
// ---------------------------------------------------------------------------------------------

TEST_CASE("xoshiro256++ matches the reference implementation for state {1,2,3,4}", "[random]") {
  // Produced by xoshiro256plusplus.c (Blackman & Vigna); identical to rand_xoshiro's vector.
  const std::array<std::uint64_t, 10> expected = {
      41943041ULL,
      58720359ULL,
      3588806011781223ULL,
      3591011842654386ULL,
      9228616714210784205ULL,
      9973669472204895162ULL,
      14011001112246962877ULL,
      12406186145184390807ULL,
      15849039046786891736ULL,
      10450023813501588000ULL,
  };
  RandomStream r(0, "any");
  r.set_state({1, 2, 3, 4});
  for (const auto e : expected) REQUIRE(r.next_u64() == e);
}

TEST_CASE("mix64 is the SplitMix64 finaliser", "[random]") {
  // SplitMix64 seeded with 0 outputs mix64(k * golden) for k = 1, 2, 3 (reference splitmix64.c).
  constexpr std::uint64_t golden = 0x9e3779b97f4a7c15ULL;
  STATIC_REQUIRE(ionspike::mix64(golden) == 0xe220a8397b1dcdafULL);
  REQUIRE(ionspike::mix64(2 * golden) == 0x6e789e6aa1b965f4ULL);
  REQUIRE(ionspike::mix64(3 * golden) == 0x06c45d188009454fULL);
  REQUIRE(ionspike::mix64(1234567 + golden) == 0x599ed017fb08fc85ULL);
  REQUIRE(ionspike::mix64(0) == 0);
}

TEST_CASE("hash_name is FNV-1a 64 followed by mix64", "[random]") {
  // Published FNV-1a 64 test vectors.
  STATIC_REQUIRE(ionspike::fnv1a64("") == 0xcbf29ce484222325ULL);
  REQUIRE(ionspike::fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  REQUIRE(ionspike::fnv1a64("foobar") == 0x85944171f73967e8ULL);
  REQUIRE(ionspike::hash_name("foobar") == ionspike::mix64(0x85944171f73967e8ULL));
  // Bytes >= 0x80 are hashed as unsigned (same on signed- and unsigned-char platforms).
  REQUIRE(ionspike::fnv1a64("\xff") == ((0xcbf29ce484222325ULL ^ 0xffULL) * 0x100000001b3ULL));
  REQUIRE(ionspike::hash_name("ab") != ionspike::hash_name("ba"));
}

TEST_CASE("stream derivation is pinned (changing it breaks replay of saved runs)", "[random]") {
  // Values computed with an independent Python implementation of the scheme documented in
  // random_stream.hpp. If this fails, the derivation changed: every recorded seed would replay
  // differently.
  REQUIRE(ionspike::hash_name("poisson:input") == 0xad71252c20cbe78cULL);
  REQUIRE(ionspike::stream_key(42, "poisson:input", 3) == 0xd5d2ebfb26fe0909ULL);
  RandomStream r(42, "poisson:input", 3);
  REQUIRE(r.next_u64() == 0xfc9cf13572d5adb9ULL);
  REQUIRE(r.next_u64() == 0x2e9f5ab6e3719006ULL);
  REQUIRE(r.next_u64() == 0x1a9ba9b3a12d405bULL);
  REQUIRE(r.next_u64() == 0x7dc1f3ee5a0772e0ULL);
  RandomStream z(0, "");
  REQUIRE(z.next_u64() == 0xf29fed163143eee9ULL);
  REQUIRE(z.next_u64() == 0x4f94b1b1f7ca3f24ULL);
}

TEST_CASE("counter-based keys: derive_key and keyed streams are pinned", "[random]") {
  // Independent Python implementation, as above: a stream keyed by
  // derive_key(derive_key(stream_key(42, "poisson:input", 3), 7), bits of 12.5).
  const std::uint64_t key = ionspike::stream_key(42, "poisson:input", 3);
  REQUIRE(ionspike::derive_key(key, 7) == 0x20e35867adf7a709ULL);
  const std::uint64_t derived = ionspike::derive_key(ionspike::derive_key(key, 7), std::bit_cast<std::uint64_t>(12.5));
  REQUIRE(derived == 0x28d4224108acea16ULL);
  RandomStream d = RandomStream::keyed(derived);
  REQUIRE(d.next_u64() == 0x74cb34d51d153e93ULL);
  REQUIRE(d.next_u64() == 0x8e6b7cf716762925ULL);
  // A named stream is the keyed stream of its key.
  RandomStream named(42, "poisson:input", 3), keyed = RandomStream::keyed(key);
  for (int i = 0; i < 8; ++i) REQUIRE(named.next_u64() == keyed.next_u64());
  // Bijective in the counter: neighbouring counters never share a key.
  REQUIRE(ionspike::derive_key(key, 0) != ionspike::derive_key(key, 1));
}

TEST_CASE("portable 128-bit multiply agrees with the native one", "[random]") {
  RandomStream r(7, "mul128");
  const std::array<std::uint64_t, 6> edge = {0, 1, 0xffffffffULL, 0x100000000ULL, kU64Max,
                                             0x8000000000000000ULL};
  auto check = [](std::uint64_t a, std::uint64_t b) {
    const auto p = ionspike::detail::mul128_portable(a, b);
    const auto q = ionspike::detail::mul128(a, b);
    REQUIRE(p.hi == q.hi);
    REQUIRE(p.lo == q.lo);
  };
  for (const auto a : edge)
    for (const auto b : edge) check(a, b);
  for (int i = 0; i < 10000; ++i) check(r.next_u64(), r.next_u64());
  const auto m = ionspike::detail::mul128_portable(kU64Max, kU64Max);  // (2^64-1)^2
  REQUIRE(m.hi == kU64Max - 1);
  REQUIRE(m.lo == 1);
}

// ---------------------------------------------------------------------------------------------
// Reproducibility and independence
// ---------------------------------------------------------------------------------------------

TEST_CASE("same triple gives the same sequence, any differing component gives another", "[random]") {
  const auto base = first_u64(RandomStream(12345, "connect:ee", 7), 1000);
  REQUIRE(first_u64(RandomStream(12345, "connect:ee", 7), 1000) == base);
  REQUIRE(first_u64(RandomStream(12345, std::string("connect:") + "ee", 7), 1000) == base);

  auto differs_everywhere = [&](RandomStream r) {
    const auto other = first_u64(r, 1000);
    std::size_t equal = 0;
    for (std::size_t i = 0; i < other.size(); ++i) equal += (other[i] == base[i]);
    return equal == 0;
  };
  CHECK(differs_everywhere(RandomStream(12346, "connect:ee", 7)));   // seed
  CHECK(differs_everywhere(RandomStream(12345, "connect:ei", 7)));   // name
  CHECK(differs_everywhere(RandomStream(12345, "connect:e", 7)));    // name prefix
  CHECK(differs_everywhere(RandomStream(12345, "connect:ee ", 7)));  // name suffix
  CHECK(differs_everywhere(RandomStream(12345, "connect:ee", 8)));   // index
  CHECK(differs_everywhere(RandomStream(12345, "connect:ee", 0)));   // default-ish index
  // Components are not interchangeable.
  CHECK(first_u64(RandomStream(1, "x", 2), 4) != first_u64(RandomStream(2, "x", 1), 4));
  CHECK(first_u64(RandomStream(0, "x"), 4) == first_u64(RandomStream(0, "x", 0), 4));
}

TEST_CASE("stream keys are distinct over a grid of triples", "[random]") {
  std::vector<std::uint64_t> keys;
  for (std::uint64_t seed = 0; seed < 8; ++seed)
    for (const char* name : {"", "a", "b", "ab", "ba", "poisson:input", "connect:ee"})
      for (std::uint64_t index = 0; index < 64; ++index)
        keys.push_back(ionspike::stream_key(seed, name, index));
  std::sort(keys.begin(), keys.end());
  REQUIRE(std::adjacent_find(keys.begin(), keys.end()) == keys.end());
}

TEST_CASE("streams do not depend on creation order or on other streams' use", "[random]") {
  std::vector<std::uint64_t> a_alone, b_alone;
  {
    RandomStream a(99, "poisson:input", 0);
    for (int i = 0; i < 100; ++i) a_alone.push_back(a.next_u64());
  }
  {
    RandomStream b(99, "poisson:input", 1);
    for (int i = 0; i < 100; ++i) b_alone.push_back(b.next_u64());
  }
  // Created in the opposite order, with extra streams around, and used interleaved.
  RandomStream noise(99, "noise", 0);
  RandomStream b(99, "poisson:input", 1);
  for (int i = 0; i < 37; ++i) noise.next_u64();
  RandomStream a(99, "poisson:input", 0);
  std::vector<std::uint64_t> a_mixed, b_mixed;
  for (int i = 0; i < 100; ++i) {
    b_mixed.push_back(b.next_u64());
    noise.normal(0, 1);
    a_mixed.push_back(a.next_u64());
  }
  REQUIRE(a_mixed == a_alone);
  REQUIRE(b_mixed == b_alone);
}

TEST_CASE("neighbouring streams are uncorrelated", "[random]") {
  constexpr int n = 200'000;
  RandomStream a(5, "block", 0), b(5, "block", 1), c(6, "block", 0);
  double sab = 0, sac = 0;
  for (int i = 0; i < n; ++i) {
    const double x = a.uniform01() - 0.5, y = b.uniform01() - 0.5, z = c.uniform01() - 0.5;
    sab += x * y;
    sac += x * z;
  }
  // Correlation estimate has sd 1/sqrt(n).
  const double tol = 4.0 / std::sqrt(static_cast<double>(n));
  CHECK(std::abs(12.0 * sab / n) < tol);
  CHECK(std::abs(12.0 * sac / n) < tol);
}

TEST_CASE("state round-trips and resumes the sequence", "[random]") {
  RandomStream r(3, "checkpoint", 11);
  for (int i = 0; i < 10; ++i) r.next_u64();
  const auto saved = r.state();
  const auto expected = first_u64(r, 50);

  RandomStream other(0, "elsewhere");
  other.set_state(saved);
  REQUIRE(other.state() == saved);
  REQUIRE(first_u64(other, 50) == expected);

  REQUIRE_THROWS_AS(other.set_state({0, 0, 0, 0}), std::invalid_argument);

  // Exact restore including the cached second normal of a pair.
  RandomStream n1(3, "normals");
  n1.normal(0, 1);  // leaves a cached value
  REQUIRE(n1.cached_normal().has_value());
  const auto st = n1.state();
  const auto cache = n1.cached_normal();
  const double next1 = n1.normal(2, 3), next2 = n1.normal(2, 3);
  RandomStream n2(0, "x");
  n2.set_state(st);
  REQUIRE_FALSE(n2.cached_normal().has_value());  // set_state discards the cache
  n2.set_cached_normal(cache);
  REQUIRE(n2.normal(2, 3) == next1);
  REQUIRE(n2.normal(2, 3) == next2);
}

// ---------------------------------------------------------------------------------------------
// Uniforms
// ---------------------------------------------------------------------------------------------

TEST_CASE("uniform01 and uniform_open01 are exact functions of the u64 output", "[random]") {
  RandomStream r(8, "exact"), copy = r;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t x = copy.next_u64();
    REQUIRE(r.uniform01() == std::ldexp(static_cast<double>(x >> 11), -53));
    const std::uint64_t y = copy.next_u64();
    REQUIRE(r.uniform_open01() == std::ldexp(2.0 * static_cast<double>(y >> 12) + 1.0, -53));
  }
}

TEST_CASE("uniforms at the extreme generator outputs", "[random]") {
  // State {0,1,0,0} makes the next output 0; state {0,0,0,~0} makes it 2^64-1.
  RandomStream r(0, "edge");
  const RandomStream::State zero_out = {0, 1, 0, 0}, max_out = {0, 0, 0, kU64Max};

  r.set_state(zero_out);
  REQUIRE(r.state() == zero_out);
  REQUIRE(RandomStream(r).next_u64() == 0);
  REQUIRE(RandomStream(r).uniform01() == 0.0);
  REQUIRE(RandomStream(r).uniform_open01() == std::ldexp(1.0, -53));
  {
    // Output 0 gives low word 0 < 2^64 mod 1000 = 616: below() must reject it and use the next.
    RandomStream c(r);
    REQUIRE(c.next_u64() == 0);
    const auto m = ionspike::detail::mul128(c.next_u64(), 1000);
    REQUIRE(m.lo >= 616);
    REQUIRE(RandomStream(r).below(1000) == m.hi);
    REQUIRE(RandomStream(r).below(1) == 0);  // 2^64 mod 1 = 0: nothing to reject
  }
  const double e = RandomStream(r).exponential(1.0);
  REQUIRE(std::isfinite(e));
  REQUIRE(e == Approx(53 * std::numbers::ln2));
  // floor(53 ln 2 / -ln 0.8) = floor(164.63): largest skip the (0,1) grid can produce at p=0.2.
  REQUIRE(RandomStream(r).geometric_skips(0.2) == 164);
  REQUIRE(RandomStream(r).uniform(-2.0, 3.0) == -2.0);

  r.set_state(max_out);
  REQUIRE(RandomStream(r).next_u64() == kU64Max);
  REQUIRE(RandomStream(r).uniform01() == 1.0 - std::ldexp(1.0, -53));
  REQUIRE(RandomStream(r).uniform_open01() == 1.0 - std::ldexp(1.0, -53));
  REQUIRE(RandomStream(r).below(1000) == 999);
  REQUIRE(RandomStream(r).exponential(1.0) > 0.0);
  REQUIRE(RandomStream(r).geometric_skips(0.5) == 0);
  // low + (high-low)*u rounds up to high here; the result must stay below high.
  REQUIRE(RandomStream(r).uniform(1e16, 1e16 + 2.0) < 1e16 + 2.0);
  REQUIRE(RandomStream(r).uniform(0.0, 1.0) < 1.0);
}

TEST_CASE("uniform01: range, 53-bit resolution, mean and variance", "[random][stats]") {
  constexpr std::size_t n = 1'000'000;
  RandomStream r(2024, "uniform01");
  bool in_range = true, odd_ulp_seen = false;
  const Moments m = moments(n, [&] {
    const double u = r.uniform01();
    in_range = in_range && u >= 0.0 && u < 1.0;
    const double k = std::ldexp(u, 53);
    odd_ulp_seen = odd_ulp_seen || std::fmod(k, 2.0) == 1.0;
    return u;
  });
  REQUIRE(in_range);
  REQUIRE(odd_ulp_seen);  // uses the full 53 bits, not 52
  // mean 1/2, sd of sample mean sqrt(1/12/n); variance 1/12, Var(s^2) = (mu4 - sigma^4)/n with
  // mu4 = 1/80.
  const double nd = static_cast<double>(n);
  CHECK(std::abs(m.mean - 0.5) < 4 * std::sqrt(1.0 / 12 / nd));
  CHECK(std::abs(m.m2 - 1.0 / 12) < 4 * std::sqrt((1.0 / 80 - 1.0 / 144) / nd));
}

TEST_CASE("uniform_open01 and uniform(low, high)", "[random][stats]") {
  constexpr std::size_t n = 1'000'000;
  const double nd = static_cast<double>(n);
  RandomStream r(2024, "uniform_open01");
  bool in_range = true;
  const Moments m = moments(n, [&] {
    const double u = r.uniform_open01();
    in_range = in_range && u > 0.0 && u < 1.0;
    return u;
  });
  REQUIRE(in_range);
  CHECK(std::abs(m.mean - 0.5) < 4 * std::sqrt(1.0 / 12 / nd));

  RandomStream s(2024, "uniform");
  bool in_ab = true;
  const Moments mu = moments(n, [&] {
    const double x = s.uniform(-3.0, 5.0);
    in_ab = in_ab && x >= -3.0 && x < 5.0;
    return x;
  });
  REQUIRE(in_ab);
  CHECK(std::abs(mu.mean - 1.0) < 4 * 8.0 * std::sqrt(1.0 / 12 / nd));
  CHECK(std::abs(mu.m2 - 64.0 / 12) < 4 * 64.0 * std::sqrt((1.0 / 80 - 1.0 / 144) / nd));

  REQUIRE(s.uniform(2.5, 2.5) == 2.5);
  REQUIRE_THROWS_AS(s.uniform(1.0, 0.0), std::invalid_argument);
  REQUIRE_THROWS_AS(s.uniform(0.0, std::numeric_limits<double>::infinity()), std::invalid_argument);
  REQUIRE_THROWS_AS(s.uniform(std::numeric_limits<double>::quiet_NaN(), 1.0), std::invalid_argument);
}

TEST_CASE("below(7) passes a chi-square test", "[random][stats]") {
  constexpr std::size_t n = 1'000'000;
  constexpr std::uint64_t k = 7;
  RandomStream r(77, "below");
  std::array<double, k> counts{};
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t x = r.below(k);
    REQUIRE(x < k);
    counts[x] += 1;
  }
  const double expected = static_cast<double>(n) / k;
  double chi2 = 0;
  for (const double c : counts) chi2 += (c - expected) * (c - expected) / expected;
  // 6 degrees of freedom: mean 6, sd sqrt(12); P(chi2 > 27.86) = 1e-4.
  CHECK(chi2 < 27.86);
}

TEST_CASE("below() rejects to remove the multiply-shift bias", "[random][stats]") {
  // For n = 3 * 2^62 the bare multiply-shift maps 2 of every 4 u64 values onto results divisible
  // by 3, i.e. P(result % 3 == 0) = 1/2 instead of 1/3. Only the rejection step fixes this.
  constexpr std::uint64_t n = 3ULL << 62;
  constexpr std::size_t draws = 200'000;
  RandomStream r(31, "below:bias");
  double div3 = 0;
  for (std::size_t i = 0; i < draws; ++i) {
    const std::uint64_t x = r.below(n);
    REQUIRE(x < n);
    div3 += (x % 3 == 0);
  }
  const double frac = div3 / draws;
  CHECK(std::abs(frac - 1.0 / 3) < 4 * std::sqrt((1.0 / 3) * (2.0 / 3) / draws));

  // Without rejection, below(n) is exactly the high half of next_u64() * n.
  RandomStream s(32, "below:exact"), copy = s;
  for (int i = 0; i < 1000; ++i) {
    const auto m = ionspike::detail::mul128(copy.next_u64(), 1000);
    REQUIRE(m.lo >= (0 - 1000ULL) % 1000);  // rejection (probability ~ 5e-17) not hit here
    REQUIRE(s.below(1000) == m.hi);
  }

  REQUIRE(r.below(1) == 0);
  REQUIRE_THROWS_AS(r.below(0), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Continuous distributions
// ---------------------------------------------------------------------------------------------

TEST_CASE("exponential(5): mean 0.2, coefficient of variation 1, P(X > mean) = 1/e", "[random][stats]") {
  constexpr std::size_t n = 1'000'000;
  const double nd = static_cast<double>(n);
  constexpr double rate = 5.0, mean = 1.0 / rate;
  RandomStream r(5, "exponential");
  bool positive = true;
  double above_mean = 0;
  const Moments m = moments(n, [&] {
    const double x = r.exponential(rate);
    positive = positive && x > 0.0 && std::isfinite(x);
    above_mean += (x > mean);
    return x;
  });
  REQUIRE(positive);
  // sd of the sample mean: mean/sqrt(n). For the exponential, the delta method gives
  // sd(CV_hat) = 1/sqrt(n) (Var(s/sigma) = 2/n, Var(m/mu) = 1/n, covariance 1/n).
  CHECK(std::abs(m.mean - mean) < 4 * mean / std::sqrt(nd));
  CHECK(std::abs(std::sqrt(m.m2) / m.mean - 1.0) < 4 / std::sqrt(nd));
  const double p = std::exp(-1.0);
  CHECK(std::abs(above_mean / nd - p) < 4 * std::sqrt(p * (1 - p) / nd));

  REQUIRE_THROWS_AS(r.exponential(0.0), std::invalid_argument);
  REQUIRE_THROWS_AS(r.exponential(-1.0), std::invalid_argument);
}

TEST_CASE("normal: moments, tails, and independence of the cached pair member", "[random][stats]") {
  constexpr std::size_t n = 1'000'000;
  const double nd = static_cast<double>(n);
  constexpr double mu = -1.5, sigma = 2.5;
  RandomStream r(6, "normal");
  std::vector<double> xs(n);
  for (auto& x : xs) x = r.normal(mu, sigma);
  Moments m;
  {
    std::size_t i = 0;
    m = moments(n, [&] { return xs[i++]; });
  }
  // Standard errors: mean sigma/sqrt(n); variance sigma^2 sqrt(2/n); skewness sqrt(6/n);
  // excess kurtosis sqrt(24/n).
  CHECK(std::abs(m.mean - mu) < 4 * sigma / std::sqrt(nd));
  CHECK(std::abs(m.m2 - sigma * sigma) < 4 * sigma * sigma * std::sqrt(2 / nd));
  CHECK(std::abs(m.m3 / std::pow(m.m2, 1.5)) < 4 * std::sqrt(6 / nd));
  CHECK(std::abs(m.m4 / (m.m2 * m.m2) - 3.0) < 4 * std::sqrt(24 / nd));

  // Tail mass beyond 2 sigma: 2 * (1 - Phi(2)).
  double beyond2 = 0;
  for (const double x : xs) beyond2 += (std::abs(x - mu) > 2 * sigma);
  const double p2 = 2 * std_normal_cdf(-2.0);
  CHECK(std::abs(beyond2 / nd - p2) < 4 * std::sqrt(p2 * (1 - p2) / nd));

  // The two members of each polar pair (xs[2i], xs[2i+1]) must be uncorrelated, and so must
  // consecutive pairs.
  double within = 0, across = 0;
  for (std::size_t i = 0; i + 2 < n; i += 2) {
    within += (xs[i] - mu) * (xs[i + 1] - mu);
    across += (xs[i + 1] - mu) * (xs[i + 2] - mu);
  }
  const double pairs = nd / 2;
  CHECK(std::abs(within / pairs / (sigma * sigma)) < 4 / std::sqrt(pairs));
  CHECK(std::abs(across / pairs / (sigma * sigma)) < 4 / std::sqrt(pairs));

  // The cached value is a standard normal, rescaled by the next call's parameters.
  RandomStream c(6, "cache");
  REQUIRE_FALSE(c.cached_normal().has_value());
  c.normal(0, 1);
  const auto z = c.cached_normal();
  REQUIRE(z.has_value());
  const auto before = c.state();
  REQUIRE(c.normal(10, 3) == 10 + 3 * *z);
  REQUIRE(c.state() == before);  // consumed no generator output
  REQUIRE_FALSE(c.cached_normal().has_value());

  REQUIRE(c.normal(4.0, 0.0) == 4.0);
  REQUIRE_THROWS_AS(c.normal(0, -1), std::invalid_argument);
}

TEST_CASE("truncated_normal redraws inside the bounds", "[random][stats]") {
  constexpr std::size_t n = 500'000;
  const double nd = static_cast<double>(n);

  SECTION("symmetric interval: mean preserved, variance of the truncated law, nothing on the bounds") {
    constexpr double mu = 3.0, sigma = 2.0, lo = 1.0, hi = 5.0;  // mu -/+ 1 sigma
    RandomStream r(7, "truncnorm:sym");
    bool inside = true;
    double on_bounds = 0;
    const Moments m = moments(n, [&] {
      const double x = r.truncated_normal(mu, sigma, lo, hi);
      inside = inside && x >= lo && x <= hi;
      on_bounds += (x == lo || x == hi);
      return x;
    });
    REQUIRE(inside);
    REQUIRE(on_bounds == 0);  // clamping would put ~32% of the mass here
    // Variance of N(0,1) truncated to [-1,1]: 1 - 2 phi(1) / (2 Phi(1) - 1) = 0.29113.
    const double z = 2 * std_normal_cdf(1.0) - 1;
    const double var = sigma * sigma * (1 - 2 * std_normal_pdf(1.0) / z);
    CHECK(std::abs(m.mean - mu) < 4 * std::sqrt(var / nd));
    // Clamping would give a variance of 0.516 sigma^2 instead of 0.291 sigma^2.
    CHECK(std::abs(m.m2 - var) < 4 * std::sqrt((m.m4 - m.m2 * m.m2) / nd));
  }

  SECTION("asymmetric interval: mean of the truncated law") {
    constexpr double mu = 10.0, sigma = 4.0, a = -0.5, b = 2.0;  // standardised bounds
    RandomStream r(7, "truncnorm:asym");
    bool inside = true;
    const Moments m = moments(n, [&] {
      const double x = r.truncated_normal(mu, sigma, mu + a * sigma, mu + b * sigma);
      inside = inside && x >= mu + a * sigma && x <= mu + b * sigma;
      return x;
    });
    REQUIRE(inside);
    const double z = std_normal_cdf(b) - std_normal_cdf(a);
    const double mean = mu + sigma * (std_normal_pdf(a) - std_normal_pdf(b)) / z;  // 11.783
    CHECK(std::abs(m.mean - mean) < 4 * std::sqrt(m.m2 / nd));
  }

  SECTION("argument errors") {
    RandomStream r(7, "truncnorm:errors");
    REQUIRE_THROWS_AS(r.truncated_normal(0, 1, 1.0, -1.0), std::invalid_argument);
    REQUIRE_THROWS_AS(r.truncated_normal(0, 1, std::numeric_limits<double>::quiet_NaN(), 1.0),
                      std::invalid_argument);
    REQUIRE_THROWS_AS(r.truncated_normal(0, 1, 10.0, 11.0), std::runtime_error);
    REQUIRE_THROWS_WITH(r.truncated_normal(0, 1, 10.0, 11.0), Catch::Contains("too improbable"));
    // Degenerate but valid: stddev 0 with the mean inside the interval.
    REQUIRE(r.truncated_normal(0.5, 0.0, 0.0, 1.0) == 0.5);
    // Half-infinite intervals are fine.
    REQUIRE(r.truncated_normal(0, 1, 0.0, std::numeric_limits<double>::infinity()) >= 0.0);
  }
}

TEST_CASE("truncated_normal gives up after more than 10'000 consecutive rejections", "[random]") {
  // Count the generator words consumed: it must have drawn exactly 10'001 normals.
  RandomStream r(8, "truncnorm:count"), reference = r;
  REQUIRE_THROWS_AS(r.truncated_normal(0, 1, 50.0, 51.0), std::runtime_error);
  for (std::uint64_t i = 0; i < RandomStream::kMaxTruncatedNormalRejections + 1; ++i)
    reference.normal(0, 1);
  REQUIRE(r.state() == reference.state());
  REQUIRE(r.cached_normal() == reference.cached_normal());
}

// ---------------------------------------------------------------------------------------------
// Geometric skips
// ---------------------------------------------------------------------------------------------

TEST_CASE("geometric_skips(0.1): mean (1-p)/p and the geometric law", "[random][stats]") {
  constexpr std::size_t n = 1'000'000;
  const double nd = static_cast<double>(n);
  constexpr double p = 0.1;
  RandomStream r(9, "connect:skip");
  constexpr int bins = 20;  // k = 0..19 and a tail bin
  std::array<double, bins + 1> counts{};
  const Moments m = moments(n, [&] {
    const std::uint64_t k = r.geometric_skips(p);
    counts[k < bins ? k : bins] += 1;
    return static_cast<double>(k);
  });
  const double mean = (1 - p) / p, var = (1 - p) / (p * p);
  CHECK(std::abs(m.mean - mean) < 4 * std::sqrt(var / nd));
  CHECK(std::abs(m.m2 - var) < 0.05 * var);

  // Chi-square against P(K = k) = (1-p)^k p, tail P(K >= 20) = (1-p)^20. 20 dof:
  // P(chi2 > 52.4) ~ 1e-4.
  double chi2 = 0;
  for (int k = 0; k <= bins; ++k) {
    const double prob = (k < bins ? p : 1.0) * std::pow(1 - p, k);
    const double e = prob * nd;
    chi2 += (counts[k] - e) * (counts[k] - e) / e;
  }
  CHECK(chi2 < 52.4);
}

TEST_CASE("geometric_skips edge cases", "[random]") {
  RandomStream r(10, "connect:edge");
  const auto before = r.state();
  for (int i = 0; i < 100; ++i) REQUIRE(r.geometric_skips(1.0) == 0);
  REQUIRE(r.state() == before);  // p == 1 consumes nothing

  for (int i = 0; i < 100; ++i) REQUIRE(r.geometric_skips(1e-300) == kU64Max);  // saturates
  REQUIRE(r.geometric_skips(std::numeric_limits<double>::denorm_min()) == kU64Max);

  REQUIRE_THROWS_AS(r.geometric_skips(0.0), std::invalid_argument);
  REQUIRE_THROWS_AS(r.geometric_skips(-0.5), std::invalid_argument);
  REQUIRE_THROWS_AS(r.geometric_skips(1.5), std::invalid_argument);
  REQUIRE_THROWS_AS(r.geometric_skips(std::numeric_limits<double>::quiet_NaN()),
                    std::invalid_argument);
}
