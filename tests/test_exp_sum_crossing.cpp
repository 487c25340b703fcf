#include "neurons/exp_sum_crossing.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <iomanip>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <utility>

#include <catch2/catch.hpp>

using ionspike::exp_sum_value;
using ionspike::ExpTerm;
using ionspike::first_upcrossing;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A brute-force answer: the first up-crossing of g = f - threshold on [0, t_max], or none;
// ill_conditioned when g comes within kNear of 0 before its first crossing (a near touch,
// g(0) or g(t_max) near 0), where the answer depends on rounding.
struct Reference {
  std::optional<double> crossing;
  bool ill_conditioned = false;
};

constexpr double kNear = 1e-9;

class BruteForce {
 public:
  BruteForce(double constant, std::span<const ExpTerm> terms, double threshold)
      : offset_(constant - threshold), terms_(terms) {}

  // Own evaluation of g, independent of the code under test.
  double g(double t) const {
    double sum = offset_;
    for (const ExpTerm& term : terms_) sum += term.coefficient * std::exp(-term.rate_per_ms * t);
    return sum;
  }

  // Scan the grid k * step (exponentials by recurrence, resynchronised every 1024 steps); a
  // sample with g >= 0 or a local maximum of the samples (refined by golden section) gives a
  // bracket, which is bisected with direct evaluation to 1e-13.
  Reference scan(double t_max, double step = 1e-4) const {
    Reference ref;
    double g_prev = g(0.0);
    if (std::abs(g_prev) < kNear) return ill();
    if (g_prev >= 0.0) {
      ref.crossing = 0.0;
      return ref;
    }
    const auto n_steps = static_cast<long>(std::ceil(t_max / step));
    std::array<double, 3> e{}, q{};
    for (std::size_t i = 0; i < terms_.size(); ++i) q[i] = std::exp(-terms_[i].rate_per_ms * step);
    double g_prev2 = -kInf, t_prev = 0.0, t_prev2 = 0.0;
    for (long k = 1; k <= n_steps; ++k) {
      const double t = k == n_steps ? t_max : static_cast<double>(k) * step;
      double gk = offset_;
      for (std::size_t i = 0; i < terms_.size(); ++i) {
        e[i] = (k % 1024 == 1 || k == n_steps) ? std::exp(-terms_[i].rate_per_ms * t) : e[i] * q[i];
        gk += terms_[i].coefficient * e[i];
      }
      if (std::abs(gk) < kNear) return ill();
      if (gk > 0.0) {
        ref.crossing = bisect(t_prev, t);
        return ref;
      }
      if (k >= 2 && g_prev > g_prev2 && g_prev >= gk) {  // sampled local maximum near t_prev
        const auto [t_peak, g_peak] = maximum(t_prev2, t);
        if (std::abs(g_peak) < kNear) return ill();
        if (g_peak > 0.0) {
          ref.crossing = bisect(t_prev2, t_peak);
          return ref;
        }
      }
      g_prev2 = g_prev;
      g_prev = gk;
      t_prev2 = t_prev;
      t_prev = t;
    }
    return ref;
  }

 private:
  static Reference ill() {
    Reference ref;
    ref.ill_conditioned = true;
    return ref;
  }

  // g(lo) < 0 <= g(hi).
  double bisect(double lo, double hi) const {
    for (int i = 0; i < 200 && hi - lo > 1e-13; ++i) {
      const double mid = lo + 0.5 * (hi - lo);
      (g(mid) >= 0.0 ? hi : lo) = mid;
    }
    return hi;
  }

