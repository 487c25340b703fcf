#include "neurons/exp_sum_crossing.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include <boost/math/tools/roots.hpp>

namespace ionspike {
namespace {

constexpr unsigned kToleranceBits = 50;          // bracket width <= 2^-49 relative
constexpr std::uintmax_t kMaxRootIterations = 100;

// offset + sum_{i < count} terms[i].coefficient * exp(-terms[i].rate_per_ms * t), with
// rates > 0 strictly ascending and nonzero coefficients.
struct ExpSum {
  double offset = 0.0;
  std::array<ExpTerm, kMaxExpTerms> terms{};
  std::size_t count = 0;

  double operator()(double t) const {
    double sum = offset;
    for (std::size_t i = 0; i < count; ++i)
      sum += terms[i].coefficient * std::exp(-terms[i].rate_per_ms * t);
    return sum;
  }
};

// Up to kMaxExpTerms points, ascending.
struct Points {
  std::array<double, kMaxExpTerms> t{};
  std::size_t count = 0;

  void push(double value) {
    assert(count < t.size());
    if (count < t.size()) t[count++] = value;
  }
};

// g with zero coefficients dropped and terms sorted by rate.
ExpSum make_exp_sum(double offset, std::span<const ExpTerm> terms) {
  ExpSum g;
  g.offset = offset;
  for (const ExpTerm& term : terms) {
    if (term.coefficient == 0.0) continue;
    std::size_t i = g.count++;  // insertion sort, at most 3 terms
    for (; i > 0 && g.terms[i - 1].rate_per_ms > term.rate_per_ms; --i) g.terms[i] = g.terms[i - 1];
    g.terms[i] = term;
  }
  return g;
}

// e^{r_0 t} g(t) for g.offset == 0: c_0 + sum_{i>=1} c_i e^{-(r_i - r_0) t}. Same sign as g.
ExpSum divide_out_slowest(const ExpSum& g) {
  assert(g.offset == 0.0 && g.count > 0);
  const ExpTerm slowest = g.terms[0];
  ExpSum s;
  s.offset = slowest.coefficient;
  for (std::size_t i = 1; i < g.count; ++i)
    s.terms[s.count++] = {g.terms[i].coefficient, g.terms[i].rate_per_ms - slowest.rate_per_ms};
  return s;
}

// e^{r_0 t} g'(t) = -r_0 c_0 + sum_{i>=1} (-r_i c_i) e^{-(r_i - r_0) t}: same zeros as g'.
ExpSum scaled_derivative(const ExpSum& g) {
  assert(g.count > 0);
  const ExpTerm slowest = g.terms[0];
  ExpSum h;
  h.offset = -slowest.rate_per_ms * slowest.coefficient;
  for (std::size_t i = 1; i < g.count; ++i)
    h.terms[h.count++] = {-g.terms[i].rate_per_ms * g.terms[i].coefficient,
                          g.terms[i].rate_per_ms - slowest.rate_per_ms};
  return h;
}

// Zero of offset + c e^{-r t} (any sign of t): e^{-r t} = -offset / c requires opposite signs;
// t = ln(-c / offset) / r = log1p(-(offset + c) / offset) / r, exact near t = 0.
std::optional<double> single_term_zero(double offset, const ExpTerm& term) {
  const double c = term.coefficient;
  if (offset == 0.0 || c == 0.0 || (offset > 0.0) == (c > 0.0)) return std::nullopt;
  return std::log1p(-(offset + c) / offset) / term.rate_per_ms;
}

// Time t >= 0 after which every transient is below |offset| / (2n): sign g = sign offset.
double sign_stable_horizon(const ExpSum& g) {
  assert(g.offset != 0.0);
  const double log_2n = std::log(2.0 * static_cast<double>(g.count));
  const double log_offset = std::log(std::abs(g.offset));
  double horizon = 0.0;
  for (std::size_t i = 0; i < g.count; ++i) {
    const double t =
        (log_2n + std::log(std::abs(g.terms[i].coefficient)) - log_offset) / g.terms[i].rate_per_ms;
    horizon = std::max(horizon, t);
  }
  return horizon;
}

// A zero of g in [a, b], where ga = g(a) and gb = g(b) have opposite "signs" (negative vs.
// nonnegative). Returns the end of the final bracket on the side of b, keeping the sign of gb.
double refine_zero(const ExpSum& g, double a, double b, double ga, double gb) {
  std::uintmax_t max_iter = kMaxRootIterations;
  const auto bracket = boost::math::tools::toms748_solve(
      [&g](double t) { return g(t); }, a, b, ga, gb,
      boost::math::tools::eps_tolerance<double>(kToleranceBits), max_iter);
  return bracket.second;
}

// The points in (lo, hi) where g changes sign, ascending (zero counts as nonnegative).
Points sign_changes(const ExpSum& g, double lo, double hi) {
  Points zeros;
  if (g.count == 0) return zeros;
  if (g.count == 1) {
    const auto t = single_term_zero(g.offset, g.terms[0]);
    if (t && lo < *t && *t < hi) zeros.push(*t);
    return zeros;
  }
  // g is monotone between consecutive critical points; at most one zero in each piece.
  const Points critical = sign_changes(scaled_derivative(g), lo, hi);
  double a = lo;
  double ga = g(lo);
  for (std::size_t k = 0; k <= critical.count; ++k) {
    const double b = k < critical.count ? critical.t[k] : hi;
    const double gb = g(b);
    if ((ga < 0.0) != (gb < 0.0)) zeros.push(refine_zero(g, a, b, ga, gb));
    a = b;
    ga = gb;
  }
  return zeros;
}

}  // namespace

double exp_sum_value(double constant, std::span<const ExpTerm> terms, double t_ms) {
  double sum = constant;
  for (const ExpTerm& term : terms) sum += term.coefficient * std::exp(-term.rate_per_ms * t_ms);
  return sum;
}

std::optional<double> first_upcrossing(double constant, std::span<const ExpTerm> terms,
                                       double threshold, double t_max_ms) {
  if (terms.size() > kMaxExpTerms)
    throw std::invalid_argument("first_upcrossing: at most 3 exponential terms");
  assert(std::isfinite(constant) && std::isfinite(threshold) && t_max_ms >= 0.0);
#ifndef NDEBUG
  for (std::size_t i = 0; i < terms.size(); ++i) {
    assert(std::isfinite(terms[i].coefficient));
    assert(terms[i].rate_per_ms > 0.0 && std::isfinite(terms[i].rate_per_ms));
    for (std::size_t j = 0; j < i; ++j) assert(terms[i].rate_per_ms != terms[j].rate_per_ms);
  }
#endif

  const double offset = constant - threshold;

  // Fast rejection: upper bound of g on [0, t_max], each term at its larger end.
  double upper = offset;
  for (const ExpTerm& term : terms)
    upper += term.coefficient >= 0.0 ? term.coefficient
                                     : term.coefficient * std::exp(-term.rate_per_ms * t_max_ms);
  if (upper < 0.0) return std::nullopt;

  ExpSum g = make_exp_sum(offset, terms);
  if (g(0.0) >= 0.0) return 0.0;
  if (g.offset == 0.0) g = divide_out_slowest(g);  // g(0) < 0 implies count > 0
  if (g.count == 0) return std::nullopt;           // constant g = g(0) < 0

  if (g.count == 1) {
    const auto t = single_term_zero(g.offset, g.terms[0]);
    if (t && *t >= 0.0 && *t <= t_max_ms) return *t;
    return std::nullopt;
  }

  const double end = std::min(t_max_ms, sign_stable_horizon(g));
  const Points critical = sign_changes(scaled_derivative(g), 0.0, end);
  double a = 0.0;
  double ga = g(0.0);
  for (std::size_t k = 0; k <= critical.count; ++k) {
    const double b = k < critical.count ? critical.t[k] : end;
    const double gb = g(b);
    if (gb >= 0.0) return gb == 0.0 ? b : refine_zero(g, a, b, ga, gb);
    a = b;
    ga = gb;
  }
  return std::nullopt;
}

}  // namespace ionspike
