// Adaptive Gauss–Kronrod (7, 15) quadrature of a smooth function on [a, b].
//
// The 15-point Kronrod rule integrates polynomials of degree <= 22 exactly, the embedded
// 7-point Gauss rule those of degree <= 13; |K15 - G7| estimates the error of G7, and K15 is
// far more accurate than that estimate for smooth integrands (QUADPACK's qk15; Piessens et
// al. 1983). An interval whose estimate exceeds its share of the tolerance is bisected, to
// a depth of kMaxDepth. Nodes and weights: QUADPACK qk15 (tests/test_gauss_kronrod.cpp checks
// the degrees of exactness).
//
// Used for the insertion energy of EIS devices on pieces where G is known in closed form
// (synapses/eis_device.cpp), where it replaces a Dormand–Prince integration of the energy.
#pragma once

#include <array>
#include <cmath>

namespace ionspike {

struct GaussKronrod15 {
  // Abscissae on [-1, 1] (positive half, descending; the last is the centre).
  static constexpr std::array<double, 8> kNodes = {
      0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
      0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
      0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
      0.207784955007898467600689403773245, 0.0};
  static constexpr std::array<double, 8> kKronrodWeights = {
      0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
      0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
      0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
      0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
  // Gauss weights of the nodes kNodes[1], kNodes[3], kNodes[5] and the centre.
  static constexpr std::array<double, 4> kGaussWeights = {
      0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
      0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

  struct Estimate {
    double kronrod;
    double gauss;
  };

  // Both rules on [a, b].
  template <class F>
  static Estimate rules(const F& f, double a, double b) {
    const double c = 0.5 * (a + b), r = 0.5 * (b - a);
    const double fc = f(c);
    double k = kKronrodWeights[7] * fc, g = kGaussWeights[3] * fc;
    for (int i = 0; i < 7; ++i) {
      const double x = r * kNodes[static_cast<std::size_t>(i)];
      const double sum = f(c - x) + f(c + x);
      k += kKronrodWeights[static_cast<std::size_t>(i)] * sum;
      if (i % 2 == 1) g += kGaussWeights[static_cast<std::size_t>(i / 2)] * sum;
    }
    return {k * r, g * r};
  }
};

// 5-point Gauss-Legendre rule on [a, b] (exact to degree 9): for integrands known to be smooth
// on the scale of the interval, where no error estimate is needed.
template <class F>
double gauss_legendre5(const F& f, double a, double b) {
  constexpr double x1 = 0.538469310105683091036314420700208, x2 = 0.906179845938663992797626878299393;
  constexpr double w0 = 0.568888888888888888888888888888889, w1 = 0.478628670499366468080574964346326,
                   w2 = 0.236926885056189087514264040719918;
  const double c = 0.5 * (a + b), r = 0.5 * (b - a);
  return r * (w0 * f(c) + w1 * (f(c - r * x1) + f(c + r * x1)) + w2 * (f(c - r * x2) + f(c + r * x2)));
}

inline constexpr int kGaussKronrodMaxDepth = 12;

// Integral of f over [a, b] with |error estimate| <= abs_tol (per interval, proportionally
// to its length), bisecting up to kGaussKronrodMaxDepth times.
template <class F>
double integrate_gauss_kronrod(const F& f, double a, double b, double abs_tol, int depth = 0) {
  const GaussKronrod15::Estimate e = GaussKronrod15::rules(f, a, b);
  if (!(std::fabs(e.kronrod - e.gauss) > abs_tol) || depth >= kGaussKronrodMaxDepth) return e.kronrod;
  const double m = 0.5 * (a + b);
  return integrate_gauss_kronrod(f, a, m, 0.5 * abs_tol, depth + 1) +
         integrate_gauss_kronrod(f, m, b, 0.5 * abs_tol, depth + 1);
}

}  // namespace ionspike