  std::pair<double, double> maximum(double lo, double hi) const {
    const double inv_phi = (std::sqrt(5.0) - 1.0) / 2.0;
    double x1 = hi - inv_phi * (hi - lo), x2 = lo + inv_phi * (hi - lo);
    double g1 = g(x1), g2 = g(x2);
    for (int i = 0; i < 200 && hi - lo > 1e-13; ++i) {
      if (g1 < g2) {
        lo = x1;
        x1 = x2;
        g1 = g2;
        x2 = lo + inv_phi * (hi - lo);
        g2 = g(x2);
      } else {
        hi = x2;
        x2 = x1;
        g2 = g1;
        x1 = hi - inv_phi * (hi - lo);
        g1 = g(x1);
      }
    }
    return g1 > g2 ? std::pair{x1, g1} : std::pair{x2, g2};
  }

  double offset_;
  std::span<const ExpTerm> terms_;
};

struct RandomCase {
  double constant = 0.0;
  std::array<ExpTerm, 3> storage{};
  std::size_t count = 0;
  double threshold = 0.0;
  double t_max = 0.0;
  std::span<const ExpTerm> terms() const { return {storage.data(), count}; }
};

// Random exponential sums with thresholds chosen so that transient crossings, near misses,
// monotone crossings, immediate crossings and no crossing all occur.
RandomCase random_case(std::mt19937_64& rng, std::size_t count) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  RandomCase c;
  c.count = count;
  c.constant = -1.0 + 2.0 * unit(rng);
  for (std::size_t i = 0; i < count; ++i) {
    bool distinct = false;
    while (!distinct) {
      c.storage[i].rate_per_ms = 0.1 + 2.9 * unit(rng);
      distinct = true;
      for (std::size_t j = 0; j < i; ++j)
        distinct = distinct && std::abs(c.storage[i].rate_per_ms - c.storage[j].rate_per_ms) > 1e-3;
    }
    c.storage[i].coefficient = -2.0 + 4.0 * unit(rng);
  }
  c.t_max = unit(rng) < 0.5 ? 10.0 : 1.0 + 9.0 * unit(rng);
  if (unit(rng) < 0.8) {  // between f(0) and a bit above the coarse maximum
    const double f0 = exp_sum_value(c.constant, c.terms(), 0.0);
    double f_max = f0;
    for (double t = 0.0; t <= c.t_max; t += 0.01)
      f_max = std::max(f_max, exp_sum_value(c.constant, c.terms(), t));
    c.threshold = f0 + 1e-6 + 1.2 * unit(rng) * (f_max - f0);
  } else {
    c.threshold = -3.0 + 6.0 * unit(rng);
  }
  return c;
}

std::string describe(const RandomCase& c) {
  std::ostringstream out;
  out << std::setprecision(17) << "f(t) = " << c.constant;
  for (const ExpTerm& term : c.terms())
    out << " + " << term.coefficient << " exp(-" << term.rate_per_ms << " t)";
  out << ", threshold " << c.threshold << ", t_max " << c.t_max;
  return out.str();
}

// The returned crossing is a crossing, and f is below threshold just before it.
void check_crossing_property(double constant, std::span<const ExpTerm> terms, double threshold,
                             double t) {
  INFO("t = " << t);
  REQUIRE(t >= 0.0);
  REQUIRE(exp_sum_value(constant, terms, t) >= threshold - 1e-12);
  if (t > 0.0) REQUIRE(exp_sum_value(constant, terms, std::max(0.0, t - 1e-7)) < threshold);
}

// LIF membrane with an exponential current: V(t) = c0 + a e^{-t/10} + b e^{-t/2},
// V(0) = v0, b = -drive (drive > 0 depolarises, since e^{-t/2} < e^{-t/10}).
constexpr double kTauM = 10.0, kTauS = 2.0, kRest = -65.0, kTheta = -50.0;

std::array<ExpTerm, 2> lif_terms(double v0, double drive) {
  return {ExpTerm{v0 - kRest + drive, 1.0 / kTauM}, ExpTerm{-drive, 1.0 / kTauS}};
}

