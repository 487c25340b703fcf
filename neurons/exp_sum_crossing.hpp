// Exact first threshold crossing of a constant plus a sum of at most three decaying
// exponentials, used by event-driven neurons (LIF with exponential current synapses) to
// predict their next spike time exactly, without a time grid.
//
//   f(t) = C + sum_i c_i exp(-r_i t),   r_i > 0 pairwise distinct,   t in [0, T]
//   g(t) = f(t) - theta = K + sum_i c_i exp(-r_i t),   K = C - theta
//
// 1. Fast rejection (hot path, no root finding). Each term is monotone on [0, T], so
//      max_[0,T] g <= K + sum_i max(c_i, c_i exp(-r_i T))   (only terms with c_i < 0 need exp);
//    if the bound is negative there is no crossing.
// 2. f(0) >= theta (evaluated as g(0) >= 0) returns 0. Terms with c_i = 0 are dropped.
//    If K = 0, g is replaced by e^{r_0 t} g(t) = c_0 + sum_{i>=1} c_i e^{-(r_i - r_0) t}
//    (r_0 the smallest rate): same sign everywhere, nonzero constant, one term fewer.
// 3. Horizon. For t >= T_h = max(0, max_i ln(2 n |c_i| / |K|) / r_i) every transient is below
//    |K| / (2n), their sum below |K| / 2, so sign g = sign K: no sign change after T_h.
//    The search runs on [0, min(T, T_h)], which is finite even for T = +infinity; K > 0 then
//    guarantees a crossing, K < 0 with no crossing before T_h means none ever.
// 4. One term: closed form t = ln(-c / K) / r, evaluated as log1p(-g(0) / K) / r, which has
//    no cancellation when the crossing is close to 0.
// 5. n >= 2 terms: critical points of g are the zeros of g'(t) = -sum_i r_i c_i e^{-r_i t}.
//    Multiplying by e^{r_0 t} > 0, with r_0 the SMALLEST rate,
//      h(t) = e^{r_0 t} g'(t) = -r_0 c_0 + sum_{i>=1} (-r_i c_i) e^{-(r_i - r_0) t}
//    is again a constant plus n - 1 decaying exponentials (rates r_i - r_0 > 0, so nothing
//    grows or overflows on long horizons) with the same zeros. The same recursion isolates
//    the sign changes of h, down to one term (closed form). Between consecutive critical
//    points 0 = p_0 < p_1 < ... < p_m = T, g is monotone: the first sub-interval with
//    g(p_k) < 0 <= g(p_{k+1}) holds the first up-crossing, refined with TOMS 748
//    (boost::math::tools::toms748_solve). Sign changes of h at each level are refined the
//    same way. An exponential sum with n terms has at most n zeros; the work is bounded
//    (recursion depth <= 3, <= 100 TOMS 748 iterations per bracket): nothing loops forever.
//
// Accuracy: TOMS 748 stops when the bracket [a, b] satisfies b - a <= 2^-49 min(a, b)
// (eps_tolerance<double>(50), about 8 ulp); the returned time is the end b with computed
// g(b) >= 0, so f(t) >= theta holds up to the rounding of f. The closed form (one term) is
// within a few ulp. Beyond that the error is the conditioning of the root,
// ~ 1e-16 * (|K| + sum |c_i e^{-r_i t}|) / |g'(t)|.
//
// Tangent touches: a maximum of g that touches the threshold (computed g >= 0 at the computed
// critical point) IS reported as a crossing, at the point where the computed g first becomes
// >= 0. Maxima within rounding of the threshold are ill-conditioned and may go either way.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <span>

namespace ionspike {

// coefficient * exp(-rate_per_ms * t), t in ms.
struct ExpTerm {
  double coefficient;
  double rate_per_ms;
};

inline constexpr std::size_t kMaxExpTerms = 3;

// Smallest t in [0, t_max_ms] with f(t) >= threshold (the first up-crossing), where
// f(t) = constant + sum_i terms[i].coefficient * exp(-terms[i].rate_per_ms * t);
// std::nullopt if f stays below threshold on [0, t_max_ms]. Returns 0 if f(0) >= threshold.
// t_max_ms may be +infinity (see the horizon above).
// Preconditions: terms.size() <= kMaxExpTerms (throws std::invalid_argument otherwise),
// rates > 0 and pairwise distinct, all values finite, t_max_ms >= 0 (asserted in debug).
std::optional<double> first_upcrossing(double constant, std::span<const ExpTerm> terms,
                                       double threshold,
                                       double t_max_ms = std::numeric_limits<double>::infinity());

// f(t_ms) = constant + sum_i terms[i].coefficient * exp(-terms[i].rate_per_ms * t_ms).
double exp_sum_value(double constant, std::span<const ExpTerm> terms, double t_ms);

}  // namespace ionspike