// Peak of e^{-t/10} - e^{-t/2}: at t* = ln 5 / 0.4, value 0.8 * 5^{-1/4}.
const double kLifPeak = 0.8 * std::pow(5.0, -0.25);
const double kCriticalDrive = (kTheta - kRest) / kLifPeak;  // V(0) = rest: peak == threshold

}  // namespace

TEST_CASE("exp_sum_value evaluates constant plus exponentials", "[exp_sum_crossing]") {
  const std::array<ExpTerm, 3> terms{{{2.0, 0.5}, {-1.5, 0.1}, {0.25, 3.0}}};
  for (double t : {0.0, 0.3, 1.0, 7.5, 100.0}) {
    const double expected =
        1.25 + 2.0 * std::exp(-0.5 * t) - 1.5 * std::exp(-0.1 * t) + 0.25 * std::exp(-3.0 * t);
    CHECK(exp_sum_value(1.25, terms, t) == Approx(expected).epsilon(1e-15));
  }
  CHECK(exp_sum_value(-3.0, {}, 5.0) == -3.0);
}

TEST_CASE("one term: crossing matches the closed form", "[exp_sum_crossing]") {
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int i = 0; i < 2000; ++i) {
    const double rate = 0.01 * std::pow(1000.0, unit(rng));  // 0.01 .. 10 per ms
    const double constant = -70.0 + 40.0 * unit(rng);
    const double threshold = constant - (1e-3 + 10.0 * unit(rng));  // constant > threshold
    const double log_ratio = 0.01 + 20.0 * unit(rng);
    const double c = (threshold - constant) * std::exp(log_ratio);  // c < 0: f(0) < threshold
    const std::array<ExpTerm, 1> term{{{c, rate}}};
    const double expected = std::log(c / (threshold - constant)) / rate;
    const auto t = first_upcrossing(constant, term, threshold);
    INFO("case " << i << " rate " << rate << " c " << c);
    REQUIRE(t.has_value());
    REQUIRE(std::abs(*t - expected) <= 1e-12 * expected);
    REQUIRE(first_upcrossing(constant, term, threshold, expected * (1.0 - 1e-9)) == std::nullopt);
    REQUIRE(first_upcrossing(constant, term, threshold, expected * (1.0 + 1e-9)).has_value());
  }

  SECTION("crossing very close to 0 has no cancellation") {
    // ln(-c/K) with -c/K = 1 + 1e-11: the naive log(c / (threshold - constant)) loses ~5 digits.
    const double offset = 0.1, c = -(0.1 + 1e-12), rate = 0.7;
    const std::array<ExpTerm, 1> term{{{c, rate}}};
    const long double ratio_m1 = -static_cast<long double>(offset + c) / offset;
    const double expected = static_cast<double>(std::log1p(ratio_m1) / rate);
    const auto t = first_upcrossing(offset, term, 0.0);
    REQUIRE(t.has_value());
    CHECK(std::abs(*t - expected) <= 1e-12 * expected);
  }
  SECTION("no crossing") {
    const std::array<ExpTerm, 1> decaying_from_below{{{-1.0, 0.5}}};
    CHECK(first_upcrossing(-1.0, decaying_from_below, 0.0) == std::nullopt);  // K < 0, rising
    const std::array<ExpTerm, 1> decaying_from_above{{{0.5, 0.5}}};
    CHECK(first_upcrossing(-1.0, decaying_from_above, 0.0) == std::nullopt);
    CHECK(first_upcrossing(-1.0, decaying_from_above, 0.0, 1e6) == std::nullopt);
  }
}

TEST_CASE("LIF with exponential synapse: transient crossings and near misses",
          "[exp_sum_crossing]") {
  struct LifCase {
    double v0, drive;
    bool crosses;
  };
  const double just = 1e-7;  // peak exceeds or misses threshold by ~1.5e-6 mV
  const LifCase cases[] = {
      {kRest, 40.0, true},
      {kRest, 1.01 * kCriticalDrive, true},
      {kRest, kCriticalDrive * (1.0 + just), true},
      {kRest, kCriticalDrive * (1.0 - just), false},
      {kRest, 0.9 * kCriticalDrive, false},
      {-55.0, 20.0, true},
      {-55.0, 5.0, false},
      {-60.0, -10.0, false},  // hyperpolarising current
      {-51.0, 5.0, false},    // rises, peaks 0.8 mV short
      {-51.0, 8.0, true},
  };
  for (const LifCase& lif : cases) {
    const auto terms = lif_terms(lif.v0, lif.drive);
    INFO("v0 " << lif.v0 << " drive " << lif.drive);
    REQUIRE(exp_sum_value(kRest, terms, 0.0) == Approx(lif.v0).epsilon(1e-15));
    const Reference ref = BruteForce(kRest, terms, kTheta).scan(100.0);
    REQUIRE_FALSE(ref.ill_conditioned);
    REQUIRE(ref.crossing.has_value() == lif.crosses);

    const auto t = first_upcrossing(kRest, terms, kTheta);  // infinite horizon
    REQUIRE(t.has_value() == lif.crosses);
    const auto t_finite = first_upcrossing(kRest, terms, kTheta, 100.0);
    REQUIRE(t_finite.has_value() == lif.crosses);
    if (t) {
      REQUIRE(std::abs(*t - *ref.crossing) <= 1e-9);
      REQUIRE(std::abs(*t_finite - *t) <= 1e-12);
      check_crossing_property(kRest, terms, kTheta, *t);
      REQUIRE(exp_sum_value(kRest, terms, 60.0) < kTheta);  // transient: decays below again
    }
  }
}

namespace {

struct RandomTally {
  int immediate = 0, monotone = 0, transient = 0, none = 0, skipped = 0;
};

RandomTally check_random_against_reference(std::size_t count, int n_cases, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  RandomTally tally;
  for (int i = 0; i < n_cases; ++i) {
    const RandomCase c = random_case(rng, count);
    const Reference ref = BruteForce(c.constant, c.terms(), c.threshold).scan(c.t_max);
    if (ref.ill_conditioned) {
      ++tally.skipped;
      continue;
    }
    const auto t = first_upcrossing(c.constant, c.terms(), c.threshold, c.t_max);
    INFO("case " << i << ": " << describe(c) << "; reference "
                  << (ref.crossing ? *ref.crossing : -1.0) << ", result " << (t ? *t : -1.0));
    REQUIRE(t.has_value() == ref.crossing.has_value());
    if (!t) {
      ++tally.none;
      continue;
    }
    REQUIRE(std::abs(*t - *ref.crossing) <= 1e-8);
    check_crossing_property(c.constant, c.terms(), c.threshold, *t);
    if (*t == 0.0)
      ++tally.immediate;
    else if (c.constant < c.threshold)
      ++tally.transient;
    else
      ++tally.monotone;
  }
  return tally;
}

}  // namespace

TEST_CASE("three terms: random cases match a brute-force reference", "[exp_sum_crossing]") {
  const int n_cases = 3000;
  const RandomTally tally = check_random_against_reference(3, n_cases, 0x5eed'2024);
  INFO("immediate " << tally.immediate << " monotone " << tally.monotone << " transient "
                    << tally.transient << " none " << tally.none << " skipped " << tally.skipped);
  // The mix must exercise every branch; skipping is rare.
  CHECK(tally.immediate >= 100);
  CHECK(tally.monotone >= 200);
  CHECK(tally.transient >= 200);
  CHECK(tally.none >= 300);
  CHECK(tally.skipped <= n_cases / 100);
}

TEST_CASE("two terms: random cases match a brute-force reference", "[exp_sum_crossing]") {
  const int n_cases = 1000;
  const RandomTally tally = check_random_against_reference(2, n_cases, 77);
  INFO("immediate " << tally.immediate << " monotone " << tally.monotone << " transient "
                    << tally.transient << " none " << tally.none << " skipped " << tally.skipped);
  CHECK(tally.transient >= 30);
  CHECK(tally.none >= 100);
  CHECK(tally.skipped <= n_cases / 100);
}

TEST_CASE("returned crossing is a crossing with f below threshold just before",
          "[exp_sum_crossing]") {
  std::mt19937_64 rng(987654321);
  int crossings = 0;
  for (int i = 0; i < 20000; ++i) {
    const RandomCase c = random_case(rng, 1 + static_cast<std::size_t>(i % 3));
    const double t_max = i % 2 == 0 ? c.t_max : kInf;
    const auto t = first_upcrossing(c.constant, c.terms(), c.threshold, t_max);
    if (!t) continue;
    ++crossings;
    INFO("case " << i << ": " << describe(c) << " t_max " << t_max);
    REQUIRE(*t <= t_max);
    check_crossing_property(c.constant, c.terms(), c.threshold, *t);
  }
  CHECK(crossings >= 5000);
}

TEST_CASE("edge cases: f(0) >= threshold, infinite horizon, t_max cut-off", "[exp_sum_crossing]") {
  SECTION("f(0) >= threshold returns 0") {
    const std::array<ExpTerm, 2> at{{{1.0, 0.5}, {1.0, 2.0}}};
    CHECK(first_upcrossing(0.0, at, 2.0) == 0.0);  // f(0) == threshold exactly
    CHECK(first_upcrossing(0.0, at, 2.0, 0.0) == 0.0);
    CHECK(first_upcrossing(0.0, at, 1.5) == 0.0);
    const std::array<ExpTerm, 3> three{{{3.0, 0.1}, {-1.0, 0.2}, {-1.0, 0.3}}};
    CHECK(first_upcrossing(-0.5, three, 0.4) == 0.0);
    CHECK(first_upcrossing(5.0, {}, 4.0) == 0.0);
    CHECK(first_upcrossing(3.0, {}, 4.0) == std::nullopt);
    CHECK(first_upcrossing(0.0, at, 2.5, 0.0) == std::nullopt);
  }

  SECTION("constant > threshold with infinite t_max always crosses") {
    std::mt19937_64 rng(4242);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int i = 0; i < 2000; ++i) {
      std::array<ExpTerm, 3> terms{{{-100.0 * unit(rng), 0.01 + 0.2 * unit(rng)},
                                    {-50.0 + 100.0 * unit(rng), 0.3 + unit(rng)},
                                    {-50.0 + 100.0 * unit(rng), 1.5 + 3.0 * unit(rng)}}};
      const double excess = std::pow(10.0, -9.0 + 9.0 * unit(rng));  // constant - threshold
      const double threshold = -50.0, constant = threshold + excess;
      const auto t = first_upcrossing(constant, terms, threshold);
      INFO("case " << i << " excess " << excess);
      REQUIRE(t.has_value());
      REQUIRE(std::isfinite(*t));
      REQUIRE(exp_sum_value(constant, terms, *t) >= threshold - 1e-12);
      if (*t > 0.0) REQUIRE(exp_sum_value(constant, terms, 0.99 * *t) < threshold);
    }
  }

  SECTION("long horizon with widely separated rates") {
    // g(t) = 0.5 - 3 e^{-0.001 t} + e^{-50 t} - 2 e^{-5 t}: crossing near ln(6)/0.001 ms.
    const std::array<ExpTerm, 3> terms{{{-3.0, 0.001}, {1.0, 50.0}, {-2.0, 5.0}}};
    const auto t = first_upcrossing(1.0, terms, 0.5);
    REQUIRE(t.has_value());
    CHECK(std::abs(*t - std::log(6.0) / 0.001) <= 1e-12 * *t);
    CHECK(first_upcrossing(1.0, terms, 0.5, 1791.0) == std::nullopt);
  }

  SECTION("constant == threshold: the slowest term decides") {
    // e^{-0.1 t} - 2 e^{-0.5 t} = 0  <=>  t = ln 2 / 0.4.
    const std::array<ExpTerm, 2> rising{{{1.0, 0.1}, {-2.0, 0.5}}};
    const auto t = first_upcrossing(-50.0, rising, -50.0);
    REQUIRE(t.has_value());
    CHECK(std::abs(*t - std::log(2.0) / 0.4) <= 1e-13);
    const std::array<ExpTerm, 3> never{{{-1.0, 0.1}, {0.5, 0.5}, {0.25, 1.0}}};
    CHECK(first_upcrossing(-50.0, never, -50.0) == std::nullopt);
  }

  SECTION("zero coefficients are ignored") {
    const std::array<ExpTerm, 3> terms{{{0.0, 0.1}, {-2.0, 0.5}, {0.0, 1.0}}};
    const auto t = first_upcrossing(1.0, terms, 0.0);
    REQUIRE(t.has_value());
    CHECK(std::abs(*t - std::log(2.0) / 0.5) <= 1e-15);
  }

  SECTION("t_max cuts off later crossings") {
    // LIF transient: any t_max before the crossing gives none, any t_max after the same crossing.
    const auto lif = lif_terms(kRest, 40.0);
    const auto first = first_upcrossing(kRest, lif, kTheta);
    REQUIRE(first.has_value());
    CHECK(first_upcrossing(kRest, lif, kTheta, *first - 1e-6) == std::nullopt);
    for (double t_max : {*first + 1e-6, 10.0, 1e6}) {
      const auto t = first_upcrossing(kRest, lif, kTheta, t_max);
      REQUIRE(t.has_value());
      CHECK(std::abs(*t - *first) <= 1e-12);
    }

    // f(t) = 1 - 1.5 e^{-0.05 t} + 3 e^{-0.5 t} - 2.6 e^{-t}: f(0) = -0.1, transient peak
    // 0.452 at t ~ 1.29, dip to 0.029 at t ~ 6.5, then rises to 1.
    const std::array<ExpTerm, 3> terms{{{-1.5, 0.05}, {3.0, 0.5}, {-2.6, 1.0}}};
    const double constant = 1.0;
    // threshold 0.6: the peak misses, the late rise crosses.
    const Reference late = BruteForce(constant, terms, 0.6).scan(100.0);
    REQUIRE_FALSE(late.ill_conditioned);
    REQUIRE(late.crossing.has_value());
    REQUIRE(*late.crossing > 10.0);
    const auto t_late = first_upcrossing(constant, terms, 0.6);
    REQUIRE(t_late.has_value());
    CHECK(std::abs(*t_late - *late.crossing) <= 1e-9);
    CHECK(first_upcrossing(constant, terms, 0.6, *late.crossing - 1e-6) == std::nullopt);
    CHECK(first_upcrossing(constant, terms, 0.6, 5.0) == std::nullopt);
    const auto t_late_cut = first_upcrossing(constant, terms, 0.6, *late.crossing + 1e-6);
    REQUIRE(t_late_cut.has_value());
    CHECK(std::abs(*t_late_cut - *t_late) <= 1e-12);

    // threshold 0.3: up at the peak, down, up again later; only the first counts.
    const Reference early = BruteForce(constant, terms, 0.3).scan(100.0);
    REQUIRE_FALSE(early.ill_conditioned);
    REQUIRE(early.crossing.has_value());
    REQUIRE(*early.crossing < 1.3);
    for (double t_max : {*early.crossing + 1e-6, 3.0, 10.0, 50.0, kInf}) {
      const auto t = first_upcrossing(constant, terms, 0.3, t_max);
      REQUIRE(t.has_value());
      CHECK(std::abs(*t - *early.crossing) <= 1e-9);
    }
    CHECK(first_upcrossing(constant, terms, 0.3, *early.crossing - 1e-6) == std::nullopt);
  }
}
